"""Modules: parameters, layers and containers (the torch.nn vocabulary GANs need).

A Module owns Parameters (learnable Tensors), buffers (plain arrays such as BatchNorm's running
statistics) and sub-Modules. Assigning any of them to an attribute registers it, so

    net = Sequential(Linear(2, 8), ReLU(), Linear(8, 1))
    [name for name, _ in net.named_parameters()]   # ['0.weight', '0.bias', '2.weight', '2.bias']

and `state_dict()` / `load_state_dict()` save and restore exactly those, by the same dotted names.
"""
import math
from collections import OrderedDict

import numpy as np

from . import functional as F
from . import ops
from .tensor import Tensor, get_default_dtype, no_grad, resolve_dtype


class Parameter(Tensor):
    """A Tensor that is a learnable weight of a Module (requires grad)."""
    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class StateDictError(KeyError, ValueError):
    """load_state_dict: a key is missing or unexpected, or an array has the wrong shape.
    (Both a KeyError and a ValueError, so either `except` catches it.)"""

    def __str__(self):  # KeyError would print the message in quotes
        return str(self.args[0]) if self.args else ""


class Module:
    """Base class: assigning a Parameter, a Module or (after register_buffer) an array registers it.

    Subclasses call `super().__init__()` first and define `forward`; `module(x)` calls `forward(x)`.
    """

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())  # name -> None (the array is the attribute)
        object.__setattr__(self, "training", True)

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        is_buffer = name in self._buffers and not isinstance(value, (Parameter, Module))
        for registry in (self._parameters, self._modules):
            registry.pop(name, None)
        if not is_buffer:
            self._buffers.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array):
        """A non-learnable array saved in state_dict (e.g. BatchNorm running statistics).
        Reassigning `self.<name> = new_array` later keeps it registered."""
        self._buffers[name] = None
        object.__setattr__(self, name, None if array is None else np.asarray(array))

    def add_module(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} is a {type(module).__name__}, not a Module")
        setattr(self, name, module)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix=""):
        """(dotted name, module) for this module ('' or `prefix`) and every sub-module, depth first."""
        yield prefix, self
        for name, module in self._modules.items():
            yield from module.named_modules(f"{prefix}.{name}" if prefix else name)

    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) pairs, e.g. ('net.0.weight', ...), in registration order."""
        for module_name, module in self.named_modules(prefix):
            for name, p in module._parameters.items():
                yield (f"{module_name}.{name}" if module_name else name), p

    def parameters(self):
        return [p for _, p in self.named_parameters()]

    def named_buffers(self, prefix=""):
        """(dotted name, array) pairs for every registered buffer that is not None."""
        for module_name, module in self.named_modules(prefix):
            for name in module._buffers:
                array = getattr(module, name)
                if array is not None:
                    yield (f"{module_name}.{name}" if module_name else name), array

    def _buffer_slots(self):
        """dotted name -> (owning module, attribute name), for load_state_dict."""
        slots = {}
        for module_name, module in self.named_modules():
            for name in module._buffers:
                if getattr(module, name) is not None:
                    slots[f"{module_name}.{name}" if module_name else name] = (module, name)
        return slots

    def num_parameters(self):
        return int(sum(p.size for p in self.parameters()))

    # ------------------------------------------------------------------ modes and dtypes
    def zero_grad(self):
        """Forget the gradients of all parameters (set `.grad` to None)."""
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Set training mode on this module and every sub-module (Dropout drops, BatchNorm uses batch stats)."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode: Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def to(self, dtype):
        """Cast every parameter and floating-point buffer to `dtype` in place (float32 or float64).
        The Parameter objects stay the same (an optimizer holding them keeps working); grads are dropped."""
        dtype = resolve_dtype(dtype)
        for p in self.parameters():
            if p.data.dtype != dtype:
                p.data = p.data.astype(dtype)
                p.grad = None
        for module in self.modules():
            for name in module._buffers:
                array = getattr(module, name)
                if array is not None and array.dtype.kind == "f":
                    object.__setattr__(module, name, array.astype(dtype))
        return self

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    # ------------------------------------------------------------------ state
    def state_dict(self):
        """OrderedDict: dotted name -> ndarray copy, for every parameter, then every buffer."""
        state = OrderedDict((name, p.data.copy()) for name, p in self.named_parameters())
        for name, array in self.named_buffers():
            state[name] = np.array(array, copy=True)
        return state

    def load_state_dict(self, state, strict=True):
        """Copy the arrays (or Tensors) in `state` into this module's parameters and buffers.

        Everything is checked before anything is copied, so a failed load changes nothing.
        With strict=True a missing or unexpected key raises StateDictError; with strict=False they
        are skipped and returned as (missing_keys, unexpected_keys). A shape mismatch always raises.
        Values are cast to the dtype of the parameter they replace."""
        params = dict(self.named_parameters())
        buffers = self._buffer_slots()
        expected = list(params) + list(buffers)
        missing = [name for name in expected if name not in state]
        unexpected = [name for name in state if name not in params and name not in buffers]
        if strict and (missing or unexpected):
            problems = []
            if missing:
                problems.append(f"missing keys {missing}")
            if unexpected:
                problems.append(f"unexpected keys {unexpected}")
            raise StateDictError(f"{type(self).__name__}.load_state_dict: " + " and ".join(problems)
                                 + f" (the model has {expected})")
        arrays = {}
        for name in expected:
            if name not in state:
                continue
            value = state[name]
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            target = params[name].data if name in params else getattr(*buffers[name])
            if array.shape != target.shape:
                raise StateDictError(f"{type(self).__name__}.load_state_dict: '{name}' has shape {array.shape} "
                                     f"in the state dict but {target.shape} in the model")
            arrays[name] = array.astype(target.dtype, copy=True)
        for name, array in arrays.items():
            if name in params:
                params[name].data = array
            else:
                object.__setattr__(*buffers[name], array)
        return missing, unexpected

    # ------------------------------------------------------------------ printing
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def _shapes_note(self):
        shapes = [f"{name} {tuple(p.shape)}" for name, p in self._parameters.items()]
        shapes += [f"{name} {tuple(getattr(self, name).shape)}" for name in self._buffers
                   if getattr(self, name) is not None]
        return f"  # {', '.join(shapes)}" if shapes else ""

    def __repr__(self):
        """The layer tree, one module a line, with the shapes of each module's own parameters:

        Sequential(
          (0): Linear(in_features=2, out_features=8, bias=True)  # weight (8, 2), bias (8,)
          (1): ReLU()
        )"""
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not self._modules:
            return head + ")" + self._shapes_note()
        lines = [head + self._shapes_note()]
        for name, module in self._modules.items():
            child = repr(module).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child}")
        return "\n".join(lines) + "\n)"


# ============================================================================ layers

def _as_tensor(x):
    return x if isinstance(x, Tensor) else Tensor(x)


class Linear(Module):
    """y = x W^T + b, with W of shape (out_features, in_features) and b of shape (out_features,),
    as in PyTorch.

    Initialisation (PyTorch's default, so results are comparable): every entry of W and of b is drawn
    independently from U(-1/sqrt(in_features), +1/sqrt(in_features)). (PyTorch words this as
    Kaiming-uniform with a = sqrt(5) for W, which gives the same bound.) Pass `rng`, a numpy
    Generator, for reproducible weights; the dtype is minigrad's default dtype (or `dtype`)."""

    def __init__(self, in_features, out_features, bias=True, rng=None, dtype=None):
        super().__init__()
        if in_features < 1 or out_features < 1:
            raise ValueError(f"Linear: sizes must be positive, got ({in_features}, {out_features})")
        rng = np.random.default_rng() if rng is None else rng
        dtype = resolve_dtype(dtype or get_default_dtype())
        bound = 1.0 / math.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(rng.uniform(-bound, bound, (out_features, in_features)), dtype=dtype)
        self.bias = Parameter(rng.uniform(-bound, bound, (out_features,)), dtype=dtype) if bias else None

    def forward(self, x, activation="none", negative_slope=0.01):
        """x W^T + b; Sequential passes the activation that follows, to run both as one fused op."""
        x = _as_tensor(x)
        shape = x.data.shape
        if not shape or shape[-1] != self.in_features:
            raise ValueError(f"Linear: input of shape {shape} has {shape[-1] if shape else 0} features, "
                             f"the layer expects {self.in_features}")
        return ops.linear(x, self.weight, self.bias, activation, negative_slope)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class ReLU(Module):
    """y = max(x, 0)."""

    def forward(self, x):
        return ops.relu(_as_tensor(x))


class LeakyReLU(Module):
    """y = x for x > 0, negative_slope * x otherwise."""

    def __init__(self, negative_slope=0.01):
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, x):
        return F.leaky_relu(_as_tensor(x), self.negative_slope)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """y = tanh(x)."""

    def forward(self, x):
        return ops.tanh(_as_tensor(x))


