"""Image mode (#6): what a CNN (or any network on images) learns, shown live. The views are fed
from copies of the weights (a snapshot) in this module's own Network, on the GUI thread and at
a rate that leaves the worker alone; the test-set predictions and "what excites this unit" are
computed by the worker on request."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from playground.core.layers import shape_text
from playground.core.network import Network
from playground.ui.digit_canvas import DigitCanvas
from playground.ui.image_grid import ImageGrid
from playground.ui.image_pixels import display_rgba
from playground.ui.image_views import (
    ConfusionView,
    FeatureMapsView,
    PredictionsView,
    WeightImagesView,
)

VIEW_INTERVAL = 0.25  # seconds between redraws of the weight and feature-map views (each ~5 ms)
EVALUATE_INTERVAL = 2.0  # seconds between test-set scorings while training runs
PREDICTIONS_SHOWN = 64
WEIGHTED = ("dense", "conv2d", "conv2d_transpose")


class ImageMode(QObject):
    """Owns the image views and keeps them in step with the run."""

    def __init__(self, controller: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.info: Any = None
        self.network: Network | None = None
        self.class_names: list[str] = []
        self.chosen_test = 0  # the test image whose feature maps are shown
        self.source = "test"  # or "drawing": what the feature maps show
        self.drawing: np.ndarray | None = None
        self.weighted: list[int] = []  # layer indices (0-based) the weights view offers
        self.weight_choice = 0
        self._last_views = 0.0
        self._last_evaluation = 0.0
        self._evaluating = False
        self._evaluate_every = EVALUATE_INTERVAL
        self.latest: Any = None

        self.feature_maps = FeatureMapsView()
        self.feature_caption = QLabel()
        self.feature_caption.setStyleSheet("font-weight: bold;")
        self.center = QWidget()
        column = QVBoxLayout(self.center)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.feature_caption)
        column.addWidget(self.feature_maps, 1)

        self.canvas = DigitCanvas()
        self.weights = WeightImagesView()
        self.predictions = PredictionsView()
        self.confusion = ConfusionView()
        self.tabs = QTabWidget()
        draw_page = QWidget()
        draw_column = QVBoxLayout(draw_page)
        hint = QLabel("Draw a digit with the mouse: the network's answer and every layer's "
                      "response follow your pen.")
        hint.setWordWrap(True)
        draw_column.addWidget(hint)
        draw_column.addWidget(self.canvas, 1)
        self.draw_answer = QLabel()
        self.draw_answer.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.draw_answer.setAlignment(Qt.AlignmentFlag.AlignCenter)
        draw_column.addWidget(self.draw_answer)
        # an autoencoder's answers are images: originals and reconstructions side by side (E1)
        self.reconstructions = ImageGrid()
        self.reconstructions.set_columns(6)
        self.reconstructions.set_size_range(40, 96)
        self.reconstructions.set_placeholder("Reconstructions appear here while it trains.")
        reconstruction_scroll = QScrollArea()
        reconstruction_scroll.setWidget(self.reconstructions)
        reconstruction_scroll.setWidgetResizable(True)
        self.answers = QStackedWidget()
        self.answers.addWidget(self.predictions)
        self.answers.addWidget(reconstruction_scroll)
        for widget, title in ((self.answers, "Predictions"), (self.confusion, "Confusion"),
                              (self.weights, "Weights"), (draw_page, "Draw")):
            self.tabs.addTab(widget, title)
        self.right = QWidget()
        right_column = QHBoxLayout(self.right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(self.tabs)

        self.predictions.image_chosen.connect(self.choose_test_image)
        self.canvas.drawn.connect(self._drawn)
        self.weights.layer_chosen.connect(self._weight_layer_chosen)
        self.weights.unit_chosen.connect(self._unit_chosen)
        self.tabs.currentChanged.connect(self._tab_changed)
        controller.evaluated.connect(self._evaluated)
        controller.excited.connect(self._excited)

    # --- a new run -------------------------------------------------------------------------------
    def set_run(self, info: Any) -> bool:
        """Prepare for a freshly built run; False when its inputs are not images."""
        self.info = info
        self.network = None
        if len(info.input_shape) != 3:
            return False
        self.network = Network(info.layer_configs, info.input_shape, dtype=info.dtype)
        train = info.prepared.split.train
        self.class_names = list(train.class_names) if info.classification else []
        self.feature_maps.set_class_names(self.class_names)
        self.predictions.set_class_names(self.class_names)
        self.weighted = [i for i, layer in enumerate(self.network.layers)
                         if layer.name in WEIGHTED]
        self.weights.set_layers([self.network.layers[i].label for i in self.weighted])
        self.weight_choice = 0
        self.weights.show_excitation(None, "")
        c, h, w = info.input_shape
        self.canvas.set_target((c, h, w), info.experiment.dataset.get("name", ""))
        self.chosen_test = 0
        self.source = "test"
        self._evaluating = False
        self._last_evaluation = 0.0
        rebuilds = self.rebuilds_input()
        self.answers.setCurrentIndex(1 if rebuilds else 0)
        self.tabs.setTabText(0, "Reconstructions" if rebuilds else "Predictions")
        self.tabs.setTabEnabled(1, info.classification)  # a confusion matrix needs classes
        self.reconstructions.clear()
        return True

    def rebuilds_input(self) -> bool:
        """An autoencoder: the run learns to reproduce its input."""
        return self.info is not None and self.info.experiment.target == "input"

    def test_part(self) -> tuple[Any, Any]:
        """The part the views draw images from: the test part, or validation when a document
        keeps no test part (LeNet's preset uses MNIST's official test set; others may not)."""
        prepared = self.info.prepared
        if len(prepared.split.test):
            return prepared.split.test, prepared.raw.test
        return prepared.split.validation, prepared.raw.validation

    # --- each frame ------------------------------------------------------------------------------
    def render(self, snapshot: Any, running: bool) -> None:
        if self.network is None:
            return
        self.latest = snapshot
        now = time.perf_counter()
        if running and now - self._last_views < VIEW_INTERVAL:
            return
        self._last_views = now
        self.network.load_state(snapshot.theta, snapshot.buffers)
        self._show_weights()
        self._show_feature_maps()
        if not self._evaluating and (not running or now - self._last_evaluation >=
                                     self._evaluate_every) and self._scores_visible():
            self.request_evaluation()

    def _scores_visible(self) -> bool:
        return self.tabs.currentWidget() in (self.answers, self.confusion)

    def request_evaluation(self) -> None:
        part = "test" if len(self.info.prepared.split.test) else "validation"
        self._evaluating = True
        self._last_evaluation = time.perf_counter()
        self.controller.evaluate_requested.emit(part, PREDICTIONS_SHOWN)

    def _tab_changed(self, _index: int) -> None:
        if self.network is not None and self._scores_visible() and not self._evaluating:
            self.request_evaluation()

    # --- weights ---------------------------------------------------------------------------------
    def _weight_layer_chosen(self, choice: int) -> None:
        self.weight_choice = choice
        self.weights.show_excitation(None, "")
        if self.latest is not None:
            self._show_weights()

    def _show_weights(self) -> None:
        if not self.weighted:
            return
        layer = self.network.layers[self.weighted[min(self.weight_choice,
                                                      len(self.weighted) - 1)]]
        weight = layer.params["weight"]
        if layer.name == "dense":
            if int(np.prod(layer.input_shape)) == int(np.prod(self.info.input_shape)):
                self.weights.show_dense(weight.copy(), tuple(self.info.input_shape))
            else:  # a dense layer deeper in: its inputs are not pixels; show each unit's row
                self.weights.show_dense(weight.copy(), (1, 1, weight.shape[0]))
        elif layer.name == "conv2d_transpose":  # stored (in, out, kh, kw): show per output
            self.weights.show_conv(weight.transpose(1, 0, 2, 3).copy(), layer.label)
        else:
            self.weights.show_conv(weight.copy(), layer.label)

    def _unit_chosen(self, choice: int, unit: int) -> None:
        index = self.weighted[choice]
        self.weights.set_busy("Searching for the input that most excites it…")
        self.controller.excite_requested.emit(index + 1, unit)

    def _excited(self, result: Any) -> None:
        layer, unit, found = result
        if self.network is None or layer - 1 >= len(self.network.layers):
            return
        label = self.network.layers[layer - 1].label
        what = "filter" if len(self.network.layers[layer - 1].output_shape) == 3 else "unit"
        self.weights.show_excitation(
            found.image.reshape(self.info.input_shape),
            f"The input that most excites {what} {unit + 1} of {label} "
            f"(activation {found.activation:.3g})")

    # --- feature maps ----------------------------------------------------------------------------
    def choose_test_image(self, index: int) -> None:
        self.chosen_test = int(index)
        self.source = "test"
        if self.latest is not None:
            self._show_feature_maps()

    def _drawn(self, image: np.ndarray) -> None:
        self.drawing = np.asarray(image)
        self.source = "drawing"
        if self.latest is not None and self.network is not None:
            self._show_feature_maps()

    def _show_feature_maps(self) -> None:
        if self.source == "drawing" and self.drawing is not None:
            raw = self.drawing.reshape(1, *self.info.input_shape)
            x = self.info.prepared.transform(raw)
            caption = "Your drawing"
        else:
            ready, raw_part = self.test_part()
            if not len(ready):
                return
            index = min(self.chosen_test, len(ready) - 1)
            x = ready.X[index:index + 1]
            raw = raw_part.X[index:index + 1]
            label = ""
            if self.class_names and raw_part.labels is not None:
                label = f" (a {self.class_names[int(raw_part.labels[index])]})"
            caption = f"Test image {index + 1}{label}"
        with np.errstate(all="ignore"):
            outputs = self.network.forward_all(np.asarray(x, dtype=self.network.dtype))
        layers = [(f"{layer.label} · {shape_text(out.shape[1:])}", out[0])
                  for layer, out in zip(self.network.layers, outputs, strict=True)]
        self.feature_caption.setText(f"Every layer's response to: {caption}")
        self.feature_maps.show(np.asarray(raw[0], dtype=np.float32), layers)
        if self.source == "drawing" and self.class_names:
            probs = outputs[-1][0]
            best = int(np.argmax(probs))
            self.draw_answer.setText(f"{self.class_names[best]}  ({100 * probs[best]:.0f}%)")

    # --- scores ----------------------------------------------------------------------------------
    def _evaluated(self, evaluation: Any) -> None:
        self._evaluating = False
        # scoring 10,000 test images takes the worker a while: at most a tenth of its time
        self._evaluate_every = max(EVALUATE_INTERVAL, 10 * evaluation.seconds)
        if self.network is None:
            return
        ready, raw_part = self.test_part()
        indices = evaluation.indices
        metrics = evaluation.metrics
        if self.rebuilds_input():
            self._show_reconstructions(ready.X[indices], evaluation.outputs)
        elif self.info.classification:
            images = raw_part.X[indices]
            self.predictions.show(images, raw_part.labels[indices], evaluation.outputs, indices)
            if "confusion" in metrics:
                self.confusion.show(np.asarray(metrics["confusion"]), self.class_names)

    def _show_reconstructions(self, inputs: np.ndarray, outputs: np.ndarray) -> None:
        """Pairs of (what the network saw, what it rebuilt), drawn on one scale."""
        shown = min(len(inputs), 24)
        rebuilt = np.asarray(outputs[:shown]).reshape(shown, *self.info.input_shape)
        pairs = np.empty((2 * shown, *self.info.input_shape), dtype=np.float32)
        pairs[0::2] = inputs[:shown]
        pairs[1::2] = rebuilt
        captions = ["original", "rebuilt"] * shown
        self.reconstructions.set_images(display_rgba(pairs), captions)
