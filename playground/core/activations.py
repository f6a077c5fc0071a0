"""Activation functions by name (A1). Each one knows its kernel code and its parameter."""

from __future__ import annotations

import numpy as np

from playground.core.errors import check_number
from playground.core.registry import Configurable, Registry
from playground.kernels import activations as k

registry: Registry[Activation] = Registry("activation")


class Activation(Configurable):
    code: int = k.LINEAR
    #: saturated when |f'(z)| is below this fraction of the activation's largest slope
    saturating: bool = False
    #: units whose output is exactly zero are "dead" candidates (ReLU family)
    can_die: bool = False

    @property
    def alpha_value(self) -> float:
        return 0.0

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """f(z) for plotting and tests (float64)."""
        z = np.ascontiguousarray(z, dtype=np.float64)
        a = np.empty_like(z)
        if self.code == k.SOFTMAX:
            k.softmax_rows(np.atleast_2d(z), np.atleast_2d(a))
        else:
            k.act_forward(self.code, self.alpha_value, z, a)
        return a

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """f'(z) elementwise (for softmax: the diagonal of the Jacobian)."""
        z = np.ascontiguousarray(z, dtype=np.float64)
        a = self(z)
        if self.code == k.SOFTMAX:
            return a * (1.0 - a)
        d = np.empty_like(z)
        k.act_backward(self.code, self.alpha_value, z, a, np.ones_like(z), d)
        return d


def _simple(name: str, code: int, saturating: bool = False, can_die: bool = False) -> None:
    cls = type(name.title().replace("_", ""), (Activation,),
               {"code": code, "saturating": saturating, "can_die": can_die})
    registry.register(name)(cls)


_simple("linear", k.LINEAR)
_simple("sigmoid", k.SIGMOID, saturating=True)
_simple("tanh", k.TANH, saturating=True)
_simple("relu", k.RELU, can_die=True)
_simple("softplus", k.SOFTPLUS)
_simple("silu", k.SILU)
_simple("gelu", k.GELU)
_simple("sine", k.SINE)
_simple("softmax", k.SOFTMAX, saturating=True)


@registry.register("leaky_relu")
class LeakyReLU(Activation):
    code = k.LEAKY_RELU

    def __init__(self, alpha: float = 0.01) -> None:
        self.alpha = float(check_number("leaky_relu.alpha", alpha, 0.0, 1.0))

    @property
    def alpha_value(self) -> float:
        return self.alpha


@registry.register("elu")
class ELU(Activation):
    code = k.ELU

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = float(check_number("elu.alpha", alpha, 0.0))

    @property
    def alpha_value(self) -> float:
        return self.alpha


@registry.register("prelu")
class PReLU(Activation):
    """Leaky ReLU whose negative slope is learned, one per unit (or channel)."""

    code = k.PRELU
    can_die = True

    def __init__(self, initial_alpha: float = 0.25) -> None:
        self.initial_alpha = float(check_number("prelu.initial_alpha", initial_alpha, -1.0, 1.0))

    @property
    def alpha_value(self) -> float:
        return self.initial_alpha


def get(identifier: str | dict | Activation) -> Activation:
    return registry.get(identifier)


def names() -> list[str]:
    return registry.names()
