"""Making tensors, with PyTorch's names and arguments:

    mg.randn(64, 5)                      N(0, 1) samples, shape (64, 5), float32
    mg.rand((2, 3))                      U[0, 1) samples (a shape as one tuple works too)
    mg.zeros(3, 4, requires_grad=True)   a leaf you can train; mg.ones, mg.full((2, 2), 0.5)
    mg.zeros_like(x), mg.ones_like(x)    x's shape and dtype
    mg.arange(5)                         int64 0, 1, 2, 3, 4;  mg.arange(0., 1., 0.25) float32
    mg.cat([a, b], dim=0)                joined along an existing axis; mg.stack along a new one
    mg.manual_seed(0)                    randn and rand repeat their numbers

Floats are the default dtype (float32, see set_default_dtype) unless `dtype` says otherwise, as in
PyTorch. Integer tensors (int64: `arange` of ints, `full` of an int, `dtype=mg.int64`) are
constants, for indexing and labels; only float tensors can require grad.

Random numbers: randn and rand draw from one NumPy Generator kept in this module (as do layer
initialisation and dropout when no `rng` is given), and `manual_seed(s)` reseeds it, so a script
that seeds first repeats its numbers. They are not torch's numbers for the same seed: a different
generator gives samples of the same distribution, not the same values. randn and rand also take
`generator=` (a numpy.random.Generator of your own), as torch's take a torch.Generator.
"""
import math
import numbers

import numpy as np

from . import ops
from .tensor import Tensor, get_default_dtype, int64, resolve_tensor_dtype

_generator = np.random.default_rng()


def default_generator():
    """The one Generator behind randn and rand, and behind every minigrad default that draws random
    numbers: the initial weights of nn.Linear, nn.Conv2d and nn.ConvTranspose2d, and the masks of
    dropout, when no `rng` is given (as torch's default generator)."""
    return _generator


def manual_seed(seed):
    """Reseed the default generator (as torch.manual_seed) with np.random.default_rng(seed)'s
    state, in place, so every holder of it (a Dropout layer) follows; returns it."""
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"manual_seed: the seed must be an int >= 0, got {seed!r}")
    _generator.bit_generator.state = np.random.default_rng(int(seed)).bit_generator.state
    return _generator


def _shape(name, size):
    """randn(2, 3), randn((2, 3)) and randn([2, 3]) alike: the shape as a tuple of ints >= 0."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for n in size:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{name}: the shape must be ints, got {size!r}")
        if n < 0:
            raise ValueError(f"{name}: negative dimension {n} in shape {size}")
    return tuple(int(n) for n in size)


def _leaf(name, array, dtype, requires_grad):
    """A leaf Tensor of `array` in `dtype`; only float tensors may require grad (as in PyTorch)."""
    dtype = resolve_tensor_dtype(get_default_dtype() if dtype is None else dtype)
    if requires_grad and dtype.kind != "f":
        raise TypeError(f"{name}: only float tensors can require grad, got dtype {dtype}")
    return Tensor(array, requires_grad=requires_grad, dtype=dtype)


def _float_dtype(name, dtype):
    dtype = np.dtype(get_default_dtype() if dtype is None else resolve_tensor_dtype(dtype))
    if dtype.kind != "f":
        raise TypeError(f"{name}: random samples need a float dtype (float32 or float64), got {dtype}")
    return dtype


def randn(*size, dtype=None, requires_grad=False, generator=None):
    """Samples of the standard normal N(0, 1) in the given shape."""
    dtype = _float_dtype("randn", dtype)
    rng = _generator if generator is None else generator
    return _leaf("randn", rng.standard_normal(_shape("randn", size), dtype=dtype), dtype, requires_grad)


def rand(*size, dtype=None, requires_grad=False, generator=None):
    """Samples of the uniform distribution on [0, 1) in the given shape (drawn in `dtype`, so a
    float32 sample is never rounded up to 1)."""
    dtype = _float_dtype("rand", dtype)
    rng = _generator if generator is None else generator
    return _leaf("rand", rng.random(_shape("rand", size), dtype=dtype), dtype, requires_grad)


def zeros(*size, dtype=None, requires_grad=False):
    """A tensor of zeros in the given shape."""
    return _leaf("zeros", np.zeros(_shape("zeros", size)), dtype, requires_grad)


def ones(*size, dtype=None, requires_grad=False):
    """A tensor of ones in the given shape."""
    return _leaf("ones", np.ones(_shape("ones", size)), dtype, requires_grad)


def _dtype_of_value(value):
    """torch's rule for full and arange: bool -> bool, int -> int64, float -> the default float."""
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(value, numbers.Integral):
        return np.dtype(int64)
    return np.dtype(get_default_dtype())


