"""The GAN losses against closed forms computed here with NumPy, and through gradcheck."""
import numpy as np
import pytest

import minigrad as mg
from gan import losses, models


def np_softplus(x):
    return np.logaddexp(0.0, x)  # log(1 + e^x), exact for any x


def logits(*values):
    return mg.tensor(np.array(values, dtype=np.float64).reshape(-1, 1), requires_grad=True)


REAL = [2.0, -0.5, 0.3, 1.7]
FAKE = [-1.2, 0.4, -3.0]


def np_closed_forms(r, f):
    """Each loss written independently from its textbook formula, with probabilities D = sigmoid."""
    d_r, d_f = 1 / (1 + np.exp(-r)), 1 / (1 + np.exp(-f))
    return {
        "minimax_d": -np.mean(np.log(d_r)) - np.mean(np.log(1 - d_f)),
        "saturating_g": np.mean(np.log(1 - d_f)),
        "nonsaturating_g": -np.mean(np.log(d_f)),
        "wasserstein_d": np.mean(f) - np.mean(r),
        "wasserstein_g": -np.mean(f),
        "lsgan_d": 0.5 * np.mean((r - 1) ** 2) + 0.5 * np.mean(f ** 2),
        "lsgan_g": 0.5 * np.mean((f - 1) ** 2),
        "hinge_d": np.mean(np.maximum(0, 1 - r)) + np.mean(np.maximum(0, 1 + f)),
        "hinge_g": -np.mean(f),
    }


LOSSES = {
    "minimax_d": lambda r, f: losses.minimax_discriminator_loss(r, f),
    "saturating_g": lambda r, f: losses.saturating_generator_loss(f),
    "nonsaturating_g": lambda r, f: losses.nonsaturating_generator_loss(f),
    "wasserstein_d": lambda r, f: losses.wasserstein_critic_loss(r, f),
    "wasserstein_g": lambda r, f: losses.wasserstein_generator_loss(f),
    "lsgan_d": lambda r, f: losses.least_squares_discriminator_loss(r, f),
    "lsgan_g": lambda r, f: losses.least_squares_generator_loss(f),
    "hinge_d": lambda r, f: losses.hinge_discriminator_loss(r, f),
    "hinge_g": lambda r, f: losses.hinge_generator_loss(f),
}


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_matches_closed_form(name):
    expected = np_closed_forms(np.array(REAL), np.array(FAKE))[name]
    value = LOSSES[name](logits(*REAL), logits(*FAKE))
    assert value.shape == () or value.numel() == 1
    assert value.item() == pytest.approx(expected, rel=1e-12, abs=1e-12)


#: each family of the module docstring's table: (D loss formula, G loss formula) of np_closed_forms
FAMILY_FORMULAS = {
    "minimax": ("minimax_d", "saturating_g"), "nonsaturating": ("minimax_d", "nonsaturating_g"),
    "wgan": ("wasserstein_d", "wasserstein_g"), "wgan-gp": ("wasserstein_d", "wasserstein_g"),
    "lsgan": ("lsgan_d", "lsgan_g"), "hinge": ("hinge_d", "hinge_g"),
}


@pytest.mark.parametrize("family", sorted(FAMILY_FORMULAS))
def test_each_loss_family_computes_its_two_formulas(family):
    assert set(losses.LOSS_FAMILIES) == set(FAMILY_FORMULAS)
    d_loss, g_loss = losses.LOSS_FAMILIES[family]
    expected = np_closed_forms(np.array(REAL), np.array(FAKE))
    d_formula, g_formula = FAMILY_FORMULAS[family]
    assert d_loss(logits(*REAL), logits(*FAKE)).item() == pytest.approx(expected[d_formula], rel=1e-12)
    assert g_loss(logits(*FAKE)).item() == pytest.approx(expected[g_formula], rel=1e-12)
    assert (family in losses.PROBABILITY_FAMILIES) == (family in ("minimax", "nonsaturating"))


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_gradcheck(name):
    # hinge has kinks at +-1: the chosen logits keep away from them
    r, f = logits(*REAL), logits(*FAKE)
    assert mg.gradcheck(lambda a, b: LOSSES[name](a, b), (r, f))


def np_sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))  # 1 / (1 + e^-x) without overflow


