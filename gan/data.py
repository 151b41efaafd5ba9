"""Training data for the GAN lessons: samplers of toy distributions.

Every sampler takes the number of samples ``n`` and a ``numpy.random.Generator``
(make one with ``numpy.random.default_rng(seed)``) and returns a float32 array
with one sample per row. The same seed always gives the same samples.

    curves(n, rng)              (n, 15)  parabolas y = a x^2 + a - 1, a ~ U[1, 3]
    gaussian_1d(n, rng)         (n, 1)   one Gaussian
    gaussian_mixture_1d(...)    (n, 1)   a mixture of Gaussians on the line
    ring8(n, rng)               (n, 2)   8 Gaussians evenly spaced on a circle
    grid25(n, rng)              (n, 2)   25 Gaussians on a 5 x 5 grid
    pacgan_ring(n, rng)         (n, 2)   the PacGAN 2D-ring: 8 Gaussians on the unit circle, std 0.01
    pacgan_grid(n, rng)         (n, 2)   the PacGAN 2D-grid: 25 Gaussians at {-4..4 step 2}^2, std 0.05
    swiss_roll(n, rng)          (n, 2)   a noisy 2-D spiral
    two_moons(n, rng)           (n, 2)   two interleaved half circles
    two_lines(n, rng)           (n, 2)   two parallel segments: disjoint supports of zero width

The handwritten digits live in gan/digits.py (``load_digits``, ``load_mnist``); their names are
also importable from here (``data.load_mnist``) for code written before the split.
"""

import numbers

import numpy as np

# ----------------------------------------------------------------------------
# argument checks shared by the samplers
# ----------------------------------------------------------------------------


