"""The trainer: minibatch steps over a split dataset, history, early stopping, divergence
detection, live hyperparameters, statistics and snapshots. Plain Python over kernels."""

from __future__ import annotations

import math
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.core import losses as loss_registry
from playground.core import optimizers as optimizer_registry
from playground.core import parts
from playground.core import penalties as penalty_registry
from playground.core import schedules as schedule_registry
from playground.core.errors import SpecError, check_number
from playground.core.history import DecimatingLog
from playground.core.layers import BLAS_MIN_WEIGHTS, Dense
from playground.core.network import Network
from playground.data.dataset import Dataset, Split
from playground.kernels import activations as ka
from playground.kernels import losses as kl
from playground.kernels import mlp as km
from playground.kernels import optimizers as ko

STEP_COLUMNS = ["step", "epoch", "loss", "penalty", "accuracy", "learning_rate"]
EPOCH_COLUMNS = ["epoch", "step", "loss", "accuracy", "val_loss", "val_accuracy",
                 "learning_rate", "seconds"]


@dataclass(frozen=True)
class Divergence:
    """Where training first produced a NaN or an infinity."""

    step: int  # 1-based number of the failing step
    epoch: int  # 1-based epoch it belonged to
    layer: str
    what: str  # "output", "loss", "gradient" or "exploded"
    loss: float = math.nan
    guess_loss: float = math.nan

    @property
    def message(self) -> str:
        where = {"output": f"the output of {self.layer} became NaN or infinite",
                 "loss": f"the loss at the output ({self.layer}) became NaN or infinite",
                 "gradient": f"the gradient of {self.layer} became NaN or infinite",
                 "exploded": f"the loss jumped to {self.loss:.3g}, over {EXPLOSION_FACTOR:g} "
                             f"times the {self.guess_loss:.3g} of a network that only guesses; "
                             f"the largest gradient was in {self.layer}"}[self.what]
        return (f"Training diverged at step {self.step} (epoch {self.epoch}): {where}. "
                "Lower the learning rate, then reset.")


@dataclass
class EarlyStopping:
    """Stop when the validation loss has not improved by min_delta for `patience` epochs (R5)."""

    patience: int = 10
    min_delta: float = 0.0
    restore_best: bool = True

    def __post_init__(self) -> None:
        self.patience = int(check_number("early_stopping.patience", self.patience, 1,
                                         integer=True))
        self.min_delta = float(check_number("early_stopping.min_delta", self.min_delta, 0.0))
        self.restore_best = bool(self.restore_best)


@dataclass(frozen=True)
class Snapshot:
    """A copy of the weights and the latest numbers, safe to read while training goes on."""

    step: int
    epoch: int
    theta: np.ndarray
    buffers: dict[str, np.ndarray]
    metrics: dict[str, float]
    learning_rate: float
    divergence: str | None
    stopped: str | None
    #: copies of the (bounded) histories, columns STEP_COLUMNS and EPOCH_COLUMNS, for curves
    steps: np.ndarray = field(default_factory=lambda: np.zeros((0, len(STEP_COLUMNS))))
    epochs: np.ndarray = field(default_factory=lambda: np.zeros((0, len(EPOCH_COLUMNS))))
    best_epoch: int | None = None


@dataclass(frozen=True)
class LayerStats:
    """Per-layer numbers for the statistics view (O7, I4)."""

    label: str
    activation_hist: tuple[np.ndarray, np.ndarray] | None  # (counts, bin edges)
    preactivation_hist: tuple[np.ndarray, np.ndarray] | None
    saturated_fraction: float | None  # sigmoid / tanh family: near-flat part of the curve
    dead_fraction: float | None  # ReLU family: units zero on every sample
    zero_fraction: float | None
    activation_mean: float
    activation_std: float
    grad_norm: float
    weight_norm: float


@dataclass
class _Arrays:
    X: np.ndarray
    Y: np.ndarray
    SW: np.ndarray
    labels: np.ndarray | None


EMPTY = np.zeros(0)

#: a batch is shared with other processes only in parts of at least this many samples: below
#: it the hand-over costs more than the part's work
MIN_ROWS_PER_THREAD = 8

#: values one forward/backward pass may touch (see _part_rows): 1 MB of float32, a core's L2
#: cache here. LeNet per 64 samples: 5.5 ms in parts of 11-16, 6.5 ms in parts of 22-32
PART_FLOATS = 1 << 18

#: a batch is shared only when each process's part touches at least this many values per
#: parameter: every step copies the weights out and adds a gradient back, and a dense MLP
#: (784-128-64-10, batch 64) ran at 0.9× on two processes while LeNet ran 1.7× as fast
PARALLEL_VALUES_PER_PARAMETER = 4

