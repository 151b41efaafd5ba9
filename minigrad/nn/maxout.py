"""Maxout (Goodfellow et al., 2013): the max of k affine pieces, the layer of PacGAN's discriminator."""
from .. import ops
from .linear import Linear
from ..arguments import check_features, positive_int
from .module import Module, as_tensor


class Maxout(Module):
    """y_j = max_{k < pieces} (x W^T + b)_{j * pieces + k},   j = 0 .. out_features - 1.

    One Linear(in_features, out_features * pieces), whose outputs are read as out_features groups of
    `pieces` consecutive units, then the max over each group. torch.nn has no Maxout; the usual
    PyTorch writing is `linear(x).view(..., out_features, pieces).max(-1)`, and this layer keeps that
    layout and names its Linear `linear`, so the state_dict keys are `linear.weight` (shape
    (out_features * pieces, in_features)) and `linear.bias`.

    Gradient: dL/dx = W_sel^T g, where row j of W_sel is the row of W of the winning piece of unit j
    (a piecewise-linear function: between ties it is affine; ties split g equally, as ops.max does,
    and have probability zero for continuous inputs)."""

    def __init__(self, in_features, out_features, pieces, bias=True, rng=None, dtype=None):
        super().__init__()
        self.in_features = positive_int("Maxout", "in_features", in_features)
        self.out_features = positive_int("Maxout", "out_features", out_features)
        self.pieces = positive_int("Maxout", "pieces", pieces)
        self.linear = Linear(in_features, out_features * pieces, bias=bias, rng=rng, dtype=dtype)

    def forward(self, x):
        """max over pieces of Linear(x), for x of shape (..., in_features) -> (..., out_features)."""
        x = as_tensor(x)
        shape = x.data.shape
        check_features("Maxout", shape, self.in_features)
        z = self.linear(x)
        z = ops.reshape(z, *shape[:-1], self.out_features, self.pieces)
        return ops.max(z, axis=-1)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}"
