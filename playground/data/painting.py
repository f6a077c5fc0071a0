"""Brush strokes on a document's dataset (D6): painting on a generated problem turns it into the
user's own point set (the generated points, then the painted ones), so the user keeps every
point they see and can add to it. Pure functions from one "dataset" object to the next, so the
GUI's undo only has to keep documents."""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.core.errors import SpecError
from playground.data import points
from playground.data.pipeline import PIPELINE_KEYS, load_raw


def point_set(spec: dict[str, Any]) -> points.PointSet:
    """The points a 2-D "dataset" object holds, as an editable PointSet."""
    source = {k: v for k, v in spec.items() if k not in PIPELINE_KEYS}
    if source.get("name") == points.SPEC_NAME:
        return points.PointSet.from_spec(source)
    data = load_raw(source)
    if data.X.ndim != 2 or data.X.shape[1] != 2:
        raise SpecError(f"{data.name}: only 2-D points can be painted on (its inputs have "
                        f"shape {'×'.join(map(str, data.input_shape))})")
    if data.classification:
        pset = points.PointSet(max(points.MIN_CLASSES, data.classes))
        pset.add_many(data.X, data.labels)
    else:
        pset = points.PointSet(task="regression")
        pset.add_many(data.X, np.asarray(data.values).reshape(-1))
    return pset


def _with_points(spec: dict[str, Any], pset: points.PointSet) -> dict[str, Any]:
    kept = {k: v for k, v in spec.items() if k in PIPELINE_KEYS}
    return {**pset.to_spec(), **kept}


def paint(spec: dict[str, Any], xy: np.ndarray, target: float) -> dict[str, Any]:
    """The dataset object with points (k, 2) of one class (or value) added."""
    pset = point_set(spec)
    if not pset.regression and int(target) >= pset.classes:
        pset.set_classes(int(target) + 1)
    pset.add_many(np.asarray(xy, dtype=np.float64).reshape(-1, 2), target)
    return _with_points(spec, pset)


def erase(spec: dict[str, Any], centres: np.ndarray, radius: float) -> dict[str, Any]:
    """The dataset object without the points within `radius` of any of the centres."""
    pset = point_set(spec)
    for x, y in np.asarray(centres, dtype=np.float64).reshape(-1, 2):
        pset.delete_near(float(x), float(y), float(radius))
    return _with_points(spec, pset)


def set_classes(spec: dict[str, Any], classes: int) -> dict[str, Any]:
    """The dataset object as a point set with this many classes (points of removed classes go)."""
    pset = point_set(spec)
    pset.set_classes(classes)
    return _with_points(spec, pset)
