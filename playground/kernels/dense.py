"""Dense (fully connected) layer loops for small layers; large ones use BLAS from core.

Layout: x (n, fan_in) @ W (fan_in, units) + b, batch first.
"""

from numba import njit


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def dense_forward(x, w, b, z):
    n, fan_in = x.shape
    units = w.shape[1]
    for r in range(n):
        for j in range(units):
            z[r, j] = b[j]
        for k in range(fan_in):
            xv = x[r, k]
            for j in range(units):
                z[r, j] += xv * w[k, j]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def dense_backward_params(x, dz, dw, db):
    """dW = x^T dz, db = column sums of dz (both overwritten)."""
    n, fan_in = x.shape
    units = dz.shape[1]
    for k in range(fan_in):
        for j in range(units):
            dw[k, j] = 0.0
    for j in range(units):
        db[j] = 0.0
    for r in range(n):
        for j in range(units):
            db[j] += dz[r, j]
        for k in range(fan_in):
            xv = x[r, k]
            for j in range(units):
                dw[k, j] += xv * dz[r, j]


@njit(cache=True, nogil=True, error_model="numpy", inline="always")
def dense_backward_input(dz, w, dx):
    """dx = dz W^T (overwritten)."""
    n, units = dz.shape
    fan_in = w.shape[0]
    for r in range(n):
        for k in range(fan_in):
            acc = 0.0
            for j in range(units):
                acc += dz[r, j] * w[k, j]
            dx[r, k] = acc


@njit(cache=True, nogil=True, error_model="numpy")
def dense_forward_kernel(x, w, b, z):
    dense_forward(x, w, b, z)


@njit(cache=True, nogil=True, error_model="numpy")
def dense_backward_kernel(x, w, dz, dw, db, dx, need_dx):
    dense_backward_params(x, dz, dw, db)
    if need_dx:
        dense_backward_input(dz, w, dx)


@njit(cache=True, nogil=True, error_model="numpy")
def add_bias_rows(z, b):
    for r in range(z.shape[0]):
        for j in range(z.shape[1]):
            z[r, j] += b[j]


@njit(cache=True, nogil=True, error_model="numpy")
def column_sums(dz, db):
    for j in range(dz.shape[1]):
        db[j] = 0.0
    for r in range(dz.shape[0]):
        for j in range(dz.shape[1]):
            db[j] += dz[r, j]
