"""gan.inspection: the gradient report of one step, against closed forms for a linear D."""
import numpy as np
import pytest

from gan import data, models
from gan.inspection import format_report, inspect_step, inspect_trainer
from gan.train import TrainConfig, Trainer


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def linear_pair(seed=0):
    """G: 3 -> 8 -> 2 (tanh), D(x) = w . x + b (no hidden layer, so dD/dx = w exactly)."""
    rng = np.random.default_rng(seed)
    G = models.mlp_generator(3, 2, hidden=(8,), activation="tanh", rng=rng)
    D = models.mlp_discriminator(2, hidden=(), rng=rng)
    real = rng.standard_normal((6, 2)).astype(np.float32)
    z = rng.standard_normal((6, 3)).astype(np.float32)
    return G, D, real, z


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan", "lsgan"])
def test_gradient_at_generated_samples_matches_closed_form(loss):
    G, D, real, z = linear_pair()
    w, b = (p.data.astype(np.float64) for p in D.parameters())
    fake = G(z).data.astype(np.float64)
    logit = fake @ w.T + b                        # (n, 1)
    n = len(fake)
    dloss_dlogit = {                              # d L_G / d logit_i, written out per loss
        "minimax": -sigmoid(logit) / n,           # L = mean log(1 - sigmoid(l))
        "nonsaturating": -(1 - sigmoid(logit)) / n,  # L = -mean log sigmoid(l)
        "wgan": -np.ones_like(logit) / n,         # L = -mean l
        "lsgan": (logit - 1) / n,                 # L = 1/2 mean (l - 1)^2
    }[loss]
    report = inspect_step(G, D, real, z, loss=loss)
    np.testing.assert_allclose(report.fake_grad, dloss_dlogit * w, rtol=1e-4, atol=1e-8)
    np.testing.assert_allclose(report.fake_grad_norms, np.abs(dloss_dlogit[:, 0]) * np.linalg.norm(w), rtol=1e-4)


def test_discriminator_gradient_norms_and_means_match_closed_form():
    G, D, real, z = linear_pair(seed=1)
    w, b = (p.data.astype(np.float64) for p in D.parameters())
    fake = G(z).data.astype(np.float64)
    l_real, l_fake = real @ w.T + b, fake @ w.T + b
    # L_D = mean softplus(-l_real) + mean softplus(l_fake)
    dl_real, dl_fake = -(1 - sigmoid(l_real)) / len(real), sigmoid(l_fake) / len(fake)
    grad_w = dl_real.T @ real + dl_fake.T @ fake
    grad_b = dl_real.sum() + dl_fake.sum()
    report = inspect_step(G, D, real, z, loss="minimax")
    assert report.d_grad_norms["0.weight"] == pytest.approx(np.linalg.norm(grad_w), rel=1e-4)
    assert report.d_grad_norms["0.bias"] == pytest.approx(abs(grad_b), rel=1e-4)
    assert report.d_real == pytest.approx(sigmoid(l_real).mean(), rel=1e-5)
    assert report.d_fake == pytest.approx(sigmoid(l_fake).mean(), rel=1e-5)
    assert report.probabilities
    assert list(report.g_grad_norms) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(v > 0 for v in report.g_grad_norms.values())


def test_inspecting_changes_nothing():
    G, D, real, z = linear_pair()
    before = [p.data.copy() for p in G.parameters() + D.parameters()]
    marker = D.parameters()[0]
    marker.grad = None
    G.parameters()[0].grad = "left alone"  # whatever was in .grad is put back
    inspect_step(G, D, real, z, loss="hinge")
    for p, old in zip(G.parameters() + D.parameters(), before):
        np.testing.assert_array_equal(p.data, old)
    assert G.parameters()[0].grad == "left alone" and marker.grad is None


def test_report_table_and_trainer_entry_point():
    rng = np.random.default_rng(0)
    trainer = Trainer(models.mlp_generator(2, 2, hidden=(8,), rng=rng), models.mlp_discriminator(2, hidden=(8,), rng=rng),
                      data.ring8, TrainConfig(loss="wgan-gp", batch_size=8))
    state = trainer.rng.bit_generator.state
    report = inspect_trainer(trainer)
    assert trainer.rng.bit_generator.state == state  # the training run is not disturbed
    assert not report.probabilities and report.fake_grad.shape == (8, 2)
    text = format_report(report)
    for piece in ("loss = wgan-gp", "critic scores", "0.weight", "(8, 2)", "dL_G/dG(z)", f"{report.d_loss:.6g}"):
        assert piece in text
    with pytest.raises(ValueError, match="unknown loss"):
        inspect_step(trainer.generator, trainer.discriminator, np.zeros((2, 2)), np.zeros((2, 2)), loss="nope")
