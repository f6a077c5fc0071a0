import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from playground.core import layers as layer_registry
from playground.core.experiment import load_preset, preset_names
from playground.core.layers import shape_text
from playground.core.network import describe_stack
from playground.data.catalog import list_datasets
from playground.ui.experiment_model import ExperimentModel
from playground.ui.layer_editor import (
    ERROR_COLOR,
    UNKNOWN_COLOR,
    LayerStackEditor,
    key_settings,
)

SHAPES = {d["name"]: tuple(d["input_shape"]) for d in list_datasets()}


def input_shape(preset):
    return SHAPES[load_preset(preset).dataset["name"]]


def spec(name, **settings):
    """A layer config as the document holds it (normalized by the core)."""
    return layer_registry.get({"name": name, **settings}).get_config()


@pytest.fixture
def make(qtbot):
    def make(preset):
        model = ExperimentModel(load_preset(preset))
        editor = LayerStackEditor(model, input_shape(preset))
        qtbot.addWidget(editor)
        editor.resize(350, 800)
        editor.show()
        qtbot.waitExposed(editor)
        return model, editor
    return make


def click_row(qtbot, editor, path):
    rect = editor.stack.visualItemRect(editor.item_for(path))
    qtbot.mouseClick(editor.stack.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert editor.selected_path() == path


def click(qtbot, button):
    assert button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def choose(combo, name):
    index = combo.findData(name)
    assert index >= 0
    combo.setCurrentIndex(index)


def type_into(qtbot, spin, text):
    spin.setFocus()
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin.lineEdit(), Qt.Key.Key_Return)


def drag(editor, source, target, where):
    """What a mouse drag delivers: enter, move and drop on the row at target (a path, or an
    item), or below every row (target None)."""
    stack = editor.stack
    stack.setCurrentItem(editor.item_for(source))
    if target is None:
        pos = QPoint(20, stack.viewport().height() - 5)
    else:
        item = editor.item_for(target) if isinstance(target, tuple) else target
        rect = stack.visualItemRect(item)
        y = {"above": rect.top() + 1, "below": rect.bottom() - 1,
             "on": rect.center().y()}[where]
        pos = QPoint(rect.center().x(), y)
    mime = stack.mimeData([stack.currentItem()])
    move, left, none = (Qt.DropAction.MoveAction, Qt.MouseButton.LeftButton,
                        Qt.KeyboardModifier.NoModifier)
    viewport = stack.viewport()
    QApplication.sendEvent(viewport, QDragEnterEvent(pos, move, mime, left, none))
    QApplication.sendEvent(viewport, QDragMoveEvent(pos, move, mime, left, none))
    QApplication.sendEvent(viewport, QDropEvent(QPointF(pos), move, mime, left, none))
    QApplication.processEvents()  # the editor takes the drop once the drag is over


def row_text(editor, path):
    return editor.item_for(path).text(0)


