"""The network diagram, driven like a user would: real mouse moves and clicks, typed keys, and
checks on what is drawn (pixels, pens) and what is emitted."""

from itertools import pairwise

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor

from playground.ui import palette
from playground.ui.network_view import MAX_SLOTS, MIN_LINK_WIDTH, NetworkDiagram, parse_value


def make_values(columns, seed=0, res=16, scale=1.0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, scale, (a, b)) for a, b in pairwise(columns)]
    biases = [rng.normal(0, 0.5, b) for b in columns[1:]]
    g = np.linspace(-1, 1, res)
    x, y = np.meshgrid(g, g)
    maps = [np.tanh(rng.normal(size=(n, 1, 1)) * x + rng.normal(size=(n, 1, 1)) * y)
            for n in columns]
    return weights, biases, maps


@pytest.fixture
def diagram(qtbot):
    view = NetworkDiagram()
    qtbot.addWidget(view)
    view.resize(500, 450)
    view.show()
    qtbot.waitExposed(view)
    return view


def build(view, columns, values=None):
    labels = ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁"][: columns[0]]
    headings = ["Features"] + [f"Dense {n} · tanh" for n in columns[1:]]
    view.set_structure(columns, headings, labels)
    values = values or make_values(columns)
    view.update_values(*values)
    return values


def vp_point(view, scene_point: QPointF) -> QPoint:
    return view.mapFromScene(scene_point)


def along(line, t):
    return QPointF(line.x1() + t * (line.x2() - line.x1()), line.y1() + t * (line.y2() - line.y1()))


def pixel(view, scene_point: QPointF) -> QColor:
    image = view.viewport().grab().toImage()
    p = vp_point(view, scene_point)
    return image.pixelColor(p.x(), p.y())


def link_hover_point(view, layer, src, dst):
    """A point on the link where the diagram finds that link and nothing else."""
    line = view.link_item(layer, src, dst).line()
    for t in np.linspace(0.15, 0.85, 15):
        point = along(line, t)
        if view.hit(point) == ("link", layer, src, dst):
            return point
    raise AssertionError("no point of the link hits it")


def test_structure_builds_neurons_links_biases_and_thumbnails(diagram):
    columns = [2, 8, 8, 1]
    weights, biases, maps = make_values(columns)
    maps[1][3] = 1.0  # all positive, the column's largest: full blue
    maps[1][5] = -1.0  # all negative: full orange
    maps[2][0] = 0.0
    maps[2][0][:4] = 1.0  # row 0 is the bottom of the plane: blue bottom band, white above
    build(diagram, columns, (weights, biases, maps))
    assert [len(c) for c in diagram.neurons] == [2, 8, 8, 1]
    assert [len(c) for c in diagram.biases] == [8, 8, 1]
    assert [len(c) for c in diagram.links] == [16, 64, 8]
    assert diagram.more_markers == []
    assert diagram.heading_items[0].toPlainText() == "Features"
    assert [label.text() for label in diagram.label_items] == ["x₁", "x₂"]

    blue = pixel(diagram, diagram.neuron_item(1, 3).rect.center())
    assert (blue.blue(), blue.red()) == (palette.POSITIVE[2], palette.POSITIVE[0])
    orange = pixel(diagram, diagram.neuron_item(1, 5).rect.center())
    assert (orange.red(), orange.blue()) == (palette.NEGATIVE[0], palette.NEGATIVE[2])
    rect = diagram.neuron_item(2, 0).rect
    bottom = pixel(diagram, QPointF(rect.center().x(), rect.bottom() - 3))
    top = pixel(diagram, QPointF(rect.center().x(), rect.top() + 3))
    assert bottom.blue() > bottom.red() + 100
    assert abs(top.red() - top.blue()) < 10  # neutral


def test_map_limit_scales_the_thumbnails(diagram):
    columns = [2, 3, 1]
    weights, biases, maps = make_values(columns)
    maps[1][:] = 0.1
    maps[1][0] = 0.2
    build(diagram, columns, (weights, biases, maps))
    # by default the column's largest |value| is full colour
    assert pixel(diagram, diagram.neuron_item(1, 0).rect.center()).red() == palette.POSITIVE[0]
    diagram.update_values(weights, biases, maps, map_limit=1.0)
    washed = pixel(diagram, diagram.neuron_item(1, 0).rect.center())
    assert washed.red() > 150  # 0.2 of the limit: pale blue


