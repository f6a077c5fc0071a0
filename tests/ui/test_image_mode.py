"""Image mode in the main window (#6), driven as a user would."""

import json

import numpy as np
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from playground.core.experiment import load_preset
from playground.core.network import Network
from tests.ui.helpers import WAIT, open_window


def test_lenet_trains_above_95_percent_test_accuracy_in_the_window(qtbot, settings):
    window = open_window(qtbot, settings, "lenet")
    assert window.images and window.images_mode.isChecked()
    mode = window.image_mode
    mode.tabs.setCurrentWidget(mode.confusion)  # the view that scores the test set
    window.play_action.trigger()
    scores = []
    window.controller.evaluated.connect(lambda ev: scores.append(ev.metrics["accuracy"]))
    qtbot.waitUntil(lambda: bool(scores) and scores[-1] > 0.95, timeout=WAIT)
    window.play_action.trigger()
    qtbot.waitUntil(lambda: not window.running, timeout=10_000)
    # the confusion matrix shown is the one the worker computed, on the 2,000 test images
    shown = np.asarray(mode.confusion.confusion)
    assert shown.sum() == 2000 and np.trace(shown) / 2000 > 0.95
    window.close()


def test_feature_maps_show_every_channel_of_every_layer_for_the_chosen_image(qtbot, settings):
    window = open_window(qtbot, settings, "lenet")
    mode = window.image_mode
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.latest.step == 1, timeout=WAIT)
    network = Network(window.run_info.layer_configs, window.run_info.input_shape)
    sections = mode.feature_maps.sections
    qtbot.waitUntil(lambda: len(mode.feature_maps.sections) == len(network.layers) + 1,
                    timeout=10_000)
    titles = mode.feature_maps.section_titles()
    assert titles[0] == "Input · 1×28×28"
    for layer, title, section in zip(network.layers, titles[1:], sections[1:], strict=True):
        shape = "×".join(map(str, layer.output_shape))
        assert title.startswith(layer.label) and title.endswith(shape)
        if len(layer.output_shape) == 3:  # one map per channel, of the layer's size
            grid = section.body
            assert grid.count() == layer.output_shape[0]
            assert grid.image(0).height() == layer.output_shape[1]
    # choosing another test image on the predictions grid shows its maps
    before = sections[1].body.pixels().copy()
    mode.predictions.image_chosen.emit(5)
    assert "Test image 6" in mode.feature_caption.text()
    assert not np.array_equal(sections[1].body.pixels(), before)
    window.close()


def drag(widget, points, qtbot):
    """Press, moves with the left button held, release: a pen stroke."""
    start = points[0]
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=start)
    for p in points[1:]:
        qtbot.wait(25)
        event = QMouseEvent(QEvent.Type.MouseMove, QPointF(p), QPointF(widget.mapToGlobal(p)),
                            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
        QApplication.sendEvent(widget, event)
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=points[-1])


def test_a_stroke_on_the_canvas_gives_an_input_and_a_prediction(qtbot, settings):
    window = open_window(qtbot, settings, "lenet")
    mode = window.image_mode
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    mode.tabs.setCurrentIndex(mode.tabs.count() - 1)  # Draw
    area = mode.canvas.area
    rect = area.square()
    points = [QPoint(int(rect.center().x()), int(rect.top() + rect.height() * t))
              for t in np.linspace(0.15, 0.85, 12)]
    drag(area, points, qtbot)
    drawn = mode.canvas.network_input()
    assert drawn.shape == (1, 28, 28) and drawn.max() > 0.5
    qtbot.waitUntil(lambda: mode.feature_caption.text().endswith("Your drawing"),
                    timeout=10_000)
    answer = mode.draw_answer.text()
    assert answer and answer.split()[0] in [str(k) for k in range(10)] and "%" in answer
    window.close()


def test_first_dense_layer_weights_are_images_of_the_input_shape(qtbot, settings):
    window = open_window(qtbot, settings, "digits_mlp")
    mode = window.image_mode
    mode.tabs.setCurrentWidget(mode.weights)
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.latest.step == 1, timeout=WAIT)
    grid = mode.weights.grid
    qtbot.waitUntil(lambda: grid.count() == 32, timeout=10_000)  # one image per unit
    assert {(grid.image(i).height(), grid.image(i).width()) for i in range(32)} == {(8, 8)}
    window.close()


