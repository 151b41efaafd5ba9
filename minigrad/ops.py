"""Every primitive op, defined once: its forward on ndarrays and ONE backward rule (the vjp).

    def exp(a):
        \"\"\"y = e^a;  dL/da = g y.\"\"\"
        return apply("exp", np.exp, lambda g, y, a: g * y, a)

`apply` (tensor.py) runs the forward on the inputs' arrays and, for Tensor inputs, records the vjp.
A vjp receives g = dL/dy, the output y and the inputs, and returns dL/d(input): for one input the
gradient itself, for several a tuple, guided by `need` (which inputs want one).

The rules use only ops and operators, never NumPy on their arguments, because every op here
accepts ndarrays as well as Tensors: in a plain backward the engine hands the rules arrays and
the same lines run as NumPy; with create_graph=True it hands them Tensors and the same lines
record the backward pass, so gradients of gradients come for free. Constants a rule needs
(masks, shapes, axes) come from comparisons (no gradient) or from the forward's arguments.

Broadcasting is undone in one place: `unbroadcast` sums a gradient back to an input's shape.
"""
import builtins
import math

import numpy as np

from . import kernels
from .activations import ACTIVATIONS, lookup
from .autograd import apply, cast  # noqa: F401  (cast: defined beside the engine, which needs it)
from .tensor import Tensor, lift, normalize_dim, value

# ----------------------------------------------------------------------------- helpers


def as_input(a):
    """Python numbers and lists become Tensors; Tensors and ndarrays pass (ops accept both), and
    NumPy scalars (what NumPy returns for 0-d results inside a plain backward) become 0-d arrays."""
    if type(a) is np.ndarray or isinstance(a, (Tensor, np.ndarray)):
        return a
    if isinstance(a, np.generic):
        return np.asarray(a)
    return lift(a)


def _no_grad_op(fn, *inputs):
    """A function with no gradient (comparisons, sign): constant Tensors in, or arrays in, out."""
    if any(isinstance(x, Tensor) for x in inputs):
        return Tensor(np.asarray(fn(*[value(x) for x in inputs])))
    return fn(*inputs)


def _broadcasting(name, fn):
    """An elementwise NumPy function whose broadcasting error names the op and the shapes."""
    def forward(a, b):
        try:
            return fn(a, b)
        except ValueError:
            raise ValueError(f"{name}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together") from None
    return forward


def unbroadcast(g, shape):
    """Sum gradient `g` over the axes that broadcasting added or stretched, giving `shape`.

    If x of shape (3, 1) was broadcast to (2, 3, 4) in y = f(x), then dL/dx = sum of dL/dy over the
    broadcast copies: over axis 0 (added) and over axis 2 (stretched from 1)."""
    g_shape = g.shape
    if g_shape == shape:
        return g
    lead = len(g_shape) - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape) if n == 1 and g_shape[lead + i] != 1)
    return reshape(sum(g, axis=axes), shape) if axes else reshape(g, shape)


# ----------------------------------------------------------------------------- arithmetic

_add, _sub = _broadcasting("add", np.add), _broadcasting("sub", np.subtract)
_mul, _div = _broadcasting("mul", np.multiply), _broadcasting("div", np.divide)
_pow = _broadcasting("pow", np.power)


def add(a, b):
    """y = a + b;   dL/da = g,   dL/db = g   (each summed back to its input's shape)."""
    def vjp(g, y, a, b, need):
        return unbroadcast(g, a.shape) if need[0] else None, unbroadcast(g, b.shape) if need[1] else None
    return apply("add", _add, vjp, a, b)


def sub(a, b):
    """y = a - b;   dL/da = g,   dL/db = -g."""
    def vjp(g, y, a, b, need):
        return unbroadcast(g, a.shape) if need[0] else None, unbroadcast(-g, b.shape) if need[1] else None
    return apply("sub", _sub, vjp, a, b)


def mul(a, b):
    """y = a b;   dL/da = g b,   dL/db = g a."""
    def vjp(g, y, a, b, need):
        return (unbroadcast(g * b, a.shape) if need[0] else None,
                unbroadcast(g * a, b.shape) if need[1] else None)
    return apply("mul", _mul, vjp, a, b)


