"""Layers for dense networks. Each pairs forward with backward; parameters are views into the
network's flat buffer (see core.network), described here by ParamSpec."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from playground.core import activations, initializers, penalties
from playground.core.errors import ShapeError, SpecError, check_number
from playground.core.registry import Configurable, Registry
from playground.kernels import activations as ka
from playground.kernels import dense as kd

registry: Registry[Layer] = Registry("layer")

Shape = tuple[int, ...]

#: below this many weights a dense layer uses its own loop, above it BLAS (measured crossover)
BLAS_MIN_WEIGHTS = 2048


def shape_text(shape: Shape) -> str:
    return "×".join(str(s) for s in shape)


@dataclass
class ParamSpec:
    """One parameter array of a layer, before it has memory."""

    name: str
    shape: Shape
    initializer: initializers.Initializer
    fan_in: int
    fan_out: int
    is_kernel: bool = False  # penalties, weight decay and max-norm apply
    # max-norm layout: unit j's weights are at j * unit_stride + i * elem_stride, i < unit_len
    units: int = 0
    unit_len: int = 0
    unit_stride: int = 0
    elem_stride: int = 0
    #: the layer whose penalty and max-norm apply (a layer inside a Residual block); None: the
    #: layer that declared it
    owner: Layer | None = None

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


class Layer(Configurable):
    """Base: shape inference, parameters, forward/backward. `index` is the 1-based position."""

    title: str = "Layer"
    has_activation: bool = False

    def __init__(self) -> None:
        self.index = 0
        self.parent_label = ""  # set for layers inside a Residual block
        #: what feeds this layer, for messages ("MaxPool2D #2", or "the input")
        self.source_label = "the input"
        self.input_shape: Shape = ()
        self.output_shape: Shape = ()
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.frozen = False

    # --- description -------------------------------------------------------------------------
    @property
    def label(self) -> str:
        own = f"{self.title} #{self.index}" if self.index else self.title
        return f"{self.parent_label} › {own}" if self.parent_label else own

    def error(self, message: str) -> ShapeError:
        return ShapeError(f"{self.label}: {message}")

    def infer_shape(self, input_shape: Shape) -> Shape:
        """Output shape for this input shape; raise ShapeError naming the layer otherwise."""
        return input_shape

    def param_specs(self, input_shape: Shape) -> list[ParamSpec]:
        return []

    def buffer_specs(self, input_shape: Shape) -> dict[str, tuple[Shape, float]]:
        """Non-trainable state saved with the weights: name -> (shape, initial value)."""
        return {}

    def floats_per_sample(self) -> int:
        """About how many values one sample's pass through this layer touches (its output;
        a convolution's columns): sizes the parts a batch is trained in."""
        return math.prod(self.output_shape)

    def bind(self) -> None:
        """Called once params, grads and buffers hold their arrays (views into the network's
        buffers); layers that contain layers hand them on here."""

    @property
    def penalty_obj(self) -> penalties.Penalty:
        return penalties.get(None)

    @property
    def max_norm_value(self) -> float:
        return 0.0

    # --- computation ---------------------------------------------------------------------------
    def forward(self, x: np.ndarray, training: bool, rng: np.random.Generator,
                dropout: bool) -> np.ndarray:
        raise NotImplementedError

    def backward(self, dy: np.ndarray, need_dx: bool) -> np.ndarray | None:
        """Write parameter gradients into self.grads; return d loss / d input if need_dx."""
        raise NotImplementedError


def _flat_features(layer: Layer, input_shape: Shape) -> int:
    if len(input_shape) != 1:
        raise layer.error(f"needs a flat vector of features but gets {shape_text(input_shape)}; "
                          "add a Flatten layer before it")
    return input_shape[0]


def image_input(layer: Layer, input_shape: Shape) -> tuple[int, int, int]:
    """(channels, height, width), or a ShapeError naming the layer."""
    if len(input_shape) != 3:
        raise layer.error(f"needs an image input (channels×height×width) but gets "
                          f"{shape_text(input_shape)}; add a Reshape layer before it")
    c, h, w = input_shape
    return c, h, w


