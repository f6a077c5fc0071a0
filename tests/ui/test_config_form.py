import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from playground.core import (
    activations,
    initializers,
    layers,
    losses,
    optimizers,
    penalties,
    schedules,
)
from playground.ui.config_form import ConfigForm, NumberSpin

REGISTRIES = [layers.registry, activations.registry, initializers.registry, penalties.registry,
              optimizers.registry, schedules.registry, losses.registry]
ENTRIES = [(reg, name) for reg in REGISTRIES for name in reg.names()]


@pytest.fixture
def shown(qtbot):
    def show(form):
        qtbot.addWidget(form)
        form.show()
        qtbot.waitExposed(form)
        emitted = []
        form.config_changed.connect(lambda *args: emitted.append(args))
        return emitted
    return show


def type_into(qtbot, spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


@pytest.mark.parametrize(("registry", "name"), ENTRIES,
                         ids=[f"{r.family}-{n}" for r, n in ENTRIES])
def test_defaults_round_trip_through_the_form(qtbot, registry, name):
    form = ConfigForm(registry, name)
    qtbot.addWidget(form)
    expected = registry.get(name).get_config()
    assert form.config() == expected
    # and the form's own output is what the core reads back unchanged
    assert registry.get(form.config()).get_config() == form.config()


@pytest.mark.parametrize("config", [
    {"name": "conv2d", "filters": 4, "kernel_size": [3, 5], "stride": 2, "padding": "same",
     "activation": {"name": "leaky_relu", "alpha": 0.2}, "weight_init": {"name": "he_normal"},
     "bias_init": {"name": "constant", "value": 0.5}, "penalty": {"name": "l2", "rate": 1e-4},
     "max_norm": 3.0, "use_bias": False},
    {"name": "conv2d_transpose", "filters": 2, "kernel_size": 3, "stride": 2, "padding": 1,
     "output_padding": 1, "activation": {"name": "sigmoid"},
     "weight_init": {"name": "glorot_uniform"}, "bias_init": {"name": "zeros"},
     "penalty": {"name": "none"}, "max_norm": 0.0, "use_bias": True},
    {"name": "maxpool2d", "size": 3, "stride": 1},
    {"name": "reshape", "shape": [4, 7, 7]},
    {"name": "residual", "layers": [{"name": "dense", "units": 3}]},
])
def test_set_config_shows_any_config_without_emitting(shown, config):
    form = ConfigForm(layers.registry)
    emitted = shown(form)
    form.set_config(config)
    assert form.name == config["name"]
    assert form.config() == config
    assert emitted == []


def test_set_config_accepts_names_and_none(qtbot):
    form = ConfigForm(penalties.registry, chooser=True)
    qtbot.addWidget(form)
    form.set_config({"name": "l1", "rate": 0.5})
    form.set_config(None)  # a layer without a penalty
    assert form.config() == {"name": "none"}
    form.set_config("l2")
    assert form.config() == {"name": "l2", "rate": 0.001}


def test_typing_a_number_emits_once_with_the_field(qtbot, shown):
    form = ConfigForm(layers.registry, "dense")
    emitted = shown(form)
    type_into(qtbot, form.fields()["units"], "16")
    assert len(emitted) == 1
    config, field, continuous = emitted[0]
    assert (config["units"], field, continuous) == (16, "units", True)
    assert form.config()["units"] == 16


def test_choosing_a_nested_entry_shows_its_settings_and_emits(qtbot, shown):
    form = ConfigForm(layers.registry, "dense")
    emitted = shown(form)
    activation = form.fields()["activation"]
    activation.chooser.setCurrentIndex(activation.chooser.findData("leaky_relu"))
    assert emitted[-1][0]["activation"] == {"name": "leaky_relu", "alpha": 0.01}
    assert emitted[-1][1:] == ("activation", False)
    alpha = activation.fields()["alpha"]
    qtbot.waitUntil(alpha.isVisible)
    type_into(qtbot, alpha, "0.2")
    assert emitted[-1][0]["activation"] == {"name": "leaky_relu", "alpha": 0.2}
    assert emitted[-1][1:] == ("activation.alpha", True)
    activation.chooser.setCurrentIndex(activation.chooser.findData("tanh"))
    assert not any(w.isVisible() for w in activation.fields().values())
    assert form.config()["activation"] == {"name": "tanh"}


def test_advanced_settings_open_and_a_check_box_emits(qtbot, shown):
    form = ConfigForm(layers.registry, "dense")
    emitted = shown(form)
    use_bias = form.fields()["use_bias"]
    assert not use_bias.isVisible()
    qtbot.mouseClick(form.more, Qt.MouseButton.LeftButton)
    assert use_bias.isVisible()
    qtbot.mouseClick(use_bias, Qt.MouseButton.LeftButton)
    assert emitted[-1][0]["use_bias"] is False
    assert emitted[-1][1:] == ("use_bias", False)


def test_learning_rate_takes_small_numbers_and_steps_one_two_five(qtbot, shown):
    form = ConfigForm(optimizers.registry, "sgd")
    emitted = shown(form)
    lr = form.fields()["learning_rate"]
    assert isinstance(lr, NumberSpin)
    type_into(qtbot, lr, "1e-4")
    assert form.config()["learning_rate"] == pytest.approx(1e-4)
    assert lr.text() == "0.0001"
    for expected in (2e-4, 5e-4, 1e-3):
        qtbot.keyClick(lr, Qt.Key.Key_Up)
        assert emitted[-1][0]["learning_rate"] == pytest.approx(expected)
    qtbot.keyClick(lr, Qt.Key.Key_Down)
    assert form.config()["learning_rate"] == pytest.approx(5e-4)


def test_padding_is_valid_same_or_pixels(qtbot, shown):
    form = ConfigForm(layers.registry, "conv2d")
    emitted = shown(form)
    padding = form.fields()["padding"]
    assert not padding.spin.isVisible()
    padding.combo.setCurrentIndex(padding.combo.findData("same"))
    assert emitted[-1][0]["padding"] == "same"
    padding.combo.setCurrentIndex(padding.combo.count() - 1)  # "pixels:"
    qtbot.waitUntil(padding.spin.isVisible)
    type_into(qtbot, padding.spin, "2")
    assert emitted[-1][0]["padding"] == 2
    assert layers.registry.get(form.config()).get_config()["padding"] == 2


def test_a_square_kernel_stays_square_until_one_side_changes(qtbot, shown):
    form = ConfigForm(layers.registry, "conv2d")
    emitted = shown(form)
    height, width = form.fields()["kernel_size"].spins
    type_into(qtbot, height, "5")
    assert emitted[-1][0]["kernel_size"] == 5
    assert width.value() == 5
    type_into(qtbot, width, "3")
    assert emitted[-1][0]["kernel_size"] == [5, 3]


def test_pool_stride_auto_means_none(qtbot, shown):
    form = ConfigForm(layers.registry, "maxpool2d")
    emitted = shown(form)
    height, _ = form.fields()["stride"].spins
    assert height.text() == "auto"
    qtbot.keyClick(height, Qt.Key.Key_Up)
    assert emitted[-1][0]["stride"] == 1
    qtbot.keyClick(height, Qt.Key.Key_Down)
    assert emitted[-1][0]["stride"] is None


def test_reshape_shape_is_typed_as_a_product(qtbot, shown):
    form = ConfigForm(layers.registry, "reshape")
    emitted = shown(form)
    edit = form.fields()["shape"]
    assert edit.text() == "1×28×28"
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "4x7x7")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert emitted[-1][0]["shape"] == [4, 7, 7]
    assert edit.text() == "4×7×7"
    edit.selectAll()
    qtbot.keyClicks(edit, "nonsense")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert edit.text() == "4×7×7" and len(emitted) == 1


def test_switching_the_entry_starts_from_its_defaults(qtbot, shown):
    form = ConfigForm(schedules.registry, chooser=True)
    emitted = shown(form)
    form.chooser.setCurrentIndex(form.chooser.findData("cosine"))
    assert emitted[-1] == (schedules.registry.get("cosine").get_config(), "", False)
    assert set(form.fields()) == {"decay_steps", "final_fraction"}


def wheel(widget, steps):
    center = QPointF(widget.rect().center())
    event = QWheelEvent(center, QPointF(widget.mapToGlobal(widget.rect().center())),
                        QPoint(0, 0), QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_the_wheel_changes_a_setting_only_after_it_was_clicked(qtbot, shown):
    form = ConfigForm(layers.registry, "dense")
    emitted = shown(form)
    units = form.fields()["units"]
    activation = form.fields()["activation"].chooser
    wheel(units, 1)
    wheel(activation, 1)
    assert form.config() == layers.registry.get("dense").get_config()
    assert emitted == []
    form.activateWindow()
    units.setFocus()
    qtbot.waitUntil(units.hasFocus)
    wheel(units, 1)
    assert form.config()["units"] == 9
