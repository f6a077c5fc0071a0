"""The app's colours, chosen to be told apart by colour-blind viewers (Okabe & Ito) and to read
on a projector. One meaning per colour everywhere: orange is negative / class 0, blue is
positive / class 1; further classes take the rest of the Okabe-Ito set."""

from __future__ import annotations

import numpy as np

# Chrome (text, frames, messages) for the views that draw their own: one set for all of them.
TEXT = (40, 40, 40)
FAINT = (110, 110, 110)
BORDER = (150, 150, 150)
HIGHLIGHT = (20, 20, 20)
ERROR = (180, 20, 20)
BACKGROUND = (255, 255, 255)
LABEL_PT = 11.0  # projector-readable: no text below 11 pt
HEADING_PT = 12.0

NEGATIVE = (230, 120, 0)  # deep orange: negative values, class 0
POSITIVE = (0, 114, 178)  # blue: positive values, class 1
NEUTRAL = (247, 247, 247)  # zero

#: class colours, in class order (2 to 8 classes)
CLASS_COLORS: list[tuple[int, int, int]] = [
    NEGATIVE,
    POSITIVE,
    (0, 158, 115),  # bluish green
    (204, 121, 167),  # reddish purple
    (240, 228, 66),  # yellow
    (86, 180, 233),  # sky blue
    (213, 94, 0),  # vermillion
    (90, 90, 90),  # dark grey
]


def class_color(index: int) -> tuple[int, int, int]:
    return CLASS_COLORS[index % len(CLASS_COLORS)]


def hex_color(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def diverging_lut(n: int = 256) -> np.ndarray:
    """n RGBA rows from NEGATIVE through NEUTRAL to POSITIVE (uint8)."""
    t = np.linspace(-1.0, 1.0, n)[:, None]
    neg, mid, pos = (np.array(c, dtype=np.float64) for c in (NEGATIVE, NEUTRAL, POSITIVE))
    rgb = np.where(t < 0, mid + (neg - mid) * -t, mid + (pos - mid) * t)
    out = np.empty((n, 4), dtype=np.uint8)
    out[:, :3] = np.round(rgb).astype(np.uint8)
    out[:, 3] = 255
    return out


_LUT = diverging_lut()


#: how far a background surface goes towards the full colours, so that the data points drawn
#: on it in full colour stay visible
SURFACE_STRENGTH = 0.65


def diverging_rgba(values: np.ndarray, limit: float, strength: float = 1.0) -> np.ndarray:
    """Map values in [-limit, limit] to RGBA pixels (..., 4) uint8; NaN is drawn neutral.
    strength < 1 stops short of the full colours (a background)."""
    limit = float(limit) if limit > 0 else 1.0
    v = np.nan_to_num(np.asarray(values, dtype=np.float64) / limit, nan=0.0) * strength
    idx = np.clip(np.round((v + 1.0) * 0.5 * (len(_LUT) - 1)), 0, len(_LUT) - 1).astype(np.intp)
    return _LUT[idx]


def class_rgba(probabilities: np.ndarray, strength: float = 1.0) -> np.ndarray:
    """Pixels for a multiclass surface (..., C) of probabilities: the winning class's colour,
    washed towards white as the network becomes unsure (confidence as intensity)."""
    p = np.asarray(probabilities, dtype=np.float64)
    classes = p.shape[-1]
    colors = np.array([class_color(c) for c in range(classes)], dtype=np.float64)
    winner = p.argmax(axis=-1)
    top = np.take_along_axis(p, winner[..., None], axis=-1)[..., 0]
    # 1/C (a guess) -> white, 1 (certain) -> the full colour
    certainty = np.clip((top - 1.0 / classes) / (1.0 - 1.0 / classes), 0.0, 1.0)[..., None]
    white = np.array(NEUTRAL, dtype=np.float64)
    rgb = white + (colors[winner] - white) * (0.25 + 0.75 * certainty) * strength
    out = np.empty((*p.shape[:-1], 4), dtype=np.uint8)
    out[..., :3] = np.round(rgb).astype(np.uint8)
    out[..., 3] = 255
    return out
