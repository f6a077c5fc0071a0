"""The training worker (DESIGN.md, "Training ↔ GUI"): a QObject living in its own QThread that
trains in time-budgeted chunks and re-queues itself, so commands from the GUI (pause, step,
reset, live hyperparameters) arrive between chunks without locks. It sends copied snapshots
at most about 30 times a second, and always on pause, step, stop and finish. The GUI thread
never trains."""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment
from playground.core.trainer import Trainer

CHUNK_SECONDS = 0.013
SNAPSHOT_INTERVAL = 0.024  # every second chunk (each ~14 ms with its last call): ~35 a second
GIL_SWITCH_SECONDS = 0.001


@dataclass(frozen=True)
class RunInfo:
    """What the views need to know about a freshly built run (read-only for the GUI thread)."""

    experiment: Experiment
    prepared: Any  # data.pipeline.Prepared: the split, raw points and input transform
    layer_configs: list[dict[str, Any]]
    input_shape: tuple[int, ...]
    dtype: Any
    classification: bool
    classes: int
    kept_weights: bool  # the previous run carried on over new data (painted points)


@dataclass(frozen=True)
class Evaluation:
    part: str
    step: int  # the step count the outputs belong to
    indices: np.ndarray  # positions in the part
    outputs: np.ndarray  # (n, k) network outputs
    metrics: dict[str, Any]  # loss, accuracy, per_class_accuracy, confusion (or r2)
    seconds: float = 0.0  # what it cost the worker


