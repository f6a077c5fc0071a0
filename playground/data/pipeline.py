"""The data pipeline: a document's "dataset" object -> split, featured, preprocessed data.

    load -> split (D2) -> input features (D3, 2-D data) -> preprocessing fitted on train (D1)

The keys this module reads from the "dataset" object (all optional):
  "features":      list of feature names (playground.data.features), default: the raw inputs
  "preprocessing": "none" (default), "standardize", "minmax" or "mean_image"
  "augmentation":  an augment.Augmenter config for image batches (D5), default: none
Everything else goes to `playground.data.datasets.load_dataset`, except the user-data sources
this package reads itself: {"name": "points", ...} (points.dataset_from_spec) and
{"name": "csv", "path": ...} (csv_import.dataset_from_spec).

`Prepared.raw` keeps the same split in original coordinates (for plotting the points), and
`Prepared.transform` maps new raw inputs (a grid of points, a drawn digit) the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from playground.core.errors import SpecError, check_number
from playground.data import csv_import, features, points
from playground.data.augment import Augmenter
from playground.data.dataset import Dataset, Split, split_dataset
from playground.data.preprocessing import Preprocessor

PIPELINE_KEYS = ("features", "preprocessing", "augmentation")
DEFAULT_SPLIT = {"train": 0.7, "validation": 0.2, "test": 0.1}


@dataclass
class Prepared:
    """What the trainer needs (split) and what the GUI needs to show and query it."""

    split: Split  # inputs featured and preprocessed: what the network sees
    raw: Split  # the same points in original coordinates
    preprocessor: Preprocessor
    features: list[str] = field(default_factory=list)  # canonical names; [] = raw inputs
    augmenter: Augmenter | None = None

    @property
    def input_shape(self) -> tuple[int, ...]:
        return self.split.train.input_shape

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """Raw inputs (n, ...) as the network sees them: features, then preprocessing."""
        X = features.expand(X_raw, self.features) if self.features else np.asarray(X_raw)
        return self.preprocessor.transform(X)

    def config(self) -> dict[str, Any]:
        """The pipeline settings and fitted statistics, JSON-ready (for display or saving)."""
        return {"features": list(self.features),
                "feature_labels": features.labels(self.features) if self.features else [],
                "preprocessing": self.preprocessor.get_config(),
                "augmentation": None if self.augmenter is None else self.augmenter.get_config()}


def load_raw(spec: dict[str, Any]) -> Dataset:
    """The dataset a "dataset" object (without the pipeline keys) names."""
    from playground.data.datasets import load_dataset

    name = spec.get("name")
    if name == points.SPEC_NAME:
        return points.dataset_from_spec(spec)
    if name == csv_import.SPEC_NAME:
        return csv_import.dataset_from_spec(spec)
    return load_dataset(spec)


def prepare(dataset_spec: dict[str, Any], split: dict[str, float] | None = None, seed: int = 0,
            *, loader: Callable[[dict[str, Any]], Dataset] | None = None) -> Prepared:
    """Load, split (with `seed`), expand features and fit the preprocessing on the training
    part only. `loader` replaces the dataset lookup (tests, or data already in memory)."""
    if not isinstance(dataset_spec, dict):
        raise SpecError("dataset: expected an object such as {\"name\": \"spiral\"}")
    spec = dict(dataset_spec)
    feature_names = spec.pop("features", None)
    method = spec.pop("preprocessing", "none")
    aug_config = spec.pop("augmentation", None)
    if method is None:
        method = "none"
    canonical = [] if feature_names is None else features.normalize(feature_names)
    augmenter = None if aug_config is None else Augmenter(aug_config)

    data = (loader or load_raw)(spec)
    data = _as_float(data)
    raw = split_parts(data, split, seed)
    if canonical:
        if data.X.ndim != 2 or data.X.shape[1] != 2:
            raise SpecError(f"dataset.features: input features are for 2-D points; "
                            f"'{data.name}' has inputs of shape {data.input_shape}")
        labels = features.labels(canonical)
        featured = Split(*(replace(part, X=features.expand(part.X, canonical),
                                   feature_names=list(labels))
                           for part in (raw.train, raw.validation, raw.test)))
    else:
        featured = raw
    pre = Preprocessor.fit(method, featured.train.X)
    parts = (featured.train, featured.validation, featured.test)
    if pre.name == "none" and all(part.X.dtype in (np.float32, np.float64) for part in parts):
        ready = featured  # nothing to transform: one copy of a 60,000-image set, not two
    else:
        ready = Split(*(replace(part, X=pre.transform(part.X)) for part in parts))
    return Prepared(ready, raw, pre, canonical, augmenter)


def split_parts(data: Dataset, split: dict[str, float] | None, seed: int) -> Split:
    """split_dataset with the document's fractions; a set with an official test part (MNIST,
    Fashion-MNIST: `test_index`) keeps it as the test part and divides the rest between
    training and validation in the ratio of their fractions."""
    fractions = dict(DEFAULT_SPLIT if split is None else split)
    for key in fractions:
        if key not in DEFAULT_SPLIT:
            raise SpecError(f"split.{key}: unknown part (use train, validation, test)")
    fractions = {key: float(check_number(f"split.{key}", fractions.get(key, 0.0), 0.0, 1.0))
                 for key in DEFAULT_SPLIT}
    if getattr(data, "test_index", None) is not None and hasattr(data, "official_split"):
        train_part, test_part = data.official_split()
        kept = fractions["train"] + fractions["validation"]
        if fractions["train"] <= 0:
            raise SpecError("split.train: the training part cannot be empty")
        inner = split_dataset(train_part, fractions["train"] / kept,
                              fractions["validation"] / kept, 0.0, seed=seed)
        return Split(inner.train, inner.validation, test_part)
    return split_dataset(data, seed=seed, **fractions)


def _as_float(data: Dataset) -> Dataset:
    """Integer pixels (images kept as uint8) as floats in [0, 1] before anything is fitted."""
    if np.issubdtype(np.asarray(data.X).dtype, np.floating):
        return data
    as_float = getattr(data, "as_float", None)
    if as_float is not None:
        return as_float()
    return replace(data, X=np.asarray(data.X, dtype=np.float64))
