"""gan/digit_looks.py: each measure against a case whose answer is known by construction."""
import numpy as np
import pytest

import minigrad as mg
from gan import digit_looks, digits, losses, models


def test_mean_pixel_and_floor_share():
    images = np.full((2, 1, 28, 28), -1.0)
    images[0, 0, :14] = 0.5                       # half of one image grey, everything else black
    assert digit_looks.mean_pixel(images) == (-1.0 * 1176 + 0.5 * 392) / 1568
    assert digit_looks.floor_share(images) == 0.75
    assert digit_looks.floor_share(images + 0.02) == 0.0     # -0.98 is not at the floor


def test_output_gradient_is_what_the_output_bias_receives():
    """For one image, ||dL/da|| at G's output layer equals the norm of dL/d(bias) of that layer,
    which backprop computes through G's tanh on its own path; a saturated output passes nothing."""
    rng = np.random.default_rng(0)
    generator = models.mlp_generator(4, 6, hidden=(5,), out_activation="tanh", rng=rng)
    discriminator = models.mlp_discriminator(6, hidden=(5,), rng=rng)
    z = rng.standard_normal((1, 4)).astype(np.float32)
    for loss, g_loss in (("nonsaturating", losses.nonsaturating_generator_loss),
                         ("minimax", losses.saturating_generator_loss)):
        measured = digit_looks.output_gradients(generator, discriminator, z, loss)
        generator.zero_grad()
        g_loss(discriminator(generator(mg.Tensor(z)))).backward()
        bias = list(generator.parameters())[-1]
        assert bias.shape == (6,)
        np.testing.assert_allclose(measured["pre_activation"], np.linalg.norm(bias.grad.data), rtol=1e-4)
        assert measured["pixel"] >= measured["pre_activation"] > 0
    bias.data[:] = -30.0                           # every output pixel at tanh's floor
    measured = digit_looks.output_gradients(generator, discriminator, z)
    assert measured["pixel"] > 0 and measured["pre_activation"] < 1e-6 * measured["pixel"]


def test_share_at_clip_counts_the_weights_at_the_walls():
    layer = mg.nn.Linear(10, 10, rng=np.random.default_rng(0))
    weights = np.concatenate([p.data.ravel() for p in layer.parameters()])
    c = float(np.quantile(np.abs(weights), 0.7))   # 30% of the weights are larger than c
    losses.clip_weights(layer, c)
    assert abs(digit_looks.share_at_clip(layer, c) - np.mean(np.abs(weights) >= c * 0.999)) < 1e-12
    assert 0.25 < digit_looks.share_at_clip(layer, c) < 0.35


def test_input_gradient_norm_of_a_linear_critic_is_its_weight_norm():
    critic = mg.nn.Linear(784, 1, rng=np.random.default_rng(1))
    images = np.random.default_rng(2).uniform(-1, 1, (5, 1, 28, 28))
    expected = np.linalg.norm(critic.weight.data)
    assert abs(digit_looks.input_gradient_norm(critic, images) - expected) < 1e-5 * expected


def test_relief_is_high_only_for_a_carved_grey_plate():
    images, _ = digits.load_digits()
    real = images[::25].reshape(-1, 28, 28)                      # 200 digits of every class
    digit = (real + 1) / 2                                        # ink 1, paper 0
    embossed = np.clip(digit - np.roll(digit, (1, 1), axis=(1, 2)), -1, 1)   # plate 0, a bright and a dark edge
    padded = np.pad(real, ((0, 0), (2, 2), (2, 2)), mode="edge")
    blurred = sum(padded[:, i:i + 28, j:j + 28] for i in range(5) for j in range(5)) / 25 * 0.5 - 0.25
    looks = {name: digit_looks.relief(x) for name, x in (("real", real), ("embossed", embossed),
                                                          ("blurred", blurred))}
    assert looks["real"]["grey_share"] < 0.2 < looks["embossed"]["grey_share"]
    assert looks["blurred"]["local_contrast"] < 0.5 * looks["embossed"]["local_contrast"]
    assert looks["embossed"]["relief"] > 2 * max(looks["real"]["relief"], looks["blurred"]["relief"])


def test_gradient_alignment_is_one_for_a_linear_critic_and_small_for_unrelated_slopes():
    rng = np.random.default_rng(3)
    linear = mg.nn.Linear(784, 1, rng=rng)
    images = rng.uniform(-1, 1, (40, 784))
    assert abs(digit_looks.gradient_alignment(linear, images) - 1.0) < 1e-6

    def squares(x):     # f(x) = sum x^2 / 2: grad = x, random directions: cosines ~ 0 (+- 1/sqrt(784))
        return (x * x).sum(axis=1, keepdims=True) * 0.5
    assert abs(digit_looks.gradient_alignment(squares, images)) < 0.02


def test_darker_share_is_the_part_of_the_gradient_that_darkens():
    """A D whose logit is -sum(x) calls dark images real: every pixel of G's gradient says darker."""
    rng = np.random.default_rng(4)
    generator = models.mlp_generator(3, 8, hidden=(5,), out_activation="tanh", rng=rng)
    dark_lover = mg.nn.Linear(8, 1, rng=rng)
    dark_lover.weight.data[:] = -1.0
    z = rng.standard_normal((4, 3)).astype(np.float32)
    assert digit_looks.output_gradients(generator, dark_lover, z)["darker_share"] == 1.0
    dark_lover.weight.data[:, :2] = 1.0        # 2 of 8 pixels: brighter is more real
    assert digit_looks.output_gradients(generator, dark_lover, z)["darker_share"] == pytest.approx(0.75)
