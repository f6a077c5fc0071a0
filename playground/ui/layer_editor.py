"""The layer-stack editor: a palette of layer types, the stack with live shapes and parameter
counts, and a property pane for the selected layer. Every edit goes through the ExperimentModel
(one undo step each); the view is rebuilt from the model after every change, so undo, redo and
edits from elsewhere all show the same way.

A layer is addressed by a path: (i,) for the i-th layer of the stack, (i, j) for the j-th layer
inside the residual block at i.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from playground.core import layers as layer_registry
from playground.core.errors import PlaygroundError
from playground.core.layers import Shape, shape_text
from playground.core.network import LayerSummary, describe_stack
from playground.ui.config_form import Combo, ConfigForm, display_name, fill_combo, label_text
from playground.ui.experiment_model import ExperimentModel

Path = tuple[int, ...]
BLOCK = "residual"  # the layer type that holds a sub-stack in its "layers"
EMPTY_STACK = "The network needs at least one layer: pick a type above and press Add."

ERROR_COLOR = QColor(200, 30, 30)
UNKNOWN_COLOR = QColor(150, 150, 150)
PATH_ROLE = Qt.ItemDataRole.UserRole
MESSAGE_ROLE = Qt.ItemDataRole.UserRole + 1


# --- what a row says ---------------------------------------------------------------------------
def _name_of(value: Any) -> str:
    return value if isinstance(value, str) else (value or {}).get("name", "none")


def _pair_text(value: Any) -> str:
    h, w = value if isinstance(value, list | tuple) else (value, value)
    return f"{h}×{w}"


def _penalty_text(value: Any) -> str:
    name = _name_of(value)
    if name == "none":
        return ""
    rates = [f"{v:g}" for k, v in (value if isinstance(value, dict) else {}).items()
             if k != "name"]
    return f"{name} {'/'.join(rates)}".strip()


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


#: the settings a row shows, in the config's order
_SHOWN: dict[str, Callable[[Any], str]] = {
    "units": lambda v: _count(v, "unit"),
    "filters": lambda v: _count(v, "filter"),
    "kernel_size": _pair_text,
    "size": _pair_text,
    "pieces": lambda v: _count(v, "piece"),
    "stride": lambda v: "" if v in (1, None) else f"stride {_pair_text(v)}",
    "padding": lambda v: "" if v == "valid" else f"pad {v}",
    "factor": lambda v: f"×{v}" if not isinstance(v, list) else f"×{_pair_text(v)}",
    "rate": lambda v: f"rate {v:g}",
    "shape": lambda v: "×".join(map(str, v)),
    "activation": lambda v: display_name(_name_of(v)),
    "penalty": _penalty_text,
    "layers": lambda v: f"{_count(len(v), 'layer')} inside",
}


def key_settings(config: dict[str, Any]) -> str:
    """The few settings that tell layers apart at a glance ("16 units, relu")."""
    parts = (_SHOWN[key](value) for key, value in config.items() if key in _SHOWN)
    return ", ".join(p for p in parts if p)


def title_of(config: dict[str, Any]) -> str:
    try:
        return layer_registry.registry.cls(config["name"]).title
    except (PlaygroundError, KeyError):
        return str(config.get("name", "?"))


# --- paths into the stack ----------------------------------------------------------------------
def container(layers: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """The list that holds the layer at path (the stack, or a block's "layers")."""
    return layers if len(path) == 1 else layers[path[0]].setdefault("layers", [])


def layer_at(layers: list[dict[str, Any]], path: Path) -> dict[str, Any]:
    return container(layers, path)[path[-1]]


def is_block(config: dict[str, Any] | None) -> bool:
    return bool(config) and config.get("name") == BLOCK


def block_details(config: dict[str, Any], index: int, input_shape: Shape,
                  source_label: str) -> list[LayerSummary]:
    """Shapes and parameter counts of the layers inside a residual block; the first layer that
    does not fit carries the error (the core names it after the block)."""
    try:
        block = layer_registry.get(config)
    except PlaygroundError:
        return []
    block.index = index
    block.source_label = source_label
    error = None
    try:
        block.param_specs(input_shape)  # plans the children: their shapes are set
    except PlaygroundError as exc:
        error = str(exc)
    out: list[LayerSummary] = []
    failed = False
    for child in block.children:
        if failed or not child.output_shape:
            out.append(LayerSummary(child.index, child.label, (), 0,
                                    None if failed else error))
            failed = True
            continue
        params = sum(s.size for s in child.param_specs(child.input_shape))
        out.append(LayerSummary(child.index, child.label, child.output_shape, params))
    return out


def _wrap(text: str, fits: Callable[[str], bool]) -> str:
    """Greedy word wrap, for the message rows (item views do not wrap spanned rows)."""
    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return "\n".join(lines)


# --- the view ----------------------------------------------------------------------------------
class StackView(QTreeWidget):
    """The rows of the stack. Keys and drops are handed to the editor, which edits the model;
    the view itself never moves an item."""

    def __init__(self, keys: dict[tuple[int, Qt.KeyboardModifier], Callable[[], None]],
                 dropped: Callable[[Path, str, Path | None], None],
                 resized: Callable[[], None]) -> None:
        super().__init__()
        self._keys = keys
        self._dropped = dropped
        self._resized = resized
        self.setColumnCount(3)
        self.setHeaderLabels(["Layer", "Output", "Params"])
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
            self.headerItem().setTextAlignment(column, Qt.AlignmentFlag.AlignRight)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setIndentation(18)
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        # DragDrop, not InternalMove: the drop is ours to interpret (and tests can send one)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setDropIndicatorShown(True)
        self.setStyleSheet("QTreeView::item { padding: 2px 0px; }")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        action = self._keys.get((event.key(), modifiers))
        if action is None:
            super().keyPressEvent(event)
            return
        event.accept()
        action()

    def dropEvent(self, event: Any) -> None:
        if event.source() not in (self, None):
            event.ignore()
            return
        current = self.currentItem()
        source = current.data(0, PATH_ROLE) if current is not None else None
        target = self.itemAt(event.position().toPoint())
        where = self.dropIndicatorPosition()
        position = QAbstractItemView.DropIndicatorPosition
        path = target.data(0, PATH_ROLE) if target is not None else None
        if target is None or where == position.OnViewport:
            spot = "end"
        elif path is None:
            spot = "top"  # the input row
        elif target.data(0, MESSAGE_ROLE):
            spot = "after"  # a message follows its layer (a block's: all of the block)
        else:
            spot = {position.AboveItem: "above", position.OnItem: "on"}.get(where, "below")
        # the model is edited instead: Qt must not move or delete any item itself
        event.setDropAction(Qt.DropAction.IgnoreAction)
        event.accept()
        self.stopAutoScroll()
        self.setState(QAbstractItemView.State.NoState)
        self.viewport().update()
        if source is not None:
            # after the drag has finished: the edit rebuilds every row, the dragged one too
            QTimer.singleShot(0, self, lambda: self._dropped(
                tuple(source), spot, tuple(path) if path is not None else None))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._resized()


class LayerStackEditor(QWidget):
    """Edits the document's "layers". problem_changed(str | None) follows problem()."""

    problem_changed = Signal(object)
    #: the selected layer's path, or None
    selection_changed = Signal(object)

    def __init__(self, model: ExperimentModel, input_shape: Shape | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._input_shape: Shape | None = tuple(input_shape) if input_shape else None
        self._summaries: list[LayerSummary] = []
        self._problem: str | None = None
        self._selected: Path | None = None
        self._announced: Path | None = None  # the selection selection_changed last told
        self._refreshing = False
        self._fetched: list[dict[str, Any]] = []

        self.undo_action: QAction = model.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action: QAction = model.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)

        self.palette_combo = Combo()
        fill_combo(self.palette_combo, layer_registry.registry,
                   lambda name: layer_registry.registry.cls(name).title)
        self.palette_combo.setToolTip("The type of layer that Add inserts")
        self.add_button = QPushButton("Add")
        self.add_button.setToolTip("Add this layer after the selected one (Insert)")
        self.add_inside_button = QPushButton("Add in block")
        self.add_inside_button.setToolTip("Add this layer inside the selected residual block")
        self.duplicate_button = QPushButton("Duplicate")
        self.duplicate_button.setToolTip("Copy the selected layer (Ctrl+D)")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected layer (Delete)")
        self.up_button = QPushButton("▲ Up")
        self.up_button.setToolTip("Move the selected layer up (Alt+Up)")
        self.down_button = QPushButton("▼ Down")
        self.down_button.setToolTip("Move the selected layer down (Alt+Down)")

        no_mod, alt = Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.AltModifier
        self.stack = StackView({
            (Qt.Key.Key_Delete, no_mod): self.remove_selected,
            (Qt.Key.Key_Backspace, no_mod): self.remove_selected,
            (Qt.Key.Key_Insert, no_mod): self.add_layer,
            (Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier): self.duplicate_selected,
            (Qt.Key.Key_Up, alt): lambda: self.move_selected(-1),
            (Qt.Key.Key_Down, alt): lambda: self.move_selected(1),
        }, self._dropped, self._rewrap)
        self.stack.itemSelectionChanged.connect(self._selection_made)

        self.form = ConfigForm(layer_registry.registry)
        self.form.config_changed.connect(self._form_edited)
        self.block_hint = QLabel("A residual block adds its input to the output of the layers "
                                 "inside it. Select the block, pick a layer type and press "
                                 "“Add in block”; drag layers in or out of it.")
        self.block_hint.setWordWrap(True)
        self.freeze_check = QCheckBox("Frozen: training leaves its weights unchanged")
        self.freeze_check.setToolTip("Transfer learning: keep loaded weights while the layers "
                                     "after it learn")
        self.freeze_check.toggled.connect(self._freeze_edited)
        self.settings_box = QGroupBox("Layer settings")
        box = QVBoxLayout(self.settings_box)
        box.addWidget(self.block_hint)
        box.addWidget(self.freeze_check)
        box.addWidget(self.form)
        box.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(self.settings_box)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        add_row = QHBoxLayout()
        add_row.addWidget(self.palette_combo, 1)
        add_row.addWidget(self.add_button)
        add_row.addWidget(self.add_inside_button)
        edit_row = QHBoxLayout()
        for button in (self.duplicate_button, self.remove_button, self.up_button,
                       self.down_button):
            edit_row.addWidget(button)
        column = QVBoxLayout(self)
        column.setContentsMargins(4, 4, 4, 4)
        column.addLayout(add_row)
        column.addWidget(self.stack, 3)
        column.addLayout(edit_row)
        column.addWidget(scroll, 2)

        self.add_button.clicked.connect(lambda: self.add_layer())
        self.add_inside_button.clicked.connect(lambda: self.add_layer(inside=True))
        self.duplicate_button.clicked.connect(self.duplicate_selected)
        self.remove_button.clicked.connect(self.remove_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.palette_combo.currentIndexChanged.connect(self._update_buttons)
        model.changed.connect(self._model_changed)
        layers = self.model.get("layers") or []
        self._selected = (0,) if layers else None
        self._refresh()

    # --- for the main window -----------------------------------------------------------------
    def set_input_shape(self, shape: Shape | None) -> None:
        """The data's input shape, e.g. (2,) or (1, 28, 28); None when no data is loaded."""
        shape = tuple(shape) if shape else None
        if shape != self._input_shape:
            self._input_shape = shape
            self._refresh()

    def input_shape(self) -> Shape | None:
        return self._input_shape

    def problem(self) -> str | None:
        """The stack's first error (the core's message), or None when it can be built."""
        return self._problem

    def summaries(self) -> list[LayerSummary]:
        """describe_stack's rows as shown (empty while no input shape is known)."""
        return list(self._summaries)

    def selected_path(self) -> Path | None:
        return self._selected

    def edit_actions(self) -> list[QAction]:
        """Undo and redo, for the main window's Edit menu (they carry the usual shortcuts)."""
        return [self.undo_action, self.redo_action]

    def item_for(self, path: Path) -> QTreeWidgetItem | None:
        """The row showing the layer at path."""
        for item in self._rows():
            if item.data(0, PATH_ROLE) == list(path) and not item.data(0, MESSAGE_ROLE):
                return item
        return None

    def select(self, path: Path | None) -> None:
        item = self.item_for(path) if path is not None else None
        if item is not None:
            self.stack.setCurrentItem(item)
            self.stack.scrollToItem(item)
        else:
            self.stack.clearSelection()

    # --- edits -------------------------------------------------------------------------------
    def add_layer(self, name: str | None = None, inside: bool = False) -> None:
        """Insert a layer with the registry's defaults after the selection (or at the end);
        inside: into the selected residual block (after the selected layer inside it)."""
        name = name or self.palette_combo.currentData()
        config = layer_registry.get(name).get_config()
        layers = self._layers()
        path = self._selected if self._selected is not None and self._exists(layers,
                                                                             self._selected) \
            else None
        if inside:
            if path is None or (is_block(config)):
                return
            if len(path) == 1 and not is_block(layers[path[0]]):
                return
            target = (path[0], len(container(layers, (path[0], 0)))) if len(path) == 1 \
                else (path[0], path[1] + 1)
        elif path is None:
            target = (len(layers),)
        elif len(path) == 2 and is_block(config):
            target = (path[0] + 1,)  # blocks do not nest: after the enclosing block
        else:
            target = (*path[:-1], path[-1] + 1)
        container(layers, target).insert(target[-1], config)
        self._commit(layers, f"Add {title_of(config)}", target)

    def remove_selected(self) -> None:
        layers, path = self._layers(), self._selected
        if path is None or not self._exists(layers, path):
            return
        siblings = container(layers, path)
        removed = siblings.pop(path[-1])
        # select the next layer (or the previous, or the block the last inner layer left)
        after = (*path[:-1], min(path[-1], len(siblings) - 1)) if siblings else path[:-1] or None
        self._commit(layers, f"Remove {self._label(path, removed)}", after)

    def duplicate_selected(self) -> None:
        layers, path = self._layers(), self._selected
        if path is None or not self._exists(layers, path):
            return
        config = layer_at(layers, path)
        target = (*path[:-1], path[-1] + 1)
        container(layers, path).insert(target[-1], copy.deepcopy(config))
        self._commit(layers, f"Duplicate {self._label(path, config)}", target)

    def move_selected(self, delta: int) -> None:
        """Move the selected layer up (-1) or down (+1) within its stack or block."""
        path = self._selected
        if path is None:
            return
        index = path[-1] + delta + (1 if delta > 0 else 0)
        if index < 0 or index > len(container(self._layers(), path)):
            return
        self.move_layer(path, (*path[:-1], index))

    def move_layer(self, source: Path, target: Path) -> None:
        """Move a layer so that it lands before the layer now at target ((i,) in the stack,
        (i, j) inside the block at i; j or i may be one past the end)."""
        layers = self._layers()
        if not self._exists(layers, source):
            return
        config = layer_at(layers, source)
        if len(target) == 2 and (is_block(config) or not is_block(layers[target[0]])):
            target = (target[0] + 1,)  # blocks do not nest
        if len(source) == 1 and len(target) == 2 and target[0] == source[0]:
            return
        container(layers, source).pop(source[-1])
        target = list(target)
        if source[:-1] == tuple(target[:-1]) and source[-1] < target[-1]:
            target[-1] -= 1  # the gap the layer left
        if len(source) == 1 and len(target) == 2 and source[0] < target[0]:
            target[0] -= 1
        container(layers, tuple(target)).insert(target[-1], config)
        self._commit(layers, f"Move {self._label(source, config)}", tuple(target))

    # --- model -> view ------------------------------------------------------------------------
    def _model_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old.get("layers") != new.get("layers"):
            self._refresh()
        elif old.get("frozen") != new.get("frozen"):
            self._show_selected()

    def _refresh(self) -> None:
        layers = self._layers()
        self._summaries = describe_stack(layers, self._input_shape) \
            if self._input_shape is not None else []
        problem = next((s.error for s in self._summaries if s.error), None)
        if not layers:
            problem = EMPTY_STACK
        self._refreshing = True
        try:
            self._fill(layers)
            if self._selected is not None and not self._exists(layers, self._selected):
                self._selected = self._clamp(layers, self._selected)
            self.select(self._selected)
            self._show_selected()
        finally:
            self._refreshing = False
        self._update_buttons()
        self._announce()
        if problem != self._problem:
            self._problem = problem
            self.problem_changed.emit(problem)

    def _fill(self, layers: list[dict[str, Any]]) -> None:
        scroll = self.stack.verticalScrollBar().value()
        self.stack.setUpdatesEnabled(False)
        self.stack.clear()
        shape = self._input_shape
        head = QTreeWidgetItem(self.stack, ["Input", shape_text(shape) if shape else "?", ""])
        head.setFlags(Qt.ItemFlag.ItemIsEnabled)
        head.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        font = head.font(0)
        font.setItalic(True)
        head.setFont(0, font)
        failed = False
        previous = "the input"
        for i, config in enumerate(layers):
            summary = self._summaries[i] if i < len(self._summaries) else None
            item = self._row(self.stack, (i,), config, summary, failed)
            if summary is not None and summary.error and not is_block(config):
                self._message(self.stack, (i,), summary.error)
            if is_block(config):
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDropEnabled)
                inner = block_details(config, i + 1, shape, previous) \
                    if shape is not None and not failed else []
                placed = False
                for j, child in enumerate(config.get("layers", [])):
                    detail = inner[j] if j < len(inner) else None
                    self._row(item, (i, j), child, detail, failed or placed)
                    if detail is not None and detail.error and not placed:
                        self._message(item, (i, j), detail.error)
                        placed = True
                if summary is not None and summary.error and not placed:
                    self._message(self.stack, (i,), summary.error)
                item.setExpanded(True)
            failed = failed or bool(summary and summary.error)
            if summary is not None:
                shape, previous = summary.output_shape, summary.label
        if not layers:
            self._message(self.stack, None, EMPTY_STACK)
        self._rewrap()
        self.stack.setUpdatesEnabled(True)
        self.stack.verticalScrollBar().setValue(scroll)

    def _row(self, parent: Any, path: Path, config: dict[str, Any],
             summary: LayerSummary | None, unknown: bool) -> QTreeWidgetItem:
        settings = key_settings(config)
        name = self._label(path, config)
        text = f"{name}\n{settings}" if settings else name
        if summary is None or unknown or summary.error:
            output, params = ("✗" if summary is not None and summary.error and not unknown
                              else "—"), ""
        else:
            output, params = shape_text(summary.output_shape), f"{summary.params:,}"
        item = QTreeWidgetItem(parent, [text, output, params])
        item.setData(0, PATH_ROLE, list(path))
        item.setToolTip(0, text.replace("\n", ": "))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                      | Qt.ItemFlag.ItemIsDragEnabled)
        for column in (1, 2):
            item.setTextAlignment(column, Qt.AlignmentFlag.AlignRight
                                  | Qt.AlignmentFlag.AlignVCenter)
        font = QFont(item.font(0))
        font.setBold(True)
        item.setFont(1, font)
        if summary is not None and summary.error and not unknown:
            for column in range(3):
                item.setForeground(column, QBrush(ERROR_COLOR))
        elif unknown or self._input_shape is None:
            for column in range(3):
                item.setForeground(column, QBrush(UNKNOWN_COLOR))
        return item

    def _message(self, parent: Any, path: Path | None, text: str) -> None:
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, PATH_ROLE, list(path) if path is not None else None)
        item.setData(0, MESSAGE_ROLE, text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setForeground(0, QBrush(ERROR_COLOR))
        item.setToolTip(0, text)
        item.setFirstColumnSpanned(True)

    def _rewrap(self) -> None:
        metrics = self.stack.fontMetrics()
        for item in self._rows():
            text = item.data(0, MESSAGE_ROLE)
            if not text:
                continue
            depth = 1 if item.parent() is not None else 0
            width = self.stack.viewport().width() - 12 - depth * self.stack.indentation()
            wrapped = _wrap("⚠ " + text, lambda line, w=width: metrics.horizontalAdvance(line)
                            <= w)
            if item.text(0) != wrapped:
                item.setText(0, wrapped)

    def _rows(self) -> list[QTreeWidgetItem]:
        out = []
        for i in range(self.stack.topLevelItemCount()):
            top = self.stack.topLevelItem(i)
            out.append(top)
            out.extend(top.child(j) for j in range(top.childCount()))
        return out

    def _show_selected(self) -> None:
        layers = self._layers()
        path = self._selected
        config = layer_at(layers, path) if path is not None and self._exists(layers, path) \
            else None
        self.settings_box.setEnabled(config is not None)
        if config is None:
            self.settings_box.setTitle("Layer settings (select a layer)")
            self.block_hint.setVisible(False)
            self.form.setVisible(False)
            return
        self.settings_box.setTitle(f"{self._full_label(layers, path)} settings")
        self.block_hint.setVisible(is_block(config))
        top = len(path) == 1
        self.freeze_check.setVisible(top)
        self.freeze_check.blockSignals(True)
        self.freeze_check.setChecked(top and path[0] + 1 in (self.model.get("frozen") or []))
        self.freeze_check.blockSignals(False)
        self.form.setVisible(True)
        self.form.set_config(config)

    def _update_buttons(self) -> None:
        layers = self._layers()
        path = self._selected if self._selected is not None and self._exists(
            layers, self._selected) else None
        chosen_block = self.palette_combo.currentData() == BLOCK
        in_block = path is not None and (len(path) == 2 or is_block(layers[path[0]]))
        self.add_inside_button.setEnabled(in_block and not chosen_block)
        for button in (self.duplicate_button, self.remove_button):
            button.setEnabled(path is not None)
        self.up_button.setEnabled(path is not None and path[-1] > 0)
        self.down_button.setEnabled(path is not None
                                    and path[-1] < len(container(layers, path)) - 1)

    # --- view -> model ------------------------------------------------------------------------
    def _selection_made(self) -> None:
        if self._refreshing:
            return
        items = self.stack.selectedItems()
        path = items[0].data(0, PATH_ROLE) if items else None
        self._selected = tuple(path) if path is not None else None
        self._show_selected()
        self._update_buttons()
        self._announce()

    def _form_edited(self, config: dict[str, Any], field: str, continuous: bool) -> None:
        layers, path = self._layers(), self._selected
        if path is None or not self._exists(layers, path):
            return
        old = layer_at(layers, path)
        if is_block(old):
            config = {**config, "layers": old.get("layers", [])}  # the rows own those
        container(layers, path)[path[-1]] = config
        what = label_text(field.split(".")[0]).lower() if field else "type"
        merge = f"layers.{'.'.join(map(str, path))}.{field}" if continuous else None
        self._commit(layers, f"Change {self._full_label(self._layers(), path)} {what}", path,
                     merge)

    def _dropped(self, source: Path, spot: str, path: Path | None) -> None:
        """A row dropped "above", "on" or "below" the row at path, "after" the layer at path
        (on its message), at the "top" (on the input row) or at the "end" (below every row)."""
        layers = self._layers()
        if spot == "end" or path is None or not self._exists(layers, path):
            target: Path = (0,) if spot == "top" else (len(layers),)
        elif spot == "above":
            target = path
        elif spot != "after" and is_block(layer_at(layers, path)) and (
                spot == "on" or layer_at(layers, path).get("layers")):
            # on the block: at its end; just below its row: before its first layer
            inner = layer_at(layers, path).get("layers", [])
            target = (path[0], len(inner) if spot == "on" else 0)
        else:
            target = (*path[:-1], path[-1] + 1)
        self.move_layer(source, target)

    def _commit(self, layers: list[dict[str, Any]], text: str, select: Path | None,
                merge_key: str | None = None) -> None:
        self._selected = select  # the refresh that follows the edit selects it
        frozen = self._frozen_after(layers)
        if frozen == (self.model.get("frozen") or []):
            self.model.set("layers", layers, text, merge_key)
        else:  # frozen layers moved or went: the numbers follow them, in the same undo step
            document = self.model.document()
            document["layers"], document["frozen"] = layers, frozen
            self.model.replace(document, text, merge_key)
        self._announce()

    def _frozen_after(self, layers: list[dict[str, Any]]) -> list[int]:
        """The frozen layer numbers after an edit: each follows its layer (the editing methods
        keep the layers' dicts, so identity tells where each went); an edit in place keeps
        the numbers; a removed layer's number goes."""
        before = self._fetched
        moved = {i: j for i, old in enumerate(before)
                 for j, new in enumerate(layers) if new is old}
        if not moved and len(before) == len(layers):
            moved = {i: i for i in range(len(layers))}
        return sorted(moved[i - 1] + 1 for i in (self.model.get("frozen") or [])
                      if i - 1 in moved)

    def _freeze_edited(self, frozen: bool) -> None:
        path = self._selected
        if path is None or len(path) != 1:
            return
        numbers = set(self.model.get("frozen") or [])
        if frozen:
            numbers.add(path[0] + 1)
        else:
            numbers.discard(path[0] + 1)
        label = self._full_label(self._layers(), path)
        self.model.set("frozen", sorted(numbers), f"{'Freeze' if frozen else 'Unfreeze'} {label}")

    def _announce(self) -> None:
        if self._selected != self._announced:
            self._announced = self._selected
            self.selection_changed.emit(self._selected)

    # --- helpers ------------------------------------------------------------------------------
    def _layers(self) -> list[dict[str, Any]]:
        layers = self.model.get("layers") or []
        self._fetched = list(layers)  # the dicts an edit starts from (see _frozen_after)
        return layers

    @staticmethod
    def _exists(layers: list[dict[str, Any]], path: Path) -> bool:
        if not 0 <= path[0] < len(layers):
            return False
        return len(path) == 1 or 0 <= path[1] < len(layers[path[0]].get("layers", []))

    @staticmethod
    def _clamp(layers: list[dict[str, Any]], path: Path) -> Path | None:
        if not layers:
            return None
        top = min(path[0], len(layers) - 1)
        inner = layers[top].get("layers", []) if len(path) == 2 else []
        if len(path) == 2 and inner and top == path[0]:
            return (top, min(path[1], len(inner) - 1))
        return (top,)

    @staticmethod
    def _label(path: Path, config: dict[str, Any]) -> str:
        return f"{title_of(config)} #{path[-1] + 1}"

    @classmethod
    def _full_label(cls, layers: list[dict[str, Any]], path: Path) -> str:
        """As the core names it: "Dense #2", or "Residual #3 › Dense #1" inside a block."""
        names = [cls._label(path[:k], layer_at(layers, path[:k])) for k in range(1, len(path) + 1)]
        return " › ".join(names)