class Sigmoid(Module):
    """y = 1 / (1 + e^-x)."""

    def forward(self, x):
        return ops.sigmoid(_as_tensor(x))


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
        return F.dropout(_as_tensor(x), self.p, training=self.training, rng=self.rng)

    def extra_repr(self):
        return f"p={self.p}"


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
        dtype = resolve_dtype(dtype or get_default_dtype())
        self.num_features, self.eps, self.momentum, self.affine = num_features, eps, momentum, affine
        self.weight = Parameter(np.ones(num_features), dtype=dtype) if affine else None
        self.bias = Parameter(np.zeros(num_features), dtype=dtype) if affine else None
        self.register_buffer("running_mean", np.zeros(num_features, dtype=dtype))
        self.register_buffer("running_var", np.ones(num_features, dtype=dtype))

    def forward(self, x):
        x = _as_tensor(x)
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


# ============================================================================ containers

class Sequential(Module):
    """Apply modules in order; they are registered as '0', '1', ... ."""

    def __init__(self, *modules):
        super().__init__()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, x):
        modules = list(self._modules.values())
        i = 0
        while i < len(modules):
            module = modules[i]
            activation = _fusable_activation(modules[i + 1]) if i + 1 < len(modules) else None
            if isinstance(module, Linear) and activation is not None:
                # Linear followed by an activation runs as one fused op (same math, one graph node)
                x = module.forward(x, *activation)
                i += 2
            else:
                x = module(x)
                i += 1
        return x


