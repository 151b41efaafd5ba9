"""Activations, their backward through the output and the fused linear-layer epilogue: each a NumPy reference (from the one activation table, minigrad/activations.py) and a
Numba kernel (_nb_elementwise.py), chosen by `dispatch`."""
import numpy as np

from ..activations import ACTIVATIONS, NONE
from .backend import dispatch, kernel
from .matmul import matmul_nt

#: activation name -> the code the Numba kernels switch on ('none' is 0)
ACTS = {NONE: 0, **{name: act.code for name, act in ACTIVATIONS.items()}}


def _unknown(act, op):
    return ValueError(f"{op}: unknown activation {act!r}; choose one of {tuple(ACTS)}")


def flat_view(x):
    """A 1-D view of all of x's elements (no copy), or None if there is none.

    Besides C-contiguous arrays this takes any axis permutation of one (e.g. the NCHW view of a
    convolution's output, whose memory is ordered (C, H, W, N)): an elementwise kernel does not care in
    which order it visits the elements, and np.empty_like keeps the layout, so the output's
    flat view lines up with the input's."""
    if x.flags.c_contiguous:
        return x.reshape(-1)
    t = x.transpose(np.argsort(x.strides)[::-1])
    return t.reshape(-1) if t.flags.c_contiguous else None


def act_forward(x, act, slope=0.01):
    """act(x) elementwise (a new array): the table's forward, or its Numba kernel."""
    code = ACTS.get(act)
    if code is None:
        raise _unknown(act, "act_forward")
    flat = flat_view(x)
    impl = dispatch("act_forward", _act_forward_numba, _act_forward_numpy, x, act=act, layout=flat is not None)
    return impl(x, flat, act, code, slope)


def _act_forward_numba(x, flat, act, code, slope):
    out = np.empty_like(x)
    kernel("elementwise", "act_forward", x.dtype)(flat, flat_view(out), code, slope)
    return out


def _act_forward_numpy(x, flat, act, code, slope):
    return x.copy() if act == NONE else ACTIVATIONS[act].forward(x, slope)


def act_backward(g, y, act, slope=0.01):
    """g * act'(u) written through the output y = act(u) (the table's `slope` column).
    Returns a new array; g and y are not modified."""
    code = ACTS.get(act)
    if code is None:
        raise _unknown(act, "act_backward")
    if g.shape != y.shape:
        raise ValueError(f"act_backward: shapes {g.shape} and {y.shape} differ")
    fy = flat_view(y)
    impl = dispatch("act_backward", _act_backward_numba, _act_backward_numpy, g, y, act=act, layout=fy is not None)
    return impl(g, y, fy, act, code, slope)


def _act_backward_numba(g, y, fy, act, code, slope):
    if g.strides == y.strides and flat_view(g) is not None:
        out = np.empty_like(g)
        fg = flat_view(g)
    else:
        # g in another layout (a convolution's output y is an NCHW view of CHWN memory, its
        # gradient often C-contiguous): one copy into y's layout, then the kernel in place
        out = np.empty_like(y)
        np.copyto(out, g)
        fg = flat_view(out)
    kernel("elementwise", "act_backward", g.dtype)(fg, fy, flat_view(out), code, slope)
    return out


def _act_backward_numpy(g, y, fy, act, code, slope):
    return g.copy() if act == NONE else g * ACTIVATIONS[act].slope(y, slope)


def linear_forward(x, w, b=None, act=NONE, slope=0.01):
    """act(x @ w.T + b) for x (batch, in), w (out, in), b (out,) or None.

    The bias add and the activation are fused into one pass over the output (NumPy would make
    one pass for + b and one or more for the activation)."""
    code = ACTS.get(act)
    if code is None:
        raise _unknown(act, "linear_forward")
    y = matmul_nt(x, w)
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"linear_forward: bias shape {b.shape} does not match weight {w.shape}")
    arrays = (x, w) if b is None else (x, w, b)
    return dispatch("epilogue", _epilogue_numba, _epilogue_numpy, *arrays, act=act)(y, b, act, code, slope)


def _epilogue_numba(y, b, act, code, slope):
    bias = b if b is not None else np.empty(0, dtype=y.dtype)
    kernel("elementwise", "epilogue", y.dtype)(y, bias, b is not None, code, slope)
    return y


def _epilogue_numpy(y, b, act, code, slope):
    if b is not None:
        y += b
    return y if act == NONE else ACTIVATIONS[act].forward(y, slope)
