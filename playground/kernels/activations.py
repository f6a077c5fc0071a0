"""Elementwise activation functions and their derivatives, selected by an integer code.

Codes are stable: core.activations maps names to them, and fused kernels branch on them.
"""

import math

import numpy as np
from numba import njit, types
from numba.extending import overload

LINEAR = 0
SIGMOID = 1
TANH = 2
RELU = 3
LEAKY_RELU = 4
ELU = 5
PRELU = 6  # slope per unit, passed as an array; see prelu_forward / prelu_backward
SOFTPLUS = 7
SILU = 8
GELU = 9
SINE = 10
SOFTMAX = 11  # row-wise; see softmax_rows / softmax_backward_rows

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT2PI = 1.0 / math.sqrt(2.0 * math.pi)


# Rational approximation of tanh for float32 (Eigen's ptanh_float): within 4e-7 (relative) of
# the exact value (about 6 ulp at worst, near |z| = 6) and free of library calls, so loops over
# it vectorize; libm's tanh made tanh the largest cost of a small network's step. float64 keeps
# math.tanh (gradient checks need it).
_HALF32 = np.float32(0.5)
_TANH_CLAMP = np.float32(7.90531110763549805)
_TANH_TINY = np.float32(0.0004)
_A1 = np.float32(4.89352455891786e-03)
_A3 = np.float32(6.37261928875436e-04)
_A5 = np.float32(1.48572235717979e-05)
_A7 = np.float32(5.12229709037114e-08)
_A9 = np.float32(-8.60467152213735e-11)
_A11 = np.float32(2.00018790482477e-13)
_A13 = np.float32(-2.76076847742355e-16)
_B0 = np.float32(4.89352518554385e-03)
_B2 = np.float32(2.26843463243900e-03)
_B4 = np.float32(1.18534705686654e-04)
_B6 = np.float32(1.19825839466702e-06)


def fast_tanh(z):
    return math.tanh(z)


@overload(fast_tanh, jit_options={"cache": True})
def _fast_tanh_impl(z):
    if z == types.float32:
        def tanh32(z):
            if abs(z) < _TANH_TINY:
                return z
            x = min(max(z, -_TANH_CLAMP), _TANH_CLAMP)
            x2 = x * x
            p = x2 * _A13 + _A11
            p = x2 * p + _A9
            p = x2 * p + _A7
            p = x2 * p + _A5
            p = x2 * p + _A3
            p = x2 * p + _A1
            p = x * p
            q = x2 * _B6 + _B4
            q = x2 * q + _B2
            q = x2 * q + _B0
            return p / q
        return tanh32
    return lambda z: math.tanh(z)


def fast_sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


