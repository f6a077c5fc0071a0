"""The output view: the network's decision surface over the input plane, the data on top, and
the canvas the brush paints on (D6). Knows nothing of training: the main window hands it
surfaces (already coloured or as values) and points."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter

from playground.core.plane import Bounds
from playground.ui import palette

#: brush tools
INSPECT, PAINT, ERASE = "inspect", "paint", "erase"


def _rect(bounds: Bounds) -> QRectF:
    return QRectF(bounds.xmin, bounds.ymin, bounds.xmax - bounds.xmin, bounds.ymax - bounds.ymin)


class _CanvasBox(pg.ViewBox):
    """A ViewBox that, while a drawing tool is active, turns drags and clicks into strokes
    instead of panning (the plane stays put while the user paints)."""

    def __init__(self, view: OutputView) -> None:
        super().__init__(enableMenu=False)
        self.view = view
        self.setMouseEnabled(False, False)

    def mouseClickEvent(self, ev) -> None:
        if self.view.tool == INSPECT or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        self.view._stroke_begin(point)
        self.view._stroke_end()

    def mouseDragEvent(self, ev, axis=None) -> None:
        if self.view.tool == INSPECT or ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        if ev.isStart():
            self.view._stroke_begin(point)
        else:
            self.view._stroke_move(point)
        if ev.isFinish():
            self.view._stroke_end()


class OutputView(pg.PlotWidget):
    """The plane: a surface image, training points (filled) and test points (hollow)."""

    #: a brush stroke ended: the points painted (n, 2) and their class
    painted = Signal(object, int)
    #: an eraser stroke ended: the centres it passed (n, 2) and its radius
    erased = Signal(object, float)
    #: the visible part of the plane changed (a resize): Bounds to compute the surface over
    plane_changed = Signal(object)

    def __init__(self, parent=None) -> None:
        self.box = _CanvasBox(self)
        super().__init__(parent, viewBox=self.box)
        self.tool = INSPECT
        self.paint_class = 0
        self.setBackground("w")
        # the surface is a coarse grid of pixels: let Qt scale it smoothly rather than in blocks
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setAspectLocked(True)
        self.hideButtons()
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setTextPen("k")
            axis.setPen("k")
        self.image = pg.ImageItem(axisOrder="row-major")
        self.addItem(self.image)
        # training points: full colour with a dark rim; held-out: white with a colour ring
        self.train_points = pg.ScatterPlotItem(size=9, pen=pg.mkPen((35, 35, 35), width=1.0))
        self.test_points = pg.ScatterPlotItem(size=9)
        self.stroke_points = pg.ScatterPlotItem(size=9, pen=pg.mkPen("k", width=1.2))
        for item in (self.train_points, self.test_points, self.stroke_points):
            item.setZValue(10)
            self.addItem(item)
        self.eraser_ring = pg.QtWidgets.QGraphicsEllipseItem()
        self.eraser_ring.setPen(pg.mkPen((40, 40, 40), width=1.5, style=Qt.PenStyle.DashLine))
        self.eraser_ring.setVisible(False)
        self.eraser_ring.setZValue(20)
        self.addItem(self.eraser_ring)
        self.bounds = Bounds(-1.2, 1.2, -1.2, 1.2)
        self._rect = QRectF(-1.2, -1.2, 2.4, 2.4)
        self._visible: Bounds | None = None
        self._stroke: list[tuple[float, float]] = []
        self._surface: np.ndarray | None = None
        self._override: np.ndarray | None = None
        self.show_test = True
        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.box.sigRangeChanged.connect(self._range_changed)
        self.set_bounds(self.bounds)

    # --- the plane -------------------------------------------------------------------------------
    def set_bounds(self, bounds: Bounds) -> None:
        """The data's square. The view shows at least that; a widget of another shape shows
        more of the plane, which the surface then covers too (see plane_changed)."""
        self.bounds = bounds
        rect = _rect(bounds)
        self._rect = rect
        shown = self.shown_image()
        if shown is not None:
            self.image.setImage(shown, autoLevels=False, rect=rect)
        self.box.setRange(rect, padding=0)
        self._range_changed()

    def visible_bounds(self) -> Bounds:
        (x0, x1), (y0, y1) = self.box.viewRange()
        return Bounds(float(x0), float(x1), float(y0), float(y1))

    def _range_changed(self, *_args: object) -> None:
        visible = self.visible_bounds()
        old = self._visible
        span = max(visible.xmax - visible.xmin, visible.ymax - visible.ymin)
        if old is None or max(abs(a - b) for a, b in zip(
                (visible.xmin, visible.xmax, visible.ymin, visible.ymax),
                (old.xmin, old.xmax, old.ymin, old.ymax), strict=True)) > 0.01 * span:
            self._visible = visible
            self.plane_changed.emit(visible)

    def erase_radius(self) -> float:
        return 0.06 * (self.bounds.xmax - self.bounds.xmin)

    def set_surface(self, rgba: np.ndarray, bounds: Bounds | None = None) -> None:
        """The decision surface as (res, res, 4) uint8 pixels, row 0 at the bottom, covering
        `bounds` of the plane (default: the data's square)."""
        self._surface = rgba
        if bounds is not None:
            self._rect = _rect(bounds)
        if self._override is None:
            self.image.setImage(rgba, autoLevels=False, rect=self._rect)

    def show_override(self, rgba: np.ndarray | None) -> None:
        """Draw another map (a hovered neuron's) in place of the surface; None goes back."""
        self._override = rgba
        shown = rgba if rgba is not None else self._surface
        if shown is not None:
            self.image.setImage(shown, autoLevels=False, rect=self._rect)

    def shown_image(self) -> np.ndarray | None:
        """The pixels on screen now (for tests and the selftest)."""
        return self._override if self._override is not None else self._surface

    # --- points ----------------------------------------------------------------------------------
    def set_points(self, train_xy: np.ndarray, train_colors: list[QColor],
                   test_xy: np.ndarray, test_colors: list[QColor]) -> None:
        self.train_points.setData(pos=np.asarray(train_xy, dtype=np.float64).reshape(-1, 2),
                                  brush=train_colors)
        self.test_points.setData(pos=np.asarray(test_xy, dtype=np.float64).reshape(-1, 2),
                                 brush=[pg.mkBrush(255, 255, 255, 230)] * len(test_colors),
                                 pen=[pg.mkPen(c, width=2.2) for c in test_colors])
        self.test_points.setVisible(self.show_test)

    def set_show_test(self, shown: bool) -> None:
        self.show_test = bool(shown)
        self.test_points.setVisible(self.show_test)

    # --- drawing tools ---------------------------------------------------------------------------
    def set_tool(self, tool: str, paint_class: int = 0) -> None:
        self.tool = tool
        self.paint_class = int(paint_class)
        self.eraser_ring.setVisible(False)
        cursor = Qt.CursorShape.ArrowCursor if tool == INSPECT else Qt.CursorShape.CrossCursor
        self.setCursor(cursor)

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        if self.tool != ERASE:
            return
        p = self.box.mapSceneToView(scene_pos)
        r = self.erase_radius()
        self.eraser_ring.setRect(QRectF(p.x() - r, p.y() - r, 2 * r, 2 * r))
        self.eraser_ring.setVisible(True)

    def _inside(self, p: QPointF) -> bool:
        b = self._visible or self.bounds
        return b.xmin <= p.x() <= b.xmax and b.ymin <= p.y() <= b.ymax

    def _stroke_begin(self, p: QPointF) -> None:
        self._stroke = []
        self._stroke_move(p)

    def _stroke_move(self, p: QPointF) -> None:
        if not self._inside(p):
            return
        point = (float(p.x()), float(p.y()))
        if self.tool == PAINT and self._stroke:
            # points at least a dot apart: a slow drag does not pile hundreds on one spot
            last = np.array(self._stroke[-1])
            if np.hypot(*(np.array(point) - last)) < 0.025 * (self.bounds.xmax - self.bounds.xmin):
                return
        self._stroke.append(point)
        if self.tool == PAINT:
            color = QColor(*palette.class_color(self.paint_class))
            self.stroke_points.setData(pos=np.array(self._stroke), brush=color)
        else:
            self._mouse_moved(self.box.mapViewToScene(p))

    def _stroke_end(self) -> None:
        stroke, self._stroke = np.array(self._stroke).reshape(-1, 2), []
        self.stroke_points.setData(pos=np.zeros((0, 2)))
        if not len(stroke):
            return
        if self.tool == PAINT:
            self.painted.emit(stroke, self.paint_class)
        elif self.tool == ERASE:
            self.erased.emit(stroke, self.erase_radius())
