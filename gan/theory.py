"""GAN theory in closed form, on 1-D densities sampled on a grid.

A density is given by its values p[i] = p(x_i) on an evenly spaced grid x_i with
spacing dx, and an integral is the Riemann sum  integral f(x) dx ~ sum_i f(x_i) dx.
The divergences below assume the densities integrate to 1 on the grid
(sum(p) * dx = 1); they do not renormalise silently. All results are in nats
(natural logarithms).

The source notes this project starts from (Chinese lecture notes; docs/THEORY.md
lists them, numbered) derive each formula:

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
