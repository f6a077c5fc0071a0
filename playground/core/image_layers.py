"""Layers for images (batch first, N×C×H×W): convolution, transposed convolution, pooling,
reshaping, upsampling, spatial dropout and residual blocks (C1–C6, S1, E1–E3)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from playground.core import initializers
from playground.core import layers as layer_registry
from playground.core.errors import SpecError, check_number
from playground.core.layers import (
    Dense,
    Dropout,
    Layer,
    ParamSpec,
    Shape,
    Weighted,
    _Activated,
    image_input,
    registry,
    shape_text,
)
from playground.kernels import activations as ka
from playground.kernels import conv as kc

Padding = str | int


def _pair(field: str, value: Any, low: int = 1) -> tuple[int, int]:
    """An int or a [height, width] pair of ints."""
    if isinstance(value, list | tuple):
        if len(value) != 2:
            raise SpecError(f"{field}: expected one number or [height, width], got {value!r}")
        a, b = value
    else:
        a = b = value
    return (int(check_number(field, a, low, 1024, integer=True)),
            int(check_number(field, b, low, 1024, integer=True)))


def _padding(field: str, value: Any) -> Padding:
    if value in ("valid", "same"):
        return value
    if isinstance(value, str):
        raise SpecError(f"{field}: use \"valid\", \"same\" or a number of pixels, got {value!r}")
    return int(check_number(field, value, 0, 1024, integer=True))


def _plain(value: tuple[int, int]) -> int | list[int]:
    """Configs show a square size as one number."""
    return value[0] if value[0] == value[1] else list(value)


def conv_geometry(layer: Layer, size: tuple[int, int], kernel: tuple[int, int],
                  stride: tuple[int, int], padding: Padding) -> tuple[int, int, int, int]:
    """(out_h, out_w, pad_top, pad_left) by (N − F + 2P) / S + 1, rounded down; a kernel that
    does not fit is an error naming the layer, the kernel and the input it got."""
    out, pads = [], []
    for n, f, s in zip(size, kernel, stride, strict=True):
        if padding == "same":
            o = -(-n // s)
            total = max((o - 1) * s + f - n, 0)
            p0 = total // 2
        else:
            p = 0 if padding == "valid" else int(padding)
            if n + 2 * p < f:
                source = layer.source_label
                where = "the input" if source == "the input" else f"the input left by {source}"
                extra = f" even with padding {p}" if p else ""
                raise layer.error(f"a {kernel[0]}×{kernel[1]} kernel does not fit the "
                                  f"{size[0]}×{size[1]} {where[4:]}{extra}")
            o = (n + 2 * p - f) // s + 1
            p0 = p
        out.append(o)
        pads.append(p0)
    return out[0], out[1], pads[0], pads[1]


def _padded_size(n: int, out: int, k: int, s: int, pad: int) -> int:
    """Rows a padded buffer needs: the pad before, the input, and whatever the last window
    reaches beyond it (never less than the input itself)."""
    return max(pad + n, (out - 1) * s + k)


class Scratch:
    """Arrays kept from one step to the next: a fresh multi-megabyte array costs page faults
    on every step. Only for values that do not outlive the step that wrote them."""

    def __init__(self) -> None:
        self._arrays: dict[str, np.ndarray] = {}

    def get(self, name: str, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        array = self._arrays.get(name)
        if array is None or array.shape != shape or array.dtype != dtype:
            array = np.empty(shape, dtype=dtype)
            self._arrays[name] = array
        return array


def _to_columns(x: np.ndarray, kernel, stride, pads, out_hw, scratch: Scratch) -> np.ndarray:
    """im2col of a batch (for Conv2DTranspose's backward): pad into a buffer, then
    (C·kh·kw, N·oh·ow)."""
    n, c, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel, stride, pads, out_hw
    hp, wp = _padded_size(h, oh, kh, sh, ph), _padded_size(w, ow, kw, sw, pw)
    if (hp, wp, ph, pw) == (h, w, 0, 0):
        xp = np.ascontiguousarray(x)
    else:
        xp = scratch.get("padded", (n, c, hp, wp), x.dtype)
        kc.pad_images(np.ascontiguousarray(x), ph, pw, xp)
    cols = scratch.get("columns", (c * kh * kw, n * oh * ow), x.dtype)
    kc.im2col(xp, kh, kw, sh, sw, oh, ow, cols)
    return cols


def _from_columns(cols: np.ndarray, kernel, stride, pads, out_hw, image_shape) -> np.ndarray:
    """col2im (for Conv2DTranspose's forward): the images (N, C, H, W) whose im2col is
    adjoint to cols."""
    n, c, h, w = image_shape
    (kh, kw), (sh, sw), (ph, pw), (oh, ow) = kernel, stride, pads, out_hw
    hp, wp = _padded_size(h, oh, kh, sh, ph), _padded_size(w, ow, kw, sw, pw)
    xp = np.empty((n, c, hp, wp), dtype=cols.dtype)
    kc.col2im(cols, kh, kw, sh, sw, oh, ow, xp)
    if (hp, wp, ph, pw) == (h, w, 0, 0):
        return xp
    return np.ascontiguousarray(xp[:, :, ph:ph + h, pw:pw + w])


#: columns per matrix product. OpenBLAS multiplies a few filters by a long strip of columns
#: 2-3× faster in blocks of this many (LeNet's first convolution: 0.20 instead of 0.41 ms
#: forward, 0.25 instead of 0.68 ms for the weight gradient, per 66 images), and as fast where
#: it is held to its AVX2 kernels (OPENBLAS_CORETYPE=Haswell)
PRODUCT_COLUMNS = 4096


def _blocked_product(a: np.ndarray, b: np.ndarray, scratch: Scratch, name: str) -> np.ndarray:
    """a @ b for a short a and a long b (K × many columns), column block by column block."""
    out = scratch.get(name, (a.shape[0], b.shape[1]), b.dtype)
    for start in range(0, b.shape[1], PRODUCT_COLUMNS):
        stop = start + PRODUCT_COLUMNS
        np.matmul(a, b[:, start:stop], out=out[:, start:stop])
    return out


def _weight_gradient(dz2: np.ndarray, cols: np.ndarray, out: np.ndarray,
                     scratch: Scratch) -> None:
    """out (F, K) = dz2 @ cols.T, summed over column blocks (computed as cols @ dz2.T, the
    order OpenBLAS runs 1.5-2× faster here)."""
    total = scratch.get("weight_gradient", (cols.shape[0], dz2.shape[0]), cols.dtype)
    part = scratch.get("weight_gradient_part", total.shape, cols.dtype)
    total[...] = 0.0  # stays so for a batch without columns
    for start in range(0, cols.shape[1], PRODUCT_COLUMNS):
        stop = start + PRODUCT_COLUMNS
        np.matmul(cols[:, start:stop], dz2[:, start:stop].T, out=part)
        total += part
    out[...] = total.T


class _ConvBase(Weighted, _Activated):
    def _geometry(self, input_shape: Shape) -> tuple[int, int, int, int, int]:
        """(input channels, out_h, out_w, pad_top, pad_left)."""
        raise NotImplementedError

    def _input_geometry(self) -> tuple[int, int, int, int, int]:
        """_geometry of the built input shape, worked out once: forward and backward need it
        on every piece of every batch."""
        if getattr(self, "_geometry_of", None) != self.input_shape:
            self._geometry_cached = self._geometry(self.input_shape)
            self._geometry_of = self.input_shape
        return self._geometry_cached

    def infer_shape(self, input_shape):
        _, oh, ow, _, _ = self._geometry(input_shape)
        return (self.filters, oh, ow)

    @property
    def scratch(self) -> Scratch:
        if not hasattr(self, "_scratch"):
            self._scratch = Scratch()
        return self._scratch

    def _setup(self, filters, kernel_size, stride, padding, activation, weight_init, bias_init,
               penalty, max_norm, use_bias) -> None:
        self.filters = int(check_number(f"{self.name}.filters", filters, 1, 4096, integer=True))
        self._kernel = _pair(f"{self.name}.kernel_size", kernel_size)
        self._stride = _pair(f"{self.name}.stride", stride)
        self.kernel_size = _plain(self._kernel)
        self.stride = _plain(self._stride)
        self.padding = _padding(f"{self.name}.padding", padding)
        self._set_activation(activation)
        self._set_weight_settings(weight_init, bias_init, penalty, max_norm)
        self.use_bias = bool(use_bias)

    def _finish_forward(self, z2: np.ndarray, shape: tuple[int, int, int, int]) -> np.ndarray:
        """The product's batch-inner (F, H*W*N) columns -> (N, F, H, W) with bias and
        activation, fused when the activation is elementwise."""
        fn = self._activation
        z = np.empty(shape, dtype=z2.dtype)
        bias = self.params["bias"] if self.use_bias else z2[:, 0]
        if fn.code in (ka.PRELU, ka.SOFTMAX):
            kc.conv_epilogue(z2, bias, self.use_bias, ka.LINEAR, 0.0, z, z)
            return self._activate(z)
        a = np.empty(shape, dtype=z2.dtype)
        kc.conv_epilogue(z2, bias, self.use_bias, fn.code, fn.alpha_value, z, a)
        self.z = z
        self.a = a
        return a

    def _start_backward(self, dy: np.ndarray) -> np.ndarray:
        """d loss / d output -> dz in the product's batch-inner (F, H*W*N) layout; writes the
        bias gradient."""
        fn = self._activation
        f = dy.shape[1]
        dz2 = self.scratch.get("dz", (f, dy.size // f), dy.dtype)
        dbias = self.grads["bias"] if self.use_bias else np.empty(f, dtype=dy.dtype)
        if fn.code in (ka.PRELU, ka.SOFTMAX):
            dz = np.ascontiguousarray(self._activation_grad(dy))
            kc.conv_prologue(dz, dz, dz, 0, 0.0, False, dz2, dbias)
        else:
            kc.conv_prologue(np.ascontiguousarray(dy), self.z, self.a, fn.code, fn.alpha_value,
                             not self.logits_output, dz2, dbias)
        return dz2

    def _add_bias(self, out: np.ndarray) -> None:
        if self.use_bias:
            out += self.params["bias"].reshape(1, -1, 1)

    def _bias_grad(self, dz: np.ndarray) -> None:
        if self.use_bias:
            self.grads["bias"][...] = dz.sum(axis=(0, 2))


@registry.register("conv2d")
class Conv2D(_ConvBase):
    """Each of `filters` kernels slides over all input channels: out = W * x + b (C1, C2)."""

    title = "Conv2D"

    def __init__(self, filters: int = 8, kernel_size: Any = 3, stride: Any = 1,
                 padding: Padding = "valid", activation: Any = "relu",
                 weight_init: Any = "he_uniform", bias_init: Any = "zeros", penalty: Any = None,
                 max_norm: float = 0.0, use_bias: bool = True) -> None:
        super().__init__()
        self._setup(filters, kernel_size, stride, padding, activation, weight_init, bias_init,
                    penalty, max_norm, use_bias)

    def _geometry(self, input_shape: Shape) -> tuple[int, int, int, int, int]:
        c, h, w = image_input(self, input_shape)
        oh, ow, ph, pw = conv_geometry(self, (h, w), self._kernel, self._stride, self.padding)
        return c, oh, ow, ph, pw

    def param_specs(self, input_shape):
        c, *_ = self._geometry(input_shape)
        kh, kw = self._kernel
        per_unit = c * kh * kw
        specs = [ParamSpec("weight", (self.filters, c, kh, kw),
                           initializers.get(self.weight_init), per_unit, self.filters * kh * kw,
                           is_kernel=True, units=self.filters, unit_len=per_unit,
                           unit_stride=per_unit, elem_stride=1)]
        if self.use_bias:
            specs.append(ParamSpec("bias", (self.filters,), initializers.get(self.bias_init),
                                   per_unit, self.filters))
        return specs + self._slope_specs(self.filters)

    def floats_per_sample(self) -> int:
        c, oh, ow, _, _ = self._input_geometry()
        return c * self._kernel[0] * self._kernel[1] * oh * ow  # its columns

    def _padded_input(self, n: int, name: str, dtype: np.dtype) -> tuple[np.ndarray, int, int]:
        """A batch-inner buffer (C, Hp, Wp, N) for the padded input, and the padding."""
        c, oh, ow, ph, pw = self._input_geometry()
        _, h, w = self.input_shape
        (kh, kw), (sh, sw) = self._kernel, self._stride
        shape = (c, _padded_size(h, oh, kh, sh, ph), _padded_size(w, ow, kw, sw, pw), n)
        return self.scratch.get(name, shape, dtype), ph, pw

    def forward(self, x, training, rng, dropout):
        _c, oh, ow, _, _ = self._input_geometry()
        n = x.shape[0]
        xt, ph, pw = self._padded_input(n, "padded", x.dtype)
        kc.to_batch_inner(np.ascontiguousarray(x), ph, pw, xt)
        cols = self.scratch.get("columns", (xt.shape[0] * self._kernel[0] * self._kernel[1],
                                            oh * ow * n), x.dtype)
        kc.im2col_batch_inner(xt, *self._kernel, *self._stride, oh, ow, cols)
        self.cols = cols
        z2 = _blocked_product(self.params["weight"].reshape(self.filters, -1), cols,
                              self.scratch, "product")
        return self._finish_forward(z2, (n, self.filters, oh, ow))

    def backward(self, dy, need_dx):
        n = dy.shape[0]
        dz2 = self._start_backward(dy)
        w = self.params["weight"].reshape(self.filters, -1)
        _weight_gradient(dz2, self.cols, self.grads["weight"].reshape(self.filters, -1),
                         self.scratch)
        if not need_dx:
            return None
        _, oh, ow, _, _ = self._input_geometry()
        dcols = _blocked_product(w.T, dz2, self.scratch, "input_gradient_columns")
        xt, ph, pw = self._padded_input(n, "input_gradient", dz2.dtype)
        kc.col2im_batch_inner(dcols, *self._kernel, *self._stride, oh, ow, xt)
        dx = np.empty((n, *self.input_shape), dtype=dz2.dtype)
        kc.from_batch_inner(xt, ph, pw, dx)
        return dx


@registry.register("conv2d_transpose")
class Conv2DTranspose(_ConvBase):
    """The adjoint of Conv2D: each input pixel stamps a kernel onto a larger output (decoders).
    Output size (N − 1)·S + F − 2P + output_padding; "same" gives N·S. output_padding (< S)
    adds the rows a strided convolution skipped, to get back to its exact input size."""

    title = "Conv2DTranspose"

    def __init__(self, filters: int = 8, kernel_size: Any = 2, stride: Any = 2,
                 padding: Padding = "valid", output_padding: Any = 0, activation: Any = "relu",
                 weight_init: Any = "he_uniform", bias_init: Any = "zeros", penalty: Any = None,
                 max_norm: float = 0.0, use_bias: bool = True) -> None:
        super().__init__()
        self._setup(filters, kernel_size, stride, padding, activation, weight_init, bias_init,
                    penalty, max_norm, use_bias)
        self._extra = _pair("conv2d_transpose.output_padding", output_padding, low=0)
        self.output_padding = _plain(self._extra)
        for extra, s in zip(self._extra, self._stride, strict=True):
            if extra >= s:
                raise SpecError(f"conv2d_transpose.output_padding: must be smaller than the "
                                f"stride ({extra} >= {s})")

    def _geometry(self, input_shape: Shape) -> tuple[int, int, int, int, int]:
        c, h, w = image_input(self, input_shape)
        out, pads = [], []
        for n, f, s, extra in zip((h, w), self._kernel, self._stride, self._extra, strict=True):
            if self.padding == "same":
                if f < s:
                    raise self.error(f"\"same\" padding needs a kernel at least as large as the "
                                     f"stride ({f} < {s})")
                total = f - s
                p0 = total // 2
            else:
                p0 = 0 if self.padding == "valid" else int(self.padding)
                total = 2 * p0
            o = (n - 1) * s + f - total + extra
            if o < 1:
                raise self.error(f"padding {p0} leaves no output from the {h}×{w} input")
            out.append(o)
            pads.append(p0)
        return c, out[0], out[1], pads[0], pads[1]

    def param_specs(self, input_shape):
        c, *_ = self._geometry(input_shape)
        kh, kw = self._kernel
        per_unit = self.filters * kh * kw
        specs = [ParamSpec("weight", (c, self.filters, kh, kw),
                           initializers.get(self.weight_init), c * kh * kw, per_unit,
                           is_kernel=True, units=c, unit_len=per_unit, unit_stride=per_unit,
                           elem_stride=1)]
        if self.use_bias:
            specs.append(ParamSpec("bias", (self.filters,), initializers.get(self.bias_init),
                                   c * kh * kw, self.filters))
        return specs + self._slope_specs(self.filters)

    def floats_per_sample(self) -> int:
        kh, kw = self._kernel
        return self.filters * kh * kw * math.prod(self.input_shape[1:])  # its columns

    def forward(self, x, training, rng, dropout):
        c, oh, ow, ph, pw = self._input_geometry()
        _kh, _kw = self._kernel
        _sh, _sw = self._stride
        n, _, h, w = x.shape
        x2 = np.empty((c, n * h * w), dtype=x.dtype)
        kc.batch_to_channel_major(np.ascontiguousarray(x).reshape(n, c, h * w), x2)
        self.x2 = x2
        cols = self.params["weight"].reshape(c, -1).T @ x2
        out = _from_columns(cols, self._kernel, self._stride, (ph, pw), (h, w),
                            (n, self.filters, oh, ow))
        self._add_bias(out.reshape(n, self.filters, -1))
        return self._activate(out)

    def backward(self, dy, need_dx):
        dz = np.ascontiguousarray(self._activation_grad(dy))
        c, _oh, _ow, ph, pw = self._input_geometry()
        _kh, _kw = self._kernel
        _sh, _sw = self._stride
        n = dz.shape[0]
        _, h, w = self.input_shape
        dcols = _to_columns(dz, self._kernel, self._stride, (ph, pw), (h, w), self.scratch)
        np.matmul(self.x2, dcols.T, out=self.grads["weight"].reshape(c, -1))
        self._bias_grad(dz.reshape(n, self.filters, -1))
        if not need_dx:
            return None
        dx2 = self.params["weight"].reshape(c, -1) @ dcols
        dx = np.empty((n, c, h * w), dtype=dz.dtype)
        kc.channel_major_to_batch(dx2, dx)
        return dx.reshape(n, *self.input_shape)


class _Pool(Layer):
    def __init__(self, size: Any = 2, stride: Any = None) -> None:
        super().__init__()
        self._size = _pair(f"{self.name}.size", size)
        self._stride = self._size if stride is None else _pair(f"{self.name}.stride", stride)
        self.size = _plain(self._size)
        self.stride = None if stride is None else _plain(self._stride)

    def infer_shape(self, input_shape):
        c, h, w = image_input(self, input_shape)
        oh, ow, _, _ = conv_geometry(self, (h, w), self._size, self._stride, "valid")
        return (c, oh, ow)


@registry.register("maxpool2d")
class MaxPool2D(_Pool):
    """The largest value of each window (C3); the gradient goes to that position."""

    title = "MaxPool2D"

    def forward(self, x, training, rng, dropout):
        out = np.empty((x.shape[0], *self.output_shape), dtype=x.dtype)
        self.arg = np.empty(out.shape, dtype=np.int32)  # int32: the kernel vectorizes (3.7×)
        kc.max_pool_forward(np.ascontiguousarray(x), *self._size, *self._stride, out, self.arg)
        return out

    def backward(self, dy, need_dx):
        dx = np.empty((dy.shape[0], *self.input_shape), dtype=dy.dtype)
        kc.max_pool_backward(np.ascontiguousarray(dy), self.arg, dx)
        return dx


@registry.register("avgpool2d")
class AvgPool2D(_Pool):
    """The mean of each window (C3)."""

    title = "AvgPool2D"

    def forward(self, x, training, rng, dropout):
        out = np.empty((x.shape[0], *self.output_shape), dtype=x.dtype)
        kc.avg_pool_forward(np.ascontiguousarray(x), *self._size, *self._stride, out)
        return out

    def backward(self, dy, need_dx):
        dx = np.empty((dy.shape[0], *self.input_shape), dtype=dy.dtype)
        kc.avg_pool_backward(np.ascontiguousarray(dy), *self._size, *self._stride, dx)
        return dx


@registry.register("global_avgpool")
class GlobalAveragePool(Layer):
    """Each channel's mean: C×H×W → C."""

    title = "GlobalAvgPool"

    def infer_shape(self, input_shape):
        c, _, _ = image_input(self, input_shape)
        return (c,)

    def forward(self, x, training, rng, dropout):
        return x.mean(axis=(2, 3))

    def backward(self, dy, need_dx):
        _, h, w = self.input_shape
        return np.broadcast_to((dy / (h * w))[:, :, None, None],
                               (dy.shape[0], *self.input_shape)).copy()


@registry.register("reshape")
class Reshape(Layer):
    """A vector back to channels×height×width (for decoders), or any same-size shape."""

    title = "Reshape"

    def __init__(self, shape: Any = (1, 28, 28)) -> None:
        super().__init__()
        if not isinstance(shape, list | tuple) or not shape:
            raise SpecError(f"reshape.shape: expected a list like [channels, height, width], "
                            f"got {shape!r}")
        self.shape = [int(check_number("reshape.shape", s, 1, 1 << 20, integer=True))
                      for s in shape]

    def infer_shape(self, input_shape):
        if math.prod(input_shape) != math.prod(self.shape):
            raise self.error(f"cannot reshape {shape_text(input_shape)} "
                             f"({math.prod(input_shape)} values) to {shape_text(self.shape)} "
                             f"({math.prod(self.shape)} values)")
        return tuple(self.shape)

    def forward(self, x, training, rng, dropout):
        return x.reshape(x.shape[0], *self.shape)

    def backward(self, dy, need_dx):
        return dy.reshape(dy.shape[0], *self.input_shape)


@registry.register("upsample2d")
class Upsample2D(Layer):
    """Nearest-neighbour upsampling: every pixel becomes a factor×factor block."""

    title = "Upsample2D"

    def __init__(self, factor: Any = 2) -> None:
        super().__init__()
        self._factor = _pair("upsample2d.factor", factor)
        self.factor = _plain(self._factor)

    def infer_shape(self, input_shape):
        c, h, w = image_input(self, input_shape)
        return (c, h * self._factor[0], w * self._factor[1])

    def forward(self, x, training, rng, dropout):
        out = np.empty((x.shape[0], *self.output_shape), dtype=x.dtype)
        kc.upsample_nearest_forward(np.ascontiguousarray(x), *self._factor, out)
        return out

    def backward(self, dy, need_dx):
        dx = np.empty((dy.shape[0], *self.input_shape), dtype=dy.dtype)
        kc.upsample_nearest_backward(np.ascontiguousarray(dy), *self._factor, dx)
        return dx


@registry.register("spatial_dropout")
class SpatialDropout(Dropout):
    """Drops whole channels (feature maps) in training, scaling the rest; identity otherwise."""

    title = "SpatialDropout"

    def __init__(self, rate: float = 0.2) -> None:
        super().__init__(rate)

    def infer_shape(self, input_shape):
        image_input(self, input_shape)
        return input_shape

    def mask_shape(self, x: np.ndarray) -> tuple[int, ...]:
        return (x.shape[0], x.shape[1], 1, 1)


@registry.register("residual")
class Residual(Layer):
    """A sub-stack whose output is added to its input (S1). When the shapes differ the input
    goes through a learned 1×1 projection (a strided 1×1 convolution for images, a linear dense
    layer for vectors)."""

    title = "Residual"

    def __init__(self, layers: Any = ()) -> None:
        super().__init__()
        if not isinstance(layers, list | tuple):
            raise SpecError(f"residual.layers: expected a list of layers, got {layers!r}")
        self.children = layer_registry.build_all(layers, "residual.layers")
        self.layers = [child.get_config() for child in self.children]
        self.projection: Layer | None = None

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "layers": [child.get_config() for child in self.children]}

    def _plan(self, input_shape: Shape) -> Shape:
        """Walk the children (naming them after this block) and choose the projection."""
        shape = input_shape
        previous = self.source_label
        for child in self.children:
            child.parent_label = self.label
            child.source_label = previous
            child.input_shape = shape
            shape = child.infer_shape(shape)
            child.output_shape = shape
            previous = child.label
        self.projection = None
        if shape != input_shape:
            self.projection = self._make_projection(input_shape, shape)
        return shape

    def _make_projection(self, input_shape: Shape, shape: Shape) -> Layer:
        if len(input_shape) == 3 and len(shape) == 3:
            (_, h, w), (c, oh, ow) = input_shape, shape
            stride = (-(-h // oh), -(-w // ow))
            projection: Layer = Conv2D(c, 1, list(stride), "valid", "linear", "glorot_uniform")
        elif len(input_shape) == 1 and len(shape) == 1:
            projection = Dense(shape[0], "linear")
        else:
            raise self.error(f"the block turns {shape_text(input_shape)} into "
                             f"{shape_text(shape)}; its input cannot be added to that")
        projection.parent_label = self.label
        projection.title = "projection"
        projection.input_shape = input_shape
        got = projection.infer_shape(input_shape)
        if got != shape:
            raise self.error(f"the block turns {shape_text(input_shape)} into "
                             f"{shape_text(shape)}; a 1×1 projection of its input gives "
                             f"{shape_text(got)}, which cannot be added")
        projection.output_shape = got
        return projection

    def floats_per_sample(self) -> int:
        return max(member.floats_per_sample() for _, member in self._members())

    def _members(self) -> list[tuple[str, Layer]]:
        members = [(str(child.index), child) for child in self.children]
        if self.projection is not None:
            members.append(("projection", self.projection))
        return members

    def infer_shape(self, input_shape):
        return self._plan(input_shape)

    def param_specs(self, input_shape):
        self._plan(input_shape)
        specs = []
        for prefix, member in self._members():
            for spec in member.param_specs(member.input_shape):
                spec.name = f"{prefix}.{spec.name}"
                spec.owner = spec.owner or member
                specs.append(spec)
        return specs

    def buffer_specs(self, input_shape):
        self._plan(input_shape)
        return {f"{prefix}.{name}": value for prefix, member in self._members()
                for name, value in member.buffer_specs(member.input_shape).items()}

    def bind(self) -> None:
        for prefix, member in self._members():
            head = prefix + "."
            for source, target in ((self.params, member.params), (self.grads, member.grads),
                                   (self.buffers, member.buffers)):
                for name, value in source.items():
                    if name.startswith(head):
                        target[name[len(head):]] = value
            member.frozen = self.frozen
            member.bind()

    def forward(self, x, training, rng, dropout):
        a = x
        for child in self.children:
            child.frozen = self.frozen
            a = child.forward(a, training, rng, dropout)
        skip = x if self.projection is None else self.projection.forward(x, training, rng,
                                                                           dropout)
        return a + skip

    def backward(self, dy, need_dx):
        g = dy
        for child in reversed(self.children):
            g = child.backward(g, need_dx=True)
        if self.projection is None:
            return g + dy
        return g + self.projection.backward(dy, need_dx=True)
