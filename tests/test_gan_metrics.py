"""Tests for gan.metrics against hand computations and independent brute-force formulas."""

import numpy as np
import pytest

from gan import data, metrics, theory

# ----------------------------------------------------------------------------
# exact 1-D Wasserstein-1
# ----------------------------------------------------------------------------


def quantile_function(samples, u):
    """Empirical quantile F^{-1}(u) = x_(ceil(u n)) of a sample set, for u in (0, 1]."""
    ordered = np.sort(samples)
    return ordered[np.ceil(u * len(ordered)).astype(int) - 1]


def w1_by_cdfs(a, b):
    """W1 = integral |F_a(t) - F_b(t)| dt, a second exact formula (CDFs instead of quantiles)."""
    points = np.sort(np.concatenate([a, b]))
    cdf_a = np.searchsorted(np.sort(a), points[:-1], side="right") / len(a)
    cdf_b = np.searchsorted(np.sort(b), points[:-1], side="right") / len(b)
    return np.sum(np.abs(cdf_a - cdf_b) * np.diff(points))


def test_w1_of_a_shift_is_the_shift():
    a = np.random.default_rng(0).normal(size=300)
    for c in (0.0, 0.7, -2.5):
        assert metrics.wasserstein_1d(a, a + c) == pytest.approx(abs(c), abs=1e-12)


def test_w1_hand_computed_different_sizes():
    # F_a^{-1} = 0 on (0, 1/2], 1 on (1/2, 1];  F_b^{-1} = 0 on (0, 2/3], 3 on (2/3, 1]
    # |difference| = 1 on (1/2, 2/3] and 2 on (2/3, 1]:  W1 = 1/6 + 2/3 = 5/6
    assert metrics.wasserstein_1d([0.0, 1.0], [0.0, 0.0, 3.0]) == pytest.approx(5.0 / 6.0, abs=1e-15)
    assert metrics.wasserstein_1d([2.0], [-1.5]) == pytest.approx(3.5)
    # the same distribution written with different sample sizes
    assert metrics.wasserstein_1d([0.0, 1.0], [1.0, 0.0, 0.0, 1.0]) == pytest.approx(0.0, abs=1e-15)


def test_w1_matches_brute_force_quantile_integral():
    rng = np.random.default_rng(1)
    a = rng.normal(0.0, 1.0, size=7)
    b = rng.exponential(1.0, size=5)
    # midpoints of a grid whose spacing divides both 1/7 and 1/5: the midpoint
    # rule integrates the two step functions exactly
    grid_size = 7 * 5 * 2000
    u = (np.arange(grid_size) + 0.5) / grid_size
    brute_force = np.mean(np.abs(quantile_function(a, u) - quantile_function(b, u)))
    assert metrics.wasserstein_1d(a, b) == pytest.approx(brute_force, rel=1e-9)
    assert metrics.wasserstein_1d(a, b) == pytest.approx(w1_by_cdfs(a, b), rel=1e-9)


def test_w1_is_symmetric_and_accepts_column_vectors():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(40, 1)), rng.uniform(size=33)
    assert metrics.wasserstein_1d(a, b) == pytest.approx(metrics.wasserstein_1d(b, a), rel=1e-12)
    assert metrics.wasserstein_1d(a, b) == pytest.approx(w1_by_cdfs(a[:, 0], b), rel=1e-9)


def test_w1_rejects_empty_and_multidimensional_samples():
    with pytest.raises(ValueError, match="wasserstein_1d"):
        metrics.wasserstein_1d([], [1.0])
    with pytest.raises(ValueError, match="1-D"):
        metrics.wasserstein_1d(np.zeros((3, 2)), [1.0])


