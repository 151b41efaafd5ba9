"""Numba im2col / col2im: conv.py's NumPy references as one pass over the columns, with padding,
stride and dilation handled inside the loop (no padded copy of the whole batch, no Python loop
over kernel positions).

Index map (conv.py's docstring), for row r = (c kh + i) kw + j of the columns:

    cols[r, n, p ow + q] = x[n, c, p sh + i dh - ph, q sw + j dw - pw]   (0 outside the image)

Both kernels work one image plane (n, c) at a time, in a small scratch array holding the plane
with its padding (it stays in L1/L2): unfold copies the plane in once, then gathers each of the
kh kw rows of columns from it through one table of patch offsets, off[p ow + q] = p sh Wp + q sw
(plus i dh Wp + j dw for kernel position (i, j)); fold scatter-adds the kh kw rows into the
zeroed scratch plane the same way, then copies its inside out (the padding is dropped). So
every column entry is moved once, the inner loop is one long loop over the L patches without
a branch, and the image itself is read or written once.

Distinct planes write distinct rows of columns (unfold) or distinct image planes (fold), so both
can be split over the planes without write conflicts. The two-thread split
is done by the caller (conv.py) with a helper Python thread, as for the Numba gemm: each call
gets a half-open range of the outer index, and the kernel releases the GIL (nogil=True).
"""
import numpy as np
from numba import njit, types

_FLAGS = {"cache": True, "boundscheck": False, "error_model": "numpy", "nogil": True}   # exact IEEE: no fastmath


@njit(**_FLAGS)
def _offsets(oh, ow, sh, sw, row):
    """off[p ow + q] = p sh row + q sw: where patch (p, q) starts in a padded plane of width row."""
    off = np.empty(oh * ow, dtype=np.int64)
    for p in range(oh):
        for q in range(ow):
            off[p * ow + q] = p * sh * row + q * sw
    return off


@njit(**_FLAGS)
def unfold(x, cols, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow, b0, b1):
    """cols (C kh kw, N, oh ow), C-contiguous, from x (N, C, H, W) (any layout), for the image
    planes b = c N + n with b0 <= b < b1 (c outer: consecutive planes write adjacent rows)."""
    N, _, H, W = x.shape
    Wp = W + 2 * pw
    plane = np.zeros((H + 2 * ph) * Wp, dtype=x.dtype)     # the border stays 0: the padding
    off = _offsets(oh, ow, sh, sw, Wp)
    L = oh * ow
    for b in range(b0, b1):
        c = b // N
        n = b - c * N
        img = x[n, c]
        for h in range(H):                                  # the plane, into the padded scratch
            start = (h + ph) * Wp + pw
            for w in range(W):
                plane[start + w] = img[h, w]
        for i in range(kh):
            for j in range(kw):
                out = cols[(c * kh + i) * kw + j, n]
                base = i * dh * Wp + j * dw
                for t in range(L):
                    out[t] = plane[base + off[t]]


@njit(**_FLAGS)
def fold(cols, out, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow, b0, b1):
    """out (N, C, H, W), C-contiguous, = the sum of the columns cols (C kh kw, N, oh ow) (any
    layout) put back, for the image planes b = c N + n with b0 <= b < b1."""
    _, N, _ = cols.shape
    H, W = out.shape[2:]
    Wp = W + 2 * pw
    plane = np.empty((H + 2 * ph) * Wp, dtype=out.dtype)
    off = _offsets(oh, ow, sh, sw, Wp)
    L = oh * ow
    zero = out.dtype.type(0)
    for b in range(b0, b1):
        c = b // N
        n = b - c * N
        plane[:] = zero
        for i in range(kh):
            for j in range(kw):
                col = cols[(c * kh + i) * kw + j, n]
                base = i * dh * Wp + j * dw
                for t in range(L):                          # distinct t hit distinct pixels
                    plane[base + off[t]] += col[t]
        img = out[n, c]
        for h in range(H):                                  # the inside: padding is dropped
            start = (h + ph) * Wp + pw
            for w in range(W):
                img[h, w] = plane[start + w]


def _t(dtype):
    return types.float32 if dtype == np.float32 else types.float64


def sig_unfold(dtype):
    t = _t(dtype)
    return (types.Array(t, 4, "A"), types.Array(t, 3, "C")) + (types.int64,) * 12


def sig_fold(dtype):
    t = _t(dtype)
    return (types.Array(t, 3, "A"), types.Array(t, 4, "C")) + (types.int64,) * 12
