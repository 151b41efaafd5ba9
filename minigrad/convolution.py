"""Convolutions and pooling, built on two linear primitives that are each other's adjoint.

    unfold(x)  copies every kernel-sized patch of x into a column   (im2col)
    fold(c)    adds every column back where unfold took it from      (col2im)

<unfold(x), c> = <x, fold(c)> for all x and c, so the vjp of unfold is fold and the vjp of fold
is unfold, and second derivatives come for free. Everything else here is ops the engine
already differentiates (matrix products, reshapes, transposes, max, mean, pad):

    conv2d(x, W)            = W (O, C kh kw) @ unfold(x)                   one matrix product
    conv_transpose2d(x, W)  = fold(W^T (C_out kh kw, C_in) @ x)            the vjp of conv2d in x

(the products run over the patches and the batch together: columns (C kh kw, L N), with the
batch innermost, the memory order of kernels/conv.py, so no reshape here copies)
    max_pool2d, avg_pool2d  = max / mean over each column of unfold(x)

Sizes (kernel_size, stride, padding, dilation, output_padding) are ints or (h, w) pairs, as in
torch.nn.functional; tensors are NCHW, conv weights (out, in, kh, kw), transposed-conv weights
(in, out, kh, kw). The output size of a convolution along one axis is

    out = floor((in + 2 padding - dilation (kernel - 1) - 1) / stride) + 1
"""
import builtins
import numbers

import numpy as np

from . import kernels
from .arguments import check_image, pair
from .ops import as_input, broadcast_to, getitem, max, mean, mm, mm_tn, reshape, transpose
from .autograd import apply


def _sizes(op, kernel_size, dilation, padding, stride):
    return (pair(op, "kernel_size", kernel_size, 1), pair(op, "dilation", dilation, 1),
            pair(op, "padding", padding, 0), pair(op, "stride", stride, 1))


# ----------------------------------------------------------------------------- the two primitives

def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """x (N, C, H, W) -> columns (N, C kh kw, L), L = oh ow patches (torch.nn.functional.unfold):

        cols[n, (c kh + i) kw + j, p ow + q] = x_padded[n, c, p sh + i dh, q sw + j dw]

    Linear in x; its adjoint is fold, so   dL/dx = fold(g, (H, W), same sizes)."""
    sizes = _sizes("unfold", kernel_size, dilation, padding, stride)
    x = as_input(input)
    if x.ndim != 4:
        raise ValueError(f"unfold: input must be (N, C, H, W), got shape {x.shape}")
    return apply("unfold", lambda x: kernels.unfold(x, *sizes),
                 lambda g, y, x: fold(g, x.shape[2:], *sizes), x)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """columns (N, C kh kw, L) -> x (N, C, H, W) with (H, W) = output_size
    (torch.nn.functional.fold): each column entry is added to the pixel unfold would have copied it
    from. The adjoint of unfold, so   dL/dcols = unfold(g, same sizes)."""
    sizes = _sizes("fold", kernel_size, dilation, padding, stride)
    size = pair("fold", "output_size", output_size, 1)
    cols = as_input(input)
    if cols.ndim != 3:
        raise ValueError(f"fold: input must be (N, C*kh*kw, L), got shape {cols.shape}")
    return apply("fold", lambda c: kernels.fold(c, size, *sizes),
                 lambda g, y, c: unfold(g, *sizes), cols)


def _pad_forward(x, padding, value):
    left, right, top, bottom = padding
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(x, widths, constant_values=value)


def pad(input, padding, value=0.0):
    """Constant padding of the last two axes, padding = (left, right, top, bottom) as in
    torch.nn.functional.pad (or (left, right) for the last axis only);
    dL/dx = g with the padding cut off (a slice)."""
    x = as_input(input)
    padding = tuple(int(p) for p in padding)
    if len(padding) == 2:
        padding = padding + (0, 0)
    if len(padding) != 4 or min(padding) < 0 or x.ndim < 2:
        raise ValueError(f"pad: padding must be (left, right, top, bottom) of ints >= 0 for a tensor with at "
                         f"least 2 axes, got {padding} for shape {x.shape}")
    left, right, top, bottom = padding
    H, W = x.shape[-2:]
    inner = (Ellipsis, slice(top, top + H), slice(left, left + W))
    return apply("pad", lambda x: _pad_forward(x, padding, value), lambda g, y, x: getitem(g, inner), x)


