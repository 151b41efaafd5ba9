"""The Tensor and the reverse-mode autodiff engine.

A Tensor holds a NumPy array (`.data`). A Tensor made by an op also remembers its parents (the
op's inputs) and the op's vector-Jacobian product (vjp): given g = dL/d(output) it returns
dL/d(input) for each input. `backward()` visits the graph in reverse topological order and
applies the chain rule,

    dL/dx = sum over the ops y = f(..., x, ...) that use x of  vjp_f(dL/dy),

accumulating into `.grad` of the leaves. The ops live in `ops.py`; this file only knows how to
record them (`apply`) and how to walk the graph (`run_backward`).

One backward rule per op, two ways to run it. A vjp is written with ops and operators only
(`g * b`, `exp(a)`, `sum(g, axis=0)`), and every op accepts arrays as well as Tensors. The engine
decides, once per backward, what the rules receive:

* plain backward: ndarrays (g, the output's data, the inputs' data): the same lines run as
  NumPy, no graph is recorded;
* create_graph=True: Tensors: the same lines record the backward pass, so it can be
  differentiated again (gradients of gradients, as the WGAN-GP penalty needs).
"""
import contextlib
import itertools
import operator
import threading
import warnings

import numpy as np

float32 = np.float32
float64 = np.float64
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_default_dtype = np.dtype(np.float32)
_creation_counter = itertools.count()  # every Tensor gets the next number: parents before children
_creation_number = operator.attrgetter("_seq")
_data = operator.attrgetter("data")                 # (attrgetters map in C: no Python call per tensor)
_requires_grad = operator.attrgetter("requires_grad")


class AutogradError(RuntimeError, ValueError):
    """Misuse of the autodiff engine (raised as both RuntimeError, like PyTorch, and ValueError)."""


# ----------------------------------------------------------------------------- grad mode (per thread)

class _ThreadState(threading.local):
    """Grad mode belongs to a thread: two threads training two models never see each other's
    no_grad() blocks. (threading.local gives each thread its own attributes, starting from these.)"""
    grad_enabled = True


_state = _ThreadState()


def is_grad_enabled():
    """True if ops record the graph in this thread (the default; off inside no_grad())."""
    return _state.grad_enabled


class _GradMode(contextlib.ContextDecorator):
    """Sets grad mode for the duration of a `with` block (or a decorated call). The previous mode
    is kept on a per-thread stack, so one instance can be shared by threads and nested."""

    def __init__(self, enabled):
        self.enabled = bool(enabled)

    def __enter__(self):
        stack = _state.__dict__.setdefault("saved_modes", [])
        stack.append(_state.grad_enabled)
        _state.grad_enabled = self.enabled
        return self

    def __exit__(self, *exc):
        _state.grad_enabled = _state.saved_modes.pop()
        return False


def no_grad():
    """Context manager and decorator: ops inside record no graph (used for inference and updates)."""
    return _GradMode(False)


def enable_grad():
    """Context manager and decorator that turns graph recording back on."""
    return _GradMode(True)


def set_grad_enabled(mode):
    """Context manager (like torch.set_grad_enabled): grad mode on if `mode` is true, off otherwise."""
    return _GradMode(mode)


# ----------------------------------------------------------------------------- dtypes and data

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


def _ragged(data):
    """A description of where nested lists stop being rectangular, or None if they are not lists."""
    level = [data]
    depth = 0
    while level and all(isinstance(x, (list, tuple)) for x in level):
        lengths = sorted({len(x) for x in level})
        if len(lengths) > 1:
            return f"at depth {depth} the lists have lengths {lengths}"
        level = [y for x in level for y in x]
        depth += 1
    if any(isinstance(x, (list, tuple)) for x in level):
        return f"at depth {depth} numbers and lists are mixed"
    return None


