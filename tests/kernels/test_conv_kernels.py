"""The convolution's wide-layout kernels against loop-by-loop NumPy references."""

from __future__ import annotations

import numpy as np
import pytest

from playground.kernels import activations as ka
from playground.kernels import conv as kc

# (n, channels, padded height, padded width, kernel height, kernel width)
SHAPES = [(1, 1, 5, 5, 3, 3), (2, 3, 7, 9, 2, 4), (3, 2, 8, 6, 5, 1), (2, 1, 4, 4, 4, 4)]


def wide_reference(xp, kh, kw):
    """cols[(c, i, j), n*per + y*wp + x] = xp[n, c, y + i, x + j], junk where x >= ow."""
    n_, c_, hp, wp = xp.shape
    oh, ow = hp - kh + 1, wp - kw + 1
    per = (oh - 1) * wp + ow
    cols = np.zeros((c_ * kh * kw, n_ * per))
    for n in range(n_):
        for c in range(c_):
            for i in range(kh):
                for j in range(kw):
                    for q in range(per):
                        y, x = divmod(q, wp)
                        cols[(c * kh + i) * kw + j, n * per + q] = xp[n, c].reshape(-1)[
                            (y + i) * wp + x + j]
    return cols, per, oh, ow


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_im2col_wide_and_its_adjoint(shape):
    n, c, hp, wp, kh, kw = shape
    rng = np.random.default_rng(list(shape))
    xp = rng.standard_normal((n, c, hp, wp))
    expected, per, oh, ow = wide_reference(xp, kh, kw)
    cols = np.full_like(expected, np.nan)
    kc.im2col_wide(xp, kh, kw, per, cols)
    np.testing.assert_array_equal(cols, expected)
    # the valid columns hold the exact im2col
    exact = np.empty((c * kh * kw, n * oh * ow))
    kc.im2col(xp, kh, kw, 1, 1, oh, ow, exact)
    valid = np.array([n_ * per + y * wp + x for n_ in range(n) for y in range(oh)
                      for x in range(ow)])
    np.testing.assert_array_equal(cols[:, valid], exact)
    # col2im_wide is the adjoint when the junk columns are zero
    dcols = np.zeros_like(cols)
    dcols[:, valid] = rng.standard_normal((c * kh * kw, valid.size))
    back = np.full_like(xp, np.nan)
    kc.col2im_wide(dcols, kh, kw, per, back)
    assert np.vdot(cols, dcols) == pytest.approx(np.vdot(xp, back), rel=1e-12)


@pytest.mark.parametrize("layout", ["wide", "exact"])
@pytest.mark.parametrize("code", [ka.RELU, ka.TANH, ka.LINEAR, ka.ELU])
def test_conv_epilogue_and_prologue_between_column_and_image_layouts(layout, code):
    rng = np.random.default_rng([code, len(layout)])
    n, f, h, w = 3, 4, 5, 6
    pitch = w + 3 if layout == "wide" else w
    per = (h - 1) * pitch + w
    z2 = rng.standard_normal((f, n * per))
    bias = rng.standard_normal(f)
    z = np.empty((n, f, h, w))
    a = np.empty_like(z)
    kc.conv_epilogue(z2, pitch, per, bias, True, code, 0.3, z, a)
    for k in range(n):
        for y in range(h):
            np.testing.assert_array_equal(
                z[k, :, y], z2[:, k * per + y * pitch:k * per + y * pitch + w] + bias[:, None])
    expected_a = np.empty_like(z)
    ka.act_forward(code, 0.3, z, expected_a)
    np.testing.assert_array_equal(a, expected_a)

    da = rng.standard_normal(z.shape)
    dz2 = np.full((f, n * per), np.nan)
    dbias = np.empty(f)
    kc.conv_prologue(da, z, a, code, 0.3, True, pitch, per, dz2, dbias)
    dz = np.empty_like(z)
    ka.act_backward(code, 0.3, z, a, da, dz)
    expected = np.zeros((f, n * per))
    for k in range(n):
        for y in range(h):
            expected[:, k * per + y * pitch:k * per + y * pitch + w] = dz[k, :, y]
    np.testing.assert_array_equal(dz2, expected)  # junk columns are zero
    np.testing.assert_allclose(dbias, dz.sum(axis=(0, 2, 3)), rtol=1e-12)