class _Activated(Layer):
    """A layer that ends in an activation: keeps pre-activation z and output a for backward."""

    has_activation = True

    def _set_activation(self, activation: Any) -> None:
        self._activation = activations.get(activation)
        self.activation = self._activation.get_config()

    @property
    def activation_fn(self) -> activations.Activation:
        return self._activation

    #: set by the network when the loss takes this layer's logits (fused output)
    logits_output = False

    def _activate(self, z: np.ndarray) -> np.ndarray:
        fn = self._activation
        a = np.empty_like(z)
        if fn.code == ka.SOFTMAX:
            ka.softmax_rows(z.reshape(z.shape[0], -1), a.reshape(z.shape[0], -1))
        elif fn.code == ka.PRELU:
            ka.prelu_forward(_per_unit(z), self.params["slope"], _per_unit(a))
        else:
            ka.act_forward(fn.code, fn.alpha_value, z, a)
        self.z = z
        self.a = a
        return a

    def _activation_grad(self, da: np.ndarray) -> np.ndarray:
        if self.logits_output:
            return da  # the loss already gave d loss / d z
        fn = self._activation
        dz = np.empty_like(da)
        if fn.code == ka.SOFTMAX:
            n = da.shape[0]
            ka.softmax_backward_rows(self.a.reshape(n, -1), da.reshape(n, -1), dz.reshape(n, -1))
        elif fn.code == ka.PRELU:
            g = self.grads["slope"]
            g[...] = 0.0
            ka.prelu_backward(_per_unit(self.z), self.params["slope"], _per_unit(da),
                              _per_unit(dz), g)
        else:
            ka.act_backward(fn.code, fn.alpha_value, self.z, self.a, da, dz)
        return dz

    def _slope_specs(self, units: int) -> list[ParamSpec]:
        if self._activation.code != ka.PRELU:
            return []
        init = initializers.get({"name": "constant", "value": self._activation.alpha_value})
        return [ParamSpec("slope", (units,), init, units, units)]


def _per_unit(v: np.ndarray) -> np.ndarray:
    """View (n, units, rest) of a batch, units on axis 1 (features, or channels of images)."""
    return v.reshape(v.shape[0], v.shape[1], -1)


def _check_rate(field: str, value: float) -> float:
    return float(check_number(field, value, 0.0, 1.0))


class Weighted(Layer):
    """A layer with a weight array (its kernel): initializers, a penalty, a max-norm."""

    def _set_weight_settings(self, weight_init: Any, bias_init: Any, penalty: Any,
                             max_norm: float) -> None:
        self.weight_init = initializers.get(weight_init).get_config()
        self.bias_init = initializers.get(bias_init).get_config()
        self.set_penalty(penalty)
        self.max_norm = float(check_number(f"{self.name}.max_norm", max_norm, 0.0))

    @property
    def penalty_obj(self) -> penalties.Penalty:
        return self._penalty

    def set_penalty(self, penalty: Any) -> None:
        self._penalty = penalties.get(penalty)
        self.penalty = self._penalty.get_config()

    @property
    def max_norm_value(self) -> float:
        return self.max_norm


@registry.register("dense")
class Dense(Weighted, _Activated):
    title = "Dense"

    def __init__(self, units: int = 8, activation: Any = "tanh",
                 weight_init: Any = "glorot_uniform", bias_init: Any = "zeros",
                 penalty: Any = None, max_norm: float = 0.0, use_bias: bool = True) -> None:
        super().__init__()
        self.units = int(check_number("dense.units", units, 1, 100_000, integer=True))
        self._set_activation(activation)
        self._set_weight_settings(weight_init, bias_init, penalty, max_norm)
        self.use_bias = bool(use_bias)

    def infer_shape(self, input_shape):
        _flat_features(self, input_shape)
        return (self.units,)

    def param_specs(self, input_shape):
        fan_in = _flat_features(self, input_shape)
        specs = [ParamSpec("weight", (fan_in, self.units), initializers.get(self.weight_init),
                           fan_in, self.units, is_kernel=True, units=self.units,
                           unit_len=fan_in, unit_stride=1, elem_stride=self.units)]
        if self.use_bias:
            specs.append(ParamSpec("bias", (self.units,), initializers.get(self.bias_init),
                                   fan_in, self.units))
        return specs + self._slope_specs(self.units)

    def _bias(self) -> np.ndarray:
        return self.params["bias"] if self.use_bias else np.zeros(self.units,
                                                                 self.params["weight"].dtype)

    def forward(self, x, training, rng, dropout):
        w = self.params["weight"]
        self.x = x
        z = np.empty((x.shape[0], self.units), dtype=w.dtype)
        if w.size >= BLAS_MIN_WEIGHTS:
            np.matmul(x, w, out=z)
            kd.add_bias_rows(z, self._bias())
        else:
            kd.dense_forward_kernel(x, w, self._bias(), z)
        return self._activate(z)

    def backward(self, dy, need_dx):
        dz = self._activation_grad(dy)
        w = self.params["weight"]
        dw = self.grads["weight"]
        db = self.grads["bias"] if self.use_bias else np.empty(self.units, w.dtype)
        dx = np.empty_like(self.x) if need_dx else np.empty((0, 0), w.dtype)
        if w.size >= BLAS_MIN_WEIGHTS:
            np.matmul(self.x.T, dz, out=dw)
            kd.column_sums(dz, db)
            if need_dx:
                np.matmul(dz, w.T, out=dx)
        else:
            kd.dense_backward_kernel(self.x, w, dz, dw, db, dx, need_dx)
        return dx if need_dx else None


