"""How good is a generator? Numbers computed from its samples (pure NumPy).

    mode_coverage(samples, centers, std)   ring / grid: modes covered, share of good samples, KL
    wasserstein_1d(a, b)                   exact W1 between two 1-D sample sets
    wasserstein_1d_to_uniform(a, lo, hi)   exact W1 between a 1-D sample set and U[lo, hi]
    sliced_wasserstein_2d(a, b)            W1 averaged over projections of 2-D samples on K directions
    js_divergence_hist(a, b)               histogram estimate of JS(a || b)
    fit_curve_a(curves), curves_quality    the parabola demo: fitted a and its W1 to U[1, 3]
    classifier_score(probs)                exp(E_x KL(p(y|x) || p(y))), "inception score"
    frechet_distance(feats_a, feats_b)     distance between Gaussians fitted to features
    class_coverage(labels_pred)            which digits a generator draws, and how evenly
    sharpness(images)                      mean absolute 4-neighbour Laplacian: blur lowers it

    precision_recall(real_f, fake_f)       quality and coverage apart: k-NN manifolds (Kynkaanniemi et al.
                                           2019, k = 3), defined in gan/precision_recall.py, re-exported here

All divergences are in nats.
"""

import numpy as np

from gan import data, theory
from gan.precision_recall import precision_recall  # noqa: F401  (re-exported: gan.metrics.precision_recall)


