"""Tests for gan.theory: the GAN identities of seeds 000-004, checked on fine grids."""

import numpy as np
import pytest

from gan import metrics, theory

X = np.linspace(-15.0, 15.0, 30001)
DX = X[1] - X[0]


def box_density(lo, hi):
    """A uniform density on the grid points with lo <= x < hi, normalised exactly on the grid."""
    inside = (X >= lo) & (X < hi)
    return inside / (inside.sum() * DX)


# ----------------------------------------------------------------------------
# densities
# ----------------------------------------------------------------------------


def test_normal_pdf_value_and_mass():
    assert theory.normal_pdf(0.0) == pytest.approx(1.0 / np.sqrt(2.0 * np.pi))
    assert theory.normal_pdf(3.0, mean=1.0, std=2.0) == pytest.approx(
        np.exp(-0.5) / (2.0 * np.sqrt(2.0 * np.pi))
    )
    assert np.sum(theory.normal_pdf(X, 1.0, 0.7)) * DX == pytest.approx(1.0, abs=1e-10)


def test_normal_mixture_pdf_is_the_weighted_sum():
    p = theory.normal_mixture_pdf(X, [-2.0, 3.0], [0.5, 1.0], weights=[3.0, 1.0])
    expected = 0.75 * theory.normal_pdf(X, -2.0, 0.5) + 0.25 * theory.normal_pdf(X, 3.0, 1.0)
    assert np.allclose(p, expected)
    assert np.sum(p) * DX == pytest.approx(1.0, abs=1e-10)


# ----------------------------------------------------------------------------
# optimal discriminator and value function
# ----------------------------------------------------------------------------


def test_optimal_discriminator_pointwise_values():
    d = theory.optimal_discriminator([1.0, 0.0, 2.0, 0.0, 3.0], [1.0, 2.0, 0.0, 0.0, 1.0])
    assert np.allclose(d, [0.5, 0.0, 1.0, 0.5, 0.75])  # both 0 -> 0.5 by convention


def test_value_at_equilibrium_is_minus_log_4():
    p = theory.normal_mixture_pdf(X, [-1.0, 2.0], [0.5, 1.5])
    assert theory.optimal_value(p, p, DX) == pytest.approx(-np.log(4.0), abs=1e-9)
    assert np.allclose(theory.optimal_discriminator(p, p), 0.5)


def test_value_of_the_undecided_discriminator_is_minus_log_4_for_any_g():
    # D = 1/2 everywhere: V = log(1/2) (mass of p_data + mass of p_g) = -log 4
    p_data, p_g = theory.normal_pdf(X, 0, 1), theory.normal_pdf(X, 4, 1.5)
    assert theory.value_function(np.full_like(X, 0.5), p_data, p_g, DX) == pytest.approx(
        -np.log(4.0), abs=1e-9
    )


def test_identity_optimal_value_equals_minus_log_4_plus_2_js():
    for mean_g, std_g in [(0.5, 1.0), (2.0, 0.6), (-3.0, 1.5)]:
        p_data = theory.normal_pdf(X, 0.0, 1.0)
        p_g = theory.normal_pdf(X, mean_g, std_g)
        v_star = theory.optimal_value(p_data, p_g, DX)
        js = theory.js_divergence(p_data, p_g, DX)
        assert v_star == pytest.approx(-np.log(4.0) + 2.0 * js, abs=1e-9)
        assert v_star > -np.log(4.0)  # p_g != p_data: strictly above the minimum


def test_optimal_discriminator_maximises_v():
    # a narrower grid: far in the tails one density is ~1e-20 times the other and
    # the float D* rounds to exactly 0 or 1 (see the note in value_function)
    x = np.linspace(-6.0, 6.0, 2401)
    dx = x[1] - x[0]
    p_data = theory.normal_pdf(x, 0.0, 1.0)
    p_g = theory.normal_mixture_pdf(x, [-1.0, 2.0], [0.8, 0.8])
    d_star = theory.optimal_discriminator(p_data, p_g)
    best = theory.value_function(d_star, p_data, p_g, dx)
    assert best == pytest.approx(theory.optimal_value(p_data, p_g, dx), abs=1e-12)
    rng = np.random.default_rng(0)
    for _ in range(20):
        # a random bump keeping D inside (0, 1)
        bump = 0.05 * rng.normal() * np.exp(-((x - rng.uniform(-3, 3)) ** 2))
        perturbed = np.clip(d_star + bump, 1e-9, 1 - 1e-9)
        assert theory.value_function(perturbed, p_data, p_g, dx) < best


