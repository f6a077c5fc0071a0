"""The main window, driven as a user would: toolbar, keys, the brush on the output view, the
diagram's weight editor, the panels; assertions on what the window shows."""

import json

import numpy as np
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from playground.core.experiment import load_preset, preset_names
from playground.ui.main_window import MainWindow
from tests.ui.helpers import WAIT, open_window


@pytest.fixture
def window(qtbot, settings):
    w = open_window(qtbot, settings)
    yield w
    w.close()
    assert not w.controller.thread.isRunning()


def counters(window):
    text = window.counters.text().replace(",", "")
    epoch, step = text.split("Step")
    return int(epoch.split()[-1]), int(step)


def shown_validation_accuracy(window):
    """The validation accuracy as the metrics table shows it (e.g. '93.5%')."""
    text = window.metrics.text()
    row = text.split("Validation")[1]
    cells = [c.split("<")[0] for c in row.split("'>")[1:3]]
    return float(cells[1].rstrip("%")) / 100 if cells[1].endswith("%") else 0.0


def test_playing_spiral_shows_accuracy_above_90_percent_then_pause_holds(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Space)  # the Play shortcut
    qtbot.waitUntil(lambda: window.running, timeout=5_000)
    assert "Pause" in window.play_action.text()
    qtbot.waitUntil(lambda: shown_validation_accuracy(window) > 0.9, timeout=WAIT)
    window.play_action.trigger()  # pause
    qtbot.waitUntil(lambda: not window.running, timeout=5_000)
    qtbot.wait(100)
    held = counters(window)
    qtbot.wait(300)
    assert counters(window) == held
    assert "Play" in window.play_action.text()


def test_step_and_epoch_buttons_and_reset(qtbot, window):
    assert counters(window) == (0, 0)
    initial = window.output.shown_image().copy()
    window.step_action.trigger()
    qtbot.waitUntil(lambda: counters(window) == (0, 1), timeout=10_000)
    qtbot.keyClick(window, Qt.Key.Key_Right)  # Step shortcut
    qtbot.waitUntil(lambda: counters(window) == (0, 2), timeout=10_000)
    window.epoch_action.trigger()  # to the end of the first epoch: 700 / 10 steps
    qtbot.waitUntil(lambda: counters(window) == (1, 70), timeout=10_000)
    assert not np.array_equal(window.output.shown_image(), initial)
    qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Reset
    qtbot.waitUntil(lambda: counters(window) == (0, 0), timeout=10_000)
    qtbot.waitUntil(lambda: np.array_equal(window.output.shown_image(), initial),
                    timeout=10_000)


def total_points(window):
    raw = window.run_info.prepared.raw
    return len(raw.train) + len(raw.validation) + len(raw.test)


def view_point(view, x, y):
    """Widget pixel of plane coordinates (x, y) on the output view."""
    scene = view.box.mapViewToScene(QPointF(x, y))
    return view.mapFromScene(scene)


def run_epochs(qtbot, window, count):
    """The Epoch button, `count` times, each time waiting for its epoch to end."""
    for _ in range(count):
        target = window.latest.epoch + 1
        window.epoch_action.trigger()
        qtbot.waitUntil(lambda t=target: window.latest.epoch == t and not window.running,
                        timeout=WAIT)


def test_painting_points_adds_training_data_and_moves_the_boundary(qtbot, window):
    run_epochs(qtbot, window, 3)
    corner = np.array([[1.05, 1.05]])

    def p_class1():
        network = window.trained_network()
        x = window.run_info.prepared.transform(corner)
        return float(network.forward(x.astype(np.float32))[0, 0])

    before_p, before_step = p_class1(), window.latest.step
    before_points = total_points(window)
    target = 0 if before_p > 0.5 else 1  # paint the class the network does not expect there
    window.data_panel.tool_buttons["paint"].click()
    window.data_panel.class_buttons[target].click()
    cluster = corner + np.random.default_rng(0).normal(0, 0.04, (40, 2))
    window.output.painted.emit(cluster, target)  # what a brush stroke sends
    qtbot.waitUntil(lambda: window.run_info.kept_weights
                    and total_points(window) == before_points + 40, timeout=WAIT)
    # the run carries on over the new data: counters and curves go on from where they were
    assert window.latest.step == before_step
    run_epochs(qtbot, window, 5)
    after_p = p_class1()
    assert abs(after_p - target) < 0.5 < abs(before_p - target)  # the boundary moved there
    window.model.undo_stack.undo()  # one stroke, one undo step: back to the generated set
    assert window.model.get("dataset")["name"] == "spiral"