def div(a, b):
    """y = a / b;   dL/da = g / b,   dL/db = -g a / b^2 = -g y / b."""
    def vjp(g, y, a, b, need):
        return (unbroadcast(g / b, a.shape) if need[0] else None,
                unbroadcast(-(g * y) / b, b.shape) if need[1] else None)
    return apply("div", _div, vjp, a, b)


def neg(a):
    """y = -a;   dL/da = -g."""
    return apply("neg", np.negative, lambda g, y, a: -g, a)


def power(a, b):
    """y = a ** b.
    A number p as exponent:  dL/da = g p a^(p-1).
    A tensor exponent:       dL/da = g b a^(b-1),   dL/db = g y log(a)."""
    if isinstance(b, (int, float, np.integer, np.floating)) and not isinstance(b, bool):
        p = float(b)

        def vjp_number(g, y, a):
            return g * (p * a ** (p - 1)) if p != 0 else g * 0.0
        return apply("pow", lambda a: np.power(a, a.dtype.type(p)), vjp_number, as_input(a))

    def vjp(g, y, a, b, need):
        return (unbroadcast(g * b * a ** (b - 1.0), a.shape) if need[0] else None,
                unbroadcast(g * y * log(a), b.shape) if need[1] else None)
    return apply("pow", _pow, vjp, a, b)


# ----------------------------------------------------------------------------- matrix products
# Three 2-D primitives close under differentiation: the vjp of each is written with the others,
#   C = A B    : dA = G B^T (nt),   dB = A^T G (tn)
#   C = A B^T  : dA = G B   (nn),   dB = G^T A (tn)
#   C = A^T B  : dA = B G^T (nt),   dB = A G   (nn)
# so a linear layer's three products never copy a transposed matrix.

def check_product(name, a, b, ka, kb):
    """Inner sizes must agree and dtypes must match (as in PyTorch: no silent promotion)."""
    if ka != kb:
        raise ValueError(f"{name}: shapes {a.shape} and {b.shape} do not align ({ka} != {kb})")
    if a.dtype != b.dtype:
        raise TypeError(f"{name}: dtypes {a.dtype} and {b.dtype} differ (shapes {a.shape} and {b.shape}); "
                        "cast one with .float() or .double()")


# The three 2-D products run as kernels.matmul / matmul_nt / matmul_tn, which check shapes and dtypes.

def mm(a, b):
    """C = A B for 2-D A, B."""
    def vjp(g, y, a, b, need):
        return mm_nt(g, b) if need[0] else None, mm_tn(a, g) if need[1] else None
    return apply("matmul", kernels.matmul, vjp, a, b)


def mm_nt(a, b):
    """C = A B^T for 2-D A (m, k), B (n, k)."""
    def vjp(g, y, a, b, need):
        return mm(g, b) if need[0] else None, mm_tn(g, a) if need[1] else None
    return apply("matmul_nt", kernels.matmul_nt, vjp, a, b)


def mm_tn(a, b):
    """C = A^T B for 2-D A (k, m), B (k, n)."""
    def vjp(g, y, a, b, need):
        return mm_nt(b, g) if need[0] else None, mm(a, g) if need[1] else None
    return apply("matmul_tn", kernels.matmul_tn, vjp, a, b)


def _forward_batched(a, b):
    try:
        return kernels.matmul(a, b)
    except ValueError:
        if a.shape[-1] != b.shape[-2]:
            raise
        raise ValueError(f"matmul: batch dimensions of shapes {a.shape} and {b.shape} cannot be broadcast") from None


def mm_batched(a, b):
    """Batched product (ndim > 2 on either side), batch dims broadcast as in NumPy:
    dA = G B^T,  dB = A^T G  (over the last two axes, summed over broadcast batch axes)."""
    def vjp(g, y, a, b, need):
        return (unbroadcast(matmul(g, swap_last(b)), a.shape) if need[0] else None,
                unbroadcast(matmul(swap_last(a), g), b.shape) if need[1] else None)
    return apply("matmul", _forward_batched, vjp, a, b)


