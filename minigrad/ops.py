"""Every primitive op, defined once: forward on ndarrays, backward as a vjp written with Tensor ops.

Each op builds its output with `Tensor.from_op(data, parents, vjp, name)`. The vjp receives `g`
(dL/d output, a Tensor) and `out` (the output Tensor) and returns one gradient per parent (or None
when that parent needs none). Because the vjps use Tensor ops themselves, running backward with
create_graph=True records the backward pass too, and gradients of gradients come for free.

Broadcasting is handled in one place: `unbroadcast` sums a gradient back to an input's shape.
"""
import builtins

import numpy as np

from . import kernels
from .tensor import Tensor, as_array, is_grad_enabled, needs_grad

# ----------------------------------------------------------------------------- helpers


def lift(x, like=None):
    """A Python number, list or ndarray -> constant Tensor; numbers take `like`'s dtype (as in PyTorch)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float, np.integer, np.floating, bool)):
        return Tensor(np.asarray(x, dtype=like.data.dtype))
    return Tensor(as_array(x))


def _const(array):
    return Tensor(array)


def _binary_data(name, fn, a, b):
    try:
        return fn(a.data, b.data)
    except ValueError:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together") from None


def unbroadcast(g, shape):
    """Sum gradient `g` over the axes that broadcasting added or stretched, giving `shape`.

    If x of shape (3, 1) was broadcast to (2, 3, 4) in y = f(x), then dL/dx = sum of dL/dy over the
    broadcast copies: over axis 0 (added) and over axis 2 (stretched from 1)."""
    g_shape = g.data.shape
    if g_shape == shape:
        return g
    lead = len(g_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
    return sum(g, axis=axes).reshape(shape) if axes else g.reshape(shape)


# ----------------------------------------------------------------------------- arithmetic

def add(a, b):
    """y = a + b;  dL/da = g,  dL/db = g (each summed back to its shape)."""
    a, b = lift(a, b if isinstance(b, Tensor) else None), lift(b, a)

    def vjp(g, out):
        return unbroadcast(g, a.shape), unbroadcast(g, b.shape)
    return Tensor.from_op(_binary_data("add", np.add, a, b), (a, b), vjp, "add")


def sub(a, b):
    """y = a - b;  dL/da = g,  dL/db = -g."""
    a, b = lift(a, b if isinstance(b, Tensor) else None), lift(b, a)

    def vjp(g, out):
        return unbroadcast(g, a.shape), (unbroadcast(neg(g), b.shape) if needs_grad(b) else None)
    return Tensor.from_op(_binary_data("sub", np.subtract, a, b), (a, b), vjp, "sub")


def mul(a, b):
    """y = a * b;  dL/da = g * b,  dL/db = g * a."""
    a, b = lift(a, b if isinstance(b, Tensor) else None), lift(b, a)

    def vjp(g, out):
        return (unbroadcast(g * b, a.shape) if needs_grad(a) else None,
                unbroadcast(g * a, b.shape) if needs_grad(b) else None)
    return Tensor.from_op(_binary_data("mul", np.multiply, a, b), (a, b), vjp, "mul")


def div(a, b):
    """y = a / b;  dL/da = g / b,  dL/db = -g a / b^2."""
    a, b = lift(a, b if isinstance(b, Tensor) else None), lift(b, a)

    def vjp(g, out):
        return (unbroadcast(g / b, a.shape) if needs_grad(a) else None,
                unbroadcast(neg(g) * a / (b * b), b.shape) if needs_grad(b) else None)
    return Tensor.from_op(_binary_data("div", np.divide, a, b), (a, b), vjp, "div")


def neg(a):
    """y = -a;  dL/da = -g."""
    return Tensor.from_op(-a.data, (a,), lambda g, out: (neg(g),), "neg")


def power(a, b):
    """y = a ** b.  Scalar exponent p: dL/da = g p a^(p-1).  Tensor exponent:
    dL/da = g b a^(b-1),  dL/db = g y log(a)."""
    if not isinstance(b, Tensor):
        if not isinstance(a, Tensor):
            a = lift(a)
        p = float(b)

        def vjp_scalar(g, out):
            if p == 0:
                return (g * 0.0,)
            return (g * (p * a ** (p - 1)),)
        return Tensor.from_op(np.power(a.data, a.data.dtype.type(p)), (a,), vjp_scalar, "pow")
    a = lift(a, b)

    def vjp(g, out):
        return (unbroadcast(g * b * a ** (b - 1.0), a.shape) if needs_grad(a) else None,
                unbroadcast(g * out * log(a), b.shape) if needs_grad(b) else None)
    return Tensor.from_op(_binary_data("pow", np.power, a, b), (a, b), vjp, "pow")


# ----------------------------------------------------------------------------- matrix products
# Three 2-D primitives close under differentiation: the vjp of each is written with the others,
#   C = A B    : dA = G B^T (nt),   dB = A^T G (tn)
#   C = A B^T  : dA = G B   (nn),   dB = G^T A (tn)
#   C = A^T B  : dA = B G^T (nt),   dB = A G   (nn)
# so a linear layer's three products never copy a transposed matrix.

def _check_inner(name, a, b, ka, kb):
    if ka != kb:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} do not align ({ka} != {kb})")


def _mm_nn(a, b):
    _check_inner("matmul", a, b, a.shape[-1], b.shape[-2])

    def vjp(g, out):
        return (_mm_nt(g, b) if needs_grad(a) else None, _mm_tn(a, g) if needs_grad(b) else None)
    return Tensor.from_op(kernels.matmul(a.data, b.data), (a, b), vjp, "matmul")


def _mm_nt(a, b):
    _check_inner("matmul_nt", a, b, a.shape[1], b.shape[1])

    def vjp(g, out):
        return (_mm_nn(g, b) if needs_grad(a) else None, _mm_tn(g, a) if needs_grad(b) else None)
    return Tensor.from_op(kernels.matmul_nt(a.data, b.data), (a, b), vjp, "matmul_nt")


def _mm_tn(a, b):
    _check_inner("matmul_tn", a, b, a.shape[0], b.shape[0])

    def vjp(g, out):
        return (_mm_nt(b, g) if needs_grad(a) else None, _mm_nn(a, g) if needs_grad(b) else None)
    return Tensor.from_op(kernels.matmul_tn(a.data, b.data), (a, b), vjp, "matmul_tn")


def _mm_batched(a, b):
    """Batched product (ndim > 2 on either side), batch dims broadcast as in NumPy."""
    _check_inner("matmul", a, b, a.shape[-1], b.shape[-2])
    try:
        data = kernels.matmul(a.data, b.data)
    except ValueError:
        raise ValueError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} cannot be broadcast") from None

    def vjp(g, out):
        return (unbroadcast(matmul(g, swap_last(b)), a.shape) if needs_grad(a) else None,
                unbroadcast(matmul(swap_last(a), g), b.shape) if needs_grad(b) else None)
    return Tensor.from_op(data, (a, b), vjp, "matmul")


def swap_last(a):
    axes = list(range(a.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(a, *axes)


def matmul(a, b):
    """y = a @ b (NumPy semantics: 1-D operands are promoted to a row/column and squeezed back)."""
    a, b = lift(a), lift(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.ndim == 1 and b.ndim == 1:
        _check_inner("matmul", a, b, a.shape[0], b.shape[0])
        return sum(a * b)
    if a.ndim == 1:
        return matmul(a.reshape(1, -1), b).reshape(b.shape[:-2] + (b.shape[-1],))
    if b.ndim == 1:
        return matmul(a, b.reshape(-1, 1)).reshape(a.shape[:-1])
    if a.ndim == 2 and b.ndim == 2:
        return _mm_nn(a, b)
    return _mm_batched(a, b)


ACTIVATIONS = ("none", "relu", "leaky_relu", "tanh", "sigmoid")


def linear(x, weight, bias=None, activation="none", negative_slope=0.01):
    """y = act(x W^T + b) for x (n, in), W (out, in), b (out,); one graph node for the whole layer.

    With u = x W^T + b and dL/du = act_grad(g, y) (see activation_grad):
    dL/dx = (dL/du) W,  dL/dW = (dL/du)^T x,  dL/db = sum of dL/du over the batch."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"linear: unknown activation {activation!r}; choose one of {ACTIVATIONS}")
    x_shape, w_shape = x.data.shape, weight.data.shape
    if len(x_shape) != 2:
        if activation != "none":
            raise ValueError(f"linear: a fused activation needs a 2-D input, got shape {x_shape}")
        return matmul(x, transpose(weight)) + (bias if bias is not None else 0.0)
    _check_inner("linear", x, weight, x_shape[1], w_shape[1])
    if bias is not None and bias.data.shape != (w_shape[0],):
        raise ValueError(f"linear: bias shape {bias.shape} does not match weight shape {weight.shape}")
    data = kernels.linear_forward(x.data, weight.data, None if bias is None else bias.data,
                                  activation, negative_slope)
    parents = (x, weight) if bias is None else (x, weight, bias)

    def vjp(g, out):
        if not is_grad_enabled():   # plain backward: straight to the kernels, no graph nodes
            gu = g.data if activation == "none" else kernels.act_backward(g.data, out.data, activation,
                                                                           negative_slope)
            return _linear_grads_plain(gu, x, weight, bias)
        g = activation_grad(g, out, activation, negative_slope)
        grads = (_mm_nn(g, weight) if needs_grad(x) else None,
                 _mm_tn(g, x) if needs_grad(weight) else None)
        if bias is not None:
            grads += (bias_grad(g) if needs_grad(bias) else None,)
        return grads
    return Tensor.from_op(data, parents, vjp, "linear" if activation == "none" else f"linear+{activation}")