def test_choosing_another_problem_starts_a_fresh_run(qtbot, window):
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    trained = window.latest.theta.copy()
    window.model.set("dataset", {"name": "circle"}, "Data: Circle")
    qtbot.waitUntil(lambda: window.run_info.experiment.dataset["name"] == "circle",
                    timeout=WAIT)
    qtbot.waitUntil(lambda: window.latest.step == 0, timeout=WAIT)
    assert not np.array_equal(window.latest.theta, trained)
    assert "restarted" in window.banner.text()


def test_dragging_the_brush_paints_a_stroke_and_the_eraser_removes(qtbot, window):
    window.data_panel.tool_buttons["paint"].click()
    viewport = window.output.viewport()
    start = view_point(window.output, -0.5, 0.9)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for i in range(1, 11):
        qtbot.wait(25)  # pyqtgraph drops moves that come faster than a screen refresh
        drag_to(viewport, view_point(window.output, -0.5 + 0.1 * i, 0.9))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton,
                       pos=view_point(window.output, 0.5, 0.9))
    spec = window.model.get("dataset")
    painted = len(spec["points"]) - 1000
    assert painted >= 5  # one stroke: a row of points, one undo step
    assert window.model.undo_stack.undoText().startswith("Paint")
    window.data_panel.tool_buttons["erase"].click()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=view_point(window.output, 0, 0.9))
    after = window.model.get("dataset")["points"]
    assert len(after) < len(spec["points"])
    assert all(np.hypot(x, y - 0.9) > window.output.erase_radius() * 0.99
               for x, y, _ in after)


def drag_to(widget, pos):
    """A mouse move with the left button held (QTest's moves carry no buttons)."""
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                        Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)


def link_point(diagram, layer, source, target):
    line = diagram.link_item(layer, source, target).line()
    for t in np.linspace(0.2, 0.8, 13):
        p = QPointF(line.x1() + t * (line.x2() - line.x1()), line.y1() + t * (line.y2() -
                                                                              line.y1()))
        if diagram.hit(p) == ("link", layer, source, target):
            return diagram.mapFromScene(p)
    return None


def test_typing_a_weight_on_the_diagram_changes_the_output_view(qtbot, window):
    diagram = window.diagram
    qtbot.waitUntil(lambda: diagram.link_item(3, 0, 0) is not None, timeout=10_000)
    before = window.output.shown_image().copy()
    point = next(p for s in range(16) if diagram.link_visible(3, s, 0)
                 and (p := link_point(diagram, 3, s, 0)) is not None)
    source = diagram.hit(diagram.mapToScene(point))[2]
    qtbot.mouseClick(diagram.viewport(), Qt.MouseButton.LeftButton, pos=point)
    qtbot.waitUntil(lambda: diagram.editor.isVisible(), timeout=5_000)
    diagram.editor.selectAll()
    qtbot.keyClicks(diagram.editor, "25")
    qtbot.keyClick(diagram.editor, Qt.Key.Key_Return)
    weight = window.renderer.probe.network.layers[2].params["weight"]
    qtbot.waitUntil(lambda: weight[source, 0] == 25.0, timeout=10_000)
    assert not np.array_equal(window.output.shown_image(), before)


def test_hovering_a_neuron_shows_its_map_on_the_output(qtbot, window):
    surface = window.output.shown_image().copy()
    window.diagram.neuron_hovered.emit(1, 3)
    assert "neuron 4 of layer 1" in window.output_caption.text()
    assert not np.array_equal(window.output.shown_image(), surface)
    window.diagram.hover_left.emit()
    assert np.array_equal(window.output.shown_image(), surface)


def test_a_divergent_learning_rate_is_reported_in_the_window_and_reset_recovers(
        qtbot, window):
    optimizer = window.model.get("optimizer")
    optimizer["learning_rate"] = 1e4
    window.model.set("optimizer", optimizer, "Learning rate")
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.banner.isVisible() and "diverged" in window.banner.text(),
                    timeout=WAIT)
    qtbot.waitUntil(lambda: not window.running, timeout=5_000)
    assert "Lower the learning rate" in window.banner.text()
    assert window.model.get("optimizer")["learning_rate"] == 1e4  # the settings stay
    optimizer["learning_rate"] = 0.01
    window.model.set("optimizer", optimizer, "Learning rate")
    window.reset_action.trigger()
    qtbot.waitUntil(lambda: window.banner_kind() is None, timeout=10_000)
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.latest.step == 1 and window.latest.divergence is None,
                    timeout=10_000)


