"""Weight and bias initializers by name (I1–I3).

Each is called with the array shape, the fan-in and fan-out of the layer, and a NumPy Generator.
"""

from __future__ import annotations

import math

import numpy as np

from playground.core.errors import SpecError, check_number
from playground.core.registry import Configurable, Registry

registry: Registry[Initializer] = Registry("initializer")


class Initializer(Configurable):
    def __call__(self, shape: tuple[int, ...], fan_in: int, fan_out: int,
                 rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError


@registry.register("zeros")
class Zeros(Initializer):
    def __call__(self, shape, fan_in, fan_out, rng):
        return np.zeros(shape)


@registry.register("constant")
class Constant(Initializer):
    def __init__(self, value: float = 0.1) -> None:
        self.value = float(check_number("constant.value", value))

    def __call__(self, shape, fan_in, fan_out, rng):
        return np.full(shape, self.value)


@registry.register("uniform")
class Uniform(Initializer):
    def __init__(self, low: float = -0.05, high: float = 0.05) -> None:
        self.low = float(check_number("uniform.low", low))
        self.high = float(check_number("uniform.high", high))
        if self.high < self.low:
            raise SpecError(f"uniform: high ({high}) must not be below low ({low})")

    def __call__(self, shape, fan_in, fan_out, rng):
        return rng.uniform(self.low, self.high, size=shape)


@registry.register("normal")
class Normal(Initializer):
    def __init__(self, mean: float = 0.0, std: float = 0.01) -> None:
        self.mean = float(check_number("normal.mean", mean))
        self.std = float(check_number("normal.std", std, 0.0))

    def __call__(self, shape, fan_in, fan_out, rng):
        return rng.normal(self.mean, self.std, size=shape)


class _Scaled(Initializer):
    """Variance-scaling family: variance = scale / fan, uniform or normal."""

    scale = 1.0
    fan = "in"  # "in", "out" or "avg"
    distribution = "normal"

    def __call__(self, shape, fan_in, fan_out, rng):
        n = {"in": fan_in, "out": fan_out, "avg": (fan_in + fan_out) / 2.0}[self.fan]
        var = self.scale / max(n, 1)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            return rng.uniform(-limit, limit, size=shape)
        return rng.normal(0.0, math.sqrt(var), size=shape)


def _scaled(name: str, scale: float, fan: str, distribution: str) -> None:
    attrs = {"scale": scale, "fan": fan, "distribution": distribution}
    registry.register(name)(type(name.title().replace("_", ""), (_Scaled,), attrs))


_scaled("glorot_uniform", 1.0, "avg", "uniform")
_scaled("glorot_normal", 1.0, "avg", "normal")
_scaled("he_uniform", 2.0, "in", "uniform")
_scaled("he_normal", 2.0, "in", "normal")
_scaled("lecun_normal", 1.0, "in", "normal")


@registry.register("orthogonal")
class Orthogonal(Initializer):
    """Rows or columns orthonormal (Saxe et al.), over the array flattened to (fan_in, rest)."""

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(check_number("orthogonal.gain", gain, 0.0))

    def __call__(self, shape, fan_in, fan_out, rng):
        size = int(np.prod(shape))
        rows = shape[0] if len(shape) > 1 else 1
        cols = size // rows
        a = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(a)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)


def get(identifier: str | dict | Initializer) -> Initializer:
    return registry.get(identifier)


def names() -> list[str]:
    return registry.names()
