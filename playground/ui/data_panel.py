"""The data panel for 2-D problems: every generator with a thumbnail and its settings, the input
features (D3), the preprocessing (D1), the brush for the user's own points (D6) and CSV import.
Every control edits the document through the ExperimentModel (one undo step each)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core.errors import PlaygroundError
from playground.core.experiment import fit_output
from playground.data import csv_import, features, painting, points, preprocessing, toy2d
from playground.ui import palette
from playground.ui.config_form import Combo, FloatSpin, IntSpin, show_value
from playground.ui.experiment_model import ExperimentModel
from playground.ui.output_view import ERASE, INSPECT, PAINT

OWN_POINTS = points.SPEC_NAME
EMPTY_POINTS = {"name": OWN_POINTS, "task": "classification", "classes": 2, "points": []}


def thumbnail(xy: np.ndarray, colors: list[tuple[int, int, int]], size: int = 60) -> QPixmap:
    """Points drawn as dots on a white square (the generator's picture)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(255, 255, 255))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    half = max(1.2, float(np.abs(xy).max()) * 1.05) if len(xy) else 1.2
    for (x, y), rgb in zip(xy, colors, strict=True):
        painter.setBrush(QColor(*rgb))
        px = (x / half + 1) * 0.5 * size
        py = (1 - (y / half + 1) * 0.5) * size
        painter.drawEllipse(int(px) - 2, int(py) - 2, 4, 4)
    painter.setPen(QColor(170, 170, 170))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.drawRect(0, 0, size - 1, size - 1)
    painter.end()
    return pixmap


def generator_thumbnail(name: str) -> QPixmap:
    data = toy2d.make_dataset(name, samples=160)
    if data.classification:
        colors = [palette.class_color(int(c)) for c in data.labels]
    else:
        v = np.asarray(data.values).reshape(-1)
        rgba = palette.diverging_rgba(v, float(np.abs(v).max()) or 1.0)
        colors = [tuple(int(c) for c in px[:3]) for px in rgba]
    return thumbnail(data.X, colors)


class DataPanel(QWidget):
    """Choose and shape the 2-D data; the brush tools drive the output view's canvas."""

    tool_changed = Signal(str, int)  # tool (inspect, paint, erase), class to paint
    message = Signal(str)  # a problem the user should see (a CSV file that cannot be read)

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._refreshing = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)

        self.problems = QListWidget()
        self.problems.setViewMode(QListWidget.ViewMode.IconMode)
        self.problems.setIconSize(QSize(60, 60))
        self.problems.setGridSize(QSize(96, 92))
        self.problems.setMovement(QListWidget.Movement.Static)
        self.problems.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.problems.setWordWrap(True)
        self.problems.setFixedHeight(300)
        for name, gen in toy2d.GENERATORS.items():
            item = QListWidgetItem(QIcon(generator_thumbnail(name)), gen.title)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(gen.description or gen.title)
            self.problems.addItem(item)
        own = QListWidgetItem(QIcon(thumbnail(np.zeros((0, 2)), [])), "My points")
        own.setData(Qt.ItemDataRole.UserRole, OWN_POINTS)
        own.setToolTip("Your own points: paint them on the output view")
        self.problems.addItem(own)
        self.problems.itemClicked.connect(self._choose_problem)
        layout.addWidget(_heading("Problem"))
        layout.addWidget(self.problems)

        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        layout.addWidget(self.source_label)
        self.settings_box = QGroupBox("Settings")
        self.settings_form = QFormLayout(self.settings_box)
        self.setting_widgets: dict[str, QWidget] = {}
        self._settings_for: str | None = None
        layout.addWidget(self.settings_box)

        self.features_box = QGroupBox("Input features")
        grid = QGridLayout(self.features_box)
        self.feature_checks: dict[str, QCheckBox] = {}
        for i, feature in enumerate(features.FEATURES):
            check = QCheckBox(feature.label)
            check.toggled.connect(self._features_edited)
            self.feature_checks[feature.name] = check
            grid.addWidget(check, i // 3, i % 3)
        layout.addWidget(self.features_box)

        row = QHBoxLayout()
        row.addWidget(QLabel("Preprocessing"))
        self.preprocessing = Combo()
        for key, label in preprocessing.METHODS.items():
            self.preprocessing.addItem(label, key)
        self.preprocessing.currentIndexChanged.connect(self._preprocessing_edited)
        row.addWidget(self.preprocessing, 1)
        layout.addLayout(row)

        layout.addWidget(self._brush_box())
        self.import_button = QPushButton("Import CSV…")
        self.import_button.setToolTip("Two numeric columns and a class or value column")
        self.import_button.clicked.connect(self._import_csv)
        layout.addWidget(self.import_button)
        layout.addStretch(1)
        model.changed.connect(lambda _old, _new: self.refresh())
        self.refresh()

    # --- brush -----------------------------------------------------------------------------------
    def _brush_box(self) -> QGroupBox:
        box = QGroupBox("Paint points on the output")
        column = QVBoxLayout(box)
        tools = QHBoxLayout()
        self.tool_group = QButtonGroup(self)
        self.tool_buttons: dict[str, QToolButton] = {}
        for tool, text, tip in ((INSPECT, "Look", "Look only: the mouse does not change data"),
                                (PAINT, "Paint", "Click or drag to add points of the class"),
                                (ERASE, "Erase", "Drag to delete points")):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.tool_group.addButton(button)
            self.tool_buttons[tool] = button
            tools.addWidget(button)
        self.tool_buttons[INSPECT].setChecked(True)
        self.tool_group.buttonToggled.connect(self._tool_edited)
        tools.addStretch(1)
        column.addLayout(tools)
        classes_row = QHBoxLayout()
        classes_row.addWidget(QLabel("Class"))
        self.class_group = QButtonGroup(self)
        self.class_buttons: list[QToolButton] = []
        for c in range(points.MAX_CLASSES):
            button = QToolButton()
            button.setCheckable(True)
            button.setText(str(c))
            button.setFixedSize(26, 26)
            color = palette.hex_color(palette.class_color(c))
            button.setStyleSheet(f"QToolButton {{ background: {color}; color: white; "
                                 "font-weight: bold; border: 2px solid #bbb; }"
                                 "QToolButton:checked { border: 3px solid black; }")
            self.class_group.addButton(button, c)
            self.class_buttons.append(button)
            classes_row.addWidget(button)
        self.class_buttons[0].setChecked(True)
        self.class_group.idToggled.connect(lambda _id, on: on and self._tool_edited())
        classes_row.addStretch(1)
        column.addLayout(classes_row)
        count_row = QHBoxLayout()
        count_row.addWidget(QLabel("Classes"))
        self.class_count = IntSpin()
        self.class_count.setRange(points.MIN_CLASSES, points.MAX_CLASSES)
        self.class_count.valueChanged.connect(self._class_count_edited)
        count_row.addWidget(self.class_count)
        count_row.addStretch(1)
        self.clear_button = QPushButton("Clear all points")
        self.clear_button.clicked.connect(self._clear_points)
        count_row.addWidget(self.clear_button)
        column.addLayout(count_row)
        return box

    def current_tool(self) -> tuple[str, int]:
        tool = next(t for t, b in self.tool_buttons.items() if b.isChecked())
        return tool, max(0, self.class_group.checkedId())

    def _tool_edited(self, *_args: Any) -> None:
        if self._refreshing:
            return
        self.tool_changed.emit(*self.current_tool())

    def apply_stroke(self, xy: np.ndarray, cls: int) -> None:
        """Points painted on the output view become part of the data (one undo step)."""
        self._edit_points(lambda spec: painting.paint(spec, xy, cls),
                          f"Paint {len(xy)} point{'s' * (len(xy) != 1)}")

    def apply_erase(self, centres: np.ndarray, radius: float) -> None:
        self._edit_points(lambda spec: painting.erase(spec, centres, radius), "Erase points")

    def _class_count_edited(self, value: int) -> None:
        if not self._refreshing:
            self._edit_points(lambda spec: painting.set_classes(spec, value),
                              f"{value} classes")

    def set_dataset(self, spec: dict[str, Any], text: str,
                    merge_key: str | None = None) -> None:
        """A new dataset object as one undo step; when its class count (or being a regression)
        no longer fits the output layer, the output layer and loss follow in the same step."""
        document = self.model.document()
        document["dataset"] = spec
        classes = dataset_classes(spec)
        fitted = fit_output(document, classes) if classes is not None else None
        if fitted is not None:
            document, what = fitted
            text = f"{text} ({what})"
        self.model.replace(document, text, merge_key)

    def _clear_points(self) -> None:
        kept = {k: v for k, v in self.model.get("dataset").items()
                if k in ("features", "preprocessing")}
        self.model.set("dataset", {**EMPTY_POINTS, **kept}, "Clear all points")

    def _edit_points(self, change: Any, text: str) -> None:
        try:
            spec = change(self.model.get("dataset"))
        except PlaygroundError as exc:
            self.message.emit(str(exc))
            self.refresh()
            return
        self.set_dataset(spec, text)

    # --- problem and settings --------------------------------------------------------------------
    def _choose_problem(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        current = self.model.get("dataset")
        if current.get("name") == name:
            return
        kept = {k: v for k, v in current.items() if k in ("features", "preprocessing")}
        spec = dict(EMPTY_POINTS) if name == OWN_POINTS else {"name": name}
        title = "My points" if name == OWN_POINTS else toy2d.GENERATORS[name].title
        self.set_dataset({**spec, **kept}, f"Data: {title}")
        if name == OWN_POINTS:
            self.tool_buttons[PAINT].setChecked(True)

    def _setting_edited(self, key: str, value: Any) -> None:
        if self._refreshing:
            return
        spec = self.model.get("dataset")
        spec[key] = value
        self.set_dataset(spec, f"Data: {key}", merge_key=f"dataset.{key}")

    def _features_edited(self) -> None:
        if self._refreshing:
            return
        chosen = [name for name, check in self.feature_checks.items() if check.isChecked()]
        spec = self.model.get("dataset")
        if chosen == ["x1", "x2"]:
            spec.pop("features", None)  # the raw inputs: the default
        else:
            spec["features"] = chosen
        if not chosen:
            self.message.emit("Choose at least one input feature.")
            self.refresh()
            return
        self.model.set("dataset", spec, "Input features")

    def _preprocessing_edited(self) -> None:
        if self._refreshing:
            return
        spec = self.model.get("dataset")
        spec["preprocessing"] = self.preprocessing.currentData()
        self.model.set("dataset", spec, "Preprocessing")

    def _import_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import points from a CSV file", "",
                                              "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.import_csv(path)

    def import_csv(self, path: str) -> bool:
        """Use a CSV file as the data; a file that cannot be read changes nothing."""
        try:
            data = csv_import.load_csv(path)
        except (PlaygroundError, OSError) as exc:
            self.message.emit(f"Could not import {Path(path).name}: {exc}")
            return False
        if data.X.ndim != 2 or data.X.shape[1] != 2:
            self.message.emit(f"Could not import {Path(path).name}: it has {data.X.shape[1]} "
                              "input columns; the 2-D view needs exactly 2 (x, y)")
            return False
        kept = {k: v for k, v in self.model.get("dataset").items() if k == "preprocessing"}
        self.model.set("dataset", {"name": csv_import.SPEC_NAME, "path": str(path), **kept},
                       f"Import {Path(path).name}")
        return True

    # --- showing the document --------------------------------------------------------------------
    def refresh(self) -> None:
        self._refreshing = True
        try:
            self._refresh()
        finally:
            self._refreshing = False

    def _refresh(self) -> None:
        spec = self.model.get("dataset")
        name = spec.get("name")
        for i in range(self.problems.count()):
            item = self.problems.item(i)
            item.setSelected(item.data(Qt.ItemDataRole.UserRole) == name)
        is_2d = name in toy2d.GENERATORS or name in (OWN_POINTS, csv_import.SPEC_NAME)
        self.features_box.setEnabled(is_2d)
        chosen = set(features.normalize(spec["features"])) if spec.get("features") else \
            {"x1", "x2"}
        for fname, check in self.feature_checks.items():
            check.setChecked(fname in chosen)
        index = self.preprocessing.findData(spec.get("preprocessing", "none") or "none")
        self.preprocessing.setCurrentIndex(max(index, 0))
        self._fill_settings(spec)
        if name == OWN_POINTS:
            rows = spec.get("points", [])
            self.source_label.setText(f"Your points: {len(rows)}. Paint them on the output "
                                      "view.")
        elif name == csv_import.SPEC_NAME:
            self.source_label.setText(f"From {Path(spec.get('path', '')).name}")
        elif name in toy2d.GENERATORS:
            self.source_label.setText(toy2d.GENERATORS[name].description)
        else:
            self.source_label.setText(f"Dataset: {name}")
        classification = not (name in toy2d.GENERATORS and toy2d.kind(name) == "regression") \
            and spec.get("task", "classification") == "classification"
        classes = self._classes(spec)
        self.class_count.setValue(classes)
        self.class_count.setEnabled(name == OWN_POINTS or name in toy2d.GENERATORS)
        for c, button in enumerate(self.class_buttons):
            button.setVisible(c < classes)
        if self.class_group.checkedId() >= classes:
            self.class_buttons[0].setChecked(True)
        self.tool_buttons[PAINT].setEnabled(is_2d and classification)
        self.tool_buttons[ERASE].setEnabled(is_2d)
        self.clear_button.setEnabled(is_2d)

    def _classes(self, spec: dict[str, Any]) -> int:
        name = spec.get("name")
        if name == OWN_POINTS:
            return int(spec.get("classes", 2))
        if name in toy2d.GENERATORS and toy2d.kind(name) == "classification":
            params = {k: v for k, v in spec.items() if k in ("classes",)}
            return toy2d.class_count(name, **params)
        return 2

    def _fill_settings(self, spec: dict[str, Any]) -> None:
        name = spec.get("name")
        if name == self._settings_for:  # the same generator: show the values, keep the focus
            for info in toy2d.parameters(name) if name in toy2d.GENERATORS else []:
                show_value(self.setting_widgets[info.name], spec.get(info.name, info.default))
            return
        self._settings_for = name
        while self.settings_form.rowCount():
            self.settings_form.removeRow(0)
        self.setting_widgets = {}
        if name not in toy2d.GENERATORS:
            self.settings_box.setVisible(False)
            return
        self.settings_box.setVisible(True)
        for info in toy2d.parameters(name):
            value = spec.get(info.name, info.default)
            widget: QWidget
            if info.kind == "int":
                widget = IntSpin()
                widget.setKeyboardTracking(False)  # typing 500 must not build 5 and 50 first
                widget.setRange(int(info.low), int(min(info.high, 2**31 - 1)))
                widget.setValue(int(value))
                widget.valueChanged.connect(lambda v, k=info.name: self._setting_edited(k, v))
            elif info.kind == "float":
                widget = FloatSpin()
                widget.setKeyboardTracking(False)
                widget.setRange(float(info.low), float(info.high))
                widget.setDecimals(2)
                widget.setSingleStep(0.05)
                widget.setValue(float(value))
                widget.valueChanged.connect(lambda v, k=info.name: self._setting_edited(k, v))
            elif info.kind == "bool":
                widget = QCheckBox()
                widget.setChecked(bool(value))
                widget.toggled.connect(lambda v, k=info.name: self._setting_edited(k, v))
            else:
                widget = Combo()
                widget.addItems(list(info.choices))
                widget.setCurrentText(str(value))
                widget.currentTextChanged.connect(
                    lambda v, k=info.name: self._setting_edited(k, v))
            widget.setToolTip(info.help)
            widget.setObjectName(f"data.{info.name}")
            self.setting_widgets[info.name] = widget
            self.settings_form.addRow(info.label, widget)


def dataset_classes(spec: dict[str, Any]) -> int | None:
    """Classes of a 2-D dataset object without loading it (0: regression); None if unknown."""
    name = spec.get("name")
    if name == OWN_POINTS:
        return 0 if spec.get("task") == "regression" else int(spec.get("classes", 2))
    if name in toy2d.GENERATORS:
        if toy2d.kind(name) == "regression":
            return 0
        return toy2d.class_count(name, **{k: v for k, v in spec.items() if k == "classes"})
    return None


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold;")
    return label