def test_live_learning_rate_reaches_the_trainer_without_a_reset(qtbot, window):
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    optimizer = window.model.get("optimizer")
    optimizer["learning_rate"] = 0.05
    window.model.set("optimizer", optimizer, "Learning rate")
    qtbot.waitUntil(lambda: window.latest.learning_rate == pytest.approx(0.05), timeout=10_000)
    assert window.latest.step == 70  # not rebuilt


def test_a_structural_edit_rebuilds_and_says_so(qtbot, window):
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    layers = window.model.get("layers")
    layers.insert(1, {"name": "dense", "units": 5, "activation": "tanh"})
    window.model.set("layers", layers, "Add a layer")
    qtbot.waitUntil(lambda: len(window.run_info.layer_configs) == 4, timeout=WAIT)
    qtbot.waitUntil(lambda: window.latest.step == 0, timeout=10_000)
    assert "restarted" in window.banner.text()
    assert window.diagram.neuron_item(2, 4) is not None  # the new 5-unit column is drawn


def test_an_impossible_stack_disables_training_and_shows_why(qtbot, settings):
    window = open_window(qtbot, settings, "lenet")
    layers = window.model.get("layers")
    layers[0]["kernel_size"] = 40  # larger than the 28×28 input
    window.model.set("layers", layers, "Kernel size")
    assert not window.play_action.isEnabled()
    assert window.banner_kind() == "problem" and "28" in window.banner.text()
    qtbot.wait(500)  # the pause's snapshot arrives: the reason must stay in view
    assert window.banner_kind() == "problem" and "28" in window.banner.text()
    window.model.undo_stack.undo()
    assert window.play_action.isEnabled() and window.banner_kind() is None
    window.close()


def test_every_preset_opens_without_a_problem(qtbot, window):
    for name in preset_names():
        window.open_preset(name)
        assert window.problem() is None, name
        title = load_preset(name).title
        qtbot.waitUntil(lambda t=title: window.run_info.experiment.title == t, timeout=WAIT)


def test_geometry_and_the_last_experiment_come_back(qtbot, settings):
    window = open_window(qtbot, settings)
    window.resize(798, 700)  # the offscreen screen is ~800 wide, and restoreGeometry clamps
    layers = window.model.get("layers")
    layers[0]["units"] = 7
    window.model.set("layers", layers, "Units")
    window.close()
    again = MainWindow(settings=settings)  # no preset: the last experiment
    qtbot.addWidget(again)
    assert again.model.get("layers")[0]["units"] == 7
    assert (again.width(), again.height()) == (798, 700)  # not the default 1280×800
    again.close()


def test_a_broken_saved_experiment_falls_back_to_the_default(qtbot, settings):
    settings.setValue("experiment", "{not json")
    window = MainWindow(settings=settings)
    qtbot.addWidget(window)
    assert window.model.get("title") == load_preset("spiral").title
    window.close()


def test_save_and_open_an_experiment_with_its_weights(qtbot, window, tmp_path):
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    path = tmp_path / "mine.json"
    assert window.save_to(path)
    doc = json.loads(path.read_text())
    assert doc["layers"] == window.model.get("layers")
    with np.load(path.with_suffix(".npz")) as weights:
        assert np.allclose(weights["1.dense.weight"].ravel(),
                           window.latest.theta[:weights["1.dense.weight"].size])
    (tmp_path / "bad.json").write_text("{")
    assert not window.load_file(tmp_path / "bad.json")
    assert "not valid JSON" in window.banner.text()
    assert window.load_file(path)


def test_closing_mid_training_ends_the_worker(qtbot, settings):
    window = open_window(qtbot, settings)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.running and window.latest.step > 0, timeout=WAIT)
    window.close()
    assert not window.controller.thread.isRunning()


