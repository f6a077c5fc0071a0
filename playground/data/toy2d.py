"""Two-dimensional point sets: the playground's classic classification and regression problems.

Every generator takes the number of samples, a noise level and a seed (classification ones also
a class imbalance); the same settings give the same points. Coordinates lie roughly in [-1, 1]².
Classification labels are integers 0..classes-1; regression targets are `values` of shape (n, 1).

One table, `GENERATORS`, describes every problem: its kind, its class count and its parameters
(`ParamInfo`: name, default, range), so the GUI builds its controls from the same list that
validates a document. `make_dataset(name, **params)` is the single entry point for a dispatcher.

Noise: for classification the labels come from the noise-free points and Gaussian noise of that
standard deviation then moves the points (for "gaussians" and "blobs" it widens the clusters);
for regression the points stay put and the noise is added to the target values.

Imbalance (D4): a number in [0, 0.95]. Class c of K gets a share proportional to
1 - imbalance * c / (K - 1): class 0 is the largest, the last class has (1 - imbalance) times as
many points as class 0 (imbalance 0.8 on two classes: 5 points of class 0 for each of class 1).
0 means balanced and gives exactly the points this module always gave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.core.errors import SpecError, check_number
from playground.data.dataset import Dataset

Points = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class ParamInfo:
    """One setting of a generator (or augmentation): enough for a GUI to build a control."""

    name: str
    label: str
    kind: str  # "int", "float", "bool" or "choice"
    default: Any
    low: float | None = None
    high: float | None = None
    help: str = ""
    choices: tuple[str, ...] = ()

    def check(self, field_name: str, value: Any) -> Any:
        """The value, validated against this setting's kind and range (SpecError otherwise)."""
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise SpecError(f"{field_name}: expected true or false, got {value!r}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise SpecError(f"{field_name}: use one of {', '.join(self.choices)}, "
                                f"got {value!r}")
            return value
        integer = self.kind == "int"
        number = check_number(field_name, value, self.low, self.high, integer=integer)
        return int(number) if integer else float(number)


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), 2024])


# --- labels and class counts -------------------------------------------------------------------

def class_counts(samples: int, classes: int, imbalance: float) -> np.ndarray:
    """How many points each class gets (D4, see the module docstring); each class gets >= 1."""
    if samples < classes:
        raise SpecError(f"dataset.samples: {classes} classes need at least {classes} samples, "
                        f"got {samples}")
    weights = 1.0 - imbalance * np.arange(classes) / max(classes - 1, 1)
    exact = samples * weights / weights.sum()
    counts = np.floor(exact).astype(np.int64)
    # largest remainders get the points left over; ties go to the earlier class
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:samples - counts.sum()]] += 1
    while (counts == 0).any():  # tiny sets: borrow from the largest class
        counts[np.argmax(counts)] -= 1
        counts[np.argmin(counts)] += 1
    return counts


def _labels(samples: int, classes: int, imbalance: float) -> np.ndarray:
    if imbalance == 0:
        return np.arange(samples) % classes  # the original, interleaved layout
    return np.repeat(np.arange(classes), class_counts(samples, classes, imbalance))


def _fill_regions(rng: np.random.Generator, counts: np.ndarray,
                  label_of: Callable[[np.ndarray], np.ndarray]) -> Points:
    """Uniform points in [-1, 1]² whose label comes from their position, drawn until every
    class has its count (exact balance or imbalance for sets such as xor and checkerboard)."""
    need = counts.copy()
    taken_pts: list[np.ndarray] = []
    taken_labels: list[np.ndarray] = []
    while need.sum() > 0:
        pts = rng.uniform(-1.0, 1.0, size=(max(64, 4 * int(need.sum())), 2))
        labels = label_of(pts)
        for c in range(len(counts)):
            keep = np.flatnonzero(labels == c)[:need[c]]
            need[c] -= len(keep)
            taken_pts.append(pts[keep])
            taken_labels.append(labels[keep])
    return np.concatenate(taken_pts), np.concatenate(taken_labels)


# --- classification ----------------------------------------------------------------------------

