"""Numba kernels against plain NumPy references, in float64 and float32."""

from __future__ import annotations

import math

import numpy as np
import pytest

from playground.kernels import activations as ka
from playground.kernels import dense as kd
from playground.kernels import losses as kl

DTYPES = [np.float64, np.float32]
# float32 kernels accumulate in float32: a few ulp per term over short sums
TOL = {np.float64: {"rtol": 1e-12, "atol": 1e-12}, np.float32: {"rtol": 2e-5, "atol": 2e-5}}
SHAPES = [(1, 1, 1), (3, 2, 5), (7, 4, 1), (16, 9, 8), (33, 17, 12)]  # (n, fan_in, units)


def rng_for(*key: int) -> np.random.Generator:
    return np.random.default_rng(list(key))


def close(actual, expected, dtype, scale: float = 1.0):
    tol = TOL[dtype]
    np.testing.assert_allclose(actual, expected, rtol=tol["rtol"], atol=tol["atol"] * scale)


def _dtype_id(dtype) -> str:
    return np.dtype(dtype).name


# --- dense ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_dense_forward(shape, dtype):
    n, fan_in, units = shape
    rng = rng_for(1, n, fan_in, units)
    x = rng.standard_normal((n, fan_in)).astype(dtype)
    w = rng.standard_normal((fan_in, units)).astype(dtype)
    b = rng.standard_normal(units).astype(dtype)
    z = np.full((n, units), np.nan, dtype=dtype)
    kd.dense_forward_kernel(x, w, b, z)
    ref = x.astype(np.float64) @ w.astype(np.float64) + b
    close(z, ref, dtype, scale=fan_in)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_dense_backward(shape, dtype):
    n, fan_in, units = shape
    rng = rng_for(2, n, fan_in, units)
    x = rng.standard_normal((n, fan_in)).astype(dtype)
    w = rng.standard_normal((fan_in, units)).astype(dtype)
    dz = rng.standard_normal((n, units)).astype(dtype)
    # garbage in the outputs: the kernel must overwrite, not accumulate
    dw = np.full((fan_in, units), 7.0, dtype=dtype)
    db = np.full(units, -3.0, dtype=dtype)
    dx = np.full((n, fan_in), np.nan, dtype=dtype)
    kd.dense_backward_kernel(x, w, dz, dw, db, dx, True)
    x64, w64, dz64 = (v.astype(np.float64) for v in (x, w, dz))
    close(dw, x64.T @ dz64, dtype, scale=n)
    close(db, dz64.sum(axis=0), dtype, scale=n)
    close(dx, dz64 @ w64.T, dtype, scale=units)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
def test_dense_backward_without_dx(dtype):
    rng = rng_for(3)
    x = rng.standard_normal((6, 4)).astype(dtype)
    w = rng.standard_normal((4, 3)).astype(dtype)
    dz = rng.standard_normal((6, 3)).astype(dtype)
    dw = np.empty((4, 3), dtype=dtype)
    db = np.empty(3, dtype=dtype)
    dx = np.empty((0, 0), dtype=dtype)  # what Dense passes when no dx is needed
    kd.dense_backward_kernel(x, w, dz, dw, db, dx, False)
    close(dw, x.astype(np.float64).T @ dz, dtype, scale=6)
    close(db, dz.astype(np.float64).sum(axis=0), dtype, scale=6)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("shape", [(1, 1), (5, 3), (64, 40)], ids=str)
def test_add_bias_rows_and_column_sums(shape, dtype):
    rng = rng_for(4, *shape)
    z = rng.standard_normal(shape).astype(dtype)
    b = rng.standard_normal(shape[1]).astype(dtype)
    expected = z.astype(np.float64) + b
    kd.add_bias_rows(z, b)
    close(z, expected, dtype)
    sums = np.full(shape[1], 99.0, dtype=dtype)
    kd.column_sums(z, sums)
    close(sums, z.astype(np.float64).sum(axis=0), dtype, scale=shape[0])


# --- activations ---------------------------------------------------------------------------------
_erf = np.vectorize(math.erf)


