"""Fused training and inference for plain dense stacks (the 2-D playground's networks).

One call runs many steps, each a full forward, loss, backward and update through the same
inlined helpers that the layer-by-layer path calls one at a time, so both paths compute the same
numbers; a Numba call costs about a microsecond to dispatch, more than a 2-8-8-1 step itself.
"""

import math

import numpy as np
from numba import njit

from playground.kernels.activations import (
    SOFTMAX,
    act_backward_flat,
    act_forward_flat,
    softmax_row,
)
from playground.kernels.dense import dense_backward_input, dense_backward_params, dense_forward
from playground.kernels.losses import correct_rows, loss_rows
from playground.kernels.optimizers import S_LAYER, update_all

OK = 0
BAD_FORWARD = 1  # a layer's output became non-finite (where = layer)
BAD_LOSS = 2  # the loss became non-finite (where = last layer)
BAD_GRADIENT = 3  # a gradient became non-finite; the update was skipped (where = layer)
EXPLODED = 4  # the loss passed the explosion limit (where is chosen by the caller)


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _weights(theta, off, rows, cols):
    return theta[off:off + rows * cols].reshape((rows, cols))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _block(ws, off, rows, cols):
    return ws[off:off + rows * cols].reshape((rows, cols))


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _activate_rows(code, alpha, z, a):
    """a = f(z) for a (rows, units) block; True when a non-finite value came out."""
    if code == SOFTMAX:
        for r in range(z.shape[0]):
            softmax_row(z[r], a[r])
    else:
        act_forward_flat(code, alpha, z.reshape(-1), a.reshape(-1))
    total = 0.0
    af = a.reshape(-1)
    for i in range(af.size):
        total += af[i] * 0.0  # NaN or inf anywhere makes the sum NaN; vectorizes, unlike isfinite
    return total != 0.0 or not math.isfinite(total)


@njit(cache=True, nogil=True, error_model="numpy")
def train_mlp(X, Y, SW, order, starts, sizes, acts, alphas, w_off, b_off, loss_code, fused,
              classify, loss_limit, opt_code, hp, lrs, t0, clipnorm, theta, grad, s1, s2, seg_i,
              seg_f, seg_gsq, ws_a, ws_z, a_off, d1, d2, ws_y, ws_sw, zero_bias, out_loss,
              out_penalty, out_correct, out_gnorm, status):
    """Run len(starts) - 1 steps; step j trains on rows order[starts[j]:starts[j+1]].
    Returns the number of steps completed; status = (kind, layer, step) when one failed."""
    n_layers = sizes.size - 1
    k = sizes[n_layers]
    empty = np.empty(0, dtype=ws_sw.dtype)
    for step in range(starts.size - 1):
        lo = starts[step]
        b = starts[step + 1] - lo
        # gather the batch
        x0 = _block(ws_a, a_off[0], b, sizes[0])
        yb = _block(ws_y, 0, b, k)
        for r in range(b):
            row = order[lo + r]
            for j in range(sizes[0]):
                x0[r, j] = X[row, j]
            for j in range(k):
                yb[r, j] = Y[row, j]
            ws_sw[r] = SW[row]
        # forward
        for layer in range(n_layers):
            n_in = sizes[layer]
            n_out = sizes[layer + 1]
            x = _block(ws_a, a_off[layer], b, n_in)
            z = _block(ws_z, a_off[layer + 1], b, n_out)
            a = _block(ws_a, a_off[layer + 1], b, n_out)
            w = _weights(theta, w_off[layer], n_in, n_out)
            bias = theta[b_off[layer]:b_off[layer] + n_out] if b_off[layer] >= 0 else zero_bias
            dense_forward(x, w, bias, z)
            if _activate_rows(acts[layer], alphas[layer], z, a):
                status[0] = BAD_FORWARD
                status[1] = layer
                status[2] = step
                return step
        z_out = _block(ws_z, a_off[n_layers], b, k)
        a_out = _block(ws_a, a_off[n_layers], b, k)
        d = _block(d1, 0, b, k)
        loss = loss_rows(loss_code, z_out, a_out, yb, ws_sw, 1.0 / b, d, True, empty)
        if not math.isfinite(loss):
            status[0] = BAD_LOSS
            status[1] = n_layers - 1
            status[2] = step
            return step
        out_loss[step] = loss
        if loss > loss_limit:
            status[0] = EXPLODED
            status[1] = n_layers - 1
            status[2] = step
            return step
        if classify:
            out_correct[step] = correct_rows(a_out, yb)
        # backward
        cur = d1
        other = d2
        for layer in range(n_layers - 1, -1, -1):
            n_in = sizes[layer]
            n_out = sizes[layer + 1]
            dz = _block(cur, 0, b, n_out)
            if not (fused and layer == n_layers - 1):
                z = _block(ws_z, a_off[layer + 1], b, n_out)
                a = _block(ws_a, a_off[layer + 1], b, n_out)
                code = acts[layer]
                if code == SOFTMAX:
                    for r in range(b):
                        dot = 0.0
                        for j in range(n_out):
                            dot += dz[r, j] * a[r, j]
                        for j in range(n_out):
                            dz[r, j] = a[r, j] * (dz[r, j] - dot)
                else:
                    flat = dz.reshape(-1)
                    act_backward_flat(code, alphas[layer], z.reshape(-1), a.reshape(-1), flat, flat)
            x = _block(ws_a, a_off[layer], b, n_in)
            w = _weights(theta, w_off[layer], n_in, n_out)
            dw = _weights(grad, w_off[layer], n_in, n_out)
            if b_off[layer] >= 0:
                db = grad[b_off[layer]:b_off[layer] + n_out]
            else:
                db = np.empty(n_out, dtype=grad.dtype)
            dense_backward_params(x, dz, dw, db)
            if layer > 0:
                dense_backward_input(dz, w, _block(other, 0, b, n_in))
                cur, other = other, cur
        # update
        penalty, bad = update_all(opt_code, hp, lrs[step], t0 + step + 1, clipnorm, theta, grad,
                                  s1, s2, seg_i, seg_f, seg_gsq)
        out_penalty[step] = penalty
        for layer in range(n_layers):
            out_gnorm[step, layer] = 0.0
        for s in range(seg_i.shape[0]):
            out_gnorm[step, seg_i[s, S_LAYER]] += seg_gsq[s]
        for layer in range(n_layers):
            out_gnorm[step, layer] = math.sqrt(out_gnorm[step, layer])
        if bad >= 0:
            status[0] = BAD_GRADIENT
            status[1] = seg_i[bad, S_LAYER]
            status[2] = step
            return step
    return starts.size - 1


