"""Training history that stays small however long a run goes.

Rows are appended in blocks; once `capacity` rows are held, neighbouring rows are averaged in
pairs and later rows are averaged over twice as many steps, so a curve keeps its shape.
"""

from __future__ import annotations

import numpy as np


class DecimatingLog:
    def __init__(self, columns: list[str], capacity: int = 8192) -> None:
        self.columns = list(columns)
        self.capacity = capacity
        self.stride = 1
        self._rows = np.zeros((0, len(columns)))
        self._pending = np.zeros((0, len(columns)))
        self.count = 0  # rows ever appended

    def extend(self, block: np.ndarray) -> None:
        block = np.asarray(block, dtype=np.float64).reshape(-1, len(self.columns))
        self.count += len(block)
        data = np.concatenate([self._pending, block]) if len(self._pending) else block
        full = len(data) // self.stride * self.stride
        if full:
            merged = data[:full].reshape(-1, self.stride, len(self.columns)).mean(axis=1)
            self._rows = np.concatenate([self._rows, merged])
        self._pending = data[full:].copy()
        while len(self._rows) > self.capacity:
            even = len(self._rows) // 2 * 2
            halved = self._rows[:even].reshape(-1, 2, len(self.columns)).mean(axis=1)
            # a leftover odd row becomes pending input at the new stride
            self._pending = np.concatenate([self._rows[even:].repeat(self.stride, axis=0),
                                            self._pending])
            self._rows = halved
            self.stride *= 2

    def append(self, **values: float) -> None:
        self.extend(np.array([[values.get(c, np.nan) for c in self.columns]]))

    def array(self) -> np.ndarray:
        """All rows so far (n, columns), the not-yet-averaged tail included."""
        if len(self._pending):
            return np.concatenate([self._rows, self._pending])
        return self._rows.copy()

    def column(self, name: str) -> np.ndarray:
        return self.array()[:, self.columns.index(name)]

    def last(self, name: str) -> float:
        source = self._pending if len(self._pending) else self._rows
        return float(source[-1, self.columns.index(name)]) if len(source) else float("nan")

    def __len__(self) -> int:
        return len(self._rows) + len(self._pending)