def _as_2d_samples(x, name, function_name):
    """A set of samples as a float64 array of shape (n, d); a 1-D array means d = 1."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(
            f"{function_name}: {name} must have shape (n,) or (n, d) with n >= 1, got {x.shape}"
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{function_name}: {name} contains NaN or inf")
    return x


def _as_1d_samples(x, name, function_name):
    """A set of 1-D samples: shape (n,) or (n, 1), returned flat as float64."""
    x = _as_2d_samples(x, name, function_name)
    if x.shape[1] != 1:
        raise ValueError(
            f"{function_name}: {name} must be 1-D samples, shape (n,) or (n, 1), got {x.shape}"
        )
    return x[:, 0]


def _kl_from_uniform(counts):
    """KL(p || uniform) of the histogram p = counts / sum(counts), in nats; NaN if all counts are 0.

    KL(p || u) = sum_k p_k log(p_k K). Empty bins add 0 (0 log 0 = 0), so the value is
    finite even when some bins are empty: 0 for a perfectly even histogram, log K
    when everything falls in one bin.
    """
    counts = np.asarray(counts, dtype=np.float64)
    total = counts.sum()
    if total == 0:
        return float("nan")
    p = counts / total
    uniform = np.full_like(p, 1.0 / p.size)
    # a probability vector is a density on a grid of spacing 1
    return theory.kl_divergence(p, uniform, dx=1.0)


# ----------------------------------------------------------------------------
# mode collapse on the ring and the grid
# ----------------------------------------------------------------------------


def mode_coverage(samples, centers, std, threshold=3.0, min_count=1):
    """Modes covered and sample quality on a mixture of round Gaussians (ring8, grid25).

    The protocol of VEEGAN and PacGAN: every sample is assigned to its nearest
    centre; it is *high quality* if it lies within ``threshold`` = 3 standard
    deviations of that centre (||x - c|| < 3 std). A mode is *covered* when at
    least ``min_count`` high-quality samples are assigned to it. The default
    min_count = 1 is what the PacGAN evaluation code counts (any mode that
    receives a high-quality sample); raise it (e.g. 20 out of 2500 samples) to
    ignore modes hit only by stray samples.

    Returns a dict:
      modes         int, number of covered modes (0..K)
      high_quality  float, fraction of all samples that are high quality
      kl            float, KL(p || uniform) in nats, where p is the histogram of
                    high-quality samples over the K modes (normalised to sum 1).
                    Empty modes add 0 (0 log 0 = 0), so kl is finite: 0 for a
                    perfectly even spread, log K when all good samples sit on one
                    mode. NaN when no sample is high quality.
      counts        int array (K,), high-quality samples per mode
    """
    name = "mode_coverage"
    samples = _as_2d_samples(samples, "samples", name)
    centers = _as_2d_samples(centers, "centers", name)
    if samples.shape[1] != centers.shape[1]:
        raise ValueError(
            f"{name}: samples have {samples.shape[1]} coordinates but centers have {centers.shape[1]}"
        )
    if not std > 0:
        raise ValueError(f"{name}: std must be > 0, got {std!r}")
    if isinstance(min_count, bool) or int(min_count) != min_count or min_count < 1:
        raise ValueError(f"{name}: min_count must be an int >= 1, got {min_count!r}")

    squared_distances = ((samples[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2)
    nearest = squared_distances.argmin(axis=1)
    distance_to_nearest = np.sqrt(squared_distances[np.arange(len(samples)), nearest])
    is_high_quality = distance_to_nearest < threshold * std

    counts = np.bincount(nearest[is_high_quality], minlength=len(centers))
    return {
        "modes": int(np.sum(counts >= min_count)),
        "high_quality": float(is_high_quality.mean()),
        "kl": _kl_from_uniform(counts),
        "counts": counts,
    }


# ----------------------------------------------------------------------------
# exact Wasserstein-1 distances in one dimension
# ----------------------------------------------------------------------------


def wasserstein_1d(a, b):
    """Exact W1 between the empirical distributions of two 1-D sample sets.

    In one dimension the optimal transport plan matches quantiles, so
        W1(P_a, P_b) = integral_0^1 |F_a^{-1}(u) - F_b^{-1}(u)| du.
    The empirical quantile function of n sorted samples a_(1) <= ... <= a_(n) is
    the step function F_a^{-1}(u) = a_(i) for u in ((i-1)/n, i/n]. Both step
    functions are constant between consecutive breakpoints of the merged list
    {i/n} and {j/m}, so the integral is an exact finite sum over those pieces.
    The two sets may have different sizes n and m.
    """
    a = np.sort(_as_1d_samples(a, "a", "wasserstein_1d"))
    b = np.sort(_as_1d_samples(b, "b", "wasserstein_1d"))
    n, m = len(a), len(b)
    # Breakpoints in units of 1/(n m), kept as integers so that equal fractions
    # such as 1/2 and 2/4 merge exactly: i/n = i*m/(n*m), j/m = j*n/(n*m).
    breaks = np.union1d(np.arange(1, n + 1) * m, np.arange(1, m + 1) * n)
    widths = np.diff(breaks, prepend=0) / (n * m)
    # On the piece ending at u = K/(n m) the quantile index is ceil(u n) - 1.
    index_a = (breaks + m - 1) // m - 1
    index_b = (breaks + n - 1) // n - 1
    return float(np.sum(widths * np.abs(a[index_a] - b[index_b])))


def wasserstein_1d_to_uniform(a, low, high):
    """Exact W1 between the empirical distribution of 1-D samples and U[low, high].

    W1 = integral_0^1 |F_a^{-1}(u) - Q(u)| du with Q(u) = low + (high - low) u the
    quantile function of U[low, high]. On ((i-1)/n, i/n] the sample quantile is
    the constant a_(i), and with e(u) = Q(u) - a_(i) (so de/du = L = high - low)
        integral |e(u)| du = [ e |e| / (2 L) ] from u = (i-1)/n to u = i/n,
    because d/du (e |e| / 2) = |e| L. Summing over i gives the exact value.
    """
    a = np.sort(_as_1d_samples(a, "a", "wasserstein_1d_to_uniform"))
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        raise ValueError(f"wasserstein_1d_to_uniform: need low < high, got low={low!r}, high={high!r}")
    n = len(a)
    length = high - low
    u = np.arange(n + 1) / n
    e_start = low + length * u[:-1] - a
    e_end = low + length * u[1:] - a
    pieces = (e_end * np.abs(e_end) - e_start * np.abs(e_start)) / (2.0 * length)
    return float(np.sum(pieces))


def sliced_wasserstein_2d(a, b, n_directions=36):
    """Sliced W1 between two sets of 2-D samples: the exact 1-D W1 of their projections, averaged
    over K = n_directions evenly spaced directions u_k = (cos(pi k / K), sin(pi k / K)):

        SW1(P_a, P_b) = (1/K) sum_k W1(<a, u_k>, <b, u_k>).

    It is 0 for equal sample sets, never larger than the 2-D W1 (a projection moves no point
    farther apart), and for b = a + t (a shift) each projection is shifted by <t, u_k>, so
    SW1 = (1/K) sum_k |<t, u_k>|, about (2 / pi) ||t||. Used where no modes can be counted
    (two moons, two lines, one Gaussian).
    """
    name = "sliced_wasserstein_2d"
    a = _as_2d_samples(a, "a", name)
    b = _as_2d_samples(b, "b", name)
    for label, x in (("a", a), ("b", b)):
        if x.shape[1] != 2:
            raise ValueError(f"{name}: {label} must have shape (n, 2), got {x.shape}")
    if isinstance(n_directions, bool) or int(n_directions) != n_directions or n_directions < 1:
        raise ValueError(f"{name}: n_directions must be an int >= 1, got {n_directions!r}")
    angles = np.pi * np.arange(n_directions) / n_directions
    directions = np.stack([np.cos(angles), np.sin(angles)], axis=0)  # (2, K)
    if len(a) == len(b):  # equal sizes: W1 = (1/n) sum_i |a_(i) - b_(i)| for every direction at once
        return float(np.mean(np.abs(np.sort(a @ directions, axis=0) - np.sort(b @ directions, axis=0))))
    return float(np.mean([wasserstein_1d(a @ u, b @ u) for u in directions.T]))


# ----------------------------------------------------------------------------
# histogram estimate of the JS divergence
# ----------------------------------------------------------------------------


def js_divergence_hist(a, b, bins=50, value_range=None):
    """Estimate JS(P_a || P_b) in nats from two sample sets, by histograms.

    Both sets are binned on the same grid of ``bins`` equal bins per coordinate
    over ``value_range = (low, high)`` (default: from the smallest to the largest
    value of both sets together), turned into probability vectors p and q, and
        JS = 1/2 KL(p || m) + 1/2 KL(q || m),  m = (p + q) / 2.
    Works for 1-D samples (shape (n,) or (n, 1)) and for points in d dimensions
    (shape (n, d), bins**d cells). Samples outside a given value_range are
    dropped. The estimate is biased (it depends on the bins and on the sample
    sizes) and lies in [0, log 2]; log 2 means no bin holds samples of both sets.
    Fix value_range when comparing estimates from different training steps.
    """
    name = "js_divergence_hist"
    a = _as_2d_samples(a, "a", name)
    b = _as_2d_samples(b, "b", name)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{name}: a has {a.shape[1]} coordinates per sample but b has {b.shape[1]}")
    if isinstance(bins, bool) or int(bins) != bins or bins < 1:
        raise ValueError(f"{name}: bins must be a positive int, got {bins!r}")
    if value_range is None:
        both = np.concatenate([a, b])
        low, high = both.min(), both.max()
        if low == high:
            high = low + 1.0  # all samples equal: any bin containing them will do
    else:
        low, high = value_range
        if not high > low:
            raise ValueError(
                f"{name}: value_range must be (low, high) with low < high, got {value_range!r}"
            )
    edges = [np.linspace(low, high, int(bins) + 1)] * a.shape[1]
    counts_a, _ = np.histogramdd(a, bins=edges)
    counts_b, _ = np.histogramdd(b, bins=edges)
    if counts_a.sum() == 0 or counts_b.sum() == 0:
        raise ValueError(f"{name}: no samples of a or of b fall inside value_range {value_range!r}")
    p = counts_a.ravel() / counts_a.sum()
    q = counts_b.ravel() / counts_b.sum()
    return theory.js_divergence(p, q, dx=1.0)


# ----------------------------------------------------------------------------
# the parabola demo (the parabola tutorial)
# ----------------------------------------------------------------------------


def fit_curve_a(curves, x=data.CURVE_X):
    """Fit y = a (x^2 + 1) - 1 to every curve by least squares, in closed form.

    With phi = x^2 + 1 the model is y + 1 = a phi, linear in a, and minimising
    sum_j (y_j + 1 - a phi_j)^2 gives
        a_hat = sum_j phi_j (y_j + 1) / sum_j phi_j^2.
    Returns ``(a_hat, residual_rms)``, both float64 of shape (n,):
    residual_rms = sqrt(mean_j (y_j - (a_hat phi_j - 1))^2), which is 0 for a
    curve that is exactly a parabola of the data family.
    """
    curves = np.asarray(curves, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    if curves.ndim != 2 or curves.shape[1] != x.size:
        raise ValueError(
            f"fit_curve_a: curves must have shape (n, {x.size}) (one value per x), got {curves.shape}"
        )
    phi = x**2 + 1.0
    a_hat = (curves + 1.0) @ phi / np.dot(phi, phi)
    residuals = curves - (a_hat[:, None] * phi - 1.0)
    return a_hat, np.sqrt(np.mean(residuals**2, axis=1))


def curves_quality(curves, x=data.CURVE_X):
    """Two numbers that say how well generated curves match the data of the parabola tutorial.

    Returns a dict:
      residual_rms  mean over curves of the least-squares residual (see
                    ``fit_curve_a``): how far the curves are from being parabolas
                    y = a x^2 + a - 1 at all (0 for real data).
      w1_a          exact W1 between the fitted a values and U[1, 3], the law of a
                    in the real data: are the right parabolas drawn, with the right
                    frequencies? (0 only in the limit of infinitely many real curves.)
      a_mean, a_std mean and standard deviation of the fitted a (real data: 2 and
                    2 / sqrt(12) = 0.577).
    """
    a_hat, residual_rms = fit_curve_a(curves, x)
    return {
        "residual_rms": float(residual_rms.mean()),
        "w1_a": wasserstein_1d_to_uniform(a_hat, data.CURVE_A_LOW, data.CURVE_A_HIGH),
        "a_mean": float(a_hat.mean()),
        "a_std": float(a_hat.std()),
    }


# ----------------------------------------------------------------------------
# digits: scores computed from a digit classifier's outputs
# ----------------------------------------------------------------------------


def _entropy(p, axis=-1):
    """H(p) = -sum_k p_k log p_k in nats, with 0 log 0 = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    return -terms.sum(axis=axis)


