"""The worked numbers of docs/THEORY.md, each small enough to check by hand with a calculator: D* and
JS on three points (3.2, 3.3), the DCGAN's image sizes 28 -> 14 -> 7 -> 14 -> 28 (9.1, 9.3), and one
batch-norm backward (6.3). The figures below are the ones printed in THEORY.md; the code must give them."""
import numpy as np
import pytest

import minigrad as mg
from gan import theory
from minigrad import nn
from minigrad.kernels.conv import output_size

# ----------------------------------------------------------------------------- D* and JS on three points

P_DATA = np.array([0.5, 0.3, 0.2])
P_G = np.array([0.2, 0.3, 0.5])


def test_optimal_discriminator_on_three_points():
    """D* = p_data / (p_data + p_g) = (0.5/0.7, 0.3/0.6, 0.2/0.7) = (5/7, 1/2, 2/7)."""
    np.testing.assert_allclose(theory.optimal_discriminator(P_DATA, P_G), [5 / 7, 1 / 2, 2 / 7], rtol=1e-15)


def test_js_and_the_optimal_value_on_three_points():
    """m = (0.35, 0.3, 0.35); KL(p_data || m) = 0.5 ln(10/7) + 0.2 ln(4/7) = 0.17834 - 0.11192 = 0.06641,
    the same for p_g (the two are mirror images), so JS = 0.0664; C(G) = -ln 4 + 2 JS = -1.2535, which is
    also V(D*, G) = ln(5/7) + 0.6 ln(1/2) + 0.4 ln(2/7) summed term by term; and the non-saturating G's
    E_{p_g}[-ln D*] = 0.2 ln(7/5) + 0.3 ln 2 + 0.5 ln(7/2) = 0.9016."""
    js = theory.js_divergence(P_DATA, P_G, dx=1.0)
    assert js == pytest.approx(0.5 * np.log(10 / 7) + 0.2 * np.log(4 / 7), rel=1e-14)
    assert js == pytest.approx(0.0664, abs=5e-5)
    assert theory.kl_divergence(P_DATA, 0.5 * (P_DATA + P_G), dx=1.0) == pytest.approx(js, rel=1e-14)
    c = theory.optimal_value(P_DATA, P_G, dx=1.0)
    assert c == pytest.approx(-1.2535, abs=5e-5)
    assert c == pytest.approx(np.log(5 / 7) + 0.6 * np.log(0.5) + 0.4 * np.log(2 / 7), rel=1e-14)
    d_star = theory.optimal_discriminator(P_DATA, P_G)
    assert theory.value_function(d_star, P_DATA, P_G, dx=1.0) == pytest.approx(c, rel=1e-14)
    assert np.sum(P_G * -np.log(d_star)) == pytest.approx(0.9016, abs=5e-5)


# ----------------------------------------------------------------------------- the DCGAN's image sizes

def test_conv_sizes_28_14_7_14_28():
    """D: Conv2d(kernel 4, stride 2, padding 1): floor((28 + 2 - 3 - 1) / 2) + 1 = 14, then
    floor((14 + 2 - 3 - 1) / 2) + 1 = 7. G: ConvTranspose2d(4, 2, 1): (7 - 1) 2 - 2 + 3 + 0 + 1 = 14, then
    (14 - 1) 2 - 2 + 3 + 1 = 28. The formulas of 9.1 and 9.3, and the layers' real output shapes."""
    assert output_size(28, 4, 1, 1, 2) == 14 and output_size(14, 4, 1, 1, 2) == 7
    assert [(n - 1) * 2 - 2 * 1 + 1 * (4 - 1) + 0 + 1 for n in (7, 14)] == [14, 28]
    rng = np.random.default_rng(0)
    x = mg.tensor(np.zeros((1, 1, 28, 28), dtype=np.float32))
    h = nn.Conv2d(1, 2, 4, stride=2, padding=1, rng=rng)(x)
    assert h.shape == (1, 2, 14, 14)
    h = nn.Conv2d(2, 3, 4, stride=2, padding=1, rng=rng)(h)
    assert h.shape == (1, 3, 7, 7)
    h = nn.ConvTranspose2d(3, 2, 4, stride=2, padding=1, rng=rng)(h)
    assert h.shape == (1, 2, 14, 14)
    assert nn.ConvTranspose2d(2, 1, 4, stride=2, padding=1, rng=rng)(h).shape == (1, 1, 28, 28)


# ----------------------------------------------------------------------------- one batch-norm backward

def test_one_batch_norm_backward_by_hand():
    """One channel, x = (1, 1, 3, 3), gamma = 2, beta = 0.5, eps = 0: mu = 2, var = 1, x_hat = (-1, -1, 1, 1),
    y = (-1.5, -1.5, 2.5, 2.5). Upstream gradient g = (1, 0, 0, 0): mean g = 1/4, mean(g x_hat) = -1/4, so
    dL/dx = (gamma / sigma) (g - mean g - x_hat mean(g x_hat)) = 2 ((1, 0, 0, 0) - 1/4 + (-1, -1, 1, 1)/4)
    = (1, -1, 0, 0); dL/dgamma = sum g x_hat = -1; dL/dbeta = sum g = 1. Central differences of the
    forward agree (so the rule, not only this implementation, is checked)."""
    bn = nn.BatchNorm1d(1, eps=0.0).double()
    bn.weight.data[...] = 2.0
    bn.bias.data[...] = 0.5
    x = mg.tensor(np.array([[1.0], [1.0], [3.0], [3.0]]), requires_grad=True)
    y = bn(x)
    np.testing.assert_allclose(y.data[:, 0], [-1.5, -1.5, 2.5, 2.5], rtol=1e-15)
    upstream = np.array([[1.0], [0.0], [0.0], [0.0]])
    y.backward(mg.tensor(upstream))
    np.testing.assert_allclose(x.grad.data[:, 0], [1.0, -1.0, 0.0, 0.0], atol=1e-15)
    assert bn.weight.grad.data[0] == pytest.approx(-1.0) and bn.bias.grad.data[0] == pytest.approx(1.0)

    def loss(values):
        with mg.no_grad():
            return float(np.sum(bn(mg.tensor(values)).data * upstream))
    eps = 1e-6
    numeric = [(loss(x.data + eps * e) - loss(x.data - eps * e)) / (2 * eps) for e in np.eye(4)[:, :, None]]
    np.testing.assert_allclose(numeric, [1.0, -1.0, 0.0, 0.0], atol=1e-8)