def np_closed_form_gradients(r, f):
    """d loss / d logit of each loss, written from its formula: (d/dr, d/df), None where the loss
    does not depend on that input. Every loss is a mean, hence the 1/n."""
    nr, nf = len(r), len(f)
    return {
        "minimax_d": (-(1 - np_sigmoid(r)) / nr, np_sigmoid(f) / nf),
        "saturating_g": (None, -np_sigmoid(f) / nf),
        "nonsaturating_g": (None, -(1 - np_sigmoid(f)) / nf),
        "wasserstein_d": (-np.ones(nr) / nr, np.ones(nf) / nf),
        "wasserstein_g": (None, -np.ones(nf) / nf),
        "lsgan_d": ((r - 1) / nr, f / nf),
        "lsgan_g": (None, (f - 1) / nf),
        "hinge_d": (-(1 - r > 0).astype(float) / nr, (1 + f > 0).astype(float) / nf),
        "hinge_g": (None, -np.ones(nf) / nf),
    }


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_stay_finite_for_huge_logits(name, dtype):
    # a confident D, right and wrong: the values stay finite and the gradients are the limits of
    # the closed forms (sigmoid(l) - t for the classic losses: 0 or -+1/n, never NaN, never absent)
    r_values, f_values = np.array([1e4, -1e4]), np.array([-1e4, 1e4])
    r = mg.tensor(r_values.reshape(-1, 1).astype(dtype), requires_grad=True)
    f = mg.tensor(f_values.reshape(-1, 1).astype(dtype), requires_grad=True)
    value = LOSSES[name](r, f)
    assert np.isfinite(value.item())
    value.backward()
    for t, expected in zip((r, f), np_closed_form_gradients(r_values, f_values)[name]):
        if expected is None:
            assert t.grad is None
        else:
            assert t.grad is not None and t.grad.dtype == dtype
            np.testing.assert_allclose(t.grad.data[:, 0], expected, rtol=1e-6, atol=0)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_loss_gradients_match_closed_forms_at_ordinary_logits(name):
    r, f = logits(*REAL), logits(*FAKE)
    LOSSES[name](r, f).backward()
    for t, expected in zip((r, f), np_closed_form_gradients(np.array(REAL), np.array(FAKE))[name]):
        if expected is None:
            assert t.grad is None
        else:
            np.testing.assert_allclose(t.grad.data[:, 0], expected, rtol=1e-12, atol=1e-15)


def test_classic_losses_at_huge_logits_have_the_limit_values():
    # D certain and right: -log D(x) -> 0 for x = 1e4, -log(1 - D(G(z))) -> 0 for G(z) logit -1e4
    assert losses.minimax_discriminator_loss(logits(1e4), logits(-1e4)).item() == pytest.approx(0.0, abs=1e-12)
    # D certain and wrong: the loss is the logit itself (softplus(l) ~ l)
    assert losses.minimax_discriminator_loss(logits(-1e4), logits(1e4)).item() == pytest.approx(2e4)
    assert losses.nonsaturating_generator_loss(logits(-1e4)).item() == pytest.approx(1e4)
    assert losses.saturating_generator_loss(logits(-1e4)).item() == pytest.approx(0.0, abs=1e-12)


def test_saturating_gradient_vanishes_where_nonsaturating_does_not():
    # note 002: with D(G(z)) -> 0 the saturating loss gives G (almost) no gradient
    f = logits(-8.0)
    losses.saturating_generator_loss(f).backward()
    saturating = f.grad.item()
    f = logits(-8.0)
    losses.nonsaturating_generator_loss(f).backward()
    assert abs(saturating) == pytest.approx(1 / (1 + np.exp(8.0)))  # sigmoid(-8)
    assert f.grad.item() == pytest.approx(-1 / (1 + np.exp(-8.0)))   # -(1 - sigmoid(-8))


def test_one_sided_label_smoothing():
    s = 0.1
    r, f = np.array(REAL), np.array(FAKE)
    d_r, d_f = 1 / (1 + np.exp(-r)), 1 / (1 + np.exp(-f))
    expected = -np.mean((1 - s) * np.log(d_r) + s * np.log(1 - d_r)) - np.mean(np.log(1 - d_f))
    value = losses.minimax_discriminator_loss(logits(*REAL), logits(*FAKE), real_label=1 - s)
    assert value.item() == pytest.approx(expected, rel=1e-12)
    assert mg.gradcheck(lambda a, b: losses.minimax_discriminator_loss(a, b, real_label=1 - s),
                        (logits(*REAL), logits(*FAKE)))


