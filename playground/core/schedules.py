"""Learning-rate schedules (O3): the rate for step t (0-based count of updates done)."""

from __future__ import annotations

import math

import numpy as np

from playground.core.errors import check_number
from playground.core.registry import Configurable, Registry

registry: Registry[Schedule] = Registry("schedule")


class Schedule(Configurable):
    def factor(self, steps: np.ndarray) -> np.ndarray:
        """Multiplier of the base learning rate at each step."""
        raise NotImplementedError

    def learning_rate(self, base: float, step: int) -> float:
        """The rate at `step` for base rate `base` (named so that no schedule parameter can
        shadow it: exponential and inverse_time have a parameter called `rate`)."""
        return float(base * self.factor(np.array([step], dtype=np.float64))[0])


@registry.register("constant")
class Constant(Schedule):
    def factor(self, steps):
        return np.ones_like(steps, dtype=np.float64)


@registry.register("step")
class StepDecay(Schedule):
    """Multiply by `drop` every `every` steps."""

    def __init__(self, drop: float = 0.5, every: int = 1000) -> None:
        self.drop = float(check_number("step.drop", drop, 0.0, 1.0, low_open=True))
        self.every = int(check_number("step.every", every, 1, integer=True))

    def factor(self, steps):
        return self.drop ** np.floor(steps / self.every)


@registry.register("exponential")
class ExponentialDecay(Schedule):
    """Multiply by `rate` per `decay_steps` steps, smoothly."""

    def __init__(self, rate: float = 0.5, decay_steps: int = 1000) -> None:
        self.rate = float(check_number("exponential.rate", rate, 0.0, 1.0, low_open=True))
        self.decay_steps = int(check_number("exponential.decay_steps", decay_steps, 1,
                                            integer=True))

    def factor(self, steps):
        return self.rate ** (steps / self.decay_steps)


@registry.register("inverse_time")
class InverseTimeDecay(Schedule):
    """1 / (1 + rate * t / decay_steps)."""

    def __init__(self, rate: float = 1.0, decay_steps: int = 1000) -> None:
        self.rate = float(check_number("inverse_time.rate", rate, 0.0))
        self.decay_steps = int(check_number("inverse_time.decay_steps", decay_steps, 1,
                                            integer=True))

    def factor(self, steps):
        return 1.0 / (1.0 + self.rate * steps / self.decay_steps)


@registry.register("cosine")
class CosineDecay(Schedule):
    """Half a cosine from 1 down to `final_fraction` over `decay_steps`, then flat."""

    def __init__(self, decay_steps: int = 10000, final_fraction: float = 0.0) -> None:
        self.decay_steps = int(check_number("cosine.decay_steps", decay_steps, 1, integer=True))
        self.final_fraction = float(check_number("cosine.final_fraction", final_fraction, 0.0,
                                                 1.0))

    def factor(self, steps):
        t = np.minimum(steps, self.decay_steps) / self.decay_steps
        return self.final_fraction + (1.0 - self.final_fraction) * 0.5 * (1.0 + np.cos(math.pi * t))


def get(identifier: str | dict | Schedule | None) -> Schedule:
    return registry.get("constant" if identifier is None else identifier)


def names() -> list[str]:
    return registry.names()
