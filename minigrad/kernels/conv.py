"""im2col and col2im: `unfold` copies every kernel-sized patch of an image into a column, `fold`
adds columns back into an image. With them a convolution is one matrix product (see
minigrad/convolution.py). The shapes and the index order are torch.nn.functional's:

    unfold: x (N, C, H, W) -> cols (N, C*kh*kw, L),   L = oh * ow patches,
            cols[n, (c*kh + i)*kw + j, p*ow + q] = x_padded[n, c, p*sh + i*dh, q*sw + j*dw]
    fold:   cols (N, C*kh*kw, L) -> x (N, C, H, W), the adjoint: every column entry is ADDED
            to the pixel unfold copied it from (pixels in the padding are dropped)

    oh = (H + 2 ph - dh (kh - 1) - 1) // sh + 1     (and ow likewise)

Layouts. The batch is the innermost axis of both kernels' memory: `unfold` returns its columns
as a view of C-contiguous (C*kh*kw, L, N) memory, and `fold` returns its image as an (N, C, H, W)
view of C-contiguous (C, H, W, N) memory (the same values as torch's, in another memory order).
Then a convolution multiplies the weights (O, C*kh*kw) with the columns as one (C*kh*kw, L*N)
matrix without copying them, its output (O, L*N) is again an image in (C, H, W, N) memory, and
the next layer's unfold copies runs of N consecutive values (see _nb_conv.py). Inputs of any
other layout are copied into that order first (a copy 1/(kh kw) the size of the columns).
Sizes are given as pairs: kernel (kh, kw), dilation (dh, dw), padding (ph, pw), stride (sh, sw).

Two implementations of each, with the same results (bit for bit: unfold is a copy, and fold
adds in the same order, kernel position by kernel position): the NumPy reference below, one
slice assignment per kernel position, and the Numba kernels of _nb_conv.py, one pass over the
columns with padding, stride and dilation inside the loop. use_numba("unfold") / use_numba("fold")
(backend.AUTO_RULE) picks one; integer arrays always take the reference.
"""
import numpy as np

from .backend import dispatch
from .backend import kernel as compiled
from .threads import run_halves

#: kernels moving at least this many values (column entries) are cut in two halves, on two cores
#: when one is free (threads.py; the hand-off to the helper thread costs a few microseconds)
PARALLEL_MIN_VALUES = 2 ** 20


def output_size(size, kernel, dilation, padding, stride):
    """Patches along one axis: (size + 2 padding - dilation (kernel - 1) - 1) // stride + 1."""
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def _patch_grid(H, W, kernel, dilation, padding, stride, op):
    """(oh, ow) for an H x W image, or a ValueError naming the op and the sizes."""
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    oh = output_size(H, kh, dh, ph, sh)
    ow = output_size(W, kw, dw, pw, sw)
    if oh < 1 or ow < 1:
        raise ValueError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than the padded input "
                         f"{(H + 2 * ph, W + 2 * pw)} (input {(H, W)}, padding {padding}): output size {(oh, ow)}")
    return oh, ow


def batch_last(x):
    """x (N, C, H, W) as C-contiguous (C, H, W, N) memory: a view if it is stored so, else a copy."""
    return np.ascontiguousarray(x.transpose(1, 2, 3, 0))


# ---- NumPy references: one slice assignment per kernel position ---------------------------