def test_w1_to_uniform_hand_computed():
    # one sample at 2 against U[1, 3]: integral_0^1 |2 - (1 + 2u)| du = 1/2
    assert metrics.wasserstein_1d_to_uniform([2.0], 1.0, 3.0) == pytest.approx(0.5, abs=1e-15)
    # all curves with a = 2 against U[1, 3] (the collapsed generator): same 1/2
    assert metrics.wasserstein_1d_to_uniform(np.full(100, 2.0), 1.0, 3.0) == pytest.approx(0.5)
    # the n midpoints (i - 1/2)/n are the best n-point fit to U[0, 1]: W1 = 1/(4n)
    n = 10
    midpoints = (np.arange(n) + 0.5) / n
    assert metrics.wasserstein_1d_to_uniform(midpoints, 0.0, 1.0) == pytest.approx(1 / (4 * n))


def test_w1_to_uniform_matches_quantile_grid():
    a = np.random.default_rng(3).normal(1.5, 1.0, size=9)
    grid_size = 9 * 100000
    u = (np.arange(grid_size) + 0.5) / grid_size
    brute_force = np.mean(np.abs(quantile_function(a, u) - (-1.0 + 4.0 * u)))
    assert metrics.wasserstein_1d_to_uniform(a, -1.0, 3.0) == pytest.approx(brute_force, rel=1e-6)


def test_w1_to_uniform_matches_monte_carlo_uniform_sample():
    rng = np.random.default_rng(4)
    a = rng.normal(2.0, 0.3, size=50)
    uniform_sample = rng.uniform(1.0, 3.0, size=400000)
    exact = metrics.wasserstein_1d_to_uniform(a, 1.0, 3.0)
    assert metrics.wasserstein_1d(a, uniform_sample) == pytest.approx(exact, abs=0.005)


def test_sliced_w1_of_a_shift_is_the_mean_projected_shift():
    a = np.random.default_rng(5).normal(size=(200, 2))
    t = np.array([0.6, -1.2])
    k = 36
    angles = np.pi * np.arange(k) / k
    expected = np.mean(np.abs(t[0] * np.cos(angles) + t[1] * np.sin(angles)))
    assert metrics.sliced_wasserstein_2d(a, a + t, n_directions=k) == pytest.approx(expected, abs=1e-12)
    # about 2/pi of the shift's length for many directions
    assert expected == pytest.approx(2 / np.pi * np.linalg.norm(t), rel=0.01)
    assert metrics.sliced_wasserstein_2d(a, a) == 0.0


def test_sliced_w1_of_points_on_a_line_scales_the_1d_w1():
    # both sets on the x axis: the projection on u_k multiplies every x by cos(pi k / K)
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=50), rng.exponential(size=80)
    a = np.stack([x, np.zeros_like(x)], axis=1)
    b = np.stack([y, np.zeros_like(y)], axis=1)
    k = 8
    scale = np.mean(np.abs(np.cos(np.pi * np.arange(k) / k)))
    assert metrics.sliced_wasserstein_2d(a, b, n_directions=k) == pytest.approx(
        scale * metrics.wasserstein_1d(x, y), rel=1e-12)