def test_link_colour_follows_sign_and_width_follows_size(diagram):
    columns = [2, 3, 1]
    weights, biases, maps = make_values(columns)
    weights[0][:] = [[-2.0, 0.5, 0.01], [1.0, -0.3, 2.0]]
    build(diagram, columns, (weights, biases, maps))
    neg = diagram.link_item(1, 0, 0).pen()
    pos = diagram.link_item(1, 1, 2).pen()
    half = diagram.link_item(1, 1, 0).pen()
    tiny = diagram.link_item(1, 0, 2).pen()
    assert neg.color().red() > neg.color().blue()  # orange
    assert pos.color().blue() > pos.color().red()  # blue
    assert neg.widthF() == pytest.approx(pos.widthF()) == pytest.approx(diagram.max_link_width())
    assert tiny.widthF() < half.widthF() < pos.widthF()
    assert tiny.widthF() >= MIN_LINK_WIDTH
    # a smaller weight is also paler
    assert half.color().red() > pos.color().red()
    # and the screen shows it: the middle of the strongest negative link is orange
    seen = pixel(diagram, link_hover_point(diagram, 1, 0, 0))
    assert seen.red() > 200 and seen.blue() < 80
    # a sign change repaints the link blue
    weights[0][0, 0] = 2.0
    diagram.update_values(weights, biases, maps)
    assert diagram.link_item(1, 0, 0).pen().color().blue() > 150


def test_biases_drawn_for_every_dense_neuron_by_sign_and_size(diagram):
    columns = [2, 3, 1]
    weights, biases, maps = make_values(columns)
    biases[0][:] = [-1.0, 0.25, 1.0]
    biases[1][:] = [0.5]
    build(diagram, columns, (weights, biases, maps))
    items = [diagram.bias_item(1, u) for u in range(3)] + [diagram.bias_item(2, 0)]
    assert [b.value for b in items] == [-1.0, 0.25, 1.0, 0.5]
    assert items[0].fill_color().red() > items[0].fill_color().blue()
    assert items[2].fill_color().blue() > items[2].fill_color().red()
    assert items[1].relative < items[3].relative < items[2].relative == 1.0
    centre = pixel(diagram, items[0].rect.center())
    assert (centre.red(), centre.green(), centre.blue()) == palette.NEGATIVE


def test_hovering_a_neuron_emits_its_layer_and_unit_and_leaving_emits_hover_left(diagram, qtbot):
    build(diagram, [2, 8, 8, 1])
    hovered, left = [], []
    diagram.neuron_hovered.connect(lambda layer, unit: hovered.append((layer, unit)))
    diagram.hover_left.connect(lambda: left.append(True))
    qtbot.mouseMove(diagram.viewport(), vp_point(diagram, diagram.neuron_item(1, 3).rect.center()))
    qtbot.waitUntil(lambda: hovered == [(1, 3)])
    assert diagram.neuron_item(1, 3).highlighted
    assert not diagram.neuron_item(1, 2).highlighted
    # moving within the same neuron emits nothing more
    qtbot.mouseMove(diagram.viewport(),
                    vp_point(diagram, diagram.neuron_item(1, 3).rect.center() + QPointF(3, 3)))
    assert hovered == [(1, 3)] and left == []
    qtbot.mouseMove(diagram.viewport(), QPoint(3, diagram.viewport().height() - 3))  # empty
    qtbot.waitUntil(lambda: left == [True])
    assert not diagram.neuron_item(1, 3).highlighted
    qtbot.mouseMove(diagram.viewport(), vp_point(diagram, diagram.neuron_item(0, 1).rect.center()))
    qtbot.mouseMove(diagram.viewport(), vp_point(diagram, diagram.neuron_item(3, 0).rect.center()))
    assert hovered == [(1, 3), (0, 1), (3, 0)]
    assert len(left) == 2


