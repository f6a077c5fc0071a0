"""A drawing made by hand -> one network input, normalized the way the dataset's images were made.

Pure NumPy (the canvas that records the drawing is the UI's). The drawing is a large greyscale
array (e.g. 280×280) with ink = 1 on a background of 0; the result is (C, H, W) float32 in [0, 1]
with ink = 1, the same range and polarity as `load_dataset(...)` gives for the training images
(before the pipeline's preprocessing: apply `Prepared.transform` to it, as to any raw input).

How each style copies its dataset (numbers measured on the shipped sets; the checks are in
tests/data/test_digit_input.py):
  mnist      LeCun's MNIST: the ink's bounding box scaled, aspect kept, to fit a 20×20 box on the
             pixel grid of the 28×28 frame, anti-aliased (area averaging), then moved by whole
             pixels so that its centre of mass lands on pixel (14, 14). The shipped MNIST: a
             bounding box of exactly 20 for 11,998 of 12,000 images, centre of mass 14.00 ± 0.29
             (the spread of rounding to whole pixels). MNIST test images drawn back 10× larger
             come back with a correlation above 0.9999 (2,000 of 2,000).
  fashion    Fashion-MNIST (Xiao et al. 2017): the longest edge resized to the frame (28), the
             image centred. Its test images drawn back 10× larger: median correlation 0.97.
  optdigits  scikit-learn's 8×8 digits (UCI optdigits): NIST's 32×32 bitmap counted in 4×4
             blocks (0..16; divided by 16 when loaded). Measured on the 1,797 images: the height
             always fills the bitmap (ink in all 8 rows), the width is 5 to 7 block columns (about
             20 of 32 pixels, also for most ones), strokes are thick. Here: the height fills the
             32 rows, the width is scaled to 20 columns unless that would widen the character
             beyond its own aspect (a plain stroke stays narrow), pixels at least half covered
             are on, and every stroke is thickened by one pixel. Evidence: a classifier trained
             on the 8×8 digits reads MNIST test digits (a different set of writers) converted
             this way at 62% (logistic regression) and 68% (3 nearest neighbours), against
             54% / 61% when the aspect is kept, 60% / 67% without thickening, and 23% / 27%
             for the whole drawing simply shrunk to 8×8; the mean pixel (0.305) equals the
             data's (0.305).
  font       font_digits: glyph height 0.68 of the frame, centred by its bounding box (the
             generator's average placement; its random shifts, turns and slants spread around
             it). Its 128-pixel glyph masks converted: correlation 0.989 to 0.999 with the set's
             images drawn without variation.
  shapes     shapes: longest side 15/28 of the frame (the shapes' mean size), centred.
  bars       bars: the bar's length (the diagonal of its box) 0.78 of the frame, centred.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.core.errors import SpecError

#: style -> (what it copies, how), for the GUI
STYLES: dict[str, tuple[str, str]] = {
    "mnist": ("MNIST", "fitted into a 20×20 box, centre of mass at the centre"),
    "fashion": ("Fashion-MNIST", "longest edge fills the frame, centred"),
    "optdigits": ("the 8×8 digits", "a 32×32 bitmap counted in 4×4 blocks"),
    "font": ("the font digits", "glyph height 0.68 of the frame, centred"),
    "shapes": ("the shapes", "longest side 15/28 of the frame, centred"),
    "bars": ("the bars", "bar length 0.78 of the frame, centred"),
}

#: dataset name -> style; names not listed (imported IDX files, image folders) use "mnist"
DATASET_STYLES: dict[str, str] = {
    "mnist": "mnist", "mnist_full": "mnist", "idx": "mnist", "image_folder": "mnist",
    "fashion_mnist": "fashion", "fashion_mnist_full": "fashion",
    "digits": "optdigits", "font_digits": "font", "shapes": "shapes", "bars": "bars",
}

INK = 0.02  # a drawing's pixels above this count as ink for the bounding box
MNIST_BOX = 20 / 28
FONT_BOX = 0.68  # generated_images.font_digits: "0.68 of the image at scale 1"
SHAPES_BOX = 15 / 28
BARS_LENGTH = 0.78
OPTDIGITS_WIDTH = 20 / 32  # of the 32×32 bitmap
OPTDIGITS_STROKE = 1.0  # bitmap pixels added around every stroke


def style_for(dataset: dict[str, Any] | str) -> str:
    """The style for a dataset spec or name (a style's own name gives that style): how its
    images were made."""
    name = str(dataset.get("name") if isinstance(dataset, dict) else dataset)
    return DATASET_STYLES.get(name, name if name in STYLES else "mnist")


def to_network_input(strokes_image: np.ndarray, target_shape: tuple[int, int, int],
                     style: str = "mnist") -> np.ndarray:
    """The drawing (H', W') with ink 1 on 0 as one input (C, H, W) float32 in [0, 1], normalized
    like the dataset's images (see the module notes). An empty drawing gives all zeros."""
    image = np.asarray(strokes_image, dtype=np.float64)
    if image.ndim != 2 or 0 in image.shape:
        raise SpecError(f"drawing: expected a 2-D greyscale image, got shape {image.shape}")
    if len(target_shape) != 3 or any(int(n) < 1 for n in target_shape):
        raise SpecError(f"drawing: the network input must be (channels, height, width), got "
                        f"{tuple(target_shape)}")
    if style not in STYLES:
        raise SpecError(f"drawing: unknown style {style!r} (styles: {', '.join(STYLES)})")
    channels, height, width = (int(n) for n in target_shape)
    image = np.clip(np.nan_to_num(image), 0.0, 1.0)
    box = ink_box(image)
    if box is None:
        return np.zeros((channels, height, width), dtype=np.float32)
    if style == "mnist":
        grey = _mnist(image, box, height, width)
    elif style == "optdigits":
        grey = _optdigits(image, box, height, width)
    else:
        fraction, measure = {"fashion": (1.0, "side"), "font": (FONT_BOX, "side"),
                             "shapes": (SHAPES_BOX, "side"), "bars": (BARS_LENGTH, "diagonal")
                             }[style]
        grey = _fit_centred(image, box, height, width, fraction, measure)
    out = np.empty((channels, height, width), dtype=np.float32)
    out[:] = np.clip(grey, 0.0, 1.0)
    return out


def ink_box(image: np.ndarray, threshold: float = INK) -> tuple[int, int, int, int] | None:
    """(top, bottom, left, right) of the ink, bottom and right exclusive; None when blank."""
    ink = image > threshold
    rows = np.flatnonzero(ink.any(axis=1))
    if len(rows) == 0:
        return None
    cols = np.flatnonzero(ink.any(axis=0))
    return int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1


def centre_of_mass(image: np.ndarray) -> tuple[float, float]:
    """(row, column) of the ink's centre of mass in pixel indices (pixel i is centred on i)."""
    image = np.asarray(image, dtype=np.float64)
    total = image.sum()
    if total <= 0:
        return (image.shape[0] - 1) / 2, (image.shape[1] - 1) / 2
    rows = image.sum(axis=1) @ np.arange(image.shape[0]) / total
    cols = image.sum(axis=0) @ np.arange(image.shape[1]) / total
    return float(rows), float(cols)


# --- resampling --------------------------------------------------------------------------------
def area_resample(values: np.ndarray, n_out: int, dst_start: float, scale: float,
                  axis: int = 0) -> np.ndarray:
    """`values` resampled along `axis` to n_out pixels, each the average of the source over its
    footprint, for the map output = source * scale + dst_start (continuous coordinates: pixel k
    spans [k, k + 1)); outside the source counts as background (0). Integral-image sums, no
    matrix product: BLAS threads stall when the other core is busy (DESIGN.md, "Threads")."""
    a = np.moveaxis(np.asarray(values, dtype=np.float64), axis, 0)
    n = a.shape[0]
    cumulative = np.concatenate([np.zeros((1, *a.shape[1:])), np.cumsum(a, axis=0)])
    edges = np.clip((np.arange(n_out + 1) - dst_start) / scale, 0.0, n)
    k = np.minimum(np.floor(edges).astype(np.int64), n - 1)
    frac = (edges - k).reshape(-1, *([1] * (a.ndim - 1)))
    integral = cumulative[k] + frac * a[k]
    return np.moveaxis(np.diff(integral, axis=0) * scale, 0, axis)


def _render(image: np.ndarray, box: tuple[int, int, int, int], shape: tuple[int, int],
            scale: tuple[float, float], dst: tuple[float, float]) -> np.ndarray:
    """The box of the drawing scaled by `scale` (rows, columns) with its top-left corner at
    `dst` (continuous coordinates) of an output of `shape`, area-averaged."""
    top, bottom, left, right = box
    rows = area_resample(image[top:bottom, left:right], shape[0], dst[0], scale[0], axis=0)
    return area_resample(rows, shape[1], dst[1], scale[1], axis=1)


def _shift(image: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Moved down by dy and right by dx whole pixels; what leaves the frame is lost."""
    out = np.zeros_like(image)
    h, w = image.shape
    out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
        image[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out


# --- the styles --------------------------------------------------------------------------------
def _mnist(image: np.ndarray, box: tuple[int, int, int, int], height: int,
           width: int) -> np.ndarray:
    top, bottom, left, right = box
    h, w = bottom - top, right - left
    box_h = max(1, round(height * MNIST_BOX))
    box_w = max(1, round(width * MNIST_BOX))
    s = min(box_h / h, box_w / w)
    # the 20×20 box sits on the pixel grid, and so does the start of the shorter side
    y0, x0 = (height - box_h) // 2, (width - box_w) // 2
    grey = _render(image, box, (height, width), (s, s),
                   (y0 + (box_h - h * s) // 2, x0 + (box_w - w * s) // 2))
    cy, cx = centre_of_mass(grey)
    dy, dx = round(height / 2 - cy), round(width / 2 - cx)
    # never push ink out of the frame (MNIST's own digits never needed that)
    dy = int(np.clip(dy, -y0, height - y0 - box_h))
    dx = int(np.clip(dx, -x0, width - x0 - box_w))
    return _shift(grey, dy, dx)


def _fit_centred(image: np.ndarray, box: tuple[int, int, int, int], height: int, width: int,
                 fraction: float, measure: str) -> np.ndarray:
    top, bottom, left, right = box
    h, w = bottom - top, right - left
    if measure == "diagonal":
        s = fraction * min(height, width) / float(np.hypot(h, w))
        s = min(s, height / h, width / w)
    else:
        s = min(fraction * height / h, fraction * width / w)
    return _render(image, box, (height, width), (s, s),
                   ((height - h * s) / 2, (width - w * s) / 2))


def _optdigits(image: np.ndarray, box: tuple[int, int, int, int], height: int,
               width: int) -> np.ndarray:
    top, bottom, left, right = box
    h, w = bottom - top, right - left
    big_h, big_w = 4 * height, 4 * width
    sy = big_h / h
    # the height fills the bitmap; the width is NIST's 20 of 32 columns for wide characters,
    # its own (aspect kept) for narrow ones such as a plain one
    sx = min(OPTDIGITS_WIDTH * big_w / w, sy)
    coverage = _render(image, box, (big_h, big_w), (sy, sx), (0.0, (big_w - w * sx) / 2))
    bitmap = coverage >= 0.5
    bitmap = _dilate(bitmap, OPTDIGITS_STROKE)
    counts = bitmap.reshape(height, 4, width, 4).sum(axis=(1, 3))
    return counts / 16.0


def _dilate(bitmap: np.ndarray, radius: float) -> np.ndarray:
    """Every pixel within `radius` of an on pixel switched on (a disc-shaped pen)."""
    r = int(np.floor(radius))
    out = bitmap.copy()
    h, w = bitmap.shape
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if (dy or dx) and dy * dy + dx * dx <= radius * radius:
                out[max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] |= \
                    bitmap[max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out
