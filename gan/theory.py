"""GAN theory in closed form, on 1-D densities sampled on a grid.

A density is given by its values p[i] = p(x_i) on an evenly spaced grid x_i with
spacing dx, and an integral is the Riemann sum  integral f(x) dx ~ sum_i f(x_i) dx.
The divergences below assume the densities integrate to 1 on the grid
(sum(p) * dx = 1); they do not renormalise silently. All results are in nats
(natural logarithms).

The source notes (000-004: five Chinese lecture notes this project starts from; docs/THEORY.md
lists them) derive each formula:

    the introductory GAN notes
              f(D) = p_data log D + p_G log(1 - D); setting df/dD = 0 gives
              D*(x) = p_data / (p_data + p_G); then C(G) = V(D*, G)
              = -log 4 + KL(p_data || m) + KL(p_G || m) = -log 4 + 2 JS(p_data || p_G),
              m = (p_data + p_G) / 2.
    the GAN theory notes
              the same derivation (their eqs. 19-25) and why JS stops helping
              when the supports do not overlap (JS = log 2).
    the parabola tutorial
              eq. 1: min_G max_D V(D, G) = E_{x~p_r} log D(x) + E_{x~p_g} log(1 - D(x)).
    the textbook chapter (Qiu Xipeng, Neural Networks and Deep Learning, ch. 13)
              section 6.3.4: L(G | D*) = 2 JS(p_r, p_theta) - 2 log 2; section
              6.3.5: for non-overlapping distributions KL = +inf, JS = log 2,
              while the Wasserstein-1 distance still measures how far apart they are.

A distribution on finitely many points is the same thing with dx = 1 (p[i] = P(x_i), sum p = 1),
which is how the information-theory functions (note 001, eqs. 2-17), the packing bound and the
worked numbers of docs/THEORY.md use them.

Convention used throughout: 0 * log 0 = 0 (the limit of t log t as t -> 0).
"""

import numpy as np

LOG_2 = float(np.log(2.0))
LOG_4 = float(np.log(4.0))


def _as_densities(function_name, *arrays):
    arrays = [np.asarray(a, dtype=np.float64) for a in arrays]
    shape = arrays[0].shape
    for a in arrays:
        if a.shape != shape:
            raise ValueError(
                f"{function_name}: all arrays must have the same shape, got "
                + " and ".join(str(b.shape) for b in arrays)
            )
        if np.any(a < 0) or np.any(np.isnan(a)):
            raise ValueError(f"{function_name}: densities must be >= 0 (and not NaN)")
    return arrays


def _check_dx(dx, function_name):
    if not np.isfinite(dx) or dx <= 0:
        raise ValueError(f"{function_name}: dx must be a positive number, got {dx!r}")


def _weighted_log(weight, value):
    """Elementwise weight * log(value), with 0 wherever weight == 0 (0 * log 0 = 0).

    Where weight > 0 and value == 0 the result is -inf, as it should be.
    """
    weight, value = np.broadcast_arrays(weight, value)
    result = np.zeros(weight.shape)
    present = weight > 0
    with np.errstate(divide="ignore"):
        result[present] = weight[present] * np.log(value[present])
    return result


def _x_log_ratio(x, y):
    """Elementwise x * log(x / y): 0 where x == 0, +inf where x > 0 and y == 0."""
    return _weighted_log(x, x) - _weighted_log(x, y)


# ----------------------------------------------------------------------------
# densities
# ----------------------------------------------------------------------------


def normal_pdf(x, mean=0.0, std=1.0):
    """N(x; mean, std^2) = exp(-(x - mean)^2 / (2 std^2)) / (std sqrt(2 pi))."""
    if not std > 0:
        raise ValueError(f"normal_pdf: std must be > 0, got {std!r}")
    x = np.asarray(x, dtype=np.float64)
    z = (x - mean) / std
    return np.exp(-0.5 * z * z) / (std * np.sqrt(2.0 * np.pi))