def swap_last(a):
    axes = list(range(a.ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return transpose(a, *axes)


def matmul(a, b):
    """y = a @ b (NumPy semantics: 1-D operands are promoted to a row/column and squeezed back)."""
    a, b = as_input(a), as_input(b)
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: both operands need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    if a.ndim == 1 and b.ndim == 1:
        check_product("matmul", a, b, a.shape[0], b.shape[0])
        return sum(a * b)
    if a.ndim == 1:
        return reshape(matmul(reshape(a, (1, -1)), b), b.shape[:-2] + (b.shape[-1],))
    if b.ndim == 1:
        return reshape(matmul(a, reshape(b, (-1, 1))), a.shape[:-1])
    if a.ndim == 2 and b.ndim == 2:
        return mm(a, b)
    return mm_batched(a, b)


# ----------------------------------------------------------------------------- activations (one table)

def activation(x, name, slope=0.01):
    """y = act(x) for an activation of minigrad/activations.py;  dL/dx = act_backward(g, y)."""
    lookup(name, "activation")
    return apply(name, lambda x: kernels.act_forward(x, name, slope),
                 lambda g, y, x: act_backward(g, y, name, slope), as_input(x))


_BACKWARD_NAMES = {name: f"{name}_backward" for name in ACTIVATIONS}


def act_backward(g, y, name, slope=0.01):
    """dL/du = g act'(u) for y = act(u), with act'(u) written through y (the table's slope column).

    An op of its own, so a second derivative can go through it: it is linear in g, and in y its
    derivative is g times the table's curvature column:
        d/dg = act'(u)  (the same op on the incoming gradient),   d/dy = g curvature(y)."""
    curvature = ACTIVATIONS[name].curvature

    def vjp(h, out, g, y, need):
        return (act_backward(h, y, name, slope) if need[0] else None,
                h * g * curvature(y, slope) if need[1] and curvature is not None else None)
    return apply(_BACKWARD_NAMES[name], lambda g, y: kernels.act_backward(g, y, name, slope), vjp, g, y)


def relu(a):
    """y = max(a, 0);   dL/da = g [y > 0]."""
    return activation(a, "relu")


def tanh(a):
    """y = tanh a;   dL/da = g (1 - y^2)."""
    return activation(a, "tanh")


def sigmoid(a):
    """y = 1 / (1 + e^-a) (computed without overflow);   dL/da = g y (1 - y)."""
    return activation(a, "sigmoid")


# ----------------------------------------------------------------------------- elementwise functions

def exp(a):
    """y = e^a;   dL/da = g y."""
    return apply("exp", np.exp, lambda g, y, a: g * y, as_input(a))


def _log(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log(a)


def log(a):
    """y = log a;   dL/da = g / a."""
    return apply("log", _log, lambda g, y, a: g / a, as_input(a))


def _log1p(a):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log1p(a)


def log1p(a):
    """y = log(1 + a), accurate for tiny a;   dL/da = g / (1 + a)."""
    return apply("log1p", _log1p, lambda g, y, a: g / (1 + a), as_input(a))


def _sqrt(a):
    with np.errstate(invalid="ignore"):
        return np.sqrt(a)


def sqrt(a):
    """y = sqrt(a);   dL/da = g / (2 y)."""
    return apply("sqrt", _sqrt, lambda g, y, a: g / (2 * y), as_input(a))


def sign(a):
    """-1, 0 or +1 elementwise (no gradient: the derivative is 0 wherever it exists)."""
    return _no_grad_op(np.sign, a)


def abs(a):
    """y = |a|;   dL/da = g sign(a)   (0 at a = 0, as in PyTorch)."""
    return apply("abs", np.abs, lambda g, y, a: g * sign(a), as_input(a))


def _softplus(a):
    return np.maximum(a, 0) + np.log1p(np.exp(-np.abs(a)))


def softplus(a):
    """y = log(1 + e^a), computed as max(a, 0) + log1p(e^-|a|) (no overflow);   dL/da = g sigmoid(a).

    A primitive rather than a composite: one graph node, and the derivative is exact at a = 0."""
    return apply("softplus", _softplus, lambda g, y, a: g * sigmoid(a), as_input(a))


def _bce_with_logits(x, t):
    with np.errstate(invalid="ignore", over="ignore"):
        loss = _softplus(x) - t * x
    if not np.isfinite(x).all():       # the limits at x = +-inf, where inf - inf would give nan
        inf = x.dtype.type(np.inf)
        loss = np.where(x == inf, np.where(t == 1, 0, inf), loss)
        loss = np.where(x == -inf, np.where(t == 0, 0, inf), loss)
    return loss.astype(np.result_type(x, t), copy=False)


def bce_with_logits(x, t):
    """Elementwise binary cross-entropy of logits x against targets t in [0, 1]:

        l = -[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] = softplus(x) - t x

    (its limit, 0 or inf, at x = +-inf);   dL/dx = g (sigmoid(x) - t),   dL/dt = -g x."""
    def vjp(g, y, x, t, need):
        return g * (sigmoid(x) - t) if need[0] else None, -(g * x) if need[1] else None
    return apply("bce_with_logits", _bce_with_logits, vjp, x, t)


_BCE_EPS = float(np.float32(1e-12))


def _bce(p, t):
    with np.errstate(divide="ignore"):
        log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
    return -(t * log_p + (1 - t) * log_q)


def binary_cross_entropy(p, t):
    """Elementwise binary cross-entropy of probabilities p in [0, 1] against targets t, with each
    log clamped at -100 as PyTorch does (so p = 0 or 1 gives a finite loss, at most 100):

        l = -[t max(log p, -100) + (1 - t) max(log(1 - p), -100)]

    dL/dp = g (p - t) / max(p (1 - p), eps)   (PyTorch's rule, eps = 1e-12 rounded to float32 as
            in its code: the exact derivative inside (0, 1), finite at p = 0 and 1)
    dL/dt = g [max(log(1 - p), -100) - max(log p, -100)]   (the clamped logs: finite everywhere)

    From logits, bce_with_logits is exact for any logit and needs no clamp: prefer it."""
    def vjp(g, y, p, t, need):
        return (g * (p - t) / clip(p * (1 - p), min=_BCE_EPS) if need[0] else None,
                g * (clip(log1p(-p), min=-100.0) - clip(log(p), min=-100.0)) if need[1] else None)
    return apply("binary_cross_entropy", _bce, vjp, p, t)


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
    return tuple([1 if i in axes else n for i, n in enumerate(shape)])


def _reduced(name, fn, a, axis, keepdims):
    """fn(a, axis, keepdims) (a NumPy reduction), with an axis error that names the op."""
    try:
        return fn(a, axis=axis, keepdims=keepdims)
    except np.exceptions.AxisError:
        raise ValueError(f"{name}: axis {axis} is out of range for a tensor with {a.ndim} dimensions") from None


def _copy_back(g, shape, axis, keepdims):
    """The gradient of a reduction over `axis`: g copied back to the input's `shape` (first
    given back the reduced axes as size 1, where keepdims dropped them)."""
    if axis is not None and not keepdims:
        g = reshape(g, _kept_shape(shape, _normalize_axis("backward", axis, len(shape))))
    return broadcast_to(g, shape)


def sum(a, axis=None, keepdims=False):
    """y = sum of a over `axis`;   dL/da = g copied back over the summed axes."""
    return apply("sum", lambda a: _reduced("sum", np.add.reduce, a, axis, keepdims),
                 lambda g, y, a: _copy_back(g, a.shape, axis, keepdims), as_input(a))


def _mean(a, axis, keepdims):
    total = _reduced("mean", np.add.reduce, a, axis, keepdims)
    return total * a.dtype.type(total.size / builtins.max(a.size, 1))


def _numel(x):
    """The number of elements of an array or a Tensor (a vjp receives either)."""
    return math.prod(x.shape)


def mean(a, axis=None, keepdims=False):
    """y = (1/n) sum of a over `axis` (n = a's elements / y's elements);   dL/da = g / n copied back."""
    a = as_input(a)
    if a.dtype.kind != "f":    # as torch: the mean of a mask or of indices is asked for after .float()
        raise TypeError(f"mean: needs a float tensor, got dtype {a.dtype} (shape {a.shape}); "
                        "convert it first with .float()")
    return apply("mean", lambda a: _mean(a, axis, keepdims),
                 lambda g, y, a: _copy_back(g * (_numel(y) / builtins.max(_numel(a), 1)), a.shape, axis, keepdims),
                 a)


def max(a, axis=None, keepdims=False):
    """y = max of a over `axis`;   dL/da = g at the maximal entries (shared equally between ties)."""
    a = as_input(a)
    if _numel(a) == 0:
        raise ValueError(f"max: cannot reduce an empty tensor of shape {a.shape}")

    def vjp(g, y, a):
        kept = value(y) if axis is None or keepdims else \
            value(y).reshape(_kept_shape(a.shape, _normalize_axis("max", axis, a.ndim)))
        is_max = (value(a) == kept).astype(a.dtype)   # 1 at the maxima: a constant, in both modes
        share = is_max / kernels.reduce(np.add, is_max, axis, True, "max")
        return _copy_back(g, a.shape, axis, keepdims) * (Tensor(share) if isinstance(g, Tensor) else share)
    return apply("max", lambda a: kernels.reduce(np.maximum, a, axis, keepdims, "max"), vjp, a)


def _spread(a, shape):
    """a copied into every position of `shape`: a new, writable array (cheaper than
    np.broadcast_to followed by a copy)."""
    out = np.empty(shape, dtype=a.dtype)
    if a.ndim > len(shape):
        raise ValueError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}")
    try:
        out[...] = a
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {a.shape} to {shape}") from None
    return out


def broadcast_to(a, shape):
    """y = a repeated along broadcast axes;   dL/da = g summed back (unbroadcast)."""
    a = as_input(a)
    shape = tuple(shape)
    if a.shape == shape:
        return a
    return apply("broadcast_to", lambda a: _spread(a, shape), lambda g, y, a: unbroadcast(g, a.shape), a)


# ----------------------------------------------------------------------------- shape ops

def reshape(a, *shape):
    """Same elements, new shape;   dL/da = g reshaped back."""
    a = as_input(a)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])

    def forward(a):
        try:
            return a.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {a.shape} into {shape}") from None
    return apply("reshape", forward, lambda g, y, a: reshape(g, a.shape), a)


