"""The optimizer updates with PyTorch's semantics (torch.optim, no maximize, no foreach), in place
on one parameter: each written once as the readable NumPy formula (`sgd_numpy`, `adam_numpy`,
`rmsprop_numpy`, the reference) and once as a fused Numba loop over memory (`sgd_numba`, ...;
_nb_optim.py) with the same signature. `sgd_update`, `adam_update` and `rmsprop_update` pick
one (backend.dispatch, family "optim"); minigrad.optim calls them. `adam_group_update` does
Adam for all parameters of a group at once (one Numba call per GROUP of them: for small
layers the calls, not the arithmetic, are the cost). They update ``p`` and the
state arrays in place and never modify ``g``.
"""
import math

import numpy as np

from .backend import FLOAT_DTYPES, dispatch, kernel


def fusable(*arrays):
    """True if the fused kernels can take these arrays: one float dtype, one shape, C-contiguous
    (None entries, absent state, are ignored). The first array must be present."""
    first = arrays[0]
    dtype, shape = first.dtype, first.shape
    if dtype not in FLOAT_DTYPES:
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


_EMPTY = {dtype: np.empty(0, dtype=dtype) for dtype in FLOAT_DTYPES}

#: parameters per call of the fused group update (adam_group_numba): a parameter group is cut
#: into tuples of this many, the last one padded with empty arrays, so that one compiled
#: signature serves models with any number of parameters
GROUP = 4


def _flat(a, dtype):
    """1-D view of a contiguous array; a 0-length stand-in for absent state."""
    return a.reshape(-1) if a is not None else _EMPTY[dtype]


# ============================================================================ the choice

def sgd_update(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first_step):
    """One SGD step (sgd_numpy's formula), fused where the backend says so. The gradient and the
    state arrays are made C-contiguous by minigrad.optim, so only p is looked at here (the fused
    kernel checks all of them again)."""
    dispatch("optim", sgd_numba, sgd_numpy, p, layout=p.flags.c_contiguous)(
        p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first_step)


def adam_update(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay):
    """One Adam / AMSGrad step (adam_numpy's formula), fused where the backend says so."""
    dispatch("optim", adam_numba, adam_numpy, p, layout=p.flags.c_contiguous)(
        p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay)


def adam_group_update(ps, gs, ms, vs, step, lr, beta1, beta2, eps, weight_decay):
    """adam_update (without amsgrad) on every parameter of a group: lists of 1-D C-contiguous
    arrays of one float dtype (the parameters, gradients, first and second moments), all at
    step count `step`. Fused: one Numba call per GROUP parameters; NumPy: adam_numpy on each."""
    dispatch("optim", adam_group_numba, adam_group_numpy, ps[0])(
        ps, gs, ms, vs, step, lr, beta1, beta2, eps, weight_decay)


def rmsprop_update(p, g, square_avg, momentum_buf, grad_avg, lr, alpha, eps, weight_decay, momentum, centered):
    """One RMSprop step (rmsprop_numpy's formula), fused where the backend says so."""
    dispatch("optim", rmsprop_numba, rmsprop_numpy, p, layout=p.flags.c_contiguous)(
        p, g, square_avg, momentum_buf, grad_avg, lr, alpha, eps, weight_decay, momentum, centered)


# ============================================================================ the updates (NumPy)

