"""A 2-D network evaluated over its input plane: the output surface the output view draws and
every dense unit's own map, for the network diagram's thumbnails (TensorFlow Playground's view,
on any dense stack). Works on copies of the weights (a trainer's snapshot), so a view can draw
while training goes on in another thread."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.layers import Dense, Layer
from playground.core.network import Network

#: layers that may sit between dense layers without breaking the one-column-per-dense picture
PASS_THROUGH = ("activation", "dropout", "batchnorm")


@dataclass(frozen=True)
class Bounds:
    xmin: float
    xmax: float
    ymin: float
    ymax: float


def plane_bounds(points: np.ndarray, minimum: float = 1.2, margin: float = 1.1) -> Bounds:
    """A square around the origin holding every point (at least ±minimum: the generators' points
    lie in about [-1, 1]², and a canvas that keeps its size is easier to paint on)."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    extent = float(np.abs(pts).max()) * margin if len(pts) else 0.0
    half = max(minimum, extent if np.isfinite(extent) else minimum)
    return Bounds(-half, half, -half, half)


def grid_points(bounds: Bounds, resolution: int) -> np.ndarray:
    """(resolution², 2) raw points at the centres of a resolution × resolution grid; row-major
    with row 0 at the bottom (y increasing), so a reshape to (res, res) is an image whose first
    row is the plane's lowest."""
    n = int(resolution)
    xs = bounds.xmin + (np.arange(n) + 0.5) * (bounds.xmax - bounds.xmin) / n
    ys = bounds.ymin + (np.arange(n) + 0.5) * (bounds.ymax - bounds.ymin) / n
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def dense_columns(layers: list[Layer]) -> list[int] | None:
    """Indices (0-based) of the layers whose outputs are the diagram's columns: the last layer of
    each group that starts with a Dense layer. None when the stack is not a dense one."""
    if not layers or not isinstance(layers[0], Dense):
        return None
    columns: list[int] = []
    for i, layer in enumerate(layers):
        if isinstance(layer, Dense):
            columns.append(i)
        elif layer.name in PASS_THROUGH:
            columns[-1] = i
        else:
            return None
    return columns


@dataclass
class PlaneView:
    """One evaluation: the outputs over the grid and each column's unit maps."""

    resolution: int
    outputs: np.ndarray  # (res, res, k) network outputs
    maps: list[np.ndarray]  # per column, input features first: (units, res, res)


class PlaneProbe:
    """Owns a copy of the network's structure; load weights, then evaluate over the plane."""

    def __init__(self, layer_configs: list[Any], input_shape: tuple[int, ...], dtype: Any,
                 transform: Callable[[np.ndarray], np.ndarray], bounds: Bounds,
                 resolution: int = 100) -> None:
        self.network = Network(layer_configs, input_shape, dtype=dtype)
        self.transform = transform
        self.columns = dense_columns(self.network.layers)
        self.dense = [i for i, layer in enumerate(self.network.layers)
                      if isinstance(layer, Dense)]
        self.set_plane(bounds, resolution)

    def set_plane(self, bounds: Bounds, resolution: int) -> None:
        self.bounds = bounds
        self.resolution = int(resolution)
        self.raw_grid = grid_points(bounds, self.resolution)
        self.inputs = np.ascontiguousarray(self.transform(self.raw_grid),
                                           dtype=self.network.dtype)

    def load(self, theta: np.ndarray, buffers: dict[str, np.ndarray] | None = None) -> None:
        """Weights from a snapshot (theta, and buffers named '<layer index>.<name>')."""
        self.network.load_state(theta, buffers or {})

    def evaluate(self, with_maps: bool = True) -> PlaneView:
        res = self.resolution
        if not with_maps or self.columns is None:
            out = self.network.predict(self.inputs)
            return PlaneView(res, out.reshape(res, res, -1), [])
        outputs = self.network.forward_all(self.inputs)
        maps = [self.inputs.T.reshape(-1, res, res)]
        maps += [outputs[i].T.reshape(-1, res, res) for i in self.columns]
        return PlaneView(res, outputs[-1].reshape(res, res, -1), maps)

    def weights(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Each dense layer's weight matrix (inputs, units) and bias (units,), as views."""
        ws, bs = [], []
        for i in self.dense:
            layer = self.network.layers[i]
            ws.append(layer.params["weight"])
            bs.append(layer._bias())
        return ws, bs


def display_values(outputs: np.ndarray, classification: bool) -> np.ndarray:
    """What the output view colours: for one output, a signed value in [-1, 1] with the decision
    threshold (0.5) at 0 for classification, the raw value for regression; for several classes,
    probabilities (rows summing to 1)."""
    if outputs.shape[-1] == 1:
        v = outputs[..., 0].astype(np.float64)
        return np.clip((v - 0.5) * 2.0, -1.0, 1.0) if classification else v
    p = outputs.astype(np.float64)
    sums = p.sum(axis=-1, keepdims=True)
    if np.all(p >= 0) and np.allclose(sums, 1.0, atol=1e-3):
        return p
    e = np.exp(p - p.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
