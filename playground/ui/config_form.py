"""A form for one configurable object (a layer, an optimizer, an activation, ...), built from its
registry entry's constructor parameters, so a new entry in the core gets an editor for free.

The few facts the constructors cannot tell (which settings are themselves registry objects,
sensible ranges and steps, labels) live in the small tables below; their bounds follow the
core's `check_number` validation.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from playground.core import activations, initializers, penalties
from playground.core.registry import Registry

#: settings that are themselves registry objects: a combo of names plus that entry's form
NESTED: dict[str, Registry] = {
    "activation": activations.registry,
    "weight_init": initializers.registry,
    "bias_init": initializers.registry,
    "penalty": penalties.registry,
}
#: "one number or [height, width]" settings of the image layers (core.image_layers._pair)
PAIRS = {"kernel_size", "stride", "size", "factor", "output_padding"}
#: string settings with named choices that also take a number of pixels
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "padding": (("valid", "valid (none)"), ("same", "same (keep size)")),
}
#: edited elsewhere (a residual block's inner layers are rows in the layer editor)
HIDDEN = {"layers"}
#: shown behind "More settings": rarely changed in a lesson
ADVANCED = {"weight_init", "bias_init", "max_norm", "use_bias", "clipnorm", "epsilon",
            "initial_accumulator", "output_padding"}
#: 0 switches the feature off; the spin box says so
ZERO_IS_OFF = {"max_norm", "clipnorm"}
LABELS = {"beta1": "Beta 1", "beta2": "Beta 2", "l1": "L1 rate", "l2": "L2 rate",
          "weight_init": "Weight init", "bias_init": "Bias init", "use_bias": "Use bias",
          "clipnorm": "Clip norm", "max_norm": "Max norm"}


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    step: float = 0.1
    log: bool = False  # steps go 1-2-5 per decade (learning rates, penalties)


FRACTION = Range(0.0, 1.0, 0.01)
LOG = Range(0.0, 1e6, log=True)
#: by "entry.field" first, then "field"
RANGES: dict[str, Range] = {
    "units": Range(1, 100_000, 1), "filters": Range(1, 4096, 1), "pieces": Range(1, 16, 1),
    "kernel_size": Range(1, 1024, 1), "stride": Range(1, 1024, 1), "size": Range(1, 1024, 1),
    "factor": Range(1, 1024, 1), "output_padding": Range(0, 1023, 1),
    "padding": Range(0, 1024, 1), "shape": Range(1, 1 << 20, 1),
    "rate": LOG, "dropout.rate": Range(0.0, 0.95, 0.05),
    "spatial_dropout.rate": Range(0.0, 0.95, 0.05),
    "step.drop": Range(1e-6, 1.0, 0.05), "exponential.rate": Range(1e-6, 1.0, 0.05),
    "inverse_time.rate": Range(0.0, 1e6, 0.1), "final_fraction": Range(0.0, 1.0, 0.05),
    "every": Range(1, 2**31 - 1, 100), "decay_steps": Range(1, 2**31 - 1, 100),
    "momentum": FRACTION, "rho": FRACTION, "beta1": FRACTION, "beta2": Range(0.0, 1.0, 0.001),
    "learning_rate": LOG, "epsilon": LOG, "weight_decay": LOG, "l1": LOG, "l2": LOG,
    "batchnorm.epsilon": Range(1e-12, 1.0, log=True), "adadelta.epsilon": Range(1e-12, 1.0,
                                                                                 log=True),
    "clipnorm": Range(0.0, 1e6, 0.5), "max_norm": Range(0.0, 1e6, 0.5),
    "initial_accumulator": Range(0.0, 1e6, 0.1),
    "leaky_relu.alpha": FRACTION, "elu.alpha": Range(0.0, 1e6, 0.1),
    "prelu.initial_alpha": Range(-1.0, 1.0, 0.05), "std": Range(0.0, 1e6, 0.01),
    "gain": Range(0.0, 1e6, 0.1), "mean": Range(-1e6, 1e6, 0.01),
    "low": Range(-1e6, 1e6, 0.01), "high": Range(-1e6, 1e6, 0.01),
    "value": Range(-1e6, 1e6, 0.1),
}
DEFAULT_INT = Range(0, 1_000_000, 1)
DEFAULT_FLOAT = Range(-1e6, 1e6, 0.1)


def field_range(entry: str, key: str, default: Any) -> Range:
    found = RANGES.get(f"{entry}.{key}") or RANGES.get(key)
    if found:
        return found
    return DEFAULT_INT if isinstance(default, int) else DEFAULT_FLOAT


def label_text(key: str) -> str:
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def display_name(name: str) -> str:
    """A registry name as the user reads it ("leaky_relu" -> "leaky relu")."""
    return name.replace("_", " ")


def summary_line(cls: type) -> str:
    """The first line of a class's docstring, for tooltips."""
    doc = (cls.__doc__ or "").strip()
    return doc.splitlines()[0] if doc else ""


