"""Embedding: a lookup table of learned vectors, one row per class (torch.nn.Embedding)."""
import numpy as np

from ..creation import default_generator
from ..tensor import Tensor, get_default_dtype, resolve_dtype
from ..arguments import positive_int
from .module import Module, Parameter


class Embedding(Module):
    """y = W[indices]: row i of the weight W (num_embeddings, embedding_dim) for each index i, as in
    PyTorch (same name `weight`, same shape, init N(0, 1)).

    It is the product one_hot(i) W written as a lookup: the backward rule of the row selection
    (ops.getitem) adds the incoming gradient into the selected rows (repeated indices add up), which
    is exactly one_hot^T g."""

    def __init__(self, num_embeddings, embedding_dim, rng=None, dtype=None):
        super().__init__()
        self.num_embeddings = positive_int("Embedding", "num_embeddings", num_embeddings)
        self.embedding_dim = positive_int("Embedding", "embedding_dim", embedding_dim)
        rng = default_generator() if rng is None else rng
        dtype = resolve_dtype(get_default_dtype() if dtype is None else dtype)
        self.weight = Parameter(rng.standard_normal((self.num_embeddings, self.embedding_dim)), dtype=dtype)

    def forward(self, indices):
        """The rows W[indices], shape indices.shape + (embedding_dim,)."""
        index = np.asarray(indices.data if isinstance(indices, Tensor) else indices)
        if index.dtype.kind not in "iu":
            raise TypeError(f"Embedding: indices must be integers, got dtype {index.dtype}")
        if index.size and (index.min() < 0 or index.max() >= self.num_embeddings):
            raise IndexError(f"Embedding: indices must lie in [0, {self.num_embeddings - 1}], "
                             f"got values from {index.min()} to {index.max()}")
        return self.weight[index.astype(np.intp)]

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
