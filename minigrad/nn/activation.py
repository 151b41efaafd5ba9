"""Activation layers: ReLU, LeakyReLU, Tanh, Sigmoid (rows of the table in minigrad/activations.py)."""
from .. import functional as F
from .. import ops
from .module import Module, as_tensor


class ReLU(Module):
    """y = max(x, 0)."""
    activation = "relu"

    def forward(self, x):
        return ops.relu(as_tensor(x))


class LeakyReLU(Module):
    """y = x for x > 0, negative_slope * x otherwise."""
    activation = "leaky_relu"

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(as_tensor(x), self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """y = tanh(x)."""
    activation = "tanh"

    def forward(self, x):
        return ops.tanh(as_tensor(x))


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)."""
    activation = "sigmoid"

    def forward(self, x):
        return ops.sigmoid(as_tensor(x))
