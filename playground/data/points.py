"""Your own data (D6): an editable set of 2-D points, the model behind the GUI's brush.

A PointSet holds points (x, y) with a class (classification, 2–8 classes) or a value
(regression). Every edit is a plain method; `snapshot()` returns an immutable copy and
`restore(snapshot)` puts it back, so an undo stack only has to keep snapshots (the arrays are
small: a thousand points are 24 KB). Editing methods return what they changed (indices), which
is also what a GUI needs to redraw or select.

As a document: {"name": "points", "task": "classification", "classes": 3,
"points": [[x, y, class], ...]} (the third number is the value for regression).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core.errors import SpecError, check_number
from playground.data.dataset import Dataset

SPEC_NAME = "points"
TASKS = ("classification", "regression")
MIN_CLASSES, MAX_CLASSES = 2, 8


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of a PointSet's state (for undo)."""

    task: str
    classes: int
    xy: np.ndarray
    target: np.ndarray


def _check_classes(classes: Any) -> int:
    return int(check_number("classes", classes, MIN_CLASSES, MAX_CLASSES, integer=True))


class PointSet:
    """Editable 2-D points with a class or value each. Indices follow insertion order and
    shift down when earlier points are deleted (like a list)."""

    def __init__(self, classes: int = 2, task: str = "classification") -> None:
        if task not in TASKS:
            raise SpecError(f"task: use one of {', '.join(TASKS)}, got {task!r}")
        self.task = task
        self.classes = _check_classes(classes)
        self._xy = np.zeros((0, 2), dtype=np.float64)
        self._target = np.zeros(0, dtype=np.float64)  # class index or value
        self.version = 0  # bumped by every change: a cheap "has it changed?" for the GUI

    # --- reading ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._xy)

    @property
    def regression(self) -> bool:
        return self.task == "regression"

    @property
    def xy(self) -> np.ndarray:
        """Positions (n, 2), a read-only view."""
        view = self._xy.view()
        view.flags.writeable = False
        return view

    @property
    def labels(self) -> np.ndarray:
        """Class of each point (n,) int64 (classification only)."""
        if self.regression:
            raise SpecError("this point set is a regression set: it has values, not classes")
        return self._target.astype(np.int64)

    @property
    def values(self) -> np.ndarray:
        """Value of each point (n,) float64 (regression only)."""
        if not self.regression:
            raise SpecError("this point set is a classification set: it has classes, not values")
        return self._target.copy()

    def counts(self) -> np.ndarray:
        """Points per class (classes,)."""
        return np.bincount(self.labels, minlength=self.classes)

    def nearest(self, x: float, y: float, radius: float = np.inf) -> int | None:
        """Index of the point closest to (x, y) within radius, or None (for picking a point)."""
        if not len(self):
            return None
        d = np.hypot(self._xy[:, 0] - x, self._xy[:, 1] - y)
        i = int(np.argmin(d))
        return i if d[i] <= radius else None

    def near(self, x: float, y: float, radius: float) -> np.ndarray:
        """Indices of all points within radius of (x, y)."""
        d = np.hypot(self._xy[:, 0] - x, self._xy[:, 1] - y)
        return np.flatnonzero(d <= radius)

    # --- editing ---------------------------------------------------------------------------------
    def _check_target(self, target: np.ndarray) -> np.ndarray:
        target = np.asarray(target, dtype=np.float64)
        if not np.isfinite(target).all():
            raise SpecError("point values must be finite numbers")
        if not self.regression:
            bad = (target != np.round(target)) | (target < 0) | (target >= self.classes)
            if bad.any():
                raise SpecError(f"class {target[bad][0]:g} is not one of 0..{self.classes - 1}")
        return target

    @staticmethod
    def _check_xy(xy: Any) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        if not np.isfinite(xy).all():
            raise SpecError("point coordinates must be finite numbers")
        return xy

    def add(self, x: float, y: float, target: float = 0) -> int:
        """Add one point with its class (or value); returns its index."""
        return int(self.add_many([[x, y]], [target])[0])

    def add_many(self, xy: Sequence[Sequence[float]] | np.ndarray,
                 targets: Iterable[float] | np.ndarray | float) -> np.ndarray:
        """Add points (k, 2) with one class/value each (or one for all); returns their indices
        (a brush stroke)."""
        xy = self._check_xy(xy)
        target = np.asarray(list(targets) if not np.isscalar(targets) else targets,
                            dtype=np.float64)
        target = self._check_target(np.broadcast_to(target, (len(xy),)))
        start = len(self)
        self._xy = np.concatenate([self._xy, xy])
        self._target = np.concatenate([self._target, target])
        self.version += 1
        return np.arange(start, len(self))

    def _check_index(self, index: np.ndarray) -> np.ndarray:
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        bad = (index < 0) | (index >= len(self))
        if bad.any():
            raise SpecError(f"no point #{int(index[bad][0])} (the set has {len(self)} points)")
        return index

    def move(self, index: int, x: float, y: float) -> tuple[float, float]:
        """Move a point; returns its old position (to undo a drag)."""
        i = int(self._check_index([index])[0])
        old = (float(self._xy[i, 0]), float(self._xy[i, 1]))
        self._xy[i] = self._check_xy([x, y])[0]
        self.version += 1
        return old

    def set_target(self, index: int, target: float) -> float:
        """Change a point's class (or value); returns the old one."""
        i = int(self._check_index([index])[0])
        old = float(self._target[i])
        self._target[i] = self._check_target(np.array([target]))[0]
        self.version += 1
        return old

    def delete(self, indices: Iterable[int] | int) -> np.ndarray:
        """Delete points by index; returns the deleted indices (sorted, without repeats)."""
        index = np.unique(self._check_index(np.atleast_1d(np.asarray(indices))))
        if len(index):
            keep = np.ones(len(self), dtype=bool)
            keep[index] = False
            self._xy = self._xy[keep]
            self._target = self._target[keep]
            self.version += 1
        return index

    def delete_near(self, x: float, y: float, radius: float) -> np.ndarray:
        """The eraser: delete every point within radius of (x, y); returns their old indices."""
        radius = check_number("radius", radius, 0.0)
        return self.delete(self.near(x, y, radius))

    def clear(self) -> None:
        self._xy = np.zeros((0, 2), dtype=np.float64)
        self._target = np.zeros(0, dtype=np.float64)
        self.version += 1

    def set_classes(self, classes: int) -> None:
        """Change the number of classes (2–8); refuses to drop classes that still have points."""
        classes = _check_classes(classes)
        if not self.regression and len(self) and self._target.max() >= classes:
            highest = int(self._target.max())
            raise SpecError(f"classes: points of class {highest} remain; delete them before "
                            f"reducing the classes to {classes}")
        self.classes = classes
        self.version += 1

    # --- undo ------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        xy, target = self._xy.copy(), self._target.copy()
        xy.flags.writeable = False
        target.flags.writeable = False
        return Snapshot(self.task, self.classes, xy, target)

    def restore(self, snap: Snapshot) -> None:
        self.task, self.classes = snap.task, snap.classes
        self._xy = snap.xy.copy()
        self._target = snap.target.copy()
        self.version += 1

    # --- conversions -----------------------------------------------------------------------------
    def to_dataset(self, name: str = "points") -> Dataset:
        """The points as a Dataset; SpecError when there is nothing a network could learn."""
        if len(self) < 2:
            raise SpecError(f"{name}: paint at least 2 points (there are {len(self)})")
        X = self._xy.copy()
        if self.regression:
            return Dataset(name, X, values=self._target.reshape(-1, 1).copy(),
                           feature_names=["x1", "x2"])
        present = np.flatnonzero(self.counts())
        if len(present) < 2:
            raise SpecError(f"{name}: all points are of class {int(present[0])}; paint points "
                            "of at least two classes")
        return Dataset(name, X, self.labels, class_names=[str(c) for c in range(self.classes)],
                       feature_names=["x1", "x2"])

    def to_spec(self) -> dict[str, Any]:
        """A JSON-ready "dataset" object that dataset_from_spec() reads back."""
        rows = [[float(x), float(y), float(t) if self.regression else int(t)]
                for (x, y), t in zip(self._xy, self._target, strict=True)]
        return {"name": SPEC_NAME, "task": self.task, "classes": self.classes, "points": rows}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> PointSet:
        spec = dict(spec)
        spec.pop("name", None)
        unknown = sorted(set(spec) - {"task", "classes", "points"})
        if unknown:
            raise SpecError(f"dataset.{unknown[0]}: unknown setting for 'points' "
                            "(settings: task, classes, points)")
        rows = spec.get("points", [])
        task = spec.get("task", "classification")
        if "classes" in spec:
            classes = spec["classes"]
        else:  # as many as the points use
            found = [r[2] for r in rows if isinstance(r, list | tuple) and len(r) == 3
                     and isinstance(r[2], int | float) and not isinstance(r[2], bool)]
            classes = max(MIN_CLASSES, int(max(found, default=0)) + 1)
            if task == "regression":
                classes = MIN_CLASSES
        try:
            pset = cls(classes, task)
        except SpecError as exc:
            raise SpecError(f"dataset.{exc}") from None
        if not isinstance(rows, list):
            raise SpecError("dataset.points: expected a list of [x, y, class] rows")
        for i, row in enumerate(rows):
            if (not isinstance(row, list | tuple) or len(row) != 3
                    or any(isinstance(v, bool) or not isinstance(v, int | float) for v in row)):
                raise SpecError(f"dataset.points[{i}]: expected [x, y, class], got {row!r}")
            try:
                pset._check_xy(row[:2])
                pset._check_target(np.array([row[2]]))
            except SpecError as exc:
                raise SpecError(f"dataset.points[{i}]: {exc}") from None
        if rows:
            array = np.asarray(rows, dtype=np.float64)
            pset.add_many(array[:, :2], array[:, 2])
        return pset


def dataset_from_spec(spec: dict[str, Any]) -> Dataset:
    """The Dataset of a {"name": "points", ...} document object."""
    return PointSet.from_spec(spec).to_dataset()
