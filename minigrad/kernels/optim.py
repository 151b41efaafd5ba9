"""Fused in-place optimizer updates with PyTorch's semantics (torch.optim, no maximize,
no foreach): one Numba loop over each parameter.

The readable NumPy formula of each update is in minigrad/optim.py (the reference, used on
backend 'numpy'); these functions have the same names and signatures, and minigrad.optim
calls them when `fusable(...)` holds and the backend says Numba. They update ``p`` and the
state arrays in place and never modify ``g``.
"""
import math

import numpy as np

from .backend import _FLOAT_DTYPES, kernel


def fusable(*arrays):
    """True if the fused kernels can take these arrays: one float dtype, one shape, C-contiguous
    (None entries, absent state, are ignored). The first array must be present."""
    first = arrays[0]
    dtype, shape = first.dtype, first.shape
    if dtype not in _FLOAT_DTYPES:
        return False
    for a in arrays:
        if a is not None and (a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous):
            return False
    return True


def _require(name, *arrays):
    if not fusable(*arrays):
        shapes = [(a.shape, str(a.dtype), a.flags.c_contiguous) for a in arrays if a is not None]
        raise ValueError(f"{name}: the fused kernel needs C-contiguous arrays of one float dtype and shape, "
                         f"got (shape, dtype, contiguous) = {shapes}")


_EMPTY = {dtype: np.empty(0, dtype=dtype) for dtype in _FLOAT_DTYPES}


def _flat(a, dtype):
    """1-D view of a contiguous array; a 0-length stand-in for absent state."""
    return a.reshape(-1) if a is not None else _EMPTY[dtype]


def adam_update(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay):
    """One Adam / AMSGrad step (torch.optim.Adam), in place on p, m, v (and vmax).

        g' = g + weight_decay * p
        m  = beta1 * m + (1 - beta1) * g'
        v  = beta2 * v + (1 - beta2) * g' * g'
        vmax = max(vmax, v)                      (amsgrad only: vmax is not None)
        p -= (lr / (1 - beta1**step)) * m / (sqrt(v or vmax) / sqrt(1 - beta2**step) + eps)

    ``step`` counts from 1. ``vmax`` is None unless amsgrad.
    """
    step_size = lr / (1 - beta1 ** step)
    bc2_sqrt = math.sqrt(1 - beta2 ** step)
    _require("adam_update", p, g, m, v, vmax)
    kernel("optim", "adam", p.dtype)(
        p.reshape(-1), g.reshape(-1), m.reshape(-1), v.reshape(-1), _flat(vmax, p.dtype),
        vmax is not None, step_size, beta1, 1 - beta1, beta2, 1 - beta2, bc2_sqrt, eps,
        weight_decay)


def sgd_update(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first_step):
    """One SGD step (torch.optim.SGD), in place on p (and buf).

        g' = g + weight_decay * p
        buf = g'                                   on the first step (no dampening)
        buf = momentum * buf + (1 - dampening) * g' later
        d = g' + momentum * buf if nesterov else buf   (d = g' when momentum == 0)
        p -= lr * d

    ``buf`` is None when momentum == 0; ``first_step`` is True on the first call.
    """
    if momentum != 0 and buf is None:
        raise ValueError("sgd_update: momentum != 0 needs a momentum buffer")
    _require("sgd_update", p, g, buf if momentum != 0 else None)
    kernel("optim", "sgd", p.dtype)(
        p.reshape(-1), g.reshape(-1), _flat(buf if momentum != 0 else None, p.dtype),
        lr, momentum, 1 - dampening, bool(nesterov), weight_decay, bool(first_step))


def rmsprop_update(p, g, square_avg, momentum_buf, grad_avg, lr, alpha, eps, weight_decay,
                   momentum, centered):
    """One RMSprop step (torch.optim.RMSprop), in place on p and the state.

        g' = g + weight_decay * p
        sq = alpha * sq + (1 - alpha) * g' * g'
        centered: ga = alpha * ga + (1 - alpha) * g';  avg = sqrt(sq - ga * ga) + eps
        else:     avg = sqrt(sq) + eps
        momentum > 0: buf = momentum * buf + g' / avg;  p -= lr * buf
        else:         p -= lr * (g' / avg)

    ``momentum_buf`` is None when momentum == 0; ``grad_avg`` is None unless centered.
    """
    if momentum > 0 and momentum_buf is None:
        raise ValueError("rmsprop_update: momentum > 0 needs a momentum buffer")
    if centered and grad_avg is None:
        raise ValueError("rmsprop_update: centered=True needs grad_avg")
    buf = momentum_buf if momentum > 0 else None
    gavg = grad_avg if centered else None
    _require("rmsprop_update", p, g, square_avg, buf, gavg)
    kernel("optim", "rmsprop", p.dtype)(
        p.reshape(-1), g.reshape(-1), square_avg.reshape(-1), _flat(buf, p.dtype),
        _flat(gavg, p.dtype), lr, alpha, 1 - alpha, eps, weight_decay, momentum,
        bool(centered))