def xor(samples: int, noise: float, rng: np.random.Generator, imbalance: float = 0.0) -> Points:
    if imbalance == 0:
        pts = rng.uniform(-1.0, 1.0, size=(samples, 2))
        # keep points off the axes a little so the four quadrants stay readable
        pts += np.sign(pts) * 0.05
        labels = (pts[:, 0] * pts[:, 1] < 0).astype(np.int64)
    else:
        pts, labels = _fill_regions(rng, class_counts(samples, 2, imbalance),
                                    lambda p: (p[:, 0] * p[:, 1] < 0).astype(np.int64))
        pts += np.sign(pts) * 0.05
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def circle(samples: int, noise: float, rng: np.random.Generator,
           imbalance: float = 0.0) -> Points:
    labels = _labels(samples, 2, imbalance)
    inner = rng.uniform(0.0, 0.45, samples)
    outer = rng.uniform(0.65, 1.0, samples)
    radius = np.where(labels == 0, inner, outer)
    angle = rng.uniform(0.0, 2.0 * np.pi, samples)
    pts = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def spiral(samples: int, noise: float, rng: np.random.Generator,
           imbalance: float = 0.0) -> Points:
    labels = _labels(samples, 2, imbalance)
    t = rng.uniform(0.0, 1.0, samples) ** 0.5
    angle = t * 3.5 * np.pi + labels * np.pi
    radius = 0.05 + 0.9 * t
    pts = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def gaussians(samples: int, noise: float, rng: np.random.Generator,
              imbalance: float = 0.0) -> Points:
    labels = _labels(samples, 2, imbalance)
    centres = np.array([[-0.45, -0.45], [0.45, 0.45]])
    pts = centres[labels] + rng.normal(0.0, 0.15 + noise, size=(samples, 2))
    return pts, labels


def moons(samples: int, noise: float, rng: np.random.Generator,
          imbalance: float = 0.0) -> Points:
    """Two interleaving half circles (the upper one class 0), centred and scaled into the box."""
    labels = _labels(samples, 2, imbalance)
    t = rng.uniform(0.0, np.pi, samples)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    pts = np.where((labels == 0)[:, None], upper, lower)
    pts = (pts - [0.5, 0.25]) * 0.6
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def blobs(samples: int, noise: float, rng: np.random.Generator, imbalance: float = 0.0,
          classes: int = 3) -> Points:
    """One round cluster per class, the centres evenly spaced on a circle of radius 0.6."""
    labels = _labels(samples, classes, imbalance)
    angle = np.pi / 2 + 2.0 * np.pi * np.arange(classes) / classes
    centres = 0.6 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    pts = centres[labels] + rng.normal(0.0, 0.1, size=(samples, 2))
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def checkerboard(samples: int, noise: float, rng: np.random.Generator, imbalance: float = 0.0,
                 cells: int = 4) -> Points:
    """A cells × cells board over [-1, 1]²; the colour of the square is the class."""

    def label_of(pts: np.ndarray) -> np.ndarray:
        idx = np.clip(np.floor((pts + 1.0) * cells / 2.0).astype(np.int64), 0, cells - 1)
        return (idx[:, 0] + idx[:, 1]) % 2

    pts, labels = _fill_regions(rng, class_counts(samples, 2, imbalance), label_of)
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


# --- regression --------------------------------------------------------------------------------

