"""PacGAN packing (Lin et al., 2018): the discriminator judges m samples at once.

    pack(x, m):  (n, d) -> (n / m, m d),   row i = [x_{i m}, x_{i m + 1}, ..., x_{i m + m - 1}]

(for images (n, C, H, W) -> (n / m, m C, H, W): the m samples side by side along the channels).
Consecutive samples go together, real with real and fake with fake, since each kind is packed
separately. The packed discriminator compares the product distributions P^m and Q^m: if G misses a
mode of mass w, a real pack contains that mode with probability 1 - (1 - w)^m, a fake pack never,
which is easier to detect the larger m (docs/THEORY.md section 11.1).

It is one reshape of a row-major array: no copy, and its gradient is the reshape back, so the
fakes' gradient reaches G unchanged.
"""
import numbers

from minigrad import ops


def pack(x, m):
    """(n, d, ...) -> (n // m, m * d, ...): each group of m consecutive samples becomes one input."""
    if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 1:
        raise ValueError(f"pack: m must be an int >= 1, got {m!r}")
    if m == 1:
        return x
    shape = x.shape
    if len(shape) < 2 or shape[0] % m:
        raise ValueError(f"pack: cannot pack a batch of shape {shape} into groups of m = {m} "
                         f"(need (n, d, ...) with n divisible by m)")
    return ops.reshape(x, shape[0] // m, m * shape[1], *shape[2:])