def _fusable_activation(module):
    """(name, slope) of an activation that ops.linear can apply in the same pass, else None."""
    kind = type(module)
    if kind is ReLU:
        return ("relu", 0.01)
    if kind is LeakyReLU and module.negative_slope > 0:
        return ("leaky_relu", module.negative_slope)
    if kind is Tanh:
        return ("tanh", 0.01)
    if kind is Sigmoid:
        return ("sigmoid", 0.01)
    return None


_ACTIVATIONS = {"relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU}


def _activation(spec):
    """'relu' | 'tanh' | 'sigmoid' | 'leaky_relu' | ('leaky_relu', slope) | a Module class or factory."""
    if isinstance(spec, str):
        if spec not in _ACTIVATIONS:
            raise ValueError(f"MLP: unknown activation {spec!r}; choose one of {sorted(_ACTIVATIONS)}")
        return _ACTIVATIONS[spec]()
    if isinstance(spec, tuple) and spec and spec[0] == "leaky_relu":
        return LeakyReLU(*spec[1:])
    if callable(spec):
        module = spec()
        if not isinstance(module, Module):
            raise ValueError(f"MLP: activation factory {spec!r} returned a {type(module).__name__}, not a Module")
        return module
    raise ValueError(f"MLP: cannot make an activation from {spec!r}")


class MLP(Sequential):
    """Linear layers of the given sizes with `activation` between them and `out_activation` (or none)
    after the last: MLP([5, 128, 15], 'relu') is Linear(5, 128), ReLU, Linear(128, 15)."""

    def __init__(self, sizes, activation="relu", out_activation=None, rng=None):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: needs at least an input and an output size, got {sizes}")
        layers = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, rng=rng))
            if i < len(sizes) - 2:
                layers.append(_activation(activation))
        if out_activation is not None:
            layers.append(_activation(out_activation))
        super().__init__(*layers)
        self.sizes = sizes