def sgd_numpy(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first_step):
    """One SGD step for one parameter, in place on p and buf (buf is None when momentum == 0):

        d   = g + weight_decay * p
        buf = d                                         on the first step
        buf = momentum * buf + (1 - dampening) * d      afterwards
        d   = d + momentum * buf   (nesterov)   or   d = buf   (plain momentum)
        p   = p - lr * d
    """
    d = g + weight_decay * p if weight_decay != 0 else g
    if momentum != 0:
        if first_step:
            buf[...] = d
        else:
            buf[...] = momentum * buf + (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    p -= lr * d


def adam_numpy(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay):
    """One Adam step (step t = 1, 2, ...) for one parameter, in place on p, m, v (and vmax):

        g     = g + weight_decay * p
        m     = beta1 * m + (1 - beta1) * g              first moment
        v     = beta2 * v + (1 - beta2) * g^2            second moment
        vmax  = max(vmax, v);  use vmax for v            (amsgrad only; vmax is None otherwise)
        p     = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    Dividing by (1 - beta^t) undoes the pull of the zero initial moments towards 0 (bias correction).
    """
    if weight_decay != 0:
        g = g + weight_decay * p
    m[...] = beta1 * m + (1 - beta1) * g
    v[...] = beta2 * v + (1 - beta2) * g * g
    if vmax is not None:
        np.maximum(vmax, v, out=vmax)
        v = vmax
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    denom = np.sqrt(v) / math.sqrt(bias_correction2) + eps
    p -= (lr / bias_correction1) * (m / denom)


def adam_group_numpy(ps, gs, ms, vs, step, lr, beta1, beta2, eps, weight_decay):
    """adam_numpy on each parameter of a group in turn (the reference of adam_group_numba)."""
    for p, g, m, v in zip(ps, gs, ms, vs):
        adam_numpy(p, g, m, v, None, step, lr, beta1, beta2, eps, weight_decay)


def rmsprop_numpy(p, g, square_avg, momentum_buf, grad_avg, lr, alpha, eps, weight_decay, momentum, centered):
    """One RMSprop step for one parameter, in place on p and the state arrays:

        g       = g + weight_decay * p
        v       = alpha * v + (1 - alpha) * g^2                      (square_avg)
        g_avg   = alpha * g_avg + (1 - alpha) * g                    (centered only)
        s       = sqrt(v - g_avg^2) + eps   (centered)   or   sqrt(v) + eps
        buf     = momentum * buf + g / s;   p = p - lr * buf         (momentum > 0)
        p       = p - lr * g / s                                     (momentum == 0)

    momentum_buf is None unless momentum > 0; grad_avg is None unless centered.
    """
    if weight_decay != 0:
        g = g + weight_decay * p
    square_avg[...] = alpha * square_avg + (1 - alpha) * g * g
    if centered:
        grad_avg[...] = alpha * grad_avg + (1 - alpha) * g
        s = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        s = np.sqrt(square_avg) + eps
    if momentum > 0:
        momentum_buf[...] = momentum * momentum_buf + g / s
        p -= lr * momentum_buf
    else:
        p -= lr * (g / s)


# ============================================================================ the updates (Numba)


def adam_numba(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay):
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


def adam_group_numba(ps, gs, ms, vs, step, lr, beta1, beta2, eps, weight_decay):
    """adam_numba (without amsgrad) on every parameter of a group, one Numba call per GROUP of
    them: ps, gs, ms, vs are lists of the parameters', gradients' and moments' 1-D C-contiguous
    arrays, all of one float dtype, all at the same step count. The same loop runs on each
    array as in adam_numba, so the result is bit-identical to calling it per parameter."""
    dtype = ps[0].dtype
    step_size = lr / (1 - beta1 ** step)
    bc2_sqrt = math.sqrt(1 - beta2 ** step)
    update = kernel("optim", "adam_group", dtype)
    padding = [_EMPTY[dtype]] * (-len(ps) % GROUP)      # zero-length arrays: the loop skips them
    ps, gs, ms, vs = ps + padding, gs + padding, ms + padding, vs + padding
    for start in range(0, len(ps), GROUP):
        part = slice(start, start + GROUP)
        update(tuple(ps[part]), tuple(gs[part]), tuple(ms[part]), tuple(vs[part]),
               step_size, beta1, 1 - beta1, beta2, 1 - beta2, bc2_sqrt, eps, weight_decay)


def sgd_numba(p, g, buf, lr, momentum, dampening, nesterov, weight_decay, first_step):
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


def rmsprop_numba(p, g, square_avg, momentum_buf, grad_avg, lr, alpha, eps, weight_decay,
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