def classifier_score(probs):
    """exp( E_x KL(p(y|x) || p(y)) ): the "inception score" formula with a digit classifier.

    probs: shape (n, K), row i is the classifier's p(y | x_i) for generated image
    x_i (non-negative rows summing to 1). p(y) = mean_i p(y | x_i) is the class
    distribution over the whole set. The score is high when every image is
    classified confidently (p(y|x) peaked) *and* the classes are varied (p(y)
    spread out): it runs from 1 (every image gets the same prediction) to K
    (confident predictions, all K classes equally often). Computed on the whole
    set at once (no splits).

    The mean KL is computed as H(p(y)) - mean_i H(p(y|x_i)) (entropies), which is
    the same sum regrouped: sum_k p_ik log(p_ik / p_k) averaged over i.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"classifier_score: probs must have shape (n, K), got {probs.shape}")
    if np.any(probs < 0) or not np.allclose(probs.sum(axis=1), 1.0, atol=1e-4):
        raise ValueError("classifier_score: every row of probs must be >= 0 and sum to 1")
    marginal = probs.mean(axis=0)
    mean_kl = _entropy(marginal) - _entropy(probs, axis=1).mean()
    return float(np.exp(max(mean_kl, 0.0)))  # the mean KL is >= 0; max() only removes round-off


def confident_share(probs, threshold=0.9):
    """The share of images the classifier names without hesitation: mean_i [max_k p(k | x_i) >= threshold].

    probs: shape (n, K), rows p(y | x_i). A digit a person can read is one the judge classifies
    confidently; a smudge halfway between a 4 and a 9 spreads its probability. Unlike the
    classifier score it ignores how the classes are spread, so it isolates recognisability.
    """
    probs = np.asarray(probs, dtype=np.float64)
    if probs.ndim != 2 or probs.shape[0] == 0:
        raise ValueError(f"confident_share: probs must have shape (n, K), got {probs.shape}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"confident_share: threshold must be in (0, 1], got {threshold}")
    return float(np.mean(probs.max(axis=1) >= threshold))


def _mean_and_covariance(features, name):
    features = _as_2d_samples(features, name, "frechet_distance")
    if features.shape[0] < 2:
        raise ValueError(f"frechet_distance: {name} needs at least 2 samples for a covariance")
    return features.mean(axis=0), np.cov(features, rowvar=False).reshape(features.shape[1], -1)


def _symmetric_sqrt(matrix):
    """Square root of a symmetric positive semi-definite matrix, by eigendecomposition.

    Eigenvalues that round-off made slightly negative are set to 0.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(matrix)
    roots = np.sqrt(np.clip(eigenvalues, 0.0, None))
    return (eigenvectors * roots) @ eigenvectors.T


