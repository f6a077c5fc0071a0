"""A batch trained in parts: on this process in pieces that fit the cache, and on other
processes when the trainer has several threads (Trainer(threads=N), `playground train
--threads N`).

Every part runs forward and backward on its rows with the loss scaled by 1 / the whole batch,
so the parts' losses and gradients add up to the whole batch's. Batch statistics (BatchNorm)
need the whole batch, so such networks are never split.

The other parts run in worker processes, not threads: Python threads take turns at the
interpreter lock between every layer's kernels, and two of them trained LeNet only 1.3× as fast
as one. Each worker keeps its own copy of the network, reads the weights from shared memory,
and writes its gradient to shared memory. Waiting sides poll their pipe for a while before
they block: on a virtual machine a blocked process's idle core took about 2 ms to wake, as
long as the step itself.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import sys
import time
import traceback
from multiprocessing import resource_tracker, shared_memory
from typing import Any

import numpy as np

from playground.core.network import Network
from playground.kernels import losses as kl

#: worker and parent poll their pipe this long before they block on it
SPIN_SECONDS = 0.02

#: environment for the workers: one compute thread each (the workers are the threads)
_ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS",
                                      "MKL_NUM_THREADS", "NUMBA_NUM_THREADS")}


def train_part(net: Network, loss_code: int, fused_output: bool, classification: bool,
               xb: np.ndarray, yb: np.ndarray, sw: np.ndarray, scale: float,
               limit: float) -> tuple[float, int]:
    """Forward, loss (scale: 1 / the whole batch's rows) and, unless the loss is non-finite or
    past `limit`, backward into net.grad. Returns (loss, correct predictions)."""
    out = net.forward(xb, training=True)
    out2 = out.reshape(len(xb), -1)
    logits = net.layers[-1].z.reshape(out2.shape) if fused_output else out2
    g = np.empty_like(out2)
    loss = kl.loss_kernel(loss_code, logits, out2, yb, sw, scale, g, True,
                          np.zeros(0, dtype=out2.dtype))
    if not math.isfinite(loss) or loss > limit:
        return loss, 0
    correct = int(kl.correct_kernel(out2, yb)) if classification else 0
    net.backward(g.reshape(out.shape))
    return loss, correct


def train_rows(net: Network, loss_code: int, fused_output: bool, classification: bool,
               xb: np.ndarray, yb: np.ndarray, sw: np.ndarray, scale: float, limit: float,
               part_rows: int, total: np.ndarray | None) -> tuple[float, int]:
    """train_part over these rows in pieces of at most part_rows, their gradients added up in
    net.grad (total: scratch of net.grad's size, needed when there are several pieces). Stops
    at the first piece whose loss is non-finite or past `limit`."""
    rows = len(xb)
    pieces = max(1, -(-rows // part_rows))
    if pieces == 1:
        return train_part(net, loss_code, fused_output, classification, xb, yb, sw, scale,
                          limit)
    assert total is not None
    loss, correct = 0.0, 0
    for k in range(pieces):
        a, b = rows * k // pieces, rows * (k + 1) // pieces
        piece_loss, piece_correct = train_part(net, loss_code, fused_output, classification,
                                               xb[a:b], yb[a:b], sw[a:b], scale, limit)
        loss += piece_loss
        correct += piece_correct
        if not math.isfinite(piece_loss) or piece_loss > limit:
            return loss, correct
        if k == 0:
            total[...] = net.grad
        else:
            total += net.grad
    net.grad[...] = total
    return loss, correct


def first_bad_output(net: Network) -> int | None:
    """The first layer (0-based) whose last output holds NaN or infinity."""
    for i, layer in enumerate(net.layers):
        a = getattr(layer, "a", None)
        if a is not None and not np.isfinite(a).all():
            return i
    return None


def _receive(conn: Any) -> Any:
    """conn.recv(), polling first: see the module's note on waking blocked processes."""
    deadline = time.perf_counter() + SPIN_SECONDS
    while not conn.poll(0):
        if time.perf_counter() > deadline:
            break
    return conn.recv()


def _attach(name: str) -> shared_memory.SharedMemory:
    """Open a block the parent made, without registering it with the resource tracker: the
    parent owns it and unlinks it (before Python 3.13 attaching registered it again, and the
    tracker then warned of leaks or unlinked it behind the parent's back)."""
    if sys.version_info >= (3, 13):
        return shared_memory.SharedMemory(name=name, track=False)
    register = resource_tracker.register
    resource_tracker.register = lambda *args, **kwargs: None
    try:
        return shared_memory.SharedMemory(name=name)
    finally:
        resource_tracker.register = register


class _Shared:
    """A NumPy array in a named shared-memory block: made here, or attached by name."""

    def __init__(self, shape: tuple[int, ...], dtype: Any, name: str | None = None) -> None:
        size = max(1, math.prod(shape) * np.dtype(dtype).itemsize)
        if name is None:
            self.block = shared_memory.SharedMemory(create=True, size=size)
        else:
            self.block = _attach(name)
        self.array: np.ndarray | None = np.ndarray(shape, dtype=dtype, buffer=self.block.buf)
        self.spec = (shape, np.dtype(dtype).str, self.block.name)

    def close(self, unlink: bool) -> None:
        if self.array is None:
            return
        self.array = None
        self.block.close()
        if unlink:
            with contextlib.suppress(FileNotFoundError):
                self.block.unlink()


class _Batch:
    """Shared input, target and sample-weight rows for one worker."""

    def __init__(self, rows: int, x_shape: tuple[int, ...], outputs: int, dtype: Any,
                 specs: tuple | None = None) -> None:
        names = specs or (None, None, None)
        self.x = _Shared((rows, *x_shape), dtype, names[0] and names[0][2])
        self.y = _Shared((rows, outputs), dtype, names[1] and names[1][2])
        self.sw = _Shared((rows,), dtype, names[2] and names[2][2])
        self.rows = rows

    @property
    def specs(self) -> tuple:
        return (self.x.spec, self.y.spec, self.sw.spec)

    def close(self, unlink: bool) -> None:
        for part in (self.x, self.y, self.sw):
            part.close(unlink)


def _serve(conn: Any, setup: dict[str, Any]) -> None:
    """A worker process: build the network, then train the parts it is sent."""
    theta = grad = batch = None
    try:
        net = Network(setup["layers"], setup["input_shape"], setup["seed"], setup["dtype"])
        theta = _Shared(*_unpack(setup["theta"]))
        grad = _Shared(*_unpack(setup["grad"]))
        net.bind_parameters(theta.array, grad.array)
        net.layers[-1].logits_output = setup["fused_output"]
        net.dropout_rng = np.random.default_rng([setup["seed"], 1, setup["stream"]])
        total = np.empty_like(net.grad)
        x_shape, outputs = tuple(setup["input_shape"]), setup["outputs"]
        conn.send(("ready",))
        while True:
            message = _receive(conn)
            if message[0] == "stop":
                break
            if message[0] == "batch":
                if batch is not None:
                    batch.close(unlink=False)
                batch = _Batch(message[1], x_shape, outputs, setup["dtype"], message[2])
                continue
            _, rows, scale, limit = message
            loss, correct = train_rows(net, setup["loss_code"], setup["fused_output"],
                                       setup["classification"], batch.x.array[:rows],
                                       batch.y.array[:rows], batch.sw.array[:rows], scale,
                                       limit, setup["part_rows"], total)
            bad = first_bad_output(net) if not math.isfinite(loss) else None
            conn.send(("done", loss, correct, bad))
    except BaseException:  # the parent raises it with the worker's traceback
        with contextlib.suppress(Exception):
            conn.send(("error", traceback.format_exc()))
    finally:
        for shared in (theta, grad, batch):
            if shared is not None:
                shared.close(unlink=False)


def _unpack(spec: tuple) -> tuple:
    shape, dtype, name = spec
    return tuple(shape), np.dtype(dtype), name


class PartWorkers:
    """`count` worker processes that each train one part of every batch for `network`."""

    def __init__(self, network: Network, count: int, loss_code: int, fused_output: bool,
                 classification: bool, outputs: int, part_rows: int) -> None:
        self.network = network
        self.theta = _Shared(network.theta.shape, network.dtype)
        self.grads: list[_Shared] = []
        self.batches: list[_Batch | None] = []
        self.conns: list[Any] = []
        self.processes: list[Any] = []
        self.outputs = outputs
        context = multiprocessing.get_context("spawn")
        try:
            for stream in range(1, count + 1):
                grad = _Shared(network.grad.shape, network.dtype)
                self.grads.append(grad)
                self.batches.append(None)
                setup = {"layers": network.layer_configs(), "input_shape": network.input_shape,
                         "seed": network.seed, "dtype": network.dtype.str, "stream": stream,
                         "loss_code": loss_code, "fused_output": fused_output,
                         "classification": classification, "outputs": outputs,
                         "part_rows": part_rows, "theta": self.theta.spec, "grad": grad.spec}
                ours, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs, setup), daemon=True,
                                          name=f"playground-part-{stream}")
                with _environment(_ONE_THREAD):
                    process.start()
                theirs.close()
                self.conns.append(ours)
                self.processes.append(process)
            for conn in self.conns:
                self._answer(conn)
        except BaseException:
            self.close()
            raise

    def _answer(self, conn: Any) -> tuple:
        try:
            message = _receive(conn)
        except EOFError:
            raise RuntimeError("a training worker process ended unexpectedly") from None
        if message[0] == "error":
            raise RuntimeError(f"a training worker process failed:\n{message[1]}")
        return message

    def start(self, k: int, xb: np.ndarray, yb: np.ndarray, sw: np.ndarray, scale: float,
              limit: float) -> None:
        """Send part k (0-based worker) its rows; the weights are network.theta as it is now."""
        if k == 0:
            self.theta.array[...] = self.network.theta
        rows = len(xb)
        batch = self.batches[k]
        if batch is None or batch.rows < rows:
            if batch is not None:
                batch.close(unlink=True)  # the worker drops its view when it takes the new one
            batch = self.batches[k] = _Batch(rows, self.network.input_shape, self.outputs,
                                             self.network.dtype)
            self.conns[k].send(("batch", rows, batch.specs))
        batch.x.array[:rows] = xb
        batch.y.array[:rows] = yb
        batch.sw.array[:rows] = sw
        self.conns[k].send(("part", rows, scale, limit))

    def finish(self, k: int) -> tuple[float, int, int | None, np.ndarray]:
        """Wait for part k: (loss, correct, first bad layer or None, its gradient)."""
        _, loss, correct, bad = self._answer(self.conns[k])
        return loss, correct, bad, self.grads[k].array

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):
                conn.send(("stop",))
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
        for conn in self.conns:
            conn.close()
        for shared in [self.theta, *self.grads, *(b for b in self.batches if b is not None)]:
            shared.close(unlink=True)
        self.conns, self.processes, self.grads, self.batches = [], [], [], []


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    """os.environ with these values while a child process starts (it reads them at import)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
