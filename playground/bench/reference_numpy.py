"""Reference NumPy implementations used by the speed benchmark.

These are the "what a competent person would write with NumPy" baselines the
engine is compared against: hand-written forward/backward passes with BLAS
matmuls (``@`` / ``np.matmul``), preallocated buffers, in-place updates, and a
single flat parameter/gradient buffer so the optimizer update is a handful of
vectorised calls regardless of the number of layers.

Conventions shared with :mod:`playground.bench.reference_torch` (so the two
produce the same loss trajectories):

* dense layers compute ``y = x @ W + b`` with ``W`` of shape ``(n_in, n_out)``;
* batches walk through a permutation of the data drawn from
  ``np.random.default_rng(seed)``, a new permutation each epoch, the last batch
  of an epoch may be smaller; the data are gathered once per epoch so each
  batch is a contiguous slice;
* losses are means over the batch; ``run(n)`` returns the loss of the last
  step (computed before that step's update). The loss value itself is only
  evaluated on that last step since nothing else needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["grid_predictor", "lenet_trainer", "mlp_trainer"]

F32 = np.float32
HIDDEN_ACTIVATIONS = ("tanh", "relu")
OUTPUTS = ("sigmoid_bce", "softmax_ce")
OPTIMIZERS = ("sgd", "momentum", "adam")
MOMENTUM = 0.9
ADAM_BETA1, ADAM_BETA2, ADAM_EPS = 0.9, 0.999, 1e-8


# --------------------------------------------------------------------------- #
# shared helpers
# --------------------------------------------------------------------------- #
def _check_mlp_config(sizes: Sequence[int], hidden_activation: str, output: str) -> None:
    """Validate an MLP description."""
    if len(sizes) < 2:
        raise ValueError("sizes needs at least an input and an output size")
    if hidden_activation not in HIDDEN_ACTIVATIONS:
        raise ValueError(f"hidden_activation must be one of {HIDDEN_ACTIVATIONS}")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}")
    if output == "sigmoid_bce" and sizes[-1] != 1:
        raise ValueError("sigmoid_bce needs a single output unit")


class _FlatParams:
    """Parameters and gradients packed into two flat float32 buffers.

    ``params[i]`` / ``grads[i]`` are C-contiguous views with ``shapes[i]``;
    in-place updates of ``data`` update every parameter at once.
    """

    def __init__(self, shapes: Sequence[tuple[int, ...]]) -> None:
        counts = [int(np.prod(s)) for s in shapes]
        self.data = np.zeros(sum(counts), dtype=F32)
        self.grad = np.zeros(sum(counts), dtype=F32)
        self.params: list[np.ndarray] = []
        self.grads: list[np.ndarray] = []
        offset = 0
        for shape, count in zip(shapes, counts, strict=True):
            self.params.append(self.data[offset : offset + count].reshape(shape))
            self.grads.append(self.grad[offset : offset + count].reshape(shape))
            offset += count


def _make_optimizer(kind: str, lr: float, p: np.ndarray, g: np.ndarray) -> Callable[[], None]:
    """Return ``step()`` updating the flat parameter buffer ``p`` in place from ``g``.

    ``g`` is used as scratch space (it is fully overwritten by every backward).
    """
    if kind not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}")
    lr32 = F32(lr)

    if kind == "sgd":

        def sgd_step() -> None:
            np.multiply(g, lr32, out=g)
            np.subtract(p, g, out=p)

        return sgd_step

    if kind == "momentum":
        vel = np.zeros_like(p)
        mu = F32(MOMENTUM)

        def momentum_step() -> None:  # v = mu v - lr g ; w += v
            np.multiply(vel, mu, out=vel)
            np.multiply(g, lr32, out=g)
            np.subtract(vel, g, out=vel)
            np.add(p, vel, out=p)

        return momentum_step

    m = np.zeros_like(p)
    v = np.zeros_like(p)
    tmp = np.empty_like(p)
    one_m_b1, one_m_b2 = F32(1.0 - ADAM_BETA1), F32(1.0 - ADAM_BETA2)
    b1, b2 = F32(ADAM_BETA1), F32(ADAM_BETA2)
    t = 0

    def adam_step() -> None:
        # p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps), rearranged to
        # p -= (lr*sqrt(bc2)/bc1) * m / (sqrt(v) + eps*sqrt(bc2))  (same value).
        nonlocal t
        t += 1
        sqrt_bc2 = float(np.sqrt(1.0 - ADAM_BETA2**t))
        step = F32(lr * sqrt_bc2 / (1.0 - ADAM_BETA1**t))
        np.multiply(m, b1, out=m)
        np.multiply(g, one_m_b1, out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(v, b2, out=v)
        np.multiply(g, g, out=g)
        np.multiply(g, one_m_b2, out=g)
        np.add(v, g, out=v)
        np.sqrt(v, out=tmp)
        np.add(tmp, F32(ADAM_EPS * sqrt_bc2), out=tmp)
        np.divide(m, tmp, out=tmp)
        np.multiply(tmp, step, out=tmp)
        np.subtract(p, tmp, out=p)

    return adam_step


class _EpochBatcher:
    """Walks through a fresh permutation of ``arrays`` every epoch.

    The arrays are gathered in permuted order once per epoch (``np.take`` into
    preallocated buffers) so that each batch is a contiguous slice (a view).
    """

    def __init__(
        self, arrays: Sequence[np.ndarray], batch_size: int, seed: int | np.random.Generator
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.src = list(arrays)
        self.n = self.src[0].shape[0]
        self.batch_size = batch_size
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        self.shuffled = [np.empty_like(a) for a in self.src]
        self.pos = self.n  # forces a shuffle on the first call

    def next(self) -> list[np.ndarray]:
        """Return the next batch (views into the shuffled buffers)."""
        if self.pos >= self.n:
            perm = self.rng.permutation(self.n)
            for a, out in zip(self.src, self.shuffled, strict=True):
                np.take(a, perm, axis=0, out=out)
            self.pos = 0
        start = self.pos
        self.pos = end = min(start + self.batch_size, self.n)
        return [s[start:end] for s in self.shuffled]


def _softmax_ce_loss(z: np.ndarray, y: np.ndarray) -> float:
    """Mean softmax cross-entropy from logits ``z`` and one-hot/probability targets ``y``."""
    s = z - z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(s).sum(axis=1))
    return float(np.mean(lse - np.einsum("ij,ij->i", y, s)))


def _sigmoid_bce_loss(z: np.ndarray, y: np.ndarray) -> float:
    """Mean binary cross-entropy with logits (stable softplus form)."""
    return float(np.mean(np.logaddexp(F32(0.0), z) - y * z))


# --------------------------------------------------------------------------- #
# MLP
# --------------------------------------------------------------------------- #
class _MLPBuffers:
    """Per-batch-size activation / delta buffers (views of full-size ones)."""

    def __init__(self, z: list[np.ndarray], d: list[np.ndarray], t: list[np.ndarray]) -> None:
        self.z = z  # pre-activation, then activation in place (last: logits)
        self.d = d  # deltas dL/dz
        self.t = t  # scratch for hidden-activation derivatives

    def head(self, rows: int) -> _MLPBuffers:
        """Views over the first ``rows`` rows (for a smaller last batch)."""
        z, d, t = ([a[:rows] for a in bufs] for bufs in (self.z, self.d, self.t))
        return _MLPBuffers(z, d, t)


def mlp_trainer(
    sizes: list[int],
    hidden_activation: str,
    output: str,
    optimizer: str,
    lr: float,
    X: np.ndarray,
    Y: np.ndarray,
    batch_size: int,
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    seed: int = 0,
) -> Callable[[int], float]:
    """Build a NumPy MLP trainer; returns ``run(n_steps) -> loss of the last step``."""
    _check_mlp_config(sizes, hidden_activation, output)
    X = np.ascontiguousarray(X, dtype=F32)
    Y = np.ascontiguousarray(Y, dtype=F32).reshape(X.shape[0], sizes[-1])
    n_layers = len(sizes) - 1
    shapes: list[tuple[int, ...]] = []
    for i in range(n_layers):
        shapes += [(sizes[i], sizes[i + 1]), (sizes[i + 1],)]
    flat = _FlatParams(shapes)
    Ws, bs = flat.params[0::2], flat.params[1::2]
    dWs, dbs = flat.grads[0::2], flat.grads[1::2]
    for i in range(n_layers):
        Ws[i][...] = np.asarray(weights[i], dtype=F32).reshape(Ws[i].shape)
        bs[i][...] = np.asarray(biases[i], dtype=F32).reshape(bs[i].shape)
    opt_step = _make_optimizer(optimizer, lr, flat.data, flat.grad)
    batcher = _EpochBatcher([X, Y], batch_size, seed)

    full = _MLPBuffers(
        [np.empty((batch_size, s), F32) for s in sizes[1:]],
        [np.empty((batch_size, s), F32) for s in sizes[1:]],
        [np.empty((batch_size, s), F32) for s in sizes[1:-1]],
    )
    partial: dict[int, _MLPBuffers] = {}
    tanh = hidden_activation == "tanh"
    sigmoid_out = output == "sigmoid_bce"
    zero, half, one = F32(0.0), F32(0.5), F32(1.0)
    last = n_layers - 1

    def step(want_loss: bool) -> float:
        xb, yb = batcher.next()
        rows = xb.shape[0]
        if rows == batch_size:
            buf = full
        else:
            buf = partial.get(rows) or partial.setdefault(rows, full.head(rows))
        zs, ds, ts = buf.z, buf.d, buf.t
        # ---- forward ----
        a = xb
        for i in range(n_layers):
            z = zs[i]
            np.matmul(a, Ws[i], out=z)
            np.add(z, bs[i], out=z)
            if i < last:
                if tanh:
                    np.tanh(z, out=z)
                else:
                    np.maximum(z, zero, out=z)
            a = z
        logits, d = zs[last], ds[last]
        # ---- output delta: (p - y) / rows ----
        if sigmoid_out:  # sigmoid(z) = 0.5 * tanh(z / 2) + 0.5, overflow free
            np.multiply(logits, half, out=d)
            np.tanh(d, out=d)
            np.multiply(d, half, out=d)
            np.add(d, half, out=d)
        else:
            np.subtract(logits, np.maximum.reduce(logits, axis=1, keepdims=True), out=d)
            np.exp(d, out=d)
            np.divide(d, np.add.reduce(d, axis=1, keepdims=True), out=d)
        loss = 0.0
        if want_loss:
            loss = _sigmoid_bce_loss(logits, yb) if sigmoid_out else _softmax_ce_loss(logits, yb)
        np.subtract(d, yb, out=d)
        np.multiply(d, F32(1.0 / rows), out=d)
        # ---- backward ----
        for i in range(last, -1, -1):
            a_prev = zs[i - 1] if i > 0 else xb
            np.matmul(a_prev.T, d, out=dWs[i])
            np.add.reduce(d, axis=0, out=dbs[i])
            if i > 0:
                d_prev = ds[i - 1]
                np.matmul(d, Ws[i].T, out=d_prev)
                tmp = ts[i - 1]
                if tanh:  # d *= 1 - a^2
                    np.multiply(a_prev, a_prev, out=tmp)
                    np.subtract(one, tmp, out=tmp)
                    np.multiply(d_prev, tmp, out=d_prev)
                else:  # d *= (a > 0)
                    np.greater(a_prev, zero, out=tmp)
                    np.multiply(d_prev, tmp, out=d_prev)
                d = d_prev
        opt_step()
        return loss

    def run(n_steps: int) -> float:
        """Perform ``n_steps`` minibatch steps; return the last step's mean loss."""
        for _ in range(n_steps - 1):
            step(False)
        return step(True) if n_steps > 0 else float("nan")

    return run