def _axes_args(axes):
    return tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else tuple(axes)


def _permute(a, axes):
    """y = a with its axes reordered: axis i of y is axis axes[i] of a;   dL/da = g permuted back."""
    inverse = tuple(int(i) for i in np.argsort(axes))
    return apply("transpose", lambda a: a.transpose(axes), lambda g, y, a: _permute(g, inverse), a)


def _permutation(name, dims, shape):
    n = builtins.max(len(shape), 1)
    if len(dims) != len(shape) or not all(-n <= d < n for d in dims) or \
            sorted(int(d) % n for d in dims) != list(range(len(shape))):
        raise ValueError(f"{name}: dims {dims} are not a permutation of the axes of a tensor of shape {shape}")
    return tuple(int(d) % n for d in dims)


def permute(a, *dims):
    """Axis i of the result is axis dims[i] of a (torch's permute, NumPy's transpose with axes)."""
    a = as_input(a)
    return _permute(a, _permutation("permute", _axes_args(dims), a.shape))


def transpose(a, *axes):
    """As torch: x.transpose(d0, d1) swaps two axes, and x.transpose() reverses them all (x.T).
    Every axis listed (three or more) is a permutation, as NumPy's transpose (see permute).
    The one op underneath reorders axes;   dL/da = g reordered back."""
    a = as_input(a)
    axes = _axes_args(axes)
    if not axes:
        return _permute(a, tuple(reversed(range(a.ndim))))
    if len(axes) == 2:
        d0, d1 = (normalize_dim("transpose", d, a.shape) for d in axes)
        order = list(range(a.ndim))
        order[d0], order[d1] = d1, d0
        return _permute(a, tuple(order))
    return _permute(a, _permutation("transpose", axes, a.shape))


