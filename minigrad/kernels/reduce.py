"""A reduction over one short axis (a Maxout's few pieces), done as a loop over its slices.

NumPy's ufunc.reduce over a short axis runs a slow inner loop per output element; applying the
ufunc to the slices in turn makes one vectorised pass over memory per slice (the figure is in
benchmarks/README.md, "Why auto picks what it picks"). Exact for max and for counts, so it is
not a backend choice: every backend runs it. Any other axis goes to ufunc.reduce.
"""
import numpy as np

#: the longest axis reduced slice by slice
SHORT_AXIS = 16


def _short_axis(a, axis):
    """The axis as an int when it is ONE valid axis of length 2..SHORT_AXIS, else None."""
    if a.ndim < 2 or axis is None:
        return None
    if isinstance(axis, tuple):
        if len(axis) != 1:
            return None
        axis = axis[0]
    if not isinstance(axis, (int, np.integer)) or not -a.ndim <= axis < a.ndim:
        return None
    k = int(axis) % a.ndim
    return k if 2 <= a.shape[k] <= SHORT_AXIS else None


def reduce(ufunc, a, axis, keepdims, name):
    """ufunc.reduce(a, axis, keepdims=keepdims), by slices over a short axis; an axis error names
    the op `name`."""
    k = _short_axis(a, axis)
    if k is None:
        try:
            return ufunc.reduce(a, axis=axis, keepdims=keepdims)
        except np.exceptions.AxisError:
            raise ValueError(f"{name}: axis {axis} is out of range for a tensor with {a.ndim} dimensions") from None
    take = [slice(None)] * a.ndim
    take[k] = 0
    out = np.array(a[tuple(take)])
    for i in range(1, a.shape[k]):
        take[k] = i
        ufunc(out, a[tuple(take)], out=out)
    return np.expand_dims(out, k) if keepdims else out