def grid_predictor(
    sizes: list[int],
    hidden_activation: str,
    output: str,
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    grid: np.ndarray,
) -> Callable[[], np.ndarray]:
    """Return ``predict()`` giving the output probabilities ``(N, K)`` on ``grid``."""
    _check_mlp_config(sizes, hidden_activation, output)
    grid = np.ascontiguousarray(grid, dtype=F32)
    Ws = [np.array(w, dtype=F32).reshape(sizes[i], sizes[i + 1]) for i, w in enumerate(weights)]
    bs = [np.array(b, dtype=F32).reshape(sizes[i + 1]) for i, b in enumerate(biases)]
    n = grid.shape[0]
    hidden = [np.empty((n, s), F32) for s in sizes[1:-1]]
    tanh = hidden_activation == "tanh"
    zero, half = F32(0.0), F32(0.5)

    def predict() -> np.ndarray:
        """Evaluate the network on the grid (fresh output array)."""
        a = grid
        for W, b, z in zip(Ws[:-1], bs[:-1], hidden, strict=True):
            np.matmul(a, W, out=z)
            np.add(z, b, out=z)
            if tanh:
                np.tanh(z, out=z)
            else:
                np.maximum(z, zero, out=z)
            a = z
        out = a @ Ws[-1]
        out += bs[-1]
        if output == "sigmoid_bce":
            out *= half
            np.tanh(out, out=out)
            out *= half
            out += half
        else:
            out -= out.max(axis=1, keepdims=True)
            np.exp(out, out=out)
            out /= out.sum(axis=1, keepdims=True)
        return out

    return predict


