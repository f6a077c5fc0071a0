"""Small painted parts of the image-mode views: the colour key of signed values, a heading with
its key that fits any width, a strip of cells for a vector of values, and the bar chart of a
classifier's probabilities."""

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
    HEADING_PT,
    MARGIN,
    TEXT,
    label_font,
    make_label,
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


class SectionHeader(QWidget):
    """A section's bold title with its colour key: side by side when both fit the width, else
    the key on its own line under the title; a title too long for the width wraps. Everything
    stays inside the width it is given (the feature maps' column can be narrow)."""

    GAP = 12  # between the title and the key on one line
    SPACING = 2  # between the title and the key on two lines

    def __init__(self, parent: QWidget | None = None, pad: int = 6) -> None:
        super().__init__(parent)
        self.pad = pad  # left and right
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        self.title = make_label(bold=True, point_size=HEADING_PT, wrap=True)
        self.title.setParent(self)
        self.title_metrics = QFontMetrics(self.title.font())
        self.legend = DivergingLegend(self)
        self.legend_shown = True
        self._wanted: tuple | None = None

    def set_title(self, text: str) -> None:
        if self.title.text() != text:
            self.title.setText(text)
            self._changed()

    def set_limit(self, limit: float) -> None:
        if float(limit) != self.legend.limit:
            self.legend.set_limit(limit)
            self._changed()

    def set_legend_shown(self, shown: bool) -> None:
        self.legend_shown = bool(shown)
        self.legend.setVisible(self.legend_shown)
        self._changed()

    def stacked(self, width: int | None = None) -> bool:
        """True when the key sits under the title rather than beside it."""
        return self._places(self.width() if width is None else width)[2]

    def _places(self, width: int) -> tuple[QRect, QRect, bool, int]:
        """(title rect, key rect, stacked, height) for a width."""
        inner = max(1, width - 2 * self.pad)
        title_w = self.title_metrics.horizontalAdvance(self.title.text()) + 2
        if not self.legend_shown:
            th = self.title.heightForWidth(inner)
            return QRect(self.pad, 0, inner, th), QRect(), False, th
        key = self.legend.sizeHint()
        if title_w + self.GAP + key.width() <= inner:
            th = self.title_metrics.height()
            h = max(th, key.height())
            title = QRect(self.pad, (h - th) // 2, inner - key.width() - self.GAP, th)
            legend = QRect(self.pad + inner - key.width(), (h - key.height()) // 2,
                           key.width(), key.height())
            return title, legend, False, h
        th = self.title.heightForWidth(inner)
        legend = QRect(self.pad, th + self.SPACING, min(key.width(), inner), key.height())
        return QRect(self.pad, 0, inner, th), legend, True, legend.bottom() + 1

    def _changed(self) -> None:
        """Re-place the parts; ask for a new layout only when the needed size changed (a live
        update usually changes the key's numbers, rarely their width)."""
        self._place()
        wanted = (self.title.text(), self.legend_shown, self.legend.sizeHint())
        if wanted != self._wanted:
            self._wanted = wanted
            self.updateGeometry()

    def _place(self) -> None:
        title, legend, _stacked, _h = self._places(self.width())
        self.title.setGeometry(title)
        if self.legend_shown:
            self.legend.setGeometry(legend)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._places(width)[3]

    def sizeHint(self) -> QSize:
        width = self.title_metrics.horizontalAdvance(self.title.text()) + 2 + 2 * self.pad
        if self.legend_shown:
            width += self.GAP + self.legend.sizeHint().width()
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        width = 2 * self.pad + (self.legend.minimumSizeHint().width() if self.legend_shown
                                else 40)
        return QSize(width, 0)

    def resizeEvent(self, event) -> None:
        self._place()
        super().resizeEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:  # a child's size changed
            self._changed()
        return super().event(event)


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