def _index_key(index):
    """A Tensor index becomes its array: booleans select (a mask), integers pick."""
    if isinstance(index, Tensor):
        if index.data.dtype.kind == "f":
            raise IndexError(f"getitem: a float tensor (dtype {index.data.dtype}) cannot index; use a boolean "
                             "mask (e.g. x > 0) or integer indices")
        return index.data
    if isinstance(index, tuple):
        return tuple(_index_key(i) for i in index)
    return index


def _is_basic(key):
    parts = key if isinstance(key, tuple) else (key,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


def getitem(a, index):
    """y = a[index] (slices, integers, integer arrays, boolean masks);
    dL/da = g scattered back into zeros of a's shape, repeated indices adding up."""
    key = _index_key(index)

    def forward(a):
        try:
            return a[key]
        except IndexError as error:
            raise IndexError(f"getitem: index {index!r} is invalid for a tensor of shape {a.shape}: {error}") from None
    return apply("getitem", forward, lambda g, y, a: scatter_add(g, key, a.shape), as_input(a))


def scatter_add(g, key, shape):
    """y = zeros(shape) with y[key] += g (repeated indices add up): the adjoint of getitem,
    so its vjp is getitem:   dL/dg = (dL/dy)[key]."""
    def forward(g):
        out = np.zeros(shape, dtype=g.dtype)
        if _is_basic(key) or (isinstance(key, np.ndarray) and key.dtype == bool):
            out[key] = g                   # no index repeats
        else:
            np.add.at(out, key, g)
        return out
    return apply("scatter_add", forward, lambda h, y, g: getitem(h, key), g)


def concatenate(tensors, axis=0):
    """Join along an existing axis;   each input's gradient is its slice of g."""
    parts = [as_input(t) for t in tensors]
    if not parts:
        raise ValueError("concatenate: needs at least one tensor")
    if len(parts) == 1:
        return reshape(parts[0], parts[0].shape)
    ndim = parts[0].ndim
    if not -ndim <= axis < builtins.max(ndim, 1):
        raise ValueError(f"concatenate: axis {axis} is out of range for tensors with {ndim} dimensions")
    axis = axis % ndim
    bounds = np.cumsum([0] + [p.shape[axis] for p in parts]).tolist()

    def forward(*arrays):
        try:
            return np.concatenate(arrays, axis=axis)
        except ValueError as error:
            raise ValueError(f"concatenate: shapes {[a.shape for a in arrays]} along axis {axis}: {error}") from None

    def vjp(g, y, *parts, need):
        lead = (slice(None),) * axis
        return tuple(getitem(g, lead + (slice(lo, hi),)) if wanted else None
                     for wanted, lo, hi in zip(need, bounds[:-1], bounds[1:]))
    return apply("concatenate", forward, vjp, *parts)


def stack(tensors, axis=0):
    """Join along a new axis: concatenate after giving each part a new axis of size 1."""
    parts = [as_input(t) for t in tensors]
    if not parts:
        raise ValueError("stack: needs at least one tensor")
    if len({p.shape for p in parts}) != 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[p.shape for p in parts]}")
    ndim = parts[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis} is out of range for the result's {ndim} dimensions")
    axis = axis % ndim
    shape = parts[0].shape[:axis] + (1,) + parts[0].shape[axis:]
    return concatenate([reshape(p, shape) for p in parts], axis=axis)


