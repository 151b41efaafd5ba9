"""Activations, their backward, the fused linear layer and the bias gradient."""
import numpy as np

from .backend import is_float, kernel, use_numba
from .matmul import matmul_nt

ACTS = {"none": 0, "relu": 1, "leaky_relu": 2, "tanh": 3, "sigmoid": 4}


def _code(act, op):
    try:
        return ACTS[act]
    except KeyError:
        raise ValueError(f"{op}: unknown activation {act!r}; choose one of {tuple(ACTS)}") from None


def _flat(x):
    """A 1-D view of a C-contiguous array (no copy), or None if x is not contiguous."""
    return x.reshape(-1) if x.flags.c_contiguous else None


# ---- NumPy reference formulas -------------------------------------------------------

def _act_numpy(x, act, slope):
    if act == "relu":
        return np.where(x < 0, x.dtype.type(0), x)
    if act == "leaky_relu":
        return np.where(x < 0, slope * x, x)
    if act == "tanh":
        return np.tanh(x)
    if act == "sigmoid":                       # exp of -|x| only: no overflow, no NaN
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    return x.copy()


def _act_backward_numpy(g, y, act, slope):
    if act == "relu":
        return np.where(y > 0, g, g.dtype.type(0))
    if act == "leaky_relu":
        return np.where(y > 0, g, slope * g)
    if act == "tanh":
        return g * (1 - y * y)
    if act == "sigmoid":
        return g * (y * (1 - y))
    return g.copy()


# ---- public API ---------------------------------------------------------------------

def act_forward(x, act, slope=0.01):
    """act(x) elementwise: none | relu max(x,0) | leaky_relu (x if x>=0 else slope*x)
    | tanh | sigmoid 1/(1+exp(-x)) (computed stably). Returns a new array."""
    code = _code(act, "act_forward")
    flat = _flat(x)
    if (flat is not None and is_float(x) and use_numba("act_forward", x.size)
            and (act != "tanh" or use_numba("tanh", x.size))):
        out = np.empty_like(x)
        kernel("elementwise", "act_forward", x.dtype)(flat, out.reshape(-1), code, slope)
        return out
    return _act_numpy(x, act, slope)


def act_backward(g, y, act, slope=0.01):
    """g * act'(x), expressed through the layer output y = act(x):
    relu: g*(y>0); leaky_relu: g if y>0 else slope*g (slope > 0); tanh: g*(1-y^2);
    sigmoid: g*y*(1-y); none: g. Returns a new array; g and y are not modified."""
    code = _code(act, "act_backward")
    if g.shape != y.shape:
        raise ValueError(f"act_backward: shapes {g.shape} and {y.shape} differ")
    fg, fy = _flat(g), _flat(y)
    smooth = act in ("tanh", "sigmoid")
    if (fg is not None and fy is not None and is_float(g, y) and use_numba("act_backward", g.size)
            and (not smooth or use_numba("act_backward_smooth", g.size))):
        out = np.empty_like(g)
        kernel("elementwise", "act_backward", g.dtype)(fg, fy, out.reshape(-1), code, slope)
        return out
    return _act_backward_numpy(g, y, act, slope)


def bias_grad(g):
    """g.sum(axis=0) for a 2-D gradient g (batch, features)."""
    if g.ndim == 2 and g.flags.c_contiguous and is_float(g) and use_numba("bias_grad", g.size):
        out = np.empty(g.shape[1], dtype=g.dtype)
        kernel("elementwise", "bias_grad", g.dtype)(g, out)
        return out
    return g.sum(axis=0)


def linear_forward(x, w, b=None, act="none", slope=0.01):
    """act(x @ w.T + b) for x (batch, in), w (out, in), b (out,) or None.

    The bias add and the activation are fused into one pass over the output
    (NumPy would make one pass for + b and one or more for the activation).
    """
    code = _code(act, "linear_forward")
    y = matmul_nt(x, w)
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"linear_forward: bias shape {b.shape} does not match weight {w.shape}")
    dts = (x, w) if b is None else (x, w, b)
    if (is_float(*dts) and use_numba("epilogue", y.size)
            and (act != "tanh" or use_numba("tanh", y.size))):
        bias = b if b is not None else np.empty(0, dtype=y.dtype)
        kernel("elementwise", "epilogue", y.dtype)(y, bias, b is not None, code, slope)
        return y
    if b is not None:
        y += b
    return y if act == "none" else _act_numpy(y, act, slope)
