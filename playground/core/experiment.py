"""The experiment document: everything needed to rebuild a run, as JSON (plus weights .npz)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from playground.core import layers as layer_registry
from playground.core import losses as loss_registry
from playground.core import optimizers as optimizer_registry
from playground.core import schedules as schedule_registry
from playground.core.errors import PlaygroundError, SpecError, check_number
from playground.core.network import Network
from playground.core.trainer import EarlyStopping, Trainer
from playground.data.dataset import Dataset, Split
from playground.data.pipeline import prepare

FORMAT = "neural-playground/experiment"
VERSION = 1
DTYPES = {"float32": np.float32, "float64": np.float64}


@dataclass
class Experiment:
    dataset: dict[str, Any]
    layers: list[dict[str, Any]]
    loss: dict[str, Any]
    optimizer: dict[str, Any]
    schedule: dict[str, Any] = field(default_factory=lambda: {"name": "constant"})
    batch_size: int = 10
    epochs: int = 100
    seed: int = 0
    split: dict[str, float] = field(
        default_factory=lambda: {"train": 0.7, "validation": 0.2, "test": 0.1})
    class_weights: list[float] | None = None
    early_stopping: dict[str, Any] | None = None
    dtype: str = "float32"
    #: "labels": learn the dataset's labels or values; "input": reproduce the input (autoencoder)
    target: str = "labels"
    #: std of Gaussian noise added to each training batch's inputs (denoising autoencoder, E3)
    input_noise: float = 0.0
    #: layers (1-based, as in the editor) whose parameters training leaves unchanged (T1)
    frozen: list[int] = field(default_factory=list)
    title: str = ""
    description: str = ""

    # --- documents -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT, "version": VERSION, **asdict(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, doc: Any) -> Experiment:
        """Validate and normalize a document; SpecError names the first bad field."""
        if not isinstance(doc, dict):
            raise SpecError("the experiment must be a JSON object")
        doc = dict(doc)
        fmt = doc.pop("format", FORMAT)
        version = doc.pop("version", VERSION)
        if fmt != FORMAT:
            raise SpecError(f"format: expected {FORMAT!r}, got {fmt!r}")
        if not isinstance(version, int) or version > VERSION:
            raise SpecError(f"version: this program reads version {VERSION} or older, "
                            f"got {version!r}")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(doc) - known)
        if unknown:
            raise SpecError(f"{unknown[0]}: unknown field (known: {', '.join(sorted(known))})")
        for required in ("dataset", "layers", "loss", "optimizer"):
            if required not in doc:
                raise SpecError(f"{required}: missing")
        exp = cls(**doc)
        exp.validate()
        return exp

    def validate(self) -> None:
        if not isinstance(self.dataset, dict) or not isinstance(self.dataset.get("name"), str):
            raise SpecError("dataset.name: missing (e.g. {\"name\": \"spiral\"})")
        if not isinstance(self.layers, list) or not self.layers:
            raise SpecError("layers: must be a non-empty list of layers")
        normalized = []
        for i, layer in enumerate(self.layers):
            try:
                normalized.append(layer_registry.get(layer).get_config())
            except SpecError as exc:
                raise SpecError(f"layers[{i}]: {exc}") from None
        self.layers = normalized
        self.loss = _normalize("loss", loss_registry, self.loss)
        self.optimizer = _normalize("optimizer", optimizer_registry, self.optimizer)
        self.schedule = _normalize("schedule", schedule_registry, self.schedule)
        self.batch_size = int(check_number("batch_size", self.batch_size, 1, integer=True))
        self.epochs = int(check_number("epochs", self.epochs, 0, 10_000_000, integer=True))
        self.seed = int(check_number("seed", self.seed, 0, 2**32 - 1, integer=True))
        if not isinstance(self.split, dict):
            raise SpecError("split: expected {\"train\": .., \"validation\": .., \"test\": ..}")
        for key in self.split:
            if key not in ("train", "validation", "test"):
                raise SpecError(f"split.{key}: unknown part (use train, validation, test)")
        if self.early_stopping is not None:
            if not isinstance(self.early_stopping, dict):
                raise SpecError("early_stopping: expected an object or null")
            try:
                EarlyStopping(**self.early_stopping)
            except TypeError as exc:
                raise SpecError(f"early_stopping: {exc}") from None
        if self.dtype not in DTYPES:
            raise SpecError(f"dtype: use one of {', '.join(DTYPES)}")
        if self.target not in ("labels", "input"):
            raise SpecError("target: use \"labels\" or \"input\" (an autoencoder)")
        self.input_noise = float(check_number("input_noise", self.input_noise, 0.0, 10.0))
        if not isinstance(self.frozen, list):
            raise SpecError("frozen: expected a list of layer numbers, e.g. [1, 2]")
        self.frozen = sorted({int(check_number("frozen", i, 1, len(self.layers), integer=True))
                              for i in self.frozen})

    def save(self, path: str | Path, network: Network | None = None) -> None:
        """Write the JSON document, and the weights beside it (same name, .npz) if given."""
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        if network is not None:
            network.save_weights(weights_path(path))

    @classmethod
    def load(cls, path: str | Path) -> Experiment:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SpecError(f"{path}: cannot read it ({exc.strerror})") from None
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(f"{path.name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        return cls.from_dict(doc)

    # --- building ------------------------------------------------------------------------------
    def build(self, weights: str | Path | None = None, threads: int = 1) -> Trainer:
        """The dataset, split, network and trainer this document describes; `threads` > 1
        trains on that many cores (Trainer)."""
        prepared = prepare(self.dataset, self.split, self.seed)
        split = prepared.split
        if self.target == "input":
            split = Split(*(reconstruction_targets(part) for part in
                            (split.train, split.validation, split.test)))
        network = Network(self.layers, prepared.input_shape, seed=self.seed,
                          dtype=DTYPES[self.dtype])
        if weights is not None:
            network.load_weights(weights)
        for index in self.frozen:
            network.freeze(index)
        stopping = EarlyStopping(**self.early_stopping) if self.early_stopping else None
        trainer = Trainer(network, self.loss, self.optimizer, split,
                          batch_size=self.batch_size, schedule=self.schedule, seed=self.seed,
                          class_weights=self.class_weights, early_stopping=stopping,
                          input_noise=self.input_noise, augmenter=prepared.augmenter,
                          threads=threads)
        trainer.prepared = prepared  # features, preprocessing and raw points, for the views
        return trainer


def reconstruction_targets(part: Dataset) -> Dataset:
    """An autoencoder's part: the targets are the inputs themselves; labels stay for colour."""
    flat = part.X.reshape(len(part), -1)
    return Dataset(part.name, part.X, part.labels, flat, list(part.class_names))


