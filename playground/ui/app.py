"""The desktop application's entry point. For now a small window: the presets and how to train
them; the interactive editor and live views build on this window."""

from __future__ import annotations

import html
import sys

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from playground import __version__
from playground.core.experiment import load_preset, preset_names
from playground.core.network import describe_stack
from playground.data.catalog import list_datasets


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(f"Neural Playground {__version__}")
        self.presets = QListWidget()
        self.details = QTextBrowser()
        # looked up once: the catalog searches the disk for installed full-size sets
        self.input_shapes = {d["name"]: tuple(d["input_shape"]) for d in list_datasets()}
        for name in preset_names():
            exp = load_preset(name)
            item = QListWidgetItem(exp.title or name)
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.presets.addItem(item)
        self.presets.currentItemChanged.connect(self._show_preset)
        heading = QLabel("Presets")
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        left = QWidget()
        column = QVBoxLayout(left)
        column.addWidget(heading)
        column.addWidget(self.presets)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.details)
        splitter.setSizes([260, 640])
        self.setCentralWidget(splitter)
        self.setStyleSheet("QListWidget, QTextBrowser { font-size: 13pt; }")
        self.resize(960, 600)
        if self.presets.count():
            self.presets.setCurrentRow(0)

    def _show_preset(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        name = item.data(Qt.ItemDataRole.UserRole)
        exp = load_preset(name)
        dataset = exp.dataset["name"]
        features = exp.dataset.get("features")
        samples = f", {exp.dataset['samples']} samples" if "samples" in exp.dataset else ""
        shape = (len(features),) if features else self.input_shapes.get(dataset, ())
        summary = describe_stack(exp.layers, shape)
        rows = "".join(f"<tr><td>{s.label}</td><td>{'×'.join(map(str, s.output_shape))}</td>"
                       f"<td align='right'>{s.params}</td>"
                       f"<td>{html.escape(s.error or '')}</td></tr>" for s in summary)
        self.details.setHtml(
            f"<h2>{exp.title}</h2><p>{exp.description}</p>"
            f"<p><b>Data:</b> {dataset}{samples}. "
            f"<b>Optimizer:</b> {exp.optimizer['name']}, learning rate "
            f"{exp.optimizer['learning_rate']}. <b>Epochs:</b> {exp.epochs}.</p>"
            f"<table cellpadding='4'><tr><th align='left'>Layer</th><th align='left'>Output"
            f"</th><th align='right'>Parameters</th></tr>{rows}</table>"
            f"<p>Train it from a terminal: <code>playground train {name}</code></p>")


def run() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    window = MainWindow()
    window.show()
    return app.exec()
