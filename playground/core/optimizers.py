"""Optimizers by name (O1, O4, O5). Each one states only its hyperparameters and kernel code;
the update itself, with penalties, clipping and constraints, runs in kernels.optimizers."""

from __future__ import annotations

import numpy as np

from playground.core.errors import check_number
from playground.core.registry import Configurable, Registry
from playground.kernels import optimizers as k

registry: Registry[Optimizer] = Registry("optimizer")


class Optimizer(Configurable):
    code: int = k.SGD
    #: which hyperparameter the app's "momentum" control sets (None: this optimizer has none)
    momentum_field: str | None = None

    def __init__(self, learning_rate: float = 0.01, clipnorm: float = 0.0) -> None:
        self.learning_rate = learning_rate
        self.clipnorm = clipnorm

    # Validation lives in setters so that live changes are checked like the spec is.
    @property
    def learning_rate(self) -> float:
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._learning_rate = float(check_number(f"{self.name}.learning_rate", value, 0.0))

    @property
    def clipnorm(self) -> float:
        return self._clipnorm

    @clipnorm.setter
    def clipnorm(self, value: float) -> None:
        self._clipnorm = float(check_number(f"{self.name}.clipnorm", value, 0.0))

    @property
    def momentum_value(self) -> float | None:
        return None if self.momentum_field is None else getattr(self, self.momentum_field)

    def set_momentum(self, value: float) -> None:
        if self.momentum_field is not None:
            setattr(self, self.momentum_field,
                    float(check_number(f"{self.name}.{self.momentum_field}", value, 0.0, 1.0)))

    def hyperparameters(self) -> np.ndarray:
        """Kernel hp vector: [momentum / beta1 / rho, beta2, epsilon, weight decay]."""
        return np.zeros(4)

    def initial_state(self, size: int, dtype: np.dtype) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros(size, dtype=dtype), np.zeros(size, dtype=dtype)


@registry.register("sgd")
class SGD(Optimizer):
    code = k.SGD


def _fraction(name: str, field: str, value: float, high: float = 1.0) -> float:
    return float(check_number(f"{name}.{field}", value, 0.0, high))


@registry.register("momentum")
class Momentum(Optimizer):
    """Heavy ball: v = momentum * v - lr * g; w += v."""

    code = k.MOMENTUM
    momentum_field = "momentum"

    def __init__(self, learning_rate: float = 0.01, momentum: float = 0.9,
                 clipnorm: float = 0.0) -> None:
        super().__init__(learning_rate, clipnorm)
        self.momentum = _fraction(self.name, "momentum", momentum)

    def hyperparameters(self):
        return np.array([self.momentum, 0.0, 0.0, 0.0])


@registry.register("nesterov")
class Nesterov(Momentum):
    """Nesterov's accelerated gradient, gradient taken at the look-ahead point."""

    code = k.NESTEROV


@registry.register("adagrad")
class AdaGrad(Optimizer):
    code = k.ADAGRAD

    def __init__(self, learning_rate: float = 0.1, epsilon: float = 1e-7,
                 initial_accumulator: float = 0.0, clipnorm: float = 0.0) -> None:
        super().__init__(learning_rate, clipnorm)
        self.epsilon = float(check_number("adagrad.epsilon", epsilon, 0.0))
        self.initial_accumulator = float(check_number("adagrad.initial_accumulator",
                                                      initial_accumulator, 0.0))

    def hyperparameters(self):
        return np.array([0.0, 0.0, self.epsilon, 0.0])

    def initial_state(self, size, dtype):
        return np.full(size, self.initial_accumulator, dtype=dtype), np.zeros(size, dtype=dtype)


@registry.register("rmsprop")
class RMSProp(Optimizer):
    code = k.RMSPROP
    momentum_field = "rho"

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-7,
                 clipnorm: float = 0.0) -> None:
        super().__init__(learning_rate, clipnorm)
        self.rho = _fraction(self.name, "rho", rho)
        self.epsilon = float(check_number("rmsprop.epsilon", epsilon, 0.0))

    def hyperparameters(self):
        return np.array([self.rho, 0.0, self.epsilon, 0.0])


@registry.register("adadelta")
class AdaDelta(Optimizer):
    """Zeiler's rule; learning_rate 1.0 is the paper's (the update is unit-correct already)."""

    code = k.ADADELTA
    momentum_field = "rho"

    def __init__(self, learning_rate: float = 1.0, rho: float = 0.95, epsilon: float = 1e-6,
                 clipnorm: float = 0.0) -> None:
        super().__init__(learning_rate, clipnorm)
        self.rho = _fraction(self.name, "rho", rho)
        self.epsilon = float(check_number("adadelta.epsilon", epsilon, 0.0, low_open=True))

    def hyperparameters(self):
        return np.array([self.rho, 0.0, self.epsilon, 0.0])


@registry.register("adam")
class Adam(Optimizer):
    """Adam with bias correction of both moments."""

    code = k.ADAM
    momentum_field = "beta1"

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, clipnorm: float = 0.0) -> None:
        super().__init__(learning_rate, clipnorm)
        self.beta1 = _fraction(self.name, "beta1", beta1)
        self.beta2 = _fraction(self.name, "beta2", beta2)
        self.epsilon = float(check_number(f"{self.name}.epsilon", epsilon, 0.0))

    def hyperparameters(self):
        return np.array([self.beta1, self.beta2, self.epsilon, 0.0])


@registry.register("adamw")
class AdamW(Adam):
    """Adam with decoupled weight decay on the layers' weights (not biases or BN scales)."""

    code = k.ADAMW

    def __init__(self, learning_rate: float = 0.001, beta1: float = 0.9, beta2: float = 0.999,
                 epsilon: float = 1e-8, weight_decay: float = 0.01, clipnorm: float = 0.0) -> None:
        super().__init__(learning_rate, beta1, beta2, epsilon, clipnorm)
        self.weight_decay = float(check_number("adamw.weight_decay", weight_decay, 0.0))

    def hyperparameters(self):
        return np.array([self.beta1, self.beta2, self.epsilon, self.weight_decay])


def get(identifier: str | dict | Optimizer) -> Optimizer:
    return registry.get(identifier)


def names() -> list[str]:
    return registry.names()
