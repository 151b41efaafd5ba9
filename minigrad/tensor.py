"""The Tensor: an ndarray that can record the ops applied to it, with its grad mode and dtypes.

A Tensor holds a NumPy array (`.data`). A Tensor made by an op also remembers its parents (the
op's inputs) and the op's vector-Jacobian product (vjp). Recording an op and walking the graph
backward is the engine's job (minigrad/autograd.py, which also installs `Tensor.backward`); the ops
themselves live in ops.py, which installs the operators.
"""
import contextlib
import itertools
import threading
import warnings

import numpy as np

from .kernels.backend import FLOAT_DTYPES

float32 = np.float32
float64 = np.float64
int64 = np.int64
# what a tensor may hold: floats (everything that has a gradient), int64 (indices and labels, as
# torch's default integer type) and bool (masks); integer and bool tensors never require grad
_TENSOR_DTYPES = FLOAT_DTYPES + (np.dtype(np.int64), np.dtype(bool))
_default_dtype = np.dtype(np.float32)
_creation_counter = itertools.count()  # every Tensor gets the next number: parents before children


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
    if resolved not in FLOAT_DTYPES:
        raise TypeError(f"tensor: unsupported dtype {dtype!r}; use float32 or float64")
    return resolved


def resolve_tensor_dtype(dtype):
    """Like resolve_dtype, for the data of a tensor: float32, float64, int64 or bool."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"tensor: unknown dtype {dtype!r}; use float32, float64, int64 or bool") from None
    if resolved not in _TENSOR_DTYPES:
        raise TypeError(f"tensor: unsupported dtype {dtype!r}; use float32 or float64 (int64 for indices "
                        "and labels, bool for masks)")
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
    booleans stay boolean (masks). `dtype` (float32, float64, int64 or bool) casts."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is None and isinstance(data, (np.ndarray, np.generic)) and (
            data.dtype in FLOAT_DTYPES or data.dtype == bool):
        return np.asarray(data)
    try:
        array = np.asarray(data) if dtype is None else np.asarray(data, dtype=resolve_tensor_dtype(dtype))
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
                   `set_default_dtype`; torch would make int64 of integers); float32/float64
                   arrays keep their dtype; booleans stay boolean. `dtype` (float32, float64, or
                   int64 for indices and labels) casts.
    requires_grad  True for a leaf whose gradient you want: backward() then fills `.grad`.

    `.data` is the ndarray itself, and `.numpy()` returns it without a copy: changing either
    changes the tensor. Operators (`+ - * / ** @`, comparisons, indexing, boolean masks) and
    methods (`exp`, `sum`, `mean`, `reshape`, ...) are installed by `ops.py`; PyTorch's reshaping
    methods (`view`, `squeeze`, `unsqueeze`, `flatten`) by `reshaping.py`.
    """
    __slots__ = ("data", "_grad", "requires_grad", "_parents", "_vjp", "_op",
                 "_retains_grad", "_hooks", "_seq", "__weakref__")
    __array_priority__ = 1000  # ndarray <op> Tensor defers to Tensor's reflected operator
    __hash__ = object.__hash__  # == compares elementwise (as in PyTorch); identity stays the hash

    def __init__(self, data, requires_grad=False, dtype=None):
        if dtype is None and type(data) is np.ndarray and data.dtype in FLOAT_DTYPES:
            array = data                      # the common case, kept out of as_array: it is hot
        else:
            array = as_array(data, dtype)
        if requires_grad and array.dtype not in FLOAT_DTYPES:
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

    def size(self, dim=None):
        """The shape as a tuple (as torch's x.size()), or the length of axis `dim` (negative
        counts from the end). The number of elements is `numel()`."""
        if dim is None:
            return self.data.shape
        return self.data.shape[normalize_dim("size", dim, self.data.shape)]

    def dim(self):
        """The number of axes (as `.ndim`)."""
        return self.data.ndim

    def numel(self):
        """The number of elements (the product of the shape; 1 for a 0-d tensor)."""
        return self.data.size

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
        if flag and self.data.dtype not in FLOAT_DTYPES:
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

    # backward(gradient=None, retain_graph=None, create_graph=False) is installed by the engine,
    # minigrad/autograd.py (which imports this module, never the other way round)


def tensor(data, requires_grad=False, dtype=None):
    """Make a leaf Tensor (like torch.tensor); see `Tensor` for the arguments."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def lift(x, like=None):
    """A Python number, list or ndarray -> constant Tensor. As in PyTorch, numbers take `like`'s
    dtype when it is a float tensor, and integers take it when it is an int64 tensor (so that
    `mg.arange(5) + 1` stays int64)."""
    if isinstance(x, Tensor):
        return x
    if like is not None and isinstance(x, (int, float, np.integer, np.floating, bool)):
        kind = like.data.dtype.kind
        if kind == "f":
            return Tensor(np.asarray(x, dtype=like.data.dtype))
        if kind == "i" and isinstance(x, (int, np.integer)):
            return Tensor(x, dtype=like.data.dtype)
    return Tensor(as_array(x))


def normalize_dim(name, dim, shape, extra=0):
    """`dim` as an index in 0 .. len(shape) - 1 + extra, negative dims counting from the end (as in
    PyTorch), or an IndexError naming the method, the dim, the shape and the valid range.
    `extra` = 1 allows one axis past the last: unsqueeze's new axis, and the one axis squeeze and
    flatten (as torch's) see in a 0-d tensor."""
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}: dim must be an int, got {dim!r}")
    n = len(shape) + extra
    if not -n <= dim < n:
        valid = "no dim (the tensor is 0-d)" if n == 0 else f"a dim in [{-n}, {n - 1}]"
        raise IndexError(f"{name}: dim {dim} is out of range for a tensor of shape {tuple(shape)} "
                         f"(expected {valid})")
    return int(dim) % n
