"""The fully connected layer (optionally with its activation fused in)."""
import math

from ..activations import ACTIVATIONS, NONE, check
from ..creation import default_generator
from ..fused import linear
from ..tensor import get_default_dtype, resolve_dtype
from ..arguments import check_features, positive_int
from .module import Module, Parameter, as_tensor


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) and b of shape (out_features,),
    as in PyTorch.

    activation: None (PyTorch's Linear), or a name of minigrad/activations.py ('relu', ...): then
    y = act(x W^T + b) runs as ONE fused op (one pass over the output, one graph node; see
    minigrad/fused.py). It is the same as Linear followed by the activation layer, and the
    parameters (names, shapes) are those of a plain Linear, so state_dicts carry over.

    Initialisation (PyTorch's default, so results are comparable): every entry of W and of b is drawn
    independently from U(-1/sqrt(in_features), +1/sqrt(in_features)). (PyTorch words this as
    Kaiming-uniform with a = sqrt(5) for W, which gives the same bound.) Pass `rng`, a numpy
    Generator, for reproducible weights (without it they come from minigrad's default generator,
    which mg.manual_seed seeds); the dtype is minigrad's default dtype (or `dtype`)."""

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=None, activation=None,
                 negative_slope=0.01):
        super().__init__()
        self.in_features = positive_int("Linear", "in_features", in_features)
        self.out_features = positive_int("Linear", "out_features", out_features)
        if activation is not None:
            check(activation, negative_slope, "Linear")
        self.activation, self.negative_slope = activation, negative_slope
        rng = default_generator() if rng is None else rng
        dtype = resolve_dtype(get_default_dtype() if dtype is None else dtype)
        bound = 1.0 / math.sqrt(self.in_features)
        self.weight = Parameter(rng.uniform(-bound, bound, (self.out_features, self.in_features)), dtype=dtype)
        self.bias = Parameter(rng.uniform(-bound, bound, (self.out_features,)), dtype=dtype) if bias else None

    def forward(self, x):
        """act(x W^T + b) for x of shape (..., in_features)."""
        x = as_tensor(x)
        shape = x.data.shape
        check_features("Linear", shape, self.in_features)
        return linear(x, self.weight, self.bias, self.activation or NONE, self.negative_slope)

    def extra_repr(self):
        text = f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
        if self.activation is None:
            return text
        takes_slope = ACTIVATIONS[self.activation].argument is not None
        return text + f", activation={self.activation}" + (f"({self.negative_slope})" if takes_slope else "")
