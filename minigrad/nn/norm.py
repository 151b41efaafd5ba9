"""Normalisation layers."""
import numpy as np

from .. import ops
from ..tensor import Tensor, get_default_dtype, no_grad, resolve_dtype
from .module import Module, Parameter, as_tensor, positive_int


class BatchNorm1d(Module):
    """Batch normalisation of a (batch, num_features) input, feature by feature (PyTorch semantics).

    Training mode, with the batch mean and the biased batch variance (divide by n):

        mu = mean_i x_i,   var = mean_i (x_i - mu)^2,   y = weight * (x - mu) / sqrt(var + eps) + bias

    and the running statistics (buffers, not learned) move towards the batch ones, the variance
    entering UNBIASED (divide by n - 1):

        running_mean = (1 - momentum) running_mean + momentum mu
        running_var  = (1 - momentum) running_var  + momentum var n / (n - 1)

    Eval mode uses them instead:  y = weight * (x - running_mean) / sqrt(running_var + eps) + bias.
    weight starts at 1 and bias at 0 (affine=False drops both)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, dtype=None):
        super().__init__()
        num_features = positive_int("BatchNorm1d", "num_features", num_features)
        dtype = resolve_dtype(dtype or get_default_dtype())
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))

    def forward(self, x):
        x = as_tensor(x)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"BatchNorm1d: expected input of shape (batch, {self.num_features}), got {x.shape}")
        if self.training:
            n = x.shape[0]
            if n < 2:
                raise ValueError(f"BatchNorm1d: training needs more than 1 value per feature, got input {x.shape}")
            mu = ops.mean(x, axis=0)
            centered = x - mu
            var = ops.mean(centered * centered, axis=0)
            with no_grad():
                m, dtype = self.momentum, self.running_mean.dtype
                self.running_mean = ((1 - m) * self.running_mean + m * mu.data).astype(dtype)
                self.running_var = ((1 - m) * self.running_var + m * var.data * (n / (n - 1))).astype(dtype)
            x_hat = centered / ops.sqrt(var + self.eps)
        else:
            mean = Tensor(self.running_mean.astype(x.dtype, copy=False))
            std = Tensor(np.sqrt(self.running_var + self.eps).astype(x.dtype, copy=False))
            x_hat = (x - mean) / std
        if self.affine:
            return x_hat * self.weight + self.bias
        return x_hat

    def extra_repr(self):
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}"