def test_hovering_a_link_shows_its_value_and_follows_training(diagram, qtbot):
    columns = [2, 3, 2, 1]
    weights, biases, maps = make_values(columns)
    weights[0][0, 2] = -0.734
    build(diagram, columns, (weights, biases, maps))
    point = link_hover_point(diagram, 1, 0, 2)
    qtbot.mouseMove(diagram.viewport(), vp_point(diagram, point))
    qtbot.waitUntil(lambda: diagram.value_label.isVisible())
    assert diagram.hovered == ("link", 1, 0, 2)
    assert diagram.value_label.text() == "w = -0.734 (x₁ → h1,3)"
    weights = [w.copy() for w in weights]
    weights[0][0, 2] = 1.25
    diagram.update_values(weights, biases, maps)
    assert diagram.value_label.text() == "w = 1.250 (x₁ → h1,3)"
    # the last layer's units are named as outputs
    qtbot.mouseMove(diagram.viewport(), vp_point(diagram, link_hover_point(diagram, 3, 1, 0)))
    assert diagram.value_label.text().endswith("(h2,2 → out)")
    qtbot.mouseMove(diagram.viewport(), QPoint(3, diagram.viewport().height() - 3))
    assert not diagram.value_label.isVisible()


def test_hovering_a_bias_shows_its_value(diagram, qtbot):
    columns = [2, 3, 2, 1]
    weights, biases, maps = make_values(columns)
    biases[1][1] = 0.5
    build(diagram, columns, (weights, biases, maps))
    qtbot.mouseMove(diagram.viewport(),
                    vp_point(diagram, diagram.bias_item(2, 1).rect.center()))
    qtbot.waitUntil(lambda: diagram.value_label.isVisible())
    assert diagram.value_label.text() == "b = 0.500 (h2,2)"
    assert diagram.bias_item(2, 1).highlighted
    biases[1][1] = -0.125
    diagram.update_values(weights, biases, maps)
    assert diagram.value_label.text() == "b = -0.125 (h2,2)"


def open_editor(diagram, qtbot, scene_point):
    qtbot.mouseClick(diagram.viewport(), Qt.MouseButton.LeftButton,
                     pos=vp_point(diagram, scene_point))
    qtbot.waitUntil(lambda: diagram.editor.isVisible())


def test_editing_a_link_emits_weight_edited_escape_and_garbage_emit_nothing(diagram, qtbot):
    columns = [2, 3, 2, 1]
    weights, biases, maps = make_values(columns)
    build(diagram, columns, (weights, biases, maps))
    edits = []
    diagram.weight_edited.connect(lambda *args: edits.append(args))
    diagram.bias_edited.connect(lambda *args: edits.append(("bias", *args)))
    point = link_hover_point(diagram, 2, 2, 1)

    open_editor(diagram, qtbot, point)
    assert float(diagram.editor.text()) == pytest.approx(weights[1][2, 1], abs=1e-5)
    qtbot.keyClicks(diagram.editor, "0.25")  # the old value is selected: typing replaces it
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Return)
    assert edits == [(2, 2, 1, 0.25)]
    assert not diagram.editor.isVisible()

    open_editor(diagram, qtbot, point)
    qtbot.keyClicks(diagram.editor, "7")
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Escape)
    assert not diagram.editor.isVisible()
    assert edits == [(2, 2, 1, 0.25)]

    open_editor(diagram, qtbot, point)
    qtbot.keyClicks(diagram.editor, "abc")
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Return)
    assert edits == [(2, 2, 1, 0.25)]
    assert diagram.editor.isVisible()
    assert diagram.edit_note.isVisible()
    assert "not a number" in diagram.edit_note.text()
    # correcting the text then works
    diagram.editor.clear()
    qtbot.keyClicks(diagram.editor, "-1,5")  # a decimal comma
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Enter)
    assert edits == [(2, 2, 1, 0.25), (2, 2, 1, -1.5)]
    assert not diagram.edit_note.isVisible()


def test_editing_a_bias_emits_bias_edited(diagram, qtbot):
    columns = [2, 3, 2, 1]
    build(diagram, columns)
    edits = []
    diagram.bias_edited.connect(lambda *args: edits.append(args))
    diagram.weight_edited.connect(lambda *args: edits.append(("weight", *args)))
    point = diagram.bias_item(3, 0).rect.center()  # the output neuron's bias

    open_editor(diagram, qtbot, point)
    diagram.editor.clear()
    qtbot.keyClicks(diagram.editor, "-1.5")
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Return)
    assert edits == [(3, 0, -1.5)]

    open_editor(diagram, qtbot, point)
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Escape)
    open_editor(diagram, qtbot, point)
    qtbot.keyClicks(diagram.editor, "1e999")  # not finite
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Return)
    assert "not a number" in diagram.edit_note.text()
    assert edits == [(3, 0, -1.5)]