def warm_up_kernels() -> None:
    """Load (or compile, on a first start) the kernels the app uses: a tiny dense run on both
    training paths, inference, and a tiny convolutional step, so that no later call on any thread
    stalls while Numba loads code under the GIL."""
    from playground.core.network import Network
    from playground.core.trainer import Trainer as _Trainer
    from playground.data.dataset import Dataset, Split

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    labels = (X[:, 0] * X[:, 1] > 0).astype(np.int64)
    part = Dataset("warm-up", X, labels, class_names=["0", "1"])
    for layers in ([{"name": "dense", "units": 4}, {"name": "dense", "units": 1,
                                                   "activation": "sigmoid"}],
                   [{"name": "dense", "units": 4}, {"name": "dropout", "rate": 0.1},
                    {"name": "dense", "units": 1, "activation": "sigmoid"}]):
        net = Network(layers, (2,))
        trainer = _Trainer(net, "binary_crossentropy", "adam", Split(part, part, part))
        trainer.run_steps(5)
        trainer.evaluate("validation")
        net.forward_all(X.astype(np.float32))
    images = rng.random((8, 1, 8, 8))
    part = Dataset("warm-up", images, np.arange(8) % 2, class_names=["0", "1"])
    # two convolutions: the second's backward also needs the input gradient (col2im)
    net = Network([{"name": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same"},
                   {"name": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same"},
                   {"name": "maxpool2d"}, {"name": "flatten"},
                   {"name": "dense", "units": 2, "activation": "softmax"}], (1, 8, 8))
    trainer = _Trainer(net, "softmax_crossentropy", {"name": "momentum"},
                       Split(part, part, part), batch_size=4)
    trainer.run_steps(2)
    net.forward_all(images.astype(np.float32))


class TrainingWorker(QObject):
    """Owns the Trainer; every method runs on the worker's thread (call it through signals)."""

    snapshot = Signal(object)  # core.trainer.Snapshot
    built = Signal(object)  # RunInfo, after every successful load
    failed = Signal(str)  # a bad setting or request: the message for the user
    load_failed = Signal(str)  # a document that cannot be trained: the run is gone
    notice = Signal(str)  # something the user should know that is not an error
    running_changed = Signal(bool)
    ready = Signal(float)  # kernels warmed up (seconds it took)
    evaluated = Signal(object)  # Evaluation of a part (predictions, confusion)
    excited = Signal(object)  # (layer 1-based, unit, core.excite.Excitation)

    def __init__(self) -> None:
        super().__init__()
        self.trainer: Trainer | None = None
        self.experiment: Experiment | None = None
        self.running = False
        #: steps per chunk in slow motion (0: as many as fit in the time budget)
        self.slow_steps = 0
        self.slow_delay_ms = 0
        self._last_snapshot = 0.0
        self._timer: QTimer | None = None
        self._budget: int | None = None  # stop when this many epochs are done
        self._stepping_epoch = False  # the Epoch button: to the epoch's end, quietly

    # --- commands (queued from the GUI thread) ------------------------------------------------
    @Slot()
    def warm_up(self) -> None:
        start = time.perf_counter()
        warm_up_kernels()
        self.ready.emit(time.perf_counter() - start)

    @Slot(object, bool)
    def load(self, experiment: Experiment, carry_on: bool = False) -> None:
        """Build a new run from a document (a structural change resets). With carry_on, a
        network of the same shape goes on from where the current run is (weights, optimizer
        state, counters, curves): the user edited the data under it. A document that cannot
        be built leaves no run behind, so nothing stale can be trained."""
        self._set_running(False)
        try:
            trainer = experiment.build()
        except (PlaygroundError, MemoryError, OSError) as exc:  # a bad fit, too big, a file gone
            self.trainer = None
            self.experiment = None
            text = str(exc) if isinstance(exc, PlaygroundError) else \
                f"Could not build the run: {exc}"
            self.load_failed.emit(text)
            return
        old = self.trainer
        kept = carry_on and old is not None and trainer.continue_from(old)
        self.experiment = experiment
        self.trainer = trainer
        net = trainer.network
        train = trainer.split.train
        self.built.emit(RunInfo(experiment, trainer.prepared, net.layer_configs(),
                                net.input_shape, net.dtype, train.classification,
                                train.classes if train.classification else 0, kept))
        self._emit(force=True)

    @Slot()
    def play(self) -> None:
        if self.trainer is None or not self.trainer.running:
            self._emit(force=True)
            return
        # the epoch budget holds until it is reached; playing on past it trains on freely
        self._budget = self.experiment.epochs if self.trainer.epoch < self.experiment.epochs \
            else None
        self._stepping_epoch = False
        self._set_running(True)
        self._schedule()

    @Slot()
    def pause(self) -> None:
        self._set_running(False)
        self._emit(force=True)

    @Slot()
    def step_batch(self) -> None:
        self._set_running(False)
        if self.trainer is not None:
            self.trainer.step()
        self._emit(force=True)

    @Slot()
    def step_epoch(self) -> None:
        """To the end of the epoch, in chunks like Play (so Pause and closing still answer on
        a 60,000-image epoch), at full speed, then stop quietly."""
        if self.trainer is None or not self.trainer.running:
            self._emit(force=True)
            return
        self._budget = self.trainer.epoch + 1
        self._stepping_epoch = True
        self._set_running(True)
        self._schedule()

    @Slot()
    def reset(self) -> None:
        """New initial weights from the run's seed; settings are kept."""
        self._set_running(False)
        if self.trainer is not None:
            self.trainer.reinitialize()
        self._emit(force=True)

    @Slot(str, object)
    def set_hyperparameter(self, name: str, value: Any) -> None:
        """Live changes: learning_rate, momentum, batch_size, or penalty (layer, config)."""
        if self.trainer is None:
            return
        try:
            if name == "learning_rate":
                self.trainer.set_learning_rate(value)
            elif name == "momentum":
                self.trainer.set_momentum(value)
            elif name == "batch_size":
                self.trainer.batch_size = value
            elif name == "penalty":
                layer, config = value
                self.trainer.set_penalty(layer, config)
            elif name == "frozen":
                frozen = {int(i) for i in value or []}
                for index in range(1, len(self.trainer.network.layers) + 1):
                    self.trainer.freeze(index, index in frozen)
                self.experiment.frozen = sorted(frozen)
            elif name == "epochs":
                self.experiment.epochs = int(value)
                if self._budget is not None:
                    self._budget = int(value)
            else:
                raise PlaygroundError(f"{name} cannot change during training")
        except PlaygroundError as exc:
            self.failed.emit(str(exc))
        self._emit(force=not self.running)

    @Slot(int, str, int, float)
    def set_parameter(self, layer: int, name: str, index: int, value: float) -> None:
        """A weight typed by the user: layer (0-based), parameter name, flat index, new value."""
        if self.trainer is None:
            return
        try:
            target = self.trainer.network.layers[layer].params[name].reshape(-1)
            target[index] = value
        except (IndexError, KeyError):
            self.failed.emit(f"There is no {name} #{index} in layer {layer + 1}")
            return
        self._emit(force=not self.running)

    @Slot(str, int)
    def evaluate(self, part: str, limit: int) -> None:
        """Outputs of up to `limit` samples of a part, with the metrics (the test set is scored
        only when the user asks: this is how the views ask)."""
        trainer = self.trainer
        if trainer is None:
            return
        data = {"train": trainer.split.train, "validation": trainer.split.validation,
                "test": trainer.split.test}.get(part)
        if data is None or not len(data):
            self.failed.emit(f"There is no {part} data to score in this run.")
            return
        start = time.perf_counter()
        count = min(int(limit), len(data))
        outputs = trainer.predict(data.X[:count])
        metrics = trainer.evaluate(part)
        self.evaluated.emit(Evaluation(part, trainer.step_count, np.arange(count), outputs,
                                       metrics, time.perf_counter() - start))

    @Slot(int, int)
    def excite(self, layer: int, unit: int) -> None:
        """The input that most excites a unit (layer 1-based), by gradient ascent (C6)."""
        from playground.core.excite import maximize_unit

        if self.trainer is None:
            return
        try:
            result = maximize_unit(self.trainer.network, layer, unit)
        except PlaygroundError as exc:
            self.failed.emit(str(exc))
            return
        self.excited.emit((layer, unit, result))

    @Slot(str)
    def load_weights(self, path: str) -> None:
        """Weights saved from another run: every array whose layer number, type and shape match
        is loaded (T1); the rest keep their values."""
        if self.trainer is None:
            return
        network = self.trainer.network
        try:
            loaded = network.load_weights(path, strict=False)
        except PlaygroundError as exc:
            self.failed.emit(str(exc))
            return
        total = len(network.weight_arrays())
        if not loaded:
            self.failed.emit(f"None of the weights in {path} fit this network: layers must "
                             "have the same number, type and shape.")
            return
        layers = sorted({int(name.split(".")[0]) for name in loaded})
        self.notice.emit(f"Loaded {len(loaded)} of {total} weight arrays, into layer"
                         f"{'s' * (len(layers) > 1)} {', '.join(map(str, layers))}.")
        self._emit(force=True)

    @Slot(int, int)
    def set_speed(self, steps_per_frame: int, delay_ms: int) -> None:
        """0 steps: full speed; otherwise that many steps, then wait delay_ms (slow motion)."""
        self.slow_steps = max(0, int(steps_per_frame))
        self.slow_delay_ms = max(0, int(delay_ms))

    @Slot()
    def stop(self) -> None:
        """Before the thread quits: no chunk may run after this."""
        self._set_running(False)
        if self._timer is not None:
            # a timer must die on its own thread: deleted here, before the thread ends
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    # --- the loop --------------------------------------------------------------------------------
    def _schedule(self) -> None:
        if self._timer is None:
            self._timer = QTimer(self)
            self._timer.setSingleShot(True)
            self._timer.timeout.connect(self._chunk)
        self._timer.start(self.slow_delay_ms if self.slow_steps else 0)

    @Slot()
    def _chunk(self) -> None:
        trainer = self.trainer
        if not self.running or trainer is None:
            return
        limit = (1 << 62) if self._budget is None else trainer.steps_until_epoch(self._budget)
        if self.slow_steps and not self._stepping_epoch:
            trainer.run_steps(min(self.slow_steps, limit))
        else:
            deadline = time.perf_counter() + CHUNK_SECONDS
            batch = 1
            done = 0
            while time.perf_counter() < deadline and trainer.running and done < limit:
                start = time.perf_counter()
                done += trainer.run_steps(min(batch, limit - done))
                took = time.perf_counter() - start
                # grow the batch of steps while each call is far below the budget
                if took < CHUNK_SECONDS / 8:
                    batch = min(batch * 2, 1 << 16)
        if not trainer.running:  # diverged or stopped early: stop and say so
            self._set_running(False)
            self._emit(force=True)
            return
        if self._budget is not None and trainer.epoch >= self._budget:
            quiet = self._stepping_epoch
            self._set_running(False)
            self._emit(force=True)
            if not quiet:
                self.notice.emit(f"Finished the {self._budget} epochs set for this run. "
                                 "Play continues training; raise Epochs to set a new goal.")
            self._budget = None
            return
        self._emit(force=False)
        self._schedule()

    def _set_running(self, running: bool) -> None:
        if running != self.running:
            self.running = running
            if not running:  # the last numbers arrive before the news that training paused
                self._stepping_epoch = False
                self._emit(force=True)
            self.running_changed.emit(running)

    def _emit(self, force: bool) -> None:
        now = time.perf_counter()
        if self.trainer is None or (not force and now - self._last_snapshot < SNAPSHOT_INTERVAL):
            return
        self._last_snapshot = now
        self.snapshot.emit(self.trainer.snapshot())


class TrainingController(QObject):
    """The GUI side: starts the worker's thread, forwards commands as queued signals, keeps the
    latest snapshot, and shuts the thread down cleanly."""

    load_requested = Signal(object, bool)
    warm_up_requested = Signal()
    parameter_requested = Signal(int, str, int, float)
    evaluate_requested = Signal(str, int)
    excite_requested = Signal(int, int)
    load_weights_requested = Signal(str)
    play_requested = Signal()
    pause_requested = Signal()
    step_batch_requested = Signal()
    step_epoch_requested = Signal()
    reset_requested = Signal()
    hyperparameter_requested = Signal(str, object)
    speed_requested = Signal(int, int)
    stop_requested = Signal()

    snapshot_received = Signal(object)
    built = Signal(object)  # RunInfo
    load_failed = Signal(str)
    message = Signal(str)  # problems: divergence, bad settings
    notice = Signal(str)  # news: an epoch budget reached
    ready = Signal(float)
    evaluated = Signal(object)
    excited = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Between kernel calls the worker needs the GIL for a moment; with CPython's default
        # 5 ms switch interval it waits that long whenever the GUI thread is drawing, which
        # cost half the training rate. 1 ms measured best (0.2 ms starves the GUI instead).
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        self.latest = None
        self.latest_stop: str | None = None
        self.running = False
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker = TrainingWorker()
        self.worker.moveToThread(self.thread)
        for signal, slot in ((self.load_requested, self.worker.load),
                             (self.play_requested, self.worker.play),
                             (self.pause_requested, self.worker.pause),
                             (self.step_batch_requested, self.worker.step_batch),
                             (self.step_epoch_requested, self.worker.step_epoch),
                             (self.reset_requested, self.worker.reset),
                             (self.hyperparameter_requested, self.worker.set_hyperparameter),
                             (self.speed_requested, self.worker.set_speed),
                             (self.warm_up_requested, self.worker.warm_up),
                             (self.parameter_requested, self.worker.set_parameter),
                             (self.evaluate_requested, self.worker.evaluate),
                             (self.excite_requested, self.worker.excite),
                             (self.load_weights_requested, self.worker.load_weights)):
            signal.connect(slot)
        # blocking, so that stop has run on the worker's thread before quit() ends its loop
        self.stop_requested.connect(self.worker.stop, Qt.ConnectionType.BlockingQueuedConnection)
        self.worker.snapshot.connect(self._on_snapshot)
        self.worker.failed.connect(self.message)
        self.worker.notice.connect(self.notice)
        self.worker.built.connect(self.built)
        self.worker.load_failed.connect(self.load_failed)
        self.worker.load_failed.connect(self.message)
        self.worker.ready.connect(self.ready)
        self.worker.evaluated.connect(self.evaluated)
        self.worker.excited.connect(self.excited)
        self.worker.running_changed.connect(self._on_running)
        self.thread.start()

    @Slot(object)
    def _on_snapshot(self, snap: Any) -> None:
        self.latest = snap
        if snap.divergence:
            self.message.emit(snap.divergence)
        elif snap.stopped and (self.latest_stop != snap.stopped):
            self.notice.emit(snap.stopped)  # early stopping did its job: news, not a problem
        self.latest_stop = snap.stopped
        self.snapshot_received.emit(snap)

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        self.running = running

    def shutdown(self) -> None:
        """Stop training, quit the thread and wait for it (closing mid-training is clean)."""
        if not self.thread.isRunning():
            return
        self.stop_requested.emit()
        self.thread.quit()
        self.thread.wait()
