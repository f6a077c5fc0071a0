"""The network diagram (issue #5, item 6): every neuron of a dense stack as a square showing its
own output over the 2-D input plane, in columns from the input features to the output layer,
with links coloured by the weight's sign and thick by its size, and every bias as a small square
at its neuron's corner.

A pure view: it knows nothing of the trainer or the experiment. The main window feeds it numbers
(`update_values`, ~30 times a second while training) and listens to its signals: hovering a
neuron (`neuron_hovered` / `hover_left`), and weights or biases the user typed in
(`weight_edited` / `bias_edited`).

The layout is computed in viewport pixels (the scene is the viewport, never scaled), so text keeps
its point size at any widget size and the drawing fills whatever room it gets."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsLineItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsTextItem,
    QGraphicsView,
    QLabel,
    QLineEdit,
)

from playground.ui import palette
from playground.ui.palette import (
    BACKGROUND,
    BORDER,
    ERROR,
    HEADING_PT,
    HIGHLIGHT,
    LABEL_PT,
    TEXT,
)

MAX_SLOTS = 16  # at most this many rows per column; a bigger layer shows MAX_SLOTS - 1 + "+N more"
MIN_SLOT = 18.0  # px per row (neuron + gap) below which fewer rows are shown
MAX_NEURON = 64.0
MARGIN = 10.0
MIN_LINK_WIDTH = 1.0


def _qcolor(rgb: tuple[int, int, int], alpha: int = 255) -> QColor:
    return QColor(rgb[0], rgb[1], rgb[2], alpha)


def format_value(value: float) -> str:
    """Three decimals for ordinary weights, scientific for tiny or huge ones."""
    value = float(value)
    if value == 0.0 or 0.001 <= abs(value) < 10000.0:
        return f"{value:.3f}"
    return f"{value:.3g}"


def parse_value(text: str) -> float | None:
    """The number the user typed, or None. Accepts a decimal comma and the Unicode minus."""
    cleaned = text.strip().replace("\u2212", "-").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class NeuronItem(QGraphicsItem):
    """A neuron: its map over the input plane, framed; a thicker dark frame when hovered."""

    def __init__(self, rect: QRectF, layer: int, unit: int) -> None:
        super().__init__()
        self.rect = rect
        self.layer = layer
        self.unit = unit
        self.image: QImage | None = None
        self._pixels: np.ndarray | None = None  # the buffer self.image points into
        self.highlighted = False

    def set_pixels(self, pixels: np.ndarray | None) -> None:
        """pixels: (h, w, 4) uint8 RGBA, row 0 at the top, C-contiguous (kept alive here)."""
        if pixels is None:
            self._pixels = self.image = None
        else:
            h, w = pixels.shape[:2]
            self._pixels = pixels
            self.image = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
        self.update()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-3, -3, 3, 3)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.image is None:
            painter.fillRect(self.rect, _qcolor(palette.NEUTRAL))
        else:
            painter.drawImage(self.rect, self.image)
        if self.highlighted:
            painter.setPen(QPen(_qcolor(HIGHLIGHT), 3.0))
        else:
            painter.setPen(QPen(_qcolor(BORDER), 1.0))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRect(self.rect)


class BiasItem(QGraphicsItem):
    """A bias: a small square whose colour is the sign and whose size is |b| (relative to the
    largest bias in view), inside a fixed, faintly outlined box that is easy to point at."""

    def __init__(self, rect: QRectF, layer: int, unit: int) -> None:
        super().__init__()
        self.rect = rect
        self.layer = layer
        self.unit = unit
        self.value = 0.0
        self.relative = 0.0
        self.highlighted = False

    def set_value(self, value: float, relative: float) -> None:
        self.value = float(value)
        self.relative = float(relative)
        self.update()

    def set_highlighted(self, on: bool) -> None:
        if on != self.highlighted:
            self.highlighted = on
            self.update()

    def fill_color(self) -> QColor:
        return _qcolor(palette.POSITIVE if self.value >= 0 else palette.NEGATIVE)

    def boundingRect(self) -> QRectF:
        return self.rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setPen(QPen(_qcolor(HIGHLIGHT if self.highlighted else BORDER),
                            2.0 if self.highlighted else 1.0))
        painter.setBrush(QBrush(QColor(255, 255, 255)))
        painter.drawRect(self.rect)
        if not math.isfinite(self.value):
            return
        full = self.rect.width() - 2.0
        side = 2.0 + (full - 2.0) * math.sqrt(min(1.0, max(0.0, self.relative)))
        inner = QRectF(0, 0, side, side)
        inner.moveCenter(self.rect.center())
        painter.fillRect(inner, self.fill_color())


@dataclass
class _Layout:
    size: float = 0.0  # neuron side in columns of ordinary length
    sizes: list[float] = field(default_factory=list)  # neuron side per column
    xs: list[float] = field(default_factory=list)  # column centres
    ys: list[list[float]] = field(default_factory=list)  # centres of the visible neurons
    more: list[float | None] = field(default_factory=list)  # y of the "+N more" marker
    heading_top: float = MARGIN
    heading_width: float = 100.0
    label_width: float = 0.0


class _EditorFilter(QObject):
    def __init__(self, view: NetworkDiagram) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            self.view.cancel_edit()
            return True
        if (event.type() == QEvent.Type.FocusOut
                and event.reason() != Qt.FocusReason.PopupFocusReason):
            self.view.cancel_edit()
        return False


class NetworkDiagram(QGraphicsView):
    """The dense network as columns of neuron thumbnails joined by weighted links."""

    neuron_hovered = Signal(int, int)  # layer (0 = input features, 1.. = dense layers), unit
    hover_left = Signal()
    weight_edited = Signal(int, int, int, float)  # layer (column the link goes into), src, dst
    bias_edited = Signal(int, int, float)  # layer (1-based dense layer), unit

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._scene = QGraphicsScene(self)
        self._scene.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)
        self.setScene(self._scene)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setBackgroundBrush(QBrush(_qcolor(BACKGROUND)))
        self.setMouseTracking(True)
        self.viewport().setMouseTracking(True)
        self.setMinimumSize(240, 200)

        self.label_font = QFont()
        self.label_font.setPointSizeF(LABEL_PT)
        self.heading_font = QFont()
        self.heading_font.setPointSizeF(HEADING_PT)
        self.heading_font.setBold(True)

        self.columns: list[int] = []
        self.headings: list[str] = []
        self.input_labels: list[str] = []
        self.message: str | None = None
        self._values: tuple | None = None  # the last (weights, biases, maps, map_limit)

        # items of the current scene
        self.layout = _Layout()
        self.visible: list[int] = []  # neurons drawn per column
        self.neurons: list[list[NeuronItem]] = []
        self.biases: list[list[BiasItem]] = []  # biases[k]: column k + 1
        self.links: list[list[QGraphicsLineItem]] = []  # links[k]: into column k + 1, row-major
        self.link_shown: list[np.ndarray] = []  # which links are drawn (faint ones are not)
        self._segments: list[np.ndarray] = []  # (n, 4) x0 y0 x1 y1 per link
        self.more_markers: list[QGraphicsSimpleTextItem] = []
        self.heading_items: list[QGraphicsTextItem] = []
        self.label_items: list[QGraphicsSimpleTextItem] = []
        self.message_item: QGraphicsTextItem | None = None
        self._link_glow: QGraphicsLineItem | None = None

        self._hover: tuple | None = None  # ("neuron"|"bias", layer, unit) | ("link", l, s, d)
        self._hover_pos = QPointF()
        self._editing: tuple | None = None

        # the value shown while hovering a link or bias
        self.value_label = QLabel(self.viewport())
        self.value_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.value_label.setFont(self.label_font)
        self.value_label.setStyleSheet(
            f"QLabel {{ background: rgba(255, 255, 255, 235); color: {palette.hex_color(TEXT)};"
            f" border: 1px solid {palette.hex_color(BORDER)}; padding: 2px 5px; }}")
        self.value_label.hide()

        # the inline editor for a clicked link or bias, with its note (hint or error) above it
        self.editor = QLineEdit(self.viewport())
        self.editor.setFont(self.label_font)
        self.editor.setFixedWidth(120)
        self.editor.returnPressed.connect(self.commit_edit)
        self._editor_filter = _EditorFilter(self)
        self.editor.installEventFilter(self._editor_filter)
        self.editor.hide()
        self.edit_note = QLabel(self.viewport())
        self.edit_note.setFont(self.label_font)
        self.edit_note.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.edit_note.hide()

        self._rebuild()

    # ----------------------------------------------------------------------------- public API
    def set_structure(self, columns: list[int], headings: list[str],
                      input_labels: list[str]) -> None:
        """columns: unit counts, input features first, e.g. [2, 8, 8, 1]. Rebuilds the scene,
        forgets the previous values and clears any message."""
        if any(int(n) < 1 for n in columns):
            raise ValueError(f"every column needs at least one unit, got {list(columns)}")
        self.columns = [int(n) for n in columns]
        self.headings = [str(h) for h in headings] + [""] * (len(columns) - len(headings))
        labels = [str(s) for s in input_labels]
        n_in = self.columns[0] if self.columns else 0
        self.input_labels = (labels + [f"x{i + 1}" for i in range(len(labels), n_in)])[:n_in]
        self._values = None
        self.message = None
        self._rebuild()

    def update_values(self, weights: list[np.ndarray], biases: list[np.ndarray],
                      maps: list[np.ndarray] | None, map_limit: float | None = None) -> None:
        """weights[k]: (columns[k], columns[k+1]); biases[k]: (columns[k+1],); maps[k]:
        (columns[k], h, w) values over the plane, row 0 at the bottom. Reuses every item: only
        pens, colours and images change."""
        cols = self.columns
        if len(weights) != len(cols) - 1 or len(biases) != len(cols) - 1:
            raise ValueError(f"{len(cols) - 1} weight matrices and bias vectors expected for "
                             f"columns {cols}, got {len(weights)} and {len(biases)}")
        for k, (w, b) in enumerate(zip(weights, biases, strict=True)):
            if np.shape(w) != (cols[k], cols[k + 1]) or np.shape(b) != (cols[k + 1],):
                raise ValueError(f"layer {k + 1}: weights {np.shape(w)} and biases "
                                 f"{np.shape(b)} do not fit columns {cols}")
        if maps is not None:
            if len(maps) != len(cols):
                raise ValueError(f"{len(cols)} maps expected, got {len(maps)}")
            for k, m in enumerate(maps):
                if np.ndim(m) != 3 or np.shape(m)[0] != cols[k]:
                    raise ValueError(f"column {k}: maps of shape ({cols[k]}, h, w) expected, "
                                     f"got {np.shape(m)}")
        self._values = (weights, biases, maps, map_limit)
        self._apply_values()

    def set_message(self, text: str | None) -> None:
        """Show text centred instead of the diagram (None: show the diagram again)."""
        self.message = text
        self._rebuild()

    # helpers for the main window and the tests
    def neuron_item(self, layer: int, unit: int) -> NeuronItem:
        return self.neurons[layer][unit]

    def bias_item(self, layer: int, unit: int) -> BiasItem:
        return self.biases[layer - 1][unit]

    def link_item(self, layer: int, source: int, target: int) -> QGraphicsLineItem:
        """The link into column `layer` from unit `source` of the column before it."""
        return self.links[layer - 1][source * self.visible[layer] + target]

    def link_visible(self, layer: int, source: int, target: int) -> bool:
        return bool(self.link_shown[layer - 1][source * self.visible[layer] + target])

    def unit_name(self, layer: int, unit: int) -> str:
        if layer == 0:
            return self.input_labels[unit]
        if layer == len(self.columns) - 1:
            return "out" if self.columns[layer] == 1 else f"out{unit + 1}"
        return f"h{layer},{unit + 1}"

    def describe(self, target: tuple) -> str:
        """The text shown for a hovered link or bias, with its current value."""
        if self._values is None:
            value = None
        elif target[0] == "link":
            value = self._values[0][target[1] - 1][target[2], target[3]]
        else:
            value = self._values[1][target[1] - 1][target[2]]
        shown = "–" if value is None else format_value(value)
        if target[0] == "link":
            _, layer, src, dst = target
            return (f"w = {shown} ({self.unit_name(layer - 1, src)} → "
                    f"{self.unit_name(layer, dst)})")
        return f"b = {shown} ({self.unit_name(target[1], target[2])})"

    @property
    def hovered(self) -> tuple | None:
        return self._hover

    # ----------------------------------------------------------------------------- layout
    def _heading_text(self, text: str, width: float) -> str:
        """A heading too wide for its column breaks at its " · " separators first."""
        if QFontMetricsF(self.heading_font).horizontalAdvance(text) > width - 4:
            return text.replace(" · ", "\n")
        return text

    def _heading_height(self, width: float) -> float:
        height = 0.0
        for text in self.headings:
            item = QGraphicsTextItem()
            item.setFont(self.heading_font)
            item.setTextWidth(width)
            item.setPlainText(self._heading_text(text, width))
            height = max(height, item.boundingRect().height())
        return height

    def _compute_layout(self, width: float, height: float) -> _Layout:
        lay = _Layout()
        cols = self.columns
        n_cols = len(cols)
        fm = QFontMetricsF(self.label_font)
        lay.label_width = min(max((fm.horizontalAdvance(s) for s in self.input_labels),
                                  default=0.0), width * 0.22)
        # column centres: room on the left for the input labels, and for every heading to sit
        # centred over its column without leaving the widget (a fixed point, found in a few steps)
        left = MARGIN + lay.label_width + 8.0
        size = 40.0
        hw = 100.0
        x_first = x_last = width / 2
        for _ in range(6):
            x_first = max(left + size / 2, 2.0 + hw / 2)
            x_last = width - max(MARGIN + size / 2, 2.0 + hw / 2)
            spacing = (x_last - x_first) / (n_cols - 1) if n_cols > 1 else width - 2 * MARGIN
            size = min(MAX_NEURON, max(spacing, 20.0) * 0.42)
            hw = max(spacing * 0.96, 60.0)
        lay.heading_width = hw
        if n_cols == 1:
            x_first = x_last = width / 2
        lay.xs = [x_first + k * (x_last - x_first) / max(n_cols - 1, 1) for k in range(n_cols)]
        top = lay.heading_top + self._heading_height(hw) + 10.0
        avail = max(height - top - MARGIN - 6.0, 40.0)  # the bias boxes hang below the last
        slots = int(max(3, min(MAX_SLOTS, avail // MIN_SLOT)))
        self.visible = [n if n <= slots else slots - 1 for n in cols]
        counts = [n if n <= slots else slots for n in cols]  # rows, with the "+N more" row
        # columns of up to `ref` rows share one neuron size; longer ones get smaller neurons
        ref = min(8, max(counts))
        for count, shown in zip(counts, self.visible, strict=True):
            slot = avail / max(count, ref)
            lay.sizes.append(min(size, slot * 0.78))
            y0 = top + (avail - count * slot) / 2 + slot / 2
            lay.ys.append([y0 + i * slot for i in range(shown)])
            lay.more.append(y0 + shown * slot if count > shown else None)
        lay.size = min(size, avail / ref * 0.78)
        return lay

    def _rebuild(self) -> None:
        self.cancel_edit()
        self._set_hover(None)
        self._scene.clear()
        self.neurons, self.biases, self.links = [], [], []
        self.link_shown, self._segments = [], []
        self.more_markers, self.heading_items, self.label_items = [], [], []
        self.message_item = self._link_glow = None
        self.visible = []
        vp = self.viewport()
        width, height = float(max(vp.width(), 1)), float(max(vp.height(), 1))
        self._scene.setSceneRect(0, 0, width, height)
        if self.message is not None:
            item = QGraphicsTextItem()
            item.setFont(self.heading_font)
            item.setDefaultTextColor(_qcolor(TEXT))
            item.setTextWidth(max(width - 4 * MARGIN, 100.0))
            item.setPlainText(self.message)
            option = item.document().defaultTextOption()
            option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.document().setDefaultTextOption(option)
            rect = item.boundingRect()
            item.setPos((width - rect.width()) / 2, (height - rect.height()) / 2)
            self._scene.addItem(item)
            self.message_item = item
            return
        if not self.columns:
            return
        lay = self.layout = self._compute_layout(width, height)
        text_color = QBrush(_qcolor(TEXT))
        for k, text in enumerate(self.headings[: len(self.columns)]):
            item = QGraphicsTextItem()
            item.setFont(self.heading_font)
            item.setDefaultTextColor(_qcolor(TEXT))
            item.setTextWidth(lay.heading_width)
            item.setPlainText(self._heading_text(text, lay.heading_width))
            option = item.document().defaultTextOption()
            option.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.document().setDefaultTextOption(option)
            x = lay.xs[k] - lay.heading_width / 2
            item.setPos(x, lay.heading_top)
            self._scene.addItem(item)
            self.heading_items.append(item)
        fm = QFontMetricsF(self.label_font)
        for k, ys in enumerate(lay.ys):
            s = lay.sizes[k]
            column = []
            for u, y in enumerate(ys):
                neuron = NeuronItem(QRectF(lay.xs[k] - s / 2, y - s / 2, s, s), k, u)
                neuron.setZValue(2)
                self._scene.addItem(neuron)
                column.append(neuron)
                if k == 0:
                    text = fm.elidedText(self.input_labels[u], Qt.TextElideMode.ElideRight,
                                         lay.label_width + 1)
                    label = QGraphicsSimpleTextItem(text)
                    label.setFont(self.label_font)
                    label.setBrush(text_color)
                    rect = label.boundingRect()
                    label.setPos(lay.xs[0] - s / 2 - 8 - rect.width(), y - rect.height() / 2)
                    self._scene.addItem(label)
                    self.label_items.append(label)
            self.neurons.append(column)
            if lay.more[k] is not None:
                marker = QGraphicsSimpleTextItem(f"+{self.columns[k] - self.visible[k]} more")
                marker.setFont(self.label_font)
                marker.setBrush(text_color)
                rect = marker.boundingRect()
                marker.setPos(lay.xs[k] - rect.width() / 2, lay.more[k] - rect.height() / 2)
                marker.setZValue(2)
                self._scene.addItem(marker)
                self.more_markers.append(marker)
        for k in range(1, len(self.columns)):
            s = lay.sizes[k]
            box = max(9.0, min(16.0, s * 0.3))
            column = []
            for u, y in enumerate(lay.ys[k]):
                x0 = lay.xs[k] - s / 2
                rect = QRectF(x0 - box * 0.75, y + s / 2 - box * 0.75, box, box)
                bias = BiasItem(rect, k, u)
                bias.setZValue(3)
                self._scene.addItem(bias)
                column.append(bias)
            self.biases.append(column)
            src_ys, dst_ys = lay.ys[k - 1], lay.ys[k]
            xa, xb = lay.xs[k - 1] + lay.sizes[k - 1] / 2, lay.xs[k] - s / 2
            segs = np.array([(xa, ya, xb, yb) for ya in src_ys for yb in dst_ys], dtype=float)
            items = []
            for x0, y0, x1, y1 in segs:
                line = QGraphicsLineItem(x0, y0, x1, y1)
                line.setPen(QPen(_qcolor(BORDER, 90), MIN_LINK_WIDTH))
                line.setZValue(0)
                self._scene.addItem(line)
                items.append(line)
            self.links.append(items)
            self._segments.append(segs.reshape(-1, 4))
            self.link_shown.append(np.ones(len(items), dtype=bool))
        glow = QGraphicsLineItem()
        glow.setZValue(1.5)
        glow.hide()
        self._scene.addItem(glow)
        self._link_glow = glow
        if self._values is not None:
            self._apply_values()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rebuild()

    # ----------------------------------------------------------------------------- values
    def max_link_width(self) -> float:
        return max(3.0, min(8.0, self.layout.size * 0.14))

    def _apply_values(self) -> None:
        if self._values is None or self.message is not None or not self.neurons:
            return
        weights, biases, maps, map_limit = self._values
        vis = self.visible
        shown_w = [np.abs(np.asarray(w)[: vis[k], : vis[k + 1]]) for k, w in enumerate(weights)]
        w_max = max((float(np.nanmax(a)) for a in shown_w if a.size), default=0.0)
        w_max = w_max if math.isfinite(w_max) and w_max > 0 else 1.0
        wide = self.max_link_width()
        neg_rgb, pos_rgb = np.array(palette.NEGATIVE), np.array(palette.POSITIVE)
        bg_rgb = np.array(BACKGROUND)
        for k, w in enumerate(weights):
            rel = np.nan_to_num(shown_w[k] / w_max, nan=0.0).ravel()
            signs = (np.asarray(w)[: vis[k], : vis[k + 1]] >= 0).ravel()
            # many links: leave out the faint ones rather than draw a dark mess
            count = rel.size
            cutoff = 0.0 if count <= 64 else min(0.3, 0.05 * count / 64)
            shown = rel >= cutoff
            self.link_shown[k] = shown
            widths = MIN_LINK_WIDTH + (wide - MIN_LINK_WIDTH) * rel
            # faint for small |w|: the colour washed towards the background, drawn opaque
            # (antialiased translucent lines cost ~15x more to paint)
            strength = (0.3 + 0.7 * np.sqrt(rel))[:, None]
            rgb = np.where(signs[:, None], pos_rgb, neg_rgb)
            rgb = np.round(bg_rgb + (rgb - bg_rgb) * strength).astype(int).tolist()
            for i, line in enumerate(self.links[k]):
                if not shown[i]:
                    line.setVisible(False)
                    continue
                pen = QPen(QColor(*rgb[i]), float(widths[i]))
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                line.setPen(pen)
                line.setZValue(float(rel[i]))
                line.setVisible(True)
        shown_b = [np.asarray(b)[: vis[k + 1]] for k, b in enumerate(biases)]
        b_max = max((float(np.nanmax(np.abs(b))) for b in shown_b if b.size), default=0.0)
        b_max = b_max if math.isfinite(b_max) and b_max > 0 else 1.0
        for k, b in enumerate(shown_b):
            for u, item in enumerate(self.biases[k]):
                item.set_value(b[u], abs(b[u]) / b_max)
        for k, column in enumerate(self.neurons):
            if maps is None:
                for neuron in column:
                    neuron.set_pixels(None)
                continue
            m = np.asarray(maps[k])
            limit = map_limit or (float(np.nanmax(np.abs(m))) if m.size else 1.0)
            if not (limit and math.isfinite(limit)):
                limit = 1.0
            # row 0 of a map is the bottom of the plane; row 0 of an image is its top
            rgba = np.ascontiguousarray(palette.diverging_rgba(m[: vis[k], ::-1], limit))
            for u, neuron in enumerate(column):
                neuron.set_pixels(rgba[u])
        self._refresh_hover_feedback()

    # ----------------------------------------------------------------------------- hovering
    def hit(self, pos: QPointF) -> tuple | None:
        """What is under a scene point: a bias, a neuron or the nearest link, or None."""
        if not self.neurons or self.message is not None:
            return None
        for column in self.biases:
            for item in column:
                if item.rect.adjusted(-1, -1, 1, 1).contains(pos):
                    return ("bias", item.layer, item.unit)
        for column in self.neurons:
            for item in column:
                if item.rect.contains(pos):
                    return ("neuron", item.layer, item.unit)
        best, best_d = None, math.inf
        px, py = pos.x(), pos.y()
        for k, segs in enumerate(self._segments):
            if not len(segs) or not (segs[0, 0] - 2 <= px <= segs[0, 2] + 2):
                continue
            x0, y0, x1, y1 = segs.T
            dx, dy = x1 - x0, y1 - y0
            t = np.clip(((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy + 1e-12), 0, 1)
            d = np.hypot(x0 + t * dx - px, y0 + t * dy - py)
            d[~self.link_shown[k]] = np.inf
            i = int(np.argmin(d))
            if d[i] < best_d:
                best_d, best = d[i], (k, i)
        if best is None:
            return None
        k, i = best
        tolerance = max(4.0, self.links[k][i].pen().widthF() / 2 + 2.0)
        if best_d > tolerance:
            return None
        n_dst = self.visible[k + 1]
        return ("link", k + 1, i // n_dst, i % n_dst)

    def _set_hover(self, target: tuple | None, pos: QPointF | None = None) -> None:
        if pos is not None:
            self._hover_pos = pos
        old = self._hover
        if target != old:
            if old is not None:
                self._highlight(old, False)
                if old[0] == "neuron":
                    self.hover_left.emit()
            self._hover = target
            if target is not None:
                self._highlight(target, True)
                if target[0] == "neuron":
                    self.neuron_hovered.emit(target[1], target[2])
        self._refresh_hover_feedback()

    def _highlight(self, target: tuple, on: bool) -> None:
        try:
            if target[0] == "neuron":
                self.neuron_item(target[1], target[2]).set_highlighted(on)
            elif target[0] == "bias":
                self.bias_item(target[1], target[2]).set_highlighted(on)
        except (IndexError, RuntimeError):  # the scene was rebuilt
            pass

    def _refresh_hover_feedback(self) -> None:
        """The value label and the glow under a hovered link, kept up to date."""
        target = self._hover
        glow = self._link_glow
        if target is not None and target[0] == "link" and glow is not None:
            line = self.link_item(target[1], target[2], target[3])
            glow.setLine(line.line())
            glow.setPen(QPen(_qcolor(HIGHLIGHT, 150), line.pen().widthF() + 4.0))
            glow.show()
        elif glow is not None:
            glow.hide()
        if target is None or target[0] == "neuron" or self.editor.isVisible():
            self.value_label.hide()
            return
        self.value_label.setText(self.describe(target))
        self.value_label.adjustSize()
        vp = self.viewport()
        at = self.mapFromScene(self._hover_pos)
        x = at.x() + 14
        y = at.y() + 16
        if x + self.value_label.width() > vp.width() - 2:
            x = at.x() - self.value_label.width() - 8
        if y + self.value_label.height() > vp.height() - 2:
            y = at.y() - self.value_label.height() - 8
        self.value_label.move(max(2, x), max(2, y))
        self.value_label.show()
        self.value_label.raise_()

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        pos = self.mapToScene(event.position().toPoint())
        self._set_hover(self.hit(pos), pos)

    def leaveEvent(self, event) -> None:
        super().leaveEvent(event)
        self._set_hover(None)

    # ----------------------------------------------------------------------------- editing
    def mousePressEvent(self, event) -> None:
        if self.editor.isVisible():
            self.cancel_edit()
        super().mousePressEvent(event)
        event.accept()  # the view handles its clicks itself (items take none)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = self.mapToScene(event.position().toPoint())
        target = self.hit(pos)
        if target is not None and target[0] in ("link", "bias") and self._values is not None:
            self._set_hover(target, pos)
            self.start_edit(target, event.position().toPoint())

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        event.accept()

    def start_edit(self, target: tuple, at: QPoint) -> None:
        """Open the inline editor for a link ("link", layer, src, dst) or a bias ("bias",
        layer, unit) next to the viewport point `at`."""
        if self._values is None:
            return
        self._editing = target
        if target[0] == "link":
            value = float(self._values[0][target[1] - 1][target[2], target[3]])
            what = f"w ({self.unit_name(target[1] - 1, target[2])} → "
            what += f"{self.unit_name(target[1], target[3])})"
        else:
            value = float(self._values[1][target[1] - 1][target[2]])
            what = f"b ({self.unit_name(target[1], target[2])})"
        self._note(f"{what}: Enter sets, Esc cancels", error=False)
        self.editor.setText(f"{value:.6g}")
        self.editor.selectAll()
        vp = self.viewport()
        self.editor.adjustSize()
        x = min(max(2, at.x() - self.editor.width() // 2), vp.width() - self.editor.width() - 2)
        y = at.y() + 12
        if y + self.editor.height() > vp.height() - 2:
            y = at.y() - self.editor.height() - 12
        y = max(self.edit_note.height() + 4, y)
        self.editor.move(x, y)
        self._place_note()
        self.value_label.hide()
        self.editor.show()
        self.edit_note.show()
        self.editor.raise_()
        self.edit_note.raise_()
        self.editor.setFocus(Qt.FocusReason.PopupFocusReason)

    def _note(self, text: str, error: bool) -> None:
        color = palette.hex_color(ERROR if error else TEXT)
        self.edit_note.setStyleSheet(
            f"QLabel {{ background: white; color: {color}; border: 1px solid "
            f"{palette.hex_color(ERROR if error else BORDER)}; padding: 2px 5px; }}")
        self.edit_note.setText(text)
        self.edit_note.adjustSize()
        self._place_note()

    def _place_note(self) -> None:
        vp = self.viewport()
        x = self.editor.x() + self.editor.width() // 2 - self.edit_note.width() // 2
        x = min(max(2, x), vp.width() - self.edit_note.width() - 2)
        self.edit_note.move(max(2, x), max(2, self.editor.y() - self.edit_note.height() - 2))

    def commit_edit(self) -> None:
        target = self._editing
        if target is None:
            return
        value = parse_value(self.editor.text())
        if value is None:
            self._note(f"“{self.editor.text().strip()}” is not a number: type e.g. -0.5 or 1.2e-3",
                       error=True)
            return
        self._close_editor()
        if target[0] == "link":
            self.weight_edited.emit(target[1], target[2], target[3], value)
        else:
            self.bias_edited.emit(target[1], target[2], value)

    def cancel_edit(self) -> None:
        if self._editing is not None:
            self._close_editor()

    def _close_editor(self) -> None:
        self._editing = None
        self.editor.hide()  # may move the focus: _editing is already None
        self.edit_note.hide()
        self.setFocus()
        if self.neurons:
            self._refresh_hover_feedback()

    @property
    def editing(self) -> tuple | None:
        return self._editing