def test_clicking_a_neuron_or_empty_space_opens_no_editor(diagram, qtbot):
    build(diagram, [2, 3, 1])
    qtbot.mouseClick(diagram.viewport(), Qt.MouseButton.LeftButton,
                     pos=vp_point(diagram, diagram.neuron_item(1, 1).rect.center()))
    qtbot.mouseClick(diagram.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert not diagram.editor.isVisible()


@pytest.mark.parametrize("size", [(500, 450), (900, 700)])
def test_a_big_layer_shows_the_first_units_and_a_more_marker(qtbot, size):
    view = NetworkDiagram()
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    columns = [2, 100, 8, 1]
    build(view, columns)
    shown = view.visible[1]
    assert 8 <= shown < MAX_SLOTS
    assert [len(c) for c in view.neurons] == [2, shown, 8, 1]
    assert [m.text() for m in view.more_markers] == [f"+{100 - shown} more"]
    assert sum(len(c) for c in view.links) == 2 * shown + shown * 8 + 8
    assert len(view.scene().items()) < 400
    # with many links, the faintest are left out
    assert not view.link_shown[1].all()
    # nothing below the bottom edge or overlapping the next neuron
    rects = [n.rect for n in view.neurons[1]]
    assert all(a.bottom() < b.top() for a, b in pairwise(rects))
    marker = view.more_markers[0].sceneBoundingRect()
    assert marker.top() > rects[-1].bottom() and marker.bottom() <= view.viewport().height()


def test_the_diagram_fits_its_widget_at_both_sizes(qtbot):
    view = NetworkDiagram()
    qtbot.addWidget(view)
    view.show()
    for width, height in [(500, 450), (900, 700)]:
        view.resize(width, height)
        qtbot.waitUntil(lambda w=width: view.viewport().width() == w)
        build(view, [6, 8, 8, 8, 1])
        box = view.viewport().rect()
        for item in view.scene().items():
            if item.isVisible():
                assert box.contains(item.sceneBoundingRect().toAlignedRect()), item
        headings = [h.sceneBoundingRect() for h in view.heading_items]
        assert not any(a.intersects(b) for a, b in pairwise(headings))
        labels = [lab.sceneBoundingRect() for lab in view.label_items]
        assert all(lab.right() < view.neuron_item(0, 0).rect.left() for lab in labels)
        assert all(lab.font().pointSizeF() >= 11 for lab in view.label_items)


def test_resizing_keeps_the_values_and_a_message_replaces_the_diagram(diagram, qtbot):
    columns = [2, 3, 1]
    weights, biases, maps = make_values(columns)
    maps[1][0] = 1.0
    build(diagram, columns, (weights, biases, maps))
    diagram.resize(700, 600)
    qtbot.waitUntil(lambda: diagram.viewport().width() == 700)
    assert pixel(diagram, diagram.neuron_item(1, 0).rect.center()).blue() == palette.POSITIVE[2]
    diagram.set_message("Not a dense network: the diagram shows dense stacks")
    assert diagram.neurons == []
    assert "dense stacks" in diagram.message_item.toPlainText()
    assert diagram.message_item.sceneBoundingRect().center().x() == pytest.approx(350, abs=2)
    diagram.set_message(None)
    assert [len(c) for c in diagram.neurons] == [2, 3, 1]
    assert pixel(diagram, diagram.neuron_item(1, 0).rect.center()).blue() == palette.POSITIVE[2]


def test_without_maps_the_neurons_are_neutral_and_bad_shapes_are_refused(diagram):
    columns = [2, 3, 1]
    weights, biases, _ = make_values(columns)
    diagram.set_structure(columns, ["a", "b", "c"], ["x₁", "x₂"])
    diagram.update_values(weights, biases, None)
    seen = pixel(diagram, diagram.neuron_item(1, 0).rect.center())
    assert (seen.red(), seen.green(), seen.blue()) == palette.NEUTRAL
    with pytest.raises(ValueError, match="layer 1"):
        diagram.update_values([weights[0].T, weights[1]], biases, None)
    with pytest.raises(ValueError, match="maps"):
        diagram.update_values(weights, biases, [np.zeros((2, 4, 4))])


def test_parse_value():
    assert parse_value(" -0.5 ") == -0.5
    assert parse_value("1,25") == 1.25
    assert parse_value("\u22122") == -2.0
    assert parse_value("1e-3") == 0.001
    assert parse_value("abc") is None
    assert parse_value("nan") is None
    assert parse_value("") is None
