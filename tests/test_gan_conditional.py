"""The conditional GAN's parts (gan/conditional.py, nn.Embedding, the Trainer with labels): gradients
through D(G(z, y), y) against finite differences in float64, D looks at the label, every loss trains
conditionally, AC-GAN's class term is the cross-entropy it claims to be, unconditional pairs unchanged."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F
from minigrad import nn
from minigrad.nn.stateless import functional_call

from gan import conditional
from gan.config import ConfigError
from gan.losses import LOSS_FAMILIES
from gan.train import Trainer, TrainConfig

N_CLASSES = 4


def tiny_mlp_pair(conditioning, label_input="onehot", seed=0):
    rng = np.random.default_rng(seed)
    G = conditional.mlp_conditional_generator(noise_dim=3, out_dim=12, n_classes=N_CLASSES, hidden=(7,), rng=rng)
    D = conditional.mlp_conditional_discriminator(in_dim=12, n_classes=N_CLASSES, hidden=(8, 6),
                                                  conditioning=conditioning, label_input=label_input, rng=rng)
    return G.double(), D.double()


def tiny_dcgan_pair(conditioning, seed=0, n_classes=2):
    rng = np.random.default_rng(seed)
    G = conditional.dcgan_conditional_generator(noise_dim=3, n_classes=n_classes, channels=2, rng=rng)
    D = conditional.dcgan_conditional_discriminator(n_classes=n_classes, channels=1, conditioning=conditioning,
                                                    rng=rng)
    return G.double(), D.double()


def through_d_of_g(G, D, labels, names):
    """f(z, *params) = (D's score, class logits if any) of D(G(z, y), y), with D's parameters `names`
    as inputs (functional_call), so the check covers the path to z and to those parameters."""
    def f(z, *params):
        score, classes = _scores(D, dict(zip(names, params)), G(z, labels), labels)
        return (score,) if classes is None else (score, classes)
    return f


def _scores(D, params, x, labels):
    return functional_call(_ScoresOf(D), {f"d.{k}": v for k, v in params.items()}, x, labels)


class _ScoresOf(nn.Module):
    """D.scores as a module's forward (functional_call calls forward)."""

    def __init__(self, d):
        super().__init__()
        self.d = d

    def forward(self, x, labels):
        return self.d.scores(x, labels)


@pytest.mark.parametrize("conditioning, label_input", [("concat", "onehot"), ("acgan", "onehot"),
                                                       ("projection", None), ("projection", "onehot")])
def test_gradcheck_mlp_one_hot_through_d_of_g(conditioning, label_input):
    G, D = tiny_mlp_pair(conditioning, label_input)
    labels = np.array([0, 3, 1, 3, 2])
    names = [n for n, _ in D.named_parameters() if n.startswith(("body.0", "embed", "classifier", "head"))]
    params = [mg.tensor(dict(D.named_parameters())[n].data, requires_grad=True, dtype=np.float64) for n in names]
    z = mg.tensor(np.random.default_rng(1).standard_normal((5, 3)), requires_grad=True, dtype=np.float64)
    assert mg.gradcheck(through_d_of_g(G, D, labels, names), [z, *params])


@pytest.mark.parametrize("conditioning", ["concat", "acgan", "projection"])
def test_gradcheck_dcgan_label_maps_through_d_of_g(conditioning):
    """The label as a projected part of G's first feature maps and as 10 input maps of D."""
    G, D = tiny_dcgan_pair(conditioning)
    G.eval(), D.eval()  # batch norm with running statistics: each sample's own function
    labels = np.array([1, 0])
    names = [n for n, _ in D.named_parameters() if n.startswith(("body.0.weight", "embed", "classifier", "head"))]
    params = [mg.tensor(dict(D.named_parameters())[n].data, requires_grad=True, dtype=np.float64) for n in names]
    z = mg.tensor(np.random.default_rng(2).standard_normal((2, 3)), requires_grad=True, dtype=np.float64)
    assert mg.gradcheck(through_d_of_g(G, D, labels, names), [z, *params], atol=1e-5, rtol=1e-3)


def test_the_label_reaches_g_through_its_first_layer():
    """G(z, y) for one z and two labels differ, and its gradient w.r.t. the first layer's label
    columns is nonzero exactly in the asked-for label's column."""
    G, _ = tiny_mlp_pair("acgan")
    z = np.zeros((1, 3))
    assert not np.allclose(conditional.generate(G, z, [0]), conditional.generate(G, z, [2]))
    out = G(mg.tensor(z, dtype=np.float64), np.array([2]))
    mg.sum(out).backward()
    label_columns = G.body[0].weight.grad.data[:, 3:]
    assert np.all(label_columns[:, [0, 1, 3]] == 0) and np.any(label_columns[:, 2] != 0)


@pytest.mark.parametrize("conditioning, label_input", [("concat", "onehot"), ("acgan", "onehot"),
                                                       ("projection", None)])
def test_a_conditional_d_sees_the_label(conditioning, label_input):
    _, D = tiny_mlp_pair(conditioning, label_input)
    x = mg.tensor(np.random.default_rng(3).standard_normal((6, 12)), dtype=np.float64)
    labels = np.array([0, 1, 2, 3, 0, 1])
    with mg.no_grad():
        same, swapped = D(x, labels).data, D(x, labels[::-1].copy()).data
    assert np.all(np.abs(same - swapped)[labels != labels[::-1]] > 1e-9)


def test_projection_is_psi_plus_embedding_dot_features():
    _, D = tiny_mlp_pair("projection", None)
    x = np.random.default_rng(4).standard_normal((5, 12))
    labels = np.array([3, 1, 0, 2, 3])
    with mg.no_grad():
        phi = D.body(mg.tensor(x, dtype=np.float64)).data
        score = D(mg.tensor(x, dtype=np.float64), labels).data[:, 0]
    psi = phi @ D.head.weight.data.T[:, 0] + D.head.bias.data[0]
    np.testing.assert_allclose(score, psi + np.sum(D.embed.weight.data[labels] * phi, axis=1), rtol=1e-12)


def labelled_data(n=40, seed=5):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, n)
    return rng.standard_normal((n, 12)) * 0.3 + labels[:, None] * 0.2, labels


