"""The convolution's batch-inner kernels against loop-by-loop NumPy references."""

from __future__ import annotations

import numpy as np
import pytest

from playground.kernels import activations as ka
from playground.kernels import conv as kc

# (n, channels, padded height, padded width, kernel (h, w), stride (h, w))
SHAPES = [(1, 1, 5, 5, (3, 3), (1, 1)), (2, 3, 7, 9, (2, 4), (1, 1)),
          (3, 2, 8, 6, (5, 1), (1, 2)), (2, 1, 4, 4, (4, 4), (1, 1)),
          (4, 2, 9, 11, (3, 3), (2, 3))]


def batch_inner_columns(xt, kernel, stride):
    """cols[(c, i, j), (y*ow + x)*N + n] = xt[c, y*sh + i, x*sw + j, n], by loops."""
    c_, hp, wp, n_ = xt.shape
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    cols = np.zeros((c_ * kh * kw, oh * ow * n_))
    for c in range(c_):
        for i in range(kh):
            for j in range(kw):
                for y in range(oh):
                    for x in range(ow):
                        for n in range(n_):
                            cols[(c * kh + i) * kw + j, (y * ow + x) * n_ + n] = xt[
                                c, y * sh + i, x * sw + j, n]
    return cols, oh, ow


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_im2col_batch_inner_and_its_adjoint(shape):
    n, c, hp, wp, kernel, stride = shape
    rng = np.random.default_rng([n, c, hp, wp])
    xt = rng.standard_normal((c, hp, wp, n))
    expected, oh, ow = batch_inner_columns(xt, kernel, stride)
    cols = np.full_like(expected, np.nan)
    kc.im2col_batch_inner(xt, *kernel, *stride, oh, ow, cols)
    np.testing.assert_array_equal(cols, expected)
    dcols = rng.standard_normal(cols.shape)
    back = np.full_like(xt, np.nan)
    kc.col2im_batch_inner(dcols, *kernel, *stride, oh, ow, back)
    assert np.vdot(cols, dcols) == pytest.approx(np.vdot(xt, back), rel=1e-12)


def test_to_and_from_batch_inner_pad_and_crop():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 2, 4, 5))
    xt = np.full((2, 7, 9, 3), np.nan)
    kc.to_batch_inner(x, 1, 2, xt)
    expected = np.zeros((2, 7, 9, 3))
    expected[:, 1:5, 2:7, :] = x.transpose(1, 2, 3, 0)
    np.testing.assert_array_equal(xt, expected)
    back = np.empty_like(x)
    kc.from_batch_inner(xt, 1, 2, back)
    np.testing.assert_array_equal(back, x)


@pytest.mark.parametrize("code", [ka.RELU, ka.TANH, ka.LINEAR, ka.ELU])
def test_conv_epilogue_and_prologue_between_column_and_image_layouts(code):
    rng = np.random.default_rng([code])
    n, f, h, w = 3, 4, 5, 6
    z2 = rng.standard_normal((f, h * w * n))
    bias = rng.standard_normal(f)
    z = np.empty((n, f, h, w))
    a = np.empty_like(z)
    kc.conv_epilogue(z2, bias, True, code, 0.3, z, a)
    expected_z = z2.reshape(f, h, w, n).transpose(3, 0, 1, 2) + bias[None, :, None, None]
    np.testing.assert_array_equal(z, expected_z)
    expected_a = np.empty_like(z)
    ka.act_forward(code, 0.3, z, expected_a)
    np.testing.assert_array_equal(a, expected_a)

    da = rng.standard_normal(z.shape)
    dz2 = np.full((f, h * w * n), np.nan)
    dbias = np.empty(f)
    kc.conv_prologue(da, z, a, code, 0.3, True, dz2, dbias)
    dz = np.empty_like(z)
    ka.act_backward(code, 0.3, z, a, da, dz)
    np.testing.assert_array_equal(dz2, dz.transpose(1, 2, 3, 0).reshape(f, -1))
    np.testing.assert_allclose(dbias, dz.sum(axis=(0, 2, 3)), rtol=1e-12)
    kc.conv_prologue(da, z, a, code, 0.3, False, dz2, dbias)  # the loss gave dz already
    np.testing.assert_array_equal(dz2, da.transpose(1, 2, 3, 0).reshape(f, -1))
