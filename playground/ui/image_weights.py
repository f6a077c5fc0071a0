"""What the first layers learned (C6): a dense layer's weights drawn as one picture per unit in
the input's shape, or a convolution's filters enlarged pixel by pixel; clicking one asks the
main window for the input that excites it most, shown large beside or below the grid.

A pure view: the main window feeds it copies of the weights a few times a second while a network
trains (`show_dense` / `show_conv`, which reuse the grid and only swap pixels) and listens to
`layer_chosen` and `unit_chosen`.

Captions count from 1 (filter 1, unit 1, in 1), as the diagram and the excitation's caption do;
the signals carry 0-based indices."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from playground.ui.image_grid import (
    FAINT,
    HGAP,
    VGAP,
    ImageBox,
    ImageGrid,
    label_font,
    make_label,
    make_white,
)
from playground.ui.image_parts import SectionHeader
from playground.ui.image_pixels import diverging, finite_limit, signed_rgba, unit_weight_images

WIDE = 760  # from this width on, the excitation sits at the right of the grid
MANY_UNITS = 32  # above this, units are captioned by their number alone


class FitScroll(QScrollArea):
    """A vertical scroll around an ImageGrid that tells the grid how tall the view is, so the
    grid shows everything as large as fits and scrolls only when even the smallest doesn't."""

    def __init__(self, grid: ImageGrid, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = grid
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        make_white(self.viewport())
        self.setWidget(grid)

    def resizeEvent(self, event) -> None:
        self.grid.set_fit_height(max(1, event.size().height() - 2))
        super().resizeEvent(event)


class WeightImagesView(QWidget):
    """The weights of one chosen layer as pictures, and what excites a clicked unit."""

    layer_chosen = Signal(int)  # index into the choices of set_layers
    unit_chosen = Signal(int, int)  # layer choice, unit (dense unit or conv output channel),
    # 0-based: the cell captioned "filter 3" emits 2

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_white(self)
        self.setFont(label_font())
        self.mode = ""  # "dense" | "conv" | ""
        self.in_channels = 1
        self.limit = 1.0

        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        outer.setSpacing(4)
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer:"))
        self.combo = QComboBox()
        self.combo.setMinimumContentsLength(10)
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.currentIndexChanged.connect(self._combo_changed)
        top.addWidget(self.combo)
        top.addStretch(1)
        outer.addLayout(top)

        # what is shown and its colour key: side by side, or the key under a long title (the
        # key beside the combo squeezed "Conv2DTranspose #10" to "Conv2DTranspose #1")
        self.header = SectionHeader(pad=0)
        self.title, self.legend = self.header.title, self.header.legend
        outer.addWidget(self.header)

        self.grid = ImageGrid(clickable=True)
        self.grid.set_placeholder("No weights to show yet.")
        self.grid.cell_clicked.connect(self._cell_clicked)
        self.scroll = FitScroll(self.grid)

        # the excitation: image, caption, "computing…" note
        self.panel = QFrame()
        self.panel.setFrameShape(QFrame.Shape.StyledPanel)
        make_white(self.panel)
        self.panel_layout = QBoxLayout(QBoxLayout.Direction.LeftToRight, self.panel)
        self.panel_layout.setContentsMargins(6, 6, 6, 6)
        self.excitation = ImageBox(min_side=112)
        self.panel_layout.addWidget(self.excitation, 1)
        texts = QVBoxLayout()
        self.caption = make_label(wrap=True)
        self.busy = make_label(color=FAINT, italic=True, wrap=True)
        for label in (self.caption, self.busy):
            label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        texts.addWidget(self.caption)
        texts.addWidget(self.busy)
        texts.addStretch(1)
        self.panel_layout.addLayout(texts, 1)
        self.panel.hide()

        self.body = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.body.setSpacing(6)
        self.body.addWidget(self.scroll, 1)
        self.body.addWidget(self.panel, 0)
        outer.addLayout(self.body, 1)

        self.hint = make_label(color=FAINT, wrap=True)
        outer.addWidget(self.hint)
        self._arrange(self.width())

    # ----------------------------------------------------------------------------- public API
    def set_layers(self, choices: Sequence[str]) -> None:
        """The weighted layers one can pick, e.g. ["Conv2D #1", "Conv2D #3", "Dense #6"]. Keeps
        the current choice when it is still there; emits nothing."""
        choices = [str(c) for c in choices]
        if choices == [self.combo.itemText(i) for i in range(self.combo.count())]:
            return
        current = self.combo.currentText()
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems(choices)
        self.combo.setCurrentIndex(choices.index(current) if current in choices else 0)
        self.combo.blockSignals(False)

    def set_current_layer(self, index: int) -> None:
        """Select a choice without emitting layer_chosen."""
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(index)
        self.combo.blockSignals(False)

    def current_layer(self) -> int:
        return self.combo.currentIndex()

    def show_dense(self, weights: np.ndarray, input_shape: Sequence[int],
                   title: str | None = None) -> None:
        """weights (inputs, units) of a dense layer whose input has `input_shape` (C, H, W) or
        any shape with as many values: one picture per unit."""
        pixels, limit = unit_weight_images(weights, input_shape)
        units = pixels.shape[0]
        if title is None:
            shape = tuple(int(s) for s in input_shape)
            if sum(1 for s in shape if s > 1) <= 1:
                title = f"{units} units, each one's {math.prod(shape)} weights"
            else:
                title = (f"{units} units, each one's weights over the "
                         f"{'×'.join(map(str, shape))} input")
        shape = tuple(int(s) for s in input_shape)
        colour = len(shape) == 3 and shape[0] == 3
        self._show("dense", pixels, limit, title, 1, not colour)

    def show_conv(self, kernels: np.ndarray, title: str) -> None:
        """kernels (out_channels, in_channels, kh, kw): one picture per (out, in) pair: a row of
        filters for one input channel, else rows = filters, columns = input channels."""
        k = np.asarray(kernels, dtype=np.float64)
        if k.ndim != 4:
            raise ValueError(f"kernels of shape (out, in, kh, kw) expected, got {k.shape}")
        limit = finite_limit(k)
        pixels = diverging(k.reshape(-1, *k.shape[2:]), limit)
        self._show("conv", pixels, limit, title, k.shape[1], True)

    def show_excitation(self, image: np.ndarray | None, caption: str = "") -> None:
        """The input found for the chosen unit (C, H, W), large, with its caption; None clears.
        One channel is drawn in the signed colours, three as RGB with 0 at mid grey."""
        self.busy.setText("")
        self.busy.hide()
        if image is None:
            self.excitation.set_pixels(None)
            self.caption.setText("")
            self.caption.hide()
            self.panel.hide()
            return
        self.excitation.set_pixels(signed_rgba(np.asarray(image)))
        self.caption.setText(caption)
        self.caption.setVisible(bool(caption))
        self.panel.show()

    def set_busy(self, text: str) -> None:
        """A note in the excitation area, e.g. "Computing…"; "" removes it."""
        self.busy.setText(text)
        self.busy.setVisible(bool(text))
        if text:
            self.panel.show()
        elif self.excitation.image() is None:
            self.panel.hide()

    def clear(self) -> None:
        self.mode = ""
        self.grid.clear()
        self.header.set_title("")
        self.hint.setText("")
        self.show_excitation(None)

    # helpers for the main window and the tests
    def unit_count(self) -> int:
        if self.mode == "conv":
            return self.grid.count() // max(1, self.in_channels)
        return self.grid.count()

    def cells_of_unit(self, unit: int) -> list[int]:
        if self.mode == "conv":
            return list(range(unit * self.in_channels, (unit + 1) * self.in_channels))
        return [unit]

    # ------------------------------------------------------------------------------- private
    def _show(self, mode: str, pixels: np.ndarray, limit: float, title: str, in_channels: int,
              signed: bool) -> None:
        count = len(pixels)
        structure_changed = (mode, in_channels) != (self.mode, self.in_channels) or (
            count != self.grid.count())
        self.mode, self.in_channels, self.limit = mode, in_channels, limit
        self.header.set_limit(limit)
        if signed != self.header.legend_shown:
            self.header.set_legend_shown(signed)
        self.header.set_title(title)
        if not structure_changed:
            self.grid.set_images(pixels)
            return
        self.grid.set_selected([])
        grid = mode == "conv" and in_channels > 1
        self.grid.hgap, self.grid.vgap = (6, 3) if grid else (HGAP, VGAP)
        if mode == "dense":
            captions = [f"unit {k}" if count <= MANY_UNITS else str(k)
                        for k in range(1, count + 1)]
            self.grid.set_columns(None)
            self.grid.set_labels()
            self.grid.set_size_range(28, 168)
            noun = "unit"
        elif in_channels == 1:
            captions = [f"filter {k}" for k in range(1, count + 1)]
            self.grid.set_columns(None)
            self.grid.set_labels()
            self.grid.set_size_range(20, 160)
            noun = "filter"
        else:
            captions = []
            filters = count // in_channels
            self.grid.set_columns(in_channels)
            self.grid.set_labels([f"filter {k}" for k in range(1, filters + 1)],
                                 [f"in {c}" for c in range(1, in_channels + 1)])
            self.grid.set_size_range(15, 100)
            noun = "filter"
        self.grid.set_images(pixels, captions)
        if mode == "conv" and in_channels > 1:
            self.hint.setText(f"Rows: filters; columns: the {in_channels} input channels each "
                              "one reads. Click a row to find the input that excites it most.")
        else:
            self.hint.setText(f"Click a {noun} to find the input that excites it most.")

    def _combo_changed(self, index: int) -> None:
        self.grid.set_selected([])
        if index >= 0:
            self.layer_chosen.emit(index)

    def _cell_clicked(self, index: int) -> None:
        unit = index // self.in_channels if self.mode == "conv" else index
        self.grid.set_selected(self.cells_of_unit(unit))
        self.unit_chosen.emit(self.combo.currentIndex(), unit)

    def _arrange(self, width: int) -> None:
        if width >= WIDE:
            self.body.setDirection(QBoxLayout.Direction.LeftToRight)
            self.panel_layout.setDirection(QBoxLayout.Direction.TopToBottom)
            side = min(320, width // 3)
            self.panel.setFixedWidth(side)
            self.panel.setMaximumHeight(16777215)
            self.panel.setMinimumHeight(0)
            self.excitation.setMaximumSize(side, side)
        else:
            self.body.setDirection(QBoxLayout.Direction.TopToBottom)
            self.panel_layout.setDirection(QBoxLayout.Direction.LeftToRight)
            self.panel.setMinimumWidth(0)
            self.panel.setMaximumWidth(16777215)
            self.panel.setFixedHeight(150)
            self.excitation.setMaximumSize(16777215, 16777215)

    def resizeEvent(self, event) -> None:
        self._arrange(event.size().width())
        super().resizeEvent(event)
