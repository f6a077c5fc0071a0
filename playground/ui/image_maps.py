"""Every feature map of every layer for one chosen image (C2, C3): a labelled section per layer,
one small picture per channel of an image-shaped output (orange < 0, white 0, blue > 0, with
that layer's largest |value| as the limit, so ReLU maps go white → blue), a strip of cells for a
vector, and the class probabilities as bars for a classifier's last layer.

A pure view: `show(input_image, layers)` is called again and again while a network trains; the
same structure of layers reuses every widget and only swaps pixels. Channels are numbered from 1
under the maps, as filters are in the weights view."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from playground.ui.image_grid import ImageGrid, label_font, make_label, make_white
from playground.ui.image_parts import ProbabilityBars, SectionHeader, VectorStrip
from playground.ui.image_pixels import display_rgba, diverging, finite_limit


def _shape_text(shape: Sequence[int]) -> str:
    return "×".join(str(int(s)) for s in shape)


def softmax(values: np.ndarray) -> np.ndarray:
    z = np.asarray(values, dtype=np.float64)
    z = np.exp(z - np.max(z))
    return z / z.sum()


def is_probabilities(values: np.ndarray) -> bool:
    v = np.asarray(values, dtype=np.float64)
    return bool(np.all(v >= -1e-6) and np.all(v <= 1 + 1e-6) and abs(v.sum() - 1.0) < 1e-3)


class MapSection(QWidget):
    """One layer: a heading with its colour key, then its maps, strip or bars."""

    def __init__(self, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_white(self)
        self.kind = kind  # "input" | "maps" | "vector" | "bars"
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 4, 0, 4)
        column.setSpacing(0)
        self.header = SectionHeader()
        self.title, self.legend = self.header.title, self.header.legend
        self.header.set_legend_shown(kind in ("maps", "vector"))
        column.addWidget(self.header)
        if kind in ("input", "maps"):
            self.body: QWidget = ImageGrid()
            if kind == "input":
                self.body.set_size_range(84, 140)
            else:
                self.body.set_size_range(40, 112)
                self.body.tooltip_for = self._map_tooltip
        elif kind == "vector":
            self.body = VectorStrip()
        else:
            self.body = ProbabilityBars()
        column.addWidget(self.body)
        self._values: np.ndarray | None = None

    def _map_tooltip(self, index: int) -> str:
        if self._values is None:
            return ""
        m = self._values[index]
        return (f"channel {index + 1}: values {float(np.nanmin(m)):.3g} to "
                f"{float(np.nanmax(m)):.3g}, mean {float(np.nanmean(m)):.3g}")

    def set_title(self, text: str) -> None:
        self.header.set_title(text)

    def set_values(self, values: np.ndarray, names: Sequence[str] = ()) -> None:
        self._values = values
        if self.kind == "input":
            self.body.set_images(display_rgba(values[None]))
        elif self.kind == "maps":
            limit = finite_limit(values)
            self.header.set_limit(limit)
            first = self.body.count() != len(values)
            captions = [str(k + 1) for k in range(len(values))] if first else None  # 1-based
            self.body.set_images(diverging(values, limit), captions)
        elif self.kind == "vector":
            limit = finite_limit(values)
            self.header.set_limit(limit)
            self.body.set_values(values, limit)
        else:
            p = values if is_probabilities(values) else softmax(values)
            self.body.set_values(p, names)


class FeatureMapsView(QWidget):
    """What every layer makes of one image, top to bottom, in a vertical scroll."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_white(self)
        self.setFont(label_font())
        self.class_names: list[str] = []
        self.sections: list[MapSection] = []
        self._structure: list[tuple[str, tuple[int, ...]]] | None = None
        self._last: tuple[np.ndarray, list[tuple[str, np.ndarray]]] | None = None

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        make_white(self.scroll.viewport())
        self.content = QWidget()
        make_white(self.content)
        self.column = QVBoxLayout(self.content)
        self.column.setContentsMargins(4, 4, 4, 4)
        self.column.setSpacing(6)
        self.placeholder = make_label("Choose an image to see what every layer makes of it.",
                                      wrap=True)
        self.placeholder.setMargin(8)
        self.column.addWidget(self.placeholder)
        self.column.addStretch(1)
        self.scroll.setWidget(self.content)
        outer.addWidget(self.scroll)

    # ----------------------------------------------------------------------------- public API
    def set_class_names(self, names: Sequence[str]) -> None:
        names = [str(s) for s in names]
        if names != self.class_names:
            self.class_names = names
            if self._last is not None:
                self.show(*self._last)

    def show(self, input_image: np.ndarray | None = None,
             layers: Sequence[tuple[str, np.ndarray]] | None = None) -> None:
        """input_image (C, H, W); layers: (label, that layer's output for the image). Called
        without arguments, it is QWidget.show()."""
        if input_image is None and layers is None:
            super().show()
            return
        image = np.asarray(input_image)
        if image.ndim != 3:
            raise ValueError(f"the input image must be (C, H, W), got shape {image.shape}")
        layers = [(str(label), np.asarray(out)) for label, out in (layers or [])]
        structure = [("input", image.shape)]
        for k, (label, out) in enumerate(layers):
            if out.ndim == 3:
                kind = "maps"
            elif out.ndim == 1 or (out.ndim > 1 and out.size == max(out.shape)):
                classifier = (k == len(layers) - 1 and len(self.class_names) == out.size > 1)
                kind = "bars" if classifier else "vector"
            else:
                raise ValueError(f"{label}: an output of shape (C, H, W) or (n,) expected, "
                                 f"got {out.shape}")
            structure.append((kind, out.shape))
        if structure != self._structure:
            self._rebuild(structure)
        self._last = (image, layers)
        self.sections[0].set_title(f"Input · {_shape_text(image.shape)}")
        self.sections[0].set_values(image)
        for section, (label, out) in zip(self.sections[1:], layers, strict=True):
            section.set_title(label)
            values = out if out.ndim == 3 else out.ravel()
            section.set_values(values, self.class_names)

    def clear(self) -> None:
        self._rebuild(None)
        self._last = None

    def section_titles(self) -> list[str]:
        return [s.title.text() for s in self.sections]

    # ------------------------------------------------------------------------------ building
    def _rebuild(self, structure: list[tuple[str, tuple[int, ...]]] | None) -> None:
        for section in self.sections:
            self.column.removeWidget(section)
            section.setParent(None)
            section.deleteLater()
        self.sections = []
        self._structure = structure
        self.placeholder.setVisible(structure is None)
        for k, (kind, _shape) in enumerate(structure or []):
            section = MapSection(kind, self.content)
            self.column.insertWidget(1 + k, section)
            self.sections.append(section)