@registry.register("activation")
class Activation(_Activated):
    """An activation on its own, e.g. after BatchNorm (PReLU learns a slope per feature)."""

    title = "Activation"

    def __init__(self, activation: Any = "relu") -> None:
        super().__init__()
        self._set_activation(activation)

    def param_specs(self, input_shape):
        return self._slope_specs(input_shape[0])

    def forward(self, x, training, rng, dropout):
        return self._activate(np.ascontiguousarray(x))

    def backward(self, dy, need_dx):
        return self._activation_grad(dy)


@registry.register("dropout")
class Dropout(Layer):
    """Inverted dropout: active in training (and for Monte Carlo prediction), identity otherwise."""

    title = "Dropout"

    def __init__(self, rate: float = 0.5) -> None:
        super().__init__()
        self.rate = float(check_number(f"{self.name}.rate", rate, 0.0, 0.95))

    def mask_shape(self, x: np.ndarray) -> tuple[int, ...]:
        """One keep/drop draw per value (SpatialDropout: per feature map)."""
        return x.shape

    def forward(self, x, training, rng, dropout):
        if not dropout or self.rate == 0.0:
            self.mask = None
            return x
        keep = 1.0 - self.rate
        keep_mask = rng.random(self.mask_shape(x), dtype=x.dtype) < keep
        self.mask = keep_mask.astype(x.dtype) / x.dtype.type(keep)
        return x * self.mask

    def backward(self, dy, need_dx):
        return dy if self.mask is None else dy * self.mask


@registry.register("batchnorm")
class BatchNorm(Layer):
    """Normalizes each feature (or channel) with batch statistics in training and running
    statistics in inference, then scales by gamma and shifts by beta (R4)."""

    title = "BatchNorm"

    def __init__(self, momentum: float = 0.9, epsilon: float = 1e-5) -> None:
        super().__init__()
        self.momentum = _check_rate("batchnorm.momentum", momentum)
        self.epsilon = float(check_number("batchnorm.epsilon", epsilon, 0.0, low_open=True))

    def param_specs(self, input_shape):
        c = input_shape[0]
        ones = initializers.get({"name": "constant", "value": 1.0})
        return [ParamSpec("gamma", (c,), ones, c, c),
                ParamSpec("beta", (c,), initializers.get("zeros"), c, c)]

    def buffer_specs(self, input_shape):
        c = input_shape[0]
        return {"running_mean": ((c,), 0.0), "running_var": ((c,), 1.0)}

    def forward(self, x, training, rng, dropout):
        v = _per_unit(x)
        gamma = self.params["gamma"][None, :, None]
        beta = self.params["beta"][None, :, None]
        if training and not self.frozen:
            mean = v.mean(axis=(0, 2))
            var = v.var(axis=(0, 2))
            m = self.momentum
            self.buffers["running_mean"] *= m
            self.buffers["running_mean"] += (1.0 - m) * mean
            self.buffers["running_var"] *= m
            self.buffers["running_var"] += (1.0 - m) * var
            self.batch_stats = True
        else:
            mean = self.buffers["running_mean"]
            var = self.buffers["running_var"]
            self.batch_stats = False
        self.inv_std = (1.0 / np.sqrt(var + self.epsilon)).astype(x.dtype)
        self.xhat = (v - mean.astype(x.dtype)[None, :, None]) * self.inv_std[None, :, None]
        return (self.xhat * gamma + beta).reshape(x.shape)

    def backward(self, dy, need_dx):
        g = _per_unit(dy)
        self.grads["gamma"][...] = (g * self.xhat).sum(axis=(0, 2))
        self.grads["beta"][...] = g.sum(axis=(0, 2))
        if not need_dx:
            return None
        gamma = self.params["gamma"][None, :, None]
        inv_std = self.inv_std[None, :, None]
        if not self.batch_stats:
            return (g * gamma * inv_std).reshape(dy.shape)
        m = g.shape[0] * g.shape[2]
        dxhat = g * gamma
        dx = (inv_std / m) * (m * dxhat - dxhat.sum(axis=(0, 2), keepdims=True)
                              - self.xhat * (dxhat * self.xhat).sum(axis=(0, 2), keepdims=True))
        return dx.reshape(dy.shape).astype(dy.dtype, copy=False)


