"""The activations, described once: name -> forward, derivative through the output, curvature,
layer class, argument rule, kernel code and whether the Numba kernel serves it.

For y = act(u) the chain rule needs act'(u). For these four activations it is a function of the
OUTPUT y alone, so a layer can keep y and forget u:

    name         forward  y = act(u)            act'(u) written through y       d/dy of that
    relu         max(u, 0)                      [y > 0]                          0
    leaky_relu   u if u > 0 else s u  (s > 0)   1 if y > 0 else s                0
    tanh         tanh u                         1 - y^2                          -2 y
    sigmoid      1 / (1 + e^-u)                 y (1 - y)                        1 - 2 y

(leaky_relu needs s > 0 so that y > 0 exactly when u > 0: `check` enforces a row's argument
rule.) The last column is what a second derivative needs (gradients of gradients, see
ops.act_backward).

Everyone reads this table: `ops.activation` / `ops.act_backward` (the graph ops), the fused
linear layer (`minigrad/fused.py`), the NumPy references, Numba codes and auto rule of
`minigrad/kernels/`, the layers of `minigrad/nn/` (`layer` names the class in
nn/activation.py), and `gan/` and the lessons (the stable `sigmoid` below on plain arrays).
The Numba switch in kernels/_nb_elementwise.py is written per `code`; tests/test_kernels.py runs
it against this table's forward and slope for every row, so a row the switch does not know fails.
Only NumPy is imported here.
"""
from collections import namedtuple

import numpy as np


def sigmoid(x):
    """1 / (1 + e^-x) on an ndarray, without overflow: e^-|x| only, so for x < 0 it is
    e^x / (1 + e^x). The one stable sigmoid of the project."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


Activation = namedtuple("Activation", "name code forward slope curvature layer argument valid numba")
Activation.__doc__ = """One row of the table.

code       the number the Numba kernels use for it (minigrad/kernels/_nb_elementwise.py)
forward    (u, s) -> act(u) on an ndarray (the NumPy reference)
slope      (y, s) -> act'(u) on an ndarray, written through y = act(u)
curvature  (y, s) -> d slope / dy, written with operators only, so it runs on ndarrays and on
           Tensors alike; None where it is 0
layer      the name of its layer class in minigrad/nn/activation.py
argument   (name, rule text) of the argument s, or None if the activation takes none
valid      s -> True if the slope column is right for that s (written through y needs it)
numba      True if backend 'auto' runs its forward with the Numba kernel (act_forward and the
           linear epilogue); False for tanh, where NumPy's vectorised np.tanh beats Numba's
           scalar math.tanh (benchmarks/README.md, "Why auto picks what it picks")
"""


def _any(s):
    return True


ACTIVATIONS = {
    "relu": Activation(
        "relu", 1,
        forward=lambda u, s: np.where(u < 0, u.dtype.type(0), u),        # NaN passes through
        slope=lambda y, s: (y > 0).astype(y.dtype),
        curvature=None,
        layer="ReLU", argument=None, valid=_any, numba=True),
    "leaky_relu": Activation(
        "leaky_relu", 2,
        forward=lambda u, s: np.where(u < 0, u.dtype.type(s) * u, u),
        slope=lambda y, s: np.where(y > 0, y.dtype.type(1), y.dtype.type(s)),
        curvature=None,
        layer="LeakyReLU", argument=("negative_slope", "> 0"), valid=lambda s: s > 0, numba=True),
    "tanh": Activation(
        "tanh", 3,
        forward=lambda u, s: np.tanh(u),
        slope=lambda y, s: 1 - y * y,
        curvature=lambda y, s: -2 * y,
        layer="Tanh", argument=None, valid=_any, numba=False),
    "sigmoid": Activation(
        "sigmoid", 4,
        forward=lambda u, s: sigmoid(u),
        slope=lambda y, s: y * (1 - y),
        curvature=lambda y, s: 1 - 2 * y,
        layer="Sigmoid", argument=None, valid=_any, numba=True),
}

#: the identity ("no activation"), kernel code 0, for the fused linear layer
NONE = "none"


def lookup(name, where):
    """The table row for `name`, or a ValueError naming the caller and the choices."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"{where}: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None


def check(name, s, where):
    """The row for `name` after its argument rule: a ValueError naming the caller otherwise
    (e.g. a fused leaky_relu with negative_slope <= 0, whose derivative y > 0 cannot tell the side)."""
    row = lookup(name, where)
    if not row.valid(s):
        raise ValueError(f"{where}: a fused {name} needs {row.argument[0]} {row.argument[1]}, got {s}")
    return row