def test_sliced_w1_rejects_other_dimensions():
    with pytest.raises(ValueError, match=r"sliced_wasserstein_2d: b must have shape \(n, 2\)"):
        metrics.sliced_wasserstein_2d(np.zeros((3, 2)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="n_directions"):
        metrics.sliced_wasserstein_2d(np.zeros((3, 2)), np.zeros((3, 2)), n_directions=0)


def test_w1_to_uniform_rejects_empty_interval():
    with pytest.raises(ValueError, match="low < high"):
        metrics.wasserstein_1d_to_uniform([1.0], 2.0, 2.0)


# ----------------------------------------------------------------------------
# mode coverage
# ----------------------------------------------------------------------------

CENTERS = data.RING8_CENTERS
STD = data.RING8_STD


def test_every_mode_hit_evenly():
    samples = np.repeat(CENTERS, 30, axis=0)
    result = metrics.mode_coverage(samples, CENTERS, STD)
    assert result["modes"] == 8
    assert result["high_quality"] == 1.0
    assert result["kl"] == pytest.approx(0.0, abs=1e-12)
    assert np.array_equal(result["counts"], np.full(8, 30))


def test_collapse_to_one_mode():
    noise = np.random.default_rng(5).normal(0.0, STD, size=(500, 2))
    samples = CENTERS[3] + 0.5 * noise  # well inside 3 std of centre 3
    result = metrics.mode_coverage(samples, CENTERS, STD)
    assert result["modes"] == 1
    assert result["high_quality"] == 1.0
    assert result["kl"] == pytest.approx(np.log(8))  # all mass on 1 of 8 modes
    assert result["counts"][3] == 500


def test_off_mode_garbage_is_not_high_quality():
    # halfway between neighbouring centres: 0.77 away from both, 38 std
    angles = 2 * np.pi * (np.arange(8) + 0.5) / 8
    garbage = 2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    result = metrics.mode_coverage(garbage, CENTERS, STD)
    assert result["modes"] == 0
    assert result["high_quality"] == 0.0
    assert np.isnan(result["kl"])
    # half garbage, half evenly on four modes: KL(uniform on 4 || uniform on 8) = log 2
    good = np.repeat(CENTERS[:4], 2, axis=0)
    result = metrics.mode_coverage(np.concatenate([garbage, good]), CENTERS, STD)
    assert result["modes"] == 4
    assert result["high_quality"] == 0.5
    assert result["kl"] == pytest.approx(np.log(2.0))


def test_three_std_boundary():
    direction = np.array([0.6, 0.8])
    inside = CENTERS[0] + 2.9 * STD * direction
    outside = CENTERS[0] + 3.1 * STD * direction
    assert metrics.mode_coverage(inside[None], CENTERS, STD)["high_quality"] == 1.0
    assert metrics.mode_coverage(outside[None], CENTERS, STD)["high_quality"] == 0.0
    assert metrics.mode_coverage(outside[None], CENTERS, STD, threshold=4.0)["modes"] == 1


def test_min_count_ignores_modes_hit_by_few_samples():
    samples = np.concatenate([np.repeat(CENTERS[:7], 30, axis=0), CENTERS[7:8]])
    assert metrics.mode_coverage(samples, CENTERS, STD)["modes"] == 8
    assert metrics.mode_coverage(samples, CENTERS, STD, min_count=20)["modes"] == 7


def test_real_ring_and_grid_data_are_fully_covered():
    # a round 2-D Gaussian lies within 3 std with probability 1 - exp(-9/2) = 0.98889
    rng = np.random.default_rng(6)
    for sampler, centers, std in [
        (data.ring8, data.RING8_CENTERS, data.RING8_STD),
        (data.grid25, data.GRID25_CENTERS, data.GRID25_STD),
    ]:
        result = metrics.mode_coverage(sampler(20000, rng), centers, std)
        assert result["modes"] == len(centers)
        assert result["high_quality"] == pytest.approx(1 - np.exp(-4.5), abs=0.005)
        assert result["kl"] < 0.01


def test_mode_coverage_rejects_dimension_mismatch():
    with pytest.raises(ValueError, match="coordinates"):
        metrics.mode_coverage(np.zeros((4, 3)), CENTERS, STD)


# ----------------------------------------------------------------------------
# histogram JS
# ----------------------------------------------------------------------------


def test_js_hist_of_disjoint_sets_is_log_2():
    rng = np.random.default_rng(7)
    a = rng.uniform(0.0, 1.0, size=1000)
    b = rng.uniform(5.0, 6.0, size=700)
    assert metrics.js_divergence_hist(a, b, bins=20) == pytest.approx(np.log(2.0))
    points = rng.normal(size=(500, 2))
    assert metrics.js_divergence_hist(points, points + 100.0, bins=10) == pytest.approx(np.log(2.0))


def test_js_hist_of_identical_sets_is_0():
    a = np.random.default_rng(8).normal(size=(1000, 1))
    assert metrics.js_divergence_hist(a, a.copy()) == pytest.approx(0.0, abs=1e-12)


def test_js_hist_approaches_the_true_js_of_two_gaussians():
    rng = np.random.default_rng(9)
    a = rng.normal(0.0, 1.0, size=200000)
    b = rng.normal(1.0, 1.0, size=200000)
    x = np.linspace(-12.0, 13.0, 50001)
    true_js = theory.js_divergence(theory.normal_pdf(x, 0, 1), theory.normal_pdf(x, 1, 1), x[1] - x[0])
    estimate = metrics.js_divergence_hist(a, b, bins=100, value_range=(-6.0, 7.0))
    assert estimate == pytest.approx(true_js, abs=0.005)


# ----------------------------------------------------------------------------
# the parabola curves
# ----------------------------------------------------------------------------


def test_fit_curve_a_recovers_a_from_noiseless_curves():
    a = np.random.default_rng(10).uniform(-1.0, 5.0, size=20)
    curves = a[:, None] * data.CURVE_X**2 + a[:, None] - 1.0
    a_hat, residual_rms = metrics.fit_curve_a(curves)
    assert np.allclose(a_hat, a, atol=1e-12)
    assert np.allclose(residual_rms, 0.0, atol=1e-12)


def test_fit_curve_a_residual_is_the_part_no_parabola_explains():
    x = data.CURVE_X
    phi = x**2 + 1.0
    wiggle = np.sin(3.0 * x)
    wiggle -= (wiggle @ phi) / (phi @ phi) * phi  # now orthogonal to phi
    curve = 2.5 * phi - 1.0 + wiggle
    a_hat, residual_rms = metrics.fit_curve_a(curve[None])
    assert a_hat[0] == pytest.approx(2.5, abs=1e-12)
    assert residual_rms[0] == pytest.approx(np.sqrt(np.mean(wiggle**2)), rel=1e-12)


def test_curves_quality_of_real_and_collapsed_curves():
    real = metrics.curves_quality(data.curves(5000, np.random.default_rng(11)))
    assert real["residual_rms"] < 1e-5  # float32 rounding only
    assert real["w1_a"] < 0.05
    assert real["a_mean"] == pytest.approx(2.0, abs=0.03)
    assert real["a_std"] == pytest.approx(2 / np.sqrt(12), abs=0.02)  # the std of U[1, 3]
    collapsed = np.tile(2.0 * data.CURVE_X**2 + 1.0, (100, 1))  # every curve has a = 2
    quality = metrics.curves_quality(collapsed)
    assert quality["w1_a"] == pytest.approx(0.5)  # see test_w1_to_uniform_hand_computed
    assert quality["residual_rms"] == pytest.approx(0.0, abs=1e-12)
    assert quality["a_std"] == pytest.approx(0.0, abs=1e-12)
    three = metrics.curves_quality(np.stack([a * data.CURVE_X**2 + a - 1 for a in (1.0, 2.0, 3.0)]))
    assert (three["a_mean"], three["a_std"]) == (pytest.approx(2.0), pytest.approx(np.sqrt(2 / 3)))


def test_fit_curve_a_rejects_wrong_width():
    with pytest.raises(ValueError, match="fit_curve_a"):
        metrics.fit_curve_a(np.zeros((3, 14)))


# ----------------------------------------------------------------------------
# digit scores
# ----------------------------------------------------------------------------


def test_classifier_score_of_constant_predictions_is_1():
    row = np.array([0.1, 0.6, 0.3])
    assert metrics.classifier_score(np.tile(row, (50, 1))) == pytest.approx(1.0)
    assert metrics.classifier_score(np.tile(np.eye(10)[4], (50, 1))) == pytest.approx(1.0)


def test_classifier_score_of_confident_balanced_predictions_is_n_classes():
    probs = np.tile(np.eye(10), (7, 1))  # every class predicted 7 times, with certainty
    assert metrics.classifier_score(probs) == pytest.approx(10.0)


def test_confident_share_counts_rows_whose_top_class_reaches_the_threshold():
    probs = np.array([[0.95, 0.05], [0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.01, 0.99]])
    assert metrics.confident_share(probs) == pytest.approx(3 / 5)       # 0.95, 0.9 (inclusive), 0.99
    assert metrics.confident_share(probs, threshold=0.5) == 1.0
    assert metrics.confident_share(np.tile(np.eye(10)[3], (4, 1))) == 1.0  # one class, all certain
    with pytest.raises(ValueError, match="confident_share: probs must have shape"):
        metrics.confident_share(np.ones(3))
    with pytest.raises(ValueError, match="threshold"):
        metrics.confident_share(probs, threshold=0.0)


def test_classifier_score_matches_the_definition():
    probs = np.random.default_rng(12).dirichlet(np.ones(4), size=30)
    marginal = probs.mean(axis=0)
    kl_rows = np.sum(probs * np.log(probs / marginal), axis=1)
    assert metrics.classifier_score(probs) == pytest.approx(np.exp(kl_rows.mean()), rel=1e-12)


def test_classifier_score_rejects_rows_that_are_not_distributions():
    with pytest.raises(ValueError, match="sum to 1"):
        metrics.classifier_score(np.array([[0.5, 0.6]]))


def with_exact_moments(rng, n, mean, cov):
    """n samples whose sample mean and sample covariance (divisor n - 1) are exactly mean, cov."""
    z = rng.normal(size=(n, len(mean)))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.atleast_2d(np.cov(z, rowvar=False)))).T  # sample cov = I
    return mean + z @ np.linalg.cholesky(cov).T