@pytest.mark.parametrize("loss", sorted(LOSS_FAMILIES))
@pytest.mark.parametrize("conditioning", ["concat", "acgan", "projection"])
def test_every_loss_trains_conditionally(loss, conditioning):
    G, D = tiny_mlp_pair(conditioning)
    trainer = Trainer(G.float(), D.float(), labelled_data(), TrainConfig(loss=loss, batch_size=8, seed=1))
    before = {k: v.copy() for k, v in D.state_dict().items()}
    trainer.fit(3, progress=False)
    assert all(np.isfinite(trainer.history[k]).all() for k in ("d_loss", "g_loss"))
    assert any(not np.array_equal(before[k], v) for k, v in D.state_dict().items())
    samples = trainer.sample(8, labels=np.arange(8) % N_CLASSES)
    assert samples.shape == (8, 12) and np.isfinite(samples).all()


def test_acgan_d_loss_adds_the_class_cross_entropy_of_real_and_fake():
    """With aux_weight = a the D step's loss is the adversarial loss + a CE(real) + a CE(fake): its
    value minus the same step's loss at aux_weight 0 is a (CE(real) + CE(fake)), recomputed here."""
    data = labelled_data()
    values = {}
    for weight in (0.0, 2.5):
        G, D = tiny_mlp_pair("acgan")
        trainer = Trainer(G.float(), D.float(), data, TrainConfig(batch_size=8, seed=3, aux_weight=weight))
        state = np.random.default_rng(3)  # the trainer's rng, as it will draw: rows, then noise
        rows = state.integers(0, len(data[0]), 8)
        z = state.standard_normal((8, 3), dtype=np.float32)
        with mg.no_grad():
            fake = G(mg.Tensor(z), data[1][rows])
            ce = sum(F.cross_entropy(D.scores(x, data[1][rows])[1], data[1][rows]).item()
                     for x in (mg.Tensor(data[0][rows].astype(np.float32)), fake))
        values[weight] = trainer.discriminator_step()[0], ce
    (plain, ce), (weighted, _) = values[0.0], values[2.5]
    assert weighted - plain == pytest.approx(2.5 * ce, rel=1e-4)


