"""Precision and recall of a generator: quality and coverage as two numbers, not one.

The Frechet distance mixes two failures into one number: samples that look wrong (low quality)
and parts of the data the generator never draws (low coverage). Kynkaanniemi et al. (2019,
"Improved precision and recall metric for assessing generative models") separate them with
k-nearest-neighbour manifolds in a feature space (here: the digit judge's features).

For a set of feature vectors Phi = {phi_1, ..., phi_n}, let r_k(phi_i) be the distance from
phi_i to its k-th nearest neighbour in Phi (itself not counted). The set's manifold is the
union of the balls B(phi_i, r_k(phi_i)), and

    f(phi, Phi) = 1 if ||phi - phi_i|| <= r_k(phi_i) for some phi_i in Phi, else 0

    precision = (1 / |Phi_g|) sum over generated phi of f(phi, Phi_r)   how many samples fall
                                                                        on the real manifold
    recall    = (1 / |Phi_r|) sum over real phi of f(phi, Phi_g)        how much of the real data
                                                                        the samples' manifold covers

k = 3, as published. A generator that draws one perfect digit over and over: precision 1,
recall near 0 (its manifold is a single point). A generator that draws the data's
distribution: both near 1 (not exactly 1: a fresh real point can fall outside every ball).
"""
import numpy as np

#: the neighbour that sets each ball's radius, as published
K = 3


def _features(x, name):
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"precision_recall: {name} must have shape (n, d) with n >= 1, got {x.shape}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"precision_recall: {name} contains NaN or inf")
    return x


def pairwise_distances(a, b):
    """Euclidean distances ||a_i - b_j||, shape (len(a), len(b)), from
    ||a||^2 + ||b||^2 - 2 a.b (clipped at 0 against round-off)."""
    squared = np.sum(a * a, axis=1)[:, None] + np.sum(b * b, axis=1)[None, :] - 2.0 * (a @ b.T)
    return np.sqrt(np.clip(squared, 0.0, None))


def knn_radii(features, k=K):
    """r_k(phi_i): the distance from each point to its k-th nearest neighbour in the same set,
    itself not counted (it is the 0-th: its distance to itself is 0)."""
    distances = pairwise_distances(features, features)
    return np.partition(distances, k, axis=1)[:, k]


def manifold_membership(points, centres, radii):
    """f(phi, Phi) for every phi in `points`: 1.0 where phi lies in at least one ball
    B(centre_i, radius_i), else 0.0."""
    return np.any(pairwise_distances(points, centres) <= radii[None, :], axis=1).astype(np.float64)


def precision_recall(real_features, fake_features, k=K):
    """{"precision": ..., "recall": ...} of generated features against real ones (see above).

    real_features (n_r, d), fake_features (n_g, d), with more than k points in each."""
    real = _features(real_features, "real_features")
    fake = _features(fake_features, "fake_features")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"precision_recall: real_features have {real.shape[1]} features per sample "
                         f"but fake_features have {fake.shape[1]}")
    if not (isinstance(k, (int, np.integer)) and k >= 1):
        raise ValueError(f"precision_recall: k must be a positive int, got {k!r}")
    for name, x in (("real_features", real), ("fake_features", fake)):
        if x.shape[0] <= k:
            raise ValueError(f"precision_recall: {name} needs more than k = {k} points for a "
                             f"k-th neighbour, got {x.shape[0]}")
    return {"precision": float(np.mean(manifold_membership(fake, real, knn_radii(real, k)))),
            "recall": float(np.mean(manifold_membership(real, fake, knn_radii(fake, k))))}