def test_optimal_discriminator_matches_brute_force_argmax_pointwise():
    # f(D) = p_data log D + p_g log(1 - D) at single points, maximised by search
    candidates = np.linspace(0.0005, 0.9995, 2000)
    for p_data, p_g in [(0.3, 0.1), (0.05, 0.4), (1.2, 1.2)]:
        f = p_data * np.log(candidates) + p_g * np.log(1 - candidates)
        d_best = candidates[np.argmax(f)]
        assert theory.optimal_discriminator(p_data, p_g) == pytest.approx(d_best, abs=5e-4)


def test_value_function_handles_zero_log_zero():
    p_data, p_g = box_density(-2.0, -1.0), box_density(1.0, 2.0)
    d_star = theory.optimal_discriminator(p_data, p_g)  # exactly 0 and 1 on the supports
    # disjoint supports: the perfect discriminator gets V = 0 = -log 4 + 2 log 2
    assert theory.optimal_value(p_data, p_g, DX) == 0.0
    assert theory.value_function(d_star, p_data, p_g, DX) == 0.0
    # a discriminator that says 0 on real data is infinitely bad
    assert theory.value_function(1.0 - d_star, p_data, p_g, DX) == -np.inf


def test_value_function_rejects_probabilities_outside_0_1():
    p = theory.normal_pdf(X)
    with pytest.raises(ValueError, match="value_function"):
        theory.value_function(np.full_like(X, 1.5), p, p, DX)


# ----------------------------------------------------------------------------
# KL and JS
# ----------------------------------------------------------------------------


def test_kl_closed_form_hand_values():
    assert theory.kl_normal(0.0, 1.0, 1.0, 1.0) == pytest.approx(0.5)
    assert theory.kl_normal(0.0, 1.0, 0.0, 2.0) == pytest.approx(np.log(2.0) + 1.0 / 8.0 - 0.5)


@pytest.mark.parametrize(
    "m1, s1, m2, s2", [(0.0, 1.0, 1.0, 1.0), (0.5, 0.7, -1.0, 1.6), (2.0, 2.0, 0.0, 1.0)]
)
def test_kl_on_grid_matches_the_gaussian_closed_form(m1, s1, m2, s2):
    p, q = theory.normal_pdf(X, m1, s1), theory.normal_pdf(X, m2, s2)
    closed_form = np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    assert theory.kl_divergence(p, q, DX) == pytest.approx(closed_form, abs=1e-8)
    assert theory.kl_normal(m1, s1, m2, s2) == pytest.approx(closed_form, rel=1e-12)


def test_kl_is_zero_for_equal_and_infinite_when_q_misses_p():
    p = box_density(0.0, 1.0)
    assert theory.kl_divergence(p, p, DX) == pytest.approx(0.0, abs=1e-12)
    assert theory.kl_divergence(p, box_density(0.0, 0.5), DX) == np.inf
    # the other way round is finite: q = box on [0, 1/2) is covered by p
    assert theory.kl_divergence(box_density(0.0, 0.5), p, DX) == pytest.approx(np.log(2.0), abs=1e-3)


def test_js_of_disjoint_supports_is_log_2_whatever_the_distance():
    p = box_density(-1.0, 0.0)
    for shift in (0.0, 0.5, 5.0):
        q = box_density(shift, shift + 1.0)
        assert theory.js_divergence(p, q, DX) == pytest.approx(np.log(2.0), abs=1e-12)


