"""The argument checks that several modules share, each written once, each error naming the
caller (`where`), the argument and the value it got.

    pair           an int or an (h, w) pair of ints >= a minimum (convolution and pooling sizes)
    positive_int   a layer's size argument, an int >= 1
    check_image    a 4-D (N, C, H, W) input with the expected channel count
    check_features an input (..., in_features) for a layer that reads the last axis
"""
import numbers

import numpy as np


def pair(where, name, value, minimum):
    """An int or a pair of ints >= minimum, as a pair; else a ValueError naming where and argument."""
    both = (value, value) if isinstance(value, numbers.Integral) else tuple(value) if isinstance(value, (tuple, list)) else None
    if (both is None or len(both) != 2 or
            not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum for v in both)):
        raise ValueError(f"{where}: {name} must be an int >= {minimum} or a pair of them, got {value!r}")
    return int(both[0]), int(both[1])


def positive_int(where, name, value):
    """A size argument as an int >= 1, or a ValueError naming where and the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be an int >= 1, got {value!r}")
    return int(value)


def check_image(where, x, channels, what):
    """x must be (N, C, H, W) with C = channels (`what` names who expects them: a weight, a layer)."""
    if x.ndim != 4:
        hint = " (one image? add the batch axis: x.reshape(1, *x.shape))" if x.ndim == 3 else ""
        raise ValueError(f"{where}: input must be 4-D (N, C, H, W), got shape {x.shape}{hint}")
    if x.shape[1] != channels:
        raise ValueError(f"{where}: {what} expects {channels} input channels, the input of shape {x.shape} "
                         f"has {x.shape[1]}")


def check_features(where, shape, in_features):
    """An input of `shape` (..., in_features), as a layer that reads the last axis needs."""
    if not shape or shape[-1] != in_features:
        raise ValueError(f"{where}: input of shape {shape} has {shape[-1] if shape else 0} features, "
                         f"the layer expects {in_features}")