def test_saved_weights_load_into_a_new_stack_and_a_frozen_layer_stays(qtbot, settings,
                                                                     tmp_path):
    window = open_window(qtbot, settings, "lenet")
    window.step_action.trigger()
    window.step_action.trigger()
    qtbot.waitUntil(lambda: window.latest.step == 2, timeout=WAIT)
    path = tmp_path / "lenet.npz"
    assert window.save_weights_to(path)
    # fine-tuning on another dataset (clothes, not digits) with a new stack: the same first
    # layers, a different head
    document = window.model.document()
    document["dataset"] = {**document["dataset"], "name": "fashion_mnist"}
    document["layers"][-2]["units"] = 50
    window.model.replace(document, "Fashion-MNIST with a new head")
    qtbot.waitUntil(lambda: window.run_info.layer_configs[-2]["units"] == 50
                    and window.run_info.experiment.dataset["name"] == "fashion_mnist",
                    timeout=WAIT)
    notices = []
    window.controller.notice.connect(notices.append)
    window.controller.load_weights_requested.emit(str(path))
    qtbot.waitUntil(lambda: bool(notices), timeout=WAIT)
    assert notices[0].startswith("Loaded") and "layers 1, 3, 6" in notices[0]
    with np.load(path) as saved:
        first = saved["1.conv2d.weight"]
    window.layer_editor.select((0,))
    window.layer_editor.freeze_check.click()  # freeze Conv2D #1
    assert window.model.get("frozen") == [1]
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    network = window.trained_network()
    assert np.array_equal(network.layers[0].params["weight"], first)
    assert not np.array_equal(network.layers[2].params["weight"],
                              np.load(path)["3.conv2d.weight"])
    window.close()


def test_the_points_images_switch_opens_a_matching_preset_and_undo_returns(qtbot, settings):
    window = open_window(qtbot, settings, "spiral")
    assert window.points_mode.isChecked() and not window.images
    window.images_mode.click()
    assert window.model.get("dataset")["name"] == load_preset("lenet").dataset["name"]
    qtbot.waitUntil(lambda: window.images, timeout=WAIT)
    assert window.data_pages.currentWidget() is window.image_data_panel
    window.model.undo_stack.undo()
    qtbot.waitUntil(lambda: not window.images, timeout=WAIT)
    assert window.model.get("dataset")["name"] == "spiral"
    window.close()


def test_an_idx_import_opens_and_trains_though_its_shape_is_known_only_once_read(
        qtbot, settings, tmp_path):
    from playground.data.idx import write_idx

    rng = np.random.default_rng(0)
    images = (rng.random((120, 12, 12)) * 255).astype(np.uint8)
    labels = (np.arange(120) % 3).astype(np.uint8)
    write_idx(tmp_path / "img.idx", images)
    write_idx(tmp_path / "lab.idx", labels)
    doc = load_preset("digits_mlp").to_dict()
    doc["dataset"] = {"name": "idx", "train_images": str(tmp_path / "img.idx"),
                      "train_labels": str(tmp_path / "lab.idx")}
    doc["layers"][-1]["units"] = 3
    path = tmp_path / "idx.json"
    path.write_text(json.dumps(doc))
    window = open_window(qtbot, settings, str(path))
    assert window.problem() is None and window.play_action.isEnabled()
    assert window.run_info.input_shape == (1, 12, 12) and window.images
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    window.close()


def test_an_autoencoder_shows_originals_next_to_reconstructions(qtbot, settings):
    window = open_window(qtbot, settings, "conv_autoencoder")
    mode = window.image_mode
    assert mode.tabs.tabText(0) == "Reconstructions" and not mode.tabs.isTabEnabled(1)
    steps = []
    window.controller.evaluated.connect(lambda ev: steps.append(ev.step))
    window.epoch_action.trigger()
    qtbot.waitUntil(lambda: window.latest.epoch == 1, timeout=WAIT)
    qtbot.waitUntil(lambda: bool(steps) and steps[-1] == window.latest.step, timeout=WAIT)
    grid = mode.reconstructions
    assert grid.count() == 48
    assert grid.captions(0) == ["original"] and grid.captions(1) == ["rebuilt"]
    pixels = grid.pixels().astype(float)
    # after an epoch the rebuilt digit resembles its original (grey levels correlate)
    corr = np.corrcoef(pixels[0, ..., 0].ravel(), pixels[1, ..., 0].ravel())[0, 1]
    assert corr > 0.5
    window.close()