def test_frechet_distance_of_identical_sets_is_0():
    feats = np.random.default_rng(13).normal(size=(100, 6))
    assert metrics.frechet_distance(feats, feats.copy()) == pytest.approx(0.0, abs=1e-9)


def test_frechet_distance_diagonal_covariances_closed_form():
    rng = np.random.default_rng(14)
    mu_a, mu_b = np.array([0.0, 1.0, -2.0]), np.array([0.5, 1.0, 1.0])
    var_a, var_b = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.25])
    a = with_exact_moments(rng, 400, mu_a, np.diag(var_a))
    b = with_exact_moments(rng, 300, mu_b, np.diag(var_b))
    expected = np.sum((mu_a - mu_b) ** 2) + np.sum((np.sqrt(var_a) - np.sqrt(var_b)) ** 2)
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_full_covariances_against_eigenvalues_of_the_product():
    rng = np.random.default_rng(15)
    d = 4
    m_a, m_b = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    cov_a, cov_b = m_a @ m_a.T + 0.1 * np.eye(d), m_b @ m_b.T + 0.1 * np.eye(d)
    mu_a, mu_b = rng.normal(size=d), rng.normal(size=d)
    a = with_exact_moments(rng, 500, mu_a, cov_a)
    b = with_exact_moments(rng, 500, mu_b, cov_b)
    # the eigenvalues of S_a S_b are real and >= 0, and Tr (S_a S_b)^{1/2} = sum of their roots
    trace_sqrt = np.sum(np.sqrt(np.linalg.eigvals(cov_a @ cov_b).real))
    expected = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt
    assert metrics.frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)
    assert metrics.frechet_distance(b, a) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_with_singular_covariances():
    rng = np.random.default_rng(16)
    a = rng.normal(size=(4, 10))  # 4 samples in 10 dimensions: covariance of rank 3
    b = rng.normal(size=(6, 10))
    b[:, 0] = 7.0  # a constant feature
    mu_a, mu_b = a.mean(axis=0), b.mean(axis=0)
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    trace_sqrt = np.sum(np.sqrt(np.clip(np.linalg.eigvals(cov_a @ cov_b).real, 0, None)))
    expected = np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt
    result = metrics.frechet_distance(a, b)
    assert np.isfinite(result)
    assert result == pytest.approx(expected, rel=1e-6)