def _sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def reference_forward(code: int, alpha: float, z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    return {
        ka.LINEAR: lambda: z,
        ka.SIGMOID: lambda: _sig(z),
        ka.TANH: lambda: np.tanh(z),
        ka.RELU: lambda: np.maximum(z, 0.0),
        ka.LEAKY_RELU: lambda: np.where(z > 0, z, alpha * z),
        ka.ELU: lambda: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0.0))),
        ka.PRELU: lambda: np.where(z > 0, z, alpha * z),
        ka.SOFTPLUS: lambda: np.logaddexp(0.0, z),
        ka.SILU: lambda: z * _sig(z),
        ka.GELU: lambda: 0.5 * z * (1.0 + _erf(z / math.sqrt(2.0))),
        ka.SINE: lambda: np.sin(z),
    }[code]()


def reference_derivative(code: int, alpha: float, z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    s = _sig(z)
    return {
        ka.LINEAR: lambda: np.ones_like(z),
        ka.SIGMOID: lambda: s * (1.0 - s),
        ka.TANH: lambda: 1.0 - np.tanh(z) ** 2,
        ka.RELU: lambda: (z > 0).astype(np.float64),
        ka.LEAKY_RELU: lambda: np.where(z > 0, 1.0, alpha),
        ka.ELU: lambda: np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0))),
        ka.PRELU: lambda: np.where(z > 0, 1.0, alpha),
        ka.SOFTPLUS: lambda: s,
        ka.SILU: lambda: s + z * s * (1.0 - s),
        ka.GELU: lambda: (0.5 * (1.0 + _erf(z / math.sqrt(2.0)))
                          + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)),
        ka.SINE: lambda: np.cos(z),
    }[code]()


ELEMENTWISE = {"LINEAR": ka.LINEAR, "SIGMOID": ka.SIGMOID, "TANH": ka.TANH, "RELU": ka.RELU,
               "LEAKY_RELU": ka.LEAKY_RELU, "ELU": ka.ELU, "PRELU": ka.PRELU,
               "SOFTPLUS": ka.SOFTPLUS, "SILU": ka.SILU, "GELU": ka.GELU, "SINE": ka.SINE}
ALPHAS = {ka.LEAKY_RELU: 0.1, ka.ELU: 0.7, ka.PRELU: 0.25}


def test_codes_are_stable():
    assert list(ELEMENTWISE.values()) == list(range(11))
    assert ka.SOFTMAX == 11