def _surface(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Callable[..., Points]:
    def generate_points(samples: int, noise: float, rng: np.random.Generator) -> Points:
        pts = rng.uniform(-1.0, 1.0, size=(samples, 2))
        values = fn(pts[:, 0], pts[:, 1]).reshape(-1, 1)
        return pts, values + rng.normal(0.0, noise, size=values.shape)

    generate_points.__doc__ = fn.__doc__
    return generate_points


def _plane(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """A tilted plane, (x1 + x2) / 2: a linear model fits it exactly."""
    return 0.5 * (x1 + x2)


_BUMPS = np.array([[-0.45, -0.45, 1.0], [0.45, 0.45, 1.0], [-0.45, 0.45, -1.0],
                   [0.45, -0.45, -1.0]])


def _bumps(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """Two Gaussian hills and two hollows on the diagonals (height ±1, width 0.25)."""
    out = np.zeros_like(x1)
    for cx, cy, height in _BUMPS:
        out += height * np.exp(-((x1 - cx) ** 2 + (x2 - cy) ** 2) / (2 * 0.25 ** 2))
    return out


def _sine(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """sin(π x1) · cos(π x2 / 2): one full wave across, half a wave up."""
    return np.sin(np.pi * x1) * np.cos(np.pi * x2 / 2)


plane = _surface(_plane)
bumps = _surface(_bumps)
sine = _surface(_sine)


# --- the table ---------------------------------------------------------------------------------

SAMPLES = ParamInfo("samples", "Samples", "int", 400, 4, 1_000_000,
                    "number of points generated")
NOISE = ParamInfo("noise", "Noise", "float", 0.0, 0.0, 2.0,
                  "standard deviation of the Gaussian noise")
SEED = ParamInfo("seed", "Seed", "int", 0, 0, 2**32 - 1, "same seed, same points")
IMBALANCE = ParamInfo("imbalance", "Class imbalance", "float", 0.0, 0.0, 0.95,
                      "0 = balanced; the last class gets (1 - imbalance) × the first's points")
CLASSES = ParamInfo("classes", "Classes", "int", 3, 2, 8, "number of clusters (classes)")
CELLS = ParamInfo("cells", "Squares per side", "int", 4, 2, 8, "size of the board")


@dataclass(frozen=True)
class Generator:
    """A named 2-D problem: its function, kind, parameters and (fixed) class count."""

    name: str
    title: str
    kind: str  # "classification" or "regression"
    fn: Callable[..., Points]
    params: tuple[ParamInfo, ...]
    classes: int = 2  # fixed count; 0 for regression; blobs read it from the "classes" param
    description: str = ""
    extra: tuple[str, ...] = field(default=())  # params passed on to fn besides samples/noise

    def __call__(self, samples: int, noise: float, rng: np.random.Generator,
                 **params: Any) -> Points:
        return self.fn(samples, noise, rng, **params)


def _classifier(name: str, title: str, fn: Callable[..., Points], description: str,
                *more: ParamInfo) -> Generator:
    params = (SAMPLES, NOISE, IMBALANCE, *more, SEED)
    return Generator(name, title, "classification", fn, params, 2, description,
                     ("imbalance", *(p.name for p in more)))


def _regressor(name: str, title: str, fn: Callable[..., Points]) -> Generator:
    return Generator(name, title, "regression", fn, (SAMPLES, NOISE, SEED), 0, fn.__doc__ or "")


GENERATORS: dict[str, Generator] = {g.name: g for g in (
    _classifier("xor", "Exclusive or", xor, "Four quadrants; opposite corners share a class."),
    _classifier("circle", "Circle", circle, "A disc of one class inside a ring of the other."),
    _classifier("spiral", "Spiral", spiral, "Two interleaved spirals."),
    _classifier("gaussians", "Two Gaussians", gaussians,
                "Two round clusters on the diagonal; noise widens them."),
    _classifier("moons", "Moons", moons, "Two interleaving half circles."),
    _classifier("blobs", "Blobs", blobs, "One round cluster per class, 2 to 8 classes.",
                CLASSES),
    _classifier("checkerboard", "Checkerboard", checkerboard,
                "Squares of alternating class.", CELLS),
    _regressor("plane", "Plane", plane),
    _regressor("bumps", "Gaussian bumps", bumps),
    _regressor("sine", "Sine surface", sine),
)}


def _generator(name: str) -> Generator:
    if name not in GENERATORS:
        raise SpecError(f"dataset.name: unknown 2-D dataset {name!r} "
                        f"(known: {', '.join(GENERATORS)})")
    return GENERATORS[name]


def parameters(name: str) -> list[ParamInfo]:
    """The settings of a generator, in the order a GUI should show them."""
    return list(_generator(name).params)


def kind(name: str) -> str:
    """"classification" or "regression"."""
    return _generator(name).kind


def class_count(name: str, **params: Any) -> int:
    """Number of classes the generator makes with these settings (0 for regression)."""
    gen = _generator(name)
    if gen.kind == "regression":
        return 0
    if "classes" in gen.extra:
        return int(params.get("classes", CLASSES.default))
    return gen.classes


def check_params(name: str, params: dict[str, Any]) -> dict[str, Any]:
    """All settings of a generator with defaults filled in, each validated (SpecError names
    the setting: 'dataset.noise: must be <= 2.0, got 3')."""
    gen = _generator(name)
    known = {p.name: p for p in gen.params}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise SpecError(f"dataset.{unknown[0]}: unknown setting for {name!r} "
                        f"(settings: {', '.join(known)})")
    checked = {key: p.check(f"dataset.{key}", params.get(key, p.default))
               for key, p in known.items()}
    classes = checked.get("classes", gen.classes)
    if gen.kind == "classification" and checked["samples"] < classes:
        raise SpecError(f"dataset.samples: {classes} classes need at least {classes} samples, "
                        f"got {checked['samples']}")
    return checked


def generate(name: str, samples: int = 400, noise: float = 0.0, seed: int = 0,
             **params: Any) -> Points:
    """Points (samples, 2) float64 and, for classification, labels (samples,) int64; for
    regression, values (samples, 1) float64. Extra settings: imbalance, classes, cells."""
    checked = check_params(name, {"samples": samples, "noise": noise, "seed": seed, **params})
    gen = GENERATORS[name]
    rng = _rng(checked["seed"])
    extra = {key: checked[key] for key in gen.extra}
    pts, target = gen(checked["samples"], checked["noise"], rng, **extra)
    perm = rng.permutation(checked["samples"])
    return pts[perm], target[perm]


def make_dataset(name: str, **params: Any) -> Dataset:
    """The named problem as a Dataset (class names "0".."K-1", or values for regression);
    params are the generator's settings (see `parameters(name)`), defaults for those left out."""
    X, target = generate(name, **params)
    if kind(name) == "regression":
        return Dataset(name, X, values=target)
    classes = class_count(name, **params)
    return Dataset(name, X, target, class_names=[str(c) for c in range(classes)])