def _linear_grads_plain(g, x, weight, bias):
    """The same three gradients as linear's vjp, as arrays wrapped once: G W, G^T x, sum of G."""
    grads = (Tensor(kernels.matmul(g, weight.data)) if needs_grad(x) else None,
             Tensor(kernels.matmul_tn(g, x.data)) if needs_grad(weight) else None)
    if bias is not None:
        grads += (Tensor(kernels.bias_grad(g)) if needs_grad(bias) else None,)
    return grads


def bias_grad(g):
    """dL/db = sum of g over the batch (axis 0); one kernel call when no graph is recorded."""
    if not is_grad_enabled():
        return Tensor(kernels.bias_grad(g.data))
    return sum(g, axis=0)


def activation_grad(g, y, activation, negative_slope=0.01):
    """dL/du from dL/dy for y = act(u), written through the output y:
    relu: g [y > 0];  leaky_relu: g (1 if y > 0 else slope);  tanh: g (1 - y^2);  sigmoid: g y (1 - y).

    When no graph is being recorded (a plain backward) this is one fused kernel pass; with
    create_graph=True the same formula is built from Tensor ops so it can be differentiated."""
    if activation == "none":
        return g
    if not is_grad_enabled():
        return Tensor(kernels.act_backward(g.data, y.data, activation, negative_slope))
    if activation == "relu":
        return g * _const((y.data > 0).astype(y.data.dtype))
    if activation == "leaky_relu":
        return g * _const(np.where(y.data > 0, 1.0, negative_slope).astype(y.data.dtype))
    if activation == "tanh":
        return g * (1.0 - y * y)
    return g * y * (1.0 - y)


