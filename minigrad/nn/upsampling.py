"""Upsample: nearest-neighbour resizing (see minigrad/convolution.py interpolate)."""
from .. import convolution
from .module import Module, as_tensor


class Upsample(Module):
    """Resize (N, C, H, W) images by `scale_factor` (or to `size`), copying the nearest pixel."""

    def __init__(self, size=None, scale_factor=None, mode="nearest"):
        super().__init__()
        if mode != "nearest":
            raise ValueError(f"Upsample: only mode='nearest' is implemented, got {mode!r}")
        if (size is None) == (scale_factor is None):
            raise ValueError("Upsample: give exactly one of size and scale_factor")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode

    def forward(self, x):
        return convolution.interpolate(as_tensor(x), self.size, self.scale_factor, self.mode)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"
