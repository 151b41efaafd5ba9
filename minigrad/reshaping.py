"""PyTorch's reshaping methods: view, squeeze, unsqueeze, flatten.

Each one only works out a new shape and calls the reshape op (ops.reshape), so they share its one
backward rule (dL/dx = g reshaped back) and its gradients of gradients:

    x.view(2, -1)           (2, 3, 4) -> (2, 12): -1 is worked out from the number of elements
    x.squeeze()             every axis of length 1 removed; squeeze(d) removes axis d if its length is 1
    x.unsqueeze(d)          a new axis of length 1 at position d (d may be ndim: a new last axis)
    x.flatten(s, e)         axes s..e merged into one (all of them by default: a 1-D tensor)

Dims count from the end when negative, as in PyTorch, and a dim out of range is an IndexError
that names the method, the dim and the shape. One difference: torch's view never copies and
refuses a tensor whose memory layout does not allow that (after a transpose, for instance);
minigrad's view is a reshape, which copies when it must, so it never refuses.
"""
import math
import numbers

from . import ops
from .tensor import Tensor, normalize_dim


def _shape_args(name, shape):
    """view(2, 3) and view((2, 3)) alike: the shape as a tuple of ints."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral):
            raise TypeError(f"{name}: the shape must be ints, got {shape!r}")
    return tuple(int(n) for n in shape)


def inferred_shape(name, shape, old_shape):
    """`shape` with its one -1 replaced by what makes the element count that of `old_shape`."""
    numel = math.prod(old_shape)
    if shape.count(-1) > 1:
        raise ValueError(f"{name}: only one dimension can be -1 (inferred), got {shape}")
    if any(n < -1 for n in shape):
        raise ValueError(f"{name}: invalid dimension {min(shape)} in shape {shape}")
    known = math.prod(n for n in shape if n != -1)
    if -1 in shape:
        if known == 0:
            raise ValueError(f"{name}: cannot infer the -1 in shape {shape}: the other dimensions hold "
                             f"0 elements, so any length would do (tensor of shape {old_shape})")
        if numel % known:
            raise ValueError(f"{name}: shape {shape} is invalid for a tensor of shape {old_shape} "
                             f"({numel} elements are not a multiple of {known})")
        shape = tuple(numel // known if n == -1 else n for n in shape)
    elif known != numel:
        raise ValueError(f"{name}: shape {shape} ({known} elements) is invalid for a tensor of shape "
                         f"{old_shape} ({numel} elements)")
    return shape


def view(x, *shape):
    """x with the same elements in `shape` (one entry may be -1: worked out from the rest), as
    torch's x.view(...). A reshape: it never fails on a transposed tensor, as torch's view does."""
    return ops.reshape(x, inferred_shape("view", _shape_args("view", shape), x.shape))


def squeeze(x, dim=None):
    """x without axes of length 1: all of them (dim=None), or axis `dim` (an int or a tuple of
    ints) when its length is 1; an axis longer than 1 is kept, as in PyTorch."""
    extra = 1 if x.ndim == 0 else 0
    if dim is None:
        dims = range(x.ndim)
    elif isinstance(dim, (tuple, list)):
        dims = {normalize_dim("squeeze", d, x.shape, extra) for d in dim}
    else:
        dims = {normalize_dim("squeeze", dim, x.shape, extra)}
    return ops.reshape(x, tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1)))


def unsqueeze(x, dim):
    """x with a new axis of length 1 at position `dim` (in [-ndim - 1, ndim], as in PyTorch)."""
    dim = normalize_dim("unsqueeze", dim, x.shape, extra=1)
    return ops.reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def flatten(x, start_dim=0, end_dim=-1):
    """Axes start_dim..end_dim (inclusive) merged into one; a 0-d tensor becomes shape (1,)."""
    extra = 1 if x.ndim == 0 else 0
    start = normalize_dim("flatten", start_dim, x.shape, extra)
    end = normalize_dim("flatten", end_dim, x.shape, extra)
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for a tensor of shape {x.shape}")
    if x.ndim == 0:
        return ops.reshape(x, (1,))
    return ops.reshape(x, x.shape[:start] + (math.prod(x.shape[start:end + 1]),) + x.shape[end + 1:])


Tensor.view, Tensor.squeeze, Tensor.unsqueeze, Tensor.flatten = view, squeeze, unsqueeze, flatten
