"""A dataset in memory and its training / validation / test split."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from playground.core.errors import SpecError, check_number


@dataclass
class Dataset:
    """Inputs X (n, ...) with class labels (n,) or regression targets (n, k)."""

    name: str
    X: np.ndarray
    labels: np.ndarray | None = None
    values: np.ndarray | None = None
    class_names: list[str] = field(default_factory=list)
    #: names of the input columns when known (a CSV header, expanded 2-D features); keyword-only
    #: so that subclasses' positional fields keep their places
    feature_names: list[str] = field(default_factory=list, kw_only=True)

    @property
    def classification(self) -> bool:
        """Labels are the targets; with values present (regression, or an autoencoder's own
        inputs) labels only colour the points."""
        return self.labels is not None and self.values is None

    @property
    def classes(self) -> int:
        return len(self.class_names)

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(self.X.shape[1:])

    def __len__(self) -> int:
        return len(self.X)

    def subset(self, index: np.ndarray) -> Dataset:
        return replace(self, X=self.X[index],
                       labels=None if self.labels is None else self.labels[index],
                       values=None if self.values is None else self.values[index],
                       class_names=list(self.class_names),
                       feature_names=list(self.feature_names))

    def targets(self, outputs: int) -> np.ndarray:
        """Loss targets for a network with this many outputs: the 0/1 label for one output,
        one-hot rows for one output per class, the values for regression."""
        if self.values is not None:
            if self.values.shape[1] != outputs:
                raise SpecError(f"the network has {outputs} outputs but the dataset "
                                f"'{self.name}' has {self.values.shape[1]} target values")
            return self.values
        if outputs == 1 and self.classes == 2:
            return self.labels.reshape(-1, 1).astype(np.float64)
        if outputs != self.classes:
            hint = " (or 1 output with sigmoid for two classes)" if self.classes == 2 else ""
            raise SpecError(f"the last layer has {outputs} outputs but the dataset "
                            f"'{self.name}' has {self.classes} classes: use {self.classes} "
                            f"outputs{hint}")
        return np.eye(self.classes)[self.labels]


@dataclass
class Split:
    train: Dataset
    validation: Dataset
    test: Dataset


def split_dataset(data: Dataset, train: float = 0.7, validation: float = 0.2,
                  test: float = 0.1, seed: int = 0) -> Split:
    """Shuffle and cut into three parts; stratified by class for classification (D2).

    Works the same for regression (one group). Every non-empty class keeps at least one
    training point, so tiny sets never leave the training part (or a class) empty."""
    fractions = [check_number(f"split.{name}", v, 0.0, 1.0)
                 for name, v in (("train", train), ("validation", validation), ("test", test))]
    if abs(sum(fractions) - 1.0) > 1e-6:
        raise SpecError("split: train + validation + test must add up to 1 "
                        f"(got {sum(fractions):g})")
    if fractions[0] <= 0:
        raise SpecError("split.train: the training part cannot be empty")
    rng = np.random.default_rng([int(seed), 3])
    groups = ([np.flatnonzero(data.labels == c) for c in range(data.classes)]
              if data.classification else [np.arange(len(data))])
    parts: list[list[np.ndarray]] = [[], [], []]
    for group in groups:
        group = rng.permutation(group)
        n = len(group)
        n_train = min(n, max(1, round(n * fractions[0])))
        n_val = min(n - n_train, round(n * fractions[1]))
        if fractions[2] == 0:
            n_val = n - n_train
        parts[0].append(group[:n_train])
        parts[1].append(group[n_train:n_train + n_val])
        parts[2].append(group[n_train + n_val:])
    index = [rng.permutation(np.concatenate(p)) for p in parts]
    if len(index[0]) == 0:
        raise SpecError("split: the training part is empty; use more samples")
    return Split(*(data.subset(i) for i in index))
