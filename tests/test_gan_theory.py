"""Tests for gan.theory: the GAN identities of the source notes (000-004), checked on fine grids, and
the statements of docs/THEORY.md about packing (11.1), clipping (5.3), the non-saturating gradient
(4.3), the VAE's prior (10.5) and maximum likelihood (13), checked exactly on small distributions."""

import numpy as np
import pytest

import minigrad as mg
from gan import metrics, models, theory, vae

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
    """Notes 002/003: E_{p_g}[-log D*] = KL(p_g || p_data) - 2 JS + 2 log 2 + E_{p_data}[log D*]."""
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


# ----------------------------------------------------------------------------
# 4.3: with D* held fixed, the non-saturating gradient is the gradient of KL(p_g || p_data) - 2 JS
# ----------------------------------------------------------------------------

P_DATA_5 = np.array([0.30, 0.05, 0.25, 0.10, 0.30])
THETA_5 = np.array([0.4, -0.3, 1.1, 0.2, -0.8])   # p_g = softmax(theta), every point > 0


def softmax_np(theta):
    e = np.exp(theta - theta.max())
    return e / e.sum()


def central_differences(f, theta, eps=1e-6):
    return np.array([(f(theta + eps * e) - f(theta - eps * e)) / (2 * eps) for e in np.eye(len(theta))])


def test_frozen_optimal_d_gives_the_gradient_of_reverse_kl_minus_2_js():
    """Arjovsky and Bottou (2017), Theorem 2.5, on five points: p_g = softmax(theta), D* computed at
    theta_0 and held fixed. minigrad's gradient of E_{p_g}[-log D*] = sum p_g (-log D*) equals the
    central differences of KL(p_g || p_data) - 2 JS(p_data || p_g) at theta_0 (to 1e-8). By hand: both
    gradients are sum_x dp_g(x) [log(p_g + p_data) - log p_data](x) (sum dp_g = 0 drops the constants).
    Checked to fail: the gradient of KL(p_g || p_data) alone, or of KL - JS, differs by > 0.01."""
    d_star = theory.optimal_discriminator(P_DATA_5, softmax_np(THETA_5))
    theta = mg.tensor(THETA_5, requires_grad=True)
    p_g = mg.functional.softmax(theta)
    (gradient,) = mg.grad(mg.sum(p_g * mg.tensor(-np.log(d_star))), [theta])

    def objective(th):
        return theory.nonsaturating_objective_at_optimal_d(P_DATA_5, softmax_np(th), dx=1.0)
    expected = central_differences(objective, THETA_5)
    np.testing.assert_allclose(gradient.data, expected, rtol=1e-7, atol=1e-8)
    kl_only = central_differences(lambda th: theory.kl_divergence(softmax_np(th), P_DATA_5, 1.0), THETA_5)
    kl_minus_js = central_differences(
        lambda th: objective(th) + theory.js_divergence(P_DATA_5, softmax_np(th), 1.0), THETA_5)
    assert np.abs(kl_only - expected).max() > 0.01 and np.abs(kl_minus_js - expected).max() > 0.01


def test_the_dropped_terms_do_depend_on_the_generator():
    """THEORY 4.3: E_{p_data}[log D*] changes with p_g (D* does), so E_{p_g}[-log D*] with D* recomputed
    at each theta has another gradient than KL - 2 JS: only the frozen-D* statement holds."""
    def moving(th):
        p_g = softmax_np(th)
        return float(np.sum(p_g * -np.log(theory.optimal_discriminator(P_DATA_5, p_g))))
    def objective(th):
        return theory.nonsaturating_objective_at_optimal_d(P_DATA_5, softmax_np(th), dx=1.0)
    # the values: the identity of the notes, with the E_{p_data}[log D*] term kept
    d_star = theory.optimal_discriminator(P_DATA_5, softmax_np(THETA_5))
    assert moving(THETA_5) == pytest.approx(objective(THETA_5) + 2 * np.log(2) + np.sum(P_DATA_5 * np.log(d_star)),
                                            rel=1e-12)
    difference = central_differences(moving, THETA_5) - central_differences(objective, THETA_5)
    assert np.abs(difference).max() > 0.01


# ----------------------------------------------------------------------------
# 11.1: packing multiplies the total variation of a dropped mode, less that of an even error
# ----------------------------------------------------------------------------

def test_total_variation_by_hand():
    assert theory.total_variation([0.5, 0.5, 0.0], [0.0, 0.5, 0.5]) == pytest.approx(0.5)
    assert theory.total_variation([0.2, 0.8], [0.2, 0.8]) == 0.0
    # the product of two fair coins is uniform on the four outcomes, in the documented order
    np.testing.assert_allclose(theory.product_distribution([0.3, 0.7], 2), [0.09, 0.21, 0.21, 0.49])


