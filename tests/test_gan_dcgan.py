"""The DCGAN builders (gan/models.py): the DCGAN rules checked on the module tree, the paper's
initialisation, image-shaped data through the Trainer, and the WGAN-GP critic (double backward)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from gan import losses, models
from gan.train import Trainer, TrainConfig

BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def layer_types(module):
    return [type(layer) for layer in module]


def test_the_generator_follows_the_dcgan_rules():
    G = models.dcgan_generator(rng=np.random.default_rng(0))
    assert layer_types(G) == [nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Unflatten, nn.ConvTranspose2d,
                              nn.BatchNorm2d, nn.ReLU, nn.ConvTranspose2d, nn.Tanh]
    # rule 3: the only Linear is the first layer, the projection of z
    assert [i for i, layer in enumerate(G) if isinstance(layer, nn.Linear)] == [0]
    assert (G[0].in_features, G[0].out_features) == (100, 128 * 7 * 7)
    # rule 1: upsampling by strided transposed convolutions, never by pooling or unpooling
    assert not any(isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d, nn.Upsample)) for layer in G.modules())
    assert all(layer.stride == (2, 2) for layer in G if isinstance(layer, nn.ConvTranspose2d))
    # rule 2: batch norm after every hidden layer, none on the output layer (ConvT -> Tanh directly)
    assert isinstance(G[-2], nn.ConvTranspose2d) and isinstance(G[-1], nn.Tanh)
    # rule 4: ReLU inside G, tanh only at the output
    assert {t for t in layer_types(G) if t in (nn.ReLU, nn.LeakyReLU, nn.Tanh, nn.Sigmoid)} == {nn.ReLU, nn.Tanh}
    x = G(mg.tensor(np.random.default_rng(1).standard_normal((3, 100)), dtype=np.float32))
    assert x.shape == (3, 1, 28, 28) and np.abs(x.data).max() <= 1.0


@pytest.mark.parametrize("norm, norm_type", [("batch", nn.BatchNorm2d), ("layer", nn.LayerNorm), (None, None)])
def test_the_discriminator_follows_the_dcgan_rules(norm, norm_type):
    D = models.dcgan_discriminator(norm=norm, rng=np.random.default_rng(0))
    expected = [nn.Conv2d, nn.LeakyReLU, nn.Conv2d] + ([norm_type] if norm_type else []) + \
        [nn.LeakyReLU, nn.Flatten, nn.Linear]
    assert layer_types(D) == expected
    # rule 2: no normalisation on the input layer: the first layer sees the pixels
    assert isinstance(D[0], nn.Conv2d) and D[0].in_channels == 1
    # rule 1: strided convolutions instead of pooling
    assert not any(isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)) for layer in D.modules())
    assert all(layer.stride == (2, 2) for layer in D if isinstance(layer, nn.Conv2d))
    # rule 5: LeakyReLU(0.2) everywhere in D
    assert all(layer.negative_slope == 0.2 for layer in D if isinstance(layer, nn.LeakyReLU))
    # rule 3 + logits: one Linear, the last layer, one output, no sigmoid after it
    assert [i for i, layer in enumerate(D) if isinstance(layer, nn.Linear)] == [len(D) - 1]
    assert D[-1].out_features == 1
    scores = D(mg.tensor(np.random.default_rng(1).uniform(-1, 1, (5, 1, 28, 28)), dtype=np.float32))
    assert scores.shape == (5, 1)


def test_the_critic_has_no_batch_norm():
    C = models.dcgan_critic(rng=np.random.default_rng(0))
    assert not any(isinstance(layer, BATCH_NORMS) for layer in C.modules())
    assert any(isinstance(layer, nn.LayerNorm) for layer in C.modules())


def test_the_dcgan_initialisation_draws_weights_from_n_0_002():
    rng = np.random.default_rng(0)
    for module in (models.dcgan_generator(rng=rng), models.dcgan_discriminator(rng=rng)):
        for layer in module.modules():
            if isinstance(layer, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                w = layer.weight.data
                if w.size >= 1000:  # enough values for a sample std within 10%
                    assert abs(w.mean()) < 0.003 and w.std() == pytest.approx(0.02, rel=0.1), layer
                if layer.bias is not None:
                    assert np.all(layer.bias.data == 0)
            elif isinstance(layer, BATCH_NORMS):
                w = layer.weight.data
                assert w.mean() == pytest.approx(1.0, abs=0.01) and w.std() == pytest.approx(0.02, rel=0.3)
                assert np.all(layer.bias.data == 0)
    # PyTorch's default (uniform, bound 1/sqrt(fan_in)) is kept with init='pytorch': much wider here
    first = models.dcgan_discriminator(init="pytorch", rng=rng)[0].weight.data
    assert first.std() > 0.1
    with pytest.raises(ValueError, match="dcgan_generator: init must be one of"):
        models.dcgan_generator(init="xavier")


def test_layer_norm_keeps_samples_independent_and_batch_norm_does_not():
    """Why the critic has no batch norm: with it, D(x_i) depends on the other samples of the batch,
    so grad_x D(x_i) is not a per-sample gradient and the gradient penalty is ill-defined."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (4, 1, 28, 28)).astype(np.float32)
    changed = x.copy()
    changed[1:] = rng.uniform(-1, 1, (3, 1, 28, 28))      # only the OTHER samples change
    for norm, independent in (("layer", True), ("batch", False)):
        D = models.dcgan_discriminator(norm=norm, rng=np.random.default_rng(1))
        first, again = D(mg.tensor(x)).data[0, 0], D(mg.tensor(changed)).data[0, 0]
        assert (abs(first - again) < 1e-5) == independent, (norm, first, again)