@registry.register("maxout")
class Maxout(Weighted):
    """Each unit is the maximum of `pieces` linear functions of the input (A1)."""

    title = "Maxout"

    def __init__(self, units: int = 8, pieces: int = 2, weight_init: Any = "glorot_uniform",
                 bias_init: Any = "zeros", penalty: Any = None, max_norm: float = 0.0) -> None:
        super().__init__()
        self.units = int(check_number("maxout.units", units, 1, 100_000, integer=True))
        self.pieces = int(check_number("maxout.pieces", pieces, 1, 16, integer=True))
        self._set_weight_settings(weight_init, bias_init, penalty, max_norm)

    def infer_shape(self, input_shape):
        _flat_features(self, input_shape)
        return (self.units,)

    def param_specs(self, input_shape):
        fan_in = _flat_features(self, input_shape)
        width = self.units * self.pieces
        return [ParamSpec("weight", (fan_in, width), initializers.get(self.weight_init), fan_in,
                          self.units, is_kernel=True, units=width, unit_len=fan_in,
                          unit_stride=1, elem_stride=width),
                ParamSpec("bias", (width,), initializers.get(self.bias_init), fan_in, self.units)]

    def forward(self, x, training, rng, dropout):
        self.x = x
        z = (x @ self.params["weight"] + self.params["bias"]).reshape(x.shape[0], self.units,
                                                                       self.pieces)
        self.winner = z.argmax(axis=2)
        return np.take_along_axis(z, self.winner[:, :, None], axis=2)[:, :, 0]

    def backward(self, dy, need_dx):
        dz = np.zeros((dy.shape[0], self.units, self.pieces), dtype=dy.dtype)
        np.put_along_axis(dz, self.winner[:, :, None], dy[:, :, None], axis=2)
        dz = dz.reshape(dy.shape[0], -1)
        np.matmul(self.x.T, dz, out=self.grads["weight"])
        self.grads["bias"][...] = dz.sum(axis=0)
        return dz @ self.params["weight"].T if need_dx else None


@registry.register("flatten")
class Flatten(Layer):
    title = "Flatten"

    def infer_shape(self, input_shape):
        return (int(np.prod(input_shape)),)

    def forward(self, x, training, rng, dropout):
        self.in_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dy, need_dx):
        return dy.reshape(self.in_shape)


def build_all(configs: Any, field: str) -> list[Layer]:
    """Layers from a list of configs, numbered from 1; a bad one is named by its position."""
    built = []
    for i, config in enumerate(configs, start=1):
        try:
            layer = get(config)
        except SpecError as exc:
            raise SpecError(f"{field}[{i - 1}]: {exc}") from None
        layer.index = i
        built.append(layer)
    return built


def get(identifier: str | dict | Layer) -> Layer:
    layer = registry.get(identifier)
    if not isinstance(layer, Layer):
        raise SpecError(f"not a layer: {identifier!r}")
    return layer


def names() -> list[str]:
    return registry.names()


# The image layers register themselves in the same registry; importing them here means any
# user of the registry sees every layer type.
from playground.core import image_layers  # noqa: E402, F401