def test_js_is_symmetric_bounded_and_zero_only_for_equal():
    p, q = theory.normal_pdf(X, 0, 1), theory.normal_pdf(X, 1, 2)
    js = theory.js_divergence(p, q, DX)
    assert js == pytest.approx(theory.js_divergence(q, p, DX), abs=1e-14)
    assert 0.0 < js < np.log(2.0)
    assert theory.js_divergence(p, p, DX) == pytest.approx(0.0, abs=1e-14)
    # JS is the mean KL to the midpoint m: check against kl_divergence
    m = 0.5 * (p + q)
    by_kl = 0.5 * theory.kl_divergence(p, m, DX) + 0.5 * theory.kl_divergence(q, m, DX)
    assert js == pytest.approx(by_kl, abs=1e-14)


def test_divergences_reject_negative_densities_and_bad_dx():
    with pytest.raises(ValueError, match="js_divergence"):
        theory.js_divergence([0.5, -0.1], [0.5, 0.5], 1.0)
    with pytest.raises(ValueError, match="dx"):
        theory.kl_divergence([1.0], [1.0], 0.0)
    with pytest.raises(ValueError, match="same shape"):
        theory.kl_divergence([1.0, 0.0], [1.0], 1.0)


# ----------------------------------------------------------------------------
# the parallel lines
# ----------------------------------------------------------------------------


def test_parallel_lines_closed_forms():
    assert theory.js_parallel_lines(0.0) == 0.0
    assert theory.js_parallel_lines(1e-9) == pytest.approx(np.log(2.0))
    assert theory.js_parallel_lines(-3.0) == pytest.approx(np.log(2.0))
    assert theory.kl_parallel_lines(0.5) == np.inf and theory.kl_parallel_lines(0.0) == 0.0
    assert theory.w1_parallel_lines(-0.25) == 0.25
    thetas = np.array([-1.0, 0.0, 2.0])
    assert np.allclose(theory.w1_parallel_lines(thetas), [1.0, 0.0, 2.0])
    assert np.allclose(theory.js_parallel_lines(thetas), [np.log(2.0), 0.0, np.log(2.0)])


def test_parallel_lines_against_samples():
    # P_0 = (0, Z), P_theta = (theta, Z), Z ~ U[0, 1]
    rng = np.random.default_rng(1)
    z = rng.uniform(size=4000)
    for theta in (0.3, 1.0, -2.0):
        line_0 = np.stack([np.zeros_like(z), z], axis=1)
        line_theta = np.stack([np.full_like(z, theta), rng.permutation(z)], axis=1)
        # the heights match one to one, so moving each point sideways is optimal and
        # W1 is the 1-D distance between the first coordinates
        assert metrics.wasserstein_1d(line_0[:, 0], line_theta[:, 0]) == pytest.approx(
            theory.w1_parallel_lines(theta)
        )
        # no histogram cell holds points of both lines: the JS estimate is log 2
        estimate = metrics.js_divergence_hist(line_0, line_theta, bins=20)
        assert estimate == pytest.approx(theory.js_parallel_lines(theta))


def test_nonsaturating_loss_at_optimal_d_is_reverse_kl_minus_2_js():
    """Seeds 002/003: E_{p_g}[-log D*] = KL(p_g || p_data) - 2 JS + 2 log 2 + E_{p_data}[log D*]."""
    p_data = theory.normal_mixture_pdf(X, [-2.0, 2.0], [0.6, 0.8])
    p_g = theory.normal_pdf(X, 0.5, 1.3)
    d_star = theory.optimal_discriminator(p_data, p_g)
    inside = (p_g > 1e-300) & (d_star > 0)
    lhs = np.sum(p_g[inside] * -np.log(d_star[inside])) * DX
    inside_data = (p_data > 1e-300) & (d_star > 0)
    e_data_log_d = np.sum(p_data[inside_data] * np.log(d_star[inside_data])) * DX
    rhs = (theory.kl_divergence(p_g, p_data, DX) - 2 * theory.js_divergence(p_data, p_g, DX)
           + 2 * np.log(2) + e_data_log_d)
    assert lhs == pytest.approx(rhs, rel=1e-6)
    # and it is not a tautology of the grid: dropping the reverse-KL term breaks the equality
    assert abs(lhs - (rhs - theory.kl_divergence(p_g, p_data, DX))) > 0.1