# ----------------------------------------------------------------------------- elementwise functions

def exp(a):
    """y = e^a;  dL/da = g y."""
    return Tensor.from_op(np.exp(a.data), (a,), lambda g, out: (g * out,), "exp")


def log(a):
    """y = log a;  dL/da = g / a."""
    with np.errstate(divide="ignore", invalid="ignore"):
        data = np.log(a.data)
    return Tensor.from_op(data, (a,), lambda g, out: (g / a,), "log")


def log1p(a):
    """y = log(1 + a), accurate for tiny a;  dL/da = g / (1 + a)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        data = np.log1p(a.data)
    return Tensor.from_op(data, (a,), lambda g, out: (g / (1.0 + a),), "log1p")


def sqrt(a):
    """y = sqrt(a);  dL/da = g / (2 y)."""
    with np.errstate(invalid="ignore"):
        data = np.sqrt(a.data)
    return Tensor.from_op(data, (a,), lambda g, out: (g / (2.0 * out),), "sqrt")


def abs(a):
    """y = |a|;  dL/da = g sign(a) (0 at a = 0, as in PyTorch)."""
    return Tensor.from_op(np.abs(a.data), (a,), lambda g, out: (g * _const(np.sign(a.data)),), "abs")


def tanh(a):
    """y = tanh a;  dL/da = g (1 - y^2)."""
    return Tensor.from_op(np.tanh(a.data), (a,), lambda g, out: (g * (1.0 - out * out),), "tanh")


def _stable_sigmoid(x):
    """1 / (1 + e^-x) without overflow: for x < 0 use e^x / (1 + e^x)."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def sigmoid(a):
    """y = 1 / (1 + e^-a);  dL/da = g y (1 - y)."""
    return Tensor.from_op(_stable_sigmoid(a.data), (a,), lambda g, out: (g * out * (1.0 - out),), "sigmoid")