@pytest.mark.parametrize("m", [1, 2, 3, 4])
def test_a_dropped_mode_gives_1_minus_1_minus_w_to_the_m(m):
    """P uniform on 5 modes, Q = P without mode 0 (mass w = 0.2), renormalised. By enumerating the 5^m
    outcomes: d_TV(P, Q) = w and d_TV(P^m, Q^m) = 1 - (1 - w)^m (0.2, 0.36, 0.488, 0.5904) exactly.
    Checked to fail for the linear approximation m w (0.4 at m = 2) and for (1 - w)^m."""
    p = np.full(5, 0.2)
    q = np.array([0.0, 0.25, 0.25, 0.25, 0.25])
    w = 0.2
    assert theory.total_variation(p, q) == pytest.approx(w, abs=1e-15)
    packed = theory.packed_total_variation(p, q, m)
    assert packed == pytest.approx(1 - (1 - w) ** m, abs=1e-13)
    assert packed == pytest.approx(theory.dropped_mode_packed_tv(w, m), abs=1e-13)
    if m > 1:
        assert abs(packed - m * w) > 0.01 and abs(packed - (1 - w) ** m) > 0.01


@pytest.mark.parametrize("m", [2, 3, 4])
def test_an_even_spread_of_the_same_total_variation_gains_less(m):
    """Q off by +-w/2 on every one of 4 modes (no mode dropped) has the same d_TV(P, Q) = w = 0.25 as a
    dropped mode, and a smaller packed distance (m = 2: 0.3125 against 0.4375, by hand). No Q with
    d_TV = w exceeds 1 - (1 - w)^m (20 random ones checked): the dropped mode is the worst case."""
    w = 0.25
    p = np.full(4, 0.25)
    dropped = np.array([1 / 3, 1 / 3, 1 / 3, 0.0])
    even = np.array([0.375, 0.375, 0.125, 0.125])
    assert theory.total_variation(p, dropped) == pytest.approx(w) and theory.total_variation(p, even) == pytest.approx(w)
    bound = 1 - (1 - w) ** m
    assert theory.packed_total_variation(p, dropped, m) == pytest.approx(bound, abs=1e-13)
    spread = theory.packed_total_variation(p, even, m)
    assert spread < bound - 0.05
    if m == 2:
        assert spread == pytest.approx(0.3125, abs=1e-13)
    rng = np.random.default_rng(m)
    for _ in range(20):   # another Q at the same distance: move mass w from two points to the other two
        order = rng.permutation(4)
        q = p.copy()
        q[order[:2]] += rng.dirichlet(np.ones(2)) * w
        q[order[2:]] -= rng.dirichlet(np.ones(2)) * w     # each at most w = p_i: q stays >= 0
        assert theory.total_variation(p, q) == pytest.approx(w, abs=1e-12)
        assert theory.packed_total_variation(p, q, m) <= bound + 1e-12


# ----------------------------------------------------------------------------
# 5.3: the Lipschitz bound of a clipped MLP
# ----------------------------------------------------------------------------

def input_gradient_norms(D, x):
    """||grad_x D(x)|| for every row of x (rows are independent, so the gradient of the sum gives each)."""
    x = mg.tensor(x, requires_grad=True)
    (g,) = mg.grad(mg.sum(D(x)), [x])
    return np.linalg.norm(g.data, axis=1)


def weight_matrices(D):
    return [p.data for p in D.parameters() if p.data.ndim == 2]


