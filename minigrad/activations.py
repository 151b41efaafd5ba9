"""The activations, described once: name -> forward, derivative through the output, kernel code.

For y = act(u) the chain rule needs act'(u). For these four activations it is a function of the
OUTPUT y alone, so a layer can keep y and forget u:

    name         forward  y = act(u)            act'(u) written through y       d/dy of that
    relu         max(u, 0)                      [y > 0]                          0
    leaky_relu   u if u > 0 else s u  (s > 0)   1 if y > 0 else s                0
    tanh         tanh u                         1 - y^2                          -2 y
    sigmoid      1 / (1 + e^-u)                 y (1 - y)                        1 - 2 y

(leaky_relu needs s > 0 so that y > 0 exactly when u > 0.) The last column is what a second
derivative needs (gradients of gradients, see ops.act_backward).

Everyone reads this table: `ops.activation` / `ops.act_backward` (the graph ops), the fused
linear layer (`minigrad/fused.py`), the NumPy references and Numba codes of `minigrad/kernels/`,
the layers of `minigrad/nn/`, and `gan/` (the stable `sigmoid` below on plain arrays).
Only NumPy is imported here.
"""
from collections import namedtuple

import numpy as np


def sigmoid(x):
    """1 / (1 + e^-x) on an ndarray, without overflow: e^-|x| only, so for x < 0 it is
    e^x / (1 + e^x). The one stable sigmoid of the project."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


Activation = namedtuple("Activation", "name code forward slope curvature")
Activation.__doc__ = """One row of the table.

code       the number the Numba kernels use for it (minigrad/kernels/_nb_elementwise.py)
forward    (u, s) -> act(u) on an ndarray (the NumPy reference)
slope      (y, s) -> act'(u) on an ndarray, written through y = act(u)
curvature  (y, s) -> d slope / dy, written with operators only, so it runs on ndarrays and on
           Tensors alike; None where it is 0
"""

ACTIVATIONS = {
    "relu": Activation(
        "relu", 1,
        forward=lambda u, s: np.where(u < 0, u.dtype.type(0), u),        # NaN passes through
        slope=lambda y, s: (y > 0).astype(y.dtype),
        curvature=None),
    "leaky_relu": Activation(
        "leaky_relu", 2,
        forward=lambda u, s: np.where(u < 0, u.dtype.type(s) * u, u),
        slope=lambda y, s: np.where(y > 0, y.dtype.type(1), y.dtype.type(s)),
        curvature=None),
    "tanh": Activation(
        "tanh", 3,
        forward=lambda u, s: np.tanh(u),
        slope=lambda y, s: 1 - y * y,
        curvature=lambda y, s: -2 * y),
    "sigmoid": Activation(
        "sigmoid", 4,
        forward=lambda u, s: sigmoid(u),
        slope=lambda y, s: y * (1 - y),
        curvature=lambda y, s: 1 - 2 * y),
}

#: the identity ("no activation"), kernel code 0, for the fused linear layer
NONE = "none"


def lookup(name, where):
    """The table row for `name`, or a ValueError naming the caller and the choices."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"{where}: unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}") from None