def test_clip_weights_in_place():
    net = models.mlp_discriminator(3, hidden=(4,), rng=np.random.default_rng(0))
    before = [p.data.copy() for p in net.parameters()]
    arrays = [p.data for p in net.parameters()]
    losses.clip_weights(net, 0.05)
    for p, old, array in zip(net.parameters(), before, arrays):
        assert p.data is array  # in place
        np.testing.assert_array_equal(p.data, np.clip(old, -0.05, 0.05))
    assert any(np.any(np.abs(old) > 0.05) for old in before)  # the clipping did something
    with pytest.raises(ValueError, match="c must be > 0"):
        losses.clip_weights(net, 0.0)


# ----------------------------------------------------------------------------- gradient penalty

def tiny_tanh_critic(in_dim, hidden, seed):
    critic = models.mlp_discriminator(in_dim, hidden=(hidden,), activation="tanh", rng=np.random.default_rng(seed))
    for p in critic.parameters():
        p.data = p.data.astype(np.float64) * 3  # bigger weights: gradient norms away from 1
    return critic


def np_gradient_penalty(critic, real, fake, eps, lam):
    """Closed form for D(x) = w2 . tanh(W1 x + b1) + b2: grad_x D = W1^T (w2 * (1 - tanh^2))."""
    W1, b1, w2, _ = (p.data for p in critic.parameters())
    x_hat = eps * real + (1 - eps) * fake
    h = np.tanh(x_hat @ W1.T + b1)
    grads = (w2 * (1 - h ** 2)) @ W1          # (n, in_dim), one row per example
    norms = np.sqrt((grads ** 2).sum(axis=1))
    return lam * np.mean((norms - 1) ** 2)


def test_gradient_penalty_matches_closed_form_with_one_eps_per_example():
    rng = np.random.default_rng(3)
    critic = tiny_tanh_critic(3, 5, seed=1)
    real, fake = rng.standard_normal((6, 3)), rng.standard_normal((6, 3))
    eps = rng.random((6, 1))
    value = losses.gradient_penalty(critic, mg.tensor(real), mg.tensor(fake), eps=eps, weight=7.0)
    assert value.item() == pytest.approx(np_gradient_penalty(critic, real, fake, eps, 7.0), rel=1e-9)
    # drawing eps from an rng gives the same as passing the same draws
    drawn = losses.gradient_penalty(critic, mg.tensor(real), mg.tensor(fake), rng=np.random.default_rng(11), weight=7.0)
    eps_11 = np.random.default_rng(11).random((6, 1))
    assert drawn.item() == pytest.approx(np_gradient_penalty(critic, real, fake, eps_11, 7.0), rel=1e-9)
    # a single eps for the whole batch would give a different number
    shared = np_gradient_penalty(critic, real, fake, np.full((6, 1), eps[0, 0]), 7.0)
    assert value.item() != pytest.approx(shared, rel=1e-6)


def test_gradient_penalty_of_linear_critic_is_lambda_times_norm_minus_one_squared():
    critic = models.mlp_discriminator(4, hidden=(), rng=np.random.default_rng(0))  # D(x) = w . x + b
    w = critic.parameters()[0].data.astype(np.float64)
    rng = np.random.default_rng(1)
    real, fake = rng.standard_normal((5, 4)), rng.standard_normal((5, 4))
    value = losses.gradient_penalty(critic, mg.tensor(real, dtype=np.float32), mg.tensor(fake, dtype=np.float32),
                                    rng=rng, weight=10.0)
    assert value.item() == pytest.approx(10.0 * (np.linalg.norm(w) - 1) ** 2, rel=1e-5)


def test_gradient_penalty_parameter_gradient_of_a_linear_critic_by_hand():
    """Through the double backward: for D(x) = w . x + b, GP = lambda (|w| - 1)^2, so
    dGP/dw = 2 lambda (|w| - 1) w / |w| and dGP/db = 0 (b does not move grad_x D)."""
    critic = models.mlp_discriminator(3, hidden=(), rng=np.random.default_rng(6)).double()
    w, b = critic.parameters()
    rng = np.random.default_rng(7)
    real, fake = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    for lam in (1.0, 10.0):
        critic.zero_grad()
        losses.gradient_penalty(critic, mg.tensor(real), mg.tensor(fake), rng=rng, weight=lam).backward()
        norm = np.linalg.norm(w.data)
        np.testing.assert_allclose(w.grad.data, 2 * lam * (norm - 1) * w.data / norm, rtol=1e-9)
        assert b.grad is None or np.all(b.grad.data == 0)


