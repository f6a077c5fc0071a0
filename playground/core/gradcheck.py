"""Gradient checking (O9): analytic gradients against central finite differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.network import Network
from playground.kernels import losses as kl
from playground.kernels import optimizers as ko

#: finite differences in float64 carry noise of about this size, so an exactly-zero gradient
#: (a bias feeding BatchNorm, say) has a meaningless relative error: compare it absolutely
NOISE_FLOOR = 1e-8


@dataclass(frozen=True)
class GradCheck:
    """Relative error ||analytic - numeric|| / (||analytic|| + ||numeric||) of one array."""

    layer: str
    param: str
    size: int
    relative_error: float
    absolute_error: float
    analytic_norm: float

    def passed(self, tolerance: float = 1e-6) -> bool:
        return bool(self.relative_error < tolerance or self.absolute_error < NOISE_FLOOR)


def objective(network: Network, loss: Any, X: np.ndarray, Y: np.ndarray,
              SW: np.ndarray) -> tuple[float, np.ndarray]:
    """Data loss + penalties on a batch in training mode (dropout drawn from a fixed generator
    so that repeated evaluations see the same masks), and its gradient wrt theta."""
    network.dropout_rng = np.random.default_rng(12345)
    out = network.forward(X, training=True)
    out2 = out.reshape(len(X), -1)
    last = network.layers[-1]
    z2 = last.z.reshape(out2.shape) if loss.fused_activation else out2
    g = np.empty_like(out2)
    value = kl.loss_kernel(loss.code, z2, out2, Y, SW, 1.0 / len(X), g, True,
                           np.zeros(0, out2.dtype))
    network.grad[...] = 0.0
    network.backward(g.reshape(out.shape))
    grad = network.grad.copy()
    # penalties: same formula as the update kernel, on every segment (frozen or not)
    seg_i = network.seg_i.copy()
    seg_i[:, ko.S_ACTIVE] = 1
    penalty = ko.add_penalties_kernel(network.theta, grad, seg_i, network.seg_f,
                                      np.zeros(len(seg_i)))
    return float(value + penalty), grad


def check_gradients(network: Network, loss: Any, X: np.ndarray, Y: np.ndarray,
                    SW: np.ndarray | None = None, eps: float = 1e-6,
                    max_per_array: int = 64, seed: int = 0) -> list[GradCheck]:
    """Compare analytic and numerical gradients, per parameter array. Large arrays are checked
    on `max_per_array` randomly chosen entries. Use a float64 network for meaningful numbers."""
    X = np.asarray(X, dtype=network.dtype)
    Y = np.asarray(Y, dtype=network.dtype).reshape(len(X), -1)
    SW = np.ones(len(X), network.dtype) if SW is None else np.asarray(SW, network.dtype)
    rng = np.random.default_rng(seed)
    saved = network.weight_arrays()  # training-mode passes move BatchNorm's running stats
    _, analytic = objective(network, loss, X, Y, SW)
    results = []
    theta = network.theta
    for seg in network.segments:
        size = seg.end - seg.start
        picks = np.arange(size) if size <= max_per_array else rng.choice(size, max_per_array,
                                                                          replace=False)
        a = analytic[seg.start + picks]
        numeric = np.empty(len(picks))
        for j, p in enumerate(picks):
            i = seg.start + p
            old = theta[i]
            theta[i] = old + eps
            up, _ = objective(network, loss, X, Y, SW)
            theta[i] = old - eps
            down, _ = objective(network, loss, X, Y, SW)
            theta[i] = old
            numeric[j] = (up - down) / (2 * eps)
        denom = np.linalg.norm(a) + np.linalg.norm(numeric)
        diff = float(np.linalg.norm(a - numeric))
        err = diff / denom if denom > 0 else 0.0
        layer = network.layers[seg.layer]
        results.append(GradCheck(layer.label, seg.name, size, err, diff, float(np.linalg.norm(a))))
    network.set_weight_arrays(saved)
    return results