def test_building_a_network_by_clicking_and_undoing_it_step_by_step(qtbot, make):
    model, editor = make("spiral")
    d16, out = spec("dense", units=16, activation="relu"), spec("dense", units=1,
                                                               activation="sigmoid")
    states = [model.get("layers")]
    assert states[0] == [d16, d16, out]

    def step(expected):
        assert model.get("layers") == expected
        states.append(expected)

    click_row(qtbot, editor, (0,))
    choose(editor.palette_combo, "dense")
    click(qtbot, editor.add_button)
    new = spec("dense")
    step([d16, new, d16, out])
    assert editor.selected_path() == (1,)
    assert editor.settings_box.title() == "Dense #2 settings"

    type_into(qtbot, editor.form.fields()["units"], "4")
    new = spec("dense", units=4)
    step([d16, new, d16, out])
    choose(editor.form.fields()["activation"].chooser, "relu")
    new = spec("dense", units=4, activation="relu")
    step([d16, new, d16, out])
    assert row_text(editor, (1,)) == "Dense #2\n4 units, relu"

    click(qtbot, editor.up_button)
    step([new, d16, d16, out])
    assert editor.selected_path() == (0,)
    assert not editor.up_button.isEnabled()

    drag(editor, (0,), (2,), "below")
    step([d16, d16, new, out])
    assert editor.selected_path() == (2,)

    click_row(qtbot, editor, (1,))
    qtbot.keyClick(editor.stack, Qt.Key.Key_Delete)
    step([d16, new, out])
    assert editor.selected_path() == (1,)  # the layer that followed

    click(qtbot, editor.duplicate_button)
    step([d16, new, new, out])
    assert editor.selected_path() == (2,)
    type_into(qtbot, editor.form.fields()["units"], "6")
    six = spec("dense", units=6, activation="relu")
    step([d16, new, six, out])

    editor.stack.setFocus()
    qtbot.keyClick(editor.stack, Qt.Key.Key_Up, Qt.KeyboardModifier.AltModifier)
    step([d16, six, new, out])
    assert [row_text(editor, (i,)).split("\n")[0] for i in range(4)] == [
        "Dense #1", "Dense #2", "Dense #3", "Dense #4"]
    assert model.undo_stack.count() == len(states) - 1  # one undo step per edit

    for expected in reversed(states[:-1]):
        editor.undo_action.trigger()
        assert model.get("layers") == expected
    assert not model.undo_stack.canUndo()
    for expected in states[1:]:
        editor.redo_action.trigger()
        assert model.get("layers") == expected
    assert model.undo_stack.count() == len(states) - 1  # refreshing pushed nothing


def test_stepping_a_number_is_one_undo_step_and_undo_refreshes_the_pane(qtbot, make):
    model, editor = make("spiral")
    click_row(qtbot, editor, (1,))
    units = editor.form.fields()["units"]
    units.setFocus()
    for _ in range(3):
        qtbot.keyClick(units, Qt.Key.Key_Up)
    assert model.get("layers")[1]["units"] == 19
    assert model.undo_stack.count() == 1
    assert editor.item_for((1,)).text(2) == f"{16 * 19 + 19:,}"
    model.undo_stack.undo()
    assert units.value() == 16
    assert editor.selected_path() == (1,)
    assert model.undo_stack.count() == 1 and model.undo_stack.canRedo()
    assert "Change Dense #2 units" in editor.redo_action.text()


def test_an_impossible_kernel_shows_the_core_message_on_its_row(qtbot, make):
    model, editor = make("lenet")
    shape = input_shape("lenet")
    assert editor.problem() is None
    click_row(qtbot, editor, (2,))
    height = editor.form.fields()["kernel_size"].spins[0]
    with qtbot.waitSignal(editor.problem_changed) as signal:
        type_into(qtbot, height, "15")
    expected = describe_stack(model.get("layers"), shape)[2].error
    assert "15×15 kernel does not fit the 14×14 input" in expected
    assert signal.args == [expected]
    assert editor.problem() == expected
    row = editor.item_for((2,))
    assert row.foreground(0).color() == ERROR_COLOR
    assert row.text(1) == "✗"
    message = editor.stack.topLevelItem(editor.stack.indexOfTopLevelItem(row) + 1)
    assert message.text(0).replace("\n", " ") == "⚠ " + expected
    assert message.foreground(0).color() == ERROR_COLOR
    for later in range(3, 8):  # the rest are unknown, greyed
        assert editor.item_for((later,)).text(1) == "—"
        assert editor.item_for((later,)).foreground(0).color() == UNKNOWN_COLOR

    with qtbot.waitSignal(editor.problem_changed) as signal:
        type_into(qtbot, height, "5")
    assert signal.args == [None]
    assert editor.problem() is None
    assert all("⚠" not in editor.stack.topLevelItem(i).text(0)
               for i in range(editor.stack.topLevelItemCount()))