def test_gradient_penalty_parameter_gradient_gradcheck():
    """Second order: the penalty's gradient w.r.t. D's parameters goes through grad_x D."""
    rng = np.random.default_rng(4)
    critic = tiny_tanh_critic(2, 3, seed=2)
    real, fake = mg.tensor(rng.standard_normal((4, 2))), mg.tensor(rng.standard_normal((4, 2)))
    eps = rng.random((4, 1))
    params = critic.parameters()[:3]  # the last bias has no effect on grad_x D (its gradient is 0)

    def penalty(*_params):  # gradcheck perturbs the parameter arrays in place
        return losses.gradient_penalty(critic, real, fake, eps=eps, weight=10.0)

    assert mg.gradcheck(penalty, params)


def test_gradient_penalty_reaches_the_critic_parameters_only():
    critic = tiny_tanh_critic(2, 3, seed=0)
    real = mg.tensor(np.ones((3, 2)))
    fake = mg.tensor(np.zeros((3, 2)), requires_grad=True)
    losses.gradient_penalty(critic, real, fake, rng=np.random.default_rng(0)).backward()
    assert fake.grad is None  # fake is treated as a constant
    assert all(np.any(p.grad.data != 0) for p in critic.parameters()[:3])


def test_gradient_penalty_needs_rng_or_eps_and_equal_shapes():
    critic = tiny_tanh_critic(2, 3, seed=0)
    with pytest.raises(ValueError, match="rng"):
        losses.gradient_penalty(critic, mg.tensor(np.ones((3, 2))), mg.tensor(np.ones((3, 2))))
    with pytest.raises(ValueError, match="shape"):
        losses.gradient_penalty(critic, mg.tensor(np.ones((3, 2))), mg.tensor(np.ones((4, 2))), rng=np.random.default_rng())


def test_model_builders_shapes():
    G = models.mlp_generator(5, 15, hidden=(16, 8), out_activation="tanh", rng=np.random.default_rng(0))
    D = models.mlp_discriminator(15, hidden=(16,), rng=np.random.default_rng(0))
    z = np.random.default_rng(1).standard_normal((7, 5))
    x = G(mg.tensor(z, dtype=np.float32))
    assert x.shape == (7, 15) and np.all(np.abs(x.data) <= 1)
    assert D(x).shape == (7, 1)
    # the layers compute what the builders promise: G = tanh(W3 relu(W2 relu(W1 z + b1) + b2) + b3),
    # D = W2 relu(W1 x + b1) + b2, a logit (no sigmoid: it takes values outside [0, 1])
    (w1, b1, w2, b2, w3, b3), (v1, c1, v2, c2) = ([p.data.astype(np.float64) for p in m.parameters()] for m in (G, D))
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    expected_x = np.tanh(relu(relu(z @ w1.T + b1) @ w2.T + b2) @ w3.T + b3)
    np.testing.assert_allclose(x.data, expected_x, rtol=1e-5, atol=1e-6)
    big = np.random.default_rng(2).standard_normal((50, 15)) * 10
    expected_logits = relu(big @ v1.T + c1) @ v2.T + c2
    logits_out = D(mg.tensor(big.astype(np.float32))).data
    np.testing.assert_allclose(logits_out, expected_logits, rtol=1e-4, atol=1e-4)
    assert logits_out.min() < 0 or logits_out.max() > 1
    with pytest.raises(ValueError, match="noise_dim"):
        models.mlp_generator(0, 15)
    with pytest.raises(ValueError, match=r"hidden\[1\]"):
        models.mlp_discriminator(2, hidden=(4, -1))


def test_interpolation_is_computed_in_the_wider_dtype():
    # float32 data with a float64 generator: x_hat = eps x + (1 - eps) G(z) in float64, so that
    # 1 - eps is not rounded to float32 (that moved x_hat by ~1e-8 and flipped ReLUs near a kink)
    rng = np.random.default_rng(0)
    real = rng.standard_normal((50, 3)).astype(np.float32)
    fake = rng.standard_normal((50, 3))
    eps = rng.random((50, 1)).astype(np.float32).astype(np.float64)
    x_hat = losses.interpolate(mg.tensor(real), mg.tensor(fake, dtype=np.float64), eps)
    assert x_hat.dtype == np.float64 and x_hat.requires_grad
    np.testing.assert_array_equal(x_hat.data, eps * real.astype(np.float64) + (1 - eps) * fake)
    same = losses.interpolate(mg.tensor(real), mg.tensor(fake.astype(np.float32)), eps)
    assert same.dtype == np.float32
