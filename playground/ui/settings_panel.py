"""The experiment's global settings: loss, optimizer, learning-rate schedule, batch size, epochs,
seed, the train/validation/test split, early stopping and input noise. Every control edits the
ExperimentModel; numbers being stepped or typed in merge into one undo step per control."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from playground.core import losses, optimizers, schedules
from playground.core.trainer import EarlyStopping
from playground.ui.config_form import ConfigForm, Range, float_spin, int_spin, label_text
from playground.ui.experiment_model import ExperimentModel

#: defaults for a document without early stopping, from the core
STOPPING_DEFAULTS = asdict(EarlyStopping())


def _set_quietly(widget: Any, value: Any) -> None:
    """Show a value without emitting (the model is the source, nothing must echo back)."""
    widget.blockSignals(True)
    if isinstance(widget, QCheckBox):
        widget.setChecked(bool(value))
    elif widget.value() != value:  # equal: leave the cursor where the user is typing
        widget.setValue(value)
    widget.blockSignals(False)


class SettingsPanel(QWidget):
    """Edits everything but the layers and the data set."""

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model

        self.loss_form = ConfigForm(losses.registry, chooser=True)
        self.batch_size = int_spin(Range(1, 1_000_000, 1))
        self.epochs = int_spin(Range(0, 10_000_000, 1))
        self.seed = int_spin(Range(0, 2**31 - 1, 1))
        self.input_noise = float_spin(Range(0.0, 10.0, 0.05))
        self.input_noise.setSpecialValueText("none")
        self.input_noise.setToolTip("Standard deviation of Gaussian noise added to each "
                                    "training batch's inputs (a denoising autoencoder)")
        training = QGroupBox("Training")
        form = QFormLayout(training)
        form.addRow("Loss", self.loss_form)
        form.addRow("Batch size", self.batch_size)
        form.addRow("Epochs", self.epochs)
        form.addRow("Seed", self.seed)
        form.addRow("Input noise", self.input_noise)

        self.optimizer_form = ConfigForm(optimizers.registry, chooser=True)
        optimizer_box = QGroupBox("Optimizer")
        QVBoxLayout(optimizer_box).addWidget(self.optimizer_form)
        self.schedule_form = ConfigForm(schedules.registry, chooser=True)
        self.schedule_form.setToolTip("How the learning rate changes as training goes on")
        schedule_box = QGroupBox("Learning-rate schedule")
        QVBoxLayout(schedule_box).addWidget(self.schedule_form)

        # train and validation are set, test is what is left: the three always add up to 100 %
        self.train_percent = self._percent_spin(1)
        self.validation_percent = self._percent_spin(0)
        self.test_label = QLabel()
        split_box = QGroupBox("Data split")
        split = QFormLayout(split_box)
        split.addRow("Training", self.train_percent)
        split.addRow("Validation", self.validation_percent)
        split.addRow("Test (the rest)", self.test_label)

        self.early_stopping = QCheckBox("Stop when the validation loss stops improving")
        self.early_stopping.setStyleSheet("QCheckBox { spacing: 6px; }")
        self.patience = int_spin(Range(1, 1_000_000, 1))
        self.patience.setSuffix(" epochs")
        self.min_delta = float_spin(Range(0.0, 1e6, log=True))
        self.restore_best = QCheckBox("Go back to the best weights")
        stopping_box = QGroupBox("Early stopping")
        stopping = QFormLayout(stopping_box)
        stopping.addRow(self.early_stopping)
        stopping.addRow(label_text("patience"), self.patience)
        stopping.addRow("Min. improvement", self.min_delta)
        stopping.addRow(self.restore_best)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(4, 4, 4, 4)
        for box in (training, optimizer_box, schedule_box, split_box, stopping_box):
            column.addWidget(box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(content)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self._connect()
        self._refresh()
        model.changed.connect(lambda _old, _new: self._refresh())

    @staticmethod
    def _percent_spin(low: int) -> QSpinBox:
        spin = int_spin(Range(low, 100, 5))
        spin.setSuffix(" %")
        spin.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToNearestValue)
        return spin

    # --- view -> model ------------------------------------------------------------------------
    def _connect(self) -> None:
        self.loss_form.config_changed.connect(
            lambda config, *_: self.model.set("loss", config, "Change loss"))
        self.optimizer_form.config_changed.connect(
            lambda config, field, continuous: self._set_object("optimizer", config, field,
                                                               continuous))
        self.schedule_form.config_changed.connect(
            lambda config, field, continuous: self._set_object("schedule", config, field,
                                                               continuous))
        for key, spin in (("batch_size", self.batch_size), ("epochs", self.epochs),
                          ("seed", self.seed), ("input_noise", self.input_noise)):
            spin.valueChanged.connect(
                lambda value, key=key: self.model.set(key, value,
                                                      f"Change {label_text(key).lower()}", key))
        self.train_percent.valueChanged.connect(lambda _: self._split_edited("train"))
        self.validation_percent.valueChanged.connect(lambda _: self._split_edited("validation"))
        self.early_stopping.toggled.connect(lambda _: self._stopping_edited(None))
        self.patience.valueChanged.connect(lambda _: self._stopping_edited("patience"))
        self.min_delta.valueChanged.connect(lambda _: self._stopping_edited("min_delta"))
        self.restore_best.toggled.connect(lambda _: self._stopping_edited(None))

    def _set_object(self, key: str, config: dict[str, Any], field: str,
                    continuous: bool) -> None:
        what = label_text(field.split(".")[-1]).lower() if field else config["name"]
        merge = f"{key}.{field}" if continuous else None
        self.model.set(key, config, f"Change {key} {what}".strip(), merge)

    def _split_edited(self, part: str) -> None:
        train = self.train_percent.value()
        validation = min(self.validation_percent.value(), 100 - train)
        test = 100 - train - validation
        split = {"train": train / 100, "validation": validation / 100, "test": test / 100}
        self.model.set("split", split, f"Change {part} split", f"split.{part}")

    def _stopping_edited(self, field: str | None) -> None:
        value = None
        if self.early_stopping.isChecked():
            value = {"patience": self.patience.value(), "min_delta": self.min_delta.value(),
                     "restore_best": self.restore_best.isChecked()}
        merge = f"early_stopping.{field}" if field else None
        self.model.set("early_stopping", value, "Change early stopping", merge)

    # --- model -> view ------------------------------------------------------------------------
    def _refresh(self) -> None:
        doc = self.model.document()
        self.loss_form.set_config(doc.get("loss"))
        self.optimizer_form.set_config(doc.get("optimizer"))
        self.schedule_form.set_config(doc.get("schedule") or {"name": "constant"})
        for key, spin in (("batch_size", self.batch_size), ("epochs", self.epochs),
                          ("seed", self.seed), ("input_noise", self.input_noise)):
            if doc.get(key) is not None:
                _set_quietly(spin, doc[key])
        split = doc.get("split") or {}
        train = round(100 * split.get("train", 0.0))
        validation = round(100 * split.get("validation", 0.0))
        _set_quietly(self.train_percent, train)
        self.validation_percent.blockSignals(True)
        self.validation_percent.setMaximum(100 - self.train_percent.value())
        self.validation_percent.blockSignals(False)
        _set_quietly(self.validation_percent, validation)
        test = 100 * split.get("test", 0.0)
        self.test_label.setText(f"{test:.0f} %")
        stopping = doc.get("early_stopping")
        _set_quietly(self.early_stopping, stopping is not None)
        values = {**STOPPING_DEFAULTS, **(stopping or {})}
        _set_quietly(self.patience, values["patience"])
        _set_quietly(self.min_delta, values["min_delta"])
        _set_quietly(self.restore_best, values["restore_best"])
        for widget in (self.patience, self.min_delta, self.restore_best):
            widget.setEnabled(stopping is not None)
