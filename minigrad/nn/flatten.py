"""Flatten and Unflatten: reshapes between a feature vector and an image-shaped tensor."""
import numbers

from .. import ops
from ..reshaping import flatten
from ..arguments import positive_int
from .module import Module, as_tensor


class Flatten(Module):
    """Merge axes start_dim..end_dim into one: (N, C, H, W) -> (N, C H W) with the defaults."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return flatten(as_tensor(x), self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis `dim` into `unflattened_size`: Unflatten(1, (128, 7, 7)) turns (N, 6272) into
    (N, 128, 7, 7), as the DCGAN generator does after its projection of z."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(dim, numbers.Integral):
            raise ValueError(f"Unflatten: dim must be an int, got {dim!r}")
        self.dim = int(dim)
        self.unflattened_size = tuple(positive_int("Unflatten", "unflattened_size", n) for n in unflattened_size)

    def forward(self, x):
        x = as_tensor(x)
        dim = self.dim % max(x.ndim, 1)
        size = 1
        for n in self.unflattened_size:
            size *= n
        if x.shape[dim] != size:
            raise ValueError(f"Unflatten: axis {self.dim} of the input {x.shape} has {x.shape[dim]} values, "
                             f"{self.unflattened_size} needs {size}")
        return ops.reshape(x, x.shape[:dim] + self.unflattened_size + x.shape[dim + 1:])

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
