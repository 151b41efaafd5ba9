"""The Tensor and the reverse-mode autodiff engine.

A Tensor holds a NumPy array (`.data`). A Tensor produced by an op also remembers
its parents and a vector-Jacobian product (vjp): given the gradient `g` of some
scalar L with respect to the op's output, the vjp returns dL/d(parent) for each
parent. `backward()` visits the graph in reverse topological order and applies
the chain rule,

    dL/dx = sum over the ops y = f(..., x, ...) that use x of  vjp_f(dL/dy),

accumulating into `.grad` of the leaves. The ops themselves live in `ops.py`;
this file only knows how to walk the graph.
"""
import contextlib
import itertools
import operator

import numpy as np

float32 = np.float32
float64 = np.float64
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float32)

_grad_enabled = True
_needed_ids = None  # during minigrad.grad(): ids of the nodes from which an input is reachable
_creation_counter = itertools.count()  # every Tensor gets the next number: parents before children


class AutogradError(RuntimeError, ValueError):
    """Misuse of the autodiff engine (raised as both RuntimeError, like PyTorch, and ValueError)."""


# ----------------------------------------------------------------------------- grad mode

def is_grad_enabled():
    return _grad_enabled


class _GradMode(contextlib.ContextDecorator):
    def __init__(self, enabled):
        self.enabled = enabled
        self._saved = []

    def __enter__(self):
        global _grad_enabled
        self._saved.append(_grad_enabled)
        _grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        global _grad_enabled
        _grad_enabled = self._saved.pop()
        return False


def no_grad():
    """Context manager and decorator: ops inside record no graph (used for inference and updates)."""
    return _GradMode(False)


def enable_grad():
    """Context manager and decorator that turns graph recording back on."""
    return _GradMode(True)


# ----------------------------------------------------------------------------- dtypes

def resolve_dtype(dtype):
    """Map a user-given dtype (np.float32, 'float64', ...) to a NumPy float dtype, or raise."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"tensor: unknown dtype {dtype!r}; use float32 or float64") from None
    if resolved not in _FLOAT_DTYPES:
        raise TypeError(f"tensor: unsupported dtype {dtype!r}; use float32 or float64")
    return resolved


def get_default_dtype():
    return _default_dtype.type


def set_default_dtype(dtype):
    global _default_dtype
    _default_dtype = resolve_dtype(dtype)


def as_array(data, dtype=None):
    """Data -> float ndarray. Python numbers and lists, and integer or bool arrays, become the
    default float dtype; float32/float64 arrays keep their dtype unless `dtype` is given."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=resolve_dtype(dtype))
    if isinstance(data, np.ndarray) and data.dtype in _FLOAT_DTYPES:
        return data
    if isinstance(data, np.generic) and data.dtype in _FLOAT_DTYPES:
        return np.asarray(data)
    array = np.asarray(data)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"tensor: cannot make a tensor from data of type {array.dtype} ({type(data).__name__})")
    return array.astype(_default_dtype)


# ----------------------------------------------------------------------------- Tensor

class _HookHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


