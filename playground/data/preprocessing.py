"""Preprocessing (D1): statistics fitted on the training split only, applied to every part.

Fitting on the training part alone is the point: statistics that peek at the validation or test
data leak them into training and flatter the scores. The fitted statistics are kept (and
`get_config()` exports them) so the GUI can show them and transform new inputs, such as a
decision-boundary grid or a digit drawn by hand, exactly as the training data was.

Methods (statistics per input element, i.e. per column of 2-D data, per pixel of images):
  none         the inputs unchanged
  standardize  (x - mean) / std
  minmax       2 (x - min) / (max - min) - 1, so the training data spans [-1, 1]
  mean_image   x - mean: mean-image subtraction for images (for 2-D data, centring)
An element that is constant in the training data (std or range 0, e.g. an always-black border
pixel) maps to 0 rather than dividing by zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.core.errors import SpecError

METHODS: dict[str, str] = {
    "none": "None",
    "standardize": "Standardize (mean 0, std 1)",
    "minmax": "Min-max to [-1, 1]",
    "mean_image": "Subtract the mean image",
}

_STATS = {"none": (), "standardize": ("mean", "std"), "minmax": ("min", "max"),
          "mean_image": ("mean",)}
TINY = 1e-12
CHUNK = 4096  # rows per block when fitting


class Preprocessor:
    """A fitted transform: `Preprocessor.fit(name, X_train)`, then `.transform(X)`."""

    def __init__(self, name: str, stats: dict[str, np.ndarray] | None = None,
                 input_shape: tuple[int, ...] | None = None) -> None:
        if name not in METHODS:
            raise SpecError(f"dataset.preprocessing: unknown method {name!r} "
                            f"(methods: {', '.join(METHODS)})")
        stats = dict(stats or {})
        missing = [key for key in _STATS[name] if key not in stats]
        if missing:
            raise SpecError(f"preprocessing: {name} needs the fitted {missing[0]!r}")
        self.name = name
        self.stats = {key: np.asarray(stats[key], dtype=np.float64) for key in _STATS[name]}
        shapes = {v.shape for v in self.stats.values()}
        if len(shapes) > 1:
            raise SpecError(f"preprocessing: the fitted statistics of {name} differ in shape")
        self.input_shape = (next(iter(shapes)) if shapes
                            else None if input_shape is None else tuple(input_shape))
        self._scale, self._offset = self._affine()

    # --- fitting ---------------------------------------------------------------------------------
    @classmethod
    def fit(cls, name: str, X_train: np.ndarray) -> Preprocessor:
        """Statistics of the training inputs (n, ...) for the named method."""
        if name not in METHODS:
            raise SpecError(f"dataset.preprocessing: unknown method {name!r} "
                            f"(methods: {', '.join(METHODS)})")
        X = np.asarray(X_train)
        shape = tuple(X.shape[1:])
        if name == "none":
            return cls(name, input_shape=shape)
        if len(X) == 0:
            raise SpecError(f"preprocessing: {name} needs training data to fit to")
        stats: dict[str, np.ndarray] = {}
        # in blocks of rows, with float64 sums: no float64 copy of a 60,000-image set
        blocks = [X[i:i + CHUNK] for i in range(0, len(X), CHUNK)]
        for block in blocks:
            if not np.isfinite(block).all():
                raise SpecError("preprocessing: the training inputs contain NaN or infinite "
                                f"values; {name} cannot be fitted")
        if name in ("standardize", "mean_image"):
            total = sum(b.sum(axis=0, dtype=np.float64) for b in blocks)
            stats["mean"] = np.asarray(total / len(X), dtype=np.float64)
        if name == "standardize":
            mean = stats["mean"]
            squares = sum(((b.astype(np.float64) - mean) ** 2).sum(axis=0) for b in blocks)
            stats["std"] = np.sqrt(squares / len(X))
        if name == "minmax":
            stats["min"] = np.min([b.min(axis=0) for b in blocks], axis=0).astype(np.float64)
            stats["max"] = np.max([b.max(axis=0) for b in blocks], axis=0).astype(np.float64)
        return cls(name, stats)

    def _affine(self) -> tuple[np.ndarray | float, np.ndarray | float]:
        """The transform as x * scale + offset."""
        s = self.stats
        if self.name == "standardize":
            std = s["std"]
            scale = np.where(std > TINY, 1.0 / np.where(std > TINY, std, 1.0), 0.0)
            return scale, -s["mean"] * scale
        if self.name == "minmax":
            span = s["max"] - s["min"]
            scale = np.where(span > TINY, 2.0 / np.where(span > TINY, span, 1.0), 0.0)
            offset = np.where(span > TINY, -1.0 - s["min"] * scale, -s["min"] * scale)
            return scale, offset
        if self.name == "mean_image":
            return 1.0, -s["mean"]
        return 1.0, 0.0

    # --- applying --------------------------------------------------------------------------------
    def _check(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X)
        if self.input_shape is not None and tuple(X.shape[1:]) != self.input_shape:
            raise SpecError(f"preprocessing: fitted to inputs of shape {self.input_shape}, "
                            f"got {tuple(X.shape[1:])}")
        return X

    def transform(self, X: np.ndarray) -> np.ndarray:
        """New array: X (n, ...) transformed; float32 stays float32, anything else float64."""
        X = self._check(X)
        dtype = np.result_type(X.dtype, np.float32)
        if self.name == "none":
            return X.astype(dtype, copy=True)
        out = X.astype(dtype, copy=True)
        if self.name != "mean_image":
            out *= np.asarray(self._scale, dtype=dtype)
        out += np.asarray(self._offset, dtype=dtype)
        return out

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """Back to original units (constant elements come back as their training value)."""
        X = self._check(X)
        dtype = np.result_type(X.dtype, np.float32)
        if self.name == "none":
            return X.astype(dtype, copy=True)
        scale = np.asarray(self._scale, dtype=np.float64)
        constant = self.stats["mean"] if "mean" in self.stats else self.stats["min"]
        out = np.where(scale != 0, (X - self._offset) / np.where(scale != 0, scale, 1.0),
                       constant)
        return out.astype(dtype, copy=False)

    # --- config ----------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Plain names and nested lists of numbers (JSON-ready); from_config() rebuilds it."""
        config: dict[str, Any] = {"name": self.name}
        if self.input_shape is not None:
            config["input_shape"] = list(self.input_shape)
        config.update({key: value.tolist() for key, value in self.stats.items()})
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Preprocessor:
        config = dict(config)
        name = config.pop("name", None)
        shape = config.pop("input_shape", None)
        return cls(name, config, None if shape is None else tuple(shape))

    def __repr__(self) -> str:
        return f"Preprocessor({self.name!r}, input_shape={self.input_shape})"