def test_frechet_distance_in_one_dimension():
    # for 1-D Gaussians d^2 = (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2
    rng = np.random.default_rng(17)
    a = with_exact_moments(rng, 200, np.array([1.0]), np.array([[4.0]]))
    b = with_exact_moments(rng, 200, np.array([-1.0]), np.array([[9.0]]))
    assert metrics.frechet_distance(a, b) == pytest.approx(4.0 + 1.0, rel=1e-9)


def test_class_coverage_counts_classes_and_kl():
    result = metrics.class_coverage(np.array([0, 0, 1, 3]), n_classes=4)
    assert result["classes"] == 3
    assert np.array_equal(result["counts"], [2, 1, 0, 1])
    # p = (1/2, 1/4, 0, 1/4): KL(p || uniform) = 1/2 log 2 + 1/4 log 1 + 1/4 log 1
    assert result["kl"] == pytest.approx(0.5 * np.log(2.0))
    all_digits = metrics.class_coverage(np.arange(100) % 10)
    assert all_digits["classes"] == 10 and all_digits["kl"] == pytest.approx(0.0, abs=1e-12)
    assert metrics.class_coverage(np.array([0, 0, 1, 3]), n_classes=4, min_count=2)["classes"] == 1


def test_class_coverage_rejects_out_of_range_labels():
    with pytest.raises(ValueError, match="class_coverage"):
        metrics.class_coverage(np.array([0, 10]), n_classes=10)


