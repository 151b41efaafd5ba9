"""Module and Parameter: the registration, traversal, modes and state of every layer.

A Module owns Parameters (learnable Tensors), buffers (plain arrays such as BatchNorm's running
statistics) and sub-Modules. Assigning any of them to an attribute registers it, so

    net = Sequential(Linear(2, 8), ReLU(), Linear(8, 1))
    [name for name, _ in net.named_parameters()]   # ['0.weight', '0.bias', '2.weight', '2.bias']

and `state_dict()` / `load_state_dict()` save and restore exactly those, by the same dotted names.
"""
from collections import OrderedDict

import numpy as np

from ..tensor import Tensor, resolve_dtype


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
        return int(sum(p.numel() for p in self.parameters()))

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


def as_tensor(x):
    """A layer's input as a Tensor (arrays and lists become constant tensors)."""
    return x if isinstance(x, Tensor) else Tensor(x)
