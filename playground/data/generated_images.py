"""Generated image sets: shapes, oriented bars, and digits drawn from the shipped font.

Pure NumPy. Shapes and bars are drawn from signed distances (antialiased by one pixel of
coverage); font digits warp glyph masks pre-drawn from DejaVu Sans (resources/fonts, made by
scripts/make_datasets.py) with a seeded affine transform, bilinear sampling and box filtering.
Every image is rounded to 8 bits before it becomes float32, so the same seed gives the same
pixels on every machine.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np

from playground.core.errors import SpecError, check_number
from playground.data.images import ImageDataset, to_float

POINT_BUDGET = 1_500_000  # pixel samples rendered at once


# --- signed distances (canonical shapes fit the unit disc; y points down) --------------------
def _polygon(vertices: list[tuple[float, float]]) -> Callable[[np.ndarray], np.ndarray]:
    v = np.array(vertices, dtype=np.float64)

    def sdf(q: np.ndarray) -> np.ndarray:
        x, y = q[..., 0], q[..., 1]
        d = (x - v[0, 0]) ** 2 + (y - v[0, 1]) ** 2
        inside = np.zeros(x.shape, dtype=bool)
        for i in range(len(v)):
            (ax, ay), (bx, by) = v[i], v[i - 1]
            ex, ey = bx - ax, by - ay
            wx, wy = x - ax, y - ay
            t = np.clip((wx * ex + wy * ey) / (ex * ex + ey * ey), 0.0, 1.0)
            d = np.minimum(d, (wx - ex * t) ** 2 + (wy - ey * t) ** 2)
            c1, c2, c3 = y >= ay, y < by, ex * wy > ey * wx
            inside ^= (c1 & c2 & c3) | (~c1 & ~c2 & ~c3)
        return np.where(inside, -1.0, 1.0) * np.sqrt(d)

    return sdf


def _box(q: np.ndarray, half: np.ndarray) -> np.ndarray:
    dx = np.abs(q[..., 0]) - half[..., 0]
    dy = np.abs(q[..., 1]) - half[..., 1]
    outside = np.hypot(np.maximum(dx, 0.0), np.maximum(dy, 0.0))
    return outside + np.minimum(np.maximum(dx, dy), 0.0)


def _circle(q: np.ndarray) -> np.ndarray:
    return np.hypot(q[..., 0], q[..., 1]) - 0.85


def _ring(q: np.ndarray) -> np.ndarray:
    return np.abs(np.hypot(q[..., 0], q[..., 1]) - 0.72) - 0.2


def _square(q: np.ndarray) -> np.ndarray:
    return _box(q, np.array([0.7, 0.7]))


def _cross(q: np.ndarray) -> np.ndarray:
    return np.minimum(_box(q, np.array([0.95, 0.26])), _box(q, np.array([0.26, 0.95])))


def _star_vertices(points: int, outer: float, inner: float) -> list[tuple[float, float]]:
    angles = -np.pi / 2 + np.arange(2 * points) * np.pi / points
    radii = np.where(np.arange(2 * points) % 2 == 0, outer, inner)
    return [(float(r * np.cos(a)), float(r * np.sin(a))) for r, a in zip(radii, angles,
                                                                          strict=True)]


_TRIANGLE = _polygon([(0.0, -0.95), (0.95 * 0.8660254037844386, 0.95 * 0.5),
                      (-0.95 * 0.8660254037844386, 0.95 * 0.5)])
_STAR = _polygon(_star_vertices(5, 1.0, 0.42))
_HEXAGON = _polygon(_star_vertices(3, 0.9, 0.9))

SHAPES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "circle": _circle, "square": _square, "triangle": _TRIANGLE, "cross": _cross,
    "ring": _ring, "star": _STAR, "hexagon": _HEXAGON,
}
DEFAULT_SHAPES = ("circle", "square", "triangle", "cross", "ring", "star")


def _grid(size: int, oversample: int = 1) -> np.ndarray:
    """Pixel (or sub-pixel) centres in [-1, 1]², row-major, as (size², 2) x, y."""
    n = size * oversample
    c = (np.arange(n) + 0.5) / n * 2.0 - 1.0
    y, x = np.meshgrid(c, c, indexing="ij")
    return np.stack([x.ravel(), y.ravel()], axis=1)


def _canonical(grid: np.ndarray, centre: np.ndarray, angle: np.ndarray,
               scale: np.ndarray) -> np.ndarray:
    """Grid points in each image's shape frame: rotate back, then divide by the scale."""
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    dx = grid[None, :, 0] - centre[:, None, 0]
    dy = grid[None, :, 1] - centre[:, None, 1]
    qx = (cos * dx + sin * dy) / scale[:, None]
    qy = (-sin * dx + cos * dy) / scale[:, None]
    return np.stack([qx, qy], axis=-1)


