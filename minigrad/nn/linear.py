"""The fully connected layer."""
import math

import numpy as np

from .. import ops
from ..tensor import get_default_dtype, resolve_dtype
from .module import Module, Parameter, as_tensor


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) and b of shape (out_features,),
    as in PyTorch.

    Initialisation (PyTorch's default, so results are comparable): every entry of W and of b is drawn
    independently from U(-1/sqrt(in_features), +1/sqrt(in_features)). (PyTorch words this as
    Kaiming-uniform with a = sqrt(5) for W, which gives the same bound.) Pass `rng`, a numpy
    Generator, for reproducible weights; the dtype is minigrad's default dtype (or `dtype`)."""

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=None):
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear: sizes must be positive, got ({in_features}, {out_features})")
        rng = np.random.default_rng() if rng is None else rng
        dtype = resolve_dtype(dtype or get_default_dtype())
        bound = 1.0 / math.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)), dtype=dtype)
        self.bias = Parameter(rng.uniform(-bound, bound, (out_features,)), dtype=dtype) if bias else None

    def forward(self, x, activation="none", negative_slope=0.01):
        """x W^T + b; Sequential passes the activation that follows, to run both as one fused op."""
        x = as_tensor(x)
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"Linear: input of shape {shape} has {shape[-1] if shape else 0} features, "
                             f"the layer expects {self.in_features}")
        return ops.linear(x, self.weight, self.bias, activation, negative_slope)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