def _act_inputs(dtype, shape=(13, 7)) -> np.ndarray:
    z = rng_for(5, *shape).standard_normal(shape) * 3.0
    z[0, :5] = [0.0, -1e-3, 1e-3, 8.0, -8.0]  # the kink, the tiny-tanh branch and saturation
    return z.astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_act_forward(name, dtype):
    code = ELEMENTWISE[name]
    alpha = ALPHAS.get(code, 0.0)
    z = _act_inputs(dtype)
    a = np.full_like(z, np.nan)
    ka.act_forward(code, alpha, z, a)
    assert a.dtype == dtype
    close(a, reference_forward(code, alpha, z), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_act_backward(name, dtype):
    code = ELEMENTWISE[name]
    alpha = ALPHAS.get(code, 0.0)
    z = _act_inputs(dtype)
    a = np.empty_like(z)
    ka.act_forward(code, alpha, z, a)
    ga = rng_for(6).standard_normal(z.shape).astype(dtype)
    gz = np.full_like(z, np.nan)
    ka.act_backward(code, alpha, z, a, ga, gz)
    close(gz, ga.astype(np.float64) * reference_derivative(code, alpha, z), dtype)


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_act_backward_in_place(name):
    """grad_z may be the same array as grad_a (the fused kernel relies on it)."""
    code = ELEMENTWISE[name]
    alpha = ALPHAS.get(code, 0.0)
    z = _act_inputs(np.float64)
    a = np.empty_like(z)
    ka.act_forward(code, alpha, z, a)
    g = rng_for(7).standard_normal(z.shape)
    expected = g * reference_derivative(code, alpha, z)
    ka.act_backward(code, alpha, z, a, g, g)
    close(g, expected, np.float64)


@pytest.mark.parametrize("name", [n for n in ELEMENTWISE if n not in ("RELU", "LEAKY_RELU",
                                                                        "PRELU")])
def test_act_derivative_matches_finite_differences(name):
    """Independent of the hand-written references: central differences of the kernel itself."""
    code = ELEMENTWISE[name]
    alpha = ALPHAS.get(code, 0.0)
    z = np.linspace(-4.0, 4.0, 161) + 0.0123  # avoid 0 exactly
    a = np.empty_like(z)
    ka.act_forward(code, alpha, z, a)
    d = np.empty_like(z)
    ka.act_backward(code, alpha, z, a, np.ones_like(z), d)
    h = 1e-6
    up, down = np.empty_like(z), np.empty_like(z)
    ka.act_forward(code, alpha, z + h, up)
    ka.act_forward(code, alpha, z - h, down)
    np.testing.assert_allclose(d, (up - down) / (2 * h), rtol=1e-7, atol=1e-8)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_act_extreme_inputs_stay_finite(name, dtype):
    code = ELEMENTWISE[name]
    alpha = ALPHAS.get(code, 0.0)
    big = 80.0 if dtype == np.float32 else 700.0
    z = np.array([-big, -100.0, -30.0, 30.0, 100.0, big], dtype=dtype)
    a = np.empty_like(z)
    ka.act_forward(code, alpha, z, a)
    gz = np.empty_like(z)
    ka.act_backward(code, alpha, z, a, np.ones_like(z), gz)
    assert np.isfinite(a).all(), a
    assert np.isfinite(gz).all(), gz
    close(a, reference_forward(code, alpha, z), dtype, scale=big)


def test_float32_tanh_approximation_accuracy():
    """float32 uses a rational tanh: relative error below 4e-7 (a few float32 ulp; measured
    3.4e-7, about 5.7 ulp near |z| = 6), exactly +-1 once saturated, odd, and tanh(z) == z for
    tiny z. (Float32 rounding makes it wobble by up to ~7 ulp between neighbouring inputs, so it
    is monotone only to within that error.)"""
    z = np.linspace(-12.0, 12.0, 200_001).astype(np.float32)
    z = z[z != 0]
    a = np.empty_like(z)
    ka.act_forward(ka.TANH, 0.0, z, a)
    exact = np.tanh(z.astype(np.float64))
    assert np.max(np.abs(a - exact) / np.abs(exact)) < 4e-7
    assert np.all(np.abs(a) <= 1.0)
    np.testing.assert_array_equal(np.abs(a[np.abs(z) >= 8.0]), 1.0)
    np.testing.assert_array_equal(a[::-1], -a)
    tiny = np.array([1e-30, 1e-6, -3e-4], dtype=np.float32)
    out = np.empty_like(tiny)
    ka.act_forward(ka.TANH, 0.0, tiny, out)
    np.testing.assert_array_equal(out, tiny)  # tanh(z) == z to float32 precision


def test_act_forward_any_contiguous_shape():
    z = rng_for(8).standard_normal((2, 3, 4, 5))
    a = np.empty_like(z)
    ka.act_forward(ka.SILU, 0.0, z, a)
    close(a, reference_forward(ka.SILU, 0.0, z), np.float64)


# --- PReLU ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("shape", [(1, 1, 1), (6, 4, 1), (5, 3, 7)], ids=str)
def test_prelu_forward_backward(shape, dtype):
    n, units, m = shape
    rng = rng_for(9, *shape)
    z = rng.standard_normal(shape).astype(dtype)
    z[0, 0, 0] = 0.0
    slope = rng.uniform(-0.5, 0.5, units).astype(dtype)
    a = np.full_like(z, np.nan)
    ka.prelu_forward(z, slope, a)
    s = slope.astype(np.float64)[None, :, None]
    z64 = z.astype(np.float64)
    close(a, np.where(z64 > 0, z64, s * z64), dtype)

    ga = rng.standard_normal(shape).astype(dtype)
    gz = np.full_like(z, np.nan)
    start = rng.standard_normal(units).astype(dtype)
    g_slope = start.copy()
    ka.prelu_backward(z, slope, ga, gz, g_slope)
    ga64 = ga.astype(np.float64)
    close(gz, np.where(z64 > 0, ga64, s * ga64), dtype)
    # the slope gradient accumulates onto what was there
    expected_slope = start + np.where(z64 > 0, 0.0, ga64 * z64).sum(axis=(0, 2))
    close(g_slope, expected_slope, dtype, scale=n * m)


def test_prelu_slope_gradient_finite_differences():
    rng = rng_for(10)
    z = rng.standard_normal((6, 3, 2))
    slope = np.array([0.1, -0.2, 0.3])
    ga = rng.standard_normal(z.shape)

    def objective(s):
        a = np.empty_like(z)
        ka.prelu_forward(z, s, a)
        return float((a * ga).sum())

    g = np.zeros(3)
    ka.prelu_backward(z, slope, ga, np.empty_like(z), g)
    h = 1e-6
    numeric = [(objective(slope + h * e) - objective(slope - h * e)) / (2 * h)
               for e in np.eye(3)]
    np.testing.assert_allclose(g, numeric, rtol=1e-7, atol=1e-9)


def test_prelu_matches_leaky_relu_for_a_shared_slope():
    z = rng_for(11).standard_normal((5, 4, 1))
    a1, a2 = np.empty_like(z), np.empty_like(z)
    ka.prelu_forward(z, np.full(4, 0.2), a1)
    ka.act_forward(ka.LEAKY_RELU, 0.2, z, a2)
    np.testing.assert_array_equal(a1, a2)


# --- softmax -------------------------------------------------------------------------------------
def reference_softmax(z: np.ndarray) -> np.ndarray:
    z = z.astype(np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("shape", [(1, 1), (1, 2), (7, 3), (20, 10)], ids=str)
def test_softmax_rows(shape, dtype):
    z = (rng_for(12, *shape).standard_normal(shape) * 4).astype(dtype)
    a = np.full_like(z, np.nan)
    ka.softmax_rows(z, a)
    close(a, reference_softmax(z), dtype)
    close(a.sum(axis=1), np.ones(shape[0]), dtype, scale=shape[1])


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
def test_softmax_rows_large_logits(dtype):
    z = np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1000.0, -1000.0],
                  [80.0, -80.0, 0.0]], dtype=dtype)
    a = np.empty_like(z)
    ka.softmax_rows(z, a)
    assert np.isfinite(a).all()
    close(a, reference_softmax(z), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("shape", [(1, 2), (7, 3), (12, 6)], ids=str)
def test_softmax_backward_rows_is_jvp(shape, dtype):
    rng = rng_for(13, *shape)
    z = rng.standard_normal(shape).astype(dtype)
    a = np.empty_like(z)
    ka.softmax_rows(z, a)
    ga = rng.standard_normal(shape).astype(dtype)
    gz = np.full_like(z, np.nan)
    ka.softmax_backward_rows(a, ga, gz)
    a64, ga64 = a.astype(np.float64), ga.astype(np.float64)
    expected = np.stack([(np.diag(p) - np.outer(p, p)).T @ g for p, g in zip(a64, ga64,
                                                                               strict=True)])
    close(gz, expected, dtype)


def test_softmax_backward_matches_finite_differences():
    rng = rng_for(14)
    z = rng.standard_normal((4, 5))
    ga = rng.standard_normal((4, 5))
    a = np.empty_like(z)
    ka.softmax_rows(z, a)
    gz = np.empty_like(z)
    ka.softmax_backward_rows(a, ga, gz)
    h = 1e-6
    numeric = np.empty_like(z)
    for idx in np.ndindex(z.shape):
        zp, zm = z.copy(), z.copy()
        zp[idx] += h
        zm[idx] -= h
        ap, am = np.empty_like(z), np.empty_like(z)
        ka.softmax_rows(zp, ap)
        ka.softmax_rows(zm, am)
        numeric[idx] = ((ap - am) * ga).sum() / (2 * h)
    np.testing.assert_allclose(gz, numeric, rtol=1e-7, atol=1e-9)


# --- losses --------------------------------------------------------------------------------------
def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def loss_case(code: int, n: int, k: int, dtype, seed: int = 0, z_scale: float = 2.0):
    """z, a (= activation of z for the logit losses), y, sample weights."""
    rng = rng_for(15, code, n, k, seed)
    z = rng.standard_normal((n, k)) * z_scale
    if code == kl.BCE:
        a = _sigmoid(z)
        y = (rng.random((n, k)) < 0.5).astype(np.float64)
    elif code == kl.SOFTMAX_CE:
        a = reference_softmax(z)
        y = np.eye(k)[rng.integers(0, k, n)]
    elif code == kl.HINGE:
        z = rng.standard_normal((n, k)) * 0.7  # margins on both sides of zero
        a = z.copy()
        y = np.eye(k)[rng.integers(0, k, n)]
    else:
        a = z.copy()
        y = rng.standard_normal((n, k))
    sw = rng.uniform(0.1, 3.0, n)
    return tuple(v.astype(dtype) for v in (z, a, y, sw))


def reference_loss(code: int, z, a, y) -> tuple[np.ndarray, np.ndarray]:
    """Per-row unweighted losses and the per-row gradient (wrt a for MSE/hinge, z for BCE/CE),
    before the sample weight and 1/n."""
    z, a, y = (v.astype(np.float64) for v in (z, a, y))
    n, k = a.shape
    if code == kl.MSE:
        return ((a - y) ** 2).mean(axis=1), 2.0 * (a - y) / k
    if code == kl.BCE:
        per = np.logaddexp(0.0, z) - y * z  # -(y log a + (1-y) log(1-a)), stable
        return per.mean(axis=1), (a - y) / k
    if code == kl.SOFTMAX_CE:
        lse = np.logaddexp.reduce(z, axis=1, keepdims=True)
        return (y * (lse - z)).sum(axis=1), a * y.sum(axis=1, keepdims=True) - y
    # multiclass hinge, true class = argmax y
    c = y.argmax(axis=1)
    true = a[np.arange(n), c][:, None]
    margins = a - true + 1.0
    margins[np.arange(n), c] = 0.0
    active = margins > 0
    per = np.where(active, margins, 0.0).sum(axis=1)
    grad = active.astype(np.float64)
    grad[np.arange(n), c] = -active.sum(axis=1)
    return per, grad


LOSS_CODES = {"MSE": kl.MSE, "BCE": kl.BCE, "SOFTMAX_CE": kl.SOFTMAX_CE, "HINGE": kl.HINGE}
LOSS_SHAPES = [(1, 2), (5, 1), (9, 3), (32, 10)]


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("shape", LOSS_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(LOSS_CODES))
def test_loss_kernel(name, shape, dtype):
    code = LOSS_CODES[name]
    n, k = shape
    if code in (kl.SOFTMAX_CE, kl.HINGE) and k == 1:
        k = 2  # these losses need two classes at least
    z, a, y, sw = loss_case(code, n, k, dtype)
    scale = 1.0 / n
    grad = np.full((n, k), np.nan, dtype=dtype)
    per_sample = np.full(n, np.nan, dtype=dtype)
    value = kl.loss_kernel(code, z, a, y, sw, scale, grad, True, per_sample)
    per_ref, grad_ref = reference_loss(code, z, a, y)
    w = sw.astype(np.float64) * scale
    close(per_sample, per_ref, dtype, scale=k)
    assert value == pytest.approx(float(per_ref @ w), rel=TOL[dtype]["rtol"] * 10,
                                  abs=TOL[dtype]["atol"] * k)
    close(grad, grad_ref * w[:, None], dtype)


@pytest.mark.parametrize("name", list(LOSS_CODES))
def test_loss_kernel_without_grad_or_per_sample(name):
    """want_grad False leaves grad untouched (evaluate passes the outputs as that buffer), and
    a length-0 per_sample is skipped; the value is the same."""
    code = LOSS_CODES[name]
    z, a, y, sw = loss_case(code, 8, 3, np.float64, seed=1)
    grad = np.full((8, 3), 123.0)
    value = kl.loss_kernel(code, z, a, y, sw, 1.0 / 8, grad, False, np.zeros(0))
    np.testing.assert_array_equal(grad, 123.0)
    per_ref, _ = reference_loss(code, z, a, y)
    assert value == pytest.approx(float(per_ref @ sw) / 8, rel=1e-12)
    g2 = np.empty((8, 3))
    assert kl.loss_kernel(code, z, a, y, sw, 1.0 / 8, g2, True, np.zeros(0)) == value


@pytest.mark.parametrize("name", list(LOSS_CODES))
def test_loss_kernel_unit_weights_is_plain_mean(name):
    code = LOSS_CODES[name]
    z, a, y, _ = loss_case(code, 10, 4, np.float64, seed=2)
    per = np.empty(10)
    value = kl.loss_kernel(code, z, a, y, np.ones(10), 0.1, np.empty((10, 4)), True, per)
    assert value == pytest.approx(per.mean(), rel=1e-13)


@pytest.mark.parametrize("name", list(LOSS_CODES))
def test_loss_gradient_matches_finite_differences(name):
    """The kernel's gradient is the derivative of its own value (wrt z for the logit losses,
    with a recomputed from z)."""
    code = LOSS_CODES[name]
    n, k = 5, 3
    z, a, y, sw = loss_case(code, n, k, np.float64, seed=3)
    scale = 1.0 / n

    def value(zz):
        if code == kl.BCE:
            aa = _sigmoid(zz)
        elif code == kl.SOFTMAX_CE:
            aa = reference_softmax(zz)
        else:
            aa = zz
        return kl.loss_kernel(code, zz, aa, y, sw, scale, np.empty((n, k)), False, np.zeros(0))

    grad = np.empty((n, k))
    kl.loss_kernel(code, z, a, y, sw, scale, grad, True, np.zeros(0))
    h = 1e-6
    numeric = np.empty((n, k))
    for idx in np.ndindex(n, k):
        zp, zm = z.copy(), z.copy()
        zp[idx] += h
        zm[idx] -= h
        numeric[idx] = (value(zp) - value(zm)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-9)


def test_softmax_ce_soft_labels_gradient():
    """Targets that do not sum to one: d/dz = (a * sum(y) - y) * w."""
    rng = rng_for(16)
    z = rng.standard_normal((4, 3))
    a = reference_softmax(z)
    y = rng.uniform(0.0, 1.0, (4, 3))
    sw = np.array([1.0, 0.5, 2.0, 0.0])
    grad = np.empty((4, 3))
    kl.loss_kernel(kl.SOFTMAX_CE, z, a, y, sw, 0.25, grad, True, np.zeros(0))
    expected = (a * y.sum(axis=1, keepdims=True) - y) * (sw * 0.25)[:, None]
    np.testing.assert_allclose(grad, expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("magnitude", [30.0, 100.0, 1000.0])
def test_bce_is_stable_for_large_logits(magnitude, dtype):
    z = np.array([[magnitude], [-magnitude], [magnitude], [-magnitude]], dtype=dtype)
    a = _sigmoid(z.astype(np.float64)).astype(dtype)
    y = np.array([[1.0], [0.0], [0.0], [1.0]], dtype=dtype)  # right, right, wrong, wrong
    sw = np.ones(4, dtype=dtype)
    grad = np.empty((4, 1), dtype=dtype)
    per = np.empty(4, dtype=dtype)
    value = kl.loss_kernel(kl.BCE, z, a, y, sw, 0.25, grad, True, per)
    assert math.isfinite(value)
    assert np.isfinite(per).all() and np.isfinite(grad).all()
    ref = np.logaddexp(0.0, z[:, 0].astype(np.float64)) - y[:, 0] * z[:, 0]
    close(per, ref, dtype, scale=magnitude)
    assert value == pytest.approx(ref.mean(), rel=1e-6)
    np.testing.assert_allclose(per[:2], 0.0, atol=1e-10)  # confidently right: ~0
    np.testing.assert_allclose(per[2:], magnitude, rtol=1e-6)  # confidently wrong: |z|
    np.testing.assert_allclose(grad[:, 0], [0.0, 0.0, 0.25, -0.25], atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
def test_softmax_ce_is_stable_for_large_logits(dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [1000.0, -1000.0, 0.0]], dtype=dtype)
    a = reference_softmax(z).astype(dtype)
    y = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=dtype)
    per = np.empty(2, dtype=dtype)
    grad = np.empty((2, 3), dtype=dtype)
    value = kl.loss_kernel(kl.SOFTMAX_CE, z, a, y, np.ones(2, dtype), 0.5, grad, True, per)
    assert math.isfinite(value)
    np.testing.assert_allclose(per, [0.0, 2000.0], rtol=1e-6, atol=1e-6)
    assert np.isfinite(grad).all()


def test_hinge_margin_boundaries():
    """Margin exactly 0 is not a violation; the true class collects -count * w."""
    a = np.array([[2.0, 1.0, 0.5],  # true 0: margins 0 and -0.5 -> loss 0
                  [0.0, 0.5, 0.2],  # true 1: margins 0.5 and 0.7 -> loss 1.2
                  [3.0, 3.0, 3.0]])  # true 2: margins 1 and 1 -> loss 2
    y = np.eye(3)
    sw = np.array([1.0, 2.0, 0.5])
    grad = np.full((3, 3), np.nan)
    per = np.empty(3)
    value = kl.loss_kernel(kl.HINGE, a, a, y, sw, 1.0 / 3, grad, True, per)
    np.testing.assert_allclose(per, [0.0, 1.2, 2.0], rtol=1e-14)
    assert value == pytest.approx((0.0 + 2.4 + 1.0) / 3, rel=1e-14)
    w = sw / 3
    np.testing.assert_allclose(grad, [[0.0, 0.0, 0.0],
                                      [w[1], -2 * w[1], w[1]],
                                      [w[2], w[2], -2 * w[2]]], rtol=1e-14)


# --- correct counts ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
@pytest.mark.parametrize("k", [2, 3, 7])
def test_correct_kernel_multiclass(k, dtype):
    rng = rng_for(17, k)
    a = rng.random((50, k)).astype(dtype)
    y = np.eye(k)[rng.integers(0, k, 50)].astype(dtype)
    expected = int((a.argmax(axis=1) == y.argmax(axis=1)).sum())
    assert kl.correct_kernel(a, y) == expected
    assert kl.correct_kernel(y, y) == 50


def test_correct_kernel_ties_take_first_maximum():
    a = np.array([[0.5, 0.5, 0.0], [0.2, 0.4, 0.4]])
    y = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    assert kl.correct_kernel(a, y) == 1  # like np.argmax: first of equal maxima


@pytest.mark.parametrize("dtype", DTYPES, ids=_dtype_id)
def test_correct_kernel_one_column_threshold(dtype):
    a = np.array([[0.9], [0.5], [0.51], [0.1], [0.49], [0.7]], dtype=dtype)
    y = np.array([[1.0], [1.0], [1.0], [0.0], [0.0], [0.0]], dtype=dtype)
    # 0.5 is not above the threshold: predicted 0 -> wrong for label 1
    assert kl.correct_kernel(a, y) == 4
    assert kl.correct_kernel(np.zeros((0, 1), dtype), np.zeros((0, 1), dtype)) == 0


@pytest.mark.parametrize("code", [ka.RELU, ka.LEAKY_RELU, ka.ELU, ka.TANH, ka.SIGMOID])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_passes_through_activations(code, dtype):
    # the trainer's divergence check looks for non-finite layer outputs
    z = np.array([np.nan, 1.0, -1.0], dtype=dtype)
    a = np.empty_like(z)
    ka.act_forward(code, 0.1, z, a)
    assert np.isnan(a[0]) and np.isfinite(a[1:]).all()
