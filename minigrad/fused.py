"""The fully connected layer with its activation, as ONE graph node: y = act(x W^T + b).

One kernel call computes the product, adds the bias and applies the activation in the same
pass over the output (minigrad/kernels/elementwise.py `linear_forward`), and the node keeps
only its output y: the activation's derivative is written through y (the table in
minigrad/activations.py). Backward, with u = x W^T + b:

    dL/du = act_backward(g, y)          (g act'(u); just g without an activation)
    dL/dx = dL/du W,     dL/dW = (dL/du)^T x,     dL/db = sum over the batch of dL/du

These are written with ops (mm, mm_tn, sum, act_backward), so under create_graph=True they are
recorded and can be differentiated again, like every other rule.
"""
from .activations import ACTIVATIONS, NONE, check
from . import kernels
from . import ops
from .ops import act_backward, check_product, matmul, mm, mm_tn, sum, transpose
from .autograd import apply
from .tensor import Tensor


_NAMES = {NONE: "linear", **{name: f"linear+{name}" for name in ACTIVATIONS}}
_CHECKED = set()   # the (activation, negative_slope) pairs `check` has passed: checked once each


def linear(x, weight, bias=None, activation=NONE, negative_slope=0.01):
    """y = act(x W^T + b) for x (n, in), W (out, in), b (out,) or None (PyTorch's layout).

    `activation`: 'none' or a name of minigrad/activations.py, whose argument rule
    `negative_slope` must meet. A 2-D x gives one fused node; any other x (the
    batch dimensions of torch.nn.Linear) is a matmul, a bias add and the activation op."""
    act = activation
    if act != NONE and (act, negative_slope) not in _CHECKED:
        check(act, negative_slope, "linear")
        _CHECKED.add((act, negative_slope))
    x = x if isinstance(x, Tensor) else Tensor(x)
    xd, wd = x.data, weight.data
    if xd.ndim != 2:
        if xd.ndim == 0 or xd.shape[-1] != wd.shape[1]:
            raise ValueError(f"linear: input of shape {xd.shape} does not fit weight of shape {wd.shape}")
        y = matmul(x, transpose(weight))
        y = y if bias is None else y + bias
        return y if act == NONE else ops.activation(y, act, negative_slope)
    check_product("linear", xd, wd, xd.shape[1], wd.shape[1])
    if bias is not None and (bias.data.shape != (wd.shape[0],) or bias.data.dtype != wd.dtype):
        raise ValueError(f"linear: bias (shape {bias.shape}, dtype {bias.dtype}) does not match weight "
                         f"(shape {wd.shape}, dtype {wd.dtype})")

    def forward(x, weight, bias=None):
        return kernels.linear_forward(x, weight, bias, act, negative_slope)

    def vjp(g, y, x, weight, bias=None, *, need):
        gu = g if act == NONE else act_backward(g, y, act, negative_slope)
        grads = (mm(gu, weight) if need[0] else None,
                 mm_tn(gu, x) if need[1] else None,
                 sum(gu, axis=0) if len(need) == 3 and need[2] else None)
        return grads[:len(need)]
    name = _NAMES[act]
    inputs = (x, weight) if bias is None else (x, weight, bias)

    return apply(name, forward, vjp, *inputs)
