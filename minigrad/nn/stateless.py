"""functional_call: run a module with other tensors in place of its parameters (torch.func.functional_call).

    y = functional_call(D, {"0.weight": w1, "0.bias": b1, ...}, x)

is D(x) computed with w1, b1, ... instead of D's own Parameters. The stand-ins may be any Tensors,
in particular results of a recorded computation (parameters after an unrolled optimizer step), so
that y is differentiable with respect to whatever produced them. The module is back to its own
Parameters when the call returns (also after an error); names not given keep their Parameter.
"""
from .module import Module


def functional_call(module, parameters, *args, **kwargs):
    """module(*args, **kwargs) with `parameters` (dotted name -> Tensor) replacing its parameters."""
    if not isinstance(module, Module):
        raise TypeError(f"functional_call: expected a Module, got {type(module).__name__}")
    owners = {}
    for module_name, sub in module.named_modules():
        for name in sub._parameters:
            owners[f"{module_name}.{name}" if module_name else name] = (sub, name)
    unknown = sorted(set(parameters) - set(owners))
    if unknown:
        raise KeyError(f"functional_call: {type(module).__name__} has no parameters {unknown}; "
                       f"it has {sorted(owners)}")
    swapped = []
    try:
        for key, tensor in parameters.items():
            sub, name = owners[key]
            if tuple(tensor.shape) != tuple(sub._parameters[name].shape):
                raise ValueError(f"functional_call: {key} has shape {sub._parameters[name].shape}, "
                                 f"the stand-in has shape {tensor.shape}")
            # object.__setattr__: the attribute that forward reads, not the registry (which keeps the Parameter)
            object.__setattr__(sub, name, tensor)
            swapped.append((sub, name))
        return module(*args, **kwargs)
    finally:
        for sub, name in swapped:
            object.__setattr__(sub, name, sub._parameters[name])