def full(size, fill_value, dtype=None, requires_grad=False):
    """A tensor of shape `size` (a tuple, or an int for 1-D) filled with `fill_value`; its dtype
    follows the value as in PyTorch (bool, int64 for an int, else the default float)."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    if not isinstance(fill_value, (numbers.Number, np.bool_)):
        raise TypeError(f"full: fill_value must be a number, got {fill_value!r}")
    shape = _shape("full", (size,) if isinstance(size, numbers.Integral) else (tuple(size),))
    dtype = _dtype_of_value(fill_value) if dtype is None else dtype
    return _leaf("full", np.full(shape, fill_value), dtype, requires_grad)


def zeros_like(input, dtype=None, requires_grad=False):
    """Zeros with the shape and dtype (unless `dtype` is given) of the tensor `input`."""
    input = input if isinstance(input, Tensor) else Tensor(input)
    return _leaf("zeros_like", np.zeros(input.shape), input.dtype if dtype is None else dtype, requires_grad)


def ones_like(input, dtype=None, requires_grad=False):
    """Ones with the shape and dtype (unless `dtype` is given) of the tensor `input`."""
    input = input if isinstance(input, Tensor) else Tensor(input)
    return _leaf("ones_like", np.ones(input.shape), input.dtype if dtype is None else dtype, requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    """start, start + step, ... up to but not including `end` (arange(n): 0 .. n - 1), as in
    PyTorch: int64 when start, end and step are ints, else the default float. The values are
    start + i step computed in float64, then rounded once to `dtype`."""
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not np.isfinite(v):
            raise TypeError(f"arange: {name} must be a finite number, got {v!r}")
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise ValueError(f"arange: the step {step} goes away from end {end} (start {start}): "
                         "use a step of the other sign")
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = int64 if ints else get_default_dtype()
    count = math.ceil((end - start) / step)
    values = start + np.arange(count, dtype=np.int64 if np.dtype(dtype).kind in "iub" else np.float64) * step
    return _leaf("arange", values, dtype, requires_grad)


def cat(tensors, dim=0, *, axis=None):
    """The tensors joined along the existing axis `dim` (as torch.cat; `axis` is accepted for `dim`
    as in torch and NumPy). The op is ops.concatenate: each input's gradient is its slice of g."""
    return ops.concatenate(_sequence("cat", tensors), axis=_dim_or_axis("cat", dim, axis))


def stack(tensors, dim=0, *, axis=None):
    """The tensors (all of one shape) joined along a new axis `dim` (as torch.stack; `axis` as in cat)."""
    return ops.stack(_sequence("stack", tensors), axis=_dim_or_axis("stack", dim, axis))


def _dim_or_axis(name, dim, axis):
    if axis is None:
        return dim
    if dim != 0:
        raise TypeError(f"{name}: give dim or axis, not both (got dim={dim}, axis={axis})")
    return axis


def _sequence(name, tensors):
    if isinstance(tensors, (Tensor, np.ndarray)):
        raise TypeError(f"{name}: expected a list or tuple of tensors, got one {type(tensors).__name__} "
                        f"of shape {tensors.shape}; write {name}([a, b, ...])")
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{name}: expected a non-empty list of tensors")
    return tensors
