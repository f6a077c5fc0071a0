"""Reference PyTorch (CPU) implementations used by the speed benchmark.

Idiomatic PyTorch: ``nn.Sequential`` models, ``torch.optim`` optimizers,
``loss.backward()`` and a plain training loop. Thread count is left to the
caller (the harness calls ``torch.set_num_threads``).

Optimizers use the documented ``fused=True`` CPU implementation by default
(keyword-only ``fused=False`` gives torch's stock for-loop version); it made
the MNIST-shaped MLP with Adam ~10-25 % faster on the 2-core dev VM and is
neutral elsewhere. ``lenet_trainer(..., channels_last=True)`` is available
but off by default: it measured no faster than NCHW for this small LeNet.

Batch order matches :mod:`playground.bench.reference_numpy`: a fresh
permutation per epoch from ``np.random.default_rng(seed)``; the epoch's data
are gathered once with the permutation (``index_select``) so batches are
contiguous slices. Targets of ``softmax_ce`` are the argmax of the one-hot
rows (class indices, the usual ``CrossEntropyLoss`` input; same loss value).
``run(n)`` returns the loss of the last step; ``.item()`` is only called on
that step.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["grid_predictor", "lenet_trainer", "mlp_trainer"]

F32 = np.float32
HIDDEN_ACTIVATIONS = ("tanh", "relu")
OUTPUTS = ("sigmoid_bce", "softmax_ce")
OPTIMIZERS = ("sgd", "momentum", "adam")


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


def _build_mlp(
    sizes: Sequence[int],
    hidden_activation: str,
    weights: Sequence[np.ndarray],
    biases: Sequence[np.ndarray],
) -> nn.Sequential:
    """``nn.Sequential`` of Linear + activation, weights copied from ``(n_in, n_out)`` arrays."""
    act = nn.Tanh if hidden_activation == "tanh" else nn.ReLU
    layers: list[nn.Module] = []
    n_layers = len(sizes) - 1
    for i in range(n_layers):
        lin = nn.Linear(sizes[i], sizes[i + 1])
        with torch.no_grad():
            w = np.asarray(weights[i], dtype=F32).reshape(sizes[i], sizes[i + 1])
            lin.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
            lin.bias.copy_(torch.from_numpy(np.asarray(biases[i], dtype=F32).reshape(sizes[i + 1])))
        layers.append(lin)
        if i < n_layers - 1:
            layers.append(act())
    return nn.Sequential(*layers)


def _make_optimizer(kind: str, params: object, lr: float, fused: bool) -> torch.optim.Optimizer:
    """Plain SGD, SGD with momentum 0.9 (heavy ball) or Adam with default betas/eps.

    ``fused=None`` means torch's default (for-loop) implementation on CPU.
    """
    flag = True if fused else None
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr, fused=flag)
    if kind == "momentum":
        return torch.optim.SGD(params, lr=lr, momentum=0.9, fused=flag)
    if kind == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, fused=flag)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}")


def _make_run(
    model: nn.Module,
    loss_fn: nn.Module,
    opt: torch.optim.Optimizer,
    X: torch.Tensor,
    T: torch.Tensor,
    batch_size: int,
    rng: np.random.Generator,
) -> Callable[[int], float]:
    """Standard minibatch training loop over per-epoch permutations."""
    if batch_size < 1:
        raise ValueError("batch_size must be >= 1")
    n = X.shape[0]
    state = {"pos": n, "X": X, "T": T}

    def run(n_steps: int) -> float:
        """Perform ``n_steps`` minibatch steps; return the last step's mean loss."""
        model.train()
        loss = None
        pos, Xs, Ts = state["pos"], state["X"], state["T"]
        for _ in range(n_steps):
            if pos >= n:
                perm = torch.from_numpy(rng.permutation(n))
                Xs, Ts = X.index_select(0, perm), T.index_select(0, perm)
                pos = 0
            xb, tb = Xs[pos : pos + batch_size], Ts[pos : pos + batch_size]
            pos += batch_size
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), tb)
            loss.backward()
            opt.step()
        state["pos"], state["X"], state["T"] = pos, Xs, Ts
        return loss.item() if loss is not None else float("nan")

    return run


