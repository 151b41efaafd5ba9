"""Composite functions built from the primitives in ops.py (their gradients follow automatically),
named as in torch.nn.functional.

Every loss here works from logits and stays finite for logits of any size: the identities used are

    softplus(x)         = log(1 + e^x)  = max(x, 0) + log1p(e^-|x|)
    log sigmoid(x)      = -softplus(-x)
    log(1 - sigmoid(x)) = -softplus(x)

so no exp() ever overflows and no log() ever sees 0. Normalisations keep their precision:
log_softmax(x) = (x - m) - log sum e^(x - m), never x - (m + log sum ...), which would lose the
log term next to a large m. The one loss on probabilities, binary_cross_entropy (PyTorch's
BCELoss), cannot avoid log(0) at p = 0 or 1: it clamps each log at -100, as PyTorch does.

The losses take `reduction` as PyTorch's: 'mean' (the default), 'sum' or 'none' (one loss per
element, or per sample for cross_entropy). The modules of minigrad/nn/loss.py wrap them.
"""
import numpy as np

from . import ops
from .activations import ACTIVATIONS
from .creation import default_generator
from .convolution import (avg_pool2d, conv2d, conv_transpose2d, fold, interpolate, max_pool2d,  # noqa: F401
                          pad, unfold)
from .fused import linear  # noqa: F401  (re-exported, as torch.nn.functional.linear)
from .ops import activation, relu, sigmoid, tanh  # noqa: F401  (re-exported)
from .tensor import Tensor, lift


def leaky_relu(x, negative_slope=0.01):
    """y = x if x > 0 else slope * x;  dy/dx = 1 or slope. (slope > 0: the activation table's
    row, derivative through y; slope <= 0: y > 0 no longer tells the side, so x is kept.)"""
    if ACTIVATIONS["leaky_relu"].valid(negative_slope):
        return activation(x, "leaky_relu", negative_slope)
    x = lift(x)
    return ops.where(x > 0, x, x * negative_slope)


def softplus(x):
    """softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|);  d/dx = sigmoid(x).
    (A primitive op, see minigrad.ops.softplus.)"""
    return ops.softplus(lift(x))


def log_sigmoid(x):
    """log sigmoid(x) = -softplus(-x);  d/dx = 1 - sigmoid(x) = sigmoid(-x)."""
    return -softplus(-lift(x))


def _shift(x, axis):
    """m = max of x over `axis` (kept dims) as a constant, 0 where it is not finite. The results
    below do not depend on m mathematically, so no gradient flows through it."""
    m = np.max(x.data, axis=axis, keepdims=True)
    return Tensor(np.where(np.isfinite(m), m, 0).astype(x.dtype))


def _reduced_shape(shape, axis):
    axes = range(len(shape)) if axis is None else [a % len(shape) for a in np.atleast_1d(axis)]
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def logsumexp(x, axis=None, keepdims=False):
    """log sum_i e^{x_i} = m + log sum_i e^{x_i - m} with m = max x;  d/dx_i = softmax(x)_i.
    Every e^{x_i - m} <= 1, so the sum cannot overflow for finite x."""
    x = lift(x)
    m = _shift(x, axis)
    total = ops.log(ops.sum(ops.exp(x - m), axis=axis, keepdims=True)) + m
    return total if keepdims else total.reshape(_reduced_shape(x.shape, axis))