@overload(fast_sigmoid, jit_options={"cache": True})
def _fast_sigmoid_impl(z):
    if z == types.float32:
        def sigmoid32(z):
            # no exp call, so loops vectorize; absolute error ~6e-8, exactly 0 below z = -16
            return _HALF32 + _HALF32 * fast_tanh(_HALF32 * z)
        return sigmoid32

    def sigmoid64(z):
        return sigmoid(z)
    return sigmoid64


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def act_scalar(code, alpha, z):
    """Activation of one pre-activation value z (alpha: slope or scale parameter)."""
    if code == LINEAR:
        return z
    if code == SIGMOID:
        return fast_sigmoid(z)
    if code == TANH:
        return fast_tanh(z)
    # written as "<= 0" so that NaN passes through and the divergence check sees it
    if code == RELU:
        return 0.0 if z <= 0.0 else z
    if code == LEAKY_RELU or code == PRELU:
        return alpha * z if z <= 0.0 else z
    if code == ELU:
        return z if z > 0.0 else alpha * (math.exp(z) - 1.0)
    if code == SOFTPLUS:
        if z > 0.0:
            return z + math.log1p(math.exp(-z))
        return math.log1p(math.exp(z))
    if code == SILU:
        return z * sigmoid(z)
    if code == GELU:
        return 0.5 * z * (1.0 + math.erf(z * _INV_SQRT2))
    if code == SINE:
        return math.sin(z)
    return math.nan


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def act_derivative(code, alpha, z, a):
    """d activation / d z at pre-activation z with output a (either may be the cheaper one)."""
    if code == LINEAR:
        return 1.0
    if code == SIGMOID:
        return a * (1.0 - a)
    if code == TANH:
        return 1.0 - a * a
    if code == RELU:
        return 1.0 if z > 0.0 else 0.0
    if code == LEAKY_RELU or code == PRELU:
        return 1.0 if z > 0.0 else alpha
    if code == ELU:
        return 1.0 if z > 0.0 else a + alpha
    if code == SOFTPLUS:
        return sigmoid(z)
    if code == SILU:
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    if code == GELU:
        return 0.5 * (1.0 + math.erf(z * _INV_SQRT2)) + z * _INV_SQRT2PI * math.exp(-0.5 * z * z)
    if code == SINE:
        return math.cos(z)
    return math.nan


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def act_forward_flat(code, alpha, zf, af):
    """af = f(zf) over 1-D arrays; the common activations get their own loop so it vectorizes."""
    if code == TANH:
        for i in range(zf.size):
            af[i] = fast_tanh(zf[i])
    elif code == SIGMOID:
        for i in range(zf.size):
            af[i] = fast_sigmoid(zf[i])
    elif code == RELU:
        for i in range(zf.size):
            v = zf[i]
            af[i] = 0 if v <= 0 else v  # NaN passes through
    elif code == LINEAR:
        for i in range(zf.size):
            af[i] = zf[i]
    else:
        for i in range(zf.size):
            af[i] = act_scalar(code, alpha, zf[i])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def act_backward_flat(code, alpha, zf, af, gaf, gzf):
    """gzf = gaf * f'(zf) over 1-D arrays (in place allowed: gzf may be gaf)."""
    if code == TANH:
        for i in range(zf.size):
            gzf[i] = gaf[i] * (1 - af[i] * af[i])
    elif code == RELU:
        for i in range(zf.size):
            gzf[i] = gaf[i] if zf[i] > 0 else 0
    elif code == LINEAR:
        for i in range(zf.size):
            gzf[i] = gaf[i]
    else:
        for i in range(zf.size):
            gzf[i] = gaf[i] * act_derivative(code, alpha, zf[i], af[i])


@njit(cache=True, nogil=True, error_model="numpy")
def act_forward(code, alpha, z, a):
    """a = f(z) elementwise over contiguous arrays."""
    act_forward_flat(code, alpha, z.reshape(-1), a.reshape(-1))


@njit(cache=True, nogil=True, error_model="numpy")
def act_backward(code, alpha, z, a, grad_a, grad_z):
    """grad_z = grad_a * f'(z) elementwise."""
    act_backward_flat(code, alpha, z.reshape(-1), a.reshape(-1), grad_a.reshape(-1),
                      grad_z.reshape(-1))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def softmax_row(z, a):
    m = z[0]
    for j in range(1, z.size):
        if z[j] > m:
            m = z[j]
    s = 0.0
    for j in range(z.size):
        e = math.exp(z[j] - m)
        a[j] = e
        s += e
    inv = 1.0 / s
    for j in range(z.size):
        a[j] *= inv


@njit(cache=True, nogil=True, error_model="numpy")
def softmax_rows(z, a):
    for r in range(z.shape[0]):
        softmax_row(z[r], a[r])


@njit(cache=True, nogil=True, error_model="numpy")
def softmax_backward_rows(a, grad_a, grad_z):
    """Jacobian-vector product of row-wise softmax: gz = a * (ga - <ga, a>)."""
    for r in range(a.shape[0]):
        dot = 0.0
        for j in range(a.shape[1]):
            dot += grad_a[r, j] * a[r, j]
        for j in range(a.shape[1]):
            grad_z[r, j] = a[r, j] * (grad_a[r, j] - dot)


@njit(cache=True, nogil=True, error_model="numpy")
def prelu_forward(z, slope, a):
    """z (n, units) or (n, units, ...) flattened per unit by the caller as (n, units, m)."""
    n, u, m = z.shape
    for r in range(n):
        for j in range(u):
            s = slope[j]
            for k in range(m):
                v = z[r, j, k]
                a[r, j, k] = v if v > 0.0 else s * v


@njit(cache=True, nogil=True, error_model="numpy")
def prelu_backward(z, slope, grad_a, grad_z, grad_slope):
    """Accumulates into grad_slope; writes grad_z."""
    n, u, m = z.shape
    for r in range(n):
        for j in range(u):
            s = slope[j]
            acc = 0.0
            for k in range(m):
                v = z[r, j, k]
                g = grad_a[r, j, k]
                if v > 0.0:
                    grad_z[r, j, k] = g
                else:
                    grad_z[r, j, k] = s * g
                    acc += g * v
            grad_slope[j] += acc


