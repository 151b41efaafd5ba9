"""Numba fused optimizer updates: one serial pass over each parameter, in place.

Each loop reads p, g and the state once and writes p and the state once; the NumPy
reference makes one pass per arithmetic operation (about ten for Adam). No fastmath:
the float64 result must equal the NumPy reference, so the operations are written in
exactly the reference's order (IEEE arithmetic without contraction is then identical).
All scalars arrive already cast to the array dtype (see the signatures below).
"""
import math

import numpy as np
from numba import njit, types

from .optim import GROUP

_FLAGS = dict(cache=True, boundscheck=False, error_model="numpy")


@njit(**_FLAGS)
def adam(p, g, m, v, vmax, amsgrad, step_size, beta1, one_minus_beta1, beta2,
         one_minus_beta2, bc2_sqrt, eps, weight_decay):
    """gi = g + wd*p; m = b1*m + (1-b1)*gi; v = b2*v + (1-b2)*gi*gi;
    vmax = max(vmax, v) if amsgrad; p -= step_size * (m / (sqrt(v or vmax)/sqrt(bc2) + eps))
    with step_size = lr / (1 - b1**step)."""
    for i in range(p.size):
        gi = g[i]
        if weight_decay != 0:
            gi = gi + weight_decay * p[i]
        mi = beta1 * m[i] + one_minus_beta1 * gi
        vi = beta2 * v[i] + one_minus_beta2 * gi * gi
        m[i] = mi
        v[i] = vi
        if amsgrad:
            w = vmax[i]
            if w > vi or w != w:      # np.maximum(vmax, v): a NaN on either side wins
                vi = w
            vmax[i] = vi
        p[i] -= step_size * (mi / (math.sqrt(vi) / bc2_sqrt + eps))


@njit(**_FLAGS)
def adam_group(ps, gs, ms, vs, step_size, beta1, one_minus_beta1, beta2, one_minus_beta2,
               bc2_sqrt, eps, weight_decay):
    """adam() (without amsgrad) on GROUP parameters in turn: ps[k], gs[k], ms[k], vs[k] are the
    1-D views of parameter k. One call from Python instead of GROUP (the call is what costs for
    small layers); the same loop, hence the same numbers."""
    no_vmax = ps[0][:0]
    for k in range(len(ps)):
        adam(ps[k], gs[k], ms[k], vs[k], no_vmax, False, step_size, beta1, one_minus_beta1,
             beta2, one_minus_beta2, bc2_sqrt, eps, weight_decay)


@njit(**_FLAGS)
def sgd(p, g, buf, lr, momentum, one_minus_dampening, nesterov, weight_decay, first_step):
    """gi = g + wd*p; buf = gi on the first step, else momentum*buf + (1-dampening)*gi;
    d = gi + momentum*buf (nesterov) or buf; p -= lr*d. momentum == 0: d = gi."""
    has_buf = momentum != 0
    for i in range(p.size):
        gi = g[i]
        if weight_decay != 0:
            gi = gi + weight_decay * p[i]
        if has_buf:
            if first_step:
                b = gi
            else:
                b = momentum * buf[i] + one_minus_dampening * gi
            buf[i] = b
            if nesterov:
                gi = gi + momentum * b
            else:
                gi = b
        p[i] -= lr * gi


@njit(**_FLAGS)
def rmsprop(p, g, square_avg, buf, grad_avg, lr, alpha, one_minus_alpha, eps,
            weight_decay, momentum, centered):
    """gi = g + wd*p; sq = alpha*sq + (1-alpha)*gi*gi; centered: ga = alpha*ga + (1-alpha)*gi,
    avg = sqrt(sq - ga*ga) + eps, else avg = sqrt(sq) + eps;
    momentum > 0: buf = momentum*buf + gi/avg, p -= lr*buf; else p -= lr*(gi/avg)."""
    for i in range(p.size):
        gi = g[i]
        if weight_decay != 0:
            gi = gi + weight_decay * p[i]
        sq = alpha * square_avg[i] + one_minus_alpha * gi * gi
        square_avg[i] = sq
        if centered:
            ga = alpha * grad_avg[i] + one_minus_alpha * gi
            grad_avg[i] = ga
            avg = math.sqrt(sq - ga * ga) + eps
        else:
            avg = math.sqrt(sq) + eps
        if momentum > 0:
            b = momentum * buf[i] + gi / avg
            buf[i] = b
            p[i] -= lr * b
        else:
            p[i] -= lr * (gi / avg)


def _types(dtype):
    t = types.float32 if dtype == np.float32 else types.float64
    return types.Array(t, 1, "C"), t


def sig_adam(dtype):
    a, t = _types(dtype)
    return (a,) * 5 + (types.boolean,) + (t,) * 8


def sig_adam_group(dtype):
    a, t = _types(dtype)
    arrays = types.UniTuple(a, GROUP)
    return (arrays,) * 4 + (t,) * 8


def sig_sgd(dtype):
    a, t = _types(dtype)
    return (a,) * 3 + (t,) * 3 + (types.boolean, t, types.boolean)


def sig_rmsprop(dtype):
    a, t = _types(dtype)
    return (a,) * 5 + (t,) * 6 + (types.boolean,)