def normal_mixture_pdf(x, means, stds, weights=None):
    """p(x) = sum_k w_k N(x; mean_k, std_k^2), weights equal when None (else rescaled to sum 1)."""
    means = np.atleast_1d(np.asarray(means, dtype=np.float64))
    stds = np.broadcast_to(np.asarray(stds, dtype=np.float64), means.shape)
    if weights is None:
        weights = np.full(means.shape, 1.0 / means.size)
    else:
        weights = np.asarray(weights, dtype=np.float64)
        if weights.shape != means.shape or np.any(weights < 0) or weights.sum() <= 0:
            raise ValueError(
                "normal_mixture_pdf: weights must be >= 0, one per mean, with a positive sum"
            )
        weights = weights / weights.sum()
    return sum(w * normal_pdf(x, m, s) for w, m, s in zip(weights, means, stds))


# ----------------------------------------------------------------------------
# the discriminator and the value function
# ----------------------------------------------------------------------------


def optimal_discriminator(p_data, p_g):
    """D*(x) = p_data(x) / (p_data(x) + p_g(x))   (the introductory GAN notes; the textbook chapter, section 6.3.4).

    Why: for fixed G the value function integrates f(D) = p_data log D + p_g log(1 - D)
    pointwise, and df/dD = p_data / D - p_g / (1 - D) = 0 gives D = p_data / (p_data + p_g).

    Where both densities are 0 no sample ever lands, so V does not depend on D(x)
    there; we return 0.5 ("cannot tell") at those points.
    """
    p_data, p_g = _as_densities("optimal_discriminator", p_data, p_g)
    total = p_data + p_g
    d = np.full_like(total, 0.5)
    np.divide(p_data, total, out=d, where=total > 0)
    return d


def value_function(d, p_data, p_g, dx):
    """V(D, G) = integral [ p_data(x) log D(x) + p_g(x) log(1 - D(x)) ] dx.

    The introductory GAN notes; the parabola tutorial, eq. 1.

    The expectation E_{z~p_z} log(1 - D(G(z))) is written as an integral over
    p_g(x), as in the introductory GAN notes. Points where a density is 0 contribute 0 whatever D
    is there (0 * log 0 = 0); a point with p_data > 0 and D = 0 (or p_g > 0 and
    D = 1) makes V = -inf.

    Floating point: far in the tails, where one density is more than ~1e16 times
    the other, the float D* = p_data / (p_data + p_g) rounds to exactly 1 (or 0),
    and value_function(D*, ...) returns -inf. Use ``optimal_value`` for V(D*, G).
    """
    _check_dx(dx, "value_function")
    d, p_data, p_g = _as_densities("value_function", d, p_data, p_g)
    if np.any(d > 1):
        raise ValueError("value_function: D(x) must lie in [0, 1]")
    integrand = _weighted_log(p_data, d) + _weighted_log(p_g, 1.0 - d)
    return float(np.sum(integrand) * dx)


def optimal_value(p_data, p_g, dx):
    """C(G) = V(D*, G) = max over D of V(D, G).

    The introductory GAN notes (and the textbook chapter, section 6.3.4) show that
        V(D*, G) = -log 4 + KL(p_data || m) + KL(p_g || m) = -log 4 + 2 JS(p_data || p_g),
    with m = (p_data + p_g) / 2, so its minimum over G is -log 4, reached only
    at p_g = p_data. This function evaluates V(D*, G) directly from the
    definition; compare it with ``-LOG_4 + 2 * js_divergence(p_data, p_g, dx)``.

    Substituting D* gives the integrand of C(G) in the introductory GAN notes,
        p_data log(p_data / (p_data + p_g)) + p_g log(p_g / (p_data + p_g)),
    which is what is summed here. (Evaluating value_function(D*, ...) instead
    would be the same in exact arithmetic, but where p_g is tiny next to p_data
    the float D* rounds to exactly 1 and log(1 - D*) becomes -inf.)
    """
    _check_dx(dx, "optimal_value")
    p_data, p_g = _as_densities("optimal_value", p_data, p_g)
    total = p_data + p_g
    integrand = _x_log_ratio(p_data, total) + _x_log_ratio(p_g, total)
    return float(np.sum(integrand) * dx)


