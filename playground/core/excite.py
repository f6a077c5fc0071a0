"""What excites a unit (C6): the input that maximizes one unit's mean activation, found by
gradient ascent on the input with an L2 penalty that keeps it from growing without bound."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from playground.core.errors import SpecError, check_number
from playground.core.network import Network


@dataclass(frozen=True)
class Excitation:
    image: np.ndarray  # the input found, shaped like one network input
    activation: float  # the unit's mean activation for it
    history: np.ndarray  # the objective at each step


def maximize_unit(network: Network, layer_index: int, unit: int, steps: int = 200,
                  step_size: float = 0.1, l2: float = 0.01, seed: int = 0,
                  start: np.ndarray | None = None) -> Excitation:
    """Gradient ascent on x of mean(unit's output) − l2·‖x‖², from small noise (or `start`).

    `unit` is a channel for image layers (its whole map is averaged) or a feature for vector
    layers; layer_index counts from 1 as in the editor.
    """
    layer = network.layer(layer_index)
    units = layer.output_shape[0]
    if not 0 <= unit < units:
        raise SpecError(f"unit {unit} is out of range for {layer.label} (0..{units - 1})")
    steps = int(check_number("steps", steps, 1, 100_000, integer=True))
    step_size = float(check_number("step_size", step_size, 0.0, low_open=True))
    l2 = float(check_number("l2", l2, 0.0))
    rng = np.random.default_rng(seed)
    shape = (1, *network.input_shape)
    x = (rng.normal(0.0, 0.01, shape) if start is None else np.array(start, np.float64)
         .reshape(shape)).astype(np.float64)
    selector = np.zeros((1, *layer.output_shape))
    per_unit = int(np.prod(layer.output_shape[1:]))
    selector[0, unit] = 1.0 / per_unit
    history = np.empty(steps)
    for k in range(steps):
        out = network.forward(x, upto=layer_index)
        history[k] = float((out * selector).sum()) - l2 * float((x * x).sum())
        grad = network.input_gradient(x, layer_index, selector).astype(np.float64)
        grad -= 2.0 * l2 * x
        x += step_size * grad / (np.sqrt(np.mean(grad * grad)) + 1e-12)
    final = float((network.forward(x, upto=layer_index) * selector).sum())
    return Excitation(x[0].astype(network.dtype), final, history)