def test_a_dense_layer_on_an_image_names_the_missing_flatten(qtbot, make):
    model, editor = make("lenet")
    click_row(qtbot, editor, (4,))  # Flatten #5
    qtbot.keyClick(editor.stack, Qt.Key.Key_Delete)
    problem = editor.problem()
    assert problem == describe_stack(model.get("layers"), input_shape("lenet"))[4].error
    assert problem.startswith("Dense #5") and "Flatten" in problem
    assert editor.item_for((4,)).text(1) == "✗"
    editor.undo_action.trigger()
    assert editor.problem() is None
    assert row_text(editor, (4,)) == "Flatten #5"


def test_an_empty_stack_is_a_problem(qtbot, make):
    _, editor = make("xor")
    while editor.selected_path() is not None:
        click(qtbot, editor.remove_button)
    assert "at least one layer" in editor.problem()
    assert not editor.remove_button.isEnabled()
    click(qtbot, editor.add_button)
    assert editor.problem() is None


@pytest.mark.parametrize("preset", preset_names())
def test_rows_show_the_shapes_and_parameter_counts_of_describe_stack(make, preset):
    model, editor = make(preset)
    summaries = describe_stack(model.get("layers"), input_shape(preset))
    assert editor.summaries() == summaries
    for i, summary in enumerate(summaries):
        row = editor.item_for((i,))
        assert row.text(0).split("\n")[0] == summary.label
        assert row.text(1) == shape_text(summary.output_shape)
        assert row.text(2) == f"{summary.params:,}"


def test_the_input_shape_comes_from_the_main_window(make):
    model, editor = make("spiral")
    editor.set_input_shape((3,))
    assert editor.item_for((0,)).text(2) == f"{3 * 16 + 16:,}"
    assert editor.stack.topLevelItem(0).text(1) == "3"
    editor.set_input_shape((1, 8, 8))
    assert editor.problem() == describe_stack(model.get("layers"), (1, 8, 8))[0].error
    editor.set_input_shape(None)
    assert editor.problem() is None
    assert editor.stack.topLevelItem(0).text(1) == "?"


def test_residual_blocks_hold_layers_that_are_edited_like_any_other(qtbot, make):
    model, editor = make("lenet")
    click_row(qtbot, editor, (4,))  # Flatten #5
    choose(editor.palette_combo, "residual")
    assert not editor.add_inside_button.isEnabled()  # blocks do not nest
    click(qtbot, editor.add_button)
    assert editor.selected_path() == (5,)
    choose(editor.palette_combo, "dense")
    click(qtbot, editor.add_inside_button)
    assert editor.selected_path() == (5, 0)
    assert model.get("layers")[5] == spec("residual", layers=[spec("dense")])
    block, inner = editor.item_for((5,)), editor.item_for((5, 0))
    assert inner.parent() is block
    assert inner.text(1) == "8" and inner.text(2) == f"{400 * 8 + 8:,}"
    summary = describe_stack(model.get("layers"), input_shape("lenet"))[5]
    assert block.text(1) == "8" and block.text(2) == f"{summary.params:,}"

    assert editor.settings_box.title() == "Residual #6 › Dense #1 settings"
    type_into(qtbot, editor.form.fields()["units"], "20")
    assert model.get("layers")[5]["layers"] == [spec("dense", units=20)]
    click(qtbot, editor.duplicate_button)
    assert model.get("layers")[5]["layers"] == [spec("dense", units=20)] * 2

    # a conv layer inside the block fails; the message sits under that inner row
    choose(editor.palette_combo, "conv2d")
    click(qtbot, editor.add_inside_button)
    assert editor.selected_path() == (5, 2)
    assert editor.problem().startswith("Residual #6 › Conv2D #3: needs an image input")
    assert editor.item_for((5, 2)).text(1) == "✗"
    message = editor.item_for((5,)).child(3)  # rows are rebuilt after every edit
    assert message.text(0).replace("\n", " ") == "⚠ " + editor.problem()
    qtbot.keyClick(editor.stack, Qt.Key.Key_Delete)
    assert editor.problem() is None

    drag(editor, (5, 1), (6,), "above")  # out of the block
    assert model.get("layers")[5]["layers"] == [spec("dense", units=20)]
    assert model.get("layers")[6] == spec("dense", units=20)
    assert editor.selected_path() == (6,)
    drag(editor, (7,), (5,), "on")  # Dense #8 (120 units) into the block, at its end
    assert model.get("layers")[5]["layers"] == [spec("dense", units=20),
                                                spec("dense", units=120, activation="relu",
                                                     weight_init="he_uniform")]
    model.undo_stack.undo()
    model.undo_stack.undo()
    assert model.get("layers")[5]["layers"] == [spec("dense", units=20)] * 2


