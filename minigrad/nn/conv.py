"""Convolution layers: Conv2d and ConvTranspose2d (PyTorch's layouts, arguments and initialisation)."""
import math

from .. import convolution
from ..arguments import check_image, pair, positive_int
from ..creation import default_generator
from ..tensor import get_default_dtype, resolve_dtype
from .module import Module, Parameter, as_tensor


class _Conv(Module):
    """The shared part: sizes as pairs, weights drawn as PyTorch draws them."""

    def __init__(self, in_channels, out_channels, kernel_size, stride, padding, dilation, bias, rng, dtype,
                 weight_shape):
        super().__init__()
        name = type(self).__name__
        self.in_channels = positive_int(name, "in_channels", in_channels)
        self.out_channels = positive_int(name, "out_channels", out_channels)
        self.kernel_size = pair(name, "kernel_size", kernel_size, 1)
        self.stride = pair(name, "stride", stride, 1)
        self.padding = pair(name, "padding", padding, 0)
        self.dilation = pair(name, "dilation", dilation, 1)
        shape = weight_shape(self.in_channels, self.out_channels) + self.kernel_size
        # PyTorch: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, fan_in = weight.shape[1] kh kw
        bound = 1.0 / math.sqrt(shape[1] * self.kernel_size[0] * self.kernel_size[1])
        rng = default_generator() if rng is None else rng
        dtype = resolve_dtype(get_default_dtype() if dtype is None else dtype)
        self.weight = Parameter(rng.uniform(-bound, bound, shape), dtype=dtype)
        self.bias = Parameter(rng.uniform(-bound, bound, (self.out_channels,)), dtype=dtype) if bias else None

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0, 0):
            text += f", padding={self.padding}"
        if self.dilation != (1, 1):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv2d(_Conv):
    """y = conv2d(x, W, b): x (N, in_channels, H, W) -> (N, out_channels, H_out, W_out), with
    W (out_channels, in_channels, kh, kw), b (out_channels,) and
    H_out = floor((H + 2 padding - dilation (kh - 1) - 1) / stride) + 1 (see minigrad/convolution.py).

    Initialisation as PyTorch's: weight and bias from U(-1/sqrt(fan_in), +1/sqrt(fan_in)) with
    fan_in = in_channels kh kw (PyTorch words it as Kaiming-uniform with a = sqrt(5)). Pass `rng`
    (a numpy Generator) for reproducible weights, or seed the default one with mg.manual_seed."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True,
                 rng=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias, rng, dtype,
                         lambda i, o: (o, i))

    def forward(self, x):
        x = as_tensor(x)
        check_image(f"Conv2d({self.extra_repr()})", x, self.in_channels, "the layer")
        return convolution.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class ConvTranspose2d(_Conv):
    """The transposed convolution: x (N, in_channels, H, W) -> (N, out_channels, H_out, W_out) with
    H_out = (H - 1) stride - 2 padding + dilation (kh - 1) + output_padding + 1, weight
    (in_channels, out_channels, kh, kw) (PyTorch's layout, the transpose of Conv2d's).

    Initialisation as PyTorch's: U(-1/sqrt(fan_in), +1/sqrt(fan_in)) for weight and bias, where
    PyTorch takes fan_in from the weight's second axis: fan_in = out_channels kh kw."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 dilation=1, bias=True, rng=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, bias, rng, dtype,
                         lambda i, o: (i, o))
        self.output_padding = pair("ConvTranspose2d", "output_padding", output_padding, 0)

    def forward(self, x):
        x = as_tensor(x)
        check_image(f"ConvTranspose2d({self.extra_repr()})", x, self.in_channels, "the layer")
        return convolution.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding,
                                            self.output_padding, self.dilation)

    def extra_repr(self):
        text = super().extra_repr()
        return text + (f", output_padding={self.output_padding}" if self.output_padding != (0, 0) else "")

