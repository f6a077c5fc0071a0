"""One training update over the flat parameter buffer: penalties, clipping, the optimizer rule,
the max-norm constraint, and the finiteness check, in a single pass per stage.

Parameters live in one flat array `theta` cut into segments (one per parameter array). Per
segment: start, end, active (trainable and not frozen), L1 and L2 rates (kernels only), whether
AdamW's decoupled decay applies, and the max-norm layout (see max_norm_project).
"""

import math

import numpy as np
from numba import njit

SGD = 0
MOMENTUM = 1
NESTEROV = 2
ADAGRAD = 3
RMSPROP = 4
ADADELTA = 5
ADAM = 6
ADAMW = 7

# hp layout: [0] momentum / beta1 / rho, [1] beta2, [2] epsilon, [3] weight decay


# Segment table columns (int64 table seg_i and float64 table seg_f, one row per parameter array).
S_START = 0
S_END = 1
S_ACTIVE = 2  # trainable and not frozen
S_DECAY = 3  # AdamW's decoupled weight decay applies (kernels only)
S_UNITS = 4  # max-norm layout: number of units,
S_UNIT_LEN = 5  # weights per unit,
S_UNIT_STRIDE = 6  # offset between units' first weights,
S_ELEM_STRIDE = 7  # offset between one unit's consecutive weights
S_LAYER = 8  # 0-based position of the owning layer
SEG_INT_COLUMNS = 9
F_L1 = 0
F_L2 = 1
F_MAXNORM = 2  # 0 = no constraint
SEG_FLOAT_COLUMNS = 3


