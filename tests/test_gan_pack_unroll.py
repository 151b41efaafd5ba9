"""PacGAN packing and the unrolled GAN in the Trainer: shapes, which samples are packed together,
the config checks, and the unrolled generator loss against finite differences (float64)."""
import numpy as np
import pytest

import minigrad as mg
from gan import losses, models
from gan.packing import pack
from gan.train import ConfigError, TrainConfig, Trainer
from gan.unrolled import unrolled_scores
from minigrad import nn, optim


class Spy(nn.Module):
    """Wraps a module and keeps a copy of every input and output it sees."""

    def __init__(self, inner):
        super().__init__()
        self.inner = inner
        self.inputs, self.outputs = [], []

    def forward(self, x):
        y = self.inner(x)
        self.inputs.append(np.array(x.data))
        self.outputs.append(np.array(y.data))
        return y


def counting_data(n, rng):
    """Row k of the j-th call's batch is (c + k, -(c + k)), c counting on over calls: each row is known."""
    start = counting_data.next
    counting_data.next += n
    rows = np.arange(start, start + n, dtype=np.float32)
    return np.stack([rows, -rows], axis=1)


def packed_trainer(m, batch_size=6, **options):
    rng = np.random.default_rng(0)
    G = Spy(models.mlp_generator(2, 2, hidden=(8,), rng=rng))
    D = Spy(models.mlp_discriminator(2 * m, hidden=(8,), rng=rng))
    counting_data.next = 0
    return Trainer(G, D, counting_data, TrainConfig(batch_size=batch_size, pack=m, noise_dim=2, **options))


def test_pack_puts_consecutive_samples_side_by_side():
    x = mg.tensor(np.arange(12.0).reshape(6, 2))
    assert np.array_equal(pack(x, 3).data, [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]])
    images = np.arange(4 * 2 * 3 * 3.0).reshape(4, 2, 3, 3)  # (n, C, H, W) -> channels side by side
    packed = pack(mg.tensor(images), 2).data
    assert packed.shape == (2, 4, 3, 3) and np.array_equal(packed[1, 2:], images[3])
    assert pack(x, 1) is x
    with pytest.raises(ValueError, match=r"pack: cannot pack a batch of shape \(6, 2\) into groups of m = 4"):
        pack(x, 4)


@pytest.mark.parametrize("m", [2, 3])
def test_discriminator_step_packs_real_with_real_and_fake_with_fake(m):
    trainer = packed_trainer(m)
    G, D = trainer.generator, trainer.discriminator
    G.inputs.clear(), G.outputs.clear(), D.inputs.clear()
    counting_data.next = 0
    trainer.discriminator_step()
    real_in, fake_in = D.inputs
    # batch_size D inputs, each of m samples of 2 features
    assert real_in.shape == fake_in.shape == (6, 2 * m)
    rows = np.arange(6 * m, dtype=np.float32)
    real_samples = np.stack([rows, -rows], axis=1)          # what the sampler returned, in order
    assert np.array_equal(real_in, real_samples.reshape(6, 2 * m))
    assert np.array_equal(real_in[1], np.concatenate(real_samples[m:2 * m]))  # pack 1 = samples m .. 2m-1
    (fakes,) = G.outputs
    assert fakes.shape == (6 * m, 2)
    assert np.array_equal(fake_in[2], np.concatenate(fakes[2 * m:3 * m]))


def test_generator_step_packs_its_fakes_and_gets_their_gradient():
    trainer = packed_trainer(2)
    G, D = trainer.generator, trainer.discriminator
    G.outputs.clear(), D.inputs.clear()
    trainer.generator_step()
    (fakes,), (fake_in,) = G.outputs, D.inputs
    assert np.array_equal(fake_in, fakes.reshape(6, 4))
    assert all(p.grad is not None and np.any(p.grad.data != 0) for p in G.parameters())


def test_pack_checks_the_discriminator_width_and_the_option():
    rng = np.random.default_rng(0)
    G = models.mlp_generator(2, 2, hidden=(8,), rng=rng)
    with pytest.raises(ConfigError, match=r"packed 3 at a time \(TrainConfig.pack=3"):
        Trainer(G, models.mlp_discriminator(2, hidden=(8,), rng=rng), counting_data, TrainConfig(pack=3))
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ConfigError, match="TrainConfig.pack"):
            TrainConfig(pack=bad)
    # any batch size works: batch_size counts D inputs, each of pack samples
    Trainer(G, models.mlp_discriminator(6, hidden=(8,), rng=rng), counting_data, TrainConfig(pack=3, batch_size=5))


