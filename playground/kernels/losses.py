"""Loss values and gradients over a batch, selected by an integer code.

Per-sample losses are weighted by sample weights (class weights) and averaged over the batch.
BCE and softmax cross-entropy take the logits z and return d loss / d z, which is both exact
and stable; MSE and hinge take the outputs a and return d loss / d a.
"""

import math

from numba import njit

MSE = 0
BCE = 1
SOFTMAX_CE = 2
HINGE = 3


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _argmax(v):
    best = 0
    for j in range(1, v.size):
        if v[j] > v[best]:
            best = j
    return best


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def loss_rows(code, z, a, y, sw, scale, grad, want_grad, per_sample):
    """Return scale * sum_r sw[r] * loss_r; write the gradient when want_grad.

    per_sample (length n, or length 0 to skip) receives the unweighted loss of each row.
    """
    n, k = a.shape
    total = 0.0
    for r in range(n):
        w = sw[r] * scale
        lr = 0.0
        if code == MSE:
            for j in range(k):
                d = a[r, j] - y[r, j]
                lr += d * d
                if want_grad:
                    grad[r, j] = 2.0 * d / k * w
            lr /= k
        elif code == BCE:
            for j in range(k):
                zz = z[r, j]
                lr += max(zz, 0.0) - zz * y[r, j] + math.log1p(math.exp(-abs(zz)))
                if want_grad:
                    grad[r, j] = (a[r, j] - y[r, j]) / k * w
            lr /= k
        elif code == SOFTMAX_CE:
            m = z[r, 0]
            for j in range(1, k):
                if z[r, j] > m:
                    m = z[r, j]
            s = 0.0
            for j in range(k):
                s += math.exp(z[r, j] - m)
            lse = m + math.log(s)
            ysum = 0.0
            for j in range(k):
                lr += y[r, j] * (lse - z[r, j])
                ysum += y[r, j]
            if want_grad:
                for j in range(k):
                    grad[r, j] = (a[r, j] * ysum - y[r, j]) * w
        else:  # HINGE, multiclass (Weston-Watkins), margin 1
            c = _argmax(y[r])
            count = 0
            for j in range(k):
                if j == c:
                    continue
                margin = a[r, j] - a[r, c] + 1.0
                if margin > 0.0:
                    lr += margin
                    count += 1
                    if want_grad:
                        grad[r, j] = w
                elif want_grad:
                    grad[r, j] = 0.0
            if want_grad:
                grad[r, c] = -count * w
        if per_sample.size > 0:
            per_sample[r] = lr
        total += lr * w
    return total


@njit(cache=True, nogil=True, error_model="numpy")
def loss_kernel(code, z, a, y, sw, scale, grad, want_grad, per_sample):
    return loss_rows(code, z, a, y, sw, scale, grad, want_grad, per_sample)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def correct_rows(a, y):
    """Number of rows whose predicted class matches the target (threshold 0.5 for one output)."""
    n, k = a.shape
    hits = 0
    for r in range(n):
        if k == 1:
            if (a[r, 0] > 0.5) == (y[r, 0] > 0.5):
                hits += 1
        elif _argmax(a[r]) == _argmax(y[r]):
            hits += 1
    return hits


@njit(cache=True, nogil=True, error_model="numpy")
def correct_kernel(a, y):
    return correct_rows(a, y)