# ----------------------------------------------------------------------------
# divergences
# ----------------------------------------------------------------------------


def kl_divergence(p, q, dx):
    """KL(p || q) = integral p(x) log(p(x) / q(x)) dx   in nats (the GAN theory notes; the textbook chapter, 6.3.4).

    0 where p = 0; +inf as soon as p > 0 somewhere q = 0 (p is not covered by q).
    """
    _check_dx(dx, "kl_divergence")
    p, q = _as_densities("kl_divergence", p, q)
    return float(np.sum(_x_log_ratio(p, q)) * dx)


def js_divergence(p, q, dx):
    """JS(p || q) = 1/2 KL(p || m) + 1/2 KL(q || m),  m = (p + q) / 2,  in nats.

    The introductory GAN notes; the GAN theory notes, the definition after their eq. 25.

    Always finite, symmetric, between 0 (p = q) and log 2. It equals log 2 exactly
    when the supports are disjoint: there m = p/2 where p > 0 and m = q/2 where
    q > 0, so JS = 1/2 log 2 (integral p + integral q) = log 2 whatever the distance.
    """
    _check_dx(dx, "js_divergence")
    p, q = _as_densities("js_divergence", p, q)
    m = 0.5 * (p + q)
    return float(0.5 * np.sum(_x_log_ratio(p, m) + _x_log_ratio(q, m)) * dx)


def kl_normal(mean_p, std_p, mean_q, std_q):
    """Closed form KL(N(mean_p, std_p^2) || N(mean_q, std_q^2))
    = log(std_q / std_p) + (std_p^2 + (mean_p - mean_q)^2) / (2 std_q^2) - 1/2."""
    if not (std_p > 0 and std_q > 0):
        raise ValueError(f"kl_normal: stds must be > 0, got {std_p!r} and {std_q!r}")
    return float(
        np.log(std_q / std_p) + (std_p**2 + (mean_p - mean_q) ** 2) / (2.0 * std_q**2) - 0.5
    )


# ----------------------------------------------------------------------------
# the "parallel lines" example: why JS gives no gradient and W1 does
# ----------------------------------------------------------------------------
# P_0 is uniform on the segment {0} x [0, 1] of the plane and P_theta uniform on
# {theta} x [0, 1]: the same line shifted sideways by theta. For theta != 0 the
# two have disjoint supports (the textbook chapter, section 6.3.5; the GAN theory notes, "why the
# original GAN is hard to train"; the notes on GAN training problems, "idea 2"; the example is Example 1 of the WGAN
# paper, Arjovsky et al. 2017). The functions accept a number (and return a float)
# or an array of thetas (and return an array).


def js_parallel_lines(theta):
    """JS(P_0 || P_theta) = log 2 if theta != 0, else 0: flat in theta, so its gradient is 0."""
    theta = np.asarray(theta, dtype=np.float64)
    return np.where(theta != 0, LOG_2, 0.0)[()]


def kl_parallel_lines(theta):
    """KL(P_0 || P_theta) = +inf if theta != 0, else 0."""
    theta = np.asarray(theta, dtype=np.float64)
    return np.where(theta != 0, np.inf, 0.0)[()]


def w1_parallel_lines(theta):
    """W1(P_0, P_theta) = |theta|: every point moves sideways by |theta|, and no plan does better."""
    return np.abs(np.asarray(theta, dtype=np.float64))[()]


# ----------------------------------------------------------------------------
# information: self-information, entropy, cross-entropy (note 001, eqs. 2-8)
# ----------------------------------------------------------------------------
# For a distribution on finitely many points pass dx = 1 (the default); for a density on a grid,
# its spacing (the entropy is then the differential entropy, which can be negative).


def self_information(p):
    """I(x) = -log p(x): the less probable an outcome, the more it tells (note 001, eq. 2). +inf where p = 0."""
    (p,) = _as_densities("self_information", p)
    with np.errstate(divide="ignore"):
        return -np.log(p)


