"""NumPy arrays → RGBA pixels for the image-mode views (no Qt here): images as a person would
look at them (grey or RGB), signed values in the palette's orange-white-blue, and a dense layer's
weights as one picture per unit in the shape of its input."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from playground.ui import palette

PAD = (200, 200, 200)  # between the tiles of a mosaic, outside the values


def finite_limit(values: np.ndarray) -> float:
    """max |value| over the finite values, or 1 when there are none (or all are zero)."""
    a = np.abs(np.asarray(values, dtype=np.float64))
    a = a[np.isfinite(a)]
    top = float(a.max()) if a.size else 0.0
    return top if top > 0 else 1.0


def diverging(values: np.ndarray, limit: float) -> np.ndarray:
    """(..., h, w) signed values → (..., h, w, 4) uint8, C-contiguous: orange < 0, white 0,
    blue > 0, saturated at ±limit."""
    return np.ascontiguousarray(palette.diverging_rgba(values, limit))


def _rgba_from_unit(rgb: np.ndarray) -> np.ndarray:
    """(..., 3) in [0, 1] → (..., 4) uint8 opaque."""
    out = np.empty((*rgb.shape[:-1], 4), dtype=np.uint8)
    out[..., :3] = np.round(np.clip(np.nan_to_num(rgb, nan=0.5), 0.0, 1.0) * 255.0)
    out[..., 3] = 255
    return out


def display_rgba(images: np.ndarray) -> np.ndarray:
    """Input images (N, C, H, W) → (N, H, W, 4) uint8 as a person would look at them: C = 3 as
    RGB, other C as grey (the channels' mean). Values already in [0, 1] are drawn as they are;
    otherwise the batch is scaled to [0, 1] by its own minimum and maximum."""
    x = np.asarray(images, dtype=np.float32)
    if x.ndim != 4:
        raise ValueError(f"images of shape (N, C, H, W) expected, got {x.shape}")
    finite = x[np.isfinite(x)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if lo < 0.0 or hi > 1.0:
        x = (x - lo) / (hi - lo if hi > lo else 1.0)
    if x.shape[1] == 3:
        rgb = x.transpose(0, 2, 3, 1)
    else:
        grey = x.mean(axis=1) if x.shape[1] != 1 else x[:, 0]
        rgb = np.repeat(grey[..., None], 3, axis=-1)
    return _rgba_from_unit(rgb)


def signed_rgba(image: np.ndarray, limit: float | None = None) -> np.ndarray:
    """One signed image (C, H, W) → (H, W, 4): C = 3 as RGB with 0 at mid grey (±limit at the
    ends), any other C as the diverging colours of the channels' mean."""
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"an image of shape (C, H, W) expected, got {x.shape}")
    limit = finite_limit(x) if limit is None else limit
    if x.shape[0] == 3:
        return _rgba_from_unit(0.5 + x.transpose(1, 2, 0) / (2.0 * limit))
    return diverging(x.mean(axis=0), limit)


def mosaic(values: np.ndarray, gap: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(N, C, h, w) → (N, H, W) with each item's C channels tiled in a near-square grid, one
    pixel apart; and the (H, W) mask of the pixels that hold no value."""
    n, c, h, w = values.shape
    cols = math.ceil(math.sqrt(c))
    rows = math.ceil(c / cols)
    H, W = rows * (h + gap) - gap, cols * (w + gap) - gap
    out = np.zeros((n, H, W), dtype=np.float64)
    empty = np.ones((H, W), dtype=bool)
    for k in range(c):
        r, q = divmod(k, cols)
        y, x = r * (h + gap), q * (w + gap)
        out[:, y:y + h, x:x + w] = values[:, k]
        empty[y:y + h, x:x + w] = False
    return out, empty


def unit_weight_images(weights: np.ndarray, input_shape: Sequence[int]) -> tuple[np.ndarray,
                                                                                    float]:
    """A dense layer's weights (inputs, units) → one picture per unit in the input's shape,
    (units, H, W, 4), and the colour limit (the layer's max |w|, so signs compare across units).
    1 channel: diverging colours; 3 channels: RGB with 0 at mid grey; other channel counts are
    tiled; a flat input is folded into a near-square block."""
    w = np.asarray(weights, dtype=np.float64)
    shape = tuple(int(s) for s in input_shape)
    if w.ndim != 2:
        raise ValueError(f"a weight matrix (inputs, units) expected, got shape {w.shape}")
    if math.prod(shape) != w.shape[0]:
        raise ValueError(f"the weight matrix has {w.shape[0]} inputs but the input shape "
                         f"{'×'.join(map(str, shape))} has {math.prod(shape)}")
    limit = finite_limit(w)
    units = w.shape[1]
    if sum(1 for s in shape if s > 1) <= 1:  # a vector in any dress, e.g. (1, 1, 84)
        shape = (w.shape[0],)
    if len(shape) == 3 and shape[0] == 3:
        v = w.T.reshape(units, *shape)
        return _rgba_from_unit(0.5 + v.transpose(0, 2, 3, 1) / (2.0 * limit)), limit
    if len(shape) == 3:
        v = w.T.reshape(units, *shape)
    elif len(shape) == 2:
        v = w.T.reshape(units, 1, *shape)
    else:  # flat: fold into rows of ceil(sqrt(n))
        n = w.shape[0]
        cols = math.ceil(math.sqrt(n))
        rows = math.ceil(n / cols)
        v = np.full((units, rows * cols), np.nan)
        v[:, :n] = w.T
        v = v.reshape(units, 1, rows, cols)
        pixels = diverging(v[:, 0], limit)
        pixels.reshape(units, -1, 4)[:, n:] = (*PAD, 255)
        return pixels, limit
    if v.shape[1] == 1:
        return diverging(v[:, 0], limit), limit
    tiled, empty = mosaic(v)
    pixels = diverging(tiled, limit)
    pixels[:, empty] = (*PAD, 255)
    return pixels, limit