def test_sample_draws_the_asked_labels_and_unconditional_pairs_refuse_labels():
    G, D = tiny_mlp_pair("acgan")
    trainer = Trainer(G.float(), D.float(), labelled_data(), TrainConfig(seed=0))
    a = trainer.sample(4, labels=[1, 1, 1, 1])
    b = trainer.sample(4, labels=[2, 2, 2, 2])
    assert not np.allclose(a, b)  # same z (seeded), other label
    np.testing.assert_array_equal(trainer.sample(4, labels=[0, 1, 2, 3]), trainer.sample(4))  # default 0, 1, ...
    with pytest.raises(ValueError, match="labels must lie in"):
        trainer.sample(2, labels=[0, N_CLASSES])
    plain = Trainer(nn.MLP([3, 12]), nn.MLP([12, 1]), labelled_data()[0], TrainConfig(seed=0))
    with pytest.raises(ValueError, match="conditional pair"):
        plain.sample(2, labels=[0, 1])


def test_mismatched_pairs_and_unlabelled_data_are_refused():
    G, D = tiny_mlp_pair("acgan")
    x, y = labelled_data()
    with pytest.raises(ConfigError, match=r"\(images, labels\)"):
        Trainer(G, D, x, TrainConfig())
    with pytest.raises(ConfigError, match="conditional generator AND discriminator"):
        Trainer(G, nn.MLP([12, 1]), (x, y), TrainConfig())
    with pytest.raises(ConfigError, match="pack / unroll"):
        Trainer(G, D, (x, y), TrainConfig(pack=2))
    with pytest.raises(ValueError, match="labels must lie in"):
        Trainer(G, D, (x, y + N_CLASSES), TrainConfig())


def test_conditional_value_is_the_label_average_and_the_per_label_d_star_beats_one_d_for_all():
    """V(D, G) = sum_y p(y) V_y: with D*(x|y) = p_data(x|y)/(p_data(x|y) + p_g(x|y)) it equals
    sum_y p(y) (-log 4 + 2 JS_y), and a D that ignores the label (the unconditional D* of the two
    mixtures) scores strictly less when G draws the right shapes for the wrong labels."""
    from gan import theory
    x = np.linspace(-7, 7, 4001)
    dx = x[1] - x[0]
    p_y = np.array([0.3, 0.7])
    data = [theory.normal_pdf(x, -2, 1.0), theory.normal_pdf(x, 2, 1.0)]
    fake = [theory.normal_pdf(x, 2, 1.2), theory.normal_pdf(x, -2, 1.2)]  # digit 0 drawn as a 1 and back
    per_label = sum(w * theory.value_function(theory.optimal_discriminator(p, q), p, q, dx)
                    for w, p, q in zip(p_y, data, fake))
    closed = sum(w * (-np.log(4) + 2 * theory.js_divergence(p, q, dx)) for w, p, q in zip(p_y, data, fake))
    assert per_label == pytest.approx(closed, abs=1e-4)  # the grid ends at +-7: tails of ~1e-5 cut off
    mix_data, mix_fake = sum(w * p for w, p in zip(p_y, data)), sum(w * q for w, q in zip(p_y, fake))
    blind = theory.optimal_discriminator(mix_data, mix_fake)
    label_blind = sum(w * theory.value_function(blind, p, q, dx) for w, p, q in zip(p_y, data, fake))
    assert label_blind < per_label - 0.3  # the label-blind D cannot see that the classes are swapped
