"""minigrad: a tiny reverse-mode autodiff engine on NumPy, with Numba kernels for the heavy work.

    import minigrad as mg
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()          # x.grad == 2 x

tensor.py (Tensor, grad mode), autograd.py (the engine: apply, backward, grad, cast), ops.py (the primitives, each with its one vjp), activations.py
(the activation table), fused.py (linear + activation as one op), functional.py (composites),
creation.py (randn, zeros, arange, cat, ... as in torch), reshaping.py (view, squeeze, unsqueeze,
flatten), arguments.py (the shared argument checks), nn/ (layers), optim.py, gradcheck.py, graph.py,
serialization.py, kernels/ (NumPy and Numba).
"""
from .tensor import (AutogradError, Tensor, enable_grad, float32, float64, get_default_dtype, int64, is_grad_enabled,
                     no_grad, set_default_dtype, set_grad_enabled, tensor)
from .autograd import apply, grad
from .ops import (abs, broadcast_to, cast, clip, concatenate, exp, log, log1p, matmul, max, maximum,
                  mean, minimum, permute, relu, reshape, sigmoid, sqrt, sum, tanh, transpose, where)
from .fused import linear
from .creation import arange, cat, full, manual_seed, ones, ones_like, rand, randn, stack, zeros, zeros_like
from .reshaping import flatten, squeeze, unsqueeze
from .kernels import get_backend, set_backend
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import functional  # noqa: F401
from . import nn, optim  # noqa: F401
from .serialization import load, save

__version__ = "0.1.0"

