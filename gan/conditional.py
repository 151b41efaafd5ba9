"""The conditional GAN (Mirza & Osindero 2014): G(z, y) and D(x, y) both see a label y.

The game is played once per label. With p(y) the label distribution,

    V(D, G) = E_y [ E_{x ~ p_data(x|y)} log D(x, y) + E_{z ~ p_z} log(1 - D(G(z, y), y)) ]

and for a fixed G the best D answers label by label:  D*(x|y) = p_data(x|y) / (p_data(x|y) + p_g(x|y)),
so V(D*, G) = E_y[-log 4 + 2 JS(p_data(.|y) || p_g(.|y))]: G wins only when it matches every class.

How the label gets in (one module per player, wrapping an ordinary body):

    G   one-hot(y) concatenated to z:  G(z, y) = body([z, one_hot(y)])   (MLP: the first Linear;
        DCGAN: the projection Linear(z + 10, c*7*7) turns the label into part of the first feature map)
    D   label_input 'onehot': body([flatten(x), one_hot(y)])   (MLP)
                    'maps':   body([x, 10 label maps])         (DCGAN: map c is 1 where y = c, else 0)
                    None:     body(x)
        then one of three heads on the features phi = body(...):
        'concat'      psi(phi)                           the label enters only through label_input
        'acgan'       psi(phi), and 10 class logits W_c phi (AC-GAN, Odena et al. 2017): D also
                      classifies, and both players add the cross-entropy of the fakes' requested labels
        'projection'  psi(phi) + embed(y) . phi          (Miyato & Koyama 2018: the log-ratio
                      log p_data(x|y)/p_g(x|y) split into a label-free part and an inner product)

The Trainer (gan/train.py) sees a conditional pair through `n_classes` on both modules and then
draws labels with every batch (real labels from the data; fakes' labels for D = the real batch's,
for G uniform), adding AC-GAN's class loss when D has the 'acgan' head (TrainConfig.aux_weight).
"""
import numpy as np

import minigrad as mg
from minigrad import functional as F
from minigrad import nn
from minigrad.tensor import Tensor

from gan import models

CONDITIONINGS = ("concat", "acgan", "projection")
LABEL_INPUTS = (None, "onehot", "maps")


def as_labels(labels, n, n_classes, where):
    """Labels as an int array (n,) with values in [0, n_classes); a clear error otherwise."""
    labels = np.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.shape != (n,):
        raise ValueError(f"{where}: need {n} labels (shape ({n},)), got shape {labels.shape}")
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind != "f" or not np.array_equal(labels, np.round(labels)):
            raise ValueError(f"{where}: labels must be whole numbers, got dtype {labels.dtype}")
    if n and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"{where}: labels must lie in [0, {n_classes - 1}], got {labels.min()} to {labels.max()}")
    return labels.astype(np.intp)


def one_hot(labels, n_classes, dtype=np.float32):
    """(n, n_classes) array: row i is 1 at column labels[i], 0 elsewhere (a constant: no gradient)."""
    out = np.zeros((len(labels), n_classes), dtype=dtype)
    out[np.arange(len(labels)), labels] = 1
    return out


class ConditionalGenerator(nn.Module):
    """G(z, y) = body([z, one_hot(y)]): `body` maps (n, noise_dim + n_classes) to samples."""

    def __init__(self, body, noise_dim, n_classes=10):
        super().__init__()
        self.body, self.noise_dim, self.n_classes = body, noise_dim, n_classes

    def forward(self, z, labels):
        z = nn.module.as_tensor(z)
        y = as_labels(labels, z.shape[0], self.n_classes, "ConditionalGenerator")
        return self.body(mg.cat([z, mg.Tensor(one_hot(y, self.n_classes, z.data.dtype))], dim=1))


