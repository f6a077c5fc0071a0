"""Datasets by name: the document's "dataset" object -> a Dataset."""

from __future__ import annotations

from typing import Any

from playground.core.errors import SpecError
from playground.data import toy2d
from playground.data.dataset import Dataset


def load_dataset(spec: dict[str, Any]) -> Dataset:
    params = dict(spec)
    name = params.pop("name")
    if name in toy2d.GENERATORS:
        unknown = set(params) - {"samples", "noise", "seed"}
        if unknown:
            raise SpecError(f"dataset.{sorted(unknown)[0]}: unknown setting for {name!r} "
                            "(settings: samples, noise, seed)")
        X, labels = toy2d.generate(name, **params)
        return Dataset(name, X, labels, class_names=["0", "1"])
    raise SpecError(f"dataset.name: unknown dataset {name!r} "
                    f"(known: {', '.join(toy2d.GENERATORS)})")
