"""Draw a digit (#6, item 4): a square canvas the user draws on with the mouse, the drawing turned
into one network input the way the dataset's images were made (playground.data.digit_input), and
a preview of that input as the network sees it.

The canvas looks like the training images: white ink on black, so that the drawing, its preview
and the sample grids all read alike. The pen is 28 of the canvas's 280 pixels: a digit drawn
about 200 pixels tall then carries as much ink as a typical MNIST digit (between the 10th and 90th
percentile of its class; tests/data/test_digit_input.py).

`drawn(array)` carries the (C, H, W) input while the user draws (at most every 50 ms), on release
and on Clear; the receiver applies the run's preprocessing (`Prepared.transform`).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from playground.data.digit_input import STYLES, style_for, to_network_input

RESOLUTION = 280  # the drawing's pixels (10× MNIST)
PEN = 28  # pen width in drawing pixels
EMIT_INTERVAL_MS = 50  # at most 20 inputs a second while drawing
PREVIEW = 112  # the preview's side in screen pixels
FRAME = QColor(150, 150, 150)


def grey_qimage(values: np.ndarray) -> QImage:
    """A (H, W) array in [0, 1] as a grey QImage (its own copy of the pixels)."""
    pixels = np.ascontiguousarray(np.round(np.clip(np.nan_to_num(values), 0.0, 1.0) * 255.0),
                                  dtype=np.uint8)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


class DrawArea(QWidget):
    """The square the user draws on; holds the drawing at RESOLUTION² pixels."""

    stroke_changed = Signal()  # ink added or erased (while a button is held)
    stroke_finished = Signal()  # the button released

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage(RESOLUTION, RESOLUTION, QImage.Format.Format_RGB32)
        self.image.fill(QColor(0, 0, 0))
        self.erasing = False
        self._last: QPointF | None = None
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the left mouse button")

    def sizeHint(self) -> QSize:
        return QSize(RESOLUTION, RESOLUTION)

    def square(self) -> QRectF:
        """Where the drawing is shown: the largest centred square."""
        side = max(1, min(self.width(), self.height()) - 2)
        return QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)

    def to_image(self, pos: QPointF) -> QPointF:
        rect = self.square()
        k = RESOLUTION / rect.width()
        return QPointF((pos.x() - rect.x()) * k, (pos.y() - rect.y()) * k)

    # --- drawing ---------------------------------------------------------------------------------
    def _pen(self) -> QPen:
        color = QColor(0, 0, 0) if self.erasing else QColor(255, 255, 255)
        width = PEN * 1.6 if self.erasing else PEN
        return QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin)

    def draw_segment(self, start: QPointF, end: QPointF) -> None:
        """A line of the pen from start to end (image coordinates; equal points: a dot)."""
        painter = QPainter(self.image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(self._pen())
        if start == end:
            painter.drawPoint(start)
        else:
            painter.drawLine(start, end)
        painter.end()
        self.update()

    def clear(self) -> None:
        self.image.fill(QColor(0, 0, 0))
        self._last = None
        self.update()

    def values(self) -> np.ndarray:
        """The drawing as (RESOLUTION, RESOLUTION) floats in [0, 1], ink = 1."""
        stride = self.image.bytesPerLine()
        data = np.frombuffer(self.image.constBits(), dtype=np.uint8,
                             count=stride * RESOLUTION).reshape(RESOLUTION, stride // 4, 4)
        return data[:, :RESOLUTION, 1].astype(np.float64) / 255.0  # green of a grey pixel

    # --- mouse -----------------------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._last = self.to_image(event.position())
        self.draw_segment(self._last, self._last)
        self.stroke_changed.emit()
        event.accept()
        return None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._last is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return super().mouseMoveEvent(event)
        point = self.to_image(event.position())
        self.draw_segment(self._last, point)
        self._last = point
        self.stroke_changed.emit()
        event.accept()
        return None

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._last is None:
            return super().mouseReleaseEvent(event)
        point = self.to_image(event.position())
        if point != self._last:
            self.draw_segment(self._last, point)
        self._last = None
        self.stroke_finished.emit()
        event.accept()
        return None

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        rect = self.square()
        painter.drawImage(rect, self.image)
        painter.setPen(FRAME)
        painter.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))
        painter.end()


class InputPreview(QWidget):
    """The network input (C, H, W) enlarged without smoothing: what the network sees."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = grey_qimage(np.zeros((28, 28)))
        self.setFixedSize(PREVIEW + 2, PREVIEW + 2)
        self.setToolTip("What the network sees: your drawing scaled and centred like the "
                        "training images")

    def set_input(self, array: np.ndarray) -> None:
        a = np.asarray(array, dtype=np.float64)
        self.image = grey_qimage(a.mean(axis=0) if a.ndim == 3 else a)
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(0, 0, 0))
        painter.drawImage(QRectF(1, 1, PREVIEW, PREVIEW), self.image)  # no smoothing: pixels
        painter.setPen(FRAME)
        painter.drawRect(0, 0, PREVIEW + 1, PREVIEW + 1)
        painter.end()


