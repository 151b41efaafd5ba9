"""Precision and recall (gan/precision_recall.py, Kynkaanniemi et al. 2019) against a brute-force
loop over the definition, and on constructed cases whose answer is known without the code."""
import numpy as np
import pytest

from gan.precision_recall import K, knn_radii, precision_recall


def brute_force(real, fake, k):
    """The definition, one point at a time: the k-th smallest distance to the *other* points of
    the same set is the radius; a point is covered when it lies in some ball."""
    def radii(points):
        out = []
        for i, p in enumerate(points):
            others = [np.linalg.norm(p - q) for j, q in enumerate(points) if j != i]
            out.append(sorted(others)[k - 1])
        return out

    def covered_share(points, centres):
        r = radii(centres)
        hits = [any(np.linalg.norm(p - c) <= r[i] for i, c in enumerate(centres)) for p in points]
        return float(np.mean(hits))

    return {"precision": covered_share(fake, real), "recall": covered_share(real, fake)}


@pytest.mark.parametrize("seed, k", [(0, 3), (1, 1), (2, 5)])
def test_equals_the_definition_computed_point_by_point(seed, k):
    rng = np.random.default_rng(seed)
    real = rng.normal(size=(40, 3))
    fake = rng.normal(loc=1.5, scale=0.6, size=(30, 3))
    got = precision_recall(real, fake, k=k)
    want = brute_force(real, fake, k)
    assert got == pytest.approx(want, abs=1e-12)
    assert 0.0 < got["precision"] < 1.0 and 0.0 < got["recall"] < 1.0  # the case separates the two


def test_the_radius_is_the_kth_neighbour_not_counting_the_point_itself():
    points = np.array([[0.0], [1.0], [3.0], [7.0]])
    # neighbours of 0: 1, 3, 7 -> k = 1 gives 1, k = 2 gives 3; of 7: 4, 6, 7
    np.testing.assert_allclose(knn_radii(points, 1), [1.0, 1.0, 2.0, 4.0])
    np.testing.assert_allclose(knn_radii(points, 2), [3.0, 2.0, 3.0, 6.0])


def test_a_generator_copying_one_real_point_has_precision_1_and_recall_near_0():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(500, 8))
    fake = np.repeat(real[:1], 200, axis=0)
    scores = precision_recall(real, fake)
    assert scores["precision"] == 1.0
    assert scores["recall"] <= 2 / 500      # only the copied point (and an exact twin) is covered


def test_a_generator_drawing_the_data_distribution_has_both_near_1():
    rng = np.random.default_rng(4)
    real = rng.normal(size=(1000, 4))
    fake = rng.normal(size=(1000, 4))
    scores = precision_recall(real, fake)
    assert scores["precision"] > 0.85 and scores["recall"] > 0.85


def test_quality_and_coverage_fail_separately():
    """Samples off the data (shifted far): precision near 0. Samples on only half of the data:
    precision stays high while recall halves."""
    rng = np.random.default_rng(5)
    real = rng.normal(size=(800, 2))
    far = precision_recall(real, rng.normal(loc=6.0, size=(800, 2)))
    assert far["precision"] < 0.05 and far["recall"] < 0.05
    draws = rng.normal(size=(4000, 2))
    half = precision_recall(real, draws[draws[:, 0] > 0][:800])
    assert half["precision"] > 0.85 and 0.3 < half["recall"] < 0.65


def test_published_k_is_3():
    assert K == 3


@pytest.mark.parametrize("real, fake, k, words", [
    (np.zeros((5, 2)), np.zeros((5, 3)), 3, "2 features per sample but fake_features have 3"),
    (np.zeros((3, 2)), np.zeros((9, 2)), 3, "real_features needs more than k = 3 points"),
    (np.zeros((9, 2)), np.zeros((9, 2)), 0, "k must be a positive int"),
    (np.zeros(9), np.zeros((9, 1)), 3, "real_features must have shape (n, d)"),
    (np.full((9, 2), np.nan), np.zeros((9, 2)), 3, "real_features contains NaN"),
])
def test_bad_input_is_named(real, fake, k, words):
    with pytest.raises(ValueError, match="precision_recall: " + ".*" + __import__("re").escape(words)):
        precision_recall(real, fake, k=k)


def test_reachable_as_gan_metrics_precision_recall():
    from gan import metrics, precision_recall as module
    assert metrics.precision_recall is module.precision_recall
    points = np.random.default_rng(0).standard_normal((20, 3))
    assert metrics.precision_recall(points, points) == {"precision": 1.0, "recall": 1.0}
