"""Numba kernels of batch normalisation, channel by channel over x seen as (N, C, S) (S: the
spatial size, 1 for BatchNorm1d on (N, C)); any strides. Sums are accumulated in float64.

    stats:     mean_c = (1/n) sum x,   var_c = (1/n) sum (x - mean_c)^2       (two passes, n = N S)
    normalize: out = (x - mean_c) rstd_c                                       (one pass)
    backward:  out = rstd_c (g - mean_c(g) - y mean_c(g y))                     (two passes)

Each call handles the channels c0 <= c < c1, so conv.split_range can halve the channels between
this thread and the helper thread (nogil).

The *_rows kernels do the same for x (N, C) (BatchNorm1d): there a channel's values are a column,
one value per row, so walking channel by channel would touch one value per cache line; they walk
the rows in memory order instead and keep the channel sums in float64 arrays.

Every kernel is compiled twice from its one body: for any strides, and (name + "_c") for
C-contiguous arrays, where the known unit stride lets LLVM vectorise the loops.
"""
import numpy as np
from numba import njit, types

_FLAGS = {"cache": True, "boundscheck": False, "error_model": "numpy", "nogil": True}   # exact IEEE
#: the float64 sums alone may be reassociated: LLVM then keeps several partial sums in vector
#: lanes (a single running sum waits for each add; figures in benchmarks/README.md), which changes
#: the rounding of a float64 sum of float32 values by about 1e-16 relative; everything else is exact
_SUM_FLAGS = {**_FLAGS, "fastmath": {"reassoc"}}


@njit(**_SUM_FLAGS)
def _row_sum(row, shift):
    """sum of (row[t] - shift) in float64."""
    s = 0.0
    for t in range(row.shape[0]):
        s += row[t] - shift
    return s


@njit(**_SUM_FLAGS)
def _row_sumsq(row, shift):
    """sum of (row[t] - shift)^2 in float64."""
    s = 0.0
    for t in range(row.shape[0]):
        d = row[t] - shift
        s += d * d
    return s


@njit(**_SUM_FLAGS)
def _row_dot(a, b):
    """sum of a[t] b[t] in float64."""
    s = 0.0
    for t in range(a.shape[0]):
        s += np.float64(a[t]) * b[t]
    return s


@njit(**_FLAGS)
def stats(x, mean, var, c0, c1):
    N, _, S = x.shape
    inv = 1.0 / (N * S)
    for c in range(c0, c1):
        s = 0.0
        for n in range(N):
            s += _row_sum(x[n, c], 0.0)
        mu = s * inv
        q = 0.0
        for n in range(N):
            q += _row_sumsq(x[n, c], mu)
        mean[c] = mu
        var[c] = q * inv


@njit(**_FLAGS)
def normalize(x, out, mean, rstd, c0, c1):
    N, _, S = x.shape
    for c in range(c0, c1):
        mu = mean[c]
        r = rstd[c]
        for n in range(N):
            src = x[n, c]
            dst = out[n, c]
            for t in range(S):
                dst[t] = (src[t] - mu) * r


@njit(**_FLAGS)
def backward(g, y, rstd, out, c0, c1):
    N, _, S = g.shape
    inv = 1.0 / (N * S)
    for c in range(c0, c1):
        sg = 0.0
        sgy = 0.0
        for n in range(N):
            gr = g[n, c]
            yr = y[n, c]
            sg += _row_sum(gr, 0.0)
            sgy += _row_dot(gr, yr)
        mg = sg * inv
        mgy = sgy * inv
        r = rstd[c]
        for n in range(N):
            gr = g[n, c]
            yr = y[n, c]
            dst = out[n, c]
            for t in range(S):
                dst[t] = r * (gr[t] - mg - yr[t] * mgy)