def test_speed_slider_slows_training_down(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_Minus)  # the Slower key
    assert window.speed.value() == window.speed.maximum() - 1
    qtbot.keyClick(window, Qt.Key.Key_Plus)  # and Faster
    assert window.speed.value() == window.speed.maximum()
    window.speed.setValue(1)  # one step every 0.25 s
    assert window.speed_label.text() == "1 step / 0.25 s"
    window.play_action.trigger()
    qtbot.wait(1300)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: not window.running, timeout=5_000)
    assert 2 <= window.latest.step <= 8


def test_discretize_shows_only_the_two_class_colours(qtbot, window):
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    window.discretize.setChecked(True)
    colours = {tuple(p) for p in window.output.shown_image().reshape(-1, 4)}
    assert len(colours) <= 3  # orange, blue (and white exactly on the threshold)
    window.discretize.setChecked(False)
    assert len({tuple(p) for p in window.output.shown_image().reshape(-1, 4)}) > 10


def test_csv_import_with_a_bad_file_keeps_the_data(qtbot, window, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y,label\n1,2\n")
    before = window.model.document()
    assert not window.data_panel.import_csv(str(bad))
    assert window.banner.isVisible() and "bad.csv" in window.banner.text()
    assert window.model.document() == before
    good = tmp_path / "good.csv"
    rows = "\n".join(f"{x:.3f},{y:.3f},{int(x > y)}"
                     for x, y in np.random.default_rng(0).uniform(-1, 1, (60, 2)))
    good.write_text("x,y,label\n" + rows + "\n")
    assert window.data_panel.import_csv(str(good))
    qtbot.waitUntil(lambda: window.run_info.experiment.dataset["name"] == "csv", timeout=WAIT)
    assert total_points(window) == 60


def test_choosing_a_problem_and_a_feature_rebuilds_the_input(qtbot, window):
    items = [window.data_panel.problems.item(i) for i in range(window.data_panel.problems.count())]
    circle = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == "circle")
    rect = window.data_panel.problems.visualItemRect(circle)
    qtbot.mouseClick(window.data_panel.problems.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert window.model.get("dataset")["name"] == "circle"
    window.data_panel.feature_checks["x1_sq"].click()
    assert window.model.get("dataset")["features"] == ["x1", "x2", "x1_sq"]
    qtbot.waitUntil(lambda: window.run_info.input_shape == (3,), timeout=WAIT)
    assert window.diagram.neuron_item(0, 2) is not None
    noise = window.data_panel.setting_widgets["noise"]
    noise.setValue(0.2)
    noise.setValue(0.25)  # two edits of one setting: one undo step
    assert window.model.get("dataset")["noise"] == 0.25
    window.model.undo_stack.undo()
    assert "noise" not in window.model.get("dataset")


def test_the_window_is_not_blank_and_fits_at_both_sizes(qtbot, window):
    for size in ((1280, 800), (1920, 1080)):
        window.resize(*size)
        qtbot.wait(200)
        image = window.grab().toImage()
        assert (image.width(), image.height()) == size
        colours = {image.pixel(x, y) for x in range(0, size[0], 7) for y in range(0, size[1], 7)}
        assert len(colours) > 200
        assert window.output.width() >= 320 and window.diagram.width() >= 300



def test_curves_show_the_schedules_rate_and_mark_the_best_epoch(qtbot, settings):
    window = open_window(qtbot, settings, "xor")
    document = window.model.document()
    document["schedule"] = {"name": "exponential", "rate": 0.5, "decay_steps": 20}
    document["early_stopping"] = {"patience": 1, "min_delta": 10.0}  # stops after epoch 2
    window.model.replace(document, "Decay and early stopping")
    qtbot.waitUntil(lambda: window.run_info.experiment.early_stopping is not None,
                    timeout=WAIT)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.latest.stopped is not None and not window.running,
                    timeout=WAIT)
    assert "Early stopping" in window.banner.text()
    curves = window.curves
    qtbot.waitUntil(lambda: all(line.isVisible() for line in curves.best_lines),
                    timeout=10_000)  # the curves are drawn in an event of their own
    best_step = curves.best_lines[0].value()
    assert best_step == window.latest.epochs[0, 1]  # epoch 1's last step
    _x, rates = curves.rate.getData()
    assert rates[0] > rates[-1] > 0  # the schedule's decay, as the trainer used it