def fill_combo(combo: QComboBox, registry: Registry,
               text: Callable[[str], str] = display_name) -> None:
    """Every entry of a registry, in its order; item data is the name."""
    for name in registry.names():
        combo.addItem(text(name), name)
        tip = summary_line(registry.cls(name))
        if tip:
            combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)


# --- controls ----------------------------------------------------------------------------------
class _WheelOnlyWhenFocused:
    """Scrolling a long form must not change the settings the pointer passes over: the wheel
    goes to the scroll area unless the control was clicked first."""

    def _guard_wheel(self) -> None:
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: Any) -> None:
        if self.hasFocus():
            super().wheelEvent(event)
        else:
            event.ignore()


class Combo(_WheelOnlyWhenFocused, QComboBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._guard_wheel()


class IntSpin(_WheelOnlyWhenFocused, QSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._guard_wheel()


class FloatSpin(_WheelOnlyWhenFocused, QDoubleSpinBox):
    """A plain float spin box (fixed decimals) with the same wheel guard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._guard_wheel()


class NumberSpin(_WheelOnlyWhenFocused, QDoubleSpinBox):
    """A float spin box that shows numbers compactly (0.0001, 1e-08), accepts typed scientific
    notation, and in log mode steps 1-2-5 per decade (0.01 -> 0.02 -> 0.05 -> 0.1)."""

    def __init__(self, rng: Range = DEFAULT_FLOAT, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._guard_wheel()
        # many decimals: Qt rounds values to them, and 1e-8 must survive
        self.setDecimals(20)
        self.setRange(rng.low, rng.high)
        self.setSingleStep(rng.step)
        self.log = rng.log
        self.setKeyboardTracking(False)  # typed text is one edit, taken on Enter or focus-out

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text)
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int) -> QValidator.State:
        try:
            value = float(text)
        except ValueError:
            return QValidator.State.Intermediate
        if not math.isfinite(value) or not self.minimum() <= value <= self.maximum():
            return QValidator.State.Intermediate
        return QValidator.State.Acceptable

    def stepBy(self, steps: int) -> None:
        if not self.log:
            super().stepBy(steps)
            return
        value = self.value()
        for _ in range(abs(steps)):
            value = _log_step(value, steps > 0, self.minimum())
        self.setValue(min(max(value, self.minimum()), self.maximum()))


def _log_step(value: float, up: bool, low: float) -> float:
    """The next 1-2-5 number above (or below) value; below the smallest, the range's low."""
    smallest = max(low, 1e-6) if low > 0 else 1e-6
    if value <= 0:
        return smallest if up else low
    exponent = math.floor(math.log10(value))
    ladder = [m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in (1, 2, 5)]
    if up:
        return next(v for v in ladder if v > value * (1 + 1e-9))
    below = [v for v in ladder if v < value * (1 - 1e-9)]
    return below[-1] if below[-1] >= smallest else low


def int_spin(rng: Range = DEFAULT_INT, off_at_zero: bool = False) -> IntSpin:
    spin = IntSpin()
    spin.setRange(int(rng.low), int(min(rng.high, 2**31 - 1)))
    spin.setSingleStep(int(max(rng.step, 1)))
    spin.setKeyboardTracking(False)
    if off_at_zero:
        spin.setSpecialValueText("off")
    return spin


def float_spin(rng: Range = DEFAULT_FLOAT, off_at_zero: bool = False) -> NumberSpin:
    spin = NumberSpin(rng)
    if off_at_zero:
        spin.setSpecialValueText("off")
    return spin


# --- compound fields ---------------------------------------------------------------------------
class _PairEdit(QWidget):
    """height × width. Changing the height of a square changes the width too; changing the
    width makes it oblong. Optional: 0 means None ("auto")."""

    changed = Signal()

    def __init__(self, rng: Range, optional: bool) -> None:
        super().__init__()
        self.optional = optional
        low = int(rng.low) - 1 if optional else int(rng.low)
        self.spins = [int_spin(Range(low, rng.high, 1)) for _ in range(2)]
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for i, spin in enumerate(self.spins):
            if optional:
                spin.setSpecialValueText("auto")
            spin.setToolTip("height" if i == 0 else "width")
            row.addWidget(spin, 1)
            if i == 0:
                row.addWidget(QLabel("×"))
        self._last = self.value()
        self.spins[0].valueChanged.connect(lambda v: self._edited(0, v))
        self.spins[1].valueChanged.connect(lambda v: self._edited(1, v))

    def _edited(self, which: int, value: int) -> None:
        previous = self._last
        square = isinstance(previous, int) and which == 0  # the width box makes it oblong
        if square or previous is None or (self.optional and value == 0):
            other = self.spins[1 - which]  # square (or auto) stays square (or auto)
            other.blockSignals(True)
            other.setValue(value)
            other.blockSignals(False)
        self._last = self.value()
        self.changed.emit()

    def value(self) -> int | list[int] | None:
        h, w = (s.value() for s in self.spins)
        if self.optional and (h == 0 or w == 0):
            return None
        return h if h == w else [h, w]

    def set_value(self, value: Any) -> None:
        h, w = (0, 0) if value is None else (value if isinstance(value, list | tuple)
                                             else (value, value))
        for spin, v in zip(self.spins, (h, w), strict=True):
            spin.blockSignals(True)
            spin.setValue(int(v))
            spin.blockSignals(False)
        self._last = self.value()


class _ChoiceOrNumber(QWidget):
    """Named choices or a number (conv padding: "valid", "same" or pixels)."""

    changed = Signal()
    NUMBER = "__number__"

    def __init__(self, choices: tuple[tuple[str, str], ...], rng: Range) -> None:
        super().__init__()
        self.combo = Combo()
        for value, text in choices:
            self.combo.addItem(text, value)
        self.combo.addItem("pixels:", self.NUMBER)
        self.spin = int_spin(rng)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.combo, 1)
        row.addWidget(self.spin)
        self.combo.currentIndexChanged.connect(self._combo_changed)
        self.spin.valueChanged.connect(lambda _: self.changed.emit())
        self._show_spin()

    def _show_spin(self) -> None:
        self.spin.setVisible(self.combo.currentData() == self.NUMBER)

    def _combo_changed(self) -> None:
        self._show_spin()
        self.changed.emit()

    def value(self) -> str | int:
        choice = self.combo.currentData()
        return self.spin.value() if choice == self.NUMBER else choice

    def set_value(self, value: Any) -> None:
        for widget in (self.combo, self.spin):
            widget.blockSignals(True)
        index = self.combo.findData(value) if isinstance(value, str) else -1
        if index < 0:
            index = self.combo.findData(self.NUMBER)
            self.spin.setValue(int(value) if not isinstance(value, str) else 0)
        self.combo.setCurrentIndex(index)
        for widget in (self.combo, self.spin):
            widget.blockSignals(False)
        self._show_spin()


class _ShapeEdit(QLineEdit):
    """A list of whole numbers typed as 1×28×28 (or 1, 28, 28)."""

    changed = Signal()

    def __init__(self, rng: Range) -> None:
        super().__init__()
        self.rng = rng
        self._value: list[int] = []
        self.setPlaceholderText("channels×height×width")
        self.editingFinished.connect(self._take)

    def _take(self) -> None:
        text = self.text()
        for sep in ("x", "X", ",", "*"):
            text = text.replace(sep, "×")
        try:
            parts = [int(p) for p in text.replace(" ", "").split("×") if p]
        except ValueError:
            parts = []
        if not parts or not all(self.rng.low <= p <= self.rng.high for p in parts):
            self.setText(self._text())  # not a shape: show the last good one again
            return
        if parts != self._value:
            self._value = parts
            self.changed.emit()
        self.setText(self._text())

    def _text(self) -> str:
        return "×".join(map(str, self._value))

    def value(self) -> list[int]:
        return list(self._value)

    def set_value(self, value: Any) -> None:
        self._value = [int(v) for v in value]
        self.setText(self._text())


@dataclass
class _Field:
    widget: QWidget | None  # None: kept as it is, not shown
    get: Callable[[], Any]
    set: Callable[[Any], None]


def _make_field(entry: str, key: str, default: Any,
                edited: Callable[[str, bool], None]) -> _Field:
    """A widget for one setting; edited(field path, continuous) follows every user change."""
    rng = field_range(entry, key, default)
    if key in HIDDEN:
        store: dict[str, Any] = {}

        def keep(value: Any) -> None:  # as the core's configs have it: lists, not tuples
            store["value"] = copy.deepcopy(list(value) if isinstance(value, tuple) else value)

        keep(default)
        return _Field(None, lambda: copy.deepcopy(store["value"]), keep)
    if key in NESTED:
        form = ConfigForm(NESTED[key], chooser=True)
        form.config_changed.connect(
            lambda _c, path, cont: edited(f"{key}.{path}" if path else key, cont))
        return _Field(form, form.config, form.set_config)
    if key in PAIRS:
        pair = _PairEdit(rng, optional=default is None)
        pair.changed.connect(lambda: edited(key, True))
        return _Field(pair, pair.value, pair.set_value)
    if key in CHOICES:
        choice = _ChoiceOrNumber(CHOICES[key], rng)
        choice.changed.connect(lambda: edited(key, False))
        return _Field(choice, choice.value, choice.set_value)
    if isinstance(default, bool):
        box = QCheckBox()
        box.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        box.toggled.connect(lambda _: edited(key, False))
        return _Field(box, box.isChecked, lambda v: box.setChecked(bool(v)))
    if isinstance(default, int):
        spin = int_spin(rng, key in ZERO_IS_OFF)
        spin.valueChanged.connect(lambda _: edited(key, True))
        return _Field(spin, spin.value, lambda v: spin.setValue(int(v)))
    if isinstance(default, float):
        fspin = float_spin(rng, key in ZERO_IS_OFF)
        fspin.valueChanged.connect(lambda _: edited(key, True))
        return _Field(fspin, fspin.value, lambda v: fspin.setValue(float(v)))
    if isinstance(default, list | tuple):
        shape = _ShapeEdit(rng)
        shape.changed.connect(lambda: edited(key, True))
        return _Field(shape, shape.value, shape.set_value)
    raise TypeError(f"no editor for {entry}.{key} (default {default!r})")


# --- the form ----------------------------------------------------------------------------------
class ConfigForm(QWidget):
    """Edits one registry entry's config. With chooser, a combo picks the entry first (an
    activation, an optimizer); switching entries starts from the new entry's defaults.

    config_changed(config, field, continuous) follows every user change: field is the setting's
    path ("units", "activation.alpha", "" when the entry itself changed) and continuous says a
    number was stepped or typed (callers merge those into one undo step). set_config() never
    emits."""

    # object, not dict: a dict would travel as a QVariantMap and come out with sorted keys
    config_changed = Signal(object, str, bool)

    def __init__(self, registry: Registry, name: str | None = None, *, chooser: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.registry = registry
        self._name = ""
        self._fields: dict[str, _Field] = {}
        self._advanced_rows: list[QWidget] = []
        self._updating = False
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        self.chooser: Combo | None = None
        if chooser:
            self.chooser = Combo()
            fill_combo(self.chooser, registry)
            self.chooser.currentIndexChanged.connect(self._entry_chosen)
            column.addWidget(self.chooser)
        self._body = QWidget()
        self._form = QFormLayout(self._body)
        self._form.setContentsMargins(12 if chooser else 0, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        column.addWidget(self._body)
        self.more = QToolButton()
        self.more.setCheckable(True)
        self.more.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.more.setAutoRaise(True)
        self.more.toggled.connect(self._show_advanced)
        column.addWidget(self.more, 0, Qt.AlignmentFlag.AlignLeft)
        self._build(name or registry.names()[0])

    # --- public ----------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    def fields(self) -> dict[str, QWidget]:
        """The shown widget of each setting (for tests and for focusing)."""
        return {k: f.widget for k, f in self._fields.items() if f.widget is not None}

    def config(self) -> dict[str, Any]:
        return {"name": self._name, **{k: f.get() for k, f in self._fields.items()}}

    def set_config(self, config: str | dict[str, Any] | None) -> None:
        """Show a config ("relu", {"name": "leaky_relu", "alpha": 0.1}, None for the first
        entry, e.g. no penalty) without emitting config_changed."""
        if config is None:
            config = self.registry.names()[0]
        if isinstance(config, str):
            config = {"name": config}
        if config == self.config():
            return  # nothing to show: keep the cursor where the user is typing
        self._updating = True
        try:
            if config["name"] != self._name:
                self._build(config["name"])
            defaults = self.registry.parameters(self._name)
            for key, field in self._fields.items():
                field.set(config.get(key, defaults[key]))
        finally:
            self._updating = False

    # --- building --------------------------------------------------------------------------
    def _build(self, name: str) -> None:
        self._updating, was_updating = True, self._updating
        while self._form.rowCount():
            self._form.removeRow(0)
        self._fields = {}
        self._advanced_rows = []
        self._name = name
        if self.chooser is not None:
            self.chooser.setCurrentIndex(self.chooser.findData(name))
        for key, default in self.registry.parameters(name).items():
            field = _make_field(name, key, default, self._edited)
            field.set(default)
            self._fields[key] = field
            if field.widget is None:
                continue
            if isinstance(field.widget, QCheckBox):  # its own label, which is clickable too
                field.widget.setText(label_text(key))
                self._form.addRow(field.widget)
            else:
                self._form.addRow(label_text(key), field.widget)
            if key in ADVANCED:
                self._advanced_rows.append(field.widget)
        self._body.setVisible(self._form.rowCount() > 0)
        self.more.setVisible(bool(self._advanced_rows))
        self._show_advanced(self.more.isChecked())
        self._updating = was_updating

    def _show_advanced(self, shown: bool) -> None:
        self.more.setText("Fewer settings" if shown else "More settings")
        self.more.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        for widget in self._advanced_rows:
            self._form.setRowVisible(widget, shown)

    def _entry_chosen(self) -> None:
        if self._updating or self.chooser is None:
            return
        name = self.chooser.currentData()
        if name != self._name:
            self._build(name)
            self.config_changed.emit(self.config(), "", False)

    def _edited(self, path: str, continuous: bool) -> None:
        if not self._updating:
            self.config_changed.emit(self.config(), path, continuous)


def show_value(widget: QWidget, value: Any) -> None:
    """Show a value in a settings control without emitting an edit (a refresh from the model);
    an optional number's None is the spin box's minimum ("all")."""
    widget.blockSignals(True)
    try:
        if isinstance(widget, QSpinBox):
            widget.setValue(widget.minimum() if value is None else int(value))
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(float(value))
        elif isinstance(widget, QCheckBox):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            widget.setCurrentText(str(value))
        elif hasattr(widget, "checks"):
            chosen = {str(v) for v in (value or [])}
            for check, choice in zip(widget.checks, widget.choices, strict=True):
                check.blockSignals(True)
                check.setChecked(str(choice) in chosen)
                check.blockSignals(False)
    finally:
        widget.blockSignals(False)