@njit(**_FLAGS)
def stats_rows(x, mean, var, c0, c1):
    # each row's slice of channels c0:c1 is walked with a non-negative loop index, so Numba adds
    # no negative-index wraparound and LLVM vectorises the per-channel adds
    N, m = x.shape[0], c1 - c0
    inv = 1.0 / N
    s = np.zeros(m)
    for n in range(N):
        row = x[n, c0:c1]
        for t in range(m):
            s[t] += row[t]
    mu = mean[c0:c1]
    for t in range(m):
        mu[t] = s[t] * inv
    q = np.zeros(m)
    for n in range(N):
        row = x[n, c0:c1]
        for t in range(m):
            d = row[t] - mu[t]
            q[t] += d * d
    v = var[c0:c1]
    for t in range(m):
        v[t] = q[t] * inv


@njit(**_FLAGS)
def normalize_rows(x, out, mean, rstd, c0, c1):
    mu, r = mean[c0:c1], rstd[c0:c1]
    for n in range(x.shape[0]):
        src, dst = x[n, c0:c1], out[n, c0:c1]
        for t in range(c1 - c0):
            dst[t] = (src[t] - mu[t]) * r[t]


@njit(**_FLAGS)
def backward_rows(g, y, rstd, out, c0, c1):
    N, m = g.shape[0], c1 - c0
    inv = 1.0 / N
    sg = np.zeros(m)
    sgy = np.zeros(m)
    for n in range(N):
        gr, yr = g[n, c0:c1], y[n, c0:c1]
        for t in range(m):
            sg[t] += gr[t]
            sgy[t] += np.float64(gr[t]) * yr[t]
    for t in range(m):
        sg[t] *= inv
        sgy[t] *= inv
    r = rstd[c0:c1]
    for n in range(N):
        gr, yr, dst = g[n, c0:c1], y[n, c0:c1], out[n, c0:c1]
        for t in range(m):
            dst[t] = r[t] * (gr[t] - sg[t] - yr[t] * sgy[t])


# The same kernels compiled for C-contiguous arrays (kernels/norm.py picks the name with "_c" when
# every array is): with the unit stride known, LLVM vectorises the loops.
stats_c, normalize_c, backward_c = stats, normalize, backward
stats_rows_c, normalize_rows_c, backward_rows_c = stats_rows, normalize_rows, backward_rows


def _t(dtype):
    return types.float32 if dtype == np.float32 else types.float64


def _A3(dtype):
    return types.Array(_t(dtype), 3, "A")


_F64 = types.Array(types.float64, 1, "C")


def _A2(dtype):
    return types.Array(_t(dtype), 2, "A")


def sig_stats_rows(dtype):
    return (_A2(dtype), _F64, _F64, types.int64, types.int64)


def sig_normalize_rows(dtype):
    return (_A2(dtype), _A2(dtype), _F64, _F64, types.int64, types.int64)


def sig_backward_rows(dtype):
    return (_A2(dtype), _A2(dtype), _F64, _A2(dtype), types.int64, types.int64)


def sig_stats(dtype):
    return (_A3(dtype), _F64, _F64, types.int64, types.int64)


def sig_normalize(dtype):
    return (_A3(dtype), _A3(dtype), _F64, _F64, types.int64, types.int64)


def sig_backward(dtype):
    return (_A3(dtype), _A3(dtype), _F64, _A3(dtype), types.int64, types.int64)


def _contiguous(sig):
    """sig with every array C-contiguous."""
    return tuple(types.Array(t.dtype, t.ndim, "C") if isinstance(t, types.Array) else t for t in sig)


def sig_stats_c(dtype):
    return _contiguous(sig_stats(dtype))


def sig_normalize_c(dtype):
    return _contiguous(sig_normalize(dtype))


def sig_backward_c(dtype):
    return _contiguous(sig_backward(dtype))


def sig_stats_rows_c(dtype):
    return _contiguous(sig_stats_rows(dtype))


def sig_normalize_rows_c(dtype):
    return _contiguous(sig_normalize_rows(dtype))


def sig_backward_rows_c(dtype):
    return _contiguous(sig_backward_rows(dtype))