def softplus(a):
    """y = log(1 + e^a), computed as max(a, 0) + log1p(e) with e = e^-|a| (no overflow);
    dL/da = g sigmoid(a).

    A primitive rather than a composite: one graph node, and the derivative is exact at a = 0.
    A plain backward reuses the saved e:  sigmoid(a) = 1 / (1 + e) for a >= 0,  e / (1 + e) for a < 0
    (both to an ulp or two; exp(a - y) would be cheaper but loses |a| ulps for negative a)."""
    e = np.exp(-np.abs(a.data))

    def vjp(g, out):
        if not is_grad_enabled():
            return (Tensor(g.data * (np.where(a.data >= 0, 1, e) / (1 + e))),)
        return (g * sigmoid(a),)
    return Tensor.from_op(np.maximum(a.data, 0) + np.log1p(e), (a,), vjp, "softplus")


def relu(a):
    """y = max(a, 0);  dL/da = g [a > 0]."""
    mask = a.data > 0
    return Tensor.from_op(np.maximum(a.data, 0), (a,),
                          lambda g, out: (g * _const(mask.astype(a.data.dtype)),), "relu")


# ----------------------------------------------------------------------------- reductions

def _normalize_axis(name, axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for ax in axes:
        if not -ndim <= ax < builtins.max(ndim, 1):
            raise ValueError(f"{name}: axis {ax} is out of range for a tensor with {ndim} dimensions")
        out.append(int(ax) % builtins.max(ndim, 1))
    return tuple(out)


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g, shape):
    """g (with the reduced axes kept as size 1) copied into every position of `shape`: the
    gradient of a sum in a plain backward. Two C calls; np.broadcast_to and np.full are Python
    code that costs more than the copy for the small tensors of a loss."""
    array = np.empty(shape, dtype=g.dtype)
    array[...] = g
    return array


def sum(a, axis=None, keepdims=False):
    """y = sum of a over `axis`;  dL/da = g broadcast back over the summed axes."""
    axes = _normalize_axis("sum", axis, a.ndim)
    kept = _kept_shape(a.shape, axes)

    def vjp(g, out):
        if not is_grad_enabled():  # plain backward: no graph
            return (Tensor(_spread(g.data.reshape(kept), a.data.shape)),)
        return (broadcast_to(g.reshape(kept), a.shape),)
    return Tensor.from_op(np.asarray(np.add.reduce(a.data, axis=axes, keepdims=keepdims)), (a,), vjp, "sum")


def mean(a, axis=None, keepdims=False):
    """y = (1/n) sum of a over `axis` (n summed elements);  dL/da = g / n broadcast back."""
    if axis is None and not keepdims:
        return _mean_all(a)
    axes = _normalize_axis("mean", axis, a.ndim)
    kept = _kept_shape(a.shape, axes)
    count = 1
    for i in axes:
        count *= a.data.shape[i]
    scale = 1.0 / builtins.max(count, 1)

    def vjp(g, out):
        if not is_grad_enabled():  # plain backward: no graph
            return (Tensor(_spread((g.data * scale).reshape(kept), a.data.shape)),)
        return (broadcast_to((g * scale).reshape(kept), a.shape),)
    data = np.asarray(np.add.reduce(a.data, axis=axes, keepdims=keepdims) * a.data.dtype.type(scale))
    return Tensor.from_op(data, (a,), vjp, "mean")


def _mean_all(a):
    """mean over every element, the loss case (same formula, fewer Python steps)."""
    x = a.data
    scale = 1.0 / builtins.max(x.size, 1)

    def vjp(g, out):
        if not is_grad_enabled():
            return (Tensor(_spread(g.data * scale, x.shape)),)
        return (broadcast_to((g * scale).reshape((1,) * x.ndim), x.shape),)
    return Tensor.from_op(np.asarray(np.add.reduce(x, axis=None) * x.dtype.type(scale)), (a,), vjp, "mean")


def max(a, axis=None, keepdims=False):
    """y = max of a over `axis`;  dL/da = g at the maximal entries (shared equally between ties)."""
    axes = _normalize_axis("max", axis, a.ndim)
    if a.size == 0:
        raise ValueError(f"max: cannot reduce an empty tensor of shape {a.shape}")
    kept = _kept_shape(a.shape, axes)
    data = np.max(a.data, axis=axes, keepdims=True)

    def vjp(g, out):
        is_max = (a.data == data).astype(a.data.dtype)
        is_max /= is_max.sum(axis=axes, keepdims=True)
        return (broadcast_to(g.reshape(kept), a.shape) * _const(is_max),)
    return Tensor.from_op(data if keepdims else np.squeeze(data, axis=axes), (a,), vjp, "max")


