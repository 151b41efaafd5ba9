"""Loss modules, as torch.nn's: BCEWithLogitsLoss, BCELoss, MSELoss, CrossEntropyLoss.

Each is a thin module over one function of minigrad.functional (where the formula and its
gradient are written down); `reduction` says what to do with the loss of each element (or, for
CrossEntropyLoss, of each sample): 'mean' (the default) averages, 'sum' adds, 'none' returns them.

    criterion = nn.BCEWithLogitsLoss()
    loss = criterion(D(x), mg.ones(len(x), 1))      # -mean log sigmoid(D(x))

Prefer BCEWithLogitsLoss to Sigmoid followed by BCELoss: it works from the logits and stays exact
for logits of any size, where BCELoss has to clamp its logs at -100 (as PyTorch's does) once
sigmoid rounds to 0 or 1.
"""
from .. import functional as F
from .module import Module


class _Loss(Module):
    """A loss module: `reduction` checked once, forward(input, target) -> the loss."""
    function = None   # the minigrad.functional function behind the module

    def __init__(self, *, reduction="mean"):
        super().__init__()
        self.reduction = F.check_reduction(type(self).__name__, reduction)

    def forward(self, input, target):
        return self.function(input, target, reduction=self.reduction)

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy from logits x and targets t in [0, 1]: softplus(x) - t x per element
    (F.binary_cross_entropy_with_logits)."""
    function = staticmethod(F.binary_cross_entropy_with_logits)


class BCELoss(_Loss):
    """Binary cross-entropy from probabilities p in [0, 1]: -[t log p + (1 - t) log(1 - p)] per
    element, the logs clamped at -100 (F.binary_cross_entropy)."""
    function = staticmethod(F.binary_cross_entropy)


class MSELoss(_Loss):
    """Squared error (input - target)^2 per element (F.mse_loss)."""
    function = staticmethod(F.mse_loss)


class CrossEntropyLoss(_Loss):
    """-log softmax(logits)[label] per sample, for logits (n, C) and class indices (n,) or class
    probabilities (n, C) (F.cross_entropy)."""
    function = staticmethod(F.cross_entropy)