_blas_controller: Any = None


def one_blas_thread() -> Any:
    """A context in which NumPy's BLAS runs on the calling thread only, while worker processes
    train the batch's other parts (two BLAS threads here would fight them for the cores)."""
    global _blas_controller
    if _blas_controller is None:
        from threadpoolctl import ThreadpoolController

        _blas_controller = ThreadpoolController()
    return _blas_controller.limit(limits=1, user_api="blas")


#: a step whose loss passes this multiple of max(first loss, guessing loss) counts as divergence:
#: a too-large learning rate often throws the loss up by orders of magnitude without any NaN
EXPLOSION_FACTOR = 1000.0


class Trainer:
    def __init__(self, network: Network, loss: Any, optimizer: Any, split: Split,
                 batch_size: int = 32, schedule: Any = None, seed: int = 0,
                 class_weights: list[float] | None = None,
                 early_stopping: EarlyStopping | None = None, input_noise: float = 0.0,
                 augmenter: Any = None, threads: int = 1) -> None:
        self.network = network
        #: compute threads: with more than one, worker processes train parts of each batch on
        #: copies of the network (core.parts)
        self.threads = int(check_number("threads", threads, 1, 256, integer=True))
        self._workers: parts.PartWorkers | None = None
        self._grad_total: np.ndarray | None = None
        self.loss = loss_registry.get(loss)
        self.optimizer = optimizer_registry.get(optimizer)
        self.schedule = schedule_registry.get(schedule)
        self.split = split
        self.seed = int(seed)
        self.early_stopping = early_stopping
        #: std of Gaussian noise added to training inputs per batch (denoising, E3)
        self.input_noise = float(check_number("input_noise", input_noise, 0.0))
        #: per-batch image augmentation (D5): anything with apply(batch, rng), or None
        self.augmenter = augmenter if augmenter is not None and getattr(
            augmenter, "enabled", True) else None
        #: the data pipeline (features, preprocessing, raw points) when built from a document
        self.prepared: Any = None
        self.classification = split.train.classification
        self._check_output()
        self.class_weights = self._check_class_weights(class_weights)
        self.train_data = self._arrays(split.train)
        self.val_data = self._arrays(split.validation)
        self.test_data = self._arrays(split.test)
        if early_stopping is not None and len(split.validation) == 0:
            raise SpecError("early_stopping: needs a validation part (split.validation > 0)")
        self.guess_loss = self._guessing_loss()
        self.batch_size = batch_size
        self._fused = self._fusable()
        #: whether a batch may be trained in parts whose gradients are added up: not when
        #: batch statistics (BatchNorm) must see the whole batch
        self._splittable = not self._fused and not any(layer.buffers
                                                       for layer in network.layers)
        self._values_per_sample = sum(layer.floats_per_sample() for layer in network.layers)
        self._part_size = self._part_rows()
        self.reset_training_state()

    # --- set-up checks ---------------------------------------------------------------------------
    def _check_output(self) -> None:
        net = self.network
        last = net.layers[-1]
        outputs = int(np.prod(net.output_shape))
        fused = self.loss.fused_activation
        if fused is not None:
            act = getattr(last, "activation_fn", None)
            if act is None or act.name != fused:
                current = act.name if act is not None else "no activation"
                raise SpecError(f"loss: {self.loss.name} needs a {fused} output, but the last "
                                f"layer, {last.label}, has {current}; set its activation to "
                                f"{fused}")
        if outputs < self.loss.min_outputs:
            raise SpecError(f"loss: {self.loss.name} needs at least {self.loss.min_outputs} "
                            f"outputs, but {last.label} has {outputs}")
        if not self.classification and self.loss.classification:
            raise SpecError(f"loss: {self.loss.name} is for classification, but the dataset "
                            f"'{self.split.train.name}' is a regression problem; use mse")
        self.split.train.targets(outputs)  # raises a clear error when the counts differ
        last.logits_output = fused is not None
        self.outputs = outputs

    def _check_class_weights(self, weights: list[float] | None) -> np.ndarray | None:
        if weights is None:
            return None
        if not self.classification:
            raise SpecError("class_weights: only for classification datasets")
        if len(weights) != self.split.train.classes:
            raise SpecError(f"class_weights: {len(weights)} weights for "
                            f"{self.split.train.classes} classes")
        return np.array([check_number(f"class_weights[{i}]", w, 0.0)
                         for i, w in enumerate(weights)], dtype=np.float64)

    def _arrays(self, data: Dataset) -> _Arrays:
        dtype = self.network.dtype
        X = np.ascontiguousarray(data.X, dtype=dtype)
        if len(data) and not np.isfinite(X).all():
            raise SpecError(f"dataset '{data.name}': the inputs contain NaN or infinite values")
        Y = np.ascontiguousarray(data.targets(self.outputs), dtype=dtype)
        Y = Y.reshape(len(data), self.outputs)
        if data.labels is not None and self.class_weights is not None:
            SW = self.class_weights[data.labels].astype(dtype)
        else:
            SW = np.ones(len(data), dtype=dtype)
        return _Arrays(X, Y, SW, data.labels)

    def _guessing_loss(self) -> float:
        """The loss of a network that has learned nothing (R8: about ln C for C classes)."""
        Y = self.train_data.Y
        k = Y.shape[1]
        if self.loss.code == kl.BCE:
            return math.log(2.0)
        if self.loss.code == kl.SOFTMAX_CE:
            return math.log(k)
        if self.loss.code == kl.HINGE:
            return float(k - 1)
        spread = float(Y.astype(np.float64).var(axis=0).mean()) if len(Y) else 0.0
        return spread if spread > 0 else 1.0

    def _fusable(self) -> bool:
        """Plain dense stacks small enough that one fused kernel beats BLAS calls."""
        if self.input_noise > 0 or self.augmenter is not None:
            return False
        last = len(self.network.layers) - 1
        for i, layer in enumerate(self.network.layers):
            if type(layer) is not Dense or layer.params["weight"].size >= BLAS_MIN_WEIGHTS:
                return False
            code = layer.activation_fn.code
            if code == ka.PRELU or (code == ka.SOFTMAX and i != last):
                return False
        return True

    # --- state -----------------------------------------------------------------------------------
    def reset_training_state(self) -> None:
        """Forget the run (optimizer state, counters, history); weights are left as they are."""
        net = self.network
        self.s1, self.s2 = self.optimizer.initial_state(net.theta.size, net.dtype)
        self.step_count = 0
        self.epoch = 0  # completed epochs
        self.shuffle_rng = np.random.default_rng([self.seed, 2])
        self.noise_rng = np.random.default_rng([self.seed, 4])
        self._order = np.arange(0)
        self._pos = 0  # samples of the current epoch already used
        self._epoch_loss = 0.0
        self._epoch_correct = 0
        self._epoch_seen = 0
        self._epoch_started = time.perf_counter()
        self.steps = DecimatingLog(STEP_COLUMNS)
        self.epochs = DecimatingLog(EPOCH_COLUMNS)
        self.grad_norms = DecimatingLog(["step"] + [layer.label for layer in net.layers])
        self.divergence: Divergence | None = None
        self.stopped: str | None = None
        self.best_epoch: int | None = None
        self.best_val_loss = math.inf
        self._best_weights: dict[str, np.ndarray] | None = None
        self._wait = 0
        self._loss_limit = math.inf  # set from the first step's loss

    def continue_from(self, other: Trainer) -> bool:
        """Carry a run on over new data (the user painted or erased points): the weights,
        optimizer state, counters and histories of `other`, whose network must be built from
        the same layers for the same input. The epoch in progress starts over on the new data.
        Returns False (and changes nothing) when the networks differ."""
        mine, theirs = self.network, other.network
        if (mine.layer_configs() != theirs.layer_configs()
                or mine.input_shape != theirs.input_shape or mine.dtype != theirs.dtype
                or type(self.optimizer) is not type(other.optimizer)):
            return False
        mine.set_weight_arrays(theirs.weight_arrays())
        self.s1[...] = other.s1
        self.s2[...] = other.s2
        self.step_count, self.epoch = other.step_count, other.epoch
        self.steps, self.epochs, self.grad_norms = other.steps, other.epochs, other.grad_norms
        self.best_epoch, self.best_val_loss = other.best_epoch, other.best_val_loss
        self._best_weights, self._wait = other._best_weights, other._wait
        self._loss_limit = other._loss_limit
        self.divergence, self.stopped = other.divergence, other.stopped
        return True

    def reinitialize(self, seed: int | None = None) -> None:
        """New initial weights (same seed: the same weights) and a fresh run."""
        if seed is not None:
            self.seed = int(seed)
            self.network.seed = self.seed
        self.network.initialize(self.network.seed)
        for layer in self.network.layers:
            for name, (_shape, value) in layer.buffer_specs(layer.input_shape).items():
                layer.buffers[name][...] = value
        self.network.dropout_rng = np.random.default_rng([self.network.seed, 1])
        self.close()  # the workers' dropout streams start over too
        self.reset_training_state()

    @property
    def running(self) -> bool:
        return self.divergence is None and self.stopped is None

    @property
    def batch_size(self) -> int:
        return self._batch_size

    @batch_size.setter
    def batch_size(self, value: int) -> None:
        n = len(self.split.train)
        value = int(check_number("batch_size", value, 1, integer=True))
        self._batch_size = min(value, n)  # a batch larger than the data is full-batch
        self._workspace_rows = 0

    @property
    def steps_per_epoch(self) -> int:
        return -(-len(self.split.train) // self._batch_size)

    @property
    def learning_rate(self) -> float:
        """The rate the next step will use (base rate times the schedule's factor)."""
        return self.schedule.learning_rate(self.optimizer.learning_rate, self.step_count)

    def set_learning_rate(self, value: float) -> None:
        self.optimizer.learning_rate = value

    def set_momentum(self, value: float) -> None:
        self.optimizer.set_momentum(value)

    def set_penalty(self, layer_index: int, penalty: Any) -> None:
        layer = self.network.layer(layer_index)
        if not hasattr(layer, "set_penalty"):
            raise SpecError(f"{layer.label} has no weights to penalize")
        layer.set_penalty(penalty_registry.get(penalty))
        self.network.refresh_segments()

    def freeze(self, layer_index: int, frozen: bool = True) -> None:
        self.network.freeze(layer_index, frozen)

    # --- training --------------------------------------------------------------------------------
    def step(self) -> int:
        """One minibatch update; returns 1, or 0 when the run has stopped."""
        return self.run_steps(1)

    def run_epoch(self) -> int:
        """Steps until the current epoch ends (a whole epoch from a boundary)."""
        return self.run_steps(self.steps_until_epoch(self.epoch + 1))

    def steps_until_epoch(self, epoch: int) -> int:
        """Steps left until `epoch` epochs are complete (0 if they already are)."""
        if epoch <= self.epoch:
            return 0
        left = -(-(len(self.split.train) - self._pos) // self._batch_size)
        return left + (epoch - self.epoch - 1) * self.steps_per_epoch

    def fit(self, epochs: int, callback: Any = None) -> None:
        for _ in range(int(epochs)):
            if not self.running:
                break
            self.run_epoch()
            if callback is not None:
                callback(self)

    def run_steps(self, n: int) -> int:
        """Up to n minibatch steps, crossing epochs; stops early on divergence or early stopping.
        Returns the number of steps taken."""
        done = 0
        while done < n and self.running:
            if self._pos == 0:
                self._order = self.shuffle_rng.permutation(len(self.split.train))
            n_train = len(self._order)
            bs = self._batch_size
            left_in_epoch = -(-(n_train - self._pos) // bs)
            k = min(n - done, left_in_epoch)
            if self.step_count == 0:
                k = 1  # the first step alone: its loss sets the explosion limit
            starts = np.minimum(self._pos + bs * np.arange(k + 1, dtype=np.int64), n_train)
            taken = self._run_block(starts)
            done += taken
            self._pos = int(starts[taken])
            if self._pos >= n_train and self.divergence is None:
                self._end_epoch()
        return done

    def _run_block(self, starts: np.ndarray) -> int:
        k = len(starts) - 1
        t0 = self.step_count
        lrs = self.optimizer.learning_rate * self.schedule.factor(
            np.arange(t0, t0 + k, dtype=np.float64))
        losses = np.zeros(k)
        penalties = np.zeros(k)
        correct = np.zeros(k, dtype=np.int64)
        gnorms = np.zeros((k, len(self.network.layers)))
        status = np.zeros(3, dtype=np.int64)
        if self._fused:
            taken = self._fused_block(starts, lrs, losses, penalties, correct, gnorms, status)
        elif self._parts_for(self._batch_size) > 1:
            with one_blas_thread():  # the parts are the threads; BLAS must not add its own
                taken = self._layerwise_block(starts, lrs, losses, penalties, correct, gnorms,
                                              status)
        else:
            taken = self._layerwise_block(starts, lrs, losses, penalties, correct, gnorms, status)
        if taken:
            if t0 == 0:
                self._loss_limit = EXPLOSION_FACTOR * max(float(losses[0]), self.guess_loss)
            sizes = np.diff(starts[:taken + 1]).astype(np.float64)
            steps = np.arange(t0 + 1, t0 + taken + 1, dtype=np.float64)
            acc = correct[:taken] / sizes if self.classification else np.full(taken, np.nan)
            self.steps.extend(np.column_stack([steps, np.full(taken, self.epoch + 1.0),
                                               losses[:taken], penalties[:taken], acc,
                                               lrs[:taken]]))
            self.grad_norms.extend(np.column_stack([steps, gnorms[:taken]]))
            self._epoch_loss += float(losses[:taken] @ sizes)
            self._epoch_correct += int(correct[:taken].sum())
            self._epoch_seen += int(sizes.sum())
            self.step_count += taken
        if status[0] != km.OK:
            failed_step = t0 + int(status[2]) + 1
            what = {km.BAD_FORWARD: "output", km.BAD_LOSS: "loss", km.BAD_GRADIENT: "gradient",
                    km.EXPLODED: "exploded"}[int(status[0])]
            layer = int(status[1])
            if status[0] == km.EXPLODED:
                norms = self.grad_norms.array()
                if len(norms):
                    layer = int(np.argmax(norms[-1, 1:]))
            self.divergence = Divergence(failed_step, self.epoch + 1,
                                         self.network.layers[layer].label, what,
                                         float(losses[int(status[2])]), self.guess_loss)
        return taken

    def _workspace(self) -> None:
        if self._workspace_rows == self._batch_size:
            return
        rows = self._batch_size
        net = self.network
        dtype = net.dtype
        self._sizes = np.array([net.input_shape[0]] + [layer.units for layer in net.layers],
                               dtype=np.int64)
        self._acts = np.array([layer.activation_fn.code for layer in net.layers], dtype=np.int64)
        self._alphas = np.array([layer.activation_fn.alpha_value for layer in net.layers])
        w_off, b_off = [], []
        for li in range(len(net.layers)):
            segs = {s.name: s.start for s in net.segments if s.layer == li}
            w_off.append(segs["weight"])
            b_off.append(segs.get("bias", -1))
        self._w_off = np.array(w_off, dtype=np.int64)
        self._b_off = np.array(b_off, dtype=np.int64)
        self._a_off = np.concatenate([[0], np.cumsum(self._sizes * rows)]).astype(np.int64)
        total = int(self._a_off[-1])
        width = int(self._sizes.max())
        self._ws_a = np.zeros(total, dtype=dtype)
        self._ws_z = np.zeros(total, dtype=dtype)
        self._d1 = np.zeros(rows * width, dtype=dtype)
        self._d2 = np.zeros(rows * width, dtype=dtype)
        self._ws_y = np.zeros(rows * self.outputs, dtype=dtype)
        self._ws_sw = np.zeros(rows, dtype=dtype)
        self._zero_bias = np.zeros(width, dtype=dtype)
        self._pa_off = np.concatenate([[0], np.cumsum(self._sizes * km.PREDICT_BLOCK)]).astype(
            np.int64)
        self._pws_a = np.zeros(int(self._pa_off[-1]), dtype=dtype)
        self._pws_z = np.zeros(int(self._pa_off[-1]), dtype=dtype)
        self._workspace_rows = rows

    def _fused_block(self, starts, lrs, losses, penalties, correct, gnorms, status) -> int:
        self._workspace()
        net = self.network
        opt = self.optimizer
        d = self.train_data
        return km.train_mlp(d.X, d.Y, d.SW, self._order, starts, self._sizes, self._acts,
                            self._alphas, self._w_off, self._b_off, self.loss.code,
                            self.loss.fused_activation is not None, self.classification,
                            self._loss_limit, opt.code, opt.hyperparameters(), lrs,
                            self.step_count, opt.clipnorm,
                            net.theta, net.grad, self.s1, self.s2, net.seg_i, net.seg_f,
                            net.seg_gsq, self._ws_a, self._ws_z, self._a_off, self._d1, self._d2,
                            self._ws_y, self._ws_sw, self._zero_bias, losses, penalties, correct,
                            gnorms, status)

    def _part_rows(self) -> int:
        """Samples per forward/backward pass, so that a pass's values stay in the core's cache
        (see PART_FLOATS; a LeNet step of 64 in one pass took 1.4× as long)."""
        widest = max(layer.floats_per_sample() for layer in self.network.layers)
        return max(MIN_ROWS_PER_THREAD, PART_FLOATS // max(widest, 1))

    def _parts_for(self, rows: int) -> int:
        """How many processes share a batch of `rows` samples (this one and its workers)."""
        count = min(self.threads, rows // MIN_ROWS_PER_THREAD)
        if count < 2 or not self._splittable:
            return 1
        if rows // count * self._values_per_sample < (PARALLEL_VALUES_PER_PARAMETER
                                                      * self.network.theta.size):
            return 1
        return count

    def _part_workers(self) -> parts.PartWorkers:
        if self._workers is None:
            self._workers = parts.PartWorkers(
                self.network, self.threads - 1, self.loss.code,
                self.loss.fused_activation is not None, self.classification, self.outputs,
                self._part_size)
            self._close_workers = weakref.finalize(self, self._workers.close)
        return self._workers

    @property
    def worker_processes(self) -> int:
        """Worker processes training parts of each batch now (they start at the first step
        that shares a batch, and end with close())."""
        return 0 if self._workers is None else len(self._workers.processes)

    def close(self) -> None:
        """End the worker processes, if any (a later parallel step starts new ones)."""
        if self._workers is not None:
            self._close_workers()
            self._workers = None

    def _train_batch(self, xb: np.ndarray, yb: np.ndarray, sw: np.ndarray,
                     ) -> tuple[float, int, int | None]:
        """Forward and backward over one batch into network.grad, in parts: returns (loss,
        correct predictions, first layer with a non-finite output when the loss is not
        finite)."""
        net = self.network
        rows = len(xb)
        count = self._parts_for(rows)
        piece = self._part_size if self._splittable else rows
        if self._grad_total is None and piece < rows:
            self._grad_total = np.empty_like(net.grad)
        args = (self.loss.code, self.loss.fused_activation is not None, self.classification)
        if count == 1:
            loss, correct = parts.train_rows(net, *args, xb, yb, sw, 1.0 / rows,
                                             self._loss_limit, piece, self._grad_total)
            bad = parts.first_bad_output(net) if not math.isfinite(loss) else None
            return loss, correct, bad
        workers = self._part_workers()
        cuts = [rows * p // count for p in range(count + 1)]
        for k in range(1, count):
            a, b = cuts[k], cuts[k + 1]
            workers.start(k - 1, xb[a:b], yb[a:b], sw[a:b], 1.0 / rows, math.inf)
        loss, correct = parts.train_rows(net, *args, xb[:cuts[1]], yb[:cuts[1]], sw[:cuts[1]],
                                         1.0 / rows, math.inf, self._part_size,
                                         self._grad_total)
        bads = [parts.first_bad_output(net) if not math.isfinite(loss) else None]
        for k in range(1, count):
            part_loss, part_correct, bad, grad = workers.finish(k - 1)
            loss += part_loss
            correct += part_correct
            bads.append(bad)
            net.grad += grad
        found = [b for b in bads if b is not None]
        return loss, correct, (min(found) if found else None)

    def _layerwise_block(self, starts, lrs, losses, penalties, correct, gnorms, status) -> int:
        net = self.network
        opt = self.optimizer
        d = self.train_data
        hp = opt.hyperparameters()
        seg_layer = net.seg_i[:, ko.S_LAYER]
        for j in range(len(starts) - 1):
            idx = self._order[starts[j]:starts[j + 1]]
            xb, yb, sw = self._gather(d, idx)
            if self.augmenter is not None:
                xb = np.ascontiguousarray(self.augmenter.apply(xb, self.noise_rng), d.X.dtype)
            if self.input_noise > 0:
                xb = xb + self.noise_rng.normal(0.0, self.input_noise, xb.shape).astype(xb.dtype)
            loss, correct[j], bad = self._train_batch(xb, yb, sw)
            if not math.isfinite(loss):
                status[:] = (km.BAD_LOSS, len(net.layers) - 1, j)
                if bad is not None:
                    status[:2] = (km.BAD_FORWARD, bad)
                return j
            losses[j] = loss
            if loss > self._loss_limit:
                status[:] = (km.EXPLODED, len(net.layers) - 1, j)
                return j
            penalties[j], bad_seg = ko.update_kernel(
                opt.code, hp, lrs[j], self.step_count + j + 1, opt.clipnorm, net.theta, net.grad,
                self.s1, self.s2, net.seg_i, net.seg_f, net.seg_gsq)
            gnorms[j] = np.sqrt(np.bincount(seg_layer, net.seg_gsq, len(net.layers)))
            if bad_seg >= 0:
                status[:] = (km.BAD_GRADIENT, seg_layer[bad_seg], j)
                return j
        return len(starts) - 1

    def _gather(self, d: _Arrays, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """The batch's rows, copied into arrays kept between steps (a fresh one per step costs
        page faults for image batches); the previous batch is no longer needed by then."""
        key = (len(idx), d.X.dtype)
        if getattr(self, "_batch_key", None) != key:
            self._batch_key = key
            self._batch = (np.empty((len(idx), *d.X.shape[1:]), d.X.dtype),
                           np.empty((len(idx), d.Y.shape[1]), d.Y.dtype),
                           np.empty(len(idx), d.SW.dtype))
        xb, yb, sw = self._batch
        np.take(d.X, idx, axis=0, out=xb)
        np.take(d.Y, idx, axis=0, out=yb)
        np.take(d.SW, idx, axis=0, out=sw)
        return xb, yb, sw

    def _logits(self, out2: np.ndarray) -> np.ndarray:
        if self.loss.fused_activation is None:
            return out2
        return self.network.layers[-1].z.reshape(out2.shape)

    def _end_epoch(self) -> None:
        self.epoch += 1
        self._pos = 0
        seen = max(self._epoch_seen, 1)
        train_loss = self._epoch_loss / seen
        train_acc = self._epoch_correct / seen if self.classification else math.nan
        val = self.evaluate("validation") if len(self.split.validation) else {}
        now = time.perf_counter()
        self.epochs.append(epoch=self.epoch, step=self.step_count, loss=train_loss,
                           accuracy=train_acc, val_loss=val.get("loss", math.nan),
                           val_accuracy=val.get("accuracy", math.nan),
                           learning_rate=self.learning_rate, seconds=now - self._epoch_started)
        self._epoch_started = now
        self._epoch_loss = 0.0
        self._epoch_correct = 0
        self._epoch_seen = 0
        if self.early_stopping is not None and val:
            self._early_stopping_check(val["loss"])

    def _early_stopping_check(self, val_loss: float) -> None:
        es = self.early_stopping
        if val_loss < self.best_val_loss - es.min_delta:
            self.best_val_loss = val_loss
            self.best_epoch = self.epoch
            self._best_weights = self.network.weight_arrays() if es.restore_best else None
            self._wait = 0
            return
        self._wait += 1
        if self._wait >= es.patience:
            restored = ""
            if self._best_weights is not None:
                self.network.set_weight_arrays(self._best_weights)
                restored = f"; restored the weights of epoch {self.best_epoch}"
            self.stopped = (f"Early stopping after epoch {self.epoch}: the validation loss has "
                            f"not improved for {es.patience} epochs (best "
                            f"{self.best_val_loss:.4g} at epoch {self.best_epoch}){restored}.")

    # --- evaluation ------------------------------------------------------------------------------
    def outputs_and_logits(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Inference outputs (n, k) and the logits the loss uses (the same array when unfused)."""
        net = self.network
        n = len(X)
        if self._fused and self.loss.fused_activation is None:
            out = self._fused_predict(X, logits_out=False)
            return out, out
        if self._fused:
            logits = self._fused_predict(X, logits_out=True)
            out = np.empty_like(logits)
            fn = net.layers[-1].activation_fn
            if fn.code == ka.SOFTMAX:
                ka.softmax_rows(logits, out)
            else:
                ka.act_forward(fn.code, fn.alpha_value, logits, out)
            return out, logits
        outs, zs = [], []
        rows = self._inference_rows()
        for start in range(0, n, rows):
            o = net.forward(X[start:start + rows]).reshape(-1, self.outputs)
            outs.append(o.copy())
            zs.append(self._logits(o).copy())
        if not outs:
            empty = np.zeros((0, self.outputs), dtype=net.dtype)
            return empty, empty
        return np.concatenate(outs), np.concatenate(zs)

    def _inference_rows(self) -> int:
        """Samples per inference block: a convolution's columns take k·k·C values per output
        pixel, so 2,048 MNIST images at once held 800 MB; keep a block's largest layer output
        (times 25, about a 5×5 kernel's columns) near 16 M values."""
        largest = max(int(np.prod(layer.output_shape)) for layer in self.network.layers)
        widest = max(largest, int(np.prod(self.network.input_shape)))
        return int(np.clip((1 << 24) // (25 * widest), 64, 2048))

    def _fused_predict(self, X: np.ndarray, logits_out: bool) -> np.ndarray:
        self._workspace()
        net = self.network
        out = np.empty((len(X), self.outputs), dtype=net.dtype)
        km.predict_mlp(np.ascontiguousarray(X, dtype=net.dtype), self._sizes, self._acts,
                       self._alphas, self._w_off, self._b_off, net.theta, out, self._pws_a,
                       self._pws_z, self._pa_off, self._zero_bias, logits_out)
        return out

    def predict(self, X: np.ndarray, mc_samples: int = 0) -> np.ndarray:
        """Network outputs (n, k) for any inputs (R3: mc_samples > 0 averages dropout draws)."""
        if mc_samples > 0:
            return self.network.predict(X, mc_samples=mc_samples).reshape(len(X), -1)
        if self._fused:
            return self._fused_predict(X, logits_out=False)
        return self.outputs_and_logits(X)[0]

    def evaluate(self, part: str = "validation") -> dict[str, Any]:
        """Loss (penalty excluded) and metrics on 'train', 'validation' or 'test'."""
        data = {"train": self.train_data, "validation": self.val_data,
                "test": self.test_data}.get(part)
        if data is None:
            raise SpecError(f"unknown part {part!r}: use train, validation or test")
        n = len(data.X)
        if n == 0:
            return {}
        out, z = self.outputs_and_logits(data.X)
        loss = kl.loss_kernel(self.loss.code, z, out, data.Y, data.SW, 1.0 / n, out, False,
                              EMPTY.astype(out.dtype))
        result: dict[str, Any] = {"loss": float(loss)}
        if self.classification:
            result.update(classification_metrics(out, data.labels, self.split.train.classes))
        else:
            result["r2"] = r_squared(out, data.Y)
        return result

    # --- inspection ------------------------------------------------------------------------------
    def layer_statistics(self, samples: int = 512, bins: int = 30) -> list[LayerStats]:
        """Histograms and health numbers per layer on up to `samples` training inputs."""
        net = self.network
        X = self.train_data.X[:samples]
        stats = []
        a = X
        grad_sq = np.bincount(net.seg_i[:, ko.S_LAYER], net.seg_gsq, len(net.layers))
        for li, layer in enumerate(net.layers):
            a = layer.forward(a, False, net.dropout_rng, False)
            fn = getattr(layer, "activation_fn", None)
            z = getattr(layer, "z", None) if fn is not None else None
            flat = a.reshape(len(a), -1).astype(np.float64)
            saturated = dead = zero = None
            if fn is not None and fn.saturating and fn.code != ka.SOFTMAX:
                deriv = fn.derivative(z.astype(np.float64))
                saturated = float((deriv < 0.1 * _peak_slope(fn)).mean())
            if fn is not None and fn.can_die:
                zero = float((flat <= 0).mean())
                dead = float((flat <= 0).all(axis=0).mean())
            weights = [net.theta[s.start:s.end] for s in net.segments
                       if s.layer == li and s.spec.is_kernel]
            wnorm = float(np.sqrt(sum(float(w.astype(np.float64) @ w) for w in weights)))
            stats.append(LayerStats(
                layer.label, np.histogram(flat, bins=bins),
                np.histogram(z.astype(np.float64), bins=bins) if z is not None else None,
                saturated, dead, zero, float(flat.mean()), float(flat.std()),
                float(math.sqrt(grad_sq[li])), wnorm))
        return stats

    def snapshot(self) -> Snapshot:
        """Copied weights and latest metrics for a view to draw while training continues."""
        net = self.network
        metrics = {"loss": self.steps.last("loss"), "accuracy": self.steps.last("accuracy"),
                   "val_loss": self.epochs.last("val_loss"),
                   "val_accuracy": self.epochs.last("val_accuracy")}
        theta, buffers = net.state_copy()
        return Snapshot(self.step_count, self.epoch, theta, buffers, metrics,
                        self.learning_rate,
                        self.divergence.message if self.divergence else None, self.stopped,
                        self.steps.array(), self.epochs.array(), self.best_epoch)


def _peak_slope(fn: Any) -> float:
    return float(np.abs(fn.derivative(np.linspace(-3.0, 3.0, 601))).max())


def classification_metrics(outputs: np.ndarray, labels: np.ndarray, classes: int) -> dict[str, Any]:
    """Accuracy, per-class accuracy and the confusion matrix (rows: true, columns: predicted)."""
    if outputs.shape[1] == 1:
        predicted = (outputs[:, 0] > 0.5).astype(np.int64)
    else:
        predicted = outputs.argmax(axis=1)
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    per_class = [float(confusion[c, c] / row) if (row := confusion[c].sum()) else math.nan
                 for c in range(classes)]
    return {"accuracy": float((predicted == labels).mean()), "per_class_accuracy": per_class,
            "confusion": confusion.tolist()}


def r_squared(outputs: np.ndarray, targets: np.ndarray) -> float:
    """Coefficient of determination over all output columns."""
    residual = float(((targets - outputs) ** 2).sum())
    total = float(((targets - targets.mean(axis=0)) ** 2).sum())
    return 1.0 - residual / total if total > 0 else math.nan