def _targets(output: str, Y: np.ndarray, n_out: int) -> tuple[nn.Module, torch.Tensor]:
    """Loss module and target tensor for an output kind."""
    if output == "sigmoid_bce":
        targets = np.ascontiguousarray(Y, dtype=F32).reshape(-1, 1)
        return nn.BCEWithLogitsLoss(), torch.from_numpy(targets)
    labels = np.asarray(Y).reshape(-1, n_out).argmax(axis=1)
    return nn.CrossEntropyLoss(), torch.from_numpy(labels.astype(np.int64))


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
    *,
    fused: bool = True,
) -> Callable[[int], float]:
    """Build a torch MLP trainer; returns ``run(n_steps) -> loss of the last step``."""
    _check_mlp_config(sizes, hidden_activation, output)
    model = _build_mlp(sizes, hidden_activation, weights, biases)
    opt = _make_optimizer(optimizer, model.parameters(), lr, fused)
    loss_fn, T = _targets(output, Y, sizes[-1])
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=F32))
    return _make_run(model, loss_fn, opt, Xt, T, batch_size, np.random.default_rng(seed))


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
    model = _build_mlp(sizes, hidden_activation, weights, biases).eval()
    G = torch.from_numpy(np.ascontiguousarray(grid, dtype=F32))
    sigmoid = output == "sigmoid_bce"

    def predict() -> np.ndarray:
        """Evaluate the network on the grid under ``torch.inference_mode()``."""
        with torch.inference_mode():
            logits = model(G)
            probs = torch.sigmoid(logits) if sigmoid else torch.softmax(logits, dim=1)
        return probs.numpy()

    return predict


def lenet_init(rng: np.random.Generator) -> list[np.ndarray]:
    """He-normal LeNet weights (torch layouts, dense as ``(n_in, n_out)``), zero biases.

    Must draw exactly like ``reference_numpy.lenet_init`` (kept in sync by the tests).
    """
    shapes = [(6, 1, 5, 5), (16, 6, 5, 5), (400, 120), (120, 84), (84, 10)]
    fan_in = [25, 150, 400, 120, 84]
    out: list[np.ndarray] = []
    for shape, fi in zip(shapes, fan_in, strict=True):
        out.append(rng.standard_normal(shape, dtype=F32) * F32(np.sqrt(2.0 / fi)))
        out.append(np.zeros(shape[0] if len(shape) == 4 else shape[1], dtype=F32))
    return out


def build_lenet(params: Sequence[np.ndarray]) -> nn.Sequential:
    """LeNet-5 ``nn.Sequential`` initialised from :func:`lenet_init` arrays."""
    model = nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=5),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )
    layers = [m for m in model if isinstance(m, nn.Conv2d | nn.Linear)]
    with torch.no_grad():
        for k, layer in enumerate(layers):
            w, b = params[2 * k], params[2 * k + 1]
            w = w if isinstance(layer, nn.Conv2d) else w.T
            layer.weight.copy_(torch.from_numpy(np.ascontiguousarray(w)))
            layer.bias.copy_(torch.from_numpy(np.ascontiguousarray(b)))
    return model


def lenet_trainer(
    X: np.ndarray,
    Y: np.ndarray,
    batch_size: int,
    lr: float,
    seed: int = 0,
    *,
    fused: bool = True,
    channels_last: bool = False,
) -> Callable[[int], float]:
    """Torch LeNet-5 trainer (SGD momentum 0.9); returns ``run(n_steps) -> last loss``.

    With ``channels_last`` the model is converted to NHWC; the 1-channel input
    is already both NCHW- and NHWC-contiguous, so batches need no conversion.
    """
    rng = np.random.default_rng(seed)
    model = build_lenet(lenet_init(rng))
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = _make_optimizer("momentum", model.parameters(), lr, fused)
    Xt = torch.from_numpy(np.ascontiguousarray(X, dtype=F32).reshape(-1, 1, 28, 28))
    labels = torch.from_numpy(np.asarray(Y).reshape(-1, 10).argmax(axis=1).astype(np.int64))
    return _make_run(model, nn.CrossEntropyLoss(), opt, Xt, labels, batch_size, rng)