def broadcast_to(a, shape):
    """y = a repeated along broadcast axes;  dL/da = g summed back (unbroadcast)."""
    shape = tuple(shape)
    if a.shape == shape:
        return a
    try:
        data = np.broadcast_to(a.data, shape)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}") from None
    return Tensor.from_op(data, (a,), lambda g, out: (unbroadcast(g, a.shape),), "broadcast_to")


# ----------------------------------------------------------------------------- shape ops

def reshape(a, *shape):
    """Same elements, new shape;  dL/da = g reshaped back."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        data = a.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} into {shape}") from None
    return Tensor.from_op(data, (a,), lambda g, out: (g.reshape(a.shape),), "reshape")


def transpose(a, *axes):
    """Permute axes (reverse them when none are given);  dL/da = g permuted back."""
    if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
        axes = tuple(axes[0])
    if not axes:
        axes = tuple(reversed(range(a.ndim)))
    if sorted(int(ax) % builtins.max(a.ndim, 1) for ax in axes) != list(range(a.ndim)):
        raise ValueError(f"transpose: axes {axes} are not a permutation for a tensor of shape {a.shape}")
    inverse = tuple(np.argsort([int(ax) % a.ndim for ax in axes]))
    return Tensor.from_op(a.data.transpose(axes), (a,), lambda g, out: (transpose(g, *inverse),), "transpose")


def _index_key(index):
    if isinstance(index, Tensor):
        return index.data.astype(np.intp) if index.data.dtype.kind == "f" else index.data
    if isinstance(index, tuple):
        return tuple(_index_key(i) for i in index)
    return index


def _is_basic(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


def getitem(a, index):
    """y = a[index] (slices, integers, integer arrays);  dL/da = g scattered back, adding repeats."""
    key = _index_key(index)
    try:
        data = a.data[key]
    except IndexError as error:
        raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape {a.shape}: {error}") from None
    return Tensor.from_op(data, (a,), lambda g, out: (scatter_add(g, key, a.shape),), "getitem")


def scatter_add(g, key, shape):
    """y = zeros(shape) with y[key] += g (repeated indices add up); the vjp of getitem.
    dL/dg = (dL/dy)[key]."""
    data = np.zeros(shape, dtype=g.data.dtype)
    if _is_basic(key):
        data[key] = g.data
    else:
        np.add.at(data, key, g.data)
    return Tensor.from_op(data, (g,), lambda gy, out: (getitem(gy, key),), "scatter_add")


def concatenate(tensors, axis=0):
    """Join along an existing axis;  each input's gradient is its slice of g."""
    tensors = [lift(t) for t in tensors]
    if not tensors:
        raise ValueError("concatenate: needs at least one tensor")
    try:
        data = np.concatenate([t.data for t in tensors], axis=axis)
    except ValueError as error:
        raise ValueError(f"concatenate: shapes {[t.shape for t in tensors]} along axis {axis}: {error}") from None
    axis = axis % data.ndim
    bounds = np.cumsum([0] + [t.shape[axis] for t in tensors])

    def vjp(g, out):
        lead = (slice(None),) * axis
        return tuple(getitem(g, lead + (slice(int(lo), int(hi)),)) if needs_grad(t) else None
                     for t, lo, hi in zip(tensors, bounds[:-1], bounds[1:]))
    return Tensor.from_op(data, tuple(tensors), vjp, "concatenate")


def stack(tensors, axis=0):
    """Join along a new axis;  each input's gradient is its slice g[..., i, ...]."""
    tensors = [lift(t) for t in tensors]
    if not tensors:
        raise ValueError("stack: needs at least one tensor")
    shapes = {t.shape for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[t.shape for t in tensors]}")
    data = np.stack([t.data for t in tensors], axis=axis)
    axis = axis % data.ndim

    def vjp(g, out):
        lead = (slice(None),) * axis
        return tuple(getitem(g, lead + (i,)) if needs_grad(t) else None for i, t in enumerate(tensors))
    return Tensor.from_op(data, tuple(tensors), vjp, "stack")


# ----------------------------------------------------------------------------- selection