# ----------------------------------------------------------------------------
# sharpness (mean absolute 4-neighbour Laplacian)
# ----------------------------------------------------------------------------


def test_sharpness_of_one_bright_pixel_by_hand():
    # 5x5 black image (-1) with one white pixel (+1) in the middle; the interior is the 3x3 block.
    # centre: 4*1 - 4*(-1) = 8; its 4 neighbours: 4*(-1) - (1 - 3) = -2; the 4 corners: 0.
    image = -np.ones((5, 5))
    image[2, 2] = 1.0
    assert metrics.sharpness(image[None]) == pytest.approx((8 + 4 * 2) / 9, rel=1e-12)


def test_sharpness_is_0_on_flat_and_linear_images_and_accepts_every_layout():
    assert metrics.sharpness(np.full((3, 28, 28), 0.5)) == 0.0
    ramp = np.add.outer(np.arange(6.0), 2 * np.arange(6.0)) / 20  # a linear image: Laplacian 0
    assert metrics.sharpness(ramp[None]) == pytest.approx(0.0, abs=1e-12)
    images = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28))
    value = metrics.sharpness(images)
    assert metrics.sharpness(images.reshape(4, 784)) == value
    assert metrics.sharpness(images[:, None]) == value
    assert metrics.sharpness((images + 1) / 2) == pytest.approx(value / 2, rel=1e-12)


def test_blurring_lowers_sharpness():
    rng = np.random.default_rng(1)
    strokes = np.where(rng.uniform(size=(8, 28, 28)) < 0.2, 1.0, -1.0)
    padded = np.pad(strokes, ((0, 0), (1, 1), (1, 1)), mode="edge")
    blurred = sum(padded[:, i:i + 28, j:j + 28] for i in range(3) for j in range(3)) / 9  # 3x3 box blur
    assert metrics.sharpness(blurred) < 0.5 * metrics.sharpness(strokes)


def test_sharpness_rejects_bad_shapes():
    with pytest.raises(ValueError, match="sharpness: flat images of 780 pixels"):
        metrics.sharpness(np.zeros((2, 780)))
    with pytest.raises(ValueError, match="sharpness: images must have shape"):
        metrics.sharpness(np.zeros((2, 3, 28, 28)))
