"""Datasets by name: the document's "dataset" object -> a Dataset.

Names: the 2-D generators of toy2d; the shipped image sets (digits, mnist, fashion_mnist); the
full sets found on this machine (mnist_full, fashion_mnist_full); "idx" for MNIST-format files
given by path; the generated image sets (shapes, bars, font_digits). Images come back as float32
N×C×H×W in [0, 1]; sets with an official test part as one ImageDataset whose `test_index` marks
it (see playground.data.images).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.core.errors import SpecError
from playground.data import generated_images, images, toy2d
from playground.data.dataset import Dataset

BUILTIN_SETTINGS = ("subset", "samples", "seed")
FULL_SETTINGS = ("path", "subset", "samples", "seed")
IDX_SETTINGS = ("train_images", "train_labels", "test_images", "test_labels", "class_names",
                "subset", "samples", "seed")
GENERATED_SETTINGS = ("samples", "size", "noise", "seed", "classes", "variation")


#: loaders that live outside this package, registered by name at run time: an image folder
#: needs an image decoder, which is the Qt layer's (rule 1: data never imports Qt)
EXTERNAL_LOADERS: dict[str, Callable[..., Dataset]] = {}
EXTERNAL_HINTS = {"image_folder": "image folders are decoded by the app's Qt layer: "
                                  "import playground.ui.image_folder first"}


def register_loader(name: str, loader: Callable[..., Dataset]) -> None:
    """Make load_dataset({"name": name, **settings}) call loader(**settings)."""
    EXTERNAL_LOADERS[name] = loader


def names() -> list[str]:
    """Every dataset name load_dataset knows."""
    return [*toy2d.GENERATORS, *images.BUILTIN, *images.FULL, "idx",
            *generated_images.GENERATORS, *EXTERNAL_LOADERS]


def _only(name: str, params: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        raise SpecError(f"dataset.{unknown[0]}: unknown setting for {name!r} "
                        f"(settings: {', '.join(allowed)})")


def load_dataset(spec: dict[str, Any]) -> Dataset:
    """The dataset a document's "dataset" object describes, e.g. {"name": "spiral"},
    {"name": "mnist", "samples": 2000} or {"name": "shapes", "size": 32, "noise": 0.1}."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise SpecError("dataset.name: missing (e.g. {\"name\": \"spiral\"})")
    params = dict(spec)
    name = params.pop("name")
    if name in toy2d.GENERATORS:
        return toy2d.make_dataset(name, **params)
    if name in images.BUILTIN:
        _only(name, params, BUILTIN_SETTINGS)
        return images.load_builtin(name, **params)
    if name in images.FULL:
        _only(name, params, FULL_SETTINGS)
        location = params.pop("path", None)
        return images.load_full(images.FULL[name], location, **params)
    if name == "idx":
        _only(name, params, IDX_SETTINGS)
        for key in ("train_images", "train_labels"):
            if not isinstance(params.get(key), str):
                raise SpecError(f"dataset.{key}: the path of the IDX file is missing")
        return images.load_idx_dataset(**params)
    if name in EXTERNAL_LOADERS:
        return EXTERNAL_LOADERS[name](**params)
    if name in EXTERNAL_HINTS:
        raise SpecError(f"dataset.name: {EXTERNAL_HINTS[name]}")
    if name in generated_images.GENERATORS:
        _only(name, params, GENERATED_SETTINGS)
        return generated_images.generate(name, **params)
    raise SpecError(f"dataset.name: unknown dataset {name!r} (known: {', '.join(names())})")
