"""Batch normalisation's two array passes: the forward x -> x_hat with the channel statistics,
and the backward g -> dL/dx. Channels are axis 1; statistics run over every other axis
(n = N x spatial size values per channel), the variance biased (divide by n):

    forward:   mu_c = mean x,  var_c = mean (x - mu_c)^2,  rstd_c = 1 / sqrt(var_c + eps),
               x_hat = (x - mu_c) rstd_c
    backward:  dL/dx = rstd_c (g - mean_c g - x_hat mean_c(g x_hat))     (g = dL/dx_hat)

The NumPy reference is the plain formula; the Numba kernels (_nb_norm.py) make two passes over
x forward (statistics in float64) plus one to write x_hat, and two over g backward, instead of
the ~7 NumPy passes forward and ~15 backward of the same formula written as separate ops; where
every array is C-contiguous (the usual case) they run their vectorised "_c" compilation.
backend.dispatch("batch_norm", ...) picks one.
"""
import numpy as np

from .backend import dispatch
from .backend import kernel as compiled
from .conv import split_range


def _kernel_view(a):
    """(suffix, view): (N, C) stays 2-D for the *_rows kernels; (N, C, ...) becomes (N, C, S)."""
    return ("_rows", a) if a.ndim == 2 else ("", _as3(a))


def _as3(a):
    """(N, C, ...) as (N, C, S): a view when the layout allows."""
    return a.reshape(a.shape[0], a.shape[1], -1)


def _channel_first(a):
    """The axis order that puts the channel axis first and then a's axes by decreasing stride, if
    a.transpose(order) is C-contiguous: then every channel's values are one contiguous block of
    memory (a convolution's output, stored (C, H, W, N)). None otherwise, and for 2-D a."""
    if a.ndim < 3:
        return None
    order = [1] + sorted((ax for ax in range(a.ndim) if ax != 1), key=lambda ax: -a.strides[ax])
    return order if a.transpose(order).flags.c_contiguous else None


def _blocks(t):
    """A C-contiguous (C, ...) array as (1, C, n): one row of n values per channel (a view)."""
    return t.reshape(1, t.shape[0], -1)


def _inverse(order):
    return list(np.argsort(order))


def _variant(suffix, *arrays):
    """The kernel name suffix, plus "_c" (the C-contiguous compilation) if every array is."""
    return suffix + "_c" if all(a.flags.c_contiguous for a in arrays) else suffix


def batch_norm_forward(x, eps):
    """(x_hat, mu, var, rstd) for x (N, C, ...): x_hat has x's shape and dtype, the statistics
    are float64 arrays (C,). Where each channel is one block of memory (a convolution's output)
    the kernels read it as one row of N*S values, and x_hat is stored the same way."""
    if x.ndim < 2:
        raise ValueError(f"batch_norm_forward: input must be (N, C, ...), got shape {x.shape}")
    return dispatch("batch_norm", _forward_numba, _forward_numpy, x, layout=x.size > 0)(x, eps)


def _forward_numba(x, eps):
    C = x.shape[1]
    order = _channel_first(x)
    if order is not None:
        t = x.transpose(order)
        suffix, xk, out_t = "", _blocks(t), np.empty_like(t)
        out, ok = out_t.transpose(_inverse(order)), _blocks(out_t)
    else:
        suffix, xk = _kernel_view(x)
        ok = np.empty_like(xk)
        out = ok.reshape(x.shape)
    mu, var = np.empty(C), np.empty(C)
    suffix = _variant(suffix, xk, ok)
    split_range(compiled("norm", "stats" + suffix, x.dtype), (xk, mu, var), 0, C, x.size)
    rstd = 1.0 / np.sqrt(var + eps)
    split_range(compiled("norm", "normalize" + suffix, x.dtype), (xk, ok, mu, rstd), 0, C, x.size)
    return out, mu, var, rstd


def _forward_numpy(x, eps):
    x3 = _as3(x)
    mu = x3.mean(axis=(0, 2), keepdims=True)
    centered = x3 - mu
    var = (centered * centered).mean(axis=(0, 2), keepdims=True)
    std = np.sqrt(var + x.dtype.type(eps))
    x_hat = (centered / std).reshape(x.shape)
    return x_hat, mu.ravel().astype(np.float64), var.ravel().astype(np.float64), 1.0 / std.ravel().astype(np.float64)


def batch_norm_backward(g, x_hat, rstd):
    """dL/dx = rstd_c (g - mean_c g - x_hat mean_c(g x_hat)) for g, x_hat (N, C, ...) and rstd (C,)."""
    if g.shape != x_hat.shape or g.ndim < 2 or rstd.shape != (g.shape[1],):
        raise ValueError(f"batch_norm_backward: shapes {g.shape}, {x_hat.shape} and rstd {rstd.shape} do not fit")
    return dispatch("batch_norm", _backward_numba, _backward_numpy, g, x_hat, layout=g.size > 0)(g, x_hat, rstd)


def _backward_numba(g, x_hat, rstd):
    rstd = np.ascontiguousarray(rstd, dtype=np.float64)
    order = _channel_first(x_hat)
    if order is not None:
        # g in x_hat's memory order (one copy if it comes in another), so both read as rows
        yt = x_hat.transpose(order)
        gk, yk, out_t = _blocks(np.ascontiguousarray(g.transpose(order))), _blocks(yt), np.empty_like(yt)
        out, ok, suffix = out_t.transpose(_inverse(order)), _blocks(out_t), ""
    else:
        suffix, gk = _kernel_view(g)
        yk = _kernel_view(x_hat)[1]
        ok = np.empty_like(yk)
        out = ok.reshape(g.shape)
    suffix = _variant(suffix, gk, yk, ok)
    split_range(compiled("norm", "backward" + suffix, g.dtype), (gk, yk, rstd, ok), 0, g.shape[1], g.size)
    return out


def _backward_numpy(g, x_hat, rstd):
    g3, y3 = _as3(g), _as3(x_hat)
    r = rstd.astype(g.dtype).reshape(1, -1, 1)
    out = r * (g3 - g3.mean(axis=(0, 2), keepdims=True) - y3 * (g3 * y3).mean(axis=(0, 2), keepdims=True))
    return out.reshape(g.shape)
