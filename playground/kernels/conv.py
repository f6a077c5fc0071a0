"""Image kernels on N×C×H×W arrays: im2col / col2im for convolutions, pooling, upsampling.

Padding is given as the top and left amounts; bottom and right follow from the output size
(they differ from top and left for "same" padding with an even total).
"""

import numpy as np
from numba import njit

from playground.kernels.activations import act_backward_flat, act_forward_flat


@njit(cache=True, nogil=True, error_model="numpy")
def pad_images(x, ph, pw, out):
    """out = x with ph rows above, pw columns left, and zeros wherever out is larger."""
    out[...] = 0.0
    n_, c_, h, w = x.shape
    for n in range(n_):
        for c in range(c_):
            for y in range(h):
                out[n, c, ph + y, pw:pw + w] = x[n, c, y]


@njit(cache=True, nogil=True, error_model="numpy")
def im2col(xp, kh, kw, sh, sw, oh, ow, cols):
    """cols[(c, i, j), n*oh*ow + y*ow + x] = xp[n, c, y*sh + i, x*sw + j] for a padded input.

    Rows are (channel, kernel row, kernel column), columns run over the whole batch, so one
    matrix product serves all samples: a convolution is W (F, C·kh·kw) @ cols. The input is
    padded beforehand, so every index is non-negative and the row copies vectorize (row views
    measured faster here than 4-D indexing per element).
    """
    n_, c_ = xp.shape[0], xp.shape[1]
    per = oh * ow
    for c in range(c_):
        for i in range(kh):
            for j in range(kw):
                dst_row = cols[(c * kh + i) * kw + j]
                for n in range(n_):
                    plane = xp[n, c]
                    for y in range(oh):
                        src = plane[y * sh + i]
                        base = n * per + y * ow
                        if sw == 1:
                            for xo in range(ow):
                                dst_row[base + xo] = src[xo + j]
                        else:
                            for xo in range(ow):
                                dst_row[base + xo] = src[xo * sw + j]


@njit(cache=True, nogil=True, error_model="numpy")
def col2im(cols, kh, kw, sh, sw, oh, ow, xp):
    """The adjoint of im2col, into a padded image (zeroed first); crop the padding after."""
    n_, c_ = xp.shape[0], xp.shape[1]
    per = oh * ow
    xp[...] = 0.0
    for c in range(c_):
        for i in range(kh):
            for j in range(kw):
                src_row = cols[(c * kh + i) * kw + j]
                for n in range(n_):
                    plane = xp[n, c]
                    for y in range(oh):
                        dst = plane[y * sh + i]
                        base = n * per + y * ow
                        if sw == 1:
                            for xo in range(ow):
                                dst[xo + j] += src_row[base + xo]
                        else:
                            for xo in range(ow):
                                dst[xo * sw + j] += src_row[base + xo]


@njit(cache=True, nogil=True, error_model="numpy")
def to_batch_inner(x, ph, pw, out):
    """out[c, ph + y, pw + x, n] = x[n, c, y, x], zero elsewhere: a padded batch with the
    sample index innermost, the layout Conv2D takes its columns from."""
    n_, c_, h, w = x.shape
    out[...] = 0.0
    for c in range(c_):
        for y in range(h):
            for xx in range(w):
                dst = out[c, ph + y, pw + xx]
                for n in range(n_):
                    dst[n] = x[n, c, y, xx]


@njit(cache=True, nogil=True, error_model="numpy")
def from_batch_inner(xt, ph, pw, out):
    """out[n, c, y, x] = xt[c, ph + y, pw + x, n]: back to N×C×H×W, without the padding."""
    n_, c_, h, w = out.shape
    for c in range(c_):
        for y in range(h):
            for xx in range(w):
                src = xt[c, ph + y, pw + xx]
                for n in range(n_):
                    out[n, c, y, xx] = src[n]