def test_data_that_does_not_fit_the_network_disables_training_and_says_why(qtbot, window):
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    window.model.set("dataset", {"name": "blobs", "classes": 3}, "Data: Blobs")
    qtbot.waitUntil(lambda: window.load_error is not None, timeout=WAIT)
    assert "3 classes" in window.banner.text() and window.banner_kind() == "problem"
    assert not window.play_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Space)  # nothing stale trains behind the message
    qtbot.wait(300)
    assert not window.running
    qtbot.wait(300)
    assert window.banner_kind() == "problem"
    window.model.undo_stack.undo()
    qtbot.waitUntil(lambda: window.load_error is None and window.play_action.isEnabled(),
                    timeout=WAIT)
    assert window.banner_kind() != "problem"


def test_a_build_that_arrives_after_a_newer_edit_is_ignored(qtbot, settings):
    window = open_window(qtbot, settings, "lenet")
    dataset = window.model.get("dataset")
    window.model.set("dataset", {**dataset, "name": "fashion_mnist"}, "Fashion")
    window.model.set("dataset", {**dataset, "name": "digits"}, "Digits 8×8")  # 8×8: impossible
    assert not window.play_action.isEnabled()
    qtbot.wait(1500)  # the Fashion-MNIST build arrives meanwhile
    assert window.problem() is not None and not window.play_action.isEnabled()
    assert window.banner_kind() == "problem"
    window.close()


def test_the_wheel_scrolls_the_data_panel_without_changing_settings(qtbot, window):
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent

    samples = window.data_panel.setting_widgets["samples"]
    before = window.model.document()
    center = QPointF(samples.rect().center())
    event = QWheelEvent(center, QPointF(samples.mapToGlobal(center.toPoint())), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(samples, event)
    assert window.model.document() == before
    samples.setFocus()
    QApplication.sendEvent(samples, event)  # once clicked into, the wheel does change it
    assert window.model.get("dataset").get("samples") == 1001


def test_the_epoch_button_can_be_paused_before_the_epoch_ends(qtbot, window):
    window.model.set("batch_size", 1, "Batch size")  # 700 steps to the epoch's end
    window.speed.setValue(3)  # slow motion is ignored by Epoch, which runs at full speed
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.running, timeout=WAIT)
    window.play_action.trigger()  # Pause
    qtbot.waitUntil(lambda: not window.running, timeout=WAIT)
    assert window.latest.epoch == 0 or window.latest.step == 700
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1 and not window.running, timeout=WAIT)
    assert window.latest.step == 700


def test_the_learning_rate_box_changes_the_running_trainer(qtbot, window):
    form = window.settings_panel.optimizer_form
    box = form.fields()["learning_rate"]
    window.play_action.trigger()
    qtbot.waitUntil(lambda: window.running and window.latest.step > 0, timeout=WAIT)
    box.setValue(0.002)
    qtbot.waitUntil(lambda: window.latest.learning_rate == pytest.approx(0.002),
                    timeout=WAIT)
    assert window.running and window.latest.step > 0  # live: no restart
    window.play_action.trigger()


def test_choosing_a_problem_with_more_classes_fits_the_output_layer(qtbot, window):
    items = [window.data_panel.problems.item(i) for i in range(window.data_panel.problems.count())]
    blobs = next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == "blobs")
    window.data_panel.problems.itemClicked.emit(blobs)
    last = window.model.get("layers")[-1]
    assert (last["units"], last["activation"]) == (3, "softmax")
    assert window.model.get("loss") == "softmax_crossentropy" or \
        window.model.get("loss")["name"] == "softmax_crossentropy"
    assert "3 softmax outputs" in window.model.undo_stack.undoText()
    qtbot.waitUntil(lambda: window.run_info.classes == 3 and window.load_error is None,
                    timeout=WAIT)
    window.model.undo_stack.undo()  # data and output layer come back together
    assert window.model.get("layers")[-1]["units"] == 1


def test_the_surface_fills_the_visible_plane_whatever_the_views_shape(qtbot, window):
    for size in ((1280, 800), (1920, 1080), (1000, 900)):
        window.resize(*size)
        qtbot.wait(200)
        window.step_action.trigger()
        qtbot.wait(300)
        visible = window.output.visible_bounds()
        shown = window.output.image.mapRectToParent(window.output.image.boundingRect())
        for got, want in ((shown.left(), visible.xmin), (shown.right(), visible.xmax),
                          (shown.top(), visible.ymin), (shown.bottom(), visible.ymax)):
            assert got == pytest.approx(want, abs=0.02 * (visible.xmax - visible.xmin))
