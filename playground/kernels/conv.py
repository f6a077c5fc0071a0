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
def im2col_wide(xp, kh, kw, per, cols):
    """cols[(c, i, j), n*per + q] = xp[n, c].flat[i*wp + j + q] for q < per: the "wide" im2col
    of a stride-1 convolution over a padded input (N, C, Hp, Wp).

    Output pixel (y, x) is column q = y*wp + x; the columns with x >= out_w are junk that the
    epilogue skips, and per = (out_h - 1)*wp + out_w. Each row is then one contiguous run of the
    input, a plain copy (the exact layout copies runs of out_w, 10 pixels in LeNet, and took 6×
    longer), at the price of wp / out_w more columns in the matrix products.
    """
    n_, c_, _hp, wp = xp.shape
    for n in range(n_):
        for c in range(c_):
            plane = xp[n, c].reshape(-1)
            for i in range(kh):
                for j in range(kw):
                    src = plane[i * wp + j:]
                    dst = cols[(c * kh + i) * kw + j, n * per:]
                    for q in range(per):
                        dst[q] = src[q]


@njit(cache=True, nogil=True, error_model="numpy")
def col2im_wide(cols, kh, kw, per, xp):
    """The adjoint of im2col_wide into a padded image (zeroed first). The junk columns of cols
    must be zero."""
    n_, c_, _hp, wp = xp.shape
    xp[...] = 0.0
    for n in range(n_):
        for c in range(c_):
            plane = xp[n, c].reshape(-1)
            for i in range(kh):
                for j in range(kw):
                    dst = plane[i * wp + j:]
                    src = cols[(c * kh + i) * kw + j, n * per:]
                    for q in range(per):
                        dst[q] += src[q]


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
def conv_epilogue(z2, pitch, per, bias, use_bias, code, alpha, z, a):
    """From the product's (F, N*per) layout, where output row y of image n starts at column
    n*per + y*pitch, to (N, F, H, W) pre-activations z plus bias, and the activation a = f(z),
    in one pass (PReLU and softmax are applied by the caller)."""
    n_, f_, h, w = z.shape
    for f in range(f_):
        b = bias[f] if use_bias else 0.0
        for n in range(n_):
            zd = z[n, f]
            for y in range(h):
                src = z2[f, n * per + y * pitch:]
                row = zd[y]
                for x in range(w):
                    row[x] = src[x] + b
            act_forward_flat(code, alpha, zd.reshape(-1), a[n, f].reshape(-1))


# reassociation lets the bias gradient's long sum vectorize; in order, each addition waited for
# the previous one (the kernel took 3× as long)
@njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc"})
def conv_prologue(da, z, a, code, alpha, apply_derivative, pitch, per, dz2, dbias):
    """Backward entry: dz = da * f'(z) in conv_epilogue's (F, N*per) layout, zero in the junk
    columns, and the bias gradient. da, z, a are (N, F, H, W)."""
    n_, f_, h, w = da.shape
    plane = np.empty(h * w, dtype=dz2.dtype)
    for f in range(f_):
        acc = 0.0
        for n in range(n_):
            if apply_derivative:
                act_backward_flat(code, alpha, z[n, f].reshape(-1), a[n, f].reshape(-1),
                                  da[n, f].reshape(-1), plane)
            else:
                plane[:] = da[n, f].reshape(-1)
            for p in range(h * w):
                acc += plane[p]
            block = dz2[f, n * per:(n + 1) * per]
            for y in range(h):
                row = block[y * pitch:]
                src = plane[y * w:]
                for x in range(w):
                    row[x] = src[x]
                if y < h - 1:
                    for x in range(w, pitch):
                        row[x] = 0.0
        dbias[f] = acc
