"""Augmentation for images (D5): random flips, shifts, rotations, crops and noise per batch.

Applied on the fly to each training batch (N×C×H×W), so every epoch sees new variants and the
stored data stays as it is. All randomness comes from the generator passed in: the same seed
gives the same augmented batches. Pure NumPy; rotation is bilinear sampling written here.

Order: flip, rotation, shift, crop, noise. Pixels that come from outside the image are filled
with 0 (`fill: "zero"`, the background of digit images, also after any of the preprocessing
methods, which map an always-black border pixel to 0) or copied from the nearest edge
(`fill: "edge"`). Noise is in the units of the data it is applied to (after preprocessing).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from playground.core.errors import SpecError
from playground.data.toy2d import ParamInfo

PARAMETERS: list[ParamInfo] = [
    ParamInfo("flip", "Horizontal flip", "bool", False, help="mirror half of the images"),
    ParamInfo("rotation", "Rotation (±degrees)", "float", 0.0, 0.0, 45.0,
              "rotate by a random angle up to this many degrees either way"),
    ParamInfo("shift", "Shift (±pixels)", "int", 0, 0, 16,
              "move by up to this many pixels in each direction"),
    ParamInfo("crop", "Crop padding (pixels)", "int", 0, 0, 16,
              "pad by this many pixels, then cut a random window of the original size"),
    ParamInfo("noise", "Noise (std)", "float", 0.0, 0.0, 2.0,
              "standard deviation of added Gaussian noise"),
    ParamInfo("fill", "Fill", "choice", "zero", help="what enters at the edges",
              choices=("zero", "edge")),
]
_BY_NAME = {p.name: p for p in PARAMETERS}


def _check_batch(batch: np.ndarray) -> np.ndarray:
    batch = np.asarray(batch)
    if batch.ndim != 4:
        raise SpecError(f"augmentation: needs images as N×C×H×W, got an array of shape "
                        f"{tuple(batch.shape)}")
    if not np.issubdtype(batch.dtype, np.floating):
        batch = batch.astype(np.float64)
    return batch


# --- the transforms, usable on their own -------------------------------------------------------

def flip(images: np.ndarray) -> np.ndarray:
    """Mirror left-right (N×C×H×W)."""
    return np.ascontiguousarray(_check_batch(images)[..., ::-1])


def translate(images: np.ndarray, dy: np.ndarray, dx: np.ndarray, fill: str = "zero",
              pad: int | None = None) -> np.ndarray:
    """Move image i down by dy[i] and right by dx[i] whole pixels (negative: up / left)."""
    images = _check_batch(images)
    n, _, h, w = images.shape
    dy = np.broadcast_to(np.asarray(dy, dtype=np.int64), (n,))
    dx = np.broadcast_to(np.asarray(dx, dtype=np.int64), (n,))
    if pad is None:
        pad = int(max(np.abs(dy).max(initial=0), np.abs(dx).max(initial=0)))
    if pad == 0:
        return images.copy()
    mode = "edge" if fill == "edge" else "constant"
    padded = np.pad(images, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode=mode)
    # out[i, :, r, q] = images[i, :, r - dy, q - dx] = padded[i, :, r - dy + pad, q - dx + pad]
    rows = np.clip(np.arange(h)[None, :] - dy[:, None] + pad, 0, h + 2 * pad - 1)
    cols = np.clip(np.arange(w)[None, :] - dx[:, None] + pad, 0, w + 2 * pad - 1)
    out = padded.transpose(0, 2, 3, 1)[np.arange(n)[:, None, None], rows[:, :, None],
                                       cols[:, None, :]]
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def rotate(images: np.ndarray, degrees: np.ndarray | float, fill: str = "zero") -> np.ndarray:
    """Rotate image i by degrees[i] counter-clockwise (as seen on screen) about its centre,
    with bilinear sampling; 0 degrees gives the image back exactly."""
    images = _check_batch(images)
    n, _, h, w = images.shape
    theta = np.deg2rad(np.broadcast_to(np.asarray(degrees, dtype=np.float64), (n,)))
    cos = np.cos(theta)[:, None, None]
    sin = np.sin(theta)[:, None, None]
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    r = (np.arange(h) - cy)[None, :, None]
    q = (np.arange(w) - cx)[None, None, :]
    # the source of each output pixel: the output grid rotated back (row axis points down)
    src_r = r * cos + q * sin + cy
    src_c = q * cos - r * sin + cx
    r0 = np.floor(src_r).astype(np.int64)
    c0 = np.floor(src_c).astype(np.int64)
    fr = (src_r - r0)[:, None]
    fc = (src_c - c0)[:, None]
    edge = fill == "edge"
    idx = np.arange(n)[:, None, None]

    def tap(rr: np.ndarray, cc: np.ndarray) -> np.ndarray:
        inside = (rr >= 0) & (rr < h) & (cc >= 0) & (cc < w)
        vals = images.transpose(0, 2, 3, 1)[idx, np.clip(rr, 0, h - 1), np.clip(cc, 0, w - 1)]
        vals = vals.transpose(0, 3, 1, 2)
        return vals if edge else vals * inside[:, None]

    out = ((1 - fr) * (1 - fc) * tap(r0, c0) + (1 - fr) * fc * tap(r0, c0 + 1)
           + fr * (1 - fc) * tap(r0 + 1, c0) + fr * fc * tap(r0 + 1, c0 + 1))
    return out.astype(images.dtype, copy=False)


# --- the augmenter ------------------------------------------------------------------------------

class Augmenter:
    """Random transforms of training batches, described by a config dict of plain values:
    {"flip": true, "rotation": 10, "shift": 2, "crop": 0, "noise": 0.05, "fill": "zero"}."""

    def __init__(self, config: dict[str, Any] | None = None) -> None:
        config = dict(config or {})
        unknown = sorted(set(config) - set(_BY_NAME))
        if unknown:
            raise SpecError(f"augmentation.{unknown[0]}: unknown setting "
                            f"(settings: {', '.join(_BY_NAME)})")
        self.config = {p.name: p.check(f"augmentation.{p.name}", config.get(p.name, p.default))
                       for p in PARAMETERS}

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> Augmenter:
        return cls(config)

    def get_config(self) -> dict[str, Any]:
        return dict(self.config)

    @property
    def enabled(self) -> bool:
        """Whether any transform is switched on (an off augmenter returns batches unchanged)."""
        c = self.config
        return bool(c["flip"] or c["rotation"] or c["shift"] or c["crop"] or c["noise"])

    def apply(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A new, augmented copy of a batch N×C×H×W (same shape and float dtype)."""
        out = _check_batch(batch)
        n, _, h, w = out.shape
        c = self.config
        fill = c["fill"]
        out = out.copy()
        if c["flip"]:
            mirror = rng.random(n) < 0.5
            out[mirror] = out[mirror][..., ::-1]
        if c["rotation"]:
            out = rotate(out, rng.uniform(-c["rotation"], c["rotation"], n), fill)
        if c["shift"]:
            s = min(c["shift"], h - 1, w - 1)
            dy, dx = rng.integers(-s, s + 1, size=(2, n))
            out = translate(out, dy, dx, fill, pad=s)
        if c["crop"]:
            p = c["crop"]
            # a window of the original size, anywhere in the padded image: offsets 0..2p
            dy, dx = rng.integers(0, 2 * p + 1, size=(2, n)) - p
            out = translate(out, dy, dx, fill, pad=p)
        if c["noise"]:
            out = out + rng.normal(0.0, c["noise"], size=out.shape).astype(out.dtype)
        return out

    def __call__(self, batch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.apply(batch, rng)

    def preview(self, images: np.ndarray, count: int = 8, seed: int = 0) -> np.ndarray:
        """`count` augmented samples for the GUI: of one image C×H×W (count variants of it) or
        of a batch N×C×H×W (cycling through the images). The same seed gives the same samples."""
        images = np.asarray(images)
        if images.ndim == 3:
            images = images[None]
        images = _check_batch(images)
        if len(images) == 0:
            raise SpecError("augmentation preview: no images given")
        count = int(count)
        if count < 1:
            raise SpecError(f"augmentation preview: count must be >= 1, got {count}")
        batch = images[np.arange(count) % len(images)]
        return self.apply(batch, np.random.default_rng([int(seed), 5]))

    def __repr__(self) -> str:
        return f"Augmenter({self.config})"
