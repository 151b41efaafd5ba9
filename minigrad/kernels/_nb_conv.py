"""Numba im2col / col2im: conv.py's NumPy references as one pass over the columns, with padding,
stride and dilation handled inside the loop (no padded copy of the batch, no Python loop over
kernel positions).

Both kernels work on the batch-innermost layouts of conv.py (images as C-contiguous (C, H, W, N)
memory, columns as C-contiguous (C kh kw, oh ow, N) memory), so for row r = (c kh + i) kw + j and
patch (p, q) of the columns

    cols[r, p ow + q, n] = x[c, p sh + i dh - ph, q sw + j dw - pw, n]   (0 outside the image)

is one run of N (or n1 - n0) consecutive values on both sides: unfold copies runs, fold adds
runs, and the inner loop over n has unit stride and no branch, so it vectorises; the bounds are
checked once per run. fold adds, for each pixel, the entries of kernel position (i, j) in the
order of r (the reference's order), so both agree bit for bit.

Arrays are flat (1-D) and every index is an unsigned integer: Numba wraps negative indices
(a[-1] is the last element) unless it can prove an index non-negative, and for a computed
signed index that check on every access blocks vectorisation.

A call handles a range of channels or a range of images. Either way the two threads (the caller's
split, conv.split_range, with the helper Python thread of matmul.py; the kernels release the
GIL) write disjoint memory. By channel is the better split: each thread then streams its own
rows of columns; halves of each run of N values would make both threads pull every cache line
of the columns (the prefetcher fetches the neighbour's half too). By image is the fallback for
a single channel.
"""
import numpy as np
from numba import njit, types, uint64

_FLAGS = {"cache": True, "boundscheck": False, "error_model": "numpy", "nogil": True}   # exact IEEE: no fastmath


@njit(**_FLAGS)
def unfold(x, cols, C, H, W, N, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow, by_channel, lo, hi):
    """cols (flat (C kh kw, oh ow, N)) from x (flat (C, H, W, N)), for the channels lo <= c < hi
    (by_channel) or else the images lo <= n < hi."""
    zero = x.dtype.type(0)
    c0, c1, n0, n1 = (lo, hi, 0, N) if by_channel else (0, C, lo, hi)
    uN, un0, un1 = uint64(N), uint64(n0), uint64(n1)
    for r in range(c0 * kh * kw, c1 * kh * kw):
        c = r // (kh * kw)
        i = r // kw % kh
        j = r % kw
        for p in range(oh):
            h = p * sh + i * dh - ph
            for q in range(ow):
                w = q * sw + j * dw - pw
                dst = uint64((r * oh + p) * ow + q) * uN
                if 0 <= h < H and 0 <= w < W:
                    src = uint64((c * H + h) * W + w) * uN
                    for n in range(un0, un1):
                        cols[dst + n] = x[src + n]
                else:
                    for n in range(un0, un1):
                        cols[dst + n] = zero


@njit(**_FLAGS)
def fold(cols, out, C, H, W, N, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow, by_channel, lo, hi):
    """out (flat (C, H, W, N)) = the sum of the columns (flat (C kh kw, oh ow, N)) put back, for
    the channels lo <= c < hi (by_channel) or else the images lo <= n < hi (pixels in the
    padding are dropped)."""
    zero = out.dtype.type(0)
    c0, c1, n0, n1 = (lo, hi, 0, N) if by_channel else (0, C, lo, hi)
    uN, un0, un1 = uint64(N), uint64(n0), uint64(n1)
    for pixel in range(c0 * H * W, c1 * H * W):
        start = uint64(pixel) * uN
        for n in range(un0, un1):
            out[start + n] = zero
    for r in range(c0 * kh * kw, c1 * kh * kw):
        c = r // (kh * kw)
        i = r // kw % kh
        j = r % kw
        for p in range(oh):
            h = p * sh + i * dh - ph
            if h < 0 or h >= H:
                continue
            for q in range(ow):
                w = q * sw + j * dw - pw
                if 0 <= w < W:
                    src = uint64((r * oh + p) * ow + q) * uN
                    dst = uint64((c * H + h) * W + w) * uN
                    for n in range(un0, un1):          # distinct (p, q) hit distinct pixels
                        out[dst + n] += cols[src + n]


def _t(dtype):
    return types.float32 if dtype == np.float32 else types.float64


def sig_unfold(dtype):
    t = types.Array(_t(dtype), 1, "C")
    return (t, t) + (types.int64,) * 14 + (types.boolean, types.int64, types.int64)


def sig_fold(dtype):
    return sig_unfold(dtype)
