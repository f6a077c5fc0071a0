"""The painted pieces shared by the image-mode views (issue #6, item 3): `ImageGrid`, one widget
that lays out many small images with captions, enlarged by whole factors without smoothing, and
`ImageBox`, one image filling its box; plus the chrome they share (colours, fonts, labels).
The arrays → pixels conversions are in `image_pixels`.

Speed: an update converts every image of a grid in one vectorized call and points QImages into
that one buffer (kept alive here); nothing is created per cell but the QImage headers. Painting
draws only the rows in the exposed rectangle."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPen
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip, QWidget

from playground.ui.palette import (  # noqa: F401  (the image views take them from here)
    BACKGROUND,
    BORDER,
    ERROR,
    FAINT,
    HEADING_PT,
    HIGHLIGHT,
    LABEL_PT,
    TEXT,
)

MARGIN = 6
HGAP = 8
VGAP = 8

#: one caption line: text, colour, bold
Line = tuple[str, tuple[int, int, int], bool]


def qcolor(rgb: tuple[int, int, int], alpha: int = 255) -> QColor:
    return QColor(rgb[0], rgb[1], rgb[2], alpha)


def label_font(bold: bool = False, point_size: float = LABEL_PT) -> QFont:
    font = QFont()
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font


def make_white(widget: QWidget) -> None:
    """A white background (a projector shows white best), dark text."""
    pal = widget.palette()
    pal.setColor(QPalette.ColorRole.Window, qcolor(BACKGROUND))
    pal.setColor(QPalette.ColorRole.Base, qcolor(BACKGROUND))
    pal.setColor(QPalette.ColorRole.WindowText, qcolor(TEXT))
    widget.setPalette(pal)
    widget.setAutoFillBackground(True)


def make_label(text: str = "", color: tuple[int, int, int] = TEXT, bold: bool = False,
               point_size: float = LABEL_PT, italic: bool = False, wrap: bool = False) -> QLabel:
    """A label with its font and colour set on itself (not by a style sheet, which would drop
    the font the view sets)."""
    label = QLabel(text)
    font = label_font(bold, point_size)
    font.setItalic(italic)
    label.setFont(font)
    pal = label.palette()
    pal.setColor(QPalette.ColorRole.WindowText, qcolor(color))
    label.setPalette(pal)
    label.setWordWrap(wrap)
    return label


def qimage(pixels: np.ndarray) -> QImage:
    """An RGBA8888 QImage over a C-contiguous (h, w, 4) uint8 array. It does not copy: keep the
    array alive as long as the image is drawn."""
    h, w = pixels.shape[:2]
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)


# ---------------------------------------------------------------------------------- the grid
class ImageGrid(QWidget):
    """Equal-sized images in a grid, each enlarged by a whole factor without smoothing and framed,
    with caption lines under it, optional row labels on the left and column labels on top.

    The columns either flow with the width or are fixed. The enlargement is the largest whole
    factor within the range that (a) fits `fit_height` when that is set (a view that should show
    everything without scrolling), or else (b) needs no more rows than the smallest one does."""

    cell_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None, clickable: bool = False) -> None:
        super().__init__(parent)
        policy = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        policy.setHeightForWidth(True)
        self.setSizePolicy(policy)
        make_white(self)
        self.font_normal = label_font()
        self.font_bold = label_font(bold=True)
        self.metrics = QFontMetrics(self.font_normal)
        self.metrics_bold = QFontMetrics(self.font_bold)
        self.line_height = max(self.metrics.height(), self.metrics_bold.height())
        self.clickable = clickable
        if clickable:
            self.setCursor(Qt.CursorShape.PointingHandCursor)

        self._pixels: np.ndarray | None = None  # (n, h, w, 4) uint8: the buffer images point into
        self._images: list[QImage] = []
        self._captions: list[list[Line]] = []
        self._caption_width = 0
        self._lines = 0
        self._frames: list[tuple[tuple[int, int, int], float] | None] = []
        self._selected: set[int] = set()
        self.columns: int | None = None
        self.row_labels: list[str] = []
        self.column_labels: list[str] = []
        self._row_label_width = self._column_label_width = 0
        self.min_px, self.max_px = 40, 96
        self.fit_height: int | None = None
        self.max_caption_px = 170
        self.hgap, self.vgap = HGAP, VGAP  # between cells
        self.placeholder = ""
        self.tooltip_for: Callable[[int], str] | None = None

    # ------------------------------------------------------------------------------ content
    def set_images(self, pixels: np.ndarray,
                   captions: Sequence[str | Sequence[Line]] | None = None) -> None:
        """pixels: (n, h, w, 4) uint8 RGBA. Captions: one per image, a string or caption lines.
        The same shape again only swaps the buffer (live updates)."""
        pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
        if pixels.ndim != 4 or pixels.shape[-1] != 4:
            raise ValueError(f"pixels of shape (n, h, w, 4) expected, got {pixels.shape}")
        old_shape = None if self._pixels is None else self._pixels.shape
        self._pixels = pixels
        self._images = [qimage(p) for p in pixels]
        n = len(pixels)
        if len(self._frames) != n:
            self._frames = [None] * n
        self._selected = {i for i in self._selected if i < n}
        geometry_changed = old_shape != pixels.shape
        if captions is not None:
            geometry_changed |= self._set_captions(captions)
        elif geometry_changed:
            geometry_changed |= self._set_captions([])
        if geometry_changed:
            self.updateGeometry()
        self.update()

    def _set_captions(self, captions: Sequence[str | Sequence[Line]]) -> bool:
        lines = [[(c, TEXT, False)] if isinstance(c, str) else list(c) for c in captions]
        lines += [[] for _ in range(len(self._images) - len(lines))]
        if lines == self._captions:
            return False
        self._captions = lines
        widths = [(self.metrics_bold if bold else self.metrics).horizontalAdvance(text)
                  for cell in lines for text, _c, bold in cell]
        old = (self._caption_width, self._lines)
        self._caption_width = min(max(widths, default=0), self.max_caption_px)
        self._lines = max((len(cell) for cell in lines), default=0)
        return (self._caption_width, self._lines) != old

    def clear(self) -> None:
        self._pixels = None
        self._images, self._captions, self._frames = [], [], []
        self._selected = set()
        self._caption_width = self._lines = 0
        self.updateGeometry()
        self.update()

    def set_frames(self, frames: Sequence[tuple[tuple[int, int, int], float] | None]) -> None:
        """Per cell: (colour, width) of its frame, or None for the thin grey default."""
        self._frames = list(frames) + [None] * (self.count() - len(frames))
        self.update()

    def set_selected(self, cells: Sequence[int]) -> None:
        self._selected = {int(i) for i in cells}
        self.update()

    def selected(self) -> set[int]:
        return set(self._selected)

    def set_labels(self, row_labels: Sequence[str] = (), column_labels: Sequence[str] = ()) -> None:
        self.row_labels = [str(s) for s in row_labels]
        self.column_labels = [str(s) for s in column_labels]
        self._row_label_width = max((self.metrics.horizontalAdvance(s) for s in self.row_labels),
                                    default=0)
        self._column_label_width = max((self.metrics.horizontalAdvance(s)
                                        for s in self.column_labels), default=0)
        self.updateGeometry()
        self.update()

    def set_columns(self, columns: int | None) -> None:
        self.columns = None if columns is None else max(1, int(columns))
        self.updateGeometry()
        self.update()

    def set_size_range(self, min_px: int, max_px: int) -> None:
        """The shown size of an image's longer side, in pixels."""
        self.min_px, self.max_px = int(min_px), max(int(min_px), int(max_px))
        self.updateGeometry()
        self.update()

    def set_fit_height(self, height: int | None) -> None:
        if height != self.fit_height:
            self.fit_height = height
            self.updateGeometry()
            self.update()

    def set_placeholder(self, text: str) -> None:
        self.placeholder = text
        self.update()

    # ----------------------------------------------------------------------------- queries
    def count(self) -> int:
        return len(self._images)

    def image(self, index: int) -> QImage:
        return self._images[index]

    def captions(self, index: int) -> list[str]:
        return [text for text, _c, _b in self._captions[index]]

    def pixels(self) -> np.ndarray | None:
        return self._pixels

    def scale(self) -> int:
        return self._geometry(self.width())["scale"]

    def image_rect(self, index: int) -> QRect:
        """Where image `index` is drawn, in widget coordinates."""
        g = self._geometry(self.width())
        row, col = divmod(index, g["cols"])
        x = g["left"] + col * g["slot_w"] + (g["cell_w"] - g["img_w"]) // 2
        y = g["top"] + row * g["slot_h"]
        return QRect(x, y, g["img_w"], g["img_h"])

    def index_at(self, pos: QPoint) -> int | None:
        g = self._geometry(self.width())
        if g["cols"] == 0:
            return None
        dx, dy = pos.x() - g["left"], pos.y() - g["top"]
        if dx < 0 or dy < 0:
            return None
        col, row = dx // g["slot_w"], dy // g["slot_h"]
        if col >= g["cols"] or dx - col * g["slot_w"] > g["cell_w"]:
            return None
        if dy - row * g["slot_h"] > g["slot_h"] - self.vgap:
            return None
        index = row * g["cols"] + col
        return index if index < self.count() else None

    # ----------------------------------------------------------------------------- geometry
    def _scale_range(self) -> tuple[int, int]:
        if self._pixels is None:
            return 1, 1
        side = max(self._pixels.shape[1:3])
        low = max(1, math.ceil(self.min_px / side))
        return low, max(low, self.max_px // side)

    def _geometry_at(self, width: int, scale: int) -> dict:
        n = self.count()
        h, w = (self._pixels.shape[1:3] if self._pixels is not None else (0, 0))
        img_w, img_h = w * scale, h * scale
        cell_w = max(img_w, self._caption_width, self._column_label_width)
        text_h = self._lines * self.line_height + (3 if self._lines else 0)
        slot_w, slot_h = cell_w + self.hgap, img_h + text_h + self.vgap + 2
        left = MARGIN + 2
        if self.row_labels:
            left += self._row_label_width + 8
        top = MARGIN + 2 + (self.line_height + 2 if self.column_labels else 0)
        if n == 0:
            cols = 0
        elif self.columns is not None:
            cols = min(self.columns, n)
        else:
            cols = max(1, min(n, (width - left - MARGIN + self.hgap) // max(slot_w, 1)))
            cols = math.ceil(n / math.ceil(n / cols))  # balanced: 3 + 3 rather than 5 + 1
        rows = math.ceil(n / cols) if cols else 0
        height = top + rows * slot_h - self.vgap + MARGIN if rows else 0
        return {"scale": scale, "img_w": img_w, "img_h": img_h, "cell_w": cell_w,
                "slot_w": slot_w, "slot_h": slot_h, "left": left, "top": top, "cols": cols,
                "rows": rows, "height": height,
                "width": left + cols * slot_w - self.hgap + MARGIN}

    def _geometry(self, width: int) -> dict:
        low, high = self._scale_range()
        base = best = self._geometry_at(width, low)
        for scale in range(low + 1, high + 1):
            g = self._geometry_at(width, scale)
            if g["width"] > width:
                break
            if self.fit_height is not None and g["height"] > self.fit_height:
                break
            if self.fit_height is None and g["rows"] > base["rows"]:
                break
            best = g
        return best

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        g = self._geometry(width)
        return max(g["height"], self.line_height + 2 * MARGIN if self.placeholder else 0)

    def sizeHint(self) -> QSize:
        width = max(self.width(), 200)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        g = self._geometry(0)
        width = g["width"] if self.columns is not None else g["left"] + g["cell_w"] + MARGIN
        return QSize(max(width, 60), 0)

    # ------------------------------------------------------------------------------ drawing
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(event.rect(), qcolor(BACKGROUND))
        if not self._images:
            if self.placeholder:
                painter.setFont(self.font_normal)
                painter.setPen(qcolor(FAINT))
                painter.drawText(self.rect().adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
                                 | Qt.TextFlag.TextWordWrap, self.placeholder)
            painter.end()
            return
        g = self._geometry(self.width())
        painter.setFont(self.font_normal)
        painter.setPen(qcolor(TEXT))
        for col, text in enumerate(self.column_labels[:g["cols"]]):
            x = g["left"] + col * g["slot_w"]
            painter.drawText(QRect(x - self.hgap // 2, MARGIN, g["cell_w"] + self.hgap,
                                   self.line_height),
                             Qt.AlignmentFlag.AlignCenter, text)
        first = max(0, (event.rect().top() - g["top"]) // g["slot_h"])
        last = min(g["rows"] - 1, (event.rect().bottom() - g["top"]) // g["slot_h"])
        for row in range(first, last + 1):
            y = g["top"] + row * g["slot_h"]
            if row < len(self.row_labels):
                painter.setFont(self.font_normal)
                painter.setPen(qcolor(TEXT))
                painter.drawText(QRect(MARGIN, y, g["left"] - MARGIN - 8, g["img_h"]),
                                 Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                                 self.row_labels[row])
            for col in range(g["cols"]):
                index = row * g["cols"] + col
                if index >= self.count():
                    break
                self._paint_cell(painter, g, index, g["left"] + col * g["slot_w"], y)
        painter.end()

    def _paint_cell(self, painter: QPainter, g: dict, index: int, x: int, y: int) -> None:
        rect = QRect(x + (g["cell_w"] - g["img_w"]) // 2, y, g["img_w"], g["img_h"])
        painter.drawImage(rect, self._images[index])
        frame = self._frames[index] if index < len(self._frames) else None
        if index in self._selected:
            color, width = HIGHLIGHT, 3.0
        elif frame is not None:
            color, width = frame
        else:
            color, width = BORDER, 1.0
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(qcolor(color), width))
        grow = math.ceil(width / 2)
        painter.drawRect(rect.adjusted(-grow, -grow, grow - 1, grow - 1))
        ty = y + g["img_h"] + 3
        for text, color, bold in self._captions[index] if index < len(self._captions) else ():
            metrics = self.metrics_bold if bold else self.metrics
            painter.setFont(self.font_bold if bold else self.font_normal)
            painter.setPen(qcolor(color))
            room = g["cell_w"] + self.hgap
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, room - 2)
            painter.drawText(QRect(x - self.hgap // 2, ty, room, self.line_height),
                             Qt.AlignmentFlag.AlignCenter, shown)
            ty += self.line_height

    # ------------------------------------------------------------------------------- events
    def mousePressEvent(self, event) -> None:
        if self.clickable and event.button() == Qt.MouseButton.LeftButton:
            index = self.index_at(event.position().toPoint())
            if index is not None:
                self.cell_clicked.emit(index)
                event.accept()
                return
        super().mousePressEvent(event)

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self.tooltip_for is not None:
            index = self.index_at(event.pos())
            if index is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(index), self)
            return True
        return super().event(event)


class ImageBox(QWidget):
    """One image, enlarged to fill its box by a whole factor where it can (never smoothed),
    centred, with a thin frame."""

    def __init__(self, parent: QWidget | None = None, min_side: int = 112) -> None:
        super().__init__(parent)
        make_white(self)
        self._pixels: np.ndarray | None = None
        self._image: QImage | None = None
        self.min_side = min_side
        self.setMinimumSize(min_side, min_side)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_pixels(self, pixels: np.ndarray | None) -> None:
        if pixels is None:
            self._pixels = self._image = None
        else:
            self._pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
            self._image = qimage(self._pixels)
        self.update()

    def image(self) -> QImage | None:
        return self._image

    def image_rect(self) -> QRect:
        if self._image is None:
            return QRect()
        w, h = self._image.width(), self._image.height()
        room_w, room_h = self.width() - 4, self.height() - 4
        factor = min(room_w / w, room_h / h)
        if factor >= 1:
            factor = math.floor(factor)
        sw, sh = max(1, round(w * factor)), max(1, round(h * factor))
        return QRect((self.width() - sw) // 2, (self.height() - sh) // 2, sw, sh)

    def sizeHint(self) -> QSize:
        return QSize(self.min_side + 60, self.min_side + 60)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), qcolor(BACKGROUND))
        if self._image is not None:
            rect = self.image_rect()
            painter.drawImage(rect, self._image)
            painter.setPen(QPen(qcolor(BORDER), 1.0))
            painter.drawRect(rect.adjusted(-1, -1, 0, 0))
        painter.end()
