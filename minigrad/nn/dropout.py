"""Dropout."""
from .. import functional as F
from ..creation import default_generator
from ..tensor import Tensor
from .module import Module, as_tensor


class Dropout(Module):
    """In training mode, zero each element with probability p and multiply the survivors by 1/(1-p),
    so that E[y] = x; in eval mode, y = x. Pass `rng` (a numpy Generator) for reproducible masks, or seed the default one with mg.manual_seed."""

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = default_generator() if rng is None else rng

    def forward(self, x):
        return F.dropout(as_tensor(x), self.p, training=self.training, rng=self.rng)

    def extra_repr(self):
        return f"p={self.p}"


class Dropout2d(Module):
    """Channel dropout for images (N, C, H, W): in training mode each whole channel of each sample
    is zeroed with probability p and the others are multiplied by 1/(1-p); in eval mode, y = x.
    (Neighbouring pixels are correlated, so dropping single pixels would regularise little.)"""

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout2d: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = default_generator() if rng is None else rng

    def forward(self, x):
        x = as_tensor(x)
        if x.ndim != 4:
            raise ValueError(f"Dropout2d: input must be 4-D (N, C, H, W), got shape {x.shape}")
        if not self.training or self.p == 0.0:
            return x
        keep = (self.rng.random((x.shape[0], x.shape[1], 1, 1)) >= self.p) / (1.0 - self.p)
        return x * Tensor(keep.astype(x.dtype))

    def extra_repr(self):
        return f"p={self.p}"
