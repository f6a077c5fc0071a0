"""The confusion matrix (L2): rows are the true classes, columns the predicted ones, each cell
with its count; the diagonal (right answers) in blue by the share of its row, mistakes in orange
(on a square-root scale, full at a quarter of the row, so a few percent still shows), each
class's accuracy at the right and the overall accuracy in the title. Clicking a cell emits
(true, predicted)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from playground.ui import palette
from playground.ui.image_grid import (
    BACKGROUND,
    BORDER,
    FAINT,
    HEADING_PT,
    MARGIN,
    TEXT,
    label_font,
    make_white,
    qcolor,
)

MIN_CELL, MAX_CELL = 18, 72
ERROR_FULL = 0.25  # a mistake made on this share of a class is drawn in full orange


def _blend(color: tuple[int, int, int], t: float) -> QColor:
    white = np.array(palette.NEUTRAL, dtype=np.float64)
    rgb = white + (np.array(color, dtype=np.float64) - white) * float(np.clip(t, 0.0, 1.0))
    return QColor(*(round(float(c)) for c in rgb))


def _dark(color: QColor) -> bool:
    return 0.299 * color.red() + 0.587 * color.green() + 0.114 * color.blue() < 150


@dataclass
class _Layout:
    names_w: int  # room for the row names (elided when the cells need the room)
    left: int
    top: int
    cell_w: int
    cell_h: int
    rotated: bool  # column names (and the "correct" heading) drawn upwards
    corner: bool  # "true class" in the corner above the row names, not up the left side
    names_h: int
    acc_x: int
    axis_y: int
    bold_counts: bool  # the diagonal's counts in bold where they fit
    counts: bool  # the counts are written only when every one fits its cell (else: tooltips)


class ConfusionView(QWidget):
    """A k×k heatmap of counts with class names, per-class and overall accuracy."""

    cell_clicked = Signal(int, int)  # true class, predicted class

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        make_white(self)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.font = label_font()
        self.font_bold = label_font(bold=True)
        self.font_title = label_font(bold=True, point_size=HEADING_PT)
        self.metrics = QFontMetrics(self.font)
        self.metrics_bold = QFontMetrics(self.font_bold)
        self.metrics_title = QFontMetrics(self.font_title)
        self.line_h = self.metrics.height()
        self.confusion = np.zeros((0, 0), dtype=np.int64)
        self.class_names: list[str] = []
        self.setMouseTracking(False)

    # ----------------------------------------------------------------------------- public API
    def show(self, confusion: np.ndarray | None = None,
             class_names: Sequence[str] | None = None) -> None:
        """confusion (k, k) counts, rows = true class, columns = predicted. Called without
        arguments, it is QWidget.show()."""
        if confusion is None and class_names is None:
            super().show()
            return
        c = np.asarray(confusion)
        if c.ndim != 2 or c.shape[0] != c.shape[1]:
            raise ValueError(f"a square confusion matrix expected, got shape {c.shape}")
        k = c.shape[0]
        names = [str(s) for s in (class_names or [])]
        names = (names + [str(i) for i in range(len(names), k)])[:k]
        self.confusion = np.rint(c).astype(np.int64)
        self.class_names = names
        self.update()

    # helpers for the main window and the tests
    def total(self) -> int:
        return int(self.confusion.sum())

    def accuracy(self) -> float | None:
        total = self.total()
        return float(np.trace(self.confusion)) / total if total else None

    def class_accuracies(self) -> list[float | None]:
        rows = self.confusion.sum(axis=1)
        return [float(self.confusion[i, i]) / r if r else None for i, r in enumerate(rows)]

    def title_text(self, width: int | None = None) -> str:
        """The title; in a narrow view, the short form that fits ("Accuracy 94.7%")."""
        acc = self.accuracy()
        if acc is None:
            text = "Confusion matrix: no predictions yet"
            short = "No predictions yet"
        else:
            short = f"Accuracy {100 * acc:.1f}%"
            text = f"{short} ({int(np.trace(self.confusion)):,} of {self.total():,} right)"
        if width is None or self.metrics_title.horizontalAdvance(text) <= width:
            return text
        return self.metrics_title.elidedText(short, Qt.TextElideMode.ElideRight, width)

    def cell_text(self, true: int, predicted: int) -> str:
        return str(int(self.confusion[true, predicted]))

    def accuracy_texts(self) -> list[str]:
        return ["–" if a is None else f"{100 * a:.0f}%" for a in self.class_accuracies()]

    def cell_color(self, true: int, predicted: int) -> QColor:
        row = self.confusion[true].sum()
        share = self.confusion[true, predicted] / row if row else 0.0
        if true == predicted:
            return _blend(palette.POSITIVE, share)
        return _blend(palette.NEGATIVE, math.sqrt(min(1.0, share / ERROR_FULL)))

    def cell_rect(self, true: int, predicted: int) -> QRect:
        g = self._layout()
        return QRect(g.left + predicted * g.cell_w, g.top + true * g.cell_h, g.cell_w, g.cell_h)

    def cell_at(self, pos: QPoint) -> tuple[int, int] | None:
        g = self._layout()
        k = len(self.confusion)
        if pos.x() < g.left or pos.y() < g.top:
            return None
        col, row = (pos.x() - g.left) // g.cell_w, (pos.y() - g.top) // g.cell_h
        return (row, col) if row < k and col < k else None

    # ------------------------------------------------------------------------------ geometry
    def _layout(self) -> _Layout:
        k = max(1, len(self.confusion))
        w, h = self.width(), self.height()
        full_w = max((self.metrics.horizontalAdvance(s) + 2 for s in self.class_names),
                     default=0)
        counts = [str(int(c)) for c in self.confusion.ravel()] or ["0"]
        count_w = max(self.metrics.horizontalAdvance(t) for t in counts) + 4
        bold_w = max(self.metrics_bold.horizontalAdvance(t) for t in counts) + 4
        pct_w = self.metrics.horizontalAdvance("100%") + 12
        # first with the names across and "true class" up the left side; when the names are
        # too long for the columns, they go upwards and "true class" moves into the corner
        for corner in (False, True):
            axis_w = 0 if corner else self.line_h + 6
            acc_w = pct_w if corner else max(pct_w, self.metrics_bold.horizontalAdvance(
                "correct") + 12)
            fixed = MARGIN + axis_w + 8 + acc_w + MARGIN
            # the row names give up room (elided) before the counts stop fitting their cells
            low = min(full_w, 40) if not corner else max(
                min(full_w, 48), self.metrics.horizontalAdvance("true class") + 2)
            names_w = int(np.clip(w - fixed - k * count_w, low, full_w))
            left = MARGIN + axis_w + names_w + 8
            cell_w = int(np.clip((w - left - acc_w - MARGIN) // k, MIN_CELL, MAX_CELL))
            rotated = full_w > cell_w - 4
            if not rotated:
                break
        names_h = max(full_w, self.metrics_bold.horizontalAdvance("correct")) + 4 if rotated \
            else self.line_h
        axis_y = MARGIN + self.metrics_title.height() + 6
        top = axis_y + self.line_h + 2 + names_h + 4
        cell_h = int(np.clip((h - top - MARGIN) // k, MIN_CELL, MAX_CELL))
        cell_h = min(cell_h, int(cell_w * 1.3))
        cell_w = min(cell_w, int(cell_h * 1.6))
        return _Layout(names_w, left, top, cell_w, cell_h, rotated, corner, names_h,
                       left + k * cell_w + 6, axis_y, bold_w <= cell_w, count_w - 4 <= cell_w)

    def sizeHint(self) -> QSize:
        return QSize(450, 450)

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 200)

    # ------------------------------------------------------------------------------- drawing
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), qcolor(BACKGROUND))
        painter.setFont(self.font_title)
        painter.setPen(qcolor(TEXT))
        painter.drawText(QRect(MARGIN, MARGIN, self.width() - 2 * MARGIN,
                               self.metrics_title.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.title_text(self.width() - 2 * MARGIN))
        k = len(self.confusion)
        if k == 0:
            painter.end()
            return
        g = self._layout()
        matrix_w, matrix_h = k * g.cell_w, k * g.cell_h
        align_c = Qt.AlignmentFlag.AlignCenter
        # axis titles
        painter.setFont(self.font)
        painter.setPen(qcolor(FAINT))
        painter.drawText(QRect(g.left, g.axis_y, matrix_w, self.line_h), align_c,
                         "predicted class")
        if g.corner:
            painter.drawText(QRect(MARGIN, g.top - self.line_h - 4, g.left - MARGIN - 8,
                                   self.line_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             "true class")
        else:
            painter.save()
            painter.translate(MARGIN, g.top + matrix_h / 2)
            painter.rotate(-90)
            painter.drawText(QRectF(-matrix_h / 2, 0, matrix_h, self.line_h), align_c,
                             "true class")
            painter.restore()
        # class names
        painter.setPen(qcolor(TEXT))
        names_y = g.axis_y + self.line_h + 2
        for i, name in enumerate(self.class_names):
            y = g.top + i * g.cell_h
            shown = self.metrics.elidedText(name, Qt.TextElideMode.ElideRight, g.names_w)
            painter.drawText(QRect(g.left - 8 - g.names_w, y, g.names_w, g.cell_h),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shown)
            x = g.left + i * g.cell_w
            if g.rotated:
                self._draw_up(painter, x + g.cell_w / 2, names_y + g.names_h, g.names_h, name)
            else:
                painter.drawText(QRect(x, names_y, g.cell_w, g.names_h), align_c, name)
        # cells
        for i in range(k):
            for j in range(k):
                rect = QRect(g.left + j * g.cell_w, g.top + i * g.cell_h, g.cell_w, g.cell_h)
                color = self.cell_color(i, j)
                painter.fillRect(rect, color)
                if not g.counts:  # too narrow for them: the colours alone, counts in tooltips
                    continue
                count = int(self.confusion[i, j])
                painter.setFont(self.font_bold if i == j and g.bold_counts else self.font)
                if count == 0:
                    painter.setPen(qcolor((190, 190, 190)))
                else:
                    painter.setPen(QColor(255, 255, 255) if _dark(color) else qcolor(TEXT))
                painter.drawText(rect, align_c, str(count))
        painter.setPen(QPen(qcolor(BORDER), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(g.left, g.top, matrix_w, matrix_h)
        # per-class accuracy
        painter.setFont(self.font_bold)
        painter.setPen(qcolor(TEXT))
        acc_w = self.width() - g.acc_x - MARGIN
        if g.rotated:
            self._draw_up(painter, g.acc_x + self.line_h / 2, names_y + g.names_h, g.names_h,
                          "correct")
        else:
            painter.drawText(QRect(g.acc_x, g.top - self.line_h - 4, acc_w + MARGIN,
                                   self.line_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             "correct")
        painter.setFont(self.font)
        for i, text in enumerate(self.accuracy_texts()):
            painter.drawText(QRect(g.acc_x, g.top + i * g.cell_h, acc_w, g.cell_h),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.end()

    def _draw_up(self, painter: QPainter, x: float, bottom: float, length: float,
                 text: str) -> None:
        """Text written upwards from (x, bottom), centred on x."""
        painter.save()
        painter.translate(x, bottom)
        painter.rotate(-90)
        painter.drawText(QRectF(0, -self.line_h / 2, length, self.line_h),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
        painter.restore()

    # -------------------------------------------------------------------------------- events
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            cell = self.cell_at(event.position().toPoint())
            if cell is not None:
                self.cell_clicked.emit(*cell)
                event.accept()
                return
        super().mousePressEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            cell = self.cell_at(event.pos())
            if cell is None:
                QToolTip.hideText()
            else:
                i, j = cell
                row = int(self.confusion[i].sum())
                share = f" ({100 * self.confusion[i, j] / row:.1f}% of them)" if row else ""
                QToolTip.showText(event.globalPos(),
                                  f"true {self.class_names[i]}, predicted "
                                  f"{self.class_names[j]}: {int(self.confusion[i, j])} "
                                  f"images{share}", self)
            return True
        return super().event(event)