def entropy(p, dx=1.0):
    """H(p) = -sum p log p  (= E_p[I(x)], the mean self-information; note 001, eqs. 4-5)."""
    _check_dx(dx, "entropy")
    (p,) = _as_densities("entropy", p)
    return float(-np.sum(_weighted_log(p, p)) * dx)


def cross_entropy(p, q, dx=1.0):
    """H_c(p, q) = -sum p log q = H(p) + KL(p || q)  (note 001, eqs. 7-8; +inf where q misses p).

    In coding terms: the mean length (in nats) of a code built for q, used on data drawn from p. The
    code built for p itself costs H(p), so the extra cost of the wrong code is KL(p || q) >= 0."""
    _check_dx(dx, "cross_entropy")
    p, q = _as_densities("cross_entropy", p, q)
    return float(-np.sum(_weighted_log(p, q)) * dx)


def empirical_distribution(samples, n_values):
    """p_hat[k] = (number of samples equal to k) / N for integer samples in 0 .. n_values - 1."""
    samples = np.asarray(samples)
    if samples.size == 0 or samples.min() < 0 or samples.max() >= n_values:
        raise ValueError(f"empirical_distribution: need samples in 0 .. {n_values - 1}, got "
                         f"{'none' if samples.size == 0 else (samples.min(), samples.max())}")
    return np.bincount(samples.ravel(), minlength=n_values) / samples.size


def mean_log_likelihood(samples, q):
    """(1/N) sum_i log q(x_i) for integer samples x_i: the log-likelihood of eq. (11) of note 001 divided by N.

    It equals -H_c(p_hat, q) = -H(p_hat) - KL(p_hat || q) with p_hat the samples' empirical
    distribution, so maximising it over q is minimising the forward KL(p_hat || q); as N grows p_hat
    tends to p_data (the law of large numbers), which is eq. (12)-(13)'s step."""
    q = np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return float(np.mean(np.log(q[np.asarray(samples)])))


def pushforward_density(x, g_inverse, g_inverse_slope, p_z=normal_pdf):
    """p_G(x) = integral p_z(z) delta(x - G(z)) dz = p_z(G^-1(x)) |d G^-1 / dx|  for a 1-D increasing G.

    The density of x = G(z) (note 001, eq. 17, written with a delta: with the indicator [G(z) = x]
    the integral is the probability of one point, 0 for a continuous z). `g_inverse` and
    `g_inverse_slope` are G^-1 and its derivative, as functions of x."""
    x = np.asarray(x, dtype=np.float64)
    return p_z(g_inverse(x)) * np.abs(g_inverse_slope(x))


# ----------------------------------------------------------------------------
# the non-saturating generator against the optimal D (docs/THEORY.md 4.3)
# ----------------------------------------------------------------------------


def nonsaturating_objective_at_optimal_d(p_data, p_g, dx):
    """KL(p_g || p_data) - 2 JS(p_data || p_g): what a non-saturating G descends against D* (THEORY 4.3).

    E_{p_g}[-log D*] = KL(p_g || p_data) - 2 JS(p_data || p_g) + 2 log 2 + E_{p_data}[log D*]; the last
    term depends on p_g through D*, so the values differ, but with D* held fixed at the current p_g
    the gradient of E_{p_g}[-log D*] in G's parameters is the gradient of this objective (Arjovsky and
    Bottou 2017, Theorem 2.5)."""
    return kl_divergence(p_g, p_data, dx) - 2.0 * js_divergence(p_data, p_g, dx)


# ----------------------------------------------------------------------------
# packing: the total variation of product distributions (docs/THEORY.md 11.1)
# ----------------------------------------------------------------------------


def total_variation(p, q, dx=1.0):
    """d_TV(p, q) = 1/2 sum |p - q| = the largest P(A) - Q(A) over events A, in [0, 1]."""
    _check_dx(dx, "total_variation")
    p, q = _as_densities("total_variation", p, q)
    return float(0.5 * np.sum(np.abs(p - q)) * dx)