# --------------------------------------------------------------------------- #
# LeNet-5
# --------------------------------------------------------------------------- #
def lenet_init(rng: np.random.Generator) -> list[np.ndarray]:
    """He-normal LeNet weights in torch layouts, zero biases.

    Returns ``[conv1 (6,1,5,5), b, conv2 (16,6,5,5), b, fc1 (400,120), b,
    fc2 (120,84), b, fc3 (84,10), b]``; dense weights are ``(n_in, n_out)`` and
    fc1 rows follow torch's NCHW flatten order ``(c, h, w)``. The draw order is
    part of the contract with the torch reference.
    """
    shapes = [(6, 1, 5, 5), (16, 6, 5, 5), (400, 120), (120, 84), (84, 10)]
    fan_in = [25, 150, 400, 120, 84]
    out: list[np.ndarray] = []
    for shape, fi in zip(shapes, fan_in, strict=True):
        out.append(rng.standard_normal(shape, dtype=F32) * F32(np.sqrt(2.0 / fi)))
        out.append(np.zeros(shape[0] if len(shape) == 4 else shape[1], dtype=F32))
    return out


class _MaxPool2:
    """2x2/stride-2 max pool over the last two axes, with first-max routing masks.

    Ties go to the first element in row-major window order, like torch's argmax.
    """

    def __init__(self, shape: tuple[int, ...]) -> None:
        pooled = (*shape[:-2], shape[-2] // 2, shape[-1] // 2)
        self.out = np.empty(pooled, F32)
        self.masks = [np.empty(pooled, bool) for _ in range(4)]
        self.taken = np.empty(pooled, bool)
        self.scratch = np.empty(pooled, F32)

    @staticmethod
    def _quads(x: np.ndarray) -> list[np.ndarray]:
        return [x[..., 0::2, 0::2], x[..., 0::2, 1::2], x[..., 1::2, 0::2], x[..., 1::2, 1::2]]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Pool ``x``; returns the (reused) output buffer."""
        out, tmp, taken = self.out, self.scratch, self.taken
        m0, m1, m2, m3 = self.masks
        q0, q1, q2, q3 = self._quads(x)
        np.maximum(q0, q1, out=out)
        np.maximum(q2, q3, out=tmp)
        np.maximum(out, tmp, out=out)
        np.equal(q0, out, out=m0)
        np.equal(q1, out, out=m1)
        np.greater(m1, m0, out=m1)  # m1 & ~m0
        np.logical_or(m0, m1, out=taken)
        np.equal(q2, out, out=m2)
        np.greater(m2, taken, out=m2)
        np.logical_or(taken, m2, out=taken)
        np.logical_not(taken, out=m3)
        return out

    def backward(self, g: np.ndarray, dx: np.ndarray) -> None:
        """Route pooled gradient ``g`` to the argmax positions of ``dx`` (all written)."""
        for q, m in zip(self._quads(dx), self.masks, strict=True):
            np.multiply(g, m, out=q)


class _LeNetBuffers:
    """Preallocated activations/gradients for one batch size (channel-first ``C,N,H,W``)."""

    def __init__(self, r: int) -> None:
        self.xpad = np.zeros((r, 32, 32), F32)  # zero border stays zero
        self.col1 = np.empty((25, r, 28, 28), F32)  # im2col^T, rows (i, j)
        self.z1 = np.empty((6, r, 28, 28), F32)
        self.pool1 = _MaxPool2(self.z1.shape)
        self.col2 = np.empty((150, r, 10, 10), F32)  # rows (c, i, j)
        self.z2 = np.empty((16, r, 10, 10), F32)
        self.pool2 = _MaxPool2(self.z2.shape)
        self.f = np.empty((r, 400), F32)  # flatten in torch's (c, h, w) order
        self.a3, self.a4, self.z5 = (np.empty((r, k), F32) for k in (120, 84, 10))
        self.d3, self.d4, self.d5 = (np.empty((r, k), F32) for k in (120, 84, 10))
        self.df = np.empty((r, 400), F32)
        self.g2 = np.empty((16, r, 5, 5), F32)
        self.dz2 = np.empty_like(self.z2)
        self.dcol2 = np.empty((150, r, 10, 10), F32)
        self.dp1 = np.empty((6, r, 14, 14), F32)
        self.g1 = np.empty((6, r, 14, 14), F32)
        self.dz1 = np.empty_like(self.z1)


def lenet_trainer(
    X: np.ndarray, Y: np.ndarray, batch_size: int, lr: float, seed: int = 0
) -> Callable[[int], float]:
    """NumPy LeNet-5 (im2col + BLAS matmul), SGD with momentum 0.9.

    conv5x5(6, pad 2)-ReLU-maxpool2-conv5x5(16)-ReLU-maxpool2-fc120-ReLU-fc84-ReLU-
    fc10 + softmax cross-entropy. Returns ``run(n_steps) -> loss of the last step``.

    Convolutions use the transposed im2col form ``z^T = K @ col^T`` with
    ``col^T`` of shape ``(c_in*5*5, N*H*W)``, so conv weights keep torch's
    ``(c_out, c_in*5*5)`` layout and activations are channel-first
    ``(C, N, H, W)`` (long contiguous inner loops). Bias and ReLU are applied
    after pooling: ``pool(relu(z + b)) == relu(pool(z) + b)`` exactly, at a
    quarter of the cost, with the same gradients.
    """
    X = np.ascontiguousarray(X, dtype=F32).reshape(-1, 28, 28)
    Y = np.ascontiguousarray(Y, dtype=F32).reshape(X.shape[0], 10)
    rng = np.random.default_rng(seed)
    init = lenet_init(rng)
    flat = _FlatParams(
        [(6, 25), (6,), (16, 150), (16,), (400, 120), (120,), (120, 84), (84,), (84, 10), (10,)]
    )
    for p, value in zip(flat.params, init, strict=True):
        p[...] = value.reshape(p.shape)
    K1, c1b, K2, c2b, W3, fb3, W4, fb4, W5, fb5 = flat.params
    dK1, dc1b, dK2, dc2b, dW3, dfb3, dW4, dfb4, dW5, dfb5 = flat.grads
    opt_step = _make_optimizer("momentum", lr, flat.data, flat.grad)
    batcher = _EpochBatcher([X, Y], batch_size, rng)
    cache: dict[int, _LeNetBuffers] = {}
    zero = F32(0.0)

    def step(want_loss: bool) -> float:
        xb, yb = batcher.next()
        r = xb.shape[0]
        buf = cache.get(r) or cache.setdefault(r, _LeNetBuffers(r))
        # ---- conv1 + pool + bias + relu ----
        buf.xpad[:, 2:30, 2:30] = xb
        col1 = buf.col1
        win1 = sliding_window_view(buf.xpad, (5, 5), axis=(1, 2))  # (r, 28, 28, 5, 5)
        np.copyto(col1.reshape(5, 5, r, 28, 28), win1.transpose(3, 4, 0, 1, 2))
        col1m = col1.reshape(25, r * 784)
        np.matmul(K1, col1m, out=buf.z1.reshape(6, r * 784))
        p1 = buf.pool1.forward(buf.z1)  # (6, r, 14, 14)
        np.add(p1, c1b[:, None, None, None], out=p1)
        np.maximum(p1, zero, out=p1)
        # ---- conv2 + pool + bias + relu ----
        win2 = sliding_window_view(p1, (5, 5), axis=(2, 3))  # (6, r, 10, 10, 5, 5)
        np.copyto(buf.col2.reshape(6, 5, 5, r, 10, 10), win2.transpose(0, 4, 5, 1, 2, 3))
        col2m = buf.col2.reshape(150, r * 100)
        np.matmul(K2, col2m, out=buf.z2.reshape(16, r * 100))
        p2 = buf.pool2.forward(buf.z2)  # (16, r, 5, 5)
        np.add(p2, c2b[:, None, None, None], out=p2)
        np.maximum(p2, zero, out=p2)
        # ---- dense head ----
        f = buf.f
        np.copyto(f.reshape(r, 16, 5, 5), p2.transpose(1, 0, 2, 3))
        h3, h4, h5 = buf.a3, buf.a4, buf.z5
        np.matmul(f, W3, out=h3)
        np.add(h3, fb3, out=h3)
        np.maximum(h3, zero, out=h3)
        np.matmul(h3, W4, out=h4)
        np.add(h4, fb4, out=h4)
        np.maximum(h4, zero, out=h4)
        np.matmul(h4, W5, out=h5)
        np.add(h5, fb5, out=h5)
        loss = _softmax_ce_loss(h5, yb) if want_loss else 0.0
        # ---- backward: dense head ----
        e5 = buf.d5
        np.subtract(h5, np.maximum.reduce(h5, axis=1, keepdims=True), out=e5)
        np.exp(e5, out=e5)
        np.divide(e5, np.add.reduce(e5, axis=1, keepdims=True), out=e5)
        np.subtract(e5, yb, out=e5)
        np.multiply(e5, F32(1.0 / r), out=e5)
        np.matmul(h4.T, e5, out=dW5)
        np.add.reduce(e5, axis=0, out=dfb5)
        e4 = buf.d4
        np.matmul(e5, W5.T, out=e4)
        np.multiply(e4, h4 > zero, out=e4)
        np.matmul(h3.T, e4, out=dW4)
        np.add.reduce(e4, axis=0, out=dfb4)
        e3 = buf.d3
        np.matmul(e4, W4.T, out=e3)
        np.multiply(e3, h3 > zero, out=e3)
        np.matmul(f.T, e3, out=dW3)
        np.add.reduce(e3, axis=0, out=dfb3)
        np.matmul(e3, W3.T, out=buf.df)
        # ---- backward: relu + bias + pool2, conv2 ----
        g2 = buf.g2
        np.multiply(buf.df.reshape(r, 16, 5, 5).transpose(1, 0, 2, 3), p2 > zero, out=g2)
        np.add.reduce(g2.reshape(16, r * 25), axis=1, out=dc2b)
        buf.pool2.backward(g2, buf.dz2)
        dz2m = buf.dz2.reshape(16, r * 100)
        np.matmul(dz2m, col2m.T, out=dK2)
        # input gradient: dcol^T = K2^T @ dz2^T, then col2im (25 slice adds)
        dcol = buf.dcol2
        np.matmul(K2.T, dz2m, out=dcol.reshape(150, r * 100))
        dcol6 = dcol.reshape(6, 5, 5, r, 10, 10)
        dp1 = buf.dp1
        dp1.fill(0.0)
        for i in range(5):
            for j in range(5):
                win = dp1[:, :, i : i + 10, j : j + 10]
                np.add(win, dcol6[:, i, j], out=win)
        # ---- backward: relu + bias + pool1, conv1 ----
        g1 = buf.g1
        np.multiply(dp1, p1 > zero, out=g1)
        np.add.reduce(g1.reshape(6, r * 196), axis=1, out=dc1b)
        buf.pool1.backward(g1, buf.dz1)
        np.matmul(buf.dz1.reshape(6, r * 784), col1m.T, out=dK1)
        opt_step()
        return loss

    def run(n_steps: int) -> float:
        """Perform ``n_steps`` minibatch steps; return the last step's mean loss."""
        for _ in range(n_steps - 1):
            step(False)
        return step(True) if n_steps > 0 else float("nan")

    return run