@njit(cache=True, nogil=True, error_model="numpy")
def im2col_batch_inner(xt, kh, kw, sh, sw, oh, ow, cols):
    """cols[(c, i, j), (y*ow + x)*N + n] = xt[c, y*sh + i, x*sw + j, n] for a padded
    batch-inner input (C, Hp, Wp, N).

    With the samples innermost, one output row of all samples is a single contiguous run of
    the input (stride 1) or ow runs of N: plain copies, where N×C×H×W gave runs of out_w
    pixels (10 in LeNet's second layer, 6× slower). Earlier "wide" columns (output rows at
    the input's pitch) copied as fast but multiplied junk columns: 36% of that layer's
    products.
    """
    c_, hp, wp, n_ = xt.shape
    flat = xt.reshape(-1)
    run = ow * n_
    for c in range(c_):
        for i in range(kh):
            for j in range(kw):
                dst_row = cols[(c * kh + i) * kw + j]
                for y in range(oh):
                    base = ((c * hp + y * sh + i) * wp + j) * n_
                    if sw == 1:
                        src = flat[base:base + run]
                        dst = dst_row[y * run:(y + 1) * run]
                        for q in range(run):
                            dst[q] = src[q]
                    else:
                        for xx in range(ow):
                            src = flat[base + xx * sw * n_:base + (xx * sw + 1) * n_]
                            dst = dst_row[y * run + xx * n_:y * run + (xx + 1) * n_]
                            for n in range(n_):
                                dst[n] = src[n]


@njit(cache=True, nogil=True, error_model="numpy")
def col2im_batch_inner(cols, kh, kw, sh, sw, oh, ow, xt):
    """The adjoint of im2col_batch_inner, into a padded batch-inner image (zeroed first)."""
    c_, hp, wp, n_ = xt.shape
    xt[...] = 0.0
    flat = xt.reshape(-1)
    run = ow * n_
    for c in range(c_):
        for i in range(kh):
            for j in range(kw):
                src_row = cols[(c * kh + i) * kw + j]
                for y in range(oh):
                    base = ((c * hp + y * sh + i) * wp + j) * n_
                    if sw == 1:
                        dst = flat[base:base + run]
                        src = src_row[y * run:(y + 1) * run]
                        for q in range(run):
                            dst[q] += src[q]
                    else:
                        for xx in range(ow):
                            dst = flat[base + xx * sw * n_:base + (xx * sw + 1) * n_]
                            src = src_row[y * run + xx * n_:y * run + (xx + 1) * n_]
                            for n in range(n_):
                                dst[n] += src[n]


@njit(cache=True, nogil=True, error_model="numpy")
def batch_to_channel_major(a, out):
    """(N, C, P) -> (C, N*P): the layout matrix products over the whole batch want."""
    n_, c_, p_ = a.shape
    for c in range(c_):
        for n in range(n_):
            out[c, n * p_:(n + 1) * p_] = a[n, c]


@njit(cache=True, nogil=True, error_model="numpy")
def channel_major_to_batch(a, out):
    """(C, N*P) -> (N, C, P)."""
    n_, c_, p_ = out.shape
    for c in range(c_):
        for n in range(n_):
            out[n, c] = a[c, n * p_:(n + 1) * p_]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _max_pool_2x2(x, out, arg):
    """The common case, unrolled: the first maximum of each 2×2 window wins, NaN wins."""
    n_, c_, _h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    for n in range(n_):
        for c in range(c_):
            plane = x[n, c]
            for y in range(oh):
                top = plane[2 * y]
                bottom = plane[2 * y + 1]
                o = out[n, c, y]
                g = arg[n, c, y]
                for xo in range(ow):
                    x0 = 2 * xo
                    best = top[x0]
                    where = 2 * y * w + x0
                    v = top[x0 + 1]
                    if v > best or v != v:
                        best = v
                        where = 2 * y * w + x0 + 1
                    v = bottom[x0]
                    if v > best or v != v:
                        best = v
                        where = (2 * y + 1) * w + x0
                    v = bottom[x0 + 1]
                    if v > best or v != v:
                        best = v
                        where = (2 * y + 1) * w + x0 + 1
                    o[xo] = best
                    g[xo] = where


@njit(cache=True, nogil=True, error_model="numpy")
def max_pool_forward(x, kh, kw, sh, sw, out, arg):
    """out = max over each window; arg = flat index (in H×W) of the first maximum."""
    n_, c_, _h, w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    if kh == 2 and kw == 2 and sh == 2 and sw == 2:
        _max_pool_2x2(x, out, arg)
        return
    for n in range(n_):
        for c in range(c_):
            plane = x[n, c]
            for y in range(oh):
                for xo in range(ow):
                    y0 = y * sh
                    x0 = xo * sw
                    best = plane[y0, x0]
                    where = y0 * w + x0
                    for i in range(kh):
                        for j in range(kw):
                            v = plane[y0 + i, x0 + j]
                            if v > best or v != v:  # NaN wins, so it is not hidden
                                best = v
                                where = (y0 + i) * w + x0 + j
                    out[n, c, y, xo] = best
                    arg[n, c, y, xo] = where