class DigitCanvas(QWidget):
    """A drawing area, the network input it makes, a Clear button and an eraser."""

    drawn = Signal(object)  # the network input (C, H, W) float32 in [0, 1]

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: tuple[int, int, int] = (1, 28, 28)
        self.style = "mnist"
        self._input = np.zeros(self.target, dtype=np.float32)
        self._stale = False

        self.area = DrawArea()
        self.preview = InputPreview()
        self.preview_caption = QLabel()
        self.preview_caption.setWordWrap(True)
        self.preview_caption.setFixedWidth(PREVIEW + 2)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Start a new drawing")
        self.eraser_button = QPushButton("Eraser")
        self.eraser_button.setCheckable(True)
        self.eraser_button.setToolTip("Rub out ink instead of drawing")

        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        title = QLabel("The network sees")
        title.setStyleSheet("font-weight: bold;")
        side.addWidget(title)
        side.addWidget(self.preview)
        side.addWidget(self.preview_caption)
        side.addSpacing(8)
        side.addWidget(self.clear_button)
        side.addWidget(self.eraser_button)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.area, 1)
        layout.addLayout(side)

        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._emit)
        self.area.stroke_changed.connect(self._stroke_changed)
        self.area.stroke_finished.connect(self._stroke_finished)
        self.clear_button.clicked.connect(self.clear)
        self.eraser_button.toggled.connect(self._eraser_toggled)
        self._update_caption()

    # --- the API ---------------------------------------------------------------------------------
    def set_target(self, shape: Sequence[int], style: str = "mnist") -> None:
        """The network's input shape (C, H, W) and how its images were made: a style of
        digit_input.STYLES or a dataset name ("mnist", "digits", "font_digits", ...)."""
        shape = tuple(int(n) for n in shape)
        if len(shape) != 3:
            raise ValueError(f"the canvas needs an image input (C, H, W), got {shape}")
        self.target = shape  # type: ignore[assignment]
        self.style = style if style in STYLES else style_for(style)
        self._refresh_input()
        self._update_caption()

    def network_input(self) -> np.ndarray:
        """The current drawing as one network input (C, H, W) float32 (a copy)."""
        if self._stale:
            self._refresh_input()
        return self._input.copy()

    def drawing(self) -> np.ndarray:
        """The raw drawing (RESOLUTION, RESOLUTION) in [0, 1], ink = 1."""
        return self.area.values()

    def clear(self) -> None:
        self._timer.stop()
        self.area.clear()
        self._emit()

    def draw_stroke(self, points: Sequence[tuple[float, float]]) -> None:
        """Draw a polyline given in drawing pixels (x, y), as if with the mouse (demos)."""
        pts = [QPointF(float(x), float(y)) for x, y in points]
        if len(pts) == 1:
            self.area.draw_segment(pts[0], pts[0])
        for a, b in pairwise(pts):
            self.area.draw_segment(a, b)
        self._stroke_finished()

    # --- internals -------------------------------------------------------------------------------
    def _eraser_toggled(self, on: bool) -> None:
        self.area.erasing = on

    def _stroke_changed(self) -> None:
        self._stale = True
        if self._timer.isActive():
            return  # an emission is already due
        if not self._clock.isValid() or self._clock.elapsed() >= EMIT_INTERVAL_MS:
            self._emit()
        else:
            self._timer.start(max(1, EMIT_INTERVAL_MS - self._clock.elapsed()))

    def _stroke_finished(self) -> None:
        self._timer.stop()
        self._emit()

    def _emit(self) -> None:
        self._refresh_input()
        self._clock.start()
        self.drawn.emit(self._input.copy())

    def _refresh_input(self) -> None:
        self._input = to_network_input(self.area.values(), self.target, self.style)
        self._stale = False
        self.preview.set_input(self._input)

    def _update_caption(self) -> None:
        _c, h, w = self.target
        like, how = STYLES[self.style]
        self.preview_caption.setText(f"{h}×{w}, made like {like}")
        self.preview_caption.setToolTip(f"Your drawing is {how}, as the training images were")