def _unfold_numpy(x, kernel, dilation, padding, stride, oh, ow):
    N, C = x.shape[:2]
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    padded = np.pad(batch_last(x), ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    cols = np.empty((C, kh, kw, oh, ow, N), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, i, j] = padded[:, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw]
    return cols.reshape(C * kh * kw, oh * ow, N)


def _fold_numpy(cols, H, W, kernel, dilation, padding, stride, oh, ow):
    CKK, _, N = cols.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel, dilation, padding, stride
    C = CKK // (kh * kw)
    blocks = cols.reshape(C, kh, kw, oh, ow, N)
    padded = np.zeros((C, H + 2 * ph, W + 2 * pw, N), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            padded[:, i * dh: i * dh + sh * (oh - 1) + 1: sh, j * dw: j * dw + sw * (ow - 1) + 1: sw] += blocks[:, i, j]
    return np.ascontiguousarray(padded[:, ph: ph + H, pw: pw + W])


# ---- Numba kernels (_nb_conv.py), split over two threads when large --------------------------

def split_range(fn, args, lo, hi, values):
    """fn(*args, lo, hi); if it is large, as two halves of the range (threads.run_halves)."""
    if values < PARALLEL_MIN_VALUES or hi - lo < 2:
        fn(*args, lo, hi)
        return
    mid = (lo + hi) // 2
    run_halves(fn, args + (lo, mid), args + (mid, hi))


def _split(fn, args, C, N, values):
    """fn(*args, by_channel, lo, hi) over all C channels and N images, halved between this thread
    and the helper when large: by channels where there are two or more, else by images."""
    if C >= 2:
        split_range(fn, args + (True,), 0, C, values)
    else:
        split_range(fn, args + (False,), 0, N, values)


def _unfold_numba(x, kernel_, dilation, padding, stride, oh, ow):
    N, C, H, W = x.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_, dilation, padding, stride
    cols = np.empty((C * kh * kw, oh * ow, N), dtype=x.dtype)
    fn = compiled("conv", "unfold", x.dtype)
    _split(fn, (batch_last(x).reshape(-1), cols.reshape(-1), C, H, W, N, kh, kw, dh, dw, ph, pw, sh, sw, oh, ow),
           C, N, cols.size)
    return cols


def _fold_numba(cols, H, W, kernel_, dilation, padding, stride, oh, ow):
    CKK, _, N = cols.shape
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = kernel_, dilation, padding, stride
    C = CKK // (kh * kw)
    out = np.empty((C, H, W, N), dtype=cols.dtype)
    fn = compiled("conv", "fold", cols.dtype)
    _split(fn, (np.ascontiguousarray(cols).reshape(-1), out.reshape(-1), C, H, W, N, kh, kw, dh, dw, ph, pw,
                sh, sw, oh, ow), C, N, cols.size)
    return out


# ---- public API ---------------------------------------------------------------------------

def unfold(x, kernel, dilation, padding, stride):
    """cols (N, C*kh*kw, L) of x (N, C, H, W) (module docstring), stored (C*kh*kw, L, N)."""
    if x.ndim != 4:
        raise ValueError(f"unfold: input must be (N, C, H, W), got shape {x.shape}")
    oh, ow = _patch_grid(x.shape[2], x.shape[3], kernel, dilation, padding, stride, "unfold")
    impl = dispatch("unfold", _unfold_numba, _unfold_numpy, x)
    return impl(x, kernel, dilation, padding, stride, oh, ow).transpose(2, 0, 1)


def fold(cols, size, kernel, dilation, padding, stride):
    """x (N, C, H, W) with size = (H, W), stored (C, H, W, N): the sum of the columns
    cols (N, C*kh*kw, L) put back."""
    H, W = size
    if cols.ndim != 3:
        raise ValueError(f"fold: input must be (N, C*kh*kw, L), got shape {cols.shape}")
    oh, ow = _patch_grid(H, W, kernel, dilation, padding, stride, "fold")
    kk = kernel[0] * kernel[1]
    if cols.shape[1] % kk or cols.shape[2] != oh * ow:
        raise ValueError(f"fold: input of shape {cols.shape} does not fit output size {(H, W)} with kernel "
                         f"{kernel}: need (N, C*{kk}, {oh * ow}) ({oh} x {ow} patches)")
    impl = dispatch("fold", _fold_numba, _fold_numpy, cols)
    return impl(cols.transpose(1, 2, 0), H, W, kernel, dilation, padding, stride, oh, ow).transpose(3, 0, 1, 2)
