"""Two-dimensional point sets for classification (the playground's classic problems).

Every generator takes the number of samples, a noise level and a seed; the same seed gives the
same points. Coordinates lie roughly in [-1, 1]². Labels are integers 0..classes-1.
"""

from __future__ import annotations

import numpy as np

from playground.core.errors import SpecError, check_number


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), 2024])


def xor(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    pts = rng.uniform(-1.0, 1.0, size=(samples, 2))
    # keep points off the axes a little so the four quadrants stay readable
    pts += np.sign(pts) * 0.05
    labels = (pts[:, 0] * pts[:, 1] < 0).astype(np.int64)
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def circle(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = np.arange(samples) % 2
    inner = rng.uniform(0.0, 0.45, samples)
    outer = rng.uniform(0.65, 1.0, samples)
    radius = np.where(labels == 0, inner, outer)
    angle = rng.uniform(0.0, 2.0 * np.pi, samples)
    pts = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def spiral(samples: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = np.arange(samples) % 2
    t = rng.uniform(0.0, 1.0, samples) ** 0.5
    angle = t * 3.5 * np.pi + labels * np.pi
    radius = 0.05 + 0.9 * t
    pts = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return pts + rng.normal(0.0, noise, size=pts.shape), labels


def gaussians(samples: int, noise: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    labels = np.arange(samples) % 2
    centres = np.array([[-0.45, -0.45], [0.45, 0.45]])
    pts = centres[labels] + rng.normal(0.0, 0.15 + noise, size=(samples, 2))
    return pts, labels


GENERATORS = {"xor": xor, "circle": circle, "spiral": spiral, "gaussians": gaussians}


def generate(name: str, samples: int = 400, noise: float = 0.0,
             seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points (samples, 2) float64 and labels (samples,) int64 of a named 2-D problem."""
    if name not in GENERATORS:
        raise SpecError(f"dataset.name: unknown 2-D dataset {name!r} "
                        f"(known: {', '.join(GENERATORS)})")
    samples = int(check_number("dataset.samples", samples, 4, 1_000_000, integer=True))
    noise = float(check_number("dataset.noise", noise, 0.0, 2.0))
    seed = int(check_number("dataset.seed", seed, 0, integer=True))
    rng = _rng(seed)
    pts, labels = GENERATORS[name](samples, noise, rng)
    perm = rng.permutation(samples)
    return pts[perm], labels[perm]
