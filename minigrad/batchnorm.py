"""Batch normalisation's normalising step as one op (nn.BatchNorm1d / BatchNorm2d in training
mode; the affine part weight * x_hat + bias stays ordinary ops). Channels are axis 1, statistics
over every other axis (n values per channel):

    x_hat = (x - mu_c) r_c,   mu_c = mean_c x,   r_c = 1 / sqrt(var_c + eps),   var_c = mean_c (x - mu_c)^2

Its vjp is itself an op, F(g, y, x) = r_c(x) (g - mean_c g - y mean_c(g y)) evaluated at y = x_hat,
so one kernel pass pair does the plain backward (minigrad/kernels/norm.py). F's own vjp, needed
only for gradients of gradients, is written with ops (h = the incoming gradient, f = F's output,
c = x - mean_c x):

    dF/dg^T h = F(h, y, x)                                  (r P with P symmetric)
    dF/dy^T h = -r (mean_c(g y) h + g mean_c(h y))
    dF/dx^T h = -r^2 c mean_c(h f)                           (x enters F only through r:
                                                              dr/dx = -r^3 c / n)
"""
from . import kernels
from .autograd import apply
from .ops import as_input, mean, sqrt


def _channel_mean(v):
    """mean over every axis but the channel axis 1, keeping dims: shape (1, C, 1, ...)."""
    return mean(v, axis=(0, *range(2, len(v.shape))), keepdims=True)


def batch_normalize(x, eps):
    """(x_hat, mu, var): x_hat = (x - mu_c) / sqrt(var_c + eps) as a Tensor op, and the channel
    mean and biased variance as float64 arrays (C,) (for the running statistics)."""
    x = as_input(x)
    saved = {}

    def forward(x):
        x_hat, saved["mu"], saved["var"], saved["rstd"] = kernels.batch_norm_forward(x, eps)
        return x_hat
    out = apply("batch_normalize", forward, lambda g, y, x: normalize_backward(g, y, x, saved["rstd"], eps), x)
    return out, saved["mu"], saved["var"]


def normalize_backward(g, y, x, rstd, eps):
    """F(g, y, x) = r_c (g - mean_c g - y mean_c(g y)): dL/dx of batch_normalize at y = x_hat.
    `rstd` is r's value (C,) for this x (computed by the forward); F's vjp recomputes r from x
    with ops, where its dependence on x matters."""
    def vjp(h, f, g, y, x, need):
        c = x - _channel_mean(x)
        r = 1.0 / sqrt(_channel_mean(c * c) + eps)
        return (normalize_backward(h, y, x, rstd, eps) if need[0] else None,
                -r * (_channel_mean(g * y) * h + g * _channel_mean(h * y)) if need[1] else None,
                -(r * r) * c * _channel_mean(h * f) if need[2] else None)
    return apply("batch_normalize_backward", lambda g, y, x: kernels.batch_norm_backward(g, y, rstd), vjp, g, y, x)