class ConditionalDiscriminator(nn.Module):
    """D(x, y): the label enters through `label_input` and/or the head named by `conditioning`
    (see the module docstring). `body` maps the (label-extended) input to features (n, feature_dim).

    forward(x, y) -> the adversarial score (n, 1) (a logit, or a critic score);
    scores(x, y)  -> (that score, class logits (n, n_classes) for 'acgan', else None)."""

    def __init__(self, body, feature_dim, n_classes=10, conditioning="acgan", label_input="onehot", rng=None):
        super().__init__()
        if conditioning not in CONDITIONINGS:
            raise ValueError(f"ConditionalDiscriminator: conditioning must be one of {CONDITIONINGS}, got {conditioning!r}")
        if label_input not in LABEL_INPUTS:
            raise ValueError(f"ConditionalDiscriminator: label_input must be one of {LABEL_INPUTS}, got {label_input!r}")
        if conditioning == "concat" and label_input is None:
            raise ValueError("ConditionalDiscriminator: conditioning 'concat' needs a label_input ('onehot' or 'maps')")
        self.n_classes, self.conditioning, self.label_input = n_classes, conditioning, label_input
        self.body = body
        self.head = nn.Linear(feature_dim, 1, rng=rng)                        # psi
        if conditioning == "acgan":
            self.classifier = nn.Linear(feature_dim, n_classes, rng=rng)      # W_c: AC-GAN's 10 extra logits
        if conditioning == "projection":
            self.embed = nn.Embedding(n_classes, feature_dim, rng=rng)

    def features(self, x, labels):
        x = nn.module.as_tensor(x)
        n, dtype = x.shape[0], x.data.dtype
        y = as_labels(labels, n, self.n_classes, "ConditionalDiscriminator")
        if self.label_input == "onehot":
            x = mg.cat([x.reshape(n, -1), mg.Tensor(one_hot(y, self.n_classes, dtype))], dim=1)
        elif self.label_input == "maps":
            maps = np.broadcast_to(one_hot(y, self.n_classes, dtype)[:, :, None, None],
                                   (n, self.n_classes) + tuple(x.shape[2:]))
            x = mg.cat([x, mg.Tensor(np.ascontiguousarray(maps))], dim=1)
        return self.body(x), y

    def scores(self, x, labels):
        phi, y = self.features(x, labels)
        score = self.head(phi)
        if self.conditioning == "projection":
            score = score + mg.sum(self.embed(y) * phi, axis=1, keepdims=True)
        classes = self.classifier(phi) if self.conditioning == "acgan" else None
        return score, classes

    def forward(self, x, labels):
        return self.scores(x, labels)[0]


# ----------------------------------------------------------------------------- builders

def mlp_conditional_generator(noise_dim=100, out_dim=784, n_classes=10, hidden=(256, 512), rng=None):
    """G (noise_dim + n_classes)-256-512-784, LeakyReLU 0.2, tanh output (the digits lesson's G with
    the one-hot label appended to z)."""
    body = models.mlp_generator(noise_dim + n_classes, out_dim, hidden=hidden, activation=("leaky_relu", 0.2),
                                out_activation="tanh", rng=rng)
    return ConditionalGenerator(body, noise_dim, n_classes)


def mlp_conditional_discriminator(in_dim=784, n_classes=10, hidden=(512, 256), conditioning="acgan",
                                  label_input="onehot", rng=None):
    """D: [x, one_hot(y)] (in_dim + n_classes) -512-256 (LeakyReLU 0.2) -> features -> the head(s)."""
    extra = n_classes if label_input == "onehot" else 0
    body = nn.MLP([in_dim + extra, *hidden], activation=("leaky_relu", 0.2), out_activation=("leaky_relu", 0.2),
                  rng=rng)
    return ConditionalDiscriminator(body, hidden[-1], n_classes, conditioning, label_input, rng=rng)


def dcgan_conditional_generator(noise_dim=100, n_classes=10, channels=128, rng=None):
    """The DCGAN generator (gan.models.dcgan_generator) whose projection Linear(noise_dim + n_classes,
    c*7*7) reads [z, one_hot(y)]: the label becomes part of G's first 7 x 7 feature maps."""
    return ConditionalGenerator(models.dcgan_generator(noise_dim + n_classes, channels, rng=rng), noise_dim, n_classes)


def dcgan_conditional_discriminator(n_classes=10, channels=64, conditioning="acgan", label_input="maps", rng=None):
    """The DCGAN discriminator's body (gan.models.dcgan_discriminator: two strided convolutions,
    LeakyReLU 0.2, batch norm in the second) with 1 + n_classes input channels for label maps,
    flattened to features (2c*7*7), then the head(s)."""
    c = channels
    in_channels = 1 + (n_classes if label_input == "maps" else 0)
    body = nn.Sequential(nn.Conv2d(in_channels, c, 4, 2, 1, rng=rng), nn.LeakyReLU(0.2),
                         nn.Conv2d(c, 2 * c, 4, 2, 1, bias=False, rng=rng), nn.BatchNorm2d(2 * c),
                         nn.LeakyReLU(0.2), nn.Flatten())
    models.dcgan_init(body, rng)
    return ConditionalDiscriminator(body, 2 * c * 7 * 7, n_classes, conditioning, label_input, rng=rng)


def is_conditional(module):
    """True for a module that takes labels (it has `n_classes`, as the modules above)."""
    return getattr(module, "n_classes", None) is not None


def class_loss(class_logits, labels):
    """AC-GAN's class term: mean over the batch of -log softmax(class_logits)[label]
    (L_C of Odena et al. 2017, written as a loss to minimise). D minimises it on real digits and on
    the fakes' requested labels; G minimises it on its own fakes: it must draw what was asked."""
    return F.cross_entropy(class_logits, labels)


def generate(generator, z, labels):
    """G(z, y) as an ndarray for given noise z (n, noise_dim) and labels (n,): no graph, eval mode
    (then back to the mode it was in). Shared z with changing labels holds the style and changes the class."""
    mode = generator.training
    generator.eval()
    try:
        with mg.no_grad():
            z = mg.Tensor(np.asarray(z, dtype=generator.parameters()[0].data.dtype))
            return generator(z, labels).data
    finally:
        generator.train(mode)