# ----------------------------------------------------------------------------- selection

def where(condition, x, y):
    """out = x where condition else y;   dL/dx = g [condition],   dL/dy = g [not condition]."""
    cond = np.asarray(value(condition)).astype(bool, copy=False)

    def forward(cond, x, y):
        try:
            return np.where(cond, x, y)
        except ValueError:
            raise ValueError(f"where: condition {cond.shape}, x {np.shape(x)} and y {np.shape(y)} "
                             "cannot be broadcast") from None

    def vjp(g, out, cond, x, y, need):
        return (None,
                unbroadcast(where(cond, g, 0.0), x.shape) if need[1] else None,
                unbroadcast(where(cond, 0.0, g), y.shape) if need[2] else None)
    if isinstance(x, Tensor) or isinstance(y, Tensor):
        like = x if isinstance(x, Tensor) else y
        x, y = lift(x, like), lift(y, like)
    return apply("where", forward, vjp, cond, x, y)


def _select(name, np_fn, pick):
    forward = _broadcasting(name, np_fn)

    def op(x, y):
        def vjp(g, out, x, y, need):
            # the gradient goes to the selected input, split equally on ties (as in PyTorch)
            to_x = cast(pick(x, y), g.dtype) + 0.5 * cast(x == y, g.dtype)
            return (unbroadcast(g * to_x, x.shape) if need[0] else None,
                    unbroadcast(g * (1 - to_x), y.shape) if need[1] else None)
        return apply(name, forward, vjp, x, y)
    op.__name__ = name
    return op


