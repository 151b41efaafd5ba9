"""Containers: Sequential (only sequences), and the MLP builder (which fuses explicitly)."""
from ..activations import ACTIVATIONS, lookup
from . import activation as layers
from .linear import Linear
from .module import Module


class Sequential(Module):
    """Apply modules in order, each through its own __call__; they are registered as '0', '1', ....

    Sequential only sequences: Linear(...) followed by ReLU() are two ops. For the fused
    linear + activation op, use Linear(..., activation='relu') (MLP does)."""

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
        for module in self._modules.values():
            x = module(x)
        return x


def _layer_class(name):
    """The layer class of an activation, as the table names it (minigrad/activations.py)."""
    return getattr(layers, lookup(name, "MLP").layer)


def _activation(spec):
    """A name of the activation table, (name, argument) for one that takes an argument, or a Module
    class or factory."""
    if isinstance(spec, str):
        return _layer_class(spec)()
    if isinstance(spec, tuple) and spec and spec[0] in ACTIVATIONS and ACTIVATIONS[spec[0]].argument:
        return _layer_class(spec[0])(*spec[1:])
    if callable(spec):
        module = spec()
        if not isinstance(module, Module):
            raise ValueError(f"MLP: activation factory {spec!r} returned a {type(module).__name__}, not a Module")
        return module
    raise ValueError(f"MLP: cannot make an activation from {spec!r}")


def _fusable(module):
    """(name, slope) of an activation layer the fused Linear can apply, else None."""
    row = ACTIVATIONS.get(getattr(type(module), "activation", None))
    if row is None or type(module) is not getattr(layers, row.layer):
        return None
    slope = getattr(module, row.argument[0]) if row.argument else 0.01
    return (row.name, slope) if row.valid(slope) else None


class MLP(Sequential):
    """Linear layers of the given sizes with `activation` between them and `out_activation` (or none)
    after the last, each activation fused into the Linear before it:

        MLP([5, 128, 15], 'relu')  ==  Linear(5, 128, activation='relu'), Linear(128, 15)

    The layers keep the names that torch.nn.Sequential(Linear, ReLU, Linear) gives them ('0',
    '2'; the activations, which have no parameters, would be '1'), so a state_dict copies into
    that PyTorch model key for key. An activation that cannot be fused (a Module factory, a layer
    whose argument breaks its row's rule) stays a layer of its own under its index."""

    def __init__(self, sizes, activation="relu", out_activation=None, rng=None):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP: needs at least an input and an output size, got {sizes}")
        layers = []   # the unfused torch-style list: Linear, act, Linear, act, ...
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(n_in, n_out, rng=rng))
            if i < len(sizes) - 2:
                layers.append(_activation(activation))
        if out_activation is not None:
            layers.append(_activation(out_activation))
        Sequential.__init__(self)
        index = 0
        while index < len(layers):
            layer = layers[index]
            fused = _fusable(layers[index + 1]) if index + 1 < len(layers) and isinstance(layer, Linear) else None
            if fused is not None:
                layer.activation, layer.negative_slope = fused
            self.add_module(str(index), layer)
            index += 2 if fused is not None else 1
        self.sizes = sizes
