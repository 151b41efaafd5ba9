"""The digit judge (gan/judge.py): its interface does not depend on the classifier inside it; a trained
judge is cached and loaded back exactly (gan/judge_cache.py); the lessons' judge reaches 0.97."""
import numpy as np
import pytest

from gan import judge, metrics
from gan.precision_recall import precision_recall
import minigrad as mg
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


# ----------------------------------------------------------------------------- the cache

def train_tiny(images, labels, seed, cache_dir, epochs=3):
    rng = np.random.default_rng(seed)
    trained = judge.DigitJudge.train(images, labels, rng, epochs=epochs, classifier=TinyClassifier,
                                     cache_dir=cache_dir, announce="training the tiny judge")
    return trained, rng


def test_a_cached_judge_loads_with_identical_outputs_and_leaves_the_rng_where_training_did(tmp_path, capsys):
    images, labels = two_kinds_of_images(200, np.random.default_rng(2))
    first, rng_trained = train_tiny(images, labels, 5, tmp_path)
    assert "training the tiny judge" in capsys.readouterr().out
    files = list(tmp_path.glob("judge-*.npz"))
    assert len(files) == 1
    again, rng_loaded = train_tiny(images, labels, 5, tmp_path)
    said = capsys.readouterr().out
    assert f"judge: loaded from {files[0]}" in said and "training" not in said
    for a, b in zip(first.classify(images), again.classify(images)):
        np.testing.assert_array_equal(a, b)
    assert rng_loaded.bit_generator.state == rng_trained.bit_generator.state
    # another seed, epoch count or training set is another judge: another file
    train_tiny(images, labels, 6, tmp_path)
    train_tiny(images, labels, 5, tmp_path, epochs=4)
    train_tiny(images[:100], labels[:100], 5, tmp_path)
    assert len(list(tmp_path.glob("judge-*.npz"))) == 4
    assert capsys.readouterr().out.count("training the tiny judge") == 3


def test_a_corrupt_cache_file_is_trained_again_with_one_line_saying_so(tmp_path, capsys):
    images, labels = two_kinds_of_images(200, np.random.default_rng(3))
    first, _ = train_tiny(images, labels, 7, tmp_path)
    path, = tmp_path.glob("judge-*.npz")
    for damage in (b"not a zip file", path.read_bytes()[:200]):
        path.write_bytes(damage)
        capsys.readouterr()
        again, _ = train_tiny(images, labels, 7, tmp_path)
        said = capsys.readouterr().out.splitlines()
        assert said[0].startswith(f"judge: {path} is unreadable (") and said[0].endswith("training the judge again")
        assert said[1] == "training the tiny judge"
        np.testing.assert_array_equal(first.classify(images)[0], again.classify(images)[0])
    train_tiny(images, labels, 7, tmp_path)                  # the retrained file is whole again
    assert "judge: loaded from" in capsys.readouterr().out


def test_a_cache_file_of_another_architecture_is_trained_again(tmp_path, capsys):
    """Same key (the file's name), other weights' shapes: load_state_dict refuses, training follows."""
    images, labels = two_kinds_of_images(100, np.random.default_rng(4))
    train_tiny(images, labels, 8, tmp_path)
    path, = tmp_path.glob("judge-*.npz")
    stored = mg.load(path)
    stored["classifier"]["body.weight"] = stored["classifier"]["body.weight"][:3]
    mg.save(stored, path)
    capsys.readouterr()
    train_tiny(images, labels, 8, tmp_path)
    assert "is unreadable (StateDictError" in capsys.readouterr().out


# ----------------------------------------------------------------------------- the lessons' judge

@pytest.fixture(scope="module")
def lesson_judge(judge_cache):
    """The digit lessons' judge of seed 0 (trained once per session: judge_cache in conftest)."""
    from demos import digit_parts
    return digit_parts.prepare(None, 0, cache_dir=judge_cache)


def test_the_judge_names_97_percent_of_the_held_out_digits(lesson_judge):
    """The issue's bar: >= 0.97 on the 1,000 held-out packaged digits. Measured (seeds 0/1/2):
    see judge.DigitClassifier."""
    assert lesson_judge.accuracy >= 0.97
    assert lesson_judge.judge.reference_features.shape == (4000, judge.FEATURES)


def test_the_lessons_judge_loads_from_the_cache_with_the_same_answers(lesson_judge, judge_cache, capsys):
    from demos import digit_parts
    again = digit_parts.prepare(None, 0, cache_dir=judge_cache)
    assert "judge: loaded from" in capsys.readouterr().out
    assert again.accuracy == lesson_judge.accuracy
    for a, b in zip(again.judge.classify(again.held_x), lesson_judge.judge.classify(lesson_judge.held_x)):
        np.testing.assert_array_equal(a, b)


def test_the_lessons_judge_is_not_confident_about_noise(lesson_judge):
    """What an untrained generator draws (grey noise around 0) is no digit: the judge must not name
    it confidently, or the confident share would reward noise. Measured (seed 0): 0.0 of these
    noise images named with p >= 0.9, held-out real digits 0.93. (A batch-normalised
    variant of the CNN named 100% of such images confidently: see DigitClassifier.)"""
    noise = np.random.default_rng(0).uniform(-1, 1, (500, 784)).astype(np.float32) * 0.5
    assert lesson_judge.judge.score(noise)["confident_share"] < 0.1
    assert lesson_judge.real["confident_share"] > 0.9
