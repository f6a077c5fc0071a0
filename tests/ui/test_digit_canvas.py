"""The draw-a-digit canvas, driven by real mouse events: strokes become a network input shaped and
centred like the dataset's images, emitted while drawing (throttled), on release and on Clear."""

import time

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from playground.data.digit_input import centre_of_mass, ink_box
from playground.ui.digit_canvas import EMIT_INTERVAL_MS, RESOLUTION, DigitCanvas


@pytest.fixture
def canvas(qtbot):
    widget = DigitCanvas()
    qtbot.addWidget(widget)
    widget.resize(460, 320)
    widget.show()
    qtbot.waitExposed(widget)
    emitted = []
    widget.drawn.connect(lambda array: emitted.append((time.monotonic(), array)))
    widget.emitted = emitted
    return widget


def at(canvas, fx, fy):
    """The widget point at a fraction (fx, fy) of the drawing square."""
    rect = canvas.area.square()
    return QPoint(round(rect.x() + fx * rect.width()), round(rect.y() + fy * rect.height()))


def move(qtbot, widget, pos, buttons=Qt.MouseButton.LeftButton):
    # QTest.mouseMove carries no buttons in Qt 6: send the event with the button held
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                        Qt.MouseButton.NoButton, buttons, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    qtbot.wait(20)


def draw(qtbot, canvas, points, button=Qt.MouseButton.LeftButton):
    """Press at the first point, move through the others with the button held, release."""
    area = canvas.area
    positions = [at(canvas, fx, fy) for fx, fy in points]
    QTest.mousePress(area, button, Qt.KeyboardModifier.NoModifier, positions[0])
    for pos in positions[1:]:
        move(qtbot, area, pos, button)
    QTest.mouseRelease(area, button, Qt.KeyboardModifier.NoModifier, positions[-1])


def line(start, end, steps):
    return [(start[0] + (end[0] - start[0]) * t, start[1] + (end[1] - start[1]) * t)
            for t in np.linspace(0.0, 1.0, steps)]


def test_a_stroke_drawn_off_centre_becomes_a_centred_mnist_like_input(qtbot, canvas):
    # a vertical stroke in the left quarter of the canvas
    draw(qtbot, canvas, line((0.2, 0.15), (0.2, 0.85), 12))
    raw = canvas.drawing()
    columns = np.flatnonzero(raw.max(axis=0) > 0.5)
    assert columns.max() < RESOLUTION * 0.3  # the ink is where it was drawn: on the left
    assert canvas.emitted, "nothing emitted"
    array = canvas.emitted[-1][1]
    assert array.shape == (1, 28, 28) and array.dtype == np.float32
    top, bottom, left, right = ink_box(array[0], 0.0)
    assert bottom - top == 20 and right - left <= 4  # scaled into MNIST's 20×20 box
    cy, cx = centre_of_mass(array[0])
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5  # and centred by its mass
    assert array[0, 10:18, 13:16].min() > 0.5  # ink in the middle column of the input
    assert np.array_equal(canvas.network_input(), array)


def test_emissions_while_drawing_are_throttled_and_release_always_emits(qtbot, canvas):
    area = canvas.area
    points = [at(canvas, fx, fy) for fx, fy in line((0.3, 0.2), (0.7, 0.8), 25)]
    QTest.mousePress(area, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
    for pos in points[1:]:
        move(qtbot, area, pos)
    during = list(canvas.emitted)
    assert 2 <= len(during) < len(points)  # updates while drawing, but not one per move
    gaps = np.diff([t for t, _ in during]) * 1000
    assert gaps.min() >= EMIT_INTERVAL_MS * 0.9  # at most ~20 a second
    QTest.mouseRelease(area, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       points[-1])
    assert len(canvas.emitted) == len(during) + 1  # the release itself emits
    # a quick dot right after: still emitted on release, however soon
    count = len(canvas.emitted)
    QTest.mouseClick(area, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     at(canvas, 0.5, 0.1))
    assert len(canvas.emitted) >= count + 1
    assert canvas.emitted[-1][1].any()


def test_clear_empties_the_drawing_and_emits_zeros(qtbot, canvas):
    draw(qtbot, canvas, line((0.3, 0.3), (0.7, 0.7), 6))
    assert canvas.network_input().any() and canvas.drawing().any()
    count = len(canvas.emitted)
    qtbot.mouseClick(canvas.clear_button, Qt.MouseButton.LeftButton)
    assert len(canvas.emitted) == count + 1
    assert not canvas.emitted[-1][1].any() and canvas.emitted[-1][1].shape == (1, 28, 28)
    assert not canvas.drawing().any() and not canvas.network_input().any()


def test_the_eraser_rubs_ink_out_and_the_right_button_does_not_draw(qtbot, canvas):
    draw(qtbot, canvas, line((0.2, 0.5), (0.8, 0.5), 8))
    assert canvas.drawing()[RESOLUTION // 2, RESOLUTION // 2] > 0.9
    qtbot.mouseClick(canvas.eraser_button, Qt.MouseButton.LeftButton)
    assert canvas.eraser_button.isChecked()
    draw(qtbot, canvas, line((0.1, 0.5), (0.9, 0.5), 10))
    assert not canvas.drawing().any()
    assert not canvas.emitted[-1][1].any()
    qtbot.mouseClick(canvas.eraser_button, Qt.MouseButton.LeftButton)
    count = len(canvas.emitted)
    draw(qtbot, canvas, line((0.2, 0.2), (0.8, 0.8), 5), button=Qt.MouseButton.RightButton)
    assert not canvas.drawing().any() and len(canvas.emitted) == count


def test_the_target_sets_the_shape_and_style_and_the_preview_shows_the_input(qtbot, canvas):
    draw(qtbot, canvas, [(0.5 + 0.3 * np.sin(t), 0.5 - 0.35 * np.cos(t))
                         for t in np.linspace(0, 2 * np.pi, 16)])
    count = len(canvas.emitted)
    canvas.set_target((1, 8, 8), "digits")  # a dataset name picks its style
    assert canvas.style == "optdigits" and len(canvas.emitted) == count  # no emission
    small = canvas.network_input()
    assert small.shape == (1, 8, 8) and np.allclose(small * 16, np.round(small * 16))
    assert (small[0] > 0).any(axis=1).all()  # the 8×8 digits' height fills every row
    assert "8×8" in canvas.preview_caption.text()
    shown = canvas.preview.image
    assert (shown.width(), shown.height()) == (8, 8)
    for y, x in ((0, 0), (3, 2), (7, 5)):
        assert shown.pixelColor(x, y).red() == round(float(small[0, y, x]) * 255)
    canvas.set_target((3, 32, 32), "mnist")
    big = canvas.network_input()
    assert big.shape == (3, 32, 32) and np.array_equal(big[0], big[2])
    with pytest.raises(ValueError, match="image input"):
        canvas.set_target((2,), "mnist")
