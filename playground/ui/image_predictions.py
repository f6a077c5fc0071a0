"""Test images with what the network says about them (L2): the predicted class and its
probability under each image, the runners-up (2nd and 3rd) below, wrong predictions in a thick
red frame with the true class; "Mistakes first" brings the confident mistakes to the top.
Clicking an image emits its test-set index (the main window then shows its feature maps)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.ui.image_grid import ERROR, FAINT, TEXT, ImageGrid, label_font, make_white
from playground.ui.image_pixels import display_rgba
from playground.ui.palette import hex_color


def percent(p: float) -> str:
    return f"{100 * float(p):.0f}%"


def runners_up(probabilities: np.ndarray, predicted: int, count: int = 2) -> list[int]:
    """The classes ranked after the predicted one, best first, leaving out those that round to
    0% (they would only repeat "nothing else")."""
    order = [int(k) for k in np.argsort(-probabilities, kind="stable") if int(k) != predicted]
    return [k for k in order[:count] if round(100 * float(probabilities[k])) > 0]


class PredictionsView(QWidget):
    """A grid of test images, each with its prediction."""

    image_chosen = Signal(int)  # test-set index

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_white(self)
        self.setFont(label_font())
        self.class_names: list[str] = []
        self.images = np.zeros((0, 1, 1, 1))
        self.labels = np.zeros(0, dtype=int)
        self.probabilities = np.zeros((0, 0))
        self.indices = np.zeros(0, dtype=int)
        self.predicted = np.zeros(0, dtype=int)
        self._order = np.zeros(0, dtype=int)  # rows of the arrays, in the order shown
        self.chosen: int | None = None  # the test index last clicked (framed while shown)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        top = QHBoxLayout()
        self.mistakes_first = QCheckBox("Mistakes first")
        self.mistakes_first.toggled.connect(self._refresh)
        top.addWidget(self.mistakes_first)
        top.addStretch(1)
        self.summary = QLabel()
        top.addWidget(self.summary)
        outer.addLayout(top)

        self.grid = ImageGrid(clickable=True)
        self.grid.set_size_range(56, 112)
        self.grid.set_placeholder("No test images to show.")
        self.grid.cell_clicked.connect(self._cell_clicked)
        self.grid.tooltip_for = self._tooltip
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        make_white(self.scroll.viewport())
        self.scroll.setWidget(self.grid)
        outer.addWidget(self.scroll, 1)

    # ----------------------------------------------------------------------------- public API
    def set_class_names(self, names: Sequence[str]) -> None:
        names = [str(s) for s in names]
        if names != self.class_names:
            self.class_names = names
            self._refresh()

    def show(self, images: np.ndarray | None = None, labels: np.ndarray | None = None,
             probabilities: np.ndarray | None = None,
             indices: np.ndarray | None = None) -> None:
        """images (N, C, H, W), true labels (N,), probabilities (N, classes), test-set indices
        (N,). Called without arguments, it is QWidget.show()."""
        if images is None and labels is None and probabilities is None and indices is None:
            super().show()
            return
        images = np.asarray(images)
        labels = np.asarray(labels).astype(int).ravel()
        probabilities = np.asarray(probabilities, dtype=np.float64)
        n = len(images)
        indices = np.arange(n) if indices is None else np.asarray(indices).astype(int).ravel()
        if images.ndim != 4 or probabilities.ndim != 2 or not (
                len(labels) == len(probabilities) == len(indices) == n):
            raise ValueError(f"images (N, C, H, W), labels (N,), probabilities (N, classes) and "
                             f"indices (N,) expected, got {images.shape}, {labels.shape}, "
                             f"{probabilities.shape}, {indices.shape}")
        self.images, self.labels, self.indices = images, labels, indices
        self.probabilities = probabilities
        self.predicted = (probabilities.argmax(axis=1) if n and probabilities.shape[1]
                          else np.zeros(n, dtype=int))
        self._refresh()

    def order(self) -> list[int]:
        """The test-set indices in the order shown."""
        return [int(self.indices[r]) for r in self._order]

    def wrong(self) -> np.ndarray:
        return self.predicted != self.labels

    def resizeEvent(self, event) -> None:
        # larger images on a larger view: about nine across
        side = int(np.clip((event.size().width() - 40) // 9, 56, 112))
        self.grid.set_size_range(side, 112)
        super().resizeEvent(event)

    # ------------------------------------------------------------------------------- private
    def name(self, k: int) -> str:
        return self.class_names[k] if 0 <= k < len(self.class_names) else str(k)

    def _refresh(self) -> None:
        n = len(self.images)
        wrong = self.wrong()
        if self.mistakes_first.isChecked():
            confidence = self.probabilities[np.arange(n), self.predicted] if n else np.zeros(0)
            mistakes = np.flatnonzero(wrong)
            mistakes = mistakes[np.argsort(-confidence[mistakes], kind="stable")]
            self._order = np.concatenate([mistakes, np.flatnonzero(~wrong)]).astype(int)
        else:
            self._order = np.arange(n)
        count = int(wrong.sum())
        color = hex_color(ERROR if count else TEXT)
        self.summary.setText(f"<span style='color:{color}'><b>{count}</b> wrong</span> "
                             f"of {n} shown")
        if n == 0:
            self.grid.clear()
            return
        order = self._order
        captions = [self._caption(r) for r in order]
        self.grid.set_images(display_rgba(self.images[order]), captions)
        self.grid.set_frames([(ERROR, 3.0) if wrong[r] else None for r in order])
        shown = self.indices[order]
        self.grid.set_selected(np.flatnonzero(shown == self.chosen).tolist()
                               if self.chosen is not None else [])

    def _caption(self, row: int) -> list[tuple[str, tuple[int, int, int], bool]]:
        p = self.probabilities[row]
        pred, true = int(self.predicted[row]), int(self.labels[row])
        right = pred == true
        lines = [(f"{self.name(pred)} ({percent(p[pred])})", TEXT if right else ERROR, True)]
        # the runners-up (2nd and 3rd), each on a line of its own; one that rounds to 0% says
        # nothing and is left out
        for k in runners_up(p, pred):
            lines.append((f"then {self.name(k)} {percent(p[k])}", FAINT, False))
        if not right:
            lines.append((f"true {self.name(true)}", ERROR, True))
        return lines

    def _cell_clicked(self, cell: int) -> None:
        self.chosen = int(self.indices[self._order[cell]])
        self.grid.set_selected([cell])
        self.image_chosen.emit(self.chosen)

    def _tooltip(self, cell: int) -> str:
        row = self._order[cell]
        pred, true = int(self.predicted[row]), int(self.labels[row])
        return (f"test image {int(self.indices[row])}: true {self.name(true)}, predicted "
                f"{self.name(pred)} ({percent(self.probabilities[row, pred])})")