def test_unroll_option_checks():
    for bad in (-1, 1.5, True):
        with pytest.raises(ConfigError, match="TrainConfig.unroll"):
            TrainConfig(unroll=bad)
    with pytest.raises(ConfigError, match="recordable optimizer"):
        TrainConfig(unroll=2, d_optimizer="rmsprop")
    with pytest.raises(ConfigError, match="not with loss='wgan-gp'"):
        TrainConfig(unroll=2, loss="wgan-gp")
    assert TrainConfig.from_json(TrainConfig(unroll=3, pack=2).to_json()) == TrainConfig(unroll=3, pack=2)


def tiny_models(seed=0):
    rng = np.random.default_rng(seed)
    G = models.mlp_generator(2, 2, hidden=(3,), activation="tanh", rng=rng).double()
    D = models.mlp_discriminator(2, hidden=(4,), activation="tanh", rng=rng).double()
    return G, D


@pytest.mark.parametrize("kind", ["sgd", "adam"])
def test_unrolled_generator_loss_gradcheck(kind):
    # f(theta_G, theta_D) = L_G(D_k(G(z))) with D_k after 2 recorded D steps: the backward through
    # the steps (the extra term dL_G/dtheta_D^k dtheta_D^k/dtheta_G) against central differences
    G, D = tiny_models()
    rng = np.random.default_rng(1)
    real = mg.tensor(rng.standard_normal((5, 2)), dtype=np.float64)
    z = mg.tensor(rng.standard_normal((5, 2)), dtype=np.float64)
    opt = optim.SGD(D.parameters(), lr=0.5, momentum=0.5) if kind == "sgd" else \
        optim.Adam(D.parameters(), lr=0.05, betas=(0.8, 0.999))
    losses.minimax_discriminator_loss(D(real), D(G(z))).backward()  # one real step: Adam has its moments
    opt.step()

    def surrogate(*params):
        scores = unrolled_scores(D, opt, losses.minimax_discriminator_loss, real, G(z), steps=2)
        return losses.nonsaturating_generator_loss(scores)
    assert mg.gradcheck(surrogate, (*G.parameters(), *D.parameters()))


def test_unrolling_changes_the_generator_gradient_and_not_the_discriminator():
    G, D = tiny_models()
    rng = np.random.default_rng(2)
    real = mg.tensor(rng.standard_normal((8, 2)), dtype=np.float64)
    z = mg.tensor(rng.standard_normal((8, 2)), dtype=np.float64)

    def g_gradient(lr, steps):
        opt = optim.SGD(D.parameters(), lr=lr)
        before = [p.data.copy() for p in D.parameters()]
        scores = unrolled_scores(D, opt, losses.minimax_discriminator_loss, real, G(z), steps=steps)
        grads = mg.grad(losses.nonsaturating_generator_loss(scores), G.parameters())
        assert all(np.array_equal(p.data, b) for p, b in zip(D.parameters(), before))  # D untouched
        return np.concatenate([g.data.ravel() for g in grads])
    plain = g_gradient(0.5, 0)
    np.testing.assert_allclose(g_gradient(0.0, 3), plain, rtol=1e-12)   # steps of size 0: the same D
    assert np.abs(g_gradient(0.5, 3) - plain).max() > 1e-3 * np.abs(plain).max()


def test_trainer_with_unroll_leaves_d_to_its_own_step():
    G, D = tiny_models(3)
    trainer = Trainer(G, D, lambda n, rng: rng.standard_normal((n, 2)),
                      TrainConfig(batch_size=8, unroll=3, d_lr=0.1, g_lr=0.01))
    trainer.discriminator_step()
    state = {k: dict(v) for k, v in trainer.d_optimizer.state.items()}
    before = [p.data.copy() for p in D.parameters()]
    g_before = [p.data.copy() for p in G.parameters()]
    trainer.generator_step()
    assert all(np.array_equal(p.data, b) for p, b in zip(D.parameters(), before))
    assert trainer.d_optimizer.state[0]["step"] == state[0]["step"]
    assert any(not np.array_equal(p.data, b) for p, b in zip(G.parameters(), g_before))
    trainer.fit(3, progress=False)
    assert np.all(np.isfinite(trainer.history["g_loss"]))