@pytest.mark.parametrize("activation", ["relu", ("leaky_relu", 0.2), "tanh"])
def test_clipped_mlp_slopes_stay_below_the_bound_and_the_all_c_network_reaches_it(activation):
    """A 3-5-4-1 MLP with every weight in [-c, c]: the input gradient norm at 2,000 points is at most
    prod ||W_l||_2, which is at most prod c sqrt(m_l n_l) = 0.01^3 sqrt(15) sqrt(20) 2 (THEORY 5.3). With
    every weight and bias at +c (ReLU family, x > 0: every unit active) the slope IS the bound. Checked
    to fail: a bound without the sqrt(m n) factors is below the measured slopes, and one with m n
    instead of sqrt(m n) is not reached."""
    c = 0.01
    # the spectral norm, not the Frobenius norm (5 here): diag(3, 4) stretches by at most 4
    assert theory.lipschitz_upper_bound([np.diag([3.0, 4.0]), [[0.5, 0.5]]]) == pytest.approx(4 * np.sqrt(0.5))
    rng = np.random.default_rng(0)
    D = models.mlp_discriminator(3, hidden=(5, 4), activation=activation, rng=rng).double()
    for p in D.parameters():
        p.data[...] = rng.uniform(-c, c, size=p.shape)
    shapes = [w.shape for w in weight_matrices(D)]
    assert shapes == [(5, 3), (4, 5), (1, 4)]
    clipped_bound = theory.clipped_lipschitz_bound(shapes, c)
    assert clipped_bound == pytest.approx(c ** 3 * np.sqrt(15 * 20 * 4))
    slopes = input_gradient_norms(D, rng.standard_normal((2000, 3)) * 3)
    assert slopes.max() <= theory.lipschitz_upper_bound(weight_matrices(D)) * (1 + 1e-12)
    assert theory.lipschitz_upper_bound(weight_matrices(D)) <= clipped_bound
    if activation == "tanh":
        return   # tanh' < 1 away from 0: the all-c network comes close but does not reach the bound
    for p in D.parameters():
        p.data[...] = c
    reached = input_gradient_norms(D, rng.uniform(0.1, 1.0, size=(10, 3)))
    np.testing.assert_allclose(reached, clipped_bound, rtol=1e-12)
    assert theory.clipped_lipschitz_bound(shapes, c) / np.sqrt(15 * 20 * 4) < reached.min()  # no sqrt(mn)


# ----------------------------------------------------------------------------
# 10.5: a uniform prior's KL is infinite; a Gaussian prior's mean and scale are absorbed by the decoder
# ----------------------------------------------------------------------------

def test_kl_of_a_gaussian_code_to_a_uniform_prior_is_infinite():
    """q = N(mu, sigma^2) is positive everywhere, a uniform prior on a box is 0 outside it: KL(q || p)
    = +inf for every (mu, sigma), while KL(q || N(0, 1)) is finite (and the closed form of 10.4)."""
    inside = (X >= -3.0) & (X < 3.0)
    uniform = inside / (inside.sum() * DX)
    # (a code within ~35 std of the box's edges: further out q underflows to 0.0 in float64)
    for mu, sigma in [(0.0, 1.0), (0.5, 0.2), (2.5, 0.3)]:
        q = theory.normal_pdf(X, mu, sigma)
        assert theory.kl_divergence(q, uniform, DX) == np.inf
        to_normal = theory.kl_divergence(q, theory.normal_pdf(X), DX)
        assert to_normal == pytest.approx(0.5 * (mu ** 2 + sigma ** 2 - 1 - np.log(sigma ** 2)), abs=1e-8)
    # the other direction is finite: the uniform is covered by the Gaussian
    assert np.isfinite(theory.kl_divergence(uniform, theory.normal_pdf(X), DX))


def test_a_diagonal_gaussian_prior_is_absorbed_by_the_first_layer_and_the_encoder():
    """Prior N(m, diag s^2) = N(0, I) pushed through z -> m + s z. (1) The decoder's first layer
    (W, b) on m + s z equals the layer (W diag(s), b + W m) on z, exactly. (2) The KL term is the same
    after the encoder's matching change mu' = (mu - m) / s, sigma' = sigma / s:
    KL(N(mu, sigma^2) || N(m, s^2)) = KL(N(mu', sigma'^2) || N(0, 1)) per coordinate. So the ELBO of
    the best model is the same with either prior. Checked to fail: W diag(s^2), or b + m, or
    sigma' = sigma, break (1) or (2) by more than 0.1."""
    rng = np.random.default_rng(7)
    W, b = rng.standard_normal((6, 4)), rng.standard_normal(6)
    m, s = rng.standard_normal(4), rng.uniform(0.3, 3.0, 4)
    z = rng.standard_normal((50, 4))
    W0, b0 = theory.absorb_gaussian_prior(W, b, m, s)
    np.testing.assert_allclose((m + s * z) @ W.T + b, z @ W0.T + b0, rtol=1e-12, atol=1e-12)
    assert np.abs((m + s * z) @ W.T + b - (z @ (W * s * s).T + b0)).max() > 0.1
    mu, sigma = rng.standard_normal((3, 4)), rng.uniform(0.2, 2.0, (3, 4))
    kl_to_prior = sum(theory.kl_normal(mu[i, j], sigma[i, j], m[j], s[j]) for i in range(3) for j in range(4))
    mu0, sigma0 = (mu - m) / s, sigma / s
    kl_to_standard = vae.gaussian_kl(mg.tensor(mu0), mg.tensor(np.log(sigma0 ** 2))).data.sum()
    assert kl_to_prior == pytest.approx(kl_to_standard, rel=1e-12)
    unscaled = vae.gaussian_kl(mg.tensor(mu0), mg.tensor(np.log(sigma ** 2))).data.sum()
    assert abs(unscaled - kl_to_prior) > 0.1


