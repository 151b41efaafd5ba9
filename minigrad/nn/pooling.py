"""Pooling layers: MaxPool2d and AvgPool2d (see minigrad/convolution.py)."""
from .. import convolution
from ..arguments import pair
from .module import Module, as_tensor


class _Pool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        name = type(self).__name__
        self.kernel_size = pair(name, "kernel_size", kernel_size, 1)
        self.stride = self.kernel_size if stride is None else pair(name, "stride", stride, 1)
        self.padding = pair(name, "padding", padding, 0)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """The largest value of each kernel_size window (stride: the kernel size unless given)."""

    def forward(self, x):
        return convolution.max_pool2d(as_tensor(x), self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool2d):
    """The mean of each kernel_size window (zero padding counted, as PyTorch's default)."""

    def forward(self, x):
        return convolution.avg_pool2d(as_tensor(x), self.kernel_size, self.stride, self.padding)