def weights_path(path: str | Path) -> Path:
    return Path(path).with_suffix(".npz")


def _normalize(field_name: str, registry: Any, value: Any) -> dict[str, Any]:
    try:
        return registry.get(value).get_config()
    except PlaygroundError as exc:
        raise SpecError(f"{field_name}: {exc}") from None



def preset_names() -> list[str]:
    from importlib.resources import files

    folder = files("playground.resources") / "presets"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".json"))


def load_preset(name: str) -> Experiment:
    from importlib.resources import files

    folder = files("playground.resources") / "presets"
    resource = folder / f"{name}.json"
    if not resource.is_file():
        raise SpecError(f"unknown preset {name!r} (presets: {', '.join(preset_names())})")
    return Experiment.from_dict(json.loads(resource.read_text(encoding="utf-8")))


def resolve(spec: str) -> Experiment:
    """A path to an experiment JSON file, or the name of a shipped preset."""
    path = Path(spec)
    if path.suffix == ".json" or path.exists():
        return Experiment.load(path)
    return load_preset(spec)



def fit_output(document: dict[str, Any], classes: int) -> tuple[dict[str, Any], str] | None:
    """The document with its output layer and loss made to fit a dataset of `classes` classes
    (0: regression, 2: two classes, more: one unit per class), and what changed, in words; None
    when it already fits or its last layer is not a dense one the app can adjust."""
    layers = document.get("layers") or []
    if not layers or not isinstance(layers[-1], dict) or layers[-1].get("name") != "dense":
        return None
    last = dict(layers[-1])
    loss = document.get("loss")
    loss_name = loss if isinstance(loss, str) else (loss or {}).get("name")
    activation = last.get("activation")
    act_name = activation if isinstance(activation, str) else (activation or {}).get("name")
    if classes == 0:
        want_units, want_act, want_loss = 1, "linear", "mse"
        fits = loss_name == "mse" and last.get("units") == 1
    elif classes == 2:
        want_units, want_act, want_loss = 1, "sigmoid", "binary_crossentropy"
        fits = (loss_name == "binary_crossentropy" and last.get("units") == 1
                and act_name == "sigmoid") or (loss_name in ("softmax_crossentropy", "hinge")
                                               and last.get("units") == 2)
    else:
        want_units, want_act, want_loss = classes, "softmax", "softmax_crossentropy"
        fits = loss_name in ("softmax_crossentropy", "hinge") and last.get("units") == classes
    if fits:
        return None
    last.update(units=want_units, activation=want_act)
    fitted = dict(document)
    fitted["layers"] = [*layers[:-1], last]
    fitted["loss"] = want_loss
    what = {0: "one linear output for values", 2: "one sigmoid output for two classes"}.get(
        classes, f"{classes} softmax outputs, one per class")
    return fitted, f"output layer set to {what}"
