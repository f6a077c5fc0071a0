"""Per-layer weight penalties (R2): their rates feed the update kernel's segment table."""

from __future__ import annotations

from playground.core.errors import check_number
from playground.core.registry import Configurable, Registry

registry: Registry[Penalty] = Registry("penalty")


class Penalty(Configurable):
    """Adds l1 * sum|w| + l2 * sum w^2 to the loss for a layer's weights (not its biases)."""

    @property
    def rates(self) -> tuple[float, float]:
        return 0.0, 0.0


@registry.register("none")
class NoPenalty(Penalty):
    pass


@registry.register("l1")
class L1(Penalty):
    def __init__(self, rate: float = 0.001) -> None:
        self.rate = float(check_number("l1.rate", rate, 0.0))

    @property
    def rates(self) -> tuple[float, float]:
        return self.rate, 0.0


@registry.register("l2")
class L2(Penalty):
    def __init__(self, rate: float = 0.001) -> None:
        self.rate = float(check_number("l2.rate", rate, 0.0))

    @property
    def rates(self) -> tuple[float, float]:
        return 0.0, self.rate


@registry.register("l1_l2")
class L1L2(Penalty):
    def __init__(self, l1: float = 0.001, l2: float = 0.001) -> None:
        self.l1 = float(check_number("l1_l2.l1", l1, 0.0))
        self.l2 = float(check_number("l1_l2.l2", l2, 0.0))

    @property
    def rates(self) -> tuple[float, float]:
        return self.l1, self.l2


def get(identifier: str | dict | Penalty | None) -> Penalty:
    return registry.get("none" if identifier is None else identifier)


def names() -> list[str]:
    return registry.names()
