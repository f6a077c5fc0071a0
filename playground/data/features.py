"""Input features for 2-D data (D3): the network sees chosen functions of the point (x1, x2).

Feeding x1² + x2² lets a single neuron separate the circle; x1·x2 does the same for xor. The
columns always come out in the order of `FEATURES`, whatever order they were asked in, so a
document and the GUI's check boxes give the same network input.

Note that the points lie in [-1, 1]², where sin x ≈ x - x³/6: the sine and cosine features
bend only gently there (they are the textbook features, applied as they are).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from playground.core.errors import SpecError


@dataclass(frozen=True)
class Feature:
    name: str  # the id used in documents
    label: str  # what the GUI shows
    fn: Callable[[np.ndarray, np.ndarray], np.ndarray]


FEATURES: list[Feature] = [
    Feature("x1", "x1", lambda a, b: a),
    Feature("x2", "x2", lambda a, b: b),
    Feature("x1_sq", "x1²", lambda a, b: a * a),
    Feature("x2_sq", "x2²", lambda a, b: b * b),
    Feature("x1_x2", "x1·x2", lambda a, b: a * b),
    Feature("sin_x1", "sin x1", lambda a, b: np.sin(a)),
    Feature("sin_x2", "sin x2", lambda a, b: np.sin(b)),
    Feature("cos_x1", "cos x1", lambda a, b: np.cos(a)),
    Feature("cos_x2", "cos x2", lambda a, b: np.cos(b)),
]

NAMES: list[str] = [f.name for f in FEATURES]
_BY_KEY: dict[str, Feature] = {**{f.label: f for f in FEATURES}, **{f.name: f for f in FEATURES}}
# friendly spellings a hand-written document may use
_BY_KEY.update({"x1^2": FEATURES[2], "x2^2": FEATURES[3], "x1*x2": FEATURES[4],
                "sin(x1)": FEATURES[5], "sin(x2)": FEATURES[6], "cos(x1)": FEATURES[7],
                "cos(x2)": FEATURES[8]})


def normalize(names: Iterable[str]) -> list[str]:
    """Canonical names, without repeats, in the order of FEATURES. Accepts the ids ("x1_sq"),
    the display labels ("x1²") and plain spellings ("x1^2"); SpecError names an unknown one."""
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise SpecError(f"dataset.features: expected a list of feature names, got {names!r}")
    chosen = set()
    for name in names:
        feature = _BY_KEY.get(name) if isinstance(name, str) else None
        if feature is None:
            raise SpecError(f"dataset.features: unknown feature {name!r} "
                            f"(features: {', '.join(NAMES)})")
        chosen.add(feature.name)
    if not chosen:
        raise SpecError("dataset.features: turn on at least one input feature")
    return [name for name in NAMES if name in chosen]


def labels(names: Iterable[str]) -> list[str]:
    """Display labels of the chosen features, in column order."""
    return [_BY_KEY[name].label for name in normalize(names)]


def expand(X2d: np.ndarray, names: Iterable[str]) -> np.ndarray:
    """The chosen feature columns (n, len(names)) of 2-D points (n, 2), in FEATURES order."""
    X2d = np.asarray(X2d)
    if X2d.ndim != 2 or X2d.shape[1] != 2:
        raise SpecError("dataset.features: input features need 2-D points (n, 2); this data "
                        f"has inputs of shape {tuple(X2d.shape[1:])}")
    canonical = normalize(names)
    dtype = X2d.dtype if np.issubdtype(X2d.dtype, np.floating) else np.float64
    a = X2d[:, 0].astype(dtype, copy=False)
    b = X2d[:, 1].astype(dtype, copy=False)
    out = np.empty((len(X2d), len(canonical)), dtype=dtype)
    for j, name in enumerate(canonical):
        out[:, j] = _BY_KEY[name].fn(a, b)
    return out