class Tensor:
    """An n-dimensional array that can record the ops applied to it.

    Operators (`+ - * / ** @`, indexing) and methods (`exp`, `sum`, ...) are installed by `ops.py`.
    """
    __slots__ = ("data", "grad", "requires_grad", "_parents", "_vjp", "_op",
                 "_freed", "_retains_grad", "_hooks", "_seq", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operator

    def __init__(self, data, requires_grad=False, dtype=None):
        if dtype is None and type(data) is np.ndarray and data.dtype in _FLOAT_DTYPES:
            self.data = data                      # the common case, kept out of as_array: it is hot
        else:
            self.data = as_array(data, dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._vjp = None
        self._op = None
        self._freed = False
        self._retains_grad = False
        self._hooks = None
        self._seq = next(_creation_counter)

    @staticmethod
    def from_op(data, parents, vjp, name):
        """The result of an op: `data` computed from `parents`; `vjp(g, out)` gives their gradients.

        The graph edge is recorded only when grad mode is on and some parent requires grad.
        """
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = None
        out._freed = False
        out._retains_grad = False
        out._hooks = None
        out._seq = next(_creation_counter)
        if _grad_enabled:
            for p in parents:
                if p.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._vjp = vjp
                    out._op = name
                    return out
        out.requires_grad = False
        out._parents = ()
        out._vjp = None
        out._op = None
        return out

    # -- array-like properties
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self._op is None, doc="True for tensors not made by a recorded op.")
    grad_fn = property(lambda self: self._op, doc="Name of the op that made this tensor (None for leaves).")

    def __len__(self):
        return len(self.data)

    def item(self):
        return self.data.item()

    def numpy(self):
        return self.data

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A new leaf sharing the same data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, flag=True):
        if not self.is_leaf:
            raise AutogradError("requires_grad_: only leaf tensors can change requires_grad")
        self.requires_grad = bool(flag)
        return self

    def retain_grad(self):
        """Keep `.grad` for this non-leaf tensor too during backward."""
        if not self.requires_grad:
            raise AutogradError("retain_grad: tensor does not require grad")
        self._retains_grad = True

    def register_hook(self, fn):
        """fn(grad) is called with this tensor's gradient during backward; returning a Tensor replaces it."""
        if not self.requires_grad:
            raise AutogradError("register_hook: cannot register a hook on a tensor that does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _HookHandle(self._hooks, fn)

    def zero_grad(self):
        self.grad = None

    def __repr__(self):
        body = np.array2string(self.data, precision=4, separator=", ", prefix="tensor(")
        extra = ""
        if self.data.dtype != _default_dtype:
            extra += f", dtype={self.data.dtype}"
        if self._op is not None:
            extra += f", grad_fn={self._op}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate d(self)/d(leaf), contracted with `gradient`, into `.grad` of every leaf that
        requires grad. `gradient` may be omitted only for a single-element tensor."""
        run_backward((self,), (gradient,), retain_graph, create_graph, inputs=None)


def tensor(data, requires_grad=False, dtype=None):
    """Make a leaf Tensor (like torch.tensor)."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def needs_grad(t):
    """Inside a vjp: is the gradient for parent `t` wanted? (Lets ops skip useless work.)"""
    return t.requires_grad and (_needed_ids is None or id(t) in _needed_ids)


# ----------------------------------------------------------------------------- the engine

def _topological_order(roots):
    """Nodes that require grad, every node after all of its parents.

    A tensor is always created after its parents, so sorting the nodes reachable from the
    roots by creation number (`_seq`) is a topological order; no recursion, no post-order."""
    nodes = {id(root): root for root in roots}
    stack = list(nodes.values())
    while stack:
        node = stack.pop()
        if node._freed:
            raise AutogradError(
                f"backward: trying to backward through the graph a second time (op '{node._op}'): "
                "its intermediate results were freed by the first backward; "
                "pass retain_graph=True to the first backward if you need to do this")
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in nodes:
                nodes[id(parent)] = parent
                stack.append(parent)
    return sorted(nodes.values(), key=_creation_number)


_creation_number = operator.attrgetter("_seq")


def _root_gradient(output, gradient):
    if gradient is None:
        if output.data.size != 1:
            raise AutogradError(
                f"backward: grad can be implicitly created only for single-element outputs, "
                f"got shape {output.shape}; pass `gradient` (or grad_outputs) of that shape")
        ones = np.empty(output.data.shape, dtype=output.data.dtype)
        ones.fill(1)
        return Tensor(ones)
    gradient = gradient if isinstance(gradient, Tensor) else Tensor(as_array(gradient, output.dtype))
    if gradient.shape != output.shape:
        raise AutogradError(f"backward: gradient has shape {gradient.shape} but the output has shape {output.shape}")
    return gradient


def _owned(grad, seen):
    """A gradient stored in `.grad` gets its own writable array (vjps may share arrays)."""
    array = grad.data
    if id(array) in seen or not array.flags.owndata or not array.flags.writeable:
        array = array.copy()
    seen.add(id(array))
    return grad if array is grad.data and not grad.requires_grad else Tensor(array)


def _accumulate(node, grad, create_graph, seen):
    if create_graph:
        node.grad = grad if node.grad is None else node.grad + grad
    elif node.grad is None:
        node.grad = _owned(grad, seen)
    else:
        node.grad = Tensor(node.grad.data + grad.data)


def run_backward(outputs, gradients, retain_graph, create_graph, inputs):
    """Backpropagate from `outputs`. With `inputs` None, accumulate into `.grad` of leaves (and of
    tensors that called retain_grad); otherwise return the gradients of `inputs` (a list)."""
    global _grad_enabled, _needed_ids
    if retain_graph is None:
        retain_graph = create_graph
    for output in outputs:
        if not output.requires_grad:
            raise AutogradError(
                f"backward: tensor of shape {output.shape} does not require grad and has no grad_fn "
                "(did you create it under no_grad(), detach it, or forget requires_grad=True?)")
    order = _topological_order(outputs)
    grads = {}
    for output, gradient in zip(outputs, gradients):
        root = _root_gradient(output, gradient)
        key = id(output)
        grads[key] = root if key not in grads else grads[key] + root

    wanted = None
    needed = None
    if inputs is not None:
        wanted = {id(t): i for i, t in enumerate(inputs)}
        needed = set(wanted)
        for node in order:
            if any(id(p) in needed for p in node._parents):
                needed.add(id(node))
    results = [None] * len(inputs) if inputs is not None else None

    saved_mode, saved_needed = _grad_enabled, _needed_ids
    _grad_enabled, _needed_ids = bool(create_graph), needed
    seen = set()
    try:
        for node in reversed(order):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._hooks:
                for hook in list(node._hooks):
                    replaced = hook(g)
                    if replaced is not None:
                        g = replaced
            if wanted is not None:
                index = wanted.get(id(node))
                if index is not None:
                    results[index] = g if create_graph else Tensor(g.data)
            elif node._op is None or node._retains_grad:
                _accumulate(node, g, create_graph, seen)
            if node._vjp is None or (needed is not None and id(node) not in needed):
                continue
            parent_grads = node._vjp(g, node)
            for parent, pg in zip(node._parents, parent_grads):
                if pg is None or not parent.requires_grad:
                    continue
                if pg.data.shape != parent.data.shape:
                    raise AutogradError(f"backward: op '{node._op}' returned a gradient of shape {pg.shape} "
                                        f"for an input of shape {parent.shape}")
                key = id(parent)
                if key not in grads:
                    grads[key] = pg
                elif create_graph:
                    grads[key] = grads[key] + pg
                else:
                    grads[key] = Tensor(grads[key].data + pg.data)
            if not retain_graph:
                node._vjp, node._parents, node._freed = None, (), True
    finally:
        _grad_enabled, _needed_ids = saved_mode, saved_needed
    return results


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None, allow_unused=False):
    """Gradients of `outputs` (contracted with `grad_outputs`) w.r.t. `inputs`, as a tuple of Tensors.

    Like torch.autograd.grad: nothing is accumulated into `.grad`. With create_graph=True the returned
    gradients are themselves differentiable (needed for gradient penalties).
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = (inputs,) if single_input else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise AutogradError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise AutogradError(f"grad: input {i} does not require grad")
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    for i, r in enumerate(results):
        if r is None and not allow_unused:
            raise AutogradError(f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the "
                                "outputs; pass allow_unused=True to get None for it")
    return tuple(results)

