"""Containers: Sequential, and the MLP builder."""
from .activation import LeakyReLU, ReLU, Sigmoid, Tanh
from .linear import Linear
from .module import Module


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
    """(name, slope) of an activation that the fused ops.linear can apply in the same pass, else None."""
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
