"""Small painted parts of the image-mode views: the colour key of signed values, a strip of
cells for a vector of values, and the bar chart of a classifier's probabilities."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground.ui import palette
from playground.ui.image_grid import (
    BACKGROUND,
    BORDER,
    MARGIN,
    TEXT,
    label_font,
    make_white,
    qcolor,
    qimage,
)
from playground.ui.image_pixels import diverging


def format_number(value: float) -> str:
    value = float(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0.0 or 0.01 <= abs(value) < 1000.0:
        return f"{value:.2f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:.0f}"
    return f"{value:.2g}"


class DivergingLegend(QWidget):
    """The colour key: "−0.42 [orange → white → blue] +0.42"."""

    BAR_W = 80
    MIN_BAR_W = 32

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.font = label_font()
        self.metrics = QFontMetrics(self.font)
        self.limit = 1.0
        self._lut = np.ascontiguousarray(palette.diverging_lut(256)[None, :, :])
        self._bar: QImage = qimage(self._lut)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def set_limit(self, limit: float) -> None:
        limit = float(limit)
        if limit != self.limit:
            self.limit = limit
            self.updateGeometry()
            self.update()

    def texts(self) -> tuple[str, str]:
        text = format_number(self.limit)
        return f"\u2212{text}", f"+{text}"

    def sizeHint(self) -> QSize:
        low, high = self.texts()
        width = (self.metrics.horizontalAdvance(low) + self.metrics.horizontalAdvance(high)
                 + self.BAR_W + 12)
        return QSize(width, self.metrics.height() + 4)

    def minimumSizeHint(self) -> QSize:
        """Both numbers in full around a shorter bar."""
        hint = self.sizeHint()
        return QSize(hint.width() - self.BAR_W + self.MIN_BAR_W, hint.height())

    def bar_width(self) -> int:
        """The bar gives up room first when the key is narrower than it would like."""
        low, high = self.texts()
        room = (self.width() - self.metrics.horizontalAdvance(low)
                - self.metrics.horizontalAdvance(high) - 12)
        return int(max(self.MIN_BAR_W, min(self.BAR_W, room)))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        low, high = self.texts()
        painter.setFont(self.font)
        painter.setPen(qcolor(TEXT))
        lw = self.metrics.horizontalAdvance(low)
        h = self.height()
        painter.drawText(QRect(0, 0, lw, h), Qt.AlignmentFlag.AlignVCenter, low)
        bar = QRect(lw + 6, 4, self.bar_width(), h - 8)
        painter.drawImage(bar, self._bar)
        painter.setPen(QPen(qcolor(BORDER), 1.0))
        painter.drawRect(bar.adjusted(0, 0, -1, -1))
        painter.setPen(qcolor(TEXT))
        painter.drawText(QRect(bar.right() + 7, 0, self.width() - bar.right() - 7, h),
                         Qt.AlignmentFlag.AlignVCenter, high)
        painter.end()


class VectorStrip(QWidget):
    """A vector of values as a strip of coloured cells (diverging colours), wrapped to the width;
    hovering a cell tells its index and value."""

    MIN_CELL, MAX_CELL = 12, 28

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        make_white(self)
        self.values = np.zeros(0)
        self.limit = 1.0
        self._pixels: np.ndarray | None = None
        self._image: QImage | None = None
        self._cols = 0

    def set_values(self, values: np.ndarray, limit: float) -> None:
        values = np.asarray(values, dtype=np.float64).ravel()
        resized = values.shape != self.values.shape
        self.values, self.limit = values, float(limit)
        self._pixels = None  # recoloured at the next paint, in the layout of that width
        if resized:
            self.updateGeometry()
        self.update()

    def layout_for(self, width: int) -> tuple[int, int, int]:
        """(cell side, columns, rows) for a width."""
        n = len(self.values)
        if n == 0:
            return self.MIN_CELL, 0, 0
        room = max(width - 2 * MARGIN, self.MIN_CELL)
        side = int(min(self.MAX_CELL, max(self.MIN_CELL, room // n)))
        cols = max(1, min(n, room // side))
        return side, cols, math.ceil(n / cols)

    def cell_rect(self, index: int) -> QRect:
        side, cols, _rows = self.layout_for(self.width())
        row, col = divmod(index, cols)
        return QRect(MARGIN + col * side, MARGIN + row * side, side, side)

    def index_at(self, pos: QPoint) -> int | None:
        side, cols, rows = self.layout_for(self.width())
        col, row = (pos.x() - MARGIN) // side, (pos.y() - MARGIN) // side
        if pos.x() < MARGIN or pos.y() < MARGIN or col >= cols or row >= rows:
            return None
        index = row * cols + col
        return index if index < len(self.values) else None

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        side, _cols, rows = self.layout_for(width)
        return rows * side + 2 * MARGIN

    def sizeHint(self) -> QSize:
        width = max(self.width(), 200)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(self.MAX_CELL + 2 * MARGIN, 0)

    def _ensure_image(self, cols: int, rows: int) -> None:
        if self._pixels is not None and self._pixels.shape[:2] == (rows, cols):
            return
        padded = np.full(rows * cols, np.nan)
        padded[:len(self.values)] = self.values
        self._pixels = diverging(padded.reshape(rows, cols), self.limit)
        self._pixels.reshape(-1, 4)[len(self.values):] = (*BACKGROUND, 255)
        self._image = qimage(self._pixels)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), qcolor(BACKGROUND))
        side, cols, rows = self.layout_for(self.width())
        if cols:
            self._ensure_image(cols, rows)
            painter.drawImage(QRect(MARGIN, MARGIN, cols * side, rows * side), self._image)
            painter.setPen(QPen(qcolor(BACKGROUND), 1.0))
            for c in range(1, cols):
                x = MARGIN + c * side
                painter.drawLine(x, MARGIN, x, MARGIN + rows * side)
            for r in range(1, rows):
                y = MARGIN + r * side
                painter.drawLine(MARGIN, y, MARGIN + cols * side, y)
            painter.setPen(QPen(qcolor(BORDER), 1.0))
            full_rows, rest = divmod(len(self.values), cols)
            painter.drawRect(MARGIN, MARGIN, cols * side, full_rows * side)
            if rest:
                painter.drawRect(MARGIN, MARGIN + full_rows * side, rest * side, side)
        painter.end()

    def tooltip(self, index: int) -> str:
        """Units are counted from 1 on screen, as everywhere in the app."""
        return f"unit {index + 1}: {format_number(self.values[index])}"

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            index = self.index_at(event.pos())
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip(index), self)
            return True
        return super().event(event)


class ProbabilityBars(QWidget):
    """A classifier's output: one row per class with its name, a bar and the percentage; the
    winning class in bold."""

    NAME_MAX = 150

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        make_white(self)
        self.font = label_font()
        self.font_bold = label_font(bold=True)
        self.metrics = QFontMetrics(self.font_bold)
        self.row_h = self.metrics.height() + 4
        self.names: list[str] = []
        self.probabilities = np.zeros(0)

    def set_values(self, probabilities: np.ndarray, names: Sequence[str]) -> None:
        p = np.asarray(probabilities, dtype=np.float64).ravel()
        names = [str(s) for s in names]
        resized = len(names) != len(self.names)
        self.probabilities, self.names = p, names
        if resized:
            self.updateGeometry()
        self.update()

    def texts(self) -> list[str]:
        return [f"{name} {100 * p:.1f}%" for name, p in zip(self.names, self.probabilities,
                                                              strict=True)]

    def _columns(self) -> tuple[int, int]:
        name_w = min(self.NAME_MAX, max((self.metrics.horizontalAdvance(s) + 2
                                         for s in self.names), default=0))
        return name_w, self.metrics.horizontalAdvance("100.0%")

    def bar_rect(self, index: int) -> QRect:
        name_w, pct_w = self._columns()
        full = max(10, self.width() - 2 * MARGIN - name_w - pct_w - 20)
        p = float(np.clip(np.nan_to_num(self.probabilities[index]), 0.0, 1.0))
        y = MARGIN + index * self.row_h
        return QRect(MARGIN + name_w + 8, y + 3, max(1, round(full * p)), self.row_h - 6)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return len(self.names) * self.row_h + 2 * MARGIN

    def sizeHint(self) -> QSize:
        return QSize(300, self.heightForWidth(300))

    def minimumSizeHint(self) -> QSize:
        name_w, pct_w = self._columns()
        return QSize(name_w + pct_w + 60 + 2 * MARGIN, 0)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), qcolor(BACKGROUND))
        name_w, pct_w = self._columns()
        full = max(10, self.width() - 2 * MARGIN - name_w - pct_w - 20)
        winner = int(np.nanargmax(self.probabilities)) if len(self.probabilities) else -1
        for i, (name, p) in enumerate(zip(self.names, self.probabilities, strict=True)):
            y = MARGIN + i * self.row_h
            painter.setFont(self.font_bold if i == winner else self.font)
            painter.setPen(qcolor(TEXT))
            shown = self.metrics.elidedText(name, Qt.TextElideMode.ElideRight, name_w)
            painter.drawText(QRect(MARGIN, y, name_w, self.row_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shown)
            track = QRect(MARGIN + name_w + 8, y + 3, full, self.row_h - 6)
            painter.fillRect(track, qcolor(palette.NEUTRAL))
            painter.fillRect(self.bar_rect(i), qcolor(palette.POSITIVE))
            painter.drawText(QRect(track.right() + 6, y, pct_w + 4, self.row_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             f"{100 * p:.1f}%")
        painter.end()