# ----------------------------------------------------------------------------- convolutions

def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1):
    """y[n, o] = sum over c, i, j of W[o, c, i, j] x_padded[n, c, p sh + i dh, q sw + j dw] + b[o]
    for x (N, C, H, W) and W (O, C, kh, kw) (torch.nn.functional.conv2d, no groups):

        y = W (O, C kh kw) @ unfold(x) (C kh kw, L N)  -> (N, O, oh, ow)

    so its gradients are those of a matrix product and of unfold: dL/dW = g @ unfold(x)^T and
    dL/dx = fold(W^T @ g), both through the ops' own rules."""
    x = as_input(input)
    O, C, kh, kw = weight.shape
    check_image("conv2d", x, C, f"weight of shape {weight.shape}")
    kernel, dilation, padding, stride = _sizes("conv2d", (kh, kw), dilation, padding, stride)
    N = x.shape[0]
    cols = unfold(x, kernel, dilation, padding, stride)             # (N, C kh kw, L)
    L = cols.shape[2]
    oh = kernels.conv.output_size(x.shape[2], kh, dilation[0], padding[0], stride[0])
    matrix = reshape(transpose(cols, 1, 2, 0), (C * kh * kw, L * N))   # no copy: see kernels/conv.py
    out = mm(reshape(weight, (O, C * kh * kw)), matrix)             # (O, L N)
    if bias is not None:
        out = out + reshape(bias, (O, 1))
    return transpose(reshape(out, (O, oh, L // oh, N)), 3, 0, 1, 2)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, dilation=1):
    """The transposed convolution (torch.nn.functional.conv_transpose2d, no groups), for x
    (N, C_in, H, W) and W (C_in, C_out, kh, kw): the vjp of conv2d with respect to its input,

        y = fold(W^T (C_out kh kw, C_in) @ x (C_in, H W N))    -> (N, C_out, H_out, W_out)
        H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1

    Each input pixel scatters a kernel-sized, weighted patch into the output (stride 2 doubles
    the image: the DCGAN generator's upsampling)."""
    x = as_input(input)
    Ci, Co, kh, kw = weight.shape
    check_image("conv_transpose2d", x, Ci, f"weight of shape {weight.shape}")
    kernel, dilation, padding, stride = _sizes("conv_transpose2d", (kh, kw), dilation, padding, stride)
    extra = pair("conv_transpose2d", "output_padding", output_padding, 0)
    for e, s, d in zip(extra, stride, dilation):
        if e >= s and e >= d:
            raise ValueError(f"conv_transpose2d: output_padding {extra} must be smaller than the stride {stride} "
                             f"or the dilation {dilation}")
    N, _, H, W = x.shape
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + e + 1
                 for n, s, p, d, k, e in zip((H, W), stride, padding, dilation, kernel, extra))
    if min(size) < 1:
        raise ValueError(f"conv_transpose2d: output size {size} is below 1 for input {x.shape[2:]}, kernel "
                         f"{kernel}, stride {stride}, padding {padding}")
    rows = reshape(transpose(x, 1, 2, 3, 0), (Ci, H * W * N))        # (C_in, L N); see kernels/conv.py
    cols = mm_tn(reshape(weight, (Ci, Co * kh * kw)), rows)          # (C_out kh kw, L N)
    cols = transpose(reshape(cols, (Co * kh * kw, H * W, N)), 2, 0, 1)
    if all(e < s for e, s in zip(extra, stride)):
        out = fold(cols, size, kernel, dilation, padding, stride)    # exactly H x W patches fit the output
    else:
        # output_padding >= stride (allowed when smaller than the dilation): fold onto the whole
        # canvas the patches cover, then cut the output out of it (zeros where it reaches past)
        canvas = tuple((n - 1) * s + d * (k - 1) + 1 for n, s, d, k in zip((H, W), stride, dilation, kernel))
        full = fold(cols, canvas, kernel, dilation, 0, stride)
        short = tuple(builtins.max(0, p + n - c) for p, n, c in zip(padding, size, canvas))
        if any(short):
            full = pad(full, (0, short[1], 0, short[0]))
        out = getitem(full, (Ellipsis, slice(padding[0], padding[0] + size[0]), slice(padding[1], padding[1] + size[1])))
    return out if bias is None else out + reshape(bias, (1, Co, 1, 1))


# ----------------------------------------------------------------------------- pooling and upsampling

def _windows(op, x, kernel_size, stride, padding, fill):
    """x (N, C, H, W) as windows (N C, kh kw, L): unfold of each channel on its own, after padding
    with `fill` (-inf for max: padding never wins; 0 for the average, as torch counts it)."""
    x = as_input(x)
    if x.ndim != 4:
        raise ValueError(f"{op}: input must be 4-D (N, C, H, W), got shape {x.shape}")
    kernel = pair(op, "kernel_size", kernel_size, 1)
    stride = kernel if stride is None else pair(op, "stride", stride, 1)
    padding = pair(op, "padding", padding, 0)
    if padding[0] > kernel[0] // 2 or padding[1] > kernel[1] // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel {kernel}")
    N, C, H, W = x.shape
    if any(padding):
        x = pad(x, (padding[1], padding[1], padding[0], padding[0]), value=fill)
    Hp, Wp = x.shape[2:]
    windows = unfold(reshape(x, (N * C, 1, Hp, Wp)), kernel, 1, 0, stride)
    oh = kernels.conv.output_size(Hp, kernel[0], 1, 0, stride[0])
    return windows, (N, C, oh, windows.shape[2] // oh)


def max_pool2d(input, kernel_size, stride=None, padding=0):
    """The largest value of each kh x kw window (stride defaults to the kernel size); the gradient
    goes to the maximum of each window (split equally between exact ties, where PyTorch picks one)."""
    windows, shape = _windows("max_pool2d", input, kernel_size, stride, padding, -np.inf)
    return reshape(max(windows, axis=1), shape)


def avg_pool2d(input, kernel_size, stride=None, padding=0):
    """The mean of each kh x kw window, zero padding counted (torch's count_include_pad=True)."""
    windows, shape = _windows("avg_pool2d", input, kernel_size, stride, padding, 0.0)
    return reshape(mean(windows, axis=1), shape)


def interpolate(input, size=None, scale_factor=None, mode="nearest"):
    """Nearest-neighbour resizing of (N, C, H, W) (torch.nn.functional.interpolate, mode 'nearest'):
    output pixel (p, q) copies input pixel (floor(p H / H_out), floor(q W / W_out)) -- or, with a
    scale factor s, (floor(p / s), floor(q / s)). dL/dx adds up the gradients of the copies."""
    if mode != "nearest":
        raise ValueError(f"interpolate: only mode='nearest' is implemented, got {mode!r}")
    x = as_input(input)
    if x.ndim != 4:
        raise ValueError(f"interpolate: input must be 4-D (N, C, H, W), got shape {x.shape}")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: give exactly one of size and scale_factor")
    H, W = x.shape[2:]
    if scale_factor is not None:
        factors = (scale_factor, scale_factor) if isinstance(scale_factor, numbers.Real) else tuple(scale_factor)
        if len(factors) != 2 or not all(isinstance(f, numbers.Real) and f > 0 for f in factors):
            raise ValueError(f"interpolate: scale_factor must be a number > 0 or a pair of them, got {scale_factor!r}")
        size = (int(np.floor(H * factors[0])), int(np.floor(W * factors[1])))
        steps = tuple(1.0 / f for f in factors)
    else:
        size = pair("interpolate", "size", size, 1)
        steps = (H / size[0], W / size[1])
    if min(size) < 1:
        raise ValueError(f"interpolate: the output size {size} is below 1")
    if scale_factor is not None and all(float(f).is_integer() for f in factors):
        # whole factors: every pixel repeated s times along each axis (its gradient: a sum)
        s0, s1 = int(factors[0]), int(factors[1])
        N, C = x.shape[:2]
        repeated = broadcast_to(reshape(x, (N, C, H, 1, W, 1)), (N, C, H, s0, W, s1))
        return reshape(repeated, (N, C, H * s0, W * s1))
    rows = np.minimum(np.floor(np.arange(size[0]) * steps[0]).astype(np.intp), H - 1)
    cols = np.minimum(np.floor(np.arange(size[1]) * steps[1]).astype(np.intp), W - 1)
    return getitem(x, (slice(None), slice(None), rows[:, None], cols[None, :]))


__all__ = ["unfold", "fold", "pad", "conv2d", "conv_transpose2d", "max_pool2d", "avg_pool2d", "interpolate"]