PREDICT_BLOCK = 256


@njit(cache=True, nogil=True, error_model="numpy")
def predict_mlp(X, sizes, acts, alphas, w_off, b_off, theta, out, ws_a, ws_z, a_off, zero_bias,
                logits_out):
    """Inference in blocks of PREDICT_BLOCK rows: out = network(X), or the last layer's
    pre-activation when logits_out. Blocks are stored feature-major (units, rows) so every
    inner loop runs over rows and vectorizes whatever the layer widths (2 inputs, 1 output)."""
    n_layers = sizes.size - 1
    k = sizes[n_layers]
    n = X.shape[0]
    for lo in range(0, n, PREDICT_BLOCK):
        b = min(PREDICT_BLOCK, n - lo)
        x0 = _block(ws_a, a_off[0], sizes[0], b)
        for r in range(b):
            for j in range(sizes[0]):
                x0[j, r] = X[lo + r, j]
        for layer in range(n_layers):
            n_in = sizes[layer]
            n_out = sizes[layer + 1]
            x = _block(ws_a, a_off[layer], n_in, b)
            z = _block(ws_z, a_off[layer + 1], n_out, b)
            a = _block(ws_a, a_off[layer + 1], n_out, b)
            w = _weights(theta, w_off[layer], n_in, n_out)
            for j in range(n_out):
                bias = theta[b_off[layer] + j] if b_off[layer] >= 0 else zero_bias[j]
                zj = z[j]
                for r in range(b):
                    zj[r] = bias
                for i in range(n_in):
                    wij = w[i, j]
                    xi = x[i]
                    for r in range(b):
                        zj[r] += wij * xi[r]
            code = acts[layer]
            if logits_out and layer == n_layers - 1:
                a[:, :] = z
            elif code == SOFTMAX:
                column = np.empty(n_out, dtype=z.dtype)
                for r in range(b):
                    for j in range(n_out):
                        column[j] = z[j, r]
                    softmax_row(column, column)
                    for j in range(n_out):
                        a[j, r] = column[j]
            else:
                act_forward_flat(code, alphas[layer], z.reshape(-1), a.reshape(-1))
        a = _block(ws_a, a_off[n_layers], k, b)
        for r in range(b):
            for j in range(k):
                out[lo + r, j] = a[j, r]