# reassoc lets the squared-norm sum vectorize (it would otherwise run one add at a time); the
# order is still fixed by the compiled code, so runs stay bit-for-bit repeatable.
@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def add_penalties(theta, grad, seg_i, seg_f, seg_gsq):
    """Add penalty gradients; return the penalty loss. seg_gsq gets each segment's squared
    gradient norm (penalty included): per-layer statistics, clipping and the NaN check."""
    penalty = 0.0
    for s in range(seg_i.shape[0]):
        l1 = seg_f[s, F_L1]
        l2 = seg_f[s, F_L2]
        lo = seg_i[s, S_START]
        hi = seg_i[s, S_END]
        if (l1 != 0.0 or l2 != 0.0) and seg_i[s, S_ACTIVE] != 0:
            for i in range(lo, hi):
                w = theta[i]
                penalty += l1 * abs(w) + l2 * w * w
                sign = 1.0 if w > 0.0 else (-1.0 if w < 0.0 else 0.0)
                grad[i] += l1 * sign + 2.0 * l2 * w
        elif l1 != 0.0 or l2 != 0.0:
            for i in range(lo, hi):
                w = theta[i]
                penalty += l1 * abs(w) + l2 * w * w
        gsq = 0.0
        g = grad[lo:hi]
        for i in range(g.size):
            gsq += g[i] * g[i]
        seg_gsq[s] = gsq
    return penalty


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def clip_by_global_norm(grad, seg_i, seg_gsq, clipnorm):
    if clipnorm <= 0.0:
        return
    total = 0.0
    for s in range(seg_i.shape[0]):
        if seg_i[s, S_ACTIVE] != 0:
            total += seg_gsq[s]
    norm = math.sqrt(total)
    if norm > clipnorm:
        f = clipnorm / norm
        for s in range(seg_i.shape[0]):
            if seg_i[s, S_ACTIVE] != 0:
                for i in range(seg_i[s, S_START], seg_i[s, S_END]):
                    grad[i] *= f


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def coefficients(code, hp, lr, t, out):
    """Per-step scalars in the parameters' dtype, so the update loop needs no conversions:
    [lr, mu, 1 - mu, beta2, 1 - beta2, eps, 1 / (1 - mu^t), 1 / (1 - beta2^t), weight decay]."""
    mu = hp[0]
    b2 = hp[1]
    out[0] = lr
    out[1] = mu
    out[2] = 1.0 - mu
    out[3] = b2
    out[4] = 1.0 - b2
    out[5] = hp[2]
    out[6] = 1.0 / (1.0 - mu**t) if code >= ADAM else 1.0
    out[7] = 1.0 / (1.0 - b2**t) if code >= ADAM else 1.0
    out[8] = hp[3] if code == ADAMW else 0.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def apply_rule(code, c, theta, grad, s1, s2, lo, hi, decay):
    """The optimizer's own update on theta[lo:hi] with coefficients c (see coefficients)."""
    # slices indexed from 0: Numba can then prove indices non-negative and vectorize
    theta = theta[lo:hi]
    grad = grad[lo:hi]
    s1 = s1[lo:hi]
    s2 = s2[lo:hi]
    lr = c[0]
    mu = c[1]
    if code == SGD:
        for i in range(theta.size):
            theta[i] -= lr * grad[i]
    elif code == MOMENTUM:
        for i in range(theta.size):
            v = mu * s1[i] - lr * grad[i]
            s1[i] = v
            theta[i] += v
    elif code == NESTEROV:
        # Sutskever's form of the look-ahead: theta holds the look-ahead point.
        for i in range(theta.size):
            g = grad[i]
            v = mu * s1[i] - lr * g
            s1[i] = v
            theta[i] += mu * v - lr * g
    elif code == ADAGRAD:
        eps = c[5]
        for i in range(theta.size):
            g = grad[i]
            acc = s1[i] + g * g
            s1[i] = acc
            theta[i] -= lr * g / (math.sqrt(acc) + eps)
    elif code == RMSPROP:
        one_mu = c[2]
        eps = c[5]
        for i in range(theta.size):
            g = grad[i]
            acc = mu * s1[i] + one_mu * g * g
            s1[i] = acc
            theta[i] -= lr * g / (math.sqrt(acc) + eps)
    elif code == ADADELTA:
        one_mu = c[2]
        eps = c[5]
        for i in range(theta.size):
            g = grad[i]
            eg = mu * s1[i] + one_mu * g * g
            s1[i] = eg
            dx = -math.sqrt(s2[i] + eps) / math.sqrt(eg + eps) * g
            s2[i] = mu * s2[i] + one_mu * dx * dx
            theta[i] += lr * dx
    else:  # ADAM, ADAMW
        one_mu = c[2]
        b2 = c[3]
        one_b2 = c[4]
        eps = c[5]
        inv_c1 = c[6]
        inv_c2 = c[7]
        wd = c[8] if decay else c[8] * 0
        for i in range(theta.size):
            g = grad[i]
            m = mu * s1[i] + one_mu * g
            v = b2 * s2[i] + one_b2 * g * g
            s1[i] = m
            s2[i] = v
            theta[i] -= lr * ((m * inv_c1) / (math.sqrt(v * inv_c2) + eps) + wd * theta[i])


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def truncate_at_zero(before, after, grad, l1):
    """L1's truncated gradient: a weight that the step carried across zero stops at zero, and a
    zero weight stays there while the data gradient (grad minus the penalty's zero subgradient)
    is within l1. Plain subgradient steps only jitter around zero; this gives exact zeros."""
    for i in range(after.size):
        w0 = before[i]
        if w0 == 0.0:
            if abs(grad[i]) <= l1:
                after[i] = 0.0
        elif w0 * after[i] < 0.0:
            after[i] = 0.0


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def max_norm_project(theta, lo, units, unit_len, unit_stride, elem_stride, c):
    """Rescale each unit's incoming weight vector to norm <= c."""
    for j in range(units):
        base = lo + j * unit_stride
        sq = 0.0
        for i in range(unit_len):
            w = theta[base + i * elem_stride]
            sq += w * w
        norm = math.sqrt(sq)
        if norm > c:
            f = c / (norm + 1e-7)
            for i in range(unit_len):
                theta[base + i * elem_stride] *= f


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def update_all(code, hp, lr, t, clipnorm, theta, grad, s1, s2, seg_i, seg_f, seg_gsq):
    """Penalties, NaN check, clipping, update, max-norm. Returns (penalty loss, index of the
    first segment whose gradient is not finite, or -1); on a bad gradient nothing is updated,
    so the weights stay as they were."""
    penalty = add_penalties(theta, grad, seg_i, seg_f, seg_gsq)
    for s in range(seg_i.shape[0]):
        if seg_i[s, S_ACTIVE] != 0 and not math.isfinite(seg_gsq[s]):
            return penalty, s
    clip_by_global_norm(grad, seg_i, seg_gsq, clipnorm)
    c = np.empty(9, dtype=theta.dtype)
    coefficients(code, hp, lr, t, c)
    for s in range(seg_i.shape[0]):
        if seg_i[s, S_ACTIVE] == 0:
            continue
        lo = seg_i[s, S_START]
        hi = seg_i[s, S_END]
        l1 = seg_f[s, F_L1]
        before = theta[lo:hi].copy() if l1 > 0.0 else theta[:0]
        apply_rule(code, c, theta, grad, s1, s2, lo, hi, seg_i[s, S_DECAY] != 0)
        if l1 > 0.0:
            truncate_at_zero(before, theta[lo:hi], grad[lo:hi], l1)
        maxnorm = seg_f[s, F_MAXNORM]
        if maxnorm > 0.0:
            max_norm_project(theta, lo, seg_i[s, S_UNITS], seg_i[s, S_UNIT_LEN],
                             seg_i[s, S_UNIT_STRIDE], seg_i[s, S_ELEM_STRIDE], maxnorm)
    return penalty, -1


@njit(cache=True, nogil=True, error_model="numpy")
def update_kernel(code, hp, lr, t, clipnorm, theta, grad, s1, s2, seg_i, seg_f, seg_gsq):
    return update_all(code, hp, lr, t, clipnorm, theta, grad, s1, s2, seg_i, seg_f, seg_gsq)


@njit(cache=True, nogil=True, error_model="numpy")
def add_penalties_kernel(theta, grad, seg_i, seg_f, seg_gsq):
    return add_penalties(theta, grad, seg_i, seg_f, seg_gsq)
