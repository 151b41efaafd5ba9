"""The digit judge (gan/judge.py): its interface does not depend on the classifier inside it."""
import numpy as np
import pytest

from gan import judge, metrics
from gan.precision_recall import precision_recall
from minigrad import nn


class TinyClassifier(nn.Module):
    """Another architecture with the judge's two methods: features(x) and head(features)."""

    def __init__(self, rng):
        super().__init__()
        self.body = nn.Linear(784, 6, rng=rng)
        self.head = nn.Linear(6, 10, rng=rng)

    def features(self, x):
        return self.body(x)  # one linear layer: not the MLP judge


def two_kinds_of_images(n, rng):
    """Class 0: bright top half; class 1: bright bottom half (pixels in [-1, 1])."""
    labels = rng.integers(0, 2, n)
    images = -np.ones((n, 28, 28), dtype=np.float32)
    images[labels == 0, :14] = 1.0
    images[labels == 1, 14:] = 1.0
    return images.reshape(n, 784), labels


def test_the_judge_works_with_any_classifier_and_reports_every_score():
    rng = np.random.default_rng(0)
    images, labels = two_kinds_of_images(300, rng)
    digit_judge = judge.DigitJudge.train(images, labels, rng, epochs=20, classifier=TinyClassifier)
    assert isinstance(digit_judge.classifier, TinyClassifier)
    assert digit_judge.accuracy(images, labels) == 1.0
    scores = digit_judge.score(images)
    assert set(scores) == {"classes_covered", "class_counts", "class_kl", "classifier_score",
                           "confident_share", "frechet_distance", "sharpness", "precision", "recall"}
    assert scores["precision"] == 1.0 and scores["recall"] == 1.0   # the reference set itself
    assert scores["confident_share"] == 1.0  # a judge with accuracy 1 on two clear-cut kinds
    assert scores["classes_covered"] == 2 and scores["classifier_score"] == pytest.approx(2.0, rel=0.05)
    assert scores["frechet_distance"] == pytest.approx(0.0, abs=1e-6)  # the reference set itself
    assert scores["sharpness"] == metrics.sharpness(images)
    only_tops = digit_judge.score(images[labels == 0])
    assert only_tops["classes_covered"] == 1 and only_tops["frechet_distance"] > 0.1
    # one kind of image: the other kind's real digits lie outside the images' manifold, so at
    # least the half of the real set that is of the other kind is not covered
    assert only_tops["recall"] <= 0.6
    # against as many reference digits as images (equal sizes, as published)
    _, features = digit_judge.classify(images[labels == 0])
    expected = precision_recall(digit_judge.reference_features[:len(features)], features)
    assert (only_tops["precision"], only_tops["recall"]) == (expected["precision"], expected["recall"])
    assert digit_judge.score(images[:3])["precision"] is None       # too few images for a 3rd neighbour


def test_images_of_every_layout_give_the_same_scores_and_bad_shapes_are_named():
    rng = np.random.default_rng(1)
    images, labels = two_kinds_of_images(100, rng)
    digit_judge = judge.DigitJudge.train(images, labels, rng, epochs=1, classifier=TinyClassifier)
    flat = digit_judge.score(images)
    for shape in ((100, 28, 28), (100, 1, 28, 28)):
        assert digit_judge.score(images.reshape(shape))["frechet_distance"] == flat["frechet_distance"]
    with pytest.raises(ValueError, match=r"shape \(n, 784\), \(n, 28, 28\) or \(n, 1, 28, 28\), got \(100, 783\)"):
        digit_judge.score(images[:, :783])