def frechet_distance(feats_a, feats_b):
    """Frechet distance between Gaussians fitted to two feature sets (as in FID).

        d^2 = ||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^{1/2})

    mu, S: mean and covariance (divisor n - 1) of each set of features, shape (n, d).
    S_a S_b is not symmetric, but it has the same eigenvalues as the symmetric
    positive semi-definite M = S_a^{1/2} S_b S_a^{1/2}, so
    Tr (S_a S_b)^{1/2} = Tr M^{1/2} = sum sqrt(eigenvalues of M). Working with
    symmetric matrices only (eigh) keeps this stable when a covariance is
    singular (fewer samples than features, or constant features).
    The result is clipped at 0 against round-off.
    """
    mu_a, cov_a = _mean_and_covariance(feats_a, "feats_a")
    mu_b, cov_b = _mean_and_covariance(feats_b, "feats_b")
    if mu_a.shape != mu_b.shape:
        raise ValueError(
            f"frechet_distance: feats_a has {mu_a.size} features per sample but feats_b has {mu_b.size}"
        )
    sqrt_cov_a = _symmetric_sqrt(cov_a)
    middle = sqrt_cov_a @ cov_b @ sqrt_cov_a
    middle = 0.5 * (middle + middle.T)  # symmetric in exact arithmetic
    trace_sqrt_product = np.sum(np.sqrt(np.clip(np.linalg.eigvalsh(middle), 0.0, None)))
    distance = (
        np.sum((mu_a - mu_b) ** 2) + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt_product
    )
    return float(max(distance, 0.0))