def _condition(condition):
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    return cond.astype(bool, copy=False)


def where(condition, x, y):
    """y = x where condition else y;  dL/dx = g [condition],  dL/dy = g [not condition]."""
    cond = _condition(condition)
    x = lift(x, y if isinstance(y, Tensor) else None)
    y = lift(y, x)
    try:
        data = np.where(cond, x.data, y.data)
    except ValueError:
        raise ValueError(f"where: condition {cond.shape}, x {x.shape} and y {y.shape} cannot be broadcast") from None

    def vjp(g, out):
        zero = g * 0.0
        return (unbroadcast(where(cond, g, zero), x.shape) if needs_grad(x) else None,
                unbroadcast(where(cond, zero, g), y.shape) if needs_grad(y) else None)
    return Tensor.from_op(data, (x, y), vjp, "where")


def _select(name, x, y, pick_x):
    x = lift(x, y if isinstance(y, Tensor) else None)
    y = lift(y, x)
    data = _binary_data(name, np.maximum if name == "maximum" else np.minimum, x, y)
    # the gradient goes to the selected input, split equally on ties (as in PyTorch)
    weight_x = pick_x(x.data, y.data) + 0.5 * (x.data == y.data)
    weight_x = np.broadcast_to(weight_x, data.shape).astype(data.dtype)

    def vjp(g, out):
        return (unbroadcast(g * _const(weight_x), x.shape) if needs_grad(x) else None,
                unbroadcast(g * _const(1.0 - weight_x), y.shape) if needs_grad(y) else None)
    return Tensor.from_op(data, (x, y), vjp, name)


def maximum(x, y):
    """Elementwise max;  the gradient flows to the larger input (half to each on ties)."""
    return _select("maximum", x, y, np.greater)


def minimum(x, y):
    """Elementwise min;  the gradient flows to the smaller input (half to each on ties)."""
    return _select("minimum", x, y, np.less)


def clip(x, min=None, max=None):
    """y = min(max(x, min), max);  dL/dx = g where min <= x <= max, else 0 (as torch.clamp)."""
    x = lift(x)
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    if lo > hi:
        raise ValueError(f"clip: min {lo} is larger than max {hi}")
    inside = ((x.data >= lo) & (x.data <= hi)).astype(x.data.dtype)
    data = np.clip(x.data, lo, hi).astype(x.data.dtype, copy=False)
    return Tensor.from_op(data, (x,), lambda g, out: (g * _const(inside),), "clip")


def cast(a, dtype):
    """Same values in another float dtype;  dL/da = g cast back."""
    dtype = np.dtype(dtype)
    if a.data.dtype == dtype:
        return a
    return Tensor.from_op(a.data.astype(dtype), (a,), lambda g, out: (cast(g, a.data.dtype),), "cast")


# ----------------------------------------------------------------------------- install on Tensor

def _reflected(fn):
    return lambda self, other: fn(lift(other, self), self)


def _compare(np_fn):
    return lambda self, other: Tensor(np_fn(self.data, other.data if isinstance(other, Tensor) else other))


def _install():
    T = Tensor
    T.__add__ = add
    T.__radd__ = _reflected(add)
    T.__sub__ = sub
    T.__rsub__ = _reflected(sub)
    T.__mul__ = mul
    T.__rmul__ = _reflected(mul)
    T.__truediv__ = div
    T.__rtruediv__ = _reflected(div)
    T.__pow__ = power
    T.__rpow__ = lambda self, other: power(lift(other, self), self)
    T.__neg__ = neg
    T.__matmul__ = matmul
    T.__rmatmul__ = _reflected(matmul)
    T.__getitem__ = getitem
    T.log1p = log1p
    T.exp, T.log, T.sqrt, T.abs, T.tanh, T.sigmoid, T.relu = exp, log, sqrt, abs, tanh, sigmoid, relu
    T.sum, T.mean, T.max = sum, mean, max
    T.reshape, T.transpose = reshape, transpose
    T.T = property(lambda self: transpose(self))
    T.clip = clip
    T.float = lambda self: cast(self, np.float32)
    T.double = lambda self: cast(self, np.float64)
    T.broadcast_to = broadcast_to
    # comparisons give constant tensors with boolean data, for masks and where()
    T.__gt__, T.__ge__ = _compare(np.greater), _compare(np.greater_equal)
    T.__lt__, T.__le__ = _compare(np.less), _compare(np.less_equal)


_install()