def log_softmax(x, axis=-1):
    """log softmax(x)_i = (x_i - m) - log sum_j e^{x_j - m} (m = max x, see the module docstring)."""
    x = lift(x)
    shifted = x - _shift(x, axis)
    return shifted - ops.log(ops.sum(ops.exp(shifted), axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """softmax(x)_i = e^{x_i} / sum_j e^{x_j}, as exp(log_softmax(x))."""
    return ops.exp(log_softmax(x, axis=axis))


def _same_shape(name, a, b):
    if a.shape != b.shape:
        raise ValueError(f"{name}: input shape {a.shape} and target shape {b.shape} differ")


REDUCTIONS = ("mean", "sum", "none")


def check_reduction(name, reduction):
    """`reduction` if it is one of PyTorch's three, else a ValueError naming `name`."""
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")
    return reduction


def _reduce(losses, reduction):
    """The losses of the elements (or of the samples) reduced as PyTorch's losses do: 'mean' (the
    default) averages them, 'sum' adds them up, 'none' returns them as they are."""
    if reduction == "mean":
        return ops.mean(losses)
    if reduction == "sum":
        return ops.sum(losses)
    return losses


def binary_cross_entropy_with_logits(logits, targets, reduction="mean"):
    """-[t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))] = softplus(x) - t x for each element,
    reduced by `reduction` ('mean', 'sum' or 'none');   d/dx = sigmoid(x) - t per element (see
    ops.bce_with_logits), divided by n for the mean."""
    check_reduction("binary_cross_entropy_with_logits", reduction)
    logits = lift(logits)
    targets = lift(targets, logits)
    _same_shape("binary_cross_entropy_with_logits", logits, targets)
    return _reduce(ops.bce_with_logits(logits, targets), reduction)


def binary_cross_entropy(probs, targets, reduction="mean"):
    """-[t log p + (1 - t) log(1 - p)] for each element, each log clamped at -100 as in PyTorch
    (see ops.binary_cross_entropy), reduced by `reduction`. `probs` must lie in [0, 1]. From logits,
    use binary_cross_entropy_with_logits: it stays exact where sigmoid rounds to 0 or 1."""
    check_reduction("binary_cross_entropy", reduction)
    probs = lift(probs)
    targets = lift(targets, probs)
    _same_shape("binary_cross_entropy", probs, targets)
    if probs.numel() and not (probs.data.min() >= 0 and probs.data.max() <= 1):
        raise ValueError(f"binary_cross_entropy: the input must be probabilities in [0, 1], got values from "
                         f"{probs.data.min()} to {probs.data.max()} (for logits use "
                         "binary_cross_entropy_with_logits)")
    return _reduce(ops.binary_cross_entropy(probs, targets), reduction)


def _class_labels(labels, n, classes):
    """Class indices as an int array (n,): int64 tensors and arrays, or floats that are whole numbers
    (minigrad makes float32 of mg.tensor([0, 2]), where torch makes int64)."""
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.shape != (n,):
        raise ValueError(f"cross_entropy: the target must be class indices (n,) = ({n},) or class "
                         f"probabilities (n, C), got shape {labels.shape}")
    if labels.dtype.kind == "f" and not np.array_equal(labels, np.floor(labels)):
        raise ValueError(f"cross_entropy: class indices must be whole numbers, got {labels[labels != np.floor(labels)][0]}")
    if labels.dtype.kind not in "iuf":
        raise ValueError(f"cross_entropy: class indices must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"cross_entropy: labels must lie in [0, {classes - 1}], "
                         f"got values from {labels.min()} to {labels.max()}")
    return labels.astype(np.intp)


def cross_entropy(logits, labels, reduction="mean"):
    """-log softmax(logits)[label] for each of the n rows of logits (n, C), reduced by `reduction`
    over the batch. `labels` are class indices (n,) or, as in PyTorch, class probabilities (n, C)
    (a distribution per row): then the loss of a row is -sum_c p_c log softmax(logits)_c."""
    check_reduction("cross_entropy", reduction)
    logits = lift(logits)
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must be (n, C), got {logits.shape}")
    if np.shape(labels.data if isinstance(labels, Tensor) else labels) == logits.shape:
        probs = lift(labels, logits)
        return _reduce(-ops.sum(probs * log_softmax(logits, axis=1), axis=1), reduction)
    labels = _class_labels(labels, logits.shape[0], logits.shape[1])
    picked = log_softmax(logits, axis=1)[np.arange(logits.shape[0]), labels]
    return _reduce(-picked, reduction)


def mse_loss(input, target, reduction="mean"):
    """(input - target)^2 for each element, reduced by `reduction` ('mean', 'sum' or 'none')."""
    check_reduction("mse_loss", reduction)
    input = lift(input)
    target = lift(target, input)
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction)


def norm(x, axis=None, keepdims=False):
    """Euclidean norm sqrt(sum x^2) over `axis` (all elements when None)."""
    x = lift(x)
    return ops.sqrt(ops.sum(x * x, axis=axis, keepdims=keepdims))


def dropout(x, p=0.5, training=True, rng=None):
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training).
    The mask comes from `rng`, or from the default generator (mg.manual_seed)."""
    if not 0.0 <= p < 1.0:
        raise ValueError(f"dropout: p must be in [0, 1), got {p}")
    if not training or p == 0.0:
        return x
    rng = default_generator() if rng is None else rng
    keep = (rng.random(x.shape) >= p).astype(x.dtype) / (1.0 - p)
    return x * Tensor(keep.astype(x.dtype))
