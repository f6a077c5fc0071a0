"""Losses by name (L1), with optional class weights (D4)."""

from __future__ import annotations

from playground.core.registry import Configurable, Registry
from playground.kernels import losses as k

registry: Registry[Loss] = Registry("loss")


class Loss(Configurable):
    code: int = k.MSE
    #: the output activation this loss is computed through (it then takes logits), or None
    fused_activation: str | None = None
    #: smallest number of output units it makes sense with
    min_outputs: int = 1
    classification: bool = True


@registry.register("mse")
class MeanSquaredError(Loss):
    code = k.MSE
    classification = False


@registry.register("binary_crossentropy")
class BinaryCrossEntropy(Loss):
    code = k.BCE
    fused_activation = "sigmoid"


@registry.register("softmax_crossentropy")
class SoftmaxCrossEntropy(Loss):
    code = k.SOFTMAX_CE
    fused_activation = "softmax"
    min_outputs = 2


@registry.register("hinge")
class MulticlassHinge(Loss):
    """Multiclass SVM loss: sum over wrong classes of max(0, s_j - s_true + 1)."""

    code = k.HINGE
    min_outputs = 2


def get(identifier: str | dict | Loss) -> Loss:
    return registry.get(identifier)


def names() -> list[str]:
    return registry.names()