def class_coverage(labels_pred, n_classes=10, min_count=1):
    """Which classes (digits) a set of generated images is classified as, and how evenly.

    labels_pred: the predicted class of every image, ints in [0, n_classes).
    Returns a dict:
      classes  int, number of classes predicted at least ``min_count`` times
      counts   int array (n_classes,), images per predicted class
      kl       KL(p || uniform) in nats of the predicted-class histogram p
               (0 = every class equally often, log n_classes = one class only;
               empty classes add 0, see ``mode_coverage``)
    """
    labels_pred = np.asarray(labels_pred)
    if labels_pred.ndim != 1 or labels_pred.size == 0:
        raise ValueError(
            f"class_coverage: labels_pred must be a non-empty 1-D array, got shape {labels_pred.shape}"
        )
    if not np.issubdtype(labels_pred.dtype, np.integer):
        raise ValueError(f"class_coverage: labels_pred must hold ints, got dtype {labels_pred.dtype}")
    if labels_pred.min() < 0 or labels_pred.max() >= n_classes:
        raise ValueError(
            f"class_coverage: labels must lie in [0, {n_classes}), got values "
            f"from {labels_pred.min()} to {labels_pred.max()}"
        )
    counts = np.bincount(labels_pred, minlength=n_classes)
    return {
        "classes": int(np.sum(counts >= min_count)),
        "counts": counts,
        "kl": _kl_from_uniform(counts),
    }


# ----------------------------------------------------------------------------
# image sharpness
# ----------------------------------------------------------------------------


def _as_images(images, function_name):
    """(n, H, W) float64 from (n, H, W), (n, 1, H, W) or flat square images (n, H*W)."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim == 4 and x.shape[1] == 1:
        x = x[:, 0]
    elif x.ndim == 2:
        side = int(round(np.sqrt(x.shape[1])))
        if side * side != x.shape[1]:
            raise ValueError(f"{function_name}: flat images of {x.shape[1]} pixels are not square; "
                             "pass them as (n, H, W)")
        x = x.reshape(len(x), side, side)
    if x.ndim != 3 or x.shape[0] == 0 or x.shape[1] < 3 or x.shape[2] < 3:
        raise ValueError(f"{function_name}: images must have shape (n, H*W), (n, H, W) or (n, 1, H, W) "
                         f"with n >= 1 and H, W >= 3, got {np.shape(images)}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"{function_name}: images contain NaN or inf")
    return x


def sharpness(images):
    """Mean absolute 4-neighbour Laplacian of the pixels: how much edges there are.

    For an image x (pixels in [-1, 1], as the generators draw them: -1 black, +1 white),
    at every interior pixel (i, j), 1 <= i <= H-2, 1 <= j <= W-2,

        L(i, j) = 4 x(i, j) - x(i-1, j) - x(i+1, j) - x(i, j-1) - x(i, j+1)

    (the discrete Laplacian, with its sign flipped), and

        sharpness = mean over all images and all interior pixels of |L(i, j)|.

    Flat regions give 0; a sharp stroke edge gives large |L|; blurring spreads each edge over
    more pixels with smaller differences, so a blurry image scores lower. Border pixels are left
    out (no padding convention enters). The scale is that of the pixels: on [0, 1] pixels the
    value is half of this. On [-1, 1] pixels, held-out real MNIST digits score about 0.41.

    images: (n, H*W) square images, (n, H, W) or (n, 1, H, W). Returns a float.
    """
    x = _as_images(images, "sharpness")
    laplacian = (4.0 * x[:, 1:-1, 1:-1] - x[:, :-2, 1:-1] - x[:, 2:, 1:-1]
                 - x[:, 1:-1, :-2] - x[:, 1:-1, 2:])
    return float(np.mean(np.abs(laplacian)))
