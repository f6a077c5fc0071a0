"""The image-mode views, driven like a user would: real clicks, and checks on what is drawn
(pixels of the grabbed widget, the texts its painter writes, the images it draws from)."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QLabel, QWidget

from playground.ui import palette
from playground.ui.image_grid import ERROR
from playground.ui.image_pixels import display_rgba, unit_weight_images
from playground.ui.image_views import (
    ConfusionView,
    FeatureMapsView,
    ImageGrid,
    PredictionsView,
    ProbabilityBars,
    VectorStrip,
    WeightImagesView,
)


def shown(qtbot, widget, width=450, height=500):
    qtbot.addWidget(widget)
    widget.resize(width, height)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def settle(qtbot, widget):
    """Let layouts and scroll areas follow a change."""
    qtbot.wait(10)


def color_at(widget: QWidget, point: QPoint) -> QColor:
    return widget.grab().toImage().pixelColor(point)


def bluish(c: QColor) -> bool:
    return c.blue() > c.red() + 60


def orangish(c: QColor) -> bool:
    return c.red() > c.blue() + 60


class DrawnTexts:
    """Every text a QPainter writes while the widget is grabbed: (rect, text)."""

    def __init__(self, monkeypatch):
        self.items: list[tuple[QRectF, str]] = []
        original = QPainter.drawText

        def record(painter, *args):
            if len(args) == 3 and isinstance(args[2], str):
                rect = args[0]
                origin = painter.transform().map(QRectF(rect).topLeft())
                self.items.append((QRectF(origin, QRectF(rect).size()), args[2]))
            return original(painter, *args)

        monkeypatch.setattr(QPainter, "drawText", record)

    def grab(self, widget):
        self.items.clear()
        widget.grab()
        return self

    def texts(self) -> list[str]:
        return [t for _r, t in self.items]

    def inside(self, rect: QRect) -> list[str]:
        return [t for r, t in self.items if QRectF(rect).contains(r.center())]


@pytest.fixture
def drawn(monkeypatch):
    return DrawnTexts(monkeypatch)


def all_text_at_least_11pt(widget: QWidget) -> None:
    for label in widget.findChildren(QLabel):
        assert label.font().pointSizeF() >= 11, (label.text(), label.font().pointSizeF())
    for grid in widget.findChildren(ImageGrid):
        assert grid.font_normal.pointSizeF() >= 11


# ------------------------------------------------------------------------- WeightImagesView
def test_dense_weights_draw_one_image_per_unit_with_signs_coloured(qtbot):
    view = shown(qtbot, WeightImagesView())
    rng = np.random.default_rng(0)
    w = rng.normal(0, 0.1, (784, 16))
    w[:, 3] = np.abs(w[:, 3]) + 0.05  # unit 3: all positive
    w[:, 5] = -np.abs(w[:, 5]) - 0.05  # unit 5: all negative
    view.show_dense(w, (1, 28, 28))
    settle(qtbot, view)
    grid = view.grid
    assert grid.count() == 16
    assert all(grid.image(i).width() == 28 and grid.image(i).height() == 28 for i in range(16))
    assert [grid.captions(i) for i in (0, 15)] == [["unit 1"], ["unit 16"]]
    # one limit for the layer: the legend shows max |w|
    assert view.legend.limit == pytest.approx(np.abs(w).max())
    # on screen: unit 3 is bluish, unit 5 orange, where the images are drawn
    image = view.grab().toImage()
    for unit, test in ((3, bluish), (5, orangish)):
        rect = grid.image_rect(unit)
        centre = grid.mapTo(view, rect.center())
        assert rect.width() >= 28 and test(image.pixelColor(centre)), unit
    all_text_at_least_11pt(view)


def test_many_dense_units_are_all_shown_small_in_a_scroll(qtbot):
    view = shown(qtbot, WeightImagesView())
    view.show_dense(np.random.default_rng(1).normal(size=(784, 128)), (1, 28, 28))
    settle(qtbot, view)
    assert view.grid.count() == 128
    assert view.grid.image_rect(0).width() <= 56  # small
    assert view.grid.height() > view.scroll.viewport().height()  # scrolls
    assert view.scroll.verticalScrollBar().maximum() > 0
    assert view.grid.captions(127) == ["128"]  # numbers alone when there are many
    # the last unit is reachable by scrolling
    view.scroll.ensureVisible(0, view.grid.image_rect(127).bottom())
    assert view.scroll.verticalScrollBar().value() > 0


def test_dense_weights_of_other_shapes(qtbot):
    w = np.random.default_rng(2).normal(size=(84, 10))
    pixels, limit = unit_weight_images(w, (1, 1, 84))  # a flat input, folded near square
    assert pixels.shape[:3] == (10, 9, 10) and limit == pytest.approx(np.abs(w).max())
    pixels, _ = unit_weight_images(np.ones((400, 3)), (16, 5, 5))  # channels tiled 4×4
    assert pixels.shape[:3] == (3, 23, 23)
    rgb, _ = unit_weight_images(np.ones((3 * 8 * 8, 2)), (3, 8, 8))  # colour: positive = white
    assert (rgb[..., :3] == 255).all()
    with pytest.raises(ValueError, match="784"):
        unit_weight_images(np.ones((100, 2)), (1, 28, 28))


def test_conv_filters_of_one_input_channel_are_enlarged_without_smoothing(qtbot):
    view = shown(qtbot, WeightImagesView())
    kernels = np.zeros((6, 1, 5, 5))
    kernels[:, 0] = np.where(np.indices((5, 5)).sum(axis=0) % 2 == 0, 1.0, -1.0)  # checkerboard
    kernels[2] *= 0.5
    view.show_conv(kernels, "Conv2D #1 · 6 filters of 1×5×5")
    settle(qtbot, view)
    grid = view.grid
    assert grid.count() == 6
    assert (grid.image(0).width(), grid.image(0).height()) == (5, 5)
    assert grid.captions(4) == ["filter 5"]
    assert view.title.text() == "Conv2D #1 · 6 filters of 1×5×5"
    rect = grid.image_rect(2)
    side = rect.width() // 5
    assert side >= 4 and rect.width() == 5 * side  # a whole factor
    image = view.grab().toImage()
    half_blue = QColor(*palette.diverging_rgba(np.array(0.5), 1.0)[:3])
    half_orange = QColor(*palette.diverging_rgba(np.array(-0.5), 1.0)[:3])
    for (r, c), expected in (((0, 0), half_blue), ((0, 1), half_orange), ((4, 4), half_blue)):
        # every pixel of a weight's block has the weight's colour: no blending at the edges
        for dy, dx in ((1, 1), (side - 2, side - 2), (1, side - 2)):
            p = grid.mapTo(view, rect.topLeft() + QPoint(c * side + dx, r * side + dy))
            assert image.pixelColor(p) == expected, (r, c, dy, dx)


def test_conv_filters_of_many_input_channels_form_a_labelled_grid(qtbot, drawn):
    view = shown(qtbot, WeightImagesView(), 450, 500)
    view.show_conv(np.random.default_rng(3).normal(size=(16, 6, 5, 5)), "Conv2D #3")
    settle(qtbot, view)
    grid = view.grid
    assert grid.count() == 96
    rows = {grid.image_rect(i).y() for i in range(96)}
    cols = {grid.image_rect(i).x() for i in range(96)}
    assert len(rows) == 16 and len(cols) == 6
    assert grid.image_rect(6).y() > grid.image_rect(5).y()  # filter 2 starts a new row
    texts = drawn.grab(grid).texts()
    assert {"filter 1", "filter 16", "in 1", "in 6"} <= set(texts)
    assert "filter 0" not in texts and "in 0" not in texts  # counted from 1, as the diagram


def test_clicking_a_filter_emits_unit_chosen_and_marks_it(qtbot):
    view = shown(qtbot, WeightImagesView(), 900, 700)
    with qtbot.assertNotEmitted(view.layer_chosen):
        view.set_layers(["Conv2D #1", "Conv2D #3", "Dense #6"])
    with qtbot.waitSignal(view.layer_chosen) as chosen:
        view.combo.setCurrentIndex(1)  # as the user's pick in the combo does
    assert chosen.args == [1]
    view.show_conv(np.random.default_rng(4).normal(size=(16, 6, 5, 5)), "Conv2D #3")
    settle(qtbot, view)
    cell = 4 * 6 + 2  # the fifth filter ("filter 5"), third input channel ("in 3")
    with qtbot.waitSignal(view.unit_chosen) as unit:
        qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton,
                         pos=view.grid.image_rect(cell).center())
    assert unit.args == [1, 4]
    assert view.grid.selected() == set(range(24, 30))  # the whole filter is framed
    # a live update with new weights keeps the choice
    view.show_conv(np.random.default_rng(5).normal(size=(16, 6, 5, 5)), "Conv2D #3")
    assert view.grid.selected() == set(range(24, 30))
    # clicking between the cells emits nothing
    with qtbot.assertNotEmitted(view.unit_chosen):
        qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton, pos=QPoint(1, 1))


def test_clicking_a_dense_unit_emits_its_number(qtbot):
    view = shown(qtbot, WeightImagesView())
    view.set_layers(["Conv2D #1", "Dense #6"])
    view.set_current_layer(1)
    view.show_dense(np.random.default_rng(6).normal(size=(784, 16)), (1, 28, 28))
    settle(qtbot, view)
    with qtbot.waitSignal(view.unit_chosen) as unit:
        qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton,
                         pos=view.grid.image_rect(9).center())
    assert unit.args == [1, 9]


def test_captions_count_from_one_and_signals_from_zero(qtbot, drawn):
    """What the user reads under a filter is what the excitation's caption (made by the main
    window as `unit + 1`) and the network diagram say: filter 3 is the third one."""
    view = shown(qtbot, WeightImagesView())
    view.set_layers(["Conv2D #1"])
    view.show_conv(np.random.default_rng(10).normal(size=(6, 1, 5, 5)), "Conv2D #1")
    settle(qtbot, view)
    assert [view.grid.captions(i) for i in range(6)] == [[f"filter {k}"] for k in range(1, 7)]
    with qtbot.waitSignal(view.unit_chosen) as unit:
        qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton,
                         pos=view.grid.image_rect(2).center())
    texts = drawn.grab(view.grid)
    rect = view.grid.image_rect(2)
    under = texts.inside(QRect(rect.left(), rect.bottom(), rect.width(), 30))
    assert under == ["filter 3"] and unit.args == [0, 2]
    assert f"filter {unit.args[1] + 1}" == under[0]  # the main window's excitation caption
    # dense units likewise, with few and with many units
    view.show_dense(np.ones((784, 10)), (1, 28, 28))
    assert view.grid.captions(0) == ["unit 1"] and view.grid.captions(9) == ["unit 10"]
    view.show_dense(np.ones((84, 40)), (1, 1, 84))
    assert view.grid.captions(0) == ["1"] and view.grid.captions(39) == ["40"]
    # feature maps: channels 1..n under the maps and in their tooltips; vector units from 1
    maps = shown(qtbot, FeatureMapsView())
    image, layers = lenet_outputs(5)
    maps.show(image, layers)
    section = maps.sections[1]
    assert [section.body.captions(i) for i in range(6)] == [[str(k)] for k in range(1, 7)]
    assert section._map_tooltip(0).startswith("channel 1:")
    strip = maps.sections[5].body
    assert strip.tooltip(0).startswith("unit 1:") and strip.tooltip(119).startswith("unit 120:")


@pytest.mark.parametrize("width", [430, 900])
def test_weights_header_fits_with_long_layer_names(qtbot, width):
    """The layer's name in the combo is never squeezed (the key beside it cut "Conv2DTranspose
    #10" to "Conv2DTranspose #1"), and the title with its key stays inside the view."""
    view = shown(qtbot, WeightImagesView(), width, 500)
    names = ["Conv2D #1", "Conv2D #3", "Dense #6", "Dense #7", "Conv2DTranspose #9",
             "Conv2DTranspose #10"]
    view.set_layers(names)
    view.set_current_layer(5)
    rng = np.random.default_rng(11)
    for show in (lambda: view.show_conv(rng.normal(size=(8, 1, 2, 2)) * 12.345,
                                        "Conv2DTranspose #10"),
                 lambda: view.show_dense(rng.normal(size=(32, 784)), (1, 1, 32))):
        show()
        settle(qtbot, view)
        combo = view.combo
        assert combo.currentText() == "Conv2DTranspose #10"
        assert combo.width() >= combo.sizeHint().width()
        room = view.rect()
        for part in (combo, view.title, view.legend):
            rect = QRect(part.mapTo(view, QPoint(0, 0)), part.size())
            assert room.contains(rect), (type(part).__name__, rect, room)
        assert view.legend.width() >= view.legend.minimumSizeHint().width()
        assert view.title.heightForWidth(view.title.width()) <= view.title.height()
        title = QRect(view.title.mapTo(view, QPoint(0, 0)), view.title.size())
        key = QRect(view.legend.mapTo(view, QPoint(0, 0)), view.legend.size())
        assert not title.intersects(key)
    # the grid starts below the header
    assert view.scroll.mapTo(view, QPoint(0, 0)).y() >= key.bottom()


