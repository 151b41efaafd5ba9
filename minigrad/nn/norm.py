"""Normalisation layers: BatchNorm1d, BatchNorm2d (one class behind both) and LayerNorm."""
import numbers

import numpy as np

from .. import ops
from ..batchnorm import batch_normalize
from ..tensor import Tensor, get_default_dtype, no_grad, resolve_dtype
from ..arguments import positive_int
from .module import Module, Parameter, as_tensor


class _BatchNorm(Module):
    """Batch normalisation, channel by channel (PyTorch semantics). For an input (N, C, ...) each
    channel c is normalised over all its n = N x (spatial size) values. Training mode, with the
    batch mean and the biased batch variance (divide by n):

        mu_c = mean x,   var_c = mean (x - mu_c)^2,   y = weight_c (x - mu_c) / sqrt(var_c + eps) + bias_c

    and the running statistics (buffers, not learned) move towards the batch ones, the variance
    entering UNBIASED (divide by n - 1):

        running_mean = (1 - momentum) running_mean + momentum mu
        running_var  = (1 - momentum) running_var  + momentum var n / (n - 1)

    Eval mode uses them instead:  y = weight (x - running_mean) / sqrt(running_var + eps) + bias.
    weight starts at 1 and bias at 0 (affine=False drops both); num_batches_tracked counts the
    training batches, as in PyTorch's state_dict."""
    input_dims = ()          # the input ranks a subclass accepts
    layout = ""              # how to say them in an error message

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, dtype=None):
        super().__init__()
        name = type(self).__name__
        num_features = positive_int(name, "num_features", num_features)
        dtype = resolve_dtype(get_default_dtype() if dtype is None else dtype)
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))
        self.register_buffer("num_batches_tracked", np.array(0, dtype=np.int64))

    def forward(self, x):
        x = as_tensor(x)
        name, C = type(self).__name__, self.num_features
        if x.ndim not in self.input_dims or x.shape[1] != C:
            raise ValueError(f"{name}: expected input of shape {self.layout.format(C=C)}, got {x.shape}")
        shape = (1, C) + (1,) * (x.ndim - 2)
        if self.training:
            n = x.numel() // C
            if n < 2:
                raise ValueError(f"{name}: training needs more than 1 value per channel, got input {x.shape}")
            # x_hat = (x - mu) / sqrt(var + eps) as one op (minigrad/batchnorm.py), mu and var as arrays
            x_hat, mu, var = batch_normalize(x, self.eps)
            with no_grad():
                m, dtype = self.momentum, self.running_mean.dtype
                self.running_mean = ((1 - m) * self.running_mean + m * mu).astype(dtype)
                self.running_var = ((1 - m) * self.running_var + m * var * (n / (n - 1))).astype(dtype)
                self.num_batches_tracked = self.num_batches_tracked + 1
        else:
            mean = Tensor(self.running_mean.reshape(shape).astype(x.dtype, copy=False))
            std = Tensor(np.sqrt(self.running_var + self.eps).reshape(shape).astype(x.dtype, copy=False))
            x_hat = (x - mean) / std
        if self.affine:
            return x_hat * ops.reshape(self.weight, shape) + ops.reshape(self.bias, shape)
        return x_hat

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"


class BatchNorm1d(_BatchNorm):
    __doc__ = "Batch normalisation of (N, C) or (N, C, L) inputs. " + _BatchNorm.__doc__
    input_dims = (2, 3)
    layout = "(batch, {C}) or (batch, {C}, length)"


class BatchNorm2d(_BatchNorm):
    __doc__ = "Batch normalisation of images (N, C, H, W), per channel over N, H and W. " + _BatchNorm.__doc__
    input_dims = (4,)
    layout = "(batch, {C}, height, width)"


class LayerNorm(Module):
    """Normalisation of each sample over its last axes (PyTorch's LayerNorm): for the values x of
    one sample over `normalized_shape`,

        y = (x - mean x) / sqrt(var x + eps) * weight + bias      (biased variance)

    with weight and bias of shape normalized_shape (ones and zeros at first). It does not mix the
    samples of a batch, which is why the WGAN-GP paper uses it in critics: the gradient penalty is
    a per-sample quantity, and batch norm would make each sample's critic value depend on the
    others."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
        for size in shape:
            positive_int("LayerNorm", "normalized_shape", size)
        dtype = resolve_dtype(get_default_dtype() if dtype is None else dtype)
        self.normalized_shape, self.eps, self.elementwise_affine = tuple(int(s) for s in shape), eps, elementwise_affine
        self.weight = Parameter(np.ones(shape), dtype=dtype) if elementwise_affine else None
        self.bias = Parameter(np.zeros(shape), dtype=dtype) if elementwise_affine else None

    def forward(self, x):
        x = as_tensor(x)
        k = len(self.normalized_shape)
        if x.shape[x.ndim - k:] != self.normalized_shape or x.ndim < k:
            raise ValueError(f"LayerNorm: the last axes of the input {x.shape} must be {self.normalized_shape}")
        axes = tuple(range(x.ndim - k, x.ndim))
        mu = ops.mean(x, axis=axes, keepdims=True)
        centered = x - mu
        var = ops.mean(centered * centered, axis=axes, keepdims=True)
        x_hat = centered / ops.sqrt(var + self.eps)
        return x_hat * self.weight + self.bias if self.elementwise_affine else x_hat

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