def test_the_delete_key_in_a_settings_field_does_not_remove_the_layer(qtbot, make):
    model, editor = make("spiral")
    click_row(qtbot, editor, (0,))
    units = editor.form.fields()["units"]
    units.setFocus()
    qtbot.keyClick(units.lineEdit(), Qt.Key.Key_Delete)
    assert len(model.get("layers")) == 3


def test_drops_on_the_input_row_below_all_rows_and_on_a_message(make):
    model, editor = make("spiral")
    d16, out = model.get("layers")[0], model.get("layers")[2]
    drag(editor, (2,), editor.stack.topLevelItem(0), "on")  # the input row: to the top
    assert model.get("layers") == [out, d16, d16]
    drag(editor, (0,), None, None)  # the empty space below the rows: to the end
    assert model.get("layers") == [d16, d16, out]
    assert editor.selected_path() == (2,)
    model.set("layers", [spec("conv2d"), d16, out], "an impossible first layer")
    message = editor.stack.topLevelItem(2)
    assert "⚠" in message.text(0)
    drag(editor, (2,), message, "on")  # right after the layer the message is about
    assert model.get("layers") == [spec("conv2d"), out, d16]


def test_rows_name_the_settings_that_tell_layers_apart():
    assert key_settings(spec("dense", units=1, activation="sigmoid")) == "1 unit, sigmoid"
    assert key_settings(spec("conv2d", filters=6, kernel_size=5, padding=2)) == \
        "6 filters, 5×5, pad 2, relu"
    assert key_settings(spec("maxpool2d", size=[2, 3], stride=1)) == "2×3"
    assert key_settings(spec("dense", penalty={"name": "l2", "rate": 0.01})) == \
        "8 units, tanh, l2 0.01"
    assert key_settings(spec("residual", layers=[spec("dense")])) == "1 layer inside"


def test_freezing_a_layer_writes_the_document_and_follows_the_layer(qtbot):
    from playground.core.experiment import load_preset
    from playground.ui.experiment_model import ExperimentModel
    from playground.ui.layer_editor import LayerStackEditor

    model = ExperimentModel(load_preset("lenet"))
    editor = LayerStackEditor(model, (1, 28, 28))
    qtbot.addWidget(editor)
    editor.show()
    editor.select((0,))
    editor.freeze_check.click()
    assert model.get("frozen") == [1]
    assert model.experiment().frozen == [1]
    editor.select((3,))
    editor.move_selected(-1)  # a layer after it moves: layer 1 stays frozen
    assert model.get("frozen") == [1]
    editor.select((0,))
    editor.move_selected(1)  # the frozen layer itself moves down one
    assert model.get("frozen") == [2]
    editor.select((1,))
    assert editor.freeze_check.isChecked()
    editor.select((0,))
    editor.remove_selected()  # the layer before it goes: it is now number 1
    assert model.get("frozen") == [1]
    editor.select((0,))
    editor.remove_selected()  # the frozen layer goes
    assert model.get("frozen") == []
    model.undo_stack.undo()
    assert model.get("frozen") == [1]
    editor.select((0,))
    editor.form.fields()["filters"].setValue(8)  # an edit in place keeps it frozen
    assert model.get("frozen") == [1] and model.get("layers")[0]["filters"] == 8