@pytest.mark.parametrize("size", [(450, 500), (900, 700)])
def test_excitation_shows_the_image_large_with_its_caption(qtbot, size):
    view = shown(qtbot, WeightImagesView(), *size)
    view.show_conv(np.random.default_rng(7).normal(size=(6, 1, 5, 5)), "Conv2D #1")
    assert not view.panel.isVisible()
    view.set_busy("Computing…")
    assert view.panel.isVisible() and view.busy.text() == "Computing…"
    image = np.zeros((1, 28, 28))
    image[0, :, :14] = 2.0  # left half positive
    image[0, :, 14:] = -1.0
    caption = "Input that most excites filter 3 of Conv2D #1 (activation 4.2)"
    view.show_excitation(image, caption)
    settle(qtbot, view)
    assert view.panel.isVisible() and view.caption.text() == caption
    assert view.busy.text() == ""
    box = view.excitation
    assert (box.image().width(), box.image().height()) == (28, 28)
    rect = box.image_rect()
    assert rect.width() >= 112  # large
    shot = view.grab().toImage()
    left = box.mapTo(view, QPoint(rect.left() + rect.width() // 4, rect.center().y()))
    right = box.mapTo(view, QPoint(rect.right() - rect.width() // 4, rect.center().y()))
    assert bluish(shot.pixelColor(left)) and orangish(shot.pixelColor(right))
    # the panel does not cover the grid
    panel = QRect(view.panel.mapTo(view, QPoint(0, 0)), view.panel.size())
    grid = QRect(view.scroll.mapTo(view, QPoint(0, 0)), view.scroll.size())
    assert not panel.intersects(grid)
    view.show_excitation(None, "")
    assert not view.panel.isVisible() and box.image() is None


# ------------------------------------------------------------------------- FeatureMapsView
LENET = [("Conv2D #1 · 6×28×28", (6, 28, 28)), ("MaxPool2D #2 · 6×14×14", (6, 14, 14)),
         ("Conv2D #3 · 16×10×10", (16, 10, 10)), ("MaxPool2D #4 · 16×5×5", (16, 5, 5)),
         ("Dense #6 · 120", (120,)), ("Dense #7 · 84", (84,)), ("Dense #8 · 10 softmax", (10,))]


def lenet_outputs(seed):
    rng = np.random.default_rng(seed)
    layers = []
    for label, shape in LENET:
        values = np.maximum(rng.normal(size=shape), 0.0)  # ReLU outputs
        if len(shape) == 1 and shape[0] == 10:
            values = np.exp(rng.normal(size=10) * 3)
            values /= values.sum()
        layers.append((label, values.astype(np.float32)))
    return rng.random((1, 28, 28)).astype(np.float32), layers


def test_feature_maps_show_every_channel_of_every_layer(qtbot):
    view = shown(qtbot, FeatureMapsView())
    view.set_class_names([f"digit {k}" for k in range(10)])
    image, layers = lenet_outputs(0)
    view.show(image, layers)
    settle(qtbot, view)
    assert view.section_titles() == ["Input · 1×28×28"] + [label for label, _ in LENET]
    kinds = [s.kind for s in view.sections]
    assert kinds == ["input", "maps", "maps", "maps", "maps", "vector", "vector", "bars"]
    for section, (_label, shape) in zip(view.sections[1:5], LENET[:4], strict=True):
        grid = section.body
        assert grid.count() == shape[0]
        sizes = {(grid.image(i).height(), grid.image(i).width()) for i in range(grid.count())}
        assert sizes == {shape[1:]}
    assert len(view.sections[5].body.values) == 120
    bars = view.sections[7].body
    assert isinstance(bars, ProbabilityBars) and bars.names[3] == "digit 3"
    winner = int(np.argmax(layers[-1][1]))
    assert bars.bar_rect(winner).width() == max(bars.bar_rect(k).width() for k in range(10))
    # ReLU outputs (>= 0) are drawn white to blue, never orange
    pixels = view.sections[1].body.pixels()
    assert (pixels[..., 2] >= pixels[..., 0]).all()
    all_text_at_least_11pt(view)


def test_feature_maps_reuse_their_widgets_for_new_arrays(qtbot):
    view = shown(qtbot, FeatureMapsView())
    view.set_class_names([str(k) for k in range(10)])
    view.show(*lenet_outputs(0))
    settle(qtbot, view)
    before = view.findChildren(QWidget)
    sections = list(view.sections)
    old_pixels = view.sections[3].body.pixels().copy()
    old_shot = view.grab().toImage()
    view.show(*lenet_outputs(1))
    settle(qtbot, view)
    after = view.findChildren(QWidget)
    assert len(after) == len(before) and set(map(id, after)) == set(map(id, before))
    assert view.sections == sections
    assert not np.array_equal(view.sections[3].body.pixels(), old_pixels)
    assert view.grab().toImage() != old_shot
    # a different network rebuilds the sections
    view.show(np.zeros((1, 28, 28)), [("Dense #1 · 32", np.ones(32))])
    settle(qtbot, view)
    assert [s.kind for s in view.sections] == ["input", "vector"]
    assert isinstance(view.sections[1].body, VectorStrip)


def test_feature_maps_without_class_names_show_the_last_layer_as_cells(qtbot):
    view = shown(qtbot, FeatureMapsView())
    image, layers = lenet_outputs(2)
    view.show(image, layers)
    assert view.sections[-1].kind == "vector"
    view.set_class_names([str(k) for k in range(10)])  # names arrive later: bars
    assert view.sections[-1].kind == "bars"


def test_feature_maps_scroll_to_the_last_layer(qtbot):
    view = shown(qtbot, FeatureMapsView())
    view.set_class_names([str(k) for k in range(10)])
    view.show(*lenet_outputs(3))
    settle(qtbot, view)
    bar = view.scroll.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    settle(qtbot, view)
    last = view.sections[-1]
    top = last.mapTo(view.scroll.viewport(), QPoint(0, 0)).y()
    assert top >= 0 and top + last.height() <= view.scroll.viewport().height() + 1


AUTOENCODER = [("Conv2D #1 · 8×28×28", (8, 28, 28)), ("MaxPool2D #2 · 8×14×14", (8, 14, 14)),
               ("Conv2D #3 · 16×14×14", (16, 14, 14)), ("MaxPool2D #4 · 16×7×7", (16, 7, 7)),
               ("Flatten #5 · 784", (784,)), ("Dense #6 · 32", (32,)),
               ("Dense #7 · 784", (784,)), ("Reshape #8 · 16×7×7", (16, 7, 7)),
               ("Conv2DTranspose #9 · 8×14×14", (8, 14, 14)),
               ("Conv2DTranspose #10 · 1×28×28", (1, 28, 28))]


def autoencoder_outputs(seed):
    rng = np.random.default_rng(seed)
    layers = [(label, (3.24 * rng.uniform(-1, 1, shape)).astype(np.float32))
              for label, shape in AUTOENCODER]
    for _label, values in layers:
        values.flat[0] = 3.24  # the widest key: "−3.24 … +3.24"
    return rng.random((1, 28, 28)).astype(np.float32), layers


def widgets_outside(view: FeatureMapsView) -> list[str]:
    """Every part of a section that reaches beyond the scroll's viewport (nothing scrolls
    sideways, so that part would be cut), and every key or title cut inside its own box."""
    viewport = view.scroll.viewport()
    room = QRect(QPoint(0, 0), viewport.size())
    bad = []
    for section in view.sections:
        for child in [section, *section.findChildren(QWidget)]:
            if not child.isVisible():
                continue
            rect = QRect(child.mapTo(viewport, QPoint(0, 0)), child.size())
            if rect.left() < room.left() or rect.right() > room.right():
                bad.append(f"{section.title.text()}: {type(child).__name__} {rect}")
        if isinstance(section.body, ImageGrid):
            for i in range(section.body.count()):
                r = section.body.image_rect(i)
                rect = QRect(section.body.mapTo(viewport, r.topLeft()), r.size())
                if rect.right() > room.right():
                    bad.append(f"{section.title.text()}: map {i + 1} at {rect}")
        if section.legend.isVisible() and (
                section.legend.width() < section.legend.minimumSizeHint().width()):
            bad.append(f"{section.title.text()}: key squeezed to {section.legend.width()}")
        title = section.title
        if title.heightForWidth(title.width()) > title.height():
            bad.append(f"{section.title.text()}: title cut")
    return bad


@pytest.mark.parametrize("outputs", [lenet_outputs, autoencoder_outputs])
@pytest.mark.parametrize("width", [300, 440, 900])
def test_every_feature_map_section_fits_the_width(qtbot, width, outputs):
    view = shown(qtbot, FeatureMapsView(), width, 500)
    if outputs is lenet_outputs:
        view.set_class_names([str(k) for k in range(10)])
    view.show(*outputs(0))
    settle(qtbot, view)
    assert widgets_outside(view) == []
    assert view.content.width() <= view.scroll.viewport().width()
    # every key is whole, beside or under its title, never over it
    for section in view.sections:
        if section.kind in ("maps", "vector"):
            assert section.legend.isVisible()
            title = QRect(section.title.mapTo(section, QPoint(0, 0)), section.title.size())
            key = QRect(section.legend.mapTo(section, QPoint(0, 0)), section.legend.size())
            assert not title.intersects(key)
    if outputs is autoencoder_outputs:
        # eight 28×28 maps wrap to more rows rather than run off the side
        first = view.sections[1].body
        rows = len({first.image_rect(i).y() for i in range(first.count())})
        assert rows >= 2 if width <= 440 else rows == 1
        # a wide view puts the key beside the title; a narrow one, under the long titles
        assert view.sections[-1].header.stacked() == (width <= 440)
    # a live update whose keys need longer numbers re-places them, still inside
    image, layers = outputs(1)
    view.show(image, [(label, values * (1 if values.ndim == 1 and len(values) == 10 else -123.4))
                      for label, values in layers])
    settle(qtbot, view)
    assert view.sections[1].legend.limit > 100
    assert widgets_outside(view) == []


# ------------------------------------------------------------------------- PredictionsView
def predictions_case():
    rng = np.random.default_rng(8)
    n = 12
    images = rng.random((n, 1, 28, 28)).astype(np.float32)
    labels = np.arange(n) % 10
    probs = np.full((n, 10), 0.01)
    predicted = labels.copy()
    predicted[[3, 7, 10]] = [9, 1, 4]  # three mistakes
    confidence = {3: 0.6, 7: 0.9, 10: 0.75}
    for i in range(n):
        probs[i, predicted[i]] = confidence.get(i, 0.94)
    probs /= probs.sum(axis=1, keepdims=True)
    indices = 1000 + np.arange(n) * 3
    return images, labels, probs, indices


def test_predictions_mistakes_first_and_captions(qtbot, drawn):
    view = shown(qtbot, PredictionsView())
    view.set_class_names([f"c{k}" for k in range(10)])
    images, labels, probs, indices = predictions_case()
    view.show(images, labels, probs, indices)
    settle(qtbot, view)
    assert view.order() == list(indices)
    grid = view.grid
    p0 = probs[0, 0]
    assert grid.captions(0)[0] == f"c0 ({100 * p0:.0f}%)"
    assert grid.captions(0)[1:] == ["then c1 1%", "then c2 1%"]  # the runners-up only
    assert grid.captions(3)[0] == f"c9 ({100 * probs[3, 9]:.0f}%)"
    assert grid.captions(3)[-1] == "true c3"
    qtbot.mouseClick(view.mistakes_first, Qt.MouseButton.LeftButton)
    assert view.mistakes_first.isChecked()
    # the mistakes, most confident first, then the rest in their order
    assert view.order() == [indices[7], indices[10], indices[3]] + [
        indices[i] for i in range(12) if i not in (3, 7, 10)]
    texts = drawn.grab(grid)
    under_first = texts.inside(QRect(grid.image_rect(0).left() - 20, grid.image_rect(0).bottom(),
                                     grid.image_rect(0).width() + 40, 100))
    assert under_first[0] == f"c1 ({100 * probs[7, 1]:.0f}%)" and under_first[-1] == "true c7"
    # wrong ones in a thick red frame, right ones not
    shot = grid.grab().toImage()
    wrong_edge = grid.image_rect(0).topLeft() + QPoint(grid.image_rect(0).width() // 2, -2)
    right_edge = grid.image_rect(5).topLeft() + QPoint(grid.image_rect(5).width() // 2, -2)
    assert shot.pixelColor(wrong_edge) == QColor(*ERROR)
    assert shot.pixelColor(right_edge) != QColor(*ERROR)
    assert "3" in view.summary.text() and "12" in view.summary.text()
    all_text_at_least_11pt(view)


def test_prediction_captions_say_something_new_on_every_line(qtbot, drawn):
    """The bold caption is the top-1 answer; the lines under it are the 2nd and 3rd, not the
    top-1 again; a runner-up that rounds to 0% is left out; a mistake adds the true class."""
    view = shown(qtbot, PredictionsView())
    view.set_class_names([str(k) for k in range(10)])
    probs = np.array([
        [0.0, 0.03, 0.0, 0.0, 0.0, 0.0, 0.0, 0.94, 0.0, 0.01],  # "7 (94%)" then 1, then 9
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],  # a sure 3: nothing else
        [0.0, 0.0, 0.0, 0.0, 0.3, 0.0, 0.6, 0.0, 0.0, 0.1],  # wrong: 6 for a 4
    ])
    probs[0] += 0.02 / 10
    probs[1, 3] = 0.999
    probs[1, 8] = 0.001
    probs /= probs.sum(axis=1, keepdims=True)
    view.show(np.zeros((3, 1, 28, 28)), np.array([7, 3, 4]), probs, np.array([0, 1, 2]))
    settle(qtbot, view)
    grid = view.grid
    assert grid.captions(0) == ["7 (94%)", "then 1 3%", "then 9 1%"]
    assert grid.captions(1) == ["3 (100%)"]
    assert grid.captions(2) == ["6 (60%)", "then 4 30%", "then 9 10%", "true 4"]
    # drawn under each image in that order, each line once
    texts = drawn.grab(grid)
    for cell in range(3):
        rect = grid.image_rect(cell)
        under = texts.inside(QRect(rect.left() - 4, rect.bottom(), rect.width() + 8, 100))
        assert under == grid.captions(cell)
        assert len(set(under)) == len(under)
        top = under[0].split(" (")[0]
        assert not any(line.startswith(f"then {top} ") for line in under[1:])


def test_clicking_a_prediction_emits_its_test_index(qtbot):
    view = shown(qtbot, PredictionsView())
    images, labels, probs, indices = predictions_case()
    view.show(images, labels, probs, indices)
    view.mistakes_first.setChecked(True)
    settle(qtbot, view)
    for cell, expected in ((0, indices[7]), (4, indices[1])):
        with qtbot.waitSignal(view.image_chosen) as chosen:
            qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton,
                             pos=view.grid.image_rect(cell).center())
        assert chosen.args == [int(expected)]
    # the chosen image stays framed when the order changes
    view.mistakes_first.setChecked(False)
    assert view.grid.selected() == {1}


def test_predictions_draw_colour_images_as_rgb(qtbot):
    view = shown(qtbot, PredictionsView())
    images = np.zeros((2, 3, 8, 8), dtype=np.float32)
    images[0, 0] = 1.0  # red
    images[1, 2] = 1.0  # blue
    view.show(images, np.array([0, 1]), np.array([[0.9, 0.1], [0.2, 0.8]]), np.array([5, 6]))
    settle(qtbot, view)
    shot = view.grid.grab().toImage()
    assert shot.pixelColor(view.grid.image_rect(0).center()) == QColor(255, 0, 0)
    assert shot.pixelColor(view.grid.image_rect(1).center()) == QColor(0, 0, 255)
    # grey images outside [0, 1] are scaled by the batch's range
    grey = display_rgba(np.array([[[[-2.0, 0.0, 2.0]]]]))
    assert grey[0, 0, :, 0].tolist() == [0, 128, 255]


# ------------------------------------------------------------------------- ConfusionView
def test_confusion_matrix_draws_counts_names_and_accuracies(qtbot, drawn):
    view = shown(qtbot, ConfusionView(), 450, 450)
    rng = np.random.default_rng(9)
    confusion = rng.integers(0, 6, (10, 10))
    np.fill_diagonal(confusion, rng.integers(150, 200, 10))
    confusion[4] = 0  # a class with no test images
    confusion[7, 7], confusion[7, 1] = 80, 20
    names = [f"n{k}" for k in range(10)]
    view.show(confusion, names)
    settle(qtbot, view)
    drawn.grab(view)
    for i, j in ((0, 0), (7, 1), (2, 5), (9, 9)):
        assert drawn.inside(view.cell_rect(i, j)) == [str(confusion[i, j])]
    texts = drawn.texts()
    assert set(names) <= set(texts)
    row = confusion[7].sum()
    assert f"{100 * 80 / row:.0f}%" in texts and "–" in texts  # per-class, and the empty class
    acc = np.trace(confusion) / confusion.sum()
    assert any(t.startswith(f"Accuracy {100 * acc:.1f}%") for t in texts)
    # right of the matrix, one per row, level with it
    accuracy_7 = [r for r, t in drawn.items if t == f"{100 * 80 / row:.0f}%"]
    assert accuracy_7[0].left() >= view.cell_rect(7, 9).right()
    assert abs(accuracy_7[0].center().y() - view.cell_rect(7, 0).center().y()) < 2
    # everything fits at 450×450, cells are big enough for three digits
    assert view.cell_rect(9, 9).bottom() < view.height()
    assert view.metrics.horizontalAdvance("199") < view.cell_rect(0, 0).width()
    # the diagonal is blue, mistakes orange, nothing white that has a count
    shot = view.grab().toImage()
    assert bluish(shot.pixelColor(view.cell_rect(0, 0).topLeft() + QPoint(2, 2)))
    mistake = shot.pixelColor(view.cell_rect(7, 1).topLeft() + QPoint(2, 2))
    assert mistake.red() > mistake.blue() + 40


def test_clicking_a_confusion_cell_emits_it(qtbot):
    view = shown(qtbot, ConfusionView(), 450, 450)
    view.show(np.eye(3, dtype=int) * 5 + 1, ["cat", "dog", "bird"])
    with qtbot.waitSignal(view.cell_clicked) as clicked:
        qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=view.cell_rect(2, 0).center())
    assert clicked.args == [2, 0]
    assert view.accuracy_texts() == ["75%", "75%", "75%"]


def test_confusion_with_long_class_names_keeps_counts_inside_their_cells(qtbot, drawn):
    view = shown(qtbot, ConfusionView(), 450, 450)
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
             "Sneaker", "Bag", "Ankle boot"]
    confusion = np.diag(np.full(10, 175)) + 3
    view.show(confusion, names)
    drawn.grab(view)
    for i in range(10):
        cell = view.cell_rect(i, i)
        assert drawn.inside(cell) == [str(confusion[i, i])]
        assert view.metrics.horizontalAdvance("175") < cell.width()
    # the full names are written (upwards) over the columns, everything inside the widget
    assert set(names) <= set(drawn.texts())
    assert view.cell_rect(9, 9).right() < view.width() and view.cell_rect(9, 9).bottom() < 450


@pytest.mark.parametrize("width", [300, 430])
def test_confusion_in_a_narrow_view_cuts_no_text(qtbot, drawn, width):
    """Every text it writes fits where it is written: the title (its short form when the long
    one does not fit), and the counts only when every one fits its cell."""
    view = shown(qtbot, ConfusionView(), width, 450)
    confusion = np.diag(np.full(10, 1894 // 10)) + np.eye(10, k=1, dtype=int) * 3
    view.show(confusion, [str(k) for k in range(10)])
    settle(qtbot, view)
    drawn.grab(view)
    title = [(r, t) for r, t in drawn.items if t.startswith("Accuracy")]
    assert len(title) == 1
    rect, text = title[0]
    assert view.metrics_title.horizontalAdvance(text) <= rect.width() <= view.width()
    counts = [(r, t) for r, t in drawn.items if t.isdigit() and r.height() > view.line_h
              and view.cell_at(r.center().toPoint()) is not None]
    bold = view._layout().bold_counts  # the diagonal in bold where that fits too
    for r, t in counts:
        metrics = view.metrics_bold if bold else view.metrics
        assert metrics.horizontalAdvance(t) <= r.width(), (t, r)
    if width >= 430:  # the app's right column: everything written in full
        assert text.endswith("right)") and len(counts) == 100
    else:
        assert text == f"Accuracy {100 * np.trace(confusion) / confusion.sum():.1f}%"


def test_views_survive_empty_and_tiny_states(qtbot):
    views = [WeightImagesView(), FeatureMapsView(), PredictionsView(), ConfusionView()]
    for view in views:
        shown(qtbot, view, 160, 140)
        view.grab()
    weights, maps, predictions, confusion = views
    weights.show_conv(np.ones((4, 2, 3, 3)), "Conv2D #1")
    maps.show(*lenet_outputs(4))
    predictions.show(np.zeros((0, 1, 28, 28)), np.zeros(0), np.zeros((0, 10)), np.zeros(0))
    confusion.show(np.zeros((10, 10), dtype=int), [str(k) for k in range(10)])
    for view in views:
        view.resize(120, 100)
        settle(qtbot, view)
        view.grab()
    assert confusion.title_text().endswith("no predictions yet")
    assert "0" in predictions.summary.text() and predictions.grid.count() == 0