@njit(cache=True, nogil=True, error_model="numpy")
def max_pool_backward(dout, arg, dx):
    """Each window's gradient goes to its (first) maximum; dx is zeroed first."""
    n_, c_, _h, _w = dx.shape
    dx[...] = 0.0
    oh, ow = dout.shape[2], dout.shape[3]
    for n in range(n_):
        for c in range(c_):
            flat = dx[n, c].reshape(-1)
            for y in range(oh):
                for xo in range(ow):
                    flat[arg[n, c, y, xo]] += dout[n, c, y, xo]


@njit(cache=True, nogil=True, error_model="numpy")
def avg_pool_forward(x, kh, kw, sh, sw, out):
    n_, c_, _h, _w = x.shape
    oh, ow = out.shape[2], out.shape[3]
    scale = 1.0 / (kh * kw)
    for n in range(n_):
        for c in range(c_):
            plane = x[n, c]
            for y in range(oh):
                for xo in range(ow):
                    acc = 0.0
                    for i in range(kh):
                        for j in range(kw):
                            acc += plane[y * sh + i, xo * sw + j]
                    out[n, c, y, xo] = acc * scale


@njit(cache=True, nogil=True, error_model="numpy")
def avg_pool_backward(dout, kh, kw, sh, sw, dx):
    n_, c_, _h, _w = dx.shape
    dx[...] = 0.0
    oh, ow = dout.shape[2], dout.shape[3]
    scale = 1.0 / (kh * kw)
    for n in range(n_):
        for c in range(c_):
            for y in range(oh):
                for xo in range(ow):
                    g = dout[n, c, y, xo] * scale
                    for i in range(kh):
                        for j in range(kw):
                            dx[n, c, y * sh + i, xo * sw + j] += g


@njit(cache=True, nogil=True, error_model="numpy")
def upsample_nearest_forward(x, fy, fx, out):
    n_, c_, h, w = x.shape
    for n in range(n_):
        for c in range(c_):
            for y in range(h * fy):
                src = x[n, c, y // fy]
                dst = out[n, c, y]
                for xo in range(w * fx):
                    dst[xo] = src[xo // fx]


@njit(cache=True, nogil=True, error_model="numpy")
def upsample_nearest_backward(dout, fy, fx, dx):
    n_, c_, h, w = dx.shape
    dx[...] = 0.0
    for n in range(n_):
        for c in range(c_):
            for y in range(h * fy):
                src = dout[n, c, y]
                dst = dx[n, c, y // fy]
                for xo in range(w * fx):
                    dst[xo // fx] += src[xo]


@njit(cache=True, nogil=True, error_model="numpy")
def conv_epilogue(z2, bias, use_bias, code, alpha, z, a):
    """From the product's (F, H*W*N) batch-inner columns to (N, F, H, W) pre-activations z
    plus bias, and the activation a = f(z) (PReLU and softmax are applied by the caller)."""
    n_, f_, h, w = z.shape
    p_ = h * w
    zf = z.reshape(n_, f_, p_)
    af = a.reshape(n_, f_, p_)
    for f in range(f_):
        b = bias[f] if use_bias else 0.0
        row = z2[f]
        for n in range(n_):
            dst = zf[n, f]
            for p in range(p_):
                dst[p] = row[p * n_ + n] + b
            act_forward_flat(code, alpha, dst, af[n, f])


# reassociation lets the bias gradient's long sum vectorize; in order, each addition waited for
# the previous one (the kernel took 3× as long)
@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def conv_prologue(da, z, a, code, alpha, apply_derivative, dz2, dbias):
    """Backward entry: dz = da * f'(z) in conv_epilogue's (F, H*W*N) layout, and the bias
    gradient. da, z, a are (N, F, H, W)."""
    n_, f_, h, w = da.shape
    p_ = h * w
    daf = da.reshape(n_, f_, p_)
    zf = z.reshape(n_, f_, p_)
    af = a.reshape(n_, f_, p_)
    plane = np.empty(p_, dtype=dz2.dtype)
    for f in range(f_):
        acc = 0.0
        row = dz2[f]
        for n in range(n_):
            if apply_derivative:
                act_backward_flat(code, alpha, zf[n, f], af[n, f], daf[n, f], plane)
            else:
                plane[:] = daf[n, f]
            for p in range(p_):
                acc += plane[p]
                row[p * n_ + n] = plane[p]
        dbias[f] = acc