def as_array(data, dtype=None):
    """Data -> ndarray for a Tensor. Python numbers and lists, and integer arrays, become the
    default float dtype; float32/float64 arrays (and NumPy float scalars) keep their dtype;
    booleans stay boolean (masks). `dtype` (float32 or float64) casts."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None and isinstance(data, (np.ndarray, np.generic)) and (
            data.dtype in _FLOAT_DTYPES or data.dtype == bool):
        return np.asarray(data)
    try:
        array = np.asarray(data) if dtype is None else np.asarray(data, dtype=resolve_dtype(dtype))
    except ValueError:
        where = _ragged(data) if isinstance(data, (list, tuple)) else None
        if where is None:
            raise
        raise ValueError(f"tensor: nested lists must be rectangular, but {where}") from None
    if dtype is not None or array.dtype == bool:
        return array
    if array.dtype.kind not in "iuf":
        raise TypeError(f"tensor: cannot make a tensor from data of type {array.dtype} ({type(data).__name__})")
    return array.astype(_default_dtype)


def value(x):
    """The array inside a Tensor, or x itself (for code that reads constants in a vjp)."""
    return x.data if isinstance(x, Tensor) else x


# ----------------------------------------------------------------------------- Tensor

class _HookHandle:
    def __init__(self, hooks, fn):
        self._hooks, self._fn = hooks, fn

    def remove(self):
        if self._fn in self._hooks:
            self._hooks.remove(self._fn)


def _setup(t, data, requires_grad, parents=(), vjp=None, op=None):
    """Every field of a Tensor, set in one place (for leaves and op results alike)."""
    t.data = data
    t._grad = None
    t.requires_grad = requires_grad
    t._parents = parents
    t._vjp = vjp
    t._op = op
    t._retains_grad = False
    t._hooks = None
    t._seq = next(_creation_counter)


class Tensor:
    """An n-dimensional array that can record the ops applied to it (minigrad's torch.Tensor).

        Tensor(data, requires_grad=False, dtype=None)    (or mg.tensor(...), the same)

    data           a number, a (nested, rectangular) list, an ndarray or a Tensor. Python numbers,
                   lists and integer arrays become float32 (the default dtype, see
                   `set_default_dtype`); float32/float64 arrays keep their dtype; booleans stay
                   boolean. `dtype` (float32 or float64) casts.
    requires_grad  True for a leaf whose gradient you want: backward() then fills `.grad`.

    `.data` is the ndarray itself, and `.numpy()` returns it without a copy: changing either
    changes the tensor. Operators (`+ - * / ** @`, comparisons, indexing, boolean masks) and
    methods (`exp`, `sum`, `mean`, `reshape`, ...) are installed by `ops.py`.
    """
    __slots__ = ("data", "_grad", "requires_grad", "_parents", "_vjp", "_op",
                 "_retains_grad", "_hooks", "_seq", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operator
    __hash__ = object.__hash__  # == compares elementwise (as in PyTorch); identity stays the hash

    def __init__(self, data, requires_grad=False, dtype=None):
        if dtype is None and type(data) is np.ndarray and data.dtype in _FLOAT_DTYPES:
            array = data                      # the common case, kept out of as_array: it is hot
        else:
            array = as_array(data, dtype)
        if requires_grad and array.dtype not in _FLOAT_DTYPES:
            raise TypeError(f"tensor: only float tensors can require grad, got dtype {array.dtype}")
        _setup(self, array, bool(requires_grad))

    @staticmethod
    def from_op(data, parents, vjp, name):
        """The result of an op: `data` computed from the Tensors `parents`. The graph edge is
        recorded only when grad mode is on and some parent requires grad (see `apply`)."""
        out = Tensor.__new__(Tensor)
        if _state.grad_enabled:
            for p in parents:
                if p.requires_grad:
                    _setup(out, data, True, parents, vjp, name)
                    return out
        _setup(out, data, False)
        return out

    # -- array-like properties
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    is_leaf = property(lambda self: self._op is None, doc="True for tensors not made by a recorded op.")
    grad_fn = property(lambda self: self._op, doc="Name of the op that made this tensor (None for leaves).")

    @property
    def grad(self):
        """dL/d(self) after backward(): filled for leaves that require grad, and for non-leaf
        tensors only after retain_grad() (otherwise None, with a warning, as in PyTorch)."""
        if self._grad is None and self._op is not None and not self._retains_grad:
            warnings.warn(f"reading .grad of a non-leaf tensor (made by '{self._op}'): it stays None; "
                          "call .retain_grad() on it before backward() to keep its gradient, "
                          "or use minigrad.grad(loss, tensor)", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        self._grad = value

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def _one_element(self, what):
        if self.data.size != 1:
            raise ValueError(f"{what}: only a one-element tensor can be converted to a Python number, "
                             f"got shape {self.data.shape} ({self.data.size} elements)")
        return self.data.reshape(()).item()

    def item(self):
        """The value of a one-element tensor as a Python number."""
        return self._one_element("item")

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(f"bool: the truth value of a tensor with {self.data.size} elements "
                             f"(shape {self.data.shape}) is ambiguous; use .any() or .all()")
        return bool(self.data.reshape(()).item())

    def __float__(self):
        return float(self._one_element("float"))

    def __int__(self):
        return int(self._one_element("int"))

    def __format__(self, spec):
        if spec and self.data.size == 1:
            return format(self.data.reshape(()).item(), spec)
        if spec:
            raise TypeError(f"format: a format spec ({spec!r}) needs a one-element tensor, got shape {self.shape}")
        return str(self)

    def numpy(self):
        """The underlying ndarray (shared, not copied)."""
        return self.data

    def tolist(self):
        return self.data.tolist()

    def detach(self):
        """A new leaf sharing the same data, cut from the graph."""
        return Tensor(self.data)

    def requires_grad_(self, flag=True):
        if not self.is_leaf:
            raise AutogradError("requires_grad_: only leaf tensors can change requires_grad")
        if flag and self.data.dtype not in _FLOAT_DTYPES:
            raise TypeError(f"requires_grad_: only float tensors can require grad, got dtype {self.data.dtype}")
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
        self._grad = None

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
    """Make a leaf Tensor (like torch.tensor); see `Tensor` for the arguments."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# ----------------------------------------------------------------------------- recording an op

def lift(x, like=None):
    """A Python number, list or ndarray -> constant Tensor; numbers take `like`'s dtype (as in PyTorch)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float, np.integer, np.floating, bool)) and like.data.dtype.kind == "f":
        return Tensor(np.asarray(x, dtype=like.data.dtype))
    return Tensor(as_array(x))


def apply(name, forward, vjp, *inputs):
    """Run an op: `forward` on the inputs' arrays, and the graph edge for backward.

    If no input is a Tensor (a plain backward calls ops on ndarrays), return forward(*inputs):
    an array, no graph. Otherwise numbers and arrays become constant Tensors (numbers with the
    dtype of the first Tensor input), and the result is a Tensor that records `vjp`:

        one input:      vjp(g, y, x)                      -> dL/dx
        several inputs: vjp(g, y, x1, x2, ..., need=need) -> (dL/dx1 or None, dL/dx2 or None, ...)

    where `need[i]` says whether input i wants a gradient (the rule may skip the others).
    """
    for x in inputs:
        if isinstance(x, Tensor):
            like = x
            break
    else:
        return forward(*inputs)
    parents = inputs
    for x in inputs:
        if not isinstance(x, Tensor):
            parents = tuple([x if isinstance(x, Tensor) else lift(x, like) for x in inputs])
            break
    data = forward(*map(_data, parents))
    if type(data) is not np.ndarray:  # NumPy gives scalars for 0-d results
        data = np.asarray(data)
    return Tensor.from_op(data, parents, vjp, name)


# ----------------------------------------------------------------------------- the engine

class _Walk:
    """The part of the graph one backward needs, in reverse topological order.

    A tensor is always created after its parents, so sorting the reachable nodes by creation
    number (`_seq`) is a topological order; no recursion, no post-order.

    With `inputs` (minigrad.grad), only nodes from which an input can be reached take part:
    a graph that an earlier backward freed is fine as long as this gradient does not need it."""

    def __init__(self, outputs, inputs):
        reached = {id(root): root for root in outputs}
        stack = list(reached.values())
        freed = []
        while stack:
            node = stack.pop()
            if node._vjp is None and node._op is not None:   # an op whose vjp a backward released
                freed.append(node)
            for parent in node._parents:
                if parent.requires_grad and id(parent) not in reached:
                    reached[id(parent)] = parent
                    stack.append(parent)
        order = sorted(reached.values(), key=_creation_number)
        self.needed = None
        self.silent = ()        # nodes whose vjp does not run (besides leaves)
        self.delivered = None if inputs is None else {id(t) for t in inputs}  # None: leaves and retain_grad
        if inputs is not None:
            needed, silent = {id(t) for t in inputs}, set()
            for node in order:
                if any(id(p) in needed for p in node._parents):
                    needed.add(id(node))
                elif id(node) in needed:
                    silent.add(id(node))  # an input no other input lies behind
            order = [node for node in order if id(node) in needed]
            self.needed, self.silent = needed, silent
        order.reverse()
        self.reverse_order = order
        for node in freed:
            if self.wants(node) and id(node) not in self.silent:
                raise AutogradError(
                    f"backward: trying to backward through the graph a second time (op '{node._op}'): "
                    "its intermediate results were freed by the first backward; "
                    "pass retain_graph=True to the first backward if you need to do this")

    def wants(self, t):
        """Does tensor t take part in this backward (needs a gradient)?"""
        return t.requires_grad and (self.needed is None or id(t) in self.needed)





def _seed_gradients(outputs, gradients, create_graph):
    """dL/d(output) for every output: ones for a single-element output, else the given gradient."""
    grads = {}
    for output, gradient in zip(outputs, gradients):
        if not output.requires_grad:
            raise AutogradError(
                f"backward: tensor of shape {output.shape} does not require grad and has no grad_fn "
                "(did you create it under no_grad(), detach it, or forget requires_grad=True?)")
        if gradient is None:
            if output.data.size != 1:
                raise AutogradError(
                    f"backward: grad can be implicitly created only for single-element outputs, "
                    f"got shape {output.shape}; pass `gradient` (or grad_outputs) of that shape")
            seed = np.empty(output.data.shape, dtype=output.data.dtype)
            seed.fill(1)
        else:
            seed = gradient if (create_graph and isinstance(gradient, Tensor)) else as_array(value(gradient), output.dtype)
            if seed.shape != output.shape:
                raise AutogradError(f"backward: gradient has shape {seed.shape} but the output has shape {output.shape}")
        if create_graph and not isinstance(seed, Tensor):
            seed = Tensor(seed)
        key = id(output)
        grads[key] = seed if key not in grads else grads[key] + seed
    return grads


def _run_hooks(node, g, create_graph):
    """Apply node's hooks to its gradient g; a hook returning a Tensor replaces g."""
    for hook in list(node._hooks):
        replaced = hook(g if create_graph else Tensor(g))
        if replaced is not None:
            g = lift(replaced) if create_graph else value(replaced)
    return g


def _checked(node, parent, g):
    """The gradient an op hands to `parent`: the parent's shape, and its dtype (cast if the op
    promoted, e.g. float32 * float64: a float32 leaf still gets a float32 .grad)."""
    if g.shape != parent.data.shape:
        raise AutogradError(f"backward: op '{node._op}' returned a gradient of shape {g.shape} "
                            f"for an input of shape {parent.shape}")
    if g.dtype != parent.data.dtype:
        from .ops import cast
        g = cast(g, parent.data.dtype)
    return g


def _propagate(walk, grads, create_graph, retain_graph, deliver):
    """The chain rule, node by node in reverse topological order: take the node's gradient,
    hand it to `deliver` if the node is a leaf, retains its grad, or is an input of grad(); then
    push the vjp's gradients to the parents."""
    needed, silent, delivered = walk.needed, walk.silent, walk.delivered
    for node in walk.reverse_order:
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if node._hooks:
            g = _run_hooks(node, g, create_graph)
        if (node._op is None or node._retains_grad) if delivered is None else id(node) in delivered:
            deliver(node, g)
        vjp, parents = node._vjp, node._parents
        if vjp is None or id(node) in silent:
            continue
        if create_graph:
            parent_grads = (vjp(g, node, parents[0]),) if len(parents) == 1 else \
                vjp(g, node, *parents, need=[walk.wants(p) for p in parents])
        elif len(parents) == 1:
            parent_grads = (vjp(g, node.data, parents[0].data),)
        else:
            need = list(map(_requires_grad, parents)) if needed is None else [walk.wants(p) for p in parents]
            parent_grads = vjp(g, node.data, *map(_data, parents), need=need)
        for parent, pg in zip(parents, parent_grads):
            if pg is None or not parent.requires_grad or (needed is not None and id(parent) not in needed):
                continue
            if pg.shape != parent.data.shape or pg.dtype != parent.data.dtype:
                pg = _checked(node, parent, pg)
            key = id(parent)
            grads[key] = pg if key not in grads else grads[key] + pg
        if not retain_graph:
            node._vjp = None      # the graph is freed: a second backward through it is an error


def _owned(array, seen):
    """A gradient stored in `.grad` gets its own writable array (vjps may share arrays)."""
    if id(array) in seen or not array.flags.owndata or not array.flags.writeable:
        array = array.copy()
    seen.add(id(array))
    return array


def run_backward(outputs, gradients, retain_graph, create_graph, inputs):
    """Backpropagate from `outputs`. With `inputs` None, accumulate into `.grad` of leaves (and of
    tensors that called retain_grad); otherwise return the gradients of `inputs` (a list)."""
    if retain_graph is None:
        retain_graph = create_graph
    grads = _seed_gradients(outputs, gradients, create_graph)
    walk = _Walk(outputs, inputs)
    seen = set()
    results = None if inputs is None else [None] * len(inputs)
    positions = None if inputs is None else {id(t): i for i, t in enumerate(inputs)}

    def deliver(node, g):
        if positions is not None:
            results[positions[id(node)]] = g if create_graph else Tensor(g)
        elif create_graph:
            node._grad = g if node._grad is None else node._grad + g
        elif node._grad is None:
            node._grad = Tensor(_owned(g, seen))
        else:
            node._grad = Tensor(node._grad.data + g)

    with _GradMode(create_graph):
        _propagate(walk, grads, create_graph, retain_graph, deliver)
    return results


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None, allow_unused=False):
    """Gradients of `outputs` (contracted with `grad_outputs`) w.r.t. `inputs`, as a tuple of Tensors.

    Like torch.autograd.grad: nothing is accumulated into `.grad`, and only the part of the graph
    between the outputs and the inputs is used. With create_graph=True the returned gradients are
    themselves differentiable (needed for gradient penalties).
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
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