def _check_n(n, function_name):
    """Reject anything that is not a positive whole number of samples."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n <= 0:
        raise ValueError(f"{function_name}: n must be a positive int, got {n!r}")
    return int(n)


def _check_rng(rng, function_name):
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{function_name}: rng must be a numpy.random.Generator "
            f"(e.g. numpy.random.default_rng(0)), got {type(rng).__name__}"
        )


def _check_positive(value, name, function_name):
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{function_name}: {name} must be a positive number, got {value!r}")


def _check_non_negative(value, name, function_name):
    if not np.isfinite(value) or value < 0:
        raise ValueError(f"{function_name}: {name} must be >= 0, got {value!r}")


def _read_only(array):
    """Module constants are shared by everybody: protect them from in-place edits."""
    array.setflags(write=False)
    return array


# ----------------------------------------------------------------------------
# the parabola curves of the parabola tutorial
# ----------------------------------------------------------------------------

CURVE_X = _read_only(np.linspace(-2.0, 2.0, 15))
"""The 15 x positions at which every curve is sampled: linspace(-2, 2, 15) (float64)."""

CURVE_A_LOW = 1.0
CURVE_A_HIGH = 3.0
"""The curve parameter a is drawn from U[CURVE_A_LOW, CURVE_A_HIGH] = U[1, 3]."""


def curves_with_a(n, rng):
    """Sample n parabolas and also return the parameter a that drew each one.

    Returns ``(curves, a)``: curves is float32 of shape (n, 15), ``a`` float32 of
    shape (n,). See ``curves`` for the formula.
    """
    n = _check_n(n, "curves_with_a")
    _check_rng(rng, "curves_with_a")
    a = rng.uniform(CURVE_A_LOW, CURVE_A_HIGH, size=n)
    values = a[:, None] * CURVE_X**2 + a[:, None] - 1.0
    return values.astype(np.float32), a.astype(np.float32)


def curves(n, rng):
    """The "paintings" of the parabola tutorial: parabolas y = a x^2 + a - 1 with a ~ U[1, 3].

    Each row is one curve evaluated at the 15 points ``CURVE_X = linspace(-2, 2, 15)``,
    so the result has shape (n, 15) and dtype float32. Because a >= 1, every curve
    lies between the lower bound ``x^2`` (a = 1) and the upper bound ``3 x^2 + 2``
    (a = 3), the two dashed lines of the tutorial's plot.
    """
    _check_n(n, "curves")
    _check_rng(rng, "curves")
    values, _ = curves_with_a(n, rng)
    return values


# ----------------------------------------------------------------------------
# Gaussians on the line
# ----------------------------------------------------------------------------


def gaussian_1d(n, rng, mean=0.0, std=1.0):
    """n samples of N(mean, std^2), shape (n, 1), float32."""
    n = _check_n(n, "gaussian_1d")
    _check_rng(rng, "gaussian_1d")
    _check_positive(std, "std", "gaussian_1d")
    return rng.normal(mean, std, size=(n, 1)).astype(np.float32)


def gaussian_mixture_1d(n, rng, means, stds, weights=None):
    """n samples of the mixture  p(x) = sum_k w_k N(x; mean_k, std_k^2),  shape (n, 1).

    means: the component means; stds: one std per component, or one number for
    all; weights: non-negative mixing weights (rescaled to sum to 1), equal
    weights when None. Each sample first picks its component k with probability
    w_k, then draws from that component.
    """
    name = "gaussian_mixture_1d"
    n = _check_n(n, name)
    _check_rng(rng, name)
    means = np.atleast_1d(np.asarray(means, dtype=np.float64))
    if means.ndim != 1 or means.size == 0:
        raise ValueError(f"{name}: means must be a non-empty 1-D sequence, got shape {means.shape}")
    n_components = means.size
    stds = np.asarray(stds, dtype=np.float64)
    if stds.ndim == 0:
        stds = np.full(n_components, float(stds))
    if stds.shape != (n_components,):
        raise ValueError(
            f"{name}: stds must be one number or one value per mean "
            f"({n_components}), got shape {stds.shape}"
        )
    if not np.all(np.isfinite(stds)) or np.any(stds <= 0):
        raise ValueError(f"{name}: every std must be > 0, got {stds.tolist()}")
    probabilities = _mixing_probabilities(weights, n_components, name)
    component = rng.choice(n_components, size=n, p=probabilities)
    samples = rng.normal(means[component], stds[component])
    return samples.reshape(n, 1).astype(np.float32)


def _mixing_probabilities(weights, n_components, function_name):
    if weights is None:
        return np.full(n_components, 1.0 / n_components)
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n_components,):
        raise ValueError(
            f"{function_name}: weights must have one value per component "
            f"({n_components}), got shape {weights.shape}"
        )
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise ValueError(
            f"{function_name}: weights must be >= 0 with a positive sum, got {weights.tolist()}"
        )
    return weights / weights.sum()


# ----------------------------------------------------------------------------
# 2-D mixtures: the ring and the grid used to measure mode collapse
# ----------------------------------------------------------------------------


def gaussian_mixture_2d(n, rng, centers, std):
    """n samples of an equal-weight mixture of round Gaussians N(center_k, std^2 I).

    Each sample picks one of the K centres uniformly at random (every mode has
    probability 1/K) and adds Gaussian noise of standard deviation ``std`` to
    each coordinate. centers: array of shape (K, 2). Returns (n, 2) float32.
    """
    name = "gaussian_mixture_2d"
    n = _check_n(n, name)
    _check_rng(rng, name)
    _check_positive(std, "std", name)
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[0] == 0 or centers.shape[1] != 2:
        raise ValueError(f"{name}: centers must have shape (K, 2), got {centers.shape}")
    mode = rng.integers(0, centers.shape[0], size=n)
    samples = centers[mode] + std * rng.standard_normal((n, 2))
    return samples.astype(np.float32)


def ring_centers(n_modes=8, radius=2.0):
    """The centres of the ring: (radius cos(2 pi k / K), radius sin(2 pi k / K)), k = 0..K-1."""
    angles = 2.0 * np.pi * np.arange(n_modes) / n_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)


def grid_centers(side=5, spacing=2.0):
    """The centres of a side x side grid centred at 0: spacing * (i - (side-1)/2, j - (side-1)/2)."""
    offsets = spacing * (np.arange(side) - (side - 1) / 2.0)
    xs, ys = np.meshgrid(offsets, offsets, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1)


RING8_STD = 0.02
RING8_CENTERS = _read_only(ring_centers(8, 2.0))
"""(8, 2): eight centres on the circle of radius 2, at angles 0, 45, ..., 315 degrees."""

GRID25_STD = 0.05
GRID25_CENTERS = _read_only(grid_centers(5, 2.0))
"""(25, 2): all pairs (i, j) with i, j in {-4, -2, 0, 2, 4}."""


def ring8(n, rng, radius=2.0, std=0.02):
    """The 8-Gaussian ring: 8 round Gaussians evenly spaced on a circle, shape (n, 2).

    Centres (radius cos(2 pi k/8), radius sin(2 pi k/8)), k = 0..7, each chosen
    with probability 1/8; standard deviation ``std`` per coordinate.

    Defaults radius = 2, std = 0.02 (``RING8_CENTERS``, ``RING8_STD``) are the ring of
    the unrolled-GAN paper (Metz et al., 2017) that VEEGAN (Srivastava et al., 2017)
    took as its "2D ring" benchmark. The PacGAN code (Lin et al., 2018) uses the same
    ring scaled by one half (radius 1, std 0.01); measured in standard deviations,
    which is how ``gan.metrics.mode_coverage`` measures, the two are the same test.
    """
    _check_positive(radius, "radius", "ring8")
    _check_positive(std, "std", "ring8")
    return gaussian_mixture_2d(n, rng, ring_centers(8, radius), std)


def grid25(n, rng, spacing=2.0, std=0.05):
    """The 25-Gaussian grid: round Gaussians on a 5 x 5 grid centred at 0, shape (n, 2).

    Centres (i, j) for i, j in spacing * {-2, -1, 0, 1, 2}, i.e. {-4, -2, 0, 2, 4}
    with the default spacing 2, each chosen with probability 1/25; standard
    deviation ``std`` per coordinate. Defaults spacing = 2, std = 0.05
    (``GRID25_CENTERS``, ``GRID25_STD``) follow the "2D grid" of VEEGAN and PacGAN
    (PacGAN writes it as variance 0.0025 = 0.05^2).
    """
    _check_positive(spacing, "spacing", "grid25")
    _check_positive(std, "std", "grid25")
    return gaussian_mixture_2d(n, rng, grid_centers(5, spacing), std)


PACGAN_RING_RADIUS = 1.0
PACGAN_RING_STD = 0.01
PACGAN_RING_CENTERS = _read_only(ring_centers(8, PACGAN_RING_RADIUS))
"""(8, 2): the 2D-ring of PacGAN (Lin et al., 2018, Table 1): the unit circle, angles 2 pi k / 8."""

PACGAN_GRID_STD = 0.05
PACGAN_GRID_CENTERS = GRID25_CENTERS
"""(25, 2): the 2D-grid of PacGAN and VEEGAN: {-4, -2, 0, 2, 4}^2 (the same grid as grid25)."""


def pacgan_ring(n, rng):
    """The 2D-ring of the PacGAN / VEEGAN mode-collapse table, shape (n, 2), float32:
    8 round Gaussians of std 0.01 at (cos 2 pi k/8, sin 2 pi k/8), each with probability 1/8.
    (ring8's defaults are this ring scaled by 2: radius 2, std 0.02.)"""
    return gaussian_mixture_2d(n, rng, PACGAN_RING_CENTERS, PACGAN_RING_STD)


def pacgan_grid(n, rng):
    """The 2D-grid of the PacGAN / VEEGAN mode-collapse table, shape (n, 2), float32:
    25 round Gaussians of std 0.05 at {-4, -2, 0, 2, 4}^2, each with probability 1/25."""
    return gaussian_mixture_2d(n, rng, PACGAN_GRID_CENTERS, PACGAN_GRID_STD)


#: the two data sets of the mode-collapse table: name -> (sampler, centres, std)
PACGAN_DATASETS = {
    "ring": (pacgan_ring, PACGAN_RING_CENTERS, PACGAN_RING_STD),
    "grid": (pacgan_grid, PACGAN_GRID_CENTERS, PACGAN_GRID_STD),
}


# ----------------------------------------------------------------------------
# swiss roll
# ----------------------------------------------------------------------------

SWISS_ROLL_SCALE = 0.2
"""The spiral is shrunk by this factor so that it fits in about [-3, 3]^2, like the ring and grid."""


def swiss_roll(n, rng, noise=0.05):
    """A 2-D swiss roll (a spiral that winds one and a half times), shape (n, 2).

    t ~ U[1.5 pi, 4.5 pi],   x = SWISS_ROLL_SCALE * (t cos t, t sin t) + noise * N(0, I).

    With SWISS_ROLL_SCALE = 0.2 the distance from the origin runs from 0.94 to
    2.83. Note that t is uniform, so points are sparser on the outer turns, which
    are longer. ``noise`` is the standard deviation of the Gaussian noise added to
    each coordinate after scaling (0 gives points exactly on the spiral).
    """
    n = _check_n(n, "swiss_roll")
    _check_rng(rng, "swiss_roll")
    _check_non_negative(noise, "noise", "swiss_roll")
    t = rng.uniform(1.5 * np.pi, 4.5 * np.pi, size=n)
    spiral = SWISS_ROLL_SCALE * np.stack([t * np.cos(t), t * np.sin(t)], axis=1)
    samples = spiral + noise * rng.standard_normal((n, 2))
    return samples.astype(np.float32)


# ----------------------------------------------------------------------------
# two moons and two lines
# ----------------------------------------------------------------------------

TWO_MOONS_SCALE = 1.5
"""The moons are stretched by this factor (after centring) so that they span about [-2.3, 2.3]."""


def two_moons(n, rng, noise=0.05, scale=TWO_MOONS_SCALE):
    """Two interleaved half circles of radius 1, shape (n, 2), each chosen with probability 1/2.

    t ~ U[0, pi];  upper moon (cos t, sin t),  lower moon (1 - cos t, 1/2 - sin t);
    then both are shifted by (-1/2, -1/4) (so the pair is centred at 0), multiplied by
    ``scale`` and get Gaussian noise of std ``noise`` per coordinate (0: exactly on the arcs).
    """
    n = _check_n(n, "two_moons")
    _check_rng(rng, "two_moons")
    _check_non_negative(noise, "noise", "two_moons")
    _check_positive(scale, "scale", "two_moons")
    t = rng.uniform(0.0, np.pi, size=n)
    lower = rng.random(n) < 0.5
    x = np.where(lower, 1.0 - np.cos(t), np.cos(t))
    y = np.where(lower, 0.5 - np.sin(t), np.sin(t))
    moons = scale * (np.stack([x, y], axis=1) - np.array([0.5, 0.25]))
    samples = moons + noise * rng.standard_normal((n, 2))
    return samples.astype(np.float32)


def two_lines(n, rng, offset=1.0, length=3.0, noise=0.0):
    """Two parallel vertical segments, shape (n, 2): the data have two disjoint supports of zero width.

    Each sample picks a side s = -1 or +1 with probability 1/2 and a height y ~ U[-length/2,
    length/2]:  x = (s * offset, y), plus Gaussian noise of std ``noise`` (default 0: exactly on
    the lines). A continuous generator cannot map its connected noise space onto two separate
    pieces without also putting some samples in the gap between them.
    """
    n = _check_n(n, "two_lines")
    _check_rng(rng, "two_lines")
    _check_positive(offset, "offset", "two_lines")
    _check_positive(length, "length", "two_lines")
    _check_non_negative(noise, "noise", "two_lines")
    side = np.where(rng.random(n) < 0.5, -1.0, 1.0)
    height = rng.uniform(-length / 2.0, length / 2.0, size=n)
    samples = np.stack([side * offset, height], axis=1) + noise * rng.standard_normal((n, 2))
    return samples.astype(np.float32)


# the digit loading moved to gan/digits.py; these names stay importable from here
from gan.digits import DataNotFoundError, IDXFormatError, load_mnist, read_idx  # noqa: E402,F401