maximum = _select("maximum", np.maximum, lambda x, y: x > y)
maximum.__doc__ = "Elementwise max;   the gradient flows to the larger input (half to each on ties)."
minimum = _select("minimum", np.minimum, lambda x, y: x < y)
minimum.__doc__ = "Elementwise min;   the gradient flows to the smaller input (half to each on ties)."


def clip(x, min=None, max=None):
    """y = min(max(x, min), max);   dL/dx = g where min <= x <= max, else 0 (as torch.clamp)."""
    x = as_input(x)
    if min is None and max is None:
        raise ValueError("clip: give at least one of min and max")
    lo = -np.inf if min is None else min
    hi = np.inf if max is None else max
    if lo > hi:
        raise ValueError(f"clip: min {lo} is larger than max {hi}")
    return apply("clip", lambda x: np.clip(x, lo, hi).astype(x.dtype, copy=False),
                 lambda g, y, x: g * cast(x >= lo, g.dtype) * cast(x <= hi, g.dtype), x)


# ----------------------------------------------------------------------------- install on Tensor

def _compare(np_fn):
    """Comparisons give boolean tensors without gradient (masks for indexing and where)."""
    return lambda self, other: _no_grad_op(np_fn, self, other)


def _equality(np_fn, if_none):
    def compare(self, other):
        if other is None:
            return if_none
        return _no_grad_op(np_fn, self, other)
    return compare


def _install():
    T = Tensor
    T.__add__, T.__radd__ = add, lambda self, other: add(other, self)
    T.__sub__, T.__rsub__ = sub, lambda self, other: sub(other, self)
    T.__mul__, T.__rmul__ = mul, lambda self, other: mul(other, self)
    T.__truediv__, T.__rtruediv__ = div, lambda self, other: div(other, self)
    T.__pow__, T.__rpow__ = power, lambda self, other: power(lift(other, self), self)
    T.__neg__ = neg
    T.__matmul__, T.__rmatmul__ = matmul, lambda self, other: matmul(other, self)
    T.__getitem__ = getitem
    T.exp, T.log, T.log1p, T.sqrt, T.abs = exp, log, log1p, sqrt, abs
    T.tanh, T.sigmoid, T.relu = tanh, sigmoid, relu
    T.sum, T.mean, T.max = sum, mean, max
    T.reshape, T.transpose, T.permute = reshape, transpose, permute
    T.T = property(lambda self: transpose(self))
    T.clip = clip
    T.float = lambda self: cast(self, np.float32)
    T.double = lambda self: cast(self, np.float64)
    T.broadcast_to = broadcast_to
    T.__gt__, T.__ge__ = _compare(np.greater), _compare(np.greater_equal)
    T.__lt__, T.__le__ = _compare(np.less), _compare(np.less_equal)
    T.__eq__, T.__ne__ = _equality(np.equal, False), _equality(np.not_equal, True)
    T.__and__, T.__or__, T.__xor__ = _compare(np.logical_and), _compare(np.logical_or), _compare(np.logical_xor)
    T.__invert__ = lambda self: _no_grad_op(np.logical_not, self)
    T.any = lambda self: _no_grad_op(np.any, self)
    T.all = lambda self: _no_grad_op(np.all, self)


_install()
