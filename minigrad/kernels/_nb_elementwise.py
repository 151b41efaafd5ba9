"""Numba elementwise kernels: activations, their backward through the output, the
fused linear-layer epilogue. All serial (see package docstring).

The switches go by the `code` column of the activation table (minigrad/activations.py; 0 is no
activation) and repeat its forward and slope formulas in scalar form; tests/test_kernels.py runs
every row of the table through them against the table's NumPy formulas.
"""
import math

import numpy as np
from numba import njit, types

_FLAGS = dict(cache=True, boundscheck=False, error_model="numpy")   # no fastmath: exact IEEE


@njit(**_FLAGS)
def _act(v, act, slope, one):
    """One activation value; ``v``, ``slope`` and ``one`` have the array dtype.

    The constants come in as arguments of the array's dtype: a bare literal such as 1
    would promote float32 arithmetic to float64.
    """
    zero = one - one
    if act == 1:
        return zero if v < zero else v           # NaN passes through, like the reference
    if act == 2:
        return slope * v if v < zero else v
    if act == 3:
        return math.tanh(v)
    if act == 4:                                 # stable: exp of a non-positive number only
        e = math.exp(-abs(v))
        return one / (one + e) if v >= zero else e / (one + e)
    return v


@njit(**_FLAGS)
def act_forward(x, out, act, slope):
    """out[i] = act(x[i]) over 1-D contiguous arrays."""
    one = x.dtype.type(1)
    for i in range(x.size):
        out[i] = _act(x[i], act, slope, one)


@njit(**_FLAGS)
def epilogue(y, bias, has_bias, act, slope):
    """In place, one pass over the layer output: y[i, j] = act(y[i, j] + bias[j])."""
    m, n = y.shape
    one = y.dtype.type(1)
    for i in range(m):
        row = y[i]
        if has_bias:
            for j in range(n):
                row[j] = _act(row[j] + bias[j], act, slope, one)
        else:
            for j in range(n):
                row[j] = _act(row[j], act, slope, one)


@njit(**_FLAGS)
def act_backward(g, y, out, act, slope):
    """out = g * act'(x), written with the output y = act(x) over 1-D contiguous arrays.

    act'(x) is the table's slope column for the row with this code (code 0: g).
    """
    one = g.dtype.type(1)          # dtype constants: see _act
    zero = one - one
    for i in range(g.size):
        gi = g[i]
        yi = y[i]
        if act == 1:
            out[i] = gi if yi > zero else zero
        elif act == 2:
            out[i] = gi if yi > zero else slope * gi
        elif act == 3:
            out[i] = gi * (one - yi * yi)
        elif act == 4:
            out[i] = gi * (yi * (one - yi))
        else:
            out[i] = gi


def _t(dtype):
    return types.float32 if dtype == np.float32 else types.float64


def sig_act_forward(dtype):
    t = _t(dtype)
    return (types.Array(t, 1, "C"), types.Array(t, 1, "C"), types.int64, t)


def sig_epilogue(dtype):
    t = _t(dtype)
    return (types.Array(t, 2, "C"), types.Array(t, 1, "A"), types.boolean, types.int64, t)


def sig_act_backward(dtype):
    t = _t(dtype)
    return (types.Array(t, 1, "C"),) * 3 + (types.int64, t)