# ----------------------------------------------------------------------------
# 13: self-information, entropy, cross-entropy, maximum likelihood (note 001, eqs. 2-17)
# ----------------------------------------------------------------------------

def test_self_information_and_entropy_by_hand():
    """I = -log p; H = E_p[I]: a fair coin carries log 2 (1 bit), (1/2, 1/4, 1/4) carries 1.5 bits on
    average, a certain outcome nothing."""
    np.testing.assert_allclose(theory.self_information([0.5, 0.25, 1.0]), [np.log(2), 2 * np.log(2), 0.0])
    assert theory.self_information([0.0])[0] == np.inf
    assert theory.entropy([0.5, 0.5]) == pytest.approx(np.log(2))
    assert theory.entropy([0.5, 0.25, 0.25]) == pytest.approx(1.5 * np.log(2))
    assert theory.entropy([1.0, 0.0, 0.0]) == 0.0
    p = np.array([0.1, 0.2, 0.3, 0.4])
    assert theory.entropy(p) == pytest.approx(np.sum(p * theory.self_information(p)), rel=1e-14)


def test_cross_entropy_is_entropy_plus_kl():
    """H_c(p, q) = H(p) + KL(p || q) on random distributions of 6 points, so KL = H_c - H = H_c + sum p log p.
    Note 001's eq. (8), H_c - sum p log p, is H_c + H instead: more than H_c, never 0 (checked)."""
    rng = np.random.default_rng(3)
    for _ in range(10):
        p, q = rng.dirichlet(np.ones(6)), rng.dirichlet(np.ones(6))
        h_c = theory.cross_entropy(p, q)
        assert h_c == pytest.approx(theory.entropy(p) + theory.kl_divergence(p, q, 1.0), rel=1e-12)
        assert theory.kl_divergence(p, q, 1.0) == pytest.approx(h_c + np.sum(p * np.log(p)), rel=1e-12)
        assert abs((h_c - np.sum(p * np.log(p))) - theory.kl_divergence(p, q, 1.0)) > 0.5
    assert theory.cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf   # q's code has no word for outcome 2


def test_the_wrong_code_costs_the_kl_of_the_data_from_the_code():
    """Codes in bits for dyadic distributions: lengths -log2 p = (1, 2, 2) for p = (1/2, 1/4, 1/4), (1, 1, -)
    for q = (1/2, 1/2, 0). p's code on q-distributed data costs 1/2 * 1 + 1/2 * 2 = 1.5 bits, H(q) = 1 bit:
    the extra 0.5 bit is KL(q || p) (not KL(p || q), which is infinite: q's code cannot write outcome 3)."""
    p, q = np.array([0.5, 0.25, 0.25]), np.array([0.5, 0.5, 0.0])
    lengths_p = theory.self_information(p) / np.log(2)
    np.testing.assert_allclose(lengths_p, [1, 2, 2])
    cost_bits = np.sum(q * lengths_p)
    assert cost_bits == pytest.approx(1.5)
    assert cost_bits - theory.entropy(q) / np.log(2) == pytest.approx(0.5)
    assert theory.kl_divergence(q, p, 1.0) / np.log(2) == pytest.approx(0.5)
    assert theory.kl_divergence(p, q, 1.0) == np.inf


def binomial_pmf(n, prob):
    from math import comb
    k = np.arange(n + 1)
    return np.array([comb(n, int(i)) for i in k]) * prob ** k * (1 - prob) ** (n - k)