def _coverage(distance: np.ndarray, scale: np.ndarray, size: int) -> np.ndarray:
    """Signed distance in shape units -> ink coverage with a one-pixel antialiased edge."""
    pixels = distance * (scale[:, None] * size / 2.0)
    return np.clip(0.5 - pixels, 0.0, 1.0)


# --- common parameters ------------------------------------------------------------------------
def _check(samples: Any, size: Any, noise: Any, seed: Any, variation: Any,
           ) -> tuple[int, int, float, int, float]:
    return (int(check_number("dataset.samples", samples, 1, 1_000_000, integer=True)),
            int(check_number("dataset.size", size, 8, 256, integer=True)),
            float(check_number("dataset.noise", noise, 0.0, 1.0)),
            int(check_number("dataset.seed", seed, 0, 2**32 - 1, integer=True)),
            float(check_number("dataset.variation", variation, 0.0, 1.0)))


def _labels(samples: int, classes: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(np.arange(samples, dtype=np.int64) % classes)


def _finish(name: str, ink: np.ndarray, labels: np.ndarray, class_names: list[str],
            noise: float, rng: np.random.Generator, dtype: str) -> ImageDataset:
    """Add noise, round to 8 bits (the same pixels on every machine) and wrap as a dataset."""
    if noise > 0:
        ink = ink + rng.normal(0.0, noise, size=ink.shape)
    pixels = np.rint(np.clip(ink, 0.0, 1.0) * 255.0).astype(np.uint8)
    pixels = pixels[:, None, :, :]
    if dtype == "uint8":
        return ImageDataset(name, pixels, labels, class_names=class_names, max_value=255.0)
    if dtype != "float32":
        raise SpecError(f"dataset.dtype: use float32 or uint8 (got {dtype!r})")
    return ImageDataset(name, to_float(pixels), labels, class_names=class_names)


def _render_sdf(samples: int, size: int, centre: np.ndarray, angle: np.ndarray,
                scale: np.ndarray,
                distance: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> np.ndarray:
    """Ink (samples, size, size) of the shapes whose signed distance `distance(q, rows)` gives
    for canonical points q of the images `rows`."""
    grid = _grid(size)
    ink = np.empty((samples, size * size))
    chunk = max(1, POINT_BUDGET // (size * size))
    for start in range(0, samples, chunk):
        rows = np.arange(start, min(start + chunk, samples))
        q = _canonical(grid, centre[rows], angle[rows], scale[rows])
        ink[rows] = _coverage(distance(q, rows), scale[rows], size)
    return ink.reshape(samples, size, size)


def _placement(samples: int, base: float, spread: float, turn: float, variation: float,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scale (radius in half-image units), rotation (radians) and centre of each image, drawn in
    that order; shifts keep a unit-disc shape inside the image."""
    scale = base * (1.0 + spread * variation * rng.uniform(-1.0, 1.0, samples))
    angle = np.deg2rad(turn * variation) * rng.uniform(-1.0, 1.0, samples)
    room = np.maximum(0.0, 0.96 - scale)[:, None] * variation
    centre = room * rng.uniform(-1.0, 1.0, (samples, 2))
    return scale, angle, centre


# --- the generators -----------------------------------------------------------------------------
def shapes(samples: int = 1000, size: int = 28, noise: float = 0.0, seed: int = 0,
           classes: list[str] | None = None, variation: float = 1.0,
           dtype: str = "float32") -> ImageDataset:
    """Filled shapes (circle, square, triangle, cross, ring, star; hexagon on request) with
    random size (±20 %), rotation (±25°) and position; `variation` 0 draws them all alike."""
    samples, size, noise, seed, variation = _check(samples, size, noise, seed, variation)
    names = list(DEFAULT_SHAPES if classes is None else classes)
    if not isinstance(classes, list | tuple | type(None)) or len(names) < 2:
        raise SpecError("dataset.classes: a list of at least two shapes "
                        f"(from {', '.join(SHAPES)})")
    for n in names:
        if n not in SHAPES:
            raise SpecError(f"dataset.classes: unknown shape {n!r} (shapes: {', '.join(SHAPES)})")
    if len(set(names)) != len(names):
        raise SpecError("dataset.classes: each shape once")
    rng = np.random.default_rng([seed, 101])
    labels = _labels(samples, len(names), rng)
    scale, angle, centre = _placement(samples, 0.62, 0.2, 25.0, variation, rng)
    functions = [SHAPES[n] for n in names]

    def distance(q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.empty(q.shape[:2])
        lab = labels[rows]
        for k, fn in enumerate(functions):
            pick = lab == k
            if pick.any():
                out[pick] = fn(q[pick])
        return out

    ink = _render_sdf(samples, size, centre, angle, scale, distance)
    return _finish("shapes", ink, labels, names, noise, rng, dtype)


def bar_angles(classes: int) -> list[float]:
    """Orientations in degrees of the bar classes: 0 is horizontal, 90 vertical, 45 is '/'."""
    return [180.0 * k / classes for k in range(classes)]


def bars(samples: int = 1000, size: int = 28, noise: float = 0.0, seed: int = 0,
         classes: int = 4, variation: float = 1.0, dtype: str = "float32") -> ImageDataset:
    """One bar per image at one of `classes` orientations evenly spread over 180°, with random
    length, thickness, position and a small tilt (at most a quarter of the step between
    classes)."""
    samples, size, noise, seed, variation = _check(samples, size, noise, seed, variation)
    classes = int(check_number("dataset.classes", classes, 2, 12, integer=True))
    rng = np.random.default_rng([seed, 102])
    labels = _labels(samples, classes, rng)
    scale, tilt, centre = _placement(samples, 0.75, 0.15, 45.0 / classes, variation, rng)
    angle = np.deg2rad(np.array(bar_angles(classes)))[labels] + tilt
    half = np.stack([np.full(samples, 1.0),
                     0.14 * (1.0 + 0.3 * variation * rng.uniform(-1.0, 1.0, samples))], axis=1)

    def distance(q: np.ndarray, rows: np.ndarray) -> np.ndarray:
        # the image y axis points down: turning by -angle makes 45° rise to the right
        return _box(q * np.array([1.0, -1.0]), half[rows][:, None, :])

    ink = _render_sdf(samples, size, centre, -angle, scale, distance)
    names = [f"{a:g}°" for a in bar_angles(classes)]
    return _finish("bars", ink, labels, names, noise, rng, dtype)


@lru_cache(maxsize=1)
def glyph_masks() -> tuple[np.ndarray, str]:
    """The shipped digit glyph masks (10, 128, 128) float in [0, 1] and their characters."""
    resource = files("playground.resources") / "fonts" / "digit_masks.npz"
    with resource.open("rb") as f, np.load(f, allow_pickle=False) as z:
        masks = z["masks"].astype(np.float64) / 255.0
        chars = "".join(z["chars"].tolist())
    masks.flags.writeable = False
    return masks, chars


def _sample_masks(masks: np.ndarray, which: np.ndarray, u: np.ndarray,
                  v: np.ndarray) -> np.ndarray:
    """Bilinear samples of masks[which] at mask pixel coordinates (u across, v down); zero
    outside the masks."""
    m = masks.shape[1]
    padded = np.pad(masks, ((0, 0), (1, 2), (1, 2)))
    flat = padded.ravel()
    side = m + 3
    u = np.clip(u, -1.0, m)
    v = np.clip(v, -1.0, m)
    x0, y0 = np.floor(u), np.floor(v)
    fx, fy = u - x0, v - y0
    x0 = x0.astype(np.int64) + 1
    y0 = y0.astype(np.int64) + 1
    base = which * (side * side) + y0 * side + x0
    a00, a01 = flat[base], flat[base + 1]
    a10, a11 = flat[base + side], flat[base + side + 1]
    return (a00 * (1 - fx) + a01 * fx) * (1 - fy) + (a10 * (1 - fx) + a11 * fx) * fy


def font_digits(samples: int = 1000, size: int = 28, noise: float = 0.0, seed: int = 0,
                classes: list[int | str] | None = None, variation: float = 1.0,
                dtype: str = "float32") -> ImageDataset:
    """Digits of DejaVu Sans with random size (±15 %), rotation (±15°), slant (±0.25) and
    position; about as tall as MNIST's digits (0.68 of the image at scale 1)."""
    samples, size, noise, seed, variation = _check(samples, size, noise, seed, variation)
    masks, chars = glyph_masks()
    digits = [str(c) for c in (classes if classes is not None else chars)]
    if not isinstance(classes, list | tuple | type(None)) or len(digits) < 2:
        raise SpecError("dataset.classes: a list of at least two digits")
    for d in digits:
        if d not in chars:
            raise SpecError(f"dataset.classes: {d!r} is not a digit 0..9")
    if len(set(digits)) != len(digits):
        raise SpecError("dataset.classes: each digit once")
    glyph = np.array([chars.index(d) for d in digits])
    rng = np.random.default_rng([seed, 103])
    labels = _labels(samples, len(digits), rng)
    scale = 0.85 * (1.0 + 0.15 * variation * rng.uniform(-1.0, 1.0, samples))
    angle = np.deg2rad(15.0 * variation) * rng.uniform(-1.0, 1.0, samples)
    shear = 0.25 * variation * rng.uniform(-1.0, 1.0, samples)
    room = np.maximum(0.0, 0.9 - 0.75 * scale)[:, None] * variation
    centre = room * rng.uniform(-1.0, 1.0, (samples, 2))

    while masks.shape[1] >= 4 * size and masks.shape[1] % 2 == 0:  # about 2 mask pixels per
        h = masks.shape[1] // 2  # sub-pixel: halve the masks by 2×2 box filtering
        masks = masks.reshape(len(masks), h, 2, h, 2).mean(axis=(2, 4))
    m = masks.shape[1]
    oversample = max(1, min(4, -(-m // (2 * size))))
    grid = _grid(size, oversample)
    ink = np.empty((samples, size, size))
    chunk = max(1, POINT_BUDGET // len(grid))
    for start in range(0, samples, chunk):
        rows = np.arange(start, min(start + chunk, samples))
        q = _canonical(grid, centre[rows], angle[rows], scale[rows])
        # undo the slant (x' = x + shear·y), then unit-disc units -> mask pixel centres
        qx = q[..., 0] - shear[rows, None] * q[..., 1]
        u = qx * (m / 2.0) + (m / 2.0 - 0.5)
        v = q[..., 1] * (m / 2.0) + (m / 2.0 - 0.5)
        which = np.broadcast_to(glyph[labels[rows]][:, None], u.shape)
        fine = _sample_masks(masks, which, u, v)
        fine = fine.reshape(len(rows), size, oversample, size, oversample)
        ink[rows] = fine.mean(axis=(2, 4))
    return _finish("font_digits", ink, labels, digits, noise, rng, dtype)


GENERATORS: dict[str, Callable[..., ImageDataset]] = {
    "shapes": shapes, "bars": bars, "font_digits": font_digits,
}


def generate(name: str, **params: Any) -> ImageDataset:
    """A generated image set by name with its settings (samples, size, noise, seed, classes,
    variation)."""
    if name not in GENERATORS:
        raise SpecError(f"dataset.name: unknown generated image set {name!r} "
                        f"(known: {', '.join(GENERATORS)})")
    return GENERATORS[name](**params)
