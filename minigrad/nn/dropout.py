"""Dropout."""
import numpy as np

from .. import functional as F
from .module import Module, as_tensor


class Dropout(Module):
    """In training mode, zero each element with probability p and multiply the survivors by 1/(1-p),
    so that E[y] = x; in eval mode, y = x. Pass `rng` (a numpy Generator) for reproducible masks."""

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p}")
        self.p = p
        self.rng = np.random.default_rng() if rng is None else rng

    def forward(self, x):
        return F.dropout(as_tensor(x), self.p, training=self.training, rng=self.rng)

    def extra_repr(self):
        return f"p={self.p}"
