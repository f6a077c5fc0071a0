"""The data panel for images (#6, item 1): every image dataset (built-in, generated, installed
full sets, imported IDX files and image folders) with its size, shape and credits; its settings;
a grid of training samples with their labels; augmentation (D5) with a live preview; and the
preprocessing (D1). Every control edits the document through the ExperimentModel (one undo step
each); the panel follows `model.changed` without feeding edits back.

Loading a dataset can take a while (the full Fashion-MNIST ~0.4 s, font digits ~0.3 s): it runs on
a thread pool and hands a few samples back by a signal; the GUI thread only draws them. Samples
are cached per dataset spec (only the spec's loading part: preprocessing and augmentation do not
change the images).
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRect, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import (
    QColor,
    QFontMetrics,
    QHelpEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

import playground.ui.image_folder  # noqa: F401  (registers the "image_folder" dataset)
from playground.core.errors import PlaygroundError, SpecError
from playground.core.experiment import fit_output
from playground.data import augment, catalog, idx, preprocessing
from playground.data.augment import Augmenter
from playground.data.pipeline import PIPELINE_KEYS, load_raw
from playground.ui import palette
from playground.ui.config_form import Combo, FloatSpin, IntSpin, show_value
from playground.ui.experiment_model import ExperimentModel

SAMPLES_SHOWN = 32  # 4 rows of 8
COLUMNS = 8
CELL = 34  # screen pixels per sample image
GAP = 4
VARIANTS = 8  # augmented versions in the preview
IMPORTED = ("idx", "image_folder")
FOLDER_SIZE = [28, 28]  # images of mixed sizes in a folder are resized to this
FAINT = "#555555"


# --- loading off the GUI thread ---------------------------------------------------------------
def loading_spec(spec: dict[str, Any]) -> dict[str, Any]:
    """The part of a dataset spec that decides the images (without the pipeline's keys)."""
    return {k: v for k, v in spec.items() if k not in PIPELINE_KEYS}


def spec_key(spec: dict[str, Any]) -> str:
    return json.dumps(loading_spec(spec), sort_keys=True, default=str)


def sample_record(spec: dict[str, Any]) -> dict[str, Any]:
    """Load a dataset and keep what the panel shows: up to SAMPLES_SHOWN training images, the
    classes taken in turn, with labels, class names and counts (runs on a worker thread)."""
    data = load_raw(loading_spec(spec))
    X = np.asarray(data.X)
    if X.ndim != 4:
        raise SpecError(f"'{data.name}' is not a set of images (inputs of shape "
                        f"{tuple(X.shape[1:])})")
    train = np.asarray(getattr(data, "train_index", np.arange(len(X))))
    test = len(X) - len(train)
    labels = data.labels if data.labels is not None else np.zeros(len(X), dtype=np.int64)
    names = list(data.class_names) or ["?"]
    by_class = [train[labels[train] == c] for c in range(len(names))]
    chosen: list[int] = []
    for turn in range(SAMPLES_SHOWN):
        for c in range(len(names)):
            if len(chosen) < SAMPLES_SHOWN and turn < len(by_class[c]):
                chosen.append(int(by_class[c][turn]))
        if len(chosen) >= SAMPLES_SHOWN or all(turn >= len(g) for g in by_class):
            break
    pick = np.array(chosen, dtype=np.int64)
    images = X[pick]
    scale = getattr(data, "max_value", 1.0) if not np.issubdtype(X.dtype, np.floating) else 1.0
    images = images.astype(np.float32) / np.float32(scale)
    return {"images": images, "labels": labels[pick].astype(np.int64), "class_names": names,
            "count": len(X), "train": len(train), "test": test, "shape": tuple(X.shape[1:]),
            "name": data.name}


class _Signals(QObject):
    done = Signal(str, object, str)  # key, (spec, record) or None, error


class _Job(QRunnable):
    def __init__(self, key: str, work: Callable[[], tuple[dict[str, Any], dict[str, Any]]],
                 signals: _Signals) -> None:
        super().__init__()
        self.key, self.work, self.signals = key, work, signals

    def run(self) -> None:
        try:
            result, error = self.work(), ""
        except Exception as exc:  # a thread's edge: every failure is reported, none is lost
            result, error = None, str(exc) or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # the panel is gone
            self.signals.done.emit(self.key, result, error)


def idx_spec(paths: list[str]) -> dict[str, Any]:
    """The document's dataset object for 2 IDX files (images and labels) or 4 (training and
    test parts, told apart by "t10k" or "test" in their names). Reads only the headers."""
    if len(paths) not in (2, 4):
        raise SpecError(f"choose 2 files (images and labels) or 4 (training and test images and "
                        f"labels); {len(paths)} chosen")
    roles: dict[str, str] = {}
    for path in paths:
        _dtype, shape = idx.read_header(path)
        if len(shape) == 3:
            kind = "images"
        elif len(shape) == 1:
            kind = "labels"
        else:
            raise SpecError(f"{Path(path).name}: holds an array of shape {shape}, neither images "
                            "(count × height × width) nor labels (count)")
        stem = Path(path).name.lower()
        part = "test" if len(paths) == 4 and ("t10k" in stem or "test" in stem) else "train"
        key = f"{part}_{kind}"
        if key in roles:
            raise SpecError(f"{Path(path).name} and {Path(roles[key]).name} are both {part} "
                            f"{kind}" + ("; test files need 't10k' or 'test' in their names"
                                         if len(paths) == 4 else ""))
        roles[key] = str(path)
    missing = [k for k in ("train_images", "train_labels", "test_images", "test_labels")[
        :len(paths)] if k not in roles]
    if missing:
        raise SpecError(f"no file for the {missing[0].replace('_', ' ')}")
    return {"name": "idx", **roles}


# --- pictures ----------------------------------------------------------------------------------
def image_qimage(chw: np.ndarray) -> QImage:
    """(C, H, W) in [0, 1] as a QImage: grey for one channel (or the channels' mean), RGB for 3."""
    a = np.clip(np.nan_to_num(np.asarray(chw, dtype=np.float32)), 0.0, 1.0)
    if a.shape[0] == 3:
        pixels = np.ascontiguousarray(np.round(a.transpose(1, 2, 0) * 255), dtype=np.uint8)
        h, w = pixels.shape[:2]
        return QImage(pixels.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
    grey = np.ascontiguousarray(np.round(a.mean(axis=0) * 255), dtype=np.uint8)
    h, w = grey.shape
    return QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()


def draw_image(painter: QPainter, rect: QRect, image: QImage) -> None:
    """The image in rect: whole-pixel enlargement when it fits twice or more (crisp), smooth
    scaling otherwise; framed."""
    side = min(rect.width(), rect.height())
    factor = side // max(image.width(), image.height())
    if factor >= 2:
        w, h = image.width() * factor, image.height() * factor
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
    else:
        k = side / max(image.width(), image.height())
        w, h = round(image.width() * k), round(image.height() * k)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
    target = QRect(rect.x() + (rect.width() - w) // 2, rect.y() + (rect.height() - h) // 2, w, h)
    painter.fillRect(rect, QColor(0, 0, 0))
    painter.drawImage(target, image)
    painter.setPen(QColor(150, 150, 150))
    painter.drawRect(rect.adjusted(0, 0, -1, -1))


class SampleGrid(QWidget):
    """Training samples, 8 to a row, each with its label under it. Long class names are shown as
    numbers with a key below the grid. Clicking a sample chooses it for the augmentation
    preview."""

    cell_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[QImage] = []
        self.captions: list[str] = []
        self.names: list[str] = []
        self.key_text = ""
        self.chosen = 0
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._resize()

    def set_samples(self, images: np.ndarray, labels: np.ndarray, class_names: list[str]) -> None:
        self.images = [image_qimage(x) for x in images]
        self.names = [class_names[int(c)] for c in labels]
        fm = QFontMetrics(self.font())
        short = all(fm.horizontalAdvance(n) <= CELL + GAP for n in class_names)
        self.captions = list(self.names) if short else [str(int(c)) for c in labels]
        self.key_text = "" if short else "  ".join(f"{i}\u00a0{n}" for i, n in
                                                    enumerate(class_names))
        self.chosen = min(self.chosen, max(len(self.images) - 1, 0))
        self._resize()
        self.update()

    def clear(self) -> None:
        self.images, self.captions, self.names, self.key_text = [], [], [], ""
        self._resize()
        self.update()

    def count(self) -> int:
        return len(self.images)

    def _row_height(self) -> int:
        return CELL + QFontMetrics(self.font()).height() + GAP

    def _resize(self) -> None:
        rows = max(1, math.ceil(len(self.images) / COLUMNS))
        self.setFixedSize(COLUMNS * (CELL + GAP), rows * self._row_height())

    def cell_rect(self, index: int) -> QRect:
        row, col = divmod(index, COLUMNS)
        return QRect(col * (CELL + GAP), row * self._row_height(), CELL, CELL)

    def index_at(self, x: float, y: float) -> int:
        col = int(x // (CELL + GAP))
        row = int(y // self._row_height())
        index = row * COLUMNS + col
        return index if 0 <= col < COLUMNS and 0 <= index < len(self.images) else -1

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        fm = QFontMetrics(self.font())
        for i, image in enumerate(self.images):
            rect = self.cell_rect(i)
            draw_image(painter, rect, image)
            if i == self.chosen:
                painter.setPen(QPen(QColor(*palette.POSITIVE), 2))
                painter.drawRect(rect.adjusted(1, 1, -1, -1))
            painter.setPen(QColor(30, 30, 30))
            text = fm.elidedText(self.captions[i], Qt.TextElideMode.ElideRight, CELL + GAP)
            painter.drawText(QRect(rect.x() - GAP // 2, rect.bottom() + 1, CELL + GAP,
                                   fm.height()), Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.index_at(event.position().x(), event.position().y())
        if index >= 0 and event.button() == Qt.MouseButton.LeftButton:
            self.chosen = index
            self.update()
            self.cell_clicked.emit(index)

    def event(self, event: Any) -> bool:
        if isinstance(event, QHelpEvent) and event.type() == QHelpEvent.Type.ToolTip:
            index = self.index_at(event.pos().x(), event.pos().y())
            if index >= 0:
                QToolTip.showText(event.globalPos(), f"{self.names[index]} (click: preview "
                                  "its augmentation)", self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)


class AugmentPreview(QWidget):
    """One sample (left, larger) and its augmented versions (two rows to the right)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original: np.ndarray | None = None
        self.variants: np.ndarray | None = None
        self._images: list[QImage] = []
        self.setFixedSize(2 * CELL + 2 * GAP + 4 + VARIANTS // 2 * (CELL + GAP),
                          2 * CELL + GAP + QFontMetrics(self.font()).height() + 2)

    def set_images(self, original: np.ndarray | None, variants: np.ndarray | None) -> None:
        self.original, self.variants = original, variants
        self._images = [] if original is None or variants is None else \
            [image_qimage(original), *(image_qimage(v) for v in variants)]
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        fm = QFontMetrics(self.font())
        painter.setPen(QColor(FAINT))
        big = 2 * CELL + GAP
        painter.drawText(QRect(0, 0, big, fm.height()), Qt.AlignmentFlag.AlignCenter, "original")
        painter.drawText(QRect(big + 2 * GAP, 0, self.width() - big - 2 * GAP, fm.height()),
                         Qt.AlignmentFlag.AlignCenter, "what training sees")
        if self._images:
            top = fm.height() + 2
            draw_image(painter, QRect(0, top, big, big), self._images[0])
            for i, image in enumerate(self._images[1:]):
                row, col = divmod(i, VARIANTS // 2)
                draw_image(painter, QRect(big + 2 * GAP + 4 + col * (CELL + GAP),
                                          top + row * (CELL + GAP), CELL, CELL), image)
        painter.end()


# --- the panel ---------------------------------------------------------------------------------
class ImageDataPanel(QWidget):
    """Choose and shape image data; edits go through the ExperimentModel."""

    message = Signal(str)  # a problem the user should see (a file that cannot be imported)
    samples_shown = Signal(str)  # the spec key whose samples the grid now shows

    def __init__(self, model: ExperimentModel, parent: QWidget | None = None, *,
                 find: dict[str, Any] | None = None) -> None:
        """`find` goes to catalog.list_datasets (where to look for installed full sets)."""
        super().__init__(parent)
        self.model = model
        self._refreshing = False
        self._pool = QThreadPool(self)  # created first: destroyed (and joined) first
        self._pool.setMaxThreadCount(1)
        self._signals = _Signals(self)
        self._signals.done.connect(self._job_done)
        self._cache: dict[str, dict[str, Any]] = {}
        self._pending: dict[str, str] = {}  # key -> "show" or the undo text of an import
        self._shown_key: str | None = None
        self._preview_seed = 0
        self._settings_for: str | None = None
        self.entries = {e["name"]: e for e in catalog.list_datasets(**(find or {}))
                        if e["kind"] == "image"}
        self.imports: list[tuple[str, dict[str, Any]]] = []  # (title, spec) imported this session

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(5)
        layout.addWidget(_heading("Image dataset"))
        self.chooser = Combo()
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setMinimumContentsLength(16)
        self.chooser.currentIndexChanged.connect(self._chosen)
        layout.addWidget(self.chooser)
        self.info = QLabel()
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.setOpenExternalLinks(True)
        layout.addWidget(self.info)
        row = QHBoxLayout()
        self.idx_button = QPushButton("Import IDX files…")
        self.idx_button.setToolTip("MNIST-format files: images and labels (2 files), or "
                                   "training and test images and labels (4 files)")
        self.idx_button.clicked.connect(self._ask_idx)
        self.folder_button = QPushButton("Import image folder…")
        self.folder_button.setToolTip("A folder with one subfolder of images (PNG, JPEG, …) "
                                      "per class")
        self.folder_button.clicked.connect(self._ask_folder)
        row.addWidget(self.idx_button)
        row.addWidget(self.folder_button)
        layout.addLayout(row)

        self.settings_box = QGroupBox("Settings")
        self.settings_form = QFormLayout(self.settings_box)
        self.settings_form.setContentsMargins(6, 4, 6, 4)
        self.setting_widgets: dict[str, QWidget] = {}
        layout.addWidget(self.settings_box)

        self.samples_box = QGroupBox("Training samples")
        column = QVBoxLayout(self.samples_box)
        column.setContentsMargins(6, 4, 6, 4)
        self.status = QLabel()
        self.status.setWordWrap(True)
        column.addWidget(self.status)
        self.grid = SampleGrid()
        self.grid.cell_clicked.connect(lambda _i: self._update_preview())
        column.addWidget(self.grid, 0, Qt.AlignmentFlag.AlignHCenter)
        self.key_label = QLabel()
        self.key_label.setWordWrap(True)
        self.key_label.setStyleSheet(f"color: {FAINT};")
        column.addWidget(self.key_label)
        layout.addWidget(self.samples_box)

        layout.addWidget(self._augmentation_box())

        row = QHBoxLayout()
        row.addWidget(QLabel("Preprocessing"))
        self.preprocessing = Combo()
        for key, label in preprocessing.METHODS.items():
            self.preprocessing.addItem(label, key)
        self.preprocessing.setToolTip("Fitted on the training part only, applied to every part "
                                      "and to your drawings")
        self.preprocessing.currentIndexChanged.connect(self._preprocessing_edited)
        row.addWidget(self.preprocessing, 1)
        layout.addLayout(row)
        layout.addStretch(1)

        self._fill_chooser()
        model.changed.connect(self._document_changed)
        self.refresh()

    def _document_changed(self, _old: Any, _new: Any) -> None:
        self.refresh()

    # --- augmentation controls --------------------------------------------------------------------
    def _augmentation_box(self) -> QGroupBox:
        box = QGroupBox("Augmentation of training images")
        box.setToolTip("Every training batch is changed at random, so that each epoch sees new "
                       "variants; validation and test images stay as they are")
        self.augmentation_box = box
        column = QVBoxLayout(box)
        column.setContentsMargins(6, 4, 6, 4)
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        self.aug_widgets: dict[str, QWidget] = {}
        for row, info in enumerate(augment.PARAMETERS):
            widget = _control(info.kind, info.default, info.low, info.high, info.choices,
                              lambda v, k=info.name: self._augmentation_edited(k, v),
                              label=info.label)
            widget.setToolTip(info.help)
            widget.setObjectName(f"augmentation.{info.name}")
            self.aug_widgets[info.name] = widget
            if info.kind == "bool":
                grid.addWidget(widget, row, 0, 1, 2)
            else:
                grid.addWidget(QLabel(info.label), row, 0)
                grid.addWidget(widget, row, 1)
        grid.setColumnStretch(1, 1)
        column.addLayout(grid)
        line = QHBoxLayout()
        self.preview = AugmentPreview()
        line.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        side = QVBoxLayout()
        self.preview_note = QLabel()
        self.preview_note.setWordWrap(True)
        self.preview_note.setStyleSheet(f"color: {FAINT};")
        self.preview_note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        side.addWidget(self.preview_note, 1)
        self.reroll = QToolButton()
        self.reroll.setText("Again")
        self.reroll.setToolTip("Draw other random changes of the same sample")
        self.reroll.clicked.connect(self._reroll)
        side.addWidget(self.reroll)
        line.addLayout(side, 1)
        column.addLayout(line)
        return box

    # --- the chooser ------------------------------------------------------------------------------
    def _fill_chooser(self) -> None:
        self.chooser.blockSignals(True)
        self.chooser.clear()
        group = None
        for name, entry in self.entries.items():
            if group is not None and entry["group"] != group:
                self.chooser.insertSeparator(self.chooser.count())
            group = entry["group"]
            self.chooser.addItem(entry["title"], ("catalog", name))
            self.chooser.setItemData(self.chooser.count() - 1, entry["description"],
                                     Qt.ItemDataRole.ToolTipRole)
        if self.imports:
            self.chooser.insertSeparator(self.chooser.count())
        for i, (title, spec) in enumerate(self.imports):
            self.chooser.addItem(title, ("import", i))
            self.chooser.setItemData(self.chooser.count() - 1, _import_source(spec),
                                     Qt.ItemDataRole.ToolTipRole)
        self.chooser.blockSignals(False)

    def _chosen(self, index: int) -> None:
        data = self.chooser.itemData(index) if index >= 0 else None
        if self._refreshing or data is None:
            return
        current = self.model.get("dataset") or {}
        kept = {k: v for k, v in current.items() if k in PIPELINE_KEYS and k != "features"}
        if data[0] == "catalog":
            entry = self.entries[data[1]]
            spec, title = copy.deepcopy(entry["spec"]), entry["title"]
        else:
            title, spec = self.imports[data[1]]
            spec = copy.deepcopy(spec)
        if loading_spec(current) == spec:
            return
        text = f"Data: {title}"
        document = self.model.document()
        document["dataset"] = {**spec, **kept}
        classes = entry.get("classes") if data[0] == "catalog" else None
        fitted = fit_output(document, int(classes)) if classes else None
        if fitted is not None:  # the output layer follows the class count, in the same step
            document, what = fitted
            text = f"{text} ({what})"
        self.model.replace(document, text)

    def _current_index(self, spec: dict[str, Any]) -> int:
        plain = loading_spec(spec)
        for i in range(self.chooser.count()):
            data = self.chooser.itemData(i)
            if data is None:
                continue
            if data[0] == "import" and self.imports[data[1]][1] == plain:
                return i
            if data[0] == "catalog" and data[1] == plain.get("name") and (
                    "path" not in self.entries[data[1]]["spec"]
                    or self.entries[data[1]]["spec"].get("path") == plain.get("path")):
                return i
        return -1

    # --- imports ----------------------------------------------------------------------------------
    def _ask_idx(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, "Import IDX files (2 or 4)", "",
            "IDX files (*ubyte* *.idx* *.gz);;All files (*)")
        if paths:
            self.import_idx(paths)

    def _ask_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Import an image folder (one subfolder "
                                                "per class)")
        if path:
            self.import_folder(path)

    def import_idx(self, paths: list[str]) -> bool:
        """Use IDX files as the data once they load; files that cannot be read change nothing
        and say why (through `message`). False when the files are refused at once."""
        try:
            spec = idx_spec([str(p) for p in paths])
        except (PlaygroundError, OSError) as exc:
            self.message.emit(f"Could not import the IDX files: {exc}")
            return False
        self._start_import(spec, _import_title(spec), lambda: (spec, sample_record(spec)))
        return True

    def import_folder(self, path: str) -> bool:
        """Use an image folder (one subfolder per class) as the data once it loads."""
        root = Path(path)
        if not root.is_dir():
            self.message.emit(f"Could not import {root.name}: it is not a folder")
            return False
        spec: dict[str, Any] = {"name": "image_folder", "path": str(root)}

        def work() -> tuple[dict[str, Any], dict[str, Any]]:
            try:
                return spec, sample_record(spec)
            except SpecError as exc:
                if "choose one size" not in str(exc):
                    raise
            sized = {**spec, "size": list(FOLDER_SIZE)}  # mixed sizes: resize them all
            return sized, sample_record(sized)

        self._start_import(spec, _import_title(spec), work)
        return True

    def _start_import(self, spec: dict[str, Any], title: str,
                      work: Callable[[], tuple[dict[str, Any], dict[str, Any]]]) -> None:
        key = "import:" + spec_key(spec)
        self._pending[key] = title
        self._set_status(f"Reading {title[title.index(':') + 2:]}…")
        self._pool.start(_Job(key, work, self._signals))

    # --- samples ----------------------------------------------------------------------------------
    def _request_samples(self, spec: dict[str, Any]) -> None:
        key = spec_key(spec)
        if key in self._cache:
            self._show_samples(key)
            return
        self.grid.clear()
        self.key_label.setText("")
        self.preview.set_images(None, None)
        self._shown_key = None
        self._set_status("Loading samples…")
        if key not in self._pending:
            self._pending[key] = "show"
            plain = loading_spec(spec)
            self._pool.start(_Job(key, lambda: (plain, sample_record(plain)), self._signals))

    def _job_done(self, key: str, result: Any, error: str) -> None:
        what = self._pending.pop(key, "show")
        if what != "show":  # an import
            if result is None:
                self.message.emit(f"Could not import {what[what.index(':') + 2:]}: {error}")
                self._set_status("")
                if self._shown_key in self._cache:
                    self._show_samples(self._shown_key)  # back to what was shown
                return
            spec, record = result
            self._cache[spec_key(spec)] = record
            self.imports = [(t, s) for t, s in self.imports if s != spec] + [(what, spec)]
            self._fill_chooser()
            kept = {k: v for k, v in (self.model.get("dataset") or {}).items()
                    if k in PIPELINE_KEYS and k != "features"}
            self.model.set("dataset", {**spec, **kept}, f"Import {what}")
            return
        if result is not None:
            self._cache[key] = result[1]
        current = self.model.get("dataset") or {}
        if key != spec_key(current):
            return  # the user has moved on
        if result is None:
            self.grid.clear()
            self._set_status(f"Cannot load this dataset: {error}")
            return
        self._show_samples(key)

    def _set_status(self, text: str) -> None:
        if text:
            self.samples_box.setTitle("Training samples")
        self.status.setText(text)
        self.status.setVisible(bool(text))

    def _show_samples(self, key: str) -> None:
        record = self._cache[key]
        if key != self._shown_key:
            self.grid.chosen = 0
        self._shown_key = key
        self.grid.set_samples(record["images"], record["labels"], record["class_names"])
        self.key_label.setText(self.grid.key_text)
        self.key_label.setVisible(bool(self.grid.key_text))
        self.samples_box.setTitle(f"Training samples ({record['count']:,} images loaded)")
        spec = self.model.get("dataset") or {}
        if spec.get("name") in IMPORTED:
            self.info.setText(self._info_text(spec))
        self.status.setText("")
        self.status.setVisible(False)
        self._update_preview()
        self.samples_shown.emit(key)

    # --- augmentation -----------------------------------------------------------------------------
    def augmentation(self) -> dict[str, Any]:
        """The document's augmentation settings, complete (defaults filled in)."""
        config = (self.model.get("dataset") or {}).get("augmentation") or {}
        try:
            return Augmenter(config).get_config()
        except PlaygroundError:
            return Augmenter().get_config()

    def _augmentation_edited(self, name: str, value: Any) -> None:
        if self._refreshing:
            return
        spec = self.model.get("dataset")
        config = self.augmentation()
        config[name] = value
        try:
            config = Augmenter(config).get_config()
        except PlaygroundError as exc:
            self.message.emit(str(exc))
            self.refresh()
            return
        if config == Augmenter().get_config():
            spec.pop("augmentation", None)  # everything off: no augmentation
        else:
            spec["augmentation"] = config
        self.model.set("dataset", spec, f"Augmentation: {name}",
                       merge_key=f"dataset.augmentation.{name}")

    def _reroll(self) -> None:
        self._preview_seed += 1
        self._update_preview()

    def _update_preview(self) -> None:
        record = self._cache.get(self._shown_key or "")
        if record is None or not len(record["images"]):
            self.preview.set_images(None, None)
            return
        original = record["images"][min(self.grid.chosen, len(record["images"]) - 1)]
        augmenter = Augmenter(self.augmentation())
        variants = augmenter.preview(original, VARIANTS, seed=self._preview_seed)
        self.preview.set_images(original, variants)
        name = record["class_names"][int(record["labels"][self.grid.chosen])]
        self.preview_note.setText(f"A “{name}”: " + ("augmentation is off: training sees it "
                                                     "as it is" if not augmenter.enabled else
                                                     f"{VARIANTS} random versions"))

    # --- preprocessing and settings ---------------------------------------------------------------
    def _preprocessing_edited(self) -> None:
        if self._refreshing:
            return
        spec = self.model.get("dataset")
        spec["preprocessing"] = self.preprocessing.currentData()
        self.model.set("dataset", spec, "Preprocessing")

    def _setting_edited(self, key: str, value: Any) -> None:
        if self._refreshing:
            return
        spec = self.model.get("dataset")
        entry = self.entries.get(spec.get("name", ""))
        param = next((p for p in (entry or {}).get("params", []) if p["name"] == key), None)
        if key == "classes" and isinstance(value, list) and len(value) < 2:
            self.message.emit("Choose at least two classes.")
            self.refresh()
            return
        if param is not None and value == param["default"]:
            spec.pop(key, None)  # the default: keep the document plain
        else:
            spec[key] = value
        self.model.set("dataset", spec, f"Data: {key}", merge_key=f"dataset.{key}")

    def _fill_settings(self, spec: dict[str, Any]) -> None:
        name = spec.get("name")
        entry = self.entries.get(name or "")
        params = [p for p in (entry or {}).get("params", []) if p["kind"] != "path"]
        if name == self._settings_for:  # the same set: show the values, keep the focus
            for p in params:
                show_value(self.setting_widgets[p["name"]], spec.get(p["name"], p["default"]))
            return
        self._settings_for = name
        while self.settings_form.rowCount():
            self.settings_form.removeRow(0)
        self.setting_widgets = {}
        self.settings_box.setVisible(bool(params))
        for p in params:
            widget = _control(p["kind"], p["default"], p["low"], p["high"], p["choices"],
                              lambda v, k=p["name"]: self._setting_edited(k, v))
            show_value(widget, spec.get(p["name"], p["default"]))
            widget.setToolTip(p["help"])
            widget.setObjectName(f"data.{p['name']}")
            self.setting_widgets[p["name"]] = widget
            self.settings_form.addRow(p["name"].capitalize(), widget)

    # --- showing the document ---------------------------------------------------------------------
    def refresh(self) -> None:
        self._refreshing = True
        try:
            self._refresh()
        finally:
            self._refreshing = False

    def _refresh(self) -> None:
        spec = self.model.get("dataset") or {}
        name = spec.get("name")
        is_image = name in self.entries or name in IMPORTED
        if name in IMPORTED and all(s != loading_spec(spec) for _t, s in self.imports):
            self.imports.append((_import_title(spec), loading_spec(spec)))  # opened from a file
            self._fill_chooser()
        index = self._current_index(spec) if is_image else -1
        self.chooser.setCurrentIndex(index)
        self.info.setText(self._info_text(spec) if is_image else
                          "The document uses 2-D points: choose an image dataset above.")
        self._fill_settings(spec if is_image else {})
        config = self.augmentation()
        for key, widget in self.aug_widgets.items():
            show_value(widget, config[key])
        method = self.preprocessing.findData(spec.get("preprocessing", "none") or "none")
        self.preprocessing.setCurrentIndex(max(method, 0))
        for box in (self.samples_box, self.augmentation_box):
            box.setEnabled(is_image)
        if not is_image:
            self.grid.clear()
            self.preview.set_images(None, None)
            self._set_status("")
            self.samples_box.setTitle("Training samples")
            self._shown_key = None
        elif self._shown_key == spec_key(spec):
            self._update_preview()  # the same images: the augmentation may have changed
        elif self.isVisible():
            self._request_samples(spec)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        spec = self.model.get("dataset") or {}
        if (spec.get("name") in self.entries or spec.get("name") in IMPORTED) \
                and self._shown_key != spec_key(spec):
            self._request_samples(spec)

    def _info_text(self, spec: dict[str, Any]) -> str:
        name = spec.get("name")
        if name in IMPORTED:
            source = f"<span style='color:{FAINT}'>{_html(_import_source(spec))}</span>"
            record = self._cache.get(spec_key(spec))
            if record is None:
                return source
            c, h, w = record["shape"]
            parts = (f" ({record['train']:,} training, {record['test']:,} test)"
                     if record["test"] else "")
            return (f"<b>{record['count']:,} images{parts}</b> · {c}×{h}×{w} · "
                    f"{len(record['class_names'])} classes<br>{source}")
        entry = self.entries[name]
        c, h, w = entry["input_shape"]
        sizes = entry["sizes"]
        counts = (f"{entry['samples']:,} images ({sizes['train']:,} training, "
                  f"{sizes['test']:,} test)" if sizes and sizes.get("test") else
                  f"{entry['samples']:,} images" + (" by default" if entry["group"] ==
                                                    "generated" else ""))
        lines = [f"<b>{counts}</b> · {c}×{h}×{w} · {entry['classes']} classes"]
        if entry["group"] == "generated":
            source = ("Drawn here from the DejaVu Sans font (Bitstream Vera licence)"
                      if name == "font_digits" else "Drawn here: no licence needed")
            lines.append(f"<span style='color:{FAINT}'>{source}</span>")
        else:
            credit = entry["credit"] or entry["source"]
            link = f" <a href='{entry['url']}'>source</a>" if entry["url"] else ""
            lines.append(f"<span style='color:{FAINT}'>{_html(credit)} Licence: "
                         f"{_html(entry['licence'] or 'see source')}.{link}</span>")
        if entry.get("problem"):
            lines.append(f"<span style='color:#b00020'>{_html(entry['problem'])}</span>")
        return "<br>".join(lines)


# --- small helpers --------------------------------------------------------------------------------
def _control(kind: str, default: Any, low: Any, high: Any, choices: Any,
             edited: Callable[[Any], None], label: str = "") -> QWidget:
    """A widget for one setting; `edited(value)` follows the user's changes."""
    widget: QWidget
    if kind == "bool":
        widget = QCheckBox(label)
        widget.toggled.connect(edited)
    elif kind == "int":
        widget = IntSpin()
        optional = default is None  # e.g. samples: empty means all
        lowest = int(low if low is not None else 0)
        widget.setRange(lowest - (1 if optional else 0),
                        int(min(high if high is not None else 2**31 - 1, 2**31 - 1)))
        if optional:
            widget.setSpecialValueText("all")
        widget.setKeyboardTracking(False)
        widget.valueChanged.connect(
            lambda v, w=widget, o=optional: edited(None if o and v == w.minimum() else v))
    elif kind == "float":
        widget = FloatSpin()
        widget.setRange(float(low), float(high))
        widget.setDecimals(2)
        widget.setSingleStep(0.05 if float(high) <= 2 else 1.0)
        widget.setKeyboardTracking(False)
        widget.valueChanged.connect(edited)
    elif kind == "list":
        widget = QWidget()
        grid = QGridLayout(widget)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(0)
        checks = []
        per_row = 5 if max((len(str(c)) for c in choices), default=1) <= 2 else 3
        for i, choice in enumerate(choices):
            check = QCheckBox(str(choice))
            checks.append(check)
            grid.addWidget(check, i // per_row, i % per_row)

        def changed(_on: bool) -> None:
            edited([str(c) for c, b in zip(choices, checks, strict=True) if b.isChecked()])

        for check in checks:
            check.toggled.connect(changed)
        widget.checks = checks  # type: ignore[attr-defined]
        widget.choices = list(choices)  # type: ignore[attr-defined]
    else:
        widget = Combo()
        widget.addItems([str(c) for c in choices])
        widget.currentTextChanged.connect(edited)
    return widget


def _import_title(spec: dict[str, Any]) -> str:
    if spec.get("name") == "idx":
        return f"IDX: {Path(spec.get('train_images', '')).name}"
    return f"Folder: {Path(spec.get('path', '')).name}"


def _import_source(spec: dict[str, Any]) -> str:
    if spec.get("name") == "idx":
        test = " and its test files" if spec.get("test_images") else ""
        return f"IDX files: {Path(spec.get('train_images', '')).name}{test}"
    size = spec.get("size")
    resized = f", resized to {size[0]}×{size[1]}" if size else ""
    return f"Image folder {spec.get('path', '')}{resized}"


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: bold;")
    return label


