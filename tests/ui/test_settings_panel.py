import pytest
from PySide6.QtCore import Qt

from playground.core import optimizers, schedules
from playground.core.experiment import Experiment, load_preset
from playground.ui.experiment_model import ExperimentModel
from playground.ui.settings_panel import SettingsPanel


@pytest.fixture
def make(qtbot):
    def make(preset="lenet"):
        model = ExperimentModel(load_preset(preset))
        panel = SettingsPanel(model)
        qtbot.addWidget(panel)
        panel.resize(350, 900)
        panel.show()
        qtbot.waitExposed(panel)
        return model, panel
    return make


def type_into(qtbot, spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def choose(combo, name):
    index = combo.findData(name)
    assert index >= 0
    combo.setCurrentIndex(index)


def test_choosing_adam_shows_its_betas(qtbot, make):
    model, panel = make("lenet")
    form = panel.optimizer_form
    assert form.fields()["momentum"].isVisible()
    choose(form.chooser, "adam")
    assert model.get("optimizer") == optimizers.registry.get("adam").get_config()
    fields = form.fields()
    qtbot.waitUntil(lambda: fields["beta1"].isVisible() and fields["beta2"].isVisible())
    assert "momentum" not in fields
    assert fields["beta2"].text() == "0.999"
    assert model.undo_stack.count() == 1


def test_learning_rate_edits_merge_into_one_undo_step(qtbot, make):
    model, panel = make("lenet")  # momentum, learning rate 0.05
    lr = panel.optimizer_form.fields()["learning_rate"]
    lr.setFocus()
    for expected in (0.1, 0.2, 0.5):
        qtbot.keyClick(lr, Qt.Key.Key_Up)
        assert model.get("optimizer")["learning_rate"] == pytest.approx(expected)
    type_into(qtbot, lr, "3e-3")
    assert model.get("optimizer")["learning_rate"] == pytest.approx(0.003)
    assert model.undo_stack.count() == 1
    model.undo_stack.undo()
    assert model.get("optimizer")["learning_rate"] == 0.05
    assert lr.text() == "0.05"  # the panel follows the model
    assert model.undo_stack.count() == 1  # and echoed nothing back


def test_split_controls_always_add_up_to_one(qtbot, make):
    model, panel = make("spiral")  # 70 / 20 / 10

    def split():
        parts = model.get("split")
        assert sum(parts.values()) == pytest.approx(1.0)
        return {k: round(100 * v) for k, v in parts.items()}

    type_into(qtbot, panel.train_percent, "90")
    assert split() == {"train": 90, "validation": 10, "test": 0}
    assert panel.validation_percent.value() == 10
    assert panel.test_label.text() == "0 %"
    type_into(qtbot, panel.validation_percent, "5")
    assert split() == {"train": 90, "validation": 5, "test": 5}
    assert panel.test_label.text() == "5 %"
    type_into(qtbot, panel.validation_percent, "50")  # more than is left: refused
    assert split() == {"train": 90, "validation": 5, "test": 5}
    for _ in range(3):  # stepping up stops at what is left
        qtbot.keyClick(panel.validation_percent, Qt.Key.Key_Up)
    assert split() == {"train": 90, "validation": 10, "test": 0}
    type_into(qtbot, panel.train_percent, "60")
    assert split() == {"train": 60, "validation": 10, "test": 30}
    assert panel.test_label.text() == "30 %"
    Experiment.from_dict(model.document())  # the core takes it


def test_every_control_changes_the_model(qtbot, make):
    model, panel = make("spiral")
    choose(panel.loss_form.chooser, "mse")
    assert model.get("loss") == {"name": "mse"}

    choose(panel.schedule_form.chooser, "step")
    assert model.get("schedule") == schedules.registry.get("step").get_config()
    type_into(qtbot, panel.schedule_form.fields()["every"], "500")
    assert model.get("schedule")["every"] == 500

    for spin, key, text, value in ((panel.batch_size, "batch_size", "32", 32),
                                   (panel.epochs, "epochs", "7", 7),
                                   (panel.seed, "seed", "42", 42),
                                   (panel.input_noise, "input_noise", "0.25", 0.25)):
        type_into(qtbot, spin, text)
        assert model.get(key) == value

    assert model.get("early_stopping") is None
    assert not panel.patience.isEnabled()
    qtbot.mouseClick(panel.early_stopping, Qt.MouseButton.LeftButton)
    assert model.get("early_stopping") == {"patience": 10, "min_delta": 0.0,
                                           "restore_best": True}
    assert panel.patience.isEnabled()
    type_into(qtbot, panel.patience, "4")
    type_into(qtbot, panel.min_delta, "0.001")
    qtbot.mouseClick(panel.restore_best, Qt.MouseButton.LeftButton)
    assert model.get("early_stopping") == {"patience": 4, "min_delta": 0.001,
                                           "restore_best": False}
    Experiment.from_dict(model.document())
    qtbot.mouseClick(panel.early_stopping, Qt.MouseButton.LeftButton)
    assert model.get("early_stopping") is None


def test_undo_and_edits_from_elsewhere_show_in_the_panel(qtbot, make):
    model, panel = make("spiral")
    type_into(qtbot, panel.batch_size, "64")
    model.undo_stack.undo()
    assert panel.batch_size.value() == 10
    model.set("early_stopping", {"patience": 3, "min_delta": 0.5, "restore_best": False}, "x")
    assert panel.early_stopping.isChecked() and panel.patience.value() == 3
    assert panel.min_delta.value() == 0.5 and not panel.restore_best.isChecked()
    model.set("optimizer", {"name": "rmsprop", "learning_rate": 0.002}, "x")
    assert panel.optimizer_form.name == "rmsprop"
    assert panel.optimizer_form.fields()["learning_rate"].value() == 0.002
    assert model.undo_stack.count() == 2  # the two sets (the undone edit is gone): no echoes
