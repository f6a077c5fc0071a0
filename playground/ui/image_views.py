"""The image-mode views (issue #6, item 3), pure view widgets fed with NumPy arrays:

- `WeightImagesView`: what the first layers learned, and what excites a unit (C6);
- `FeatureMapsView`: every feature map of every layer for one image (C2, C3);
- `PredictionsView`: test images with their predictions, mistakes marked (L2);
- `ConfusionView`: the confusion matrix with per-class and overall accuracy (L2).

They know nothing of training: the main window feeds them copies of weights and outputs a few
times a second and listens to their signals. The pieces they share (arrays → pixels, the
painted `ImageGrid`) live in `image_pixels`, `image_grid` and `image_parts`."""

from playground.ui.image_confusion import ConfusionView
from playground.ui.image_grid import ImageBox, ImageGrid
from playground.ui.image_maps import FeatureMapsView
from playground.ui.image_parts import DivergingLegend, ProbabilityBars, VectorStrip
from playground.ui.image_pixels import display_rgba, diverging, signed_rgba, unit_weight_images
from playground.ui.image_predictions import PredictionsView
from playground.ui.image_weights import WeightImagesView

__all__ = [
    "ConfusionView",
    "DivergingLegend",
    "FeatureMapsView",
    "ImageBox",
    "ImageGrid",
    "PredictionsView",
    "ProbabilityBars",
    "VectorStrip",
    "WeightImagesView",
    "display_rgba",
    "diverging",
    "signed_rgba",
    "unit_weight_images",
]