def product_distribution(p, m):
    """P^m: the distribution of m independent draws (x_1, ..., x_m) of p on K points, as a flat
    array of K^m probabilities (the outcome (i_1, ..., i_m) at index i_1 K^(m-1) + ... + i_m)."""
    if isinstance(m, bool) or not isinstance(m, int) or m < 1:
        raise ValueError(f"product_distribution: m must be an int >= 1, got {m!r}")
    (p,) = _as_densities("product_distribution", p)
    product = np.ones(1)
    for _ in range(m):
        product = np.multiply.outer(product, p).ravel()
    return product


def packed_total_variation(p, q, m):
    """d_TV(P^m, Q^m): how far apart D sees the two players when it judges packs of m samples."""
    return total_variation(product_distribution(p, m), product_distribution(q, m))


def dropped_mode_packed_tv(w, m):
    """1 - (1 - w)^m: d_TV(P^m, Q^m) when Q is P with modes of total mass w dropped (renormalised).

    A pack of m real samples holds a dropped mode with probability 1 - (1 - w)^m and a fake pack
    never does; Q^m is P^m restricted to the packs without one, rescaled, so no larger event gap
    exists. ~ m w for small w, while d_TV(P, Q) = w."""
    if not 0 <= w <= 1:
        raise ValueError(f"dropped_mode_packed_tv: w must lie in [0, 1], got {w!r}")
    return 1.0 - (1.0 - w) ** m


# ----------------------------------------------------------------------------
# weight clipping: the Lipschitz bound of an MLP (docs/THEORY.md 5.3)
# ----------------------------------------------------------------------------


def lipschitz_upper_bound(weights):
    """prod_l ||W_l||_2 (largest singular values): a Lipschitz bound of x -> W_L a(... a(W_1 x + b_1) ...)
    for 1-Lipschitz activations a (ReLU, leaky ReLU with slope <= 1, tanh, sigmoid)."""
    bound = 1.0
    for w in weights:
        w = np.asarray(w, dtype=np.float64)
        bound *= float(np.linalg.norm(w.reshape(len(w), -1), 2))
    return bound


def clipped_lipschitz_bound(shapes, c):
    """prod_l c sqrt(m_l n_l): the bound of lipschitz_upper_bound for any MLP whose m_l x n_l weight
    matrices are clipped to [-c, c] (||W||_2 <= ||W||_F <= c sqrt(m n)); reached when every weight is
    +c (then W_l = c * ones, of spectral norm c sqrt(m n)) and every unit is active."""
    if not c > 0:
        raise ValueError(f"clipped_lipschitz_bound: c must be > 0, got {c!r}")
    bound = 1.0
    for m, n in shapes:
        bound *= c * np.sqrt(m * n)
    return float(bound)


# ----------------------------------------------------------------------------
# the VAE's prior (docs/THEORY.md 10.5)
# ----------------------------------------------------------------------------


def absorb_gaussian_prior(weight, bias, mean, std):
    """(W diag(s), b + W m): the first linear layer that gives, on z ~ N(0, I), what (weight, bias)
    gives on z' = m + s * z ~ N(m, diag s^2). A diagonal Gaussian prior N(m, diag s^2) is N(0, I)
    pushed through this affine map, so it gives the decoder nothing that N(0, I) does not.

    weight (out, in), bias (out,), mean and std (in,), as in y = z W^T + b (nn.Linear)."""
    weight, bias = np.asarray(weight, dtype=np.float64), np.asarray(bias, dtype=np.float64)
    mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    if weight.ndim != 2 or bias.shape != weight.shape[:1] or not mean.shape == std.shape == weight.shape[1:]:
        raise ValueError(f"absorb_gaussian_prior: weight {weight.shape}, bias {bias.shape}, mean {mean.shape} "
                         f"and std {std.shape} do not fit a layer (out, in)")
    if not np.all(std > 0):
        raise ValueError("absorb_gaussian_prior: std must be > 0")
    return weight * std, bias + weight @ mean
