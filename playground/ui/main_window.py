"""The main window: data and settings on the left, the network in the middle with the curves
below it, the output on the right; the toolbar runs training. Every panel edits the one
document (ExperimentModel); the window turns each edit into a live change or a rebuild of the
run in the training worker, and draws the worker's snapshots."""

from __future__ import annotations

import html
import json
import math
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QRadioButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground import __version__
from playground.core.errors import PlaygroundError
from playground.core.experiment import Experiment, load_preset, preset_names, resolve
from playground.core.network import Network
from playground.core.trainer import EPOCH_COLUMNS
from playground.data import points, toy2d
from playground.data.catalog import list_datasets
from playground.ui.curves import CurvesView
from playground.ui.data_panel import DataPanel
from playground.ui.experiment_model import ExperimentModel, live_changes
from playground.ui.image_data_panel import ImageDataPanel
from playground.ui.image_mode import ImageMode
from playground.ui.layer_editor import LayerStackEditor
from playground.ui.network_view import NetworkDiagram
from playground.ui.output_view import OutputView
from playground.ui.plane_renderer import PlaneRenderer
from playground.ui.settings_panel import SettingsPanel
from playground.ui.worker import TrainingController

DEFAULT_PRESET = "spiral"
IMAGE_PRESET = "lenet"  # what the Images switch opens when the document is a 2-D one
#: the speed slider: (steps per frame, milliseconds between frames); 0 steps = full speed
SPEEDS = [(1, 800), (1, 250), (1, 60), (5, 30), (25, 30), (100, 30), (0, 0)]
SPEED_NAMES = ["1 step / 0.8 s", "1 step / 0.25 s", "16 steps/s", "5 steps / frame",
               "25 steps / frame", "100 steps / frame", "Full speed"]
CURVE_INTERVAL = 0.25  # seconds between curve redraws: each costs ~10 ms of drawing

BANNER_STYLES = {
    "lesson": "background: #f4f4f4; color: #222222; border: 1px solid #cccccc;",
    "problem": "background: #fde2e1; color: #7a1010; border: 2px solid #c0392b;",
    "diverged": "background: #fde2e1; color: #7a1010; border: 2px solid #c0392b;",
    "error": "background: #fde2e1; color: #7a1010; border: 2px solid #c0392b;",
    "info": "background: #e4f1fb; color: #0b3d62; border: 2px solid #2f7fb5;",
}