def test_image_shaped_data_trains_through_the_trainer():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (32, 1, 28, 28)).astype(np.float32)
    G, D = models.dcgan_generator(noise_dim=8, channels=16, rng=rng), models.dcgan_discriminator(channels=8, rng=rng)
    trainer = Trainer(G, D, images, TrainConfig(batch_size=8, seed=0))  # noise_dim read from G
    assert trainer.noise_dim == 8
    trainer.fit(2, progress=False)
    assert trainer.sample(5).shape == (5, 1, 28, 28) and trainer.discriminate(images[:3]).shape == (3,)


def test_the_wgan_gp_critic_trains_with_finite_penalty_gradients():
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (32, 1, 28, 28)).astype(np.float32)
    G, C = models.dcgan_generator(noise_dim=8, channels=16, rng=rng), models.dcgan_critic(channels=8, rng=rng)
    trainer = Trainer(G, C, images, TrainConfig(loss="wgan-gp", batch_size=8, n_critic=2, seed=0))
    trainer.fit(3, progress=False)
    assert np.all(np.isfinite(trainer.history["d_loss"])) and np.all(np.isfinite(trainer.history["wasserstein"]))
    # the penalty alone: its gradient reaches every critic parameter (through grad_x D: double backward)
    real = mg.tensor(images[:8])
    fake = mg.tensor(trainer.sample(8))
    penalty = losses.gradient_penalty(C, real, fake, rng=rng)
    for p in C.parameters():
        p.grad = None
    penalty.backward()
    grads = {name: p.grad.data for name, p in C.named_parameters() if p.grad is not None}
    # every parameter gets a gradient but two biases that grad_x D does not depend on: the output
    # bias, and the layer norm's bias (it only shifts the input of a piecewise-linear LeakyReLU)
    assert set(grads) == {name for name, _ in C.named_parameters()} - {"3.bias", "6.bias"}
    assert np.isfinite(penalty.item()) and penalty.item() > 0
    assert all(np.all(np.isfinite(g)) for g in grads.values())
    assert np.abs(grads["0.weight"]).max() > 0  # the first conv is only reached by the second-order path


def test_interpolation_points_lie_between_real_and_fake_images():
    real, fake = np.ones((3, 1, 2, 2)), np.zeros((3, 1, 2, 2))
    x_hat = losses.interpolate(real, fake, np.array([[0.0], [0.5], [1.0]]))
    assert x_hat.shape == (3, 1, 2, 2)
    np.testing.assert_allclose(x_hat.data[:, 0, 0, 0], [0.0, 0.5, 1.0])
