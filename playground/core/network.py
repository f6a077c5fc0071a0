"""A network built from a layer stack: shapes, one flat parameter buffer, forward and backward."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from playground.core import layers as layer_registry
from playground.core.errors import PlaygroundError, ShapeError, SpecError
from playground.core.layers import Layer, ParamSpec, Shape, shape_text
from playground.kernels import optimizers as ko


@dataclass(frozen=True)
class LayerSummary:
    """What the editor shows for one layer before any data flows."""

    index: int
    label: str
    output_shape: Shape
    params: int
    error: str | None = None


@dataclass
class Segment:
    """One parameter array inside the flat buffer."""

    layer: int  # 0-based
    name: str
    start: int
    end: int
    spec: ParamSpec


def describe_stack(layer_configs: list[Any], input_shape: Shape) -> list[LayerSummary]:
    """Output shape and parameter count of every layer; the first impossible layer carries the
    error message and the layers after it are left unknown (shape ())."""
    out: list[LayerSummary] = []
    shape = tuple(input_shape)
    failed = False
    for i, config in enumerate(layer_configs, start=1):
        try:
            layer = layer_registry.get(config)
        except PlaygroundError as exc:
            out.append(LayerSummary(i, f"#{i}", (), 0, str(exc)))
            failed = True
            continue
        layer.index = i
        if failed:
            out.append(LayerSummary(i, layer.label, (), 0))
            continue
        layer.source_label = out[-1].label if out else "the input"
        try:
            specs = layer.param_specs(shape)
            new_shape = layer.infer_shape(shape)
        except ShapeError as exc:
            out.append(LayerSummary(i, layer.label, (), 0, str(exc)))
            failed = True
            continue
        out.append(LayerSummary(i, layer.label, new_shape, sum(s.size for s in specs)))
        shape = new_shape
    return out


class Network:
    """The user's layer stack, built for an input shape, with all parameters in `theta`."""

    def __init__(self, layer_configs: list[Any], input_shape: Shape, seed: int = 0,
                 dtype: Any = np.float32) -> None:
        if not layer_configs:
            raise SpecError("layers: the network needs at least one layer")
        self.dtype = np.dtype(dtype)
        self.input_shape = tuple(int(s) for s in input_shape)
        self.seed = int(seed)
        self.layers: list[Layer] = []
        shape = self.input_shape
        specs_per_layer: list[list[ParamSpec]] = []
        for layer in layer_registry.build_all(layer_configs, "layers"):
            layer.input_shape = shape
            layer.source_label = self.layers[-1].label if self.layers else "the input"
            specs_per_layer.append(layer.param_specs(shape))
            shape = layer.infer_shape(shape)
            layer.output_shape = shape
            self.layers.append(layer)
        self.output_shape = shape

        self.segments: list[Segment] = []
        offset = 0
        for li, specs in enumerate(specs_per_layer):
            for spec in specs:
                self.segments.append(Segment(li, spec.name, offset, offset + spec.size, spec))
                offset += spec.size
        for layer in self.layers:
            for name, (bshape, value) in layer.buffer_specs(layer.input_shape).items():
                layer.buffers[name] = np.full(bshape, value, dtype=self.dtype)
        self.bind_parameters(np.zeros(offset, dtype=self.dtype),
                             np.zeros(offset, dtype=self.dtype))
        self.initialize(self.seed)
        self.dropout_rng = np.random.default_rng([self.seed, 1])
        self.refresh_segments()

    def bind_parameters(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """Make every layer's parameters and gradients views into theta and grad (a worker
        process binds them to shared memory: core.parts)."""
        self.theta = theta
        self.grad = grad
        for seg in self.segments:
            layer = self.layers[seg.layer]
            layer.params[seg.name] = theta[seg.start:seg.end].reshape(seg.spec.shape)
            layer.grads[seg.name] = grad[seg.start:seg.end].reshape(seg.spec.shape)
        for layer in self.layers:
            layer.bind()

    # --- parameters ----------------------------------------------------------------------------
    def initialize(self, seed: int) -> None:
        """Draw every parameter from its initializer (float64 draws, then cast: the same seed
        gives the same weights in float32 and float64)."""
        rng = np.random.default_rng([int(seed), 0])
        for seg in self.segments:
            spec = seg.spec
            values = np.asarray(spec.initializer(spec.shape, spec.fan_in, spec.fan_out, rng),
                                dtype=np.float64)
            self.theta[seg.start:seg.end] = values.reshape(-1)

    def refresh_segments(self) -> None:
        """Rebuild the kernel's segment table after penalties, max-norm or freezing changed."""
        n = len(self.segments)
        seg_i = np.zeros((n, ko.SEG_INT_COLUMNS), dtype=np.int64)
        seg_f = np.zeros((n, ko.SEG_FLOAT_COLUMNS), dtype=np.float64)
        for s, seg in enumerate(self.segments):
            layer = self.layers[seg.layer]
            spec = seg.spec
            seg_i[s, ko.S_START] = seg.start
            seg_i[s, ko.S_END] = seg.end
            seg_i[s, ko.S_ACTIVE] = 0 if layer.frozen else 1
            seg_i[s, ko.S_LAYER] = seg.layer
            if spec.is_kernel:
                owner = spec.owner or layer
                seg_i[s, ko.S_DECAY] = 1
                seg_i[s, ko.S_UNITS] = spec.units
                seg_i[s, ko.S_UNIT_LEN] = spec.unit_len
                seg_i[s, ko.S_UNIT_STRIDE] = spec.unit_stride
                seg_i[s, ko.S_ELEM_STRIDE] = spec.elem_stride
                l1, l2 = owner.penalty_obj.rates
                seg_f[s, ko.F_L1] = l1
                seg_f[s, ko.F_L2] = l2
                seg_f[s, ko.F_MAXNORM] = owner.max_norm_value
        self.seg_i = seg_i
        self.seg_f = seg_f
        self.seg_gsq = np.zeros(n, dtype=np.float64)

    def freeze(self, layer_index: int, frozen: bool = True) -> None:
        """Freeze (or unfreeze) a layer, 1-based as in the editor (T1)."""
        self.layer(layer_index).frozen = frozen
        self.refresh_segments()

    def layer(self, index: int) -> Layer:
        if not 1 <= index <= len(self.layers):
            raise SpecError(f"layer index {index} is out of range 1..{len(self.layers)}")
        return self.layers[index - 1]

    def param_count(self) -> int:
        return int(self.theta.size)

    def summary(self) -> list[LayerSummary]:
        return [LayerSummary(layer.index, layer.label, layer.output_shape,
                             sum(seg.end - seg.start for seg in self.segments
                                 if seg.layer == layer.index - 1))
                for layer in self.layers]

    def state_copy(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Copies of every parameter (the flat theta) and buffer ('<layer index>.<name>'): a
        snapshot another thread can read while this network trains on."""
        buffers = {f"{layer.index}.{k}": v.copy() for layer in self.layers
                   for k, v in layer.buffers.items()}
        return self.theta.copy(), buffers

    def load_state(self, theta: np.ndarray, buffers: dict[str, np.ndarray]) -> None:
        """Take the parameters and buffers of state_copy() (of a network of the same stack)."""
        self.theta[...] = theta
        for key, value in buffers.items():
            index, name = key.split(".", 1)
            self.layer(int(index)).buffers[name][...] = value

    def layer_configs(self) -> list[dict[str, Any]]:
        return [layer.get_config() for layer in self.layers]

    # --- computation ---------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool = False, dropout: bool | None = None,
                upto: int | None = None) -> np.ndarray:
        """Run the stack on a batch. training uses batch statistics; dropout defaults to
        training (True with training=False is Monte Carlo dropout). upto stops after that layer."""
        if dropout is None:
            dropout = training
        a = np.ascontiguousarray(x, dtype=self.dtype)
        if a.shape[1:] != self.input_shape:
            raise ShapeError(f"input of shape {shape_text(a.shape[1:])} does not fit the "
                             f"network's input {shape_text(self.input_shape)}")
        for layer in self.layers[:upto]:
            a = layer.forward(a, training, self.dropout_rng, dropout)
        return a

    def forward_all(self, x: np.ndarray) -> list[np.ndarray]:
        """Inference outputs of every layer, in order, for a batch (feature maps, C2–C3)."""
        a = np.ascontiguousarray(x, dtype=self.dtype)
        outputs = []
        for layer in self.layers:
            a = layer.forward(a, False, self.dropout_rng, False)
            outputs.append(a.copy())
        return outputs

    def input_gradient(self, x: np.ndarray, upto: int, grad_at_output: np.ndarray) -> np.ndarray:
        """d (grad_at_output · output of layer `upto`, 1-based) / d input, in inference mode.
        The parameter gradients that backpropagation writes on the way are put back."""
        saved = self.grad.copy()
        a = np.ascontiguousarray(x, dtype=self.dtype)
        for layer in self.layers[:upto]:
            a = layer.forward(a, False, self.dropout_rng, False)
        g = np.asarray(grad_at_output, dtype=self.dtype).reshape(a.shape)
        for layer in reversed(self.layers[:upto]):
            g = layer.backward(g, need_dx=True)
        self.grad[...] = saved
        return g

    def backward(self, grad_out: np.ndarray) -> None:
        """Backpropagate d loss / d output (or d loss / d logits for a fused output) into grad."""
        g = grad_out
        for i in range(len(self.layers) - 1, -1, -1):
            g = self.layers[i].backward(g, need_dx=i > 0)

    def predict(self, x: np.ndarray, batch_size: int = 4096, mc_samples: int = 0) -> np.ndarray:
        """Inference outputs; with mc_samples > 0, the mean over that many dropout draws (R3)."""
        outs = []
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size]
            if mc_samples > 0:
                acc = sum(self.forward(xb, dropout=True).astype(np.float64)
                          for _ in range(mc_samples))
                outs.append((acc / mc_samples).astype(self.dtype))
            else:
                outs.append(self.forward(xb).copy())
        if not outs:
            return np.zeros((0, *self.output_shape), dtype=self.dtype)
        return np.concatenate(outs)

    # --- weights on disk -------------------------------------------------------------------------
    def weight_arrays(self) -> dict[str, np.ndarray]:
        """Named copies of every parameter and buffer ('3.dense.weight',
        '2.batchnorm.running_mean')."""
        out: dict[str, np.ndarray] = {}
        for layer in self.layers:
            for name, value in {**layer.params, **layer.buffers}.items():
                out[f"{layer.index}.{layer.name}.{name}"] = value.copy()
        return out

    def set_weight_arrays(self, arrays: dict[str, np.ndarray], strict: bool = True) -> list[str]:
        """Load named arrays into the matching layers; return the names loaded. With strict,
        every parameter must be present with the same shape; otherwise only matches load (T1)."""
        loaded = []
        for layer in self.layers:
            for name, target in {**layer.params, **layer.buffers}.items():
                key = f"{layer.index}.{layer.name}.{name}"
                if key not in arrays:
                    if strict:
                        raise SpecError(f"weights: no '{key}' for {layer.label}")
                    continue
                value = np.asarray(arrays[key])
                if value.shape != target.shape:
                    if strict:
                        raise SpecError(f"weights: '{key}' has shape {shape_text(value.shape)}, "
                                        f"{layer.label} needs {shape_text(target.shape)}")
                    continue
                target[...] = value
                loaded.append(key)
        return loaded

    def save_weights(self, path: str | Path) -> None:
        with open(path, "wb") as f:
            np.savez(f, **self.weight_arrays())

    def load_weights(self, path: str | Path, strict: bool = True) -> list[str]:
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except (OSError, ValueError) as exc:
            raise SpecError(f"weights file {path}: cannot read it ({exc})") from None
        return self.set_weight_arrays(arrays, strict=strict)