class MainWindow(QMainWindow):
    def __init__(self, preset: str | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings()
        self.input_shapes = {d["name"]: tuple(d["input_shape"]) for d in list_datasets()}
        self.model = ExperimentModel(self._initial_experiment(preset), self)
        self.controller = TrainingController(self)
        self.latest: Any = None
        self.run_info: Any = None
        self.images = False  # image mode (#6) or the 2-D views
        self.load_error: str | None = None  # the worker could not build the document
        self._pending_loads = 0  # loads asked for and not yet answered (older ones are stale)
        self.running = False
        self.ready = False
        self._render_pending = False
        self._last_curves = 0.0
        self._rate_mark: tuple[float, int] | None = None
        self.frames = 0  # frames drawn (for the frame-rate measurement)
        self.file_path: Path | None = None

        self._build_panels()
        self._build_actions()
        self._build_toolbar()
        self._build_menus()
        self._connect()
        self.setWindowTitle(f"Neural Playground {__version__}")
        self.resize(1280, 800)
        self._restore_geometry()
        self.statusBar().showMessage("Preparing the compiled kernels (slow only on a first "
                                     "start)…")
        self.controller.warm_up_requested.emit()
        self.hide_banner()
        self._document_changed({}, self.model.document())

    # --- construction ----------------------------------------------------------------------------
    def _initial_experiment(self, preset: str | None) -> Experiment:
        if preset:
            return resolve(preset)
        saved = self.settings.value("experiment")
        if isinstance(saved, str) and saved:
            try:
                return Experiment.from_dict(json.loads(saved))
            except (PlaygroundError, ValueError):
                pass  # a document from another version: start from the default preset
        return load_preset(DEFAULT_PRESET)

    def _build_data_tab(self) -> QWidget:
        """2-D points or images: a switch above the matching panel."""
        self.data_panel = DataPanel(self.model)
        self.image_data_panel = ImageDataPanel(self.model)
        self.data_pages = QStackedWidget()
        self.data_pages.addWidget(self.data_panel)
        self.data_pages.addWidget(self.image_data_panel)
        self.points_mode = QRadioButton("Points (2-D)")
        self.images_mode = QRadioButton("Images")
        self.mode_group = QButtonGroup(self)
        for button in (self.points_mode, self.images_mode):
            self.mode_group.addButton(button)
        self.points_mode.setChecked(True)
        self.points_mode.clicked.connect(lambda: self.switch_mode(images=False))
        self.images_mode.clicked.connect(lambda: self.switch_mode(images=True))
        switch = QHBoxLayout()
        switch.addWidget(self.points_mode)
        switch.addWidget(self.images_mode)
        switch.addStretch(1)
        page = QWidget()
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 4, 0, 0)
        column.addLayout(switch)
        column.addWidget(self.data_pages, 1)
        return page

    def _build_panels(self) -> None:
        data_tab = self._build_data_tab()
        self.layer_editor = LayerStackEditor(self.model)
        self.settings_panel = SettingsPanel(self.model)
        self.tabs = QTabWidget()
        for widget, title in ((data_tab, "Data"), (self.layer_editor, "Layers"),
                              (self.settings_panel, "Training")):
            scroll = QScrollArea()
            scroll.setWidget(widget)
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            self.tabs.addTab(scroll, title)
        self.tabs.setMinimumWidth(360)

        self.diagram = NetworkDiagram()
        self.curves = CurvesView()
        self.image_mode = ImageMode(self.controller, self)
        self.center_pages = QStackedWidget()
        self.center_pages.addWidget(self.diagram)
        self.center_pages.addWidget(self.image_mode.center)
        center = QSplitter(Qt.Orientation.Vertical)
        center.addWidget(self.center_pages)
        center.addWidget(self.curves)
        center.setSizes([430, 300])
        self.center_splitter = center

        self.output = OutputView()
        self.output.setMinimumSize(320, 320)
        self.renderer = PlaneRenderer(self.output, self.diagram)
        self.show_test = QCheckBox("Show held-out data")
        self.show_test.setToolTip("Validation and test points, drawn hollow")
        self.show_test.setChecked(True)
        self.discretize = QCheckBox("Discretize")
        self.discretize.setToolTip("Show only the predicted class, not the confidence")
        toggles = QHBoxLayout()
        toggles.addWidget(self.show_test)
        toggles.addWidget(self.discretize)
        toggles.addStretch(1)
        self.output_caption = QLabel("Output")
        self.output_caption.setStyleSheet("font-weight: bold;")
        self.metrics = QLabel()
        self.metrics.setTextFormat(Qt.TextFormat.RichText)
        self.metrics.setWordWrap(True)
        plane_page = QWidget()
        column = QVBoxLayout(plane_page)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.output_caption)
        column.addWidget(self.output, 1)
        column.addLayout(toggles)
        self.right_pages = QStackedWidget()
        self.right_pages.addWidget(plane_page)
        self.right_pages.addWidget(self.image_mode.right)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(4, 4, 4, 4)
        column.addWidget(self.right_pages, 1)
        column.addWidget(self.metrics)

        # a strip that is always there (no layout jump when a message comes): the lesson's
        # title and what to watch, replaced by news and problems while they matter
        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        strip_font = QFont(self.banner.font())
        strip_font.setPointSizeF(12.0)  # the size its style sheet sets
        self.banner.setFixedHeight(2 * QFontMetrics(strip_font).lineSpacing() + 14)
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.timeout.connect(self._hide_info_banner)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.tabs)
        splitter.addWidget(center)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 1)
        splitter.setSizes([370, 460, 450])
        self.splitter = splitter
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.setCentralWidget(body)

    def _action(self, text: str, shortcut: str | QKeySequence.StandardKey | None,
                slot: Any, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip or text} ({action.shortcut().toString()})"
                          if shortcut is not None else tip or text)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        self.play_action = self._action("Play", "Space", self.toggle_play,
                                        "Train until paused")
        self.play_action.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
        self.step_action = self._action("Step", "Right", self.step_batch,
                                        "Train on one batch")
        self.faster_action = self._action("Faster", "+", lambda: self._nudge_speed(1),
                                          "Train faster (towards full speed)")
        self.slower_action = self._action("Slower", "-", lambda: self._nudge_speed(-1),
                                          "Train slower (towards one step at a time)")
        self.epoch_action = self._action("Epoch", "Shift+Right", self.step_epoch,
                                         "Train to the end of the epoch")
        self.reset_action = self._action("Reset", "Ctrl+R", self.reset,
                                         "New initial weights from the seed; settings stay")
        self.undo_action = self.model.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.model.undo_stack.createRedoAction(self, "Redo")
        self.redo_action.setShortcuts([QKeySequence.StandardKey.Redo,
                                       QKeySequence("Ctrl+Y")])
        self.open_action = self._action("Open…", QKeySequence.StandardKey.Open, self.open_file)
        self.save_action = self._action("Save", QKeySequence.StandardKey.Save, self.save_file)
        self.save_as_action = self._action("Save as…", QKeySequence.StandardKey.SaveAs,
                                           self.save_file_as)
        self.quit_action = self._action("Quit", QKeySequence.StandardKey.Quit, self.close)
        self.import_weights_action = self._action(
            "Load weights…", None, self.import_weights,
            "Load saved weights into the layers that match (number, type and shape)")
        self.export_weights_action = self._action("Save weights…", None, self.export_weights,
                                                  "Save the current weights (.npz)")

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Training")
        bar.setObjectName("training-toolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.play_action, self.step_action, self.epoch_action,
                       self.reset_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addWidget(QLabel(" Speed "))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, len(SPEEDS) - 1)
        self.speed.setValue(len(SPEEDS) - 1)
        self.speed.setFixedWidth(140)
        self.speed.setToolTip("From slow motion (one step at a time) to full speed")
        bar.addWidget(self.speed)
        self.speed_label = QLabel(SPEED_NAMES[-1])
        self.speed_label.setMinimumWidth(130)
        bar.addWidget(self.speed_label)
        bar.addSeparator()
        self.counters = QLabel()
        self.counters.setStyleSheet("font-size: 14pt; font-weight: bold; padding: 0 10px;")
        bar.addWidget(self.counters)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addAction(self.undo_action)
        bar.addAction(self.redo_action)
        self.toolbar = bar

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu("&File")
        presets = menu.addMenu("Open preset")
        for name in preset_names():
            title = load_preset(name).title or name
            action = presets.addAction(title)
            action.triggered.connect(lambda _=False, n=name: self.open_preset(n))
        for action in (self.open_action, self.save_action, self.save_as_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.import_weights_action)
        menu.addAction(self.export_weights_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        edit = self.menuBar().addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        train = self.menuBar().addMenu("&Training")
        for action in (self.play_action, self.step_action, self.epoch_action,
                       self.reset_action):
            train.addAction(action)

    def _connect(self) -> None:
        ctl = self.controller
        ctl.snapshot_received.connect(self._on_snapshot)
        ctl.built.connect(self._on_built)
        ctl.message.connect(self._on_message)
        ctl.load_failed.connect(self._on_load_failed)
        ctl.notice.connect(lambda text: self.show_banner(text, "info", 8000))
        ctl.ready.connect(self._on_ready)
        ctl.worker.running_changed.connect(self._on_running)
        self.model.changed.connect(self._document_changed)
        self.speed.valueChanged.connect(self._speed_changed)
        self.data_panel.tool_changed.connect(self.output.set_tool)
        self.data_panel.message.connect(lambda text: self.show_banner(text, "error", 8000))
        self.image_data_panel.message.connect(
            lambda text: self.show_banner(text, "error", 8000))
        self.output.painted.connect(self.data_panel.apply_stroke)
        self.output.erased.connect(self.data_panel.apply_erase)
        self.output.plane_changed.connect(self._plane_changed)
        self.show_test.toggled.connect(self.output.set_show_test)
        self.discretize.toggled.connect(self._discretize_changed)
        self.diagram.neuron_hovered.connect(self._neuron_hovered)
        self.diagram.hover_left.connect(self._hover_left)
        self.diagram.weight_edited.connect(self._weight_edited)
        self.diagram.bias_edited.connect(self._bias_edited)
        self.layer_editor.problem_changed.connect(lambda _p: self._update_enabled())

    # --- the document ----------------------------------------------------------------------------
    def input_shape(self) -> tuple[int, ...] | None:
        """The network's input shape for the document's dataset, before any data is loaded;
        None while it is unknown (a file the worker has not read yet)."""
        spec = self.model.get("dataset")
        if spec.get("features"):
            return (len(spec["features"]),)
        name = spec.get("name")
        if name in toy2d.GENERATORS or name == points.SPEC_NAME:
            return (2,)
        if name in self.input_shapes:
            return self.input_shapes[name]
        info = self.run_info
        if info is not None and info.experiment.dataset == spec:
            return tuple(info.input_shape)
        return None  # CSV, IDX files, image folders: known once loaded

    def _document_changed(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self._update_title()
        self.layer_editor.set_input_shape(self.input_shape())
        changes = live_changes(old, new) if old else None
        if changes is not None:
            for name, value in changes:
                self.controller.hyperparameter_requested.emit(name, value)
            return
        self.load_error = None
        problem = self.problem()
        if problem:
            self.pause()
            self.show_banner(problem, "problem")
            self._update_enabled()
            return
        if self.banner_kind() == "problem":
            self.hide_banner()
        was_running = self.running
        started = self.latest is not None and self.latest.step > 0
        changed = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
        # the user's own points edited under a run (paint, erase, classes): the run carries
        # on over the new data; anything else starts a fresh run
        carry_on = bool(old) and changed <= {"dataset", "title", "description"} and \
            new["dataset"].get("name") == points.SPEC_NAME
        self._pending_loads += 1
        self.controller.load_requested.emit(self.model.experiment(), carry_on)
        if started and not carry_on:
            self.show_banner("Training restarted from new initial weights: the network or its "
                             "data changed.", "info", 4000)
        if was_running:
            self.controller.play_requested.emit()
        self._update_enabled()

    def problem(self) -> str | None:
        """Why the document cannot be trained now (shown, and training disabled)."""
        return self.model.problem() or self.layer_editor.problem() or self.load_error

    def _update_title(self) -> None:
        title = self.model.get("title") or "Untitled"
        name = f" — {self.file_path.name}" if self.file_path else ""
        self.setWindowTitle(f"{title}{name} — Neural Playground {__version__}")

    def _update_enabled(self) -> None:
        trainable = self.ready and self.problem() is None
        for action in (self.play_action, self.step_action, self.epoch_action,
                       self.reset_action):
            action.setEnabled(trainable)

    # --- worker news -----------------------------------------------------------------------------
    @Slot(float)
    def _on_ready(self, seconds: float) -> None:
        self.ready = True
        self.statusBar().showMessage(f"Ready (kernels loaded in {seconds:.1f} s)", 5000)
        self._update_enabled()

    def _answered_load(self) -> bool:
        """One load answered; True when it answers the latest request (not a stale one)."""
        self._pending_loads = max(0, self._pending_loads - 1)
        return self._pending_loads == 0

    @Slot(str)
    def _on_load_failed(self, text: str) -> None:
        if not self._answered_load():
            return
        self.load_error = text
        self.run_info = None
        self.latest = None
        self.show_banner(text, "problem")
        self._update_enabled()

    @Slot(object)
    def _on_built(self, info: Any) -> None:
        if not self._answered_load():
            return  # a newer document is on its way to the worker
        self.load_error = None
        self.run_info = info
        self.layer_editor.set_input_shape(self.input_shape() or tuple(info.input_shape))
        self._update_enabled()
        images = self.image_mode.set_run(info)
        if not images:
            self.renderer.set_run(info)
        self._show_mode(images)
        self.curves.reset_curves()
        self._rate_mark = None

    def _show_mode(self, images: bool) -> None:
        self.images = images
        self.center_pages.setCurrentIndex(1 if images else 0)
        self.right_pages.setCurrentIndex(1 if images else 0)
        self.data_pages.setCurrentIndex(1 if images else 0)
        (self.images_mode if images else self.points_mode).setChecked(True)

    def switch_mode(self, images: bool) -> None:
        """The Points / Images switch: open the matching default preset (one undo step) unless
        the document already is of that kind."""
        if images == (len(self.input_shape() or ()) == 3):
            self.data_pages.setCurrentIndex(1 if images else 0)
            return
        preset = IMAGE_PRESET if images else DEFAULT_PRESET
        self.file_path = None
        self.model.replace(load_preset(preset).to_dict(),
                           f"Open preset {preset} ({'images' if images else '2-D points'})")

    @Slot(str)
    def _on_message(self, text: str) -> None:
        if self.latest is not None and self.latest.divergence == text:
            self.show_banner(text, "diverged")
        elif text != self.load_error:  # load failures have their own slot
            self.show_banner(text, "error", 10_000)

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        self.running = running
        style = self.style()
        if running:
            self.play_action.setText("Pause")
            self.play_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPause))
        else:
            self.play_action.setText("Play")
            self.play_action.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay))
            self._rate_mark = None
            self.statusBar().clearMessage()

    @Slot(object)
    def _on_snapshot(self, snap: Any) -> None:
        if self._pending_loads:
            return  # numbers of a run that is about to be replaced
        self.latest = snap
        if snap.divergence and self.banner_kind() != "diverged":
            self.show_banner(snap.divergence, "diverged")
        elif not snap.divergence and self.banner_kind() == "diverged":
            self.hide_banner()  # a reset or a rebuild recovers from divergence
        if not self._render_pending:
            self._render_pending = True
            QTimer.singleShot(0, self._render)

    def _render(self) -> None:
        self._render_pending = False
        snap = self.latest
        if snap is None or self.run_info is None:
            return
        if self.images:
            self.image_mode.render(snap, self.running)
        elif self.renderer.render(snap, self.running):
            # the diagram and the curves are drawn in events of their own, so that no single
            # event keeps the GUI busy for long
            QTimer.singleShot(0, self.renderer.render_diagram)
        self.frames += 1
        now = time.perf_counter()
        force = not self.running
        interval = CURVE_INTERVAL * (2 if self.images else 1)  # image steps are slow anyway
        if force or now - self._last_curves >= interval:
            self._last_curves = now
            QTimer.singleShot(0, self._draw_curves)
        self._show_numbers(snap, now)

    def _draw_curves(self) -> None:
        snap = self.latest
        if snap is not None and self.run_info is not None:
            self.curves.update_from(snap.steps, snap.epochs, snap.best_epoch,
                                    self.run_info.classification)

    def _show_numbers(self, snap: Any, now: float) -> None:
        self.counters.setText(f"Epoch {snap.epoch:,}   Step {snap.step:,}")
        m = snap.metrics
        classification = self.run_info.classification

        def fmt(value: float, percent: bool = False) -> str:
            if value is None or not math.isfinite(value):
                return "–"
            return f"{100 * value:.1f}%" if percent else f"{value:.4f}"

        # training numbers over the last whole epoch: one batch's are too noisy to read
        if len(snap.epochs):
            last = dict(zip(EPOCH_COLUMNS, snap.epochs[-1], strict=True))
            train_loss, train_acc = last["loss"], last["accuracy"]
        else:
            train_loss, train_acc = m.get("loss"), m.get("accuracy")
        rows = [("Training", train_loss, train_acc),
                ("Validation", m.get("val_loss"), m.get("val_accuracy"))]
        cells = "".join(
            f"<tr><td>{name}</td><td align='right'>{fmt(loss)}</td>"
            + (f"<td align='right'>{fmt(acc, True)}</td>" if classification else "")
            + "</tr>" for name, loss, acc in rows)
        header = "<tr><th></th><th align='right'>loss</th>" + \
            ("<th align='right'>accuracy</th>" if classification else "") + "</tr>"
        rate = f"Learning rate {snap.learning_rate:.3g}"
        self.metrics.setText(f"<table cellspacing='0' cellpadding='3'>{header}{cells}</table>"
                             f"<p>{rate}</p>")
        if self.running:
            if self._rate_mark is None:
                self._rate_mark = (now, snap.step)
            elif now - self._rate_mark[0] > 1.0:
                rate_steps = (snap.step - self._rate_mark[1]) / (now - self._rate_mark[0])
                self.statusBar().showMessage(f"{rate_steps:,.0f} steps/s")
                self._rate_mark = (now, snap.step)

    # --- banner ----------------------------------------------------------------------------------
    def show_banner(self, text: str, kind: str = "info", timeout_ms: int = 0) -> None:
        """kind: "info" (news), "error" (a request that failed), "problem" (the document
        cannot be trained as it stands), "diverged"."""
        self.banner.setText(text)
        self.banner.setToolTip(text)
        self.banner.setProperty("kind", kind)
        self.banner.setStyleSheet(f"QLabel {{ {BANNER_STYLES[kind]} padding: 2px 8px; "
                                  "font-size: 12pt; border-radius: 4px; }")
        self._banner_timer.stop()
        if timeout_ms:
            self._banner_timer.start(timeout_ms)

    def banner_kind(self) -> str | None:
        """What the strip shows: a message kind, or None for the lesson text."""
        return self.banner.property("kind")

    def hide_banner(self) -> None:
        """Back to the lesson: the experiment's title and what to watch."""
        self._banner_timer.stop()
        title = self.model.get("title") or "Untitled experiment"
        description = self.model.get("description") or ""
        self.banner.setText(f"<b>{html.escape(title)}</b>"
                            + (f" — {html.escape(description)}" if description else ""))
        self.banner.setToolTip(description)
        self.banner.setProperty("kind", None)
        self.banner.setStyleSheet(f"QLabel {{ {BANNER_STYLES['lesson']} padding: 2px 8px; "
                                  "font-size: 12pt; border-radius: 4px; }")

    def _hide_info_banner(self) -> None:
        self.hide_banner()

    # --- training commands -----------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.running:
            self.pause()
        elif self.play_action.isEnabled():
            self.controller.play_requested.emit()

    def pause(self) -> None:
        self.controller.pause_requested.emit()

    def step_batch(self) -> None:
        self.controller.step_batch_requested.emit()

    def step_epoch(self) -> None:
        self.controller.step_epoch_requested.emit()

    def reset(self) -> None:
        self.hide_banner()
        self.controller.reset_requested.emit()

    def _nudge_speed(self, delta: int) -> None:
        self.speed.setValue(self.speed.value() + delta)

    def _speed_changed(self, index: int) -> None:
        steps, delay = SPEEDS[index]
        self.speed_label.setText(SPEED_NAMES[index])
        self.controller.speed_requested.emit(steps, delay)

    # --- views -----------------------------------------------------------------------------------
    def _discretize_changed(self, on: bool) -> None:
        self.renderer.discretize = on
        if self.latest is not None:
            self._render()

    def _plane_changed(self, bounds: Any) -> None:
        self.renderer.set_visible_plane(bounds)
        if self.latest is not None and not self.running and not self.images:
            self._render()  # a resize while paused: redraw over the new area now

    def _neuron_hovered(self, column: int, unit: int) -> None:
        self.renderer.hover(column, unit)
        what = "input" if column == 0 else f"layer {column}"
        self.output_caption.setText(f"Output — showing neuron {unit + 1} of {what}")

    def _hover_left(self) -> None:
        self.renderer.hover_end()
        self.output_caption.setText("Output")

    def _weight_edited(self, column: int, source: int, target: int, value: float) -> None:
        layer, name, index = self.renderer.parameter_for(column, source, target)
        self.controller.parameter_requested.emit(layer, name, index, value)

    def _bias_edited(self, column: int, unit: int, value: float) -> None:
        layer, name, index = self.renderer.parameter_for(column, None, unit)
        self.controller.parameter_requested.emit(layer, name, index, value)

    # --- files -----------------------------------------------------------------------------------
    def open_preset(self, name: str) -> None:
        self.file_path = None
        self.model.replace(load_preset(name).to_dict(), f"Open preset {name}")

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open an experiment", "",
                                              "Experiments (*.json)")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path) -> bool:
        try:
            experiment = Experiment.load(path)
        except PlaygroundError as exc:
            self.show_banner(f"Could not open {Path(path).name}: {exc}", "error")
            return False
        self.file_path = Path(path)
        self.model.replace(experiment.to_dict(), f"Open {Path(path).name}")
        self._update_title()
        return True

    def save_file(self) -> None:
        if self.file_path is None:
            self.save_file_as()
        else:
            self.save_to(self.file_path)

    def save_file_as(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the experiment", "experiment.json",
                                              "Experiments (*.json)")
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path) -> bool:
        """The document as JSON; the current weights beside it (.npz)."""
        path = Path(path)
        try:
            experiment = self.model.experiment()
            experiment.save(path, self.trained_network())
        except (PlaygroundError, OSError) as exc:
            self.show_banner(f"Could not save to {path.name}: {exc}", "error")
            return False
        self.file_path = path
        self._update_title()
        self.statusBar().showMessage(f"Saved {path}", 5000)
        return True

    def trained_network(self) -> Network | None:
        """The latest snapshot's weights in a network of the run's shape (None before a run)."""
        info, snap = self.run_info, self.latest
        if info is None or snap is None:
            return None
        network = Network(info.layer_configs, info.input_shape, dtype=info.dtype)
        network.load_state(snap.theta, snap.buffers)
        return network

    def import_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load weights", "", "Weights (*.npz)")
        if path:
            self.controller.load_weights_requested.emit(path)

    def export_weights(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save weights", "weights.npz",
                                              "Weights (*.npz)")
        if path:
            self.save_weights_to(path)

    def save_weights_to(self, path: str | Path) -> bool:
        network = self.trained_network()
        if network is None:
            self.show_banner("There are no weights yet: wait for the run to load.", "error")
            return False
        try:
            network.save_weights(path)
        except OSError as exc:
            self.show_banner(f"Could not save weights to {Path(path).name}: {exc}", "error")
            return False
        self.statusBar().showMessage(f"Saved weights to {path}", 5000)
        return True

    # --- start and end ---------------------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("splitter")
        if state is not None:
            self.splitter.restoreState(state)
        state = self.settings.value("center-splitter")
        if state is not None:
            self.center_splitter.restoreState(state)

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("splitter", self.splitter.saveState())
        self.settings.setValue("center-splitter", self.center_splitter.saveState())
        self.settings.setValue("experiment", json.dumps(self.model.document()))
        self.settings.sync()
        self.controller.shutdown()
        super().closeEvent(event)