def test_maximum_likelihood_is_the_forward_kl_from_the_data():
    """Note 001, eqs. (9)-(16) on 6 points: for N samples, (1/N) log-likelihood of q = -H(p_hat) - KL(p_hat || q)
    for every q (to 1e-12), so the binomial(5, lam) of largest likelihood (over lam = 0.01 .. 0.99) is the
    one closest to p_hat in forward KL, at lam = mean / 5 (to the grid step). As N grows p_hat -> p
    (the law of large numbers, eq. 12) and the fitted lam approaches the argmin of KL(p || q_lam).
    Eq. (16)'s integral, sum p log(q / p), is MINUS that KL."""
    p = np.array([0.05, 0.10, 0.40, 0.25, 0.15, 0.05])
    lams = np.linspace(0.01, 0.99, 99)
    family = [binomial_pmf(5, lam) for lam in lams]
    best_for_p = lams[np.argmin([theory.kl_divergence(p, q, 1.0) for q in family])]
    rng = np.random.default_rng(0)
    gaps = []
    for n in (50, 5000, 100000):
        samples = rng.choice(6, size=n, p=p)
        p_hat = theory.empirical_distribution(samples, 6)
        likelihood = np.array([theory.mean_log_likelihood(samples, q) for q in family])
        forward_kl = np.array([theory.kl_divergence(p_hat, q, 1.0) for q in family])
        np.testing.assert_allclose(likelihood + forward_kl, -theory.entropy(p_hat), rtol=1e-12)
        assert np.argmax(likelihood) == np.argmin(forward_kl)
        assert lams[np.argmax(likelihood)] == pytest.approx(samples.mean() / 5, abs=0.006)
        gaps.append(abs(lams[np.argmax(likelihood)] - best_for_p))
    assert gaps[-1] <= 0.01 and gaps[-1] <= gaps[0]
    q = family[40]
    assert np.sum(p * np.log(q / p)) == pytest.approx(-theory.kl_divergence(p, q, 1.0), rel=1e-12)


def test_the_density_of_a_generator_is_the_pushforward_of_the_prior():
    """G(z) = exp(z), z ~ N(0, 1): integral p(z) delta(x - G(z)) dz = p(log x) / x (note 001, eq. 17 with a
    delta). Checked: it integrates to 1, and the mass of [0.5, 2] is P(log 0.5 < z < log 2) = erf(log 2 / sqrt 2)
    = 0.5117; the indicator [G(z) = x] instead gives 0 for every x (a point has probability 0)."""
    from math import erf
    x = np.linspace(1e-6, 200.0, 200_001)
    dx = x[1] - x[0]
    density = theory.pushforward_density(x, np.log, lambda x: 1 / x)
    assert np.sum(density) * dx == pytest.approx(1.0, abs=1e-4)
    interval = np.linspace(0.5, 2.0, 10001)
    mass = np.trapezoid(theory.pushforward_density(interval, np.log, lambda x: 1 / x), interval)
    assert mass == pytest.approx(erf(np.log(2) / np.sqrt(2)), abs=1e-7)
    z = np.random.default_rng(0).standard_normal(200_000)
    assert np.mean((np.exp(z) > 0.5) & (np.exp(z) < 2.0)) == pytest.approx(0.5117, abs=0.005)
    # an affine G(z) = a z + b gives N(b, a^2)
    np.testing.assert_allclose(theory.pushforward_density(X, lambda x: (x - 1.5) / 0.5, lambda x: np.full_like(x, 2.0)),
                               theory.normal_pdf(X, 1.5, 0.5), rtol=1e-12)


def test_the_gan_objectives_fit_other_gaussians_than_maximum_likelihood():
    """Data: modes at -3 and +3 (std 0.5); model: one Gaussian N(mu, s^2). Maximum likelihood (the forward
    KL(p_data || q)) matches the moments, mu = 0 and s = sqrt(9.25) = 3.04: it covers both modes and the
    empty middle. The optimal-D objectives of a GAN choose one mode (|mu| = 3, s = 0.5): JS (the minimax
    G, 3.3) and KL(q || p_data) - 2 JS (the non-saturating G, 4.3). (With the modes at +-2 JS still
    chooses the moment match; the non-saturating objective a mode.)"""
    x = np.linspace(-12.0, 12.0, 2401)
    dx = x[1] - x[0]
    p_data = theory.normal_mixture_pdf(x, [-3.0, 3.0], [0.5, 0.5])
    candidates = [(mu, s) for mu in np.arange(-4.0, 4.01, 0.5) for s in np.arange(0.3, 3.51, 0.1)]
    densities = [theory.normal_pdf(x, mu, s) for mu, s in candidates]

    def best(objective):
        return candidates[int(np.argmin([objective(q) for q in densities]))]
    mu, s = best(lambda q: theory.kl_divergence(p_data, q, dx))
    assert mu == pytest.approx(0.0, abs=1e-9) and s == pytest.approx(np.sqrt(9.25), abs=0.06)   # grid step 0.1
    for objective in (lambda q: theory.js_divergence(p_data, q, dx),
                      lambda q: theory.nonsaturating_objective_at_optimal_d(p_data, q, dx)):
        mu, s = best(objective)
        assert abs(mu) == pytest.approx(3.0) and s == pytest.approx(0.5, abs=0.01)
