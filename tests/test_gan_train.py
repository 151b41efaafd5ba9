"""The GAN Trainer: Algorithm 13.1, measured quality, checkpoints, the NaN guard, bad configs."""
import copy
import io

import numpy as np
import pytest

import minigrad as mg
from gan import data, losses, metrics, models
from gan.train import HISTORY_KEYS, ConfigError, NonFiniteError, TrainConfig, Trainer


def small_trainer(loss="nonsaturating", seed=0, data_fn=data.ring8, hidden=(16,), **options):
    rng = np.random.default_rng(100 + seed)
    G = models.mlp_generator(2, 2, hidden=hidden, rng=rng)
    D = models.mlp_discriminator(2, hidden=hidden, rng=rng)
    options.setdefault("batch_size", 16)
    return Trainer(G, D, data_fn, TrainConfig(loss=loss, seed=seed, **options))


def parameters_of(module):
    return [p.data.copy() for p in module.parameters()]


def assert_same_arrays(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)


def assert_same_history(h1, h2):
    assert set(h1) == set(h2) == set(HISTORY_KEYS)
    for key in HISTORY_KEYS:
        assert np.array_equal(np.asarray(h1[key]), np.asarray(h2[key]), equal_nan=True), key


class Recording:
    """Stands in for a module (or a data sampler) and records what goes in and what comes out."""

    def __init__(self, wrapped):
        self.wrapped, self.inputs, self.outputs = wrapped, [], []

    def __call__(self, *args):
        out = self.wrapped(*args)
        self.inputs.append(np.array(args[0].data if isinstance(args[0], mg.Tensor) else args[0]))
        self.outputs.append(np.array(out.data if isinstance(out, mg.Tensor) else out, dtype=np.float32))
        return out

    def __getattr__(self, name):
        return getattr(self.wrapped, name)


def record_models_and_data(trainer):
    """Replace G, D and the data sampler of `trainer` by recordings (training still works)."""
    trainer.generator = Recording(trainer.generator)
    trainer.discriminator = Recording(trainer.discriminator)
    trainer.data = Recording(trainer.data)
    return trainer.generator, trainer.discriminator, trainer.data


def repeat_with_the_same_draws(trainer, step):
    """Call step() twice from the same RNG state: the second call sees the same batches, after
    the first call's update. Returns both losses (each is computed before its own update)."""
    state = copy.deepcopy(trainer.rng.bit_generator.state)
    before = step()[0]
    trainer.rng.bit_generator.state = state
    after = step()[0]
    return before, after


# ----------------------------------------------------------------------------- one iteration

def test_generator_step_does_not_change_discriminator():
    trainer = small_trainer()
    d_before, g_before = parameters_of(trainer.discriminator), parameters_of(trainer.generator)
    trainer.generator_step()
    assert_same_arrays(parameters_of(trainer.discriminator), d_before)
    assert any(not np.array_equal(a, b) for a, b in zip(parameters_of(trainer.generator), g_before))
    # the chain rule ran through D: its parameters received gradients, they just were not applied
    assert all(p.grad is not None and np.abs(p.grad.data).sum() > 0 for p in trainer.discriminator.parameters())


def test_discriminator_step_does_not_change_or_reach_generator():
    trainer = small_trainer()
    trainer.generator.zero_grad()
    d_before, g_before = parameters_of(trainer.discriminator), parameters_of(trainer.generator)
    trainer.discriminator_step()
    assert_same_arrays(parameters_of(trainer.generator), g_before)
    assert all(p.grad is None for p in trainer.generator.parameters())  # G(z) was detached
    assert any(not np.array_equal(a, b) for a, b in zip(parameters_of(trainer.discriminator), d_before))


def test_discriminator_step_starts_from_zeroed_gradients():
    """Gradients left in D's .grad by anything else must not leak into D's next step."""
    a, b = small_trainer(seed=3), small_trainer(seed=3)
    for p in b.discriminator.parameters():
        p.grad = mg.tensor(np.full(p.shape, 1e3, dtype=np.float32))
    a.discriminator_step()
    b.discriminator_step()
    assert_same_arrays(parameters_of(a.discriminator), parameters_of(b.discriminator))


def test_k_discriminator_steps_per_generator_step():
    trainer = small_trainer(n_critic=3, d_optimizer="sgd", g_optimizer="sgd", d_lr=0.01, g_lr=0.01)
    events = []
    for name, optimizer in (("D step", trainer.d_optimizer), ("G step", trainer.g_optimizer)):
        optimizer.step = lambda step=optimizer.step, name=name: (events.append(name), step())[1]
    noise_draws = []
    trainer._noise = lambda n, draw=trainer._noise: (noise_draws.append(n), draw(n))[1]
    _, _, data_fn = record_models_and_data(trainer)
    trainer.fit(2, progress=False)
    assert events == (["D step"] * 3 + ["G step"]) * 2   # k = 3 updates of D, then one of G
    assert [len(x) for x in data_fn.outputs] == [16] * 6  # a fresh real batch for every D step
    assert noise_draws == [16] * 8                        # fresh z for every D step and for the G step
    assert len(trainer.history["d_loss"]) == 2


def test_history_keys_and_values():
    classic = small_trainer(loss="minimax")
    classic.fit(4, progress=False)
    h = classic.history
    assert set(h) == set(HISTORY_KEYS) and all(len(h[k]) == 4 for k in HISTORY_KEYS)
    assert all(0 < v < 1 for v in h["d_real"] + h["d_fake"])  # probabilities
    assert np.all(np.isnan(h["wasserstein"]))
    assert np.all(np.array(h["g_grad_norm"]) > 0) and np.all(np.array(h["d_grad_norm"]) > 0)

    wgan = small_trainer(loss="wgan")
    wgan.fit(4, progress=False)
    h = wgan.history
    np.testing.assert_allclose(h["wasserstein"], np.array(h["d_real"]) - np.array(h["d_fake"]), rtol=1e-12)
    # the critic loss without penalty is exactly -(Wasserstein estimate)
    np.testing.assert_allclose(h["d_loss"], -np.array(h["wasserstein"]), rtol=1e-5, atol=1e-7)


def test_wgan_clips_the_critic_weights():
    trainer = small_trainer(loss="wgan", clip_value=0.02, d_lr=0.1)
    trainer.fit(3, progress=False)
    assert max(np.abs(p.data).max() for p in trainer.discriminator.parameters()) <= 0.02
    assert TrainConfig(loss="wgan").effective_clip_value == 0.01
    assert TrainConfig(loss="wgan-gp").effective_clip_value is None


def test_instance_noise_schedule_and_effect():
    cfg = TrainConfig(instance_noise=0.5, instance_noise_iters=100)
    assert [cfg.noise_sigma(t) for t in (0, 50, 100, 150)] == [0.5, 0.25, 0.0, 0.0]
    assert TrainConfig(instance_noise=0.3).noise_sigma(10 ** 6) == 0.3  # no decay given
    # the effect: every input of D is the clean sample plus N(0, sigma_t^2), sigma_t = 1 - t/4,
    # in the D step (real and fake) and in the G step; from t = T on, D sees the clean samples
    trainer = small_trainer(instance_noise=1.0, instance_noise_iters=4, batch_size=512)
    G, D, real = record_models_and_data(trainer)
    trainer.fit(6, progress=False)
    for t in range(6):
        sigma = max(0.0, 1.0 - t / 4)
        d_real, d_fake, g_step = (D.inputs[3 * t + k] for k in range(3))
        added = {"real": d_real - real.outputs[t], "fake, D step": d_fake - G.outputs[2 * t],
                 "fake, G step": g_step - G.outputs[2 * t + 1]}
        for where, noise in added.items():
            if sigma == 0:
                assert np.array_equal(noise, np.zeros_like(noise)), (t, where)
            else:
                assert noise.std() == pytest.approx(sigma, rel=0.1), (t, where)
                assert abs(noise.mean()) < 0.1 * sigma, (t, where)


def test_instance_noise_is_added_in_the_generator_step_too():
    # D only ever saw noisy inputs, so G is judged on noisy fakes as well (THEORY 4.5)
    trainer = small_trainer(instance_noise=0.5, batch_size=512)
    G, D, _ = record_models_and_data(trainer)
    trainer.generator_step(sigma=0.5)
    noise = D.inputs[-1] - G.outputs[-1]
    assert noise.std() == pytest.approx(0.5, rel=0.1)
    trainer.train_step()  # the Trainer passes its sigma_t to the G step itself
    noise = D.inputs[-1] - G.outputs[-1]
    assert noise.std() == pytest.approx(0.5, rel=0.1)
    trainer.generator_step(sigma=0.0)
    assert np.array_equal(D.inputs[-1], G.outputs[-1])


def test_label_smoothing_passes_the_real_target_1_minus_s():
    for smoothing, expected in ((0.1, 0.9), (0.25, 0.75)):
        trainer = small_trainer(loss="minimax", label_smoothing=smoothing)
        seen = []
        loss_fn = trainer.d_loss_fn
        trainer.d_loss_fn = lambda real, fake, **options: (seen.append(options), loss_fn(real, fake, **options))[1]
        trainer.discriminator_step()
        assert seen == [{"real_label": pytest.approx(expected)}]
    plain = small_trainer(loss="minimax")
    seen = []
    loss_fn = plain.d_loss_fn
    plain.d_loss_fn = lambda real, fake, **options: (seen.append(options), loss_fn(real, fake, **options))[1]
    plain.discriminator_step()
    assert seen[0].get("real_label", 1.0) == 1.0


# ----------------------------------------------------------------------------- options seen in D's update
# Label smoothing, clipping, the penalty's weight, instance noise and packing change only what a
# loss is given. A test that records the arguments the Trainer passes misses a loss that ignores
# them (say, a LOSS_FAMILIES entry that drops real_label): these tests look at the loss value and
# the gradient D is stepped with, computed here from D's recorded inputs.

class Spy(mg.nn.Module):
    """Wraps a module (as a Module, so that functional_call works on it) and keeps every input."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.inputs = inner, []

    def forward(self, x):
        self.inputs.append(np.array(x.data))
        return self.inner(x)


def float64_trainer(loss="nonsaturating", seed=0, pack=1, **options):
    """small_trainer in float64 with D wrapped in a Spy: the closed forms below agree to 1e-10."""
    rng = np.random.default_rng(100 + seed)
    G = models.mlp_generator(2, 2, hidden=(16,), rng=rng).double()
    D = Spy(models.mlp_discriminator(2 * pack, hidden=(16,), rng=rng).double())
    options.setdefault("batch_size", 16)
    trainer = Trainer(G, D, data.ring8, TrainConfig(loss=loss, seed=seed, pack=pack, **options))
    D.inputs.clear()   # the Trainer's probe of the sizes
    return trainer


def gradients_at_the_d_step(trainer):
    """Run one discriminator step; return (its loss, D's gradients when it stepped, D before the step)."""
    before = copy.deepcopy(trainer.discriminator.inner)
    seen = []
    step = trainer.d_optimizer.step
    trainer.d_optimizer.step = lambda: (seen.append([p.grad.data.copy() for p in trainer.d_optimizer.params]),
                                        step())[1]
    loss = trainer.discriminator_step()[0]
    trainer.d_optimizer.step = step
    return loss, seen[0], before


def closed_form_bce_and_gradients(D, real, fake, target):
    """L = mean[softplus(l_r) - t l_r] + mean[softplus(l_f)] (THEORY 1.6, 4.6) and dL/dphi, written here:
    dL/dl = (sigmoid(l) - t) / n, pushed through D by a linear surrogate sum(l * dL/dl)."""
    l_r, l_f = D(mg.tensor(real)), D(mg.tensor(fake))
    r, f = l_r.data[:, 0], l_f.data[:, 0]
    value = np.mean(np.logaddexp(0, r) - target * r) + np.mean(np.logaddexp(0, f))
    slope_r = (1 / (1 + np.exp(-r)) - target) / len(r)
    slope_f = 1 / (1 + np.exp(-f)) / len(f)
    surrogate = mg.sum(l_r * mg.tensor(slope_r[:, None])) + mg.sum(l_f * mg.tensor(slope_f[:, None]))
    return value, [g.data for g in mg.grad(surrogate, D.parameters())]


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating"])
def test_label_smoothing_is_in_the_loss_and_the_gradient_d_steps_with(loss):
    """With label_smoothing = s the D step's loss is the BCE with real target 1 - s, and D steps with
    its gradient. Ignoring s (the loss called without real_label, or a loss family that drops it)
    gives the target-1 loss: 0.1 * mean(l_r) away from it, here more than 1e-3 (checked)."""
    s = 0.1
    trainer = float64_trainer(loss, label_smoothing=s)
    d_loss, gradients, before = gradients_at_the_d_step(trainer)
    real, fake = trainer.discriminator.inputs
    value, expected = closed_form_bce_and_gradients(before, real, fake, target=1 - s)
    unsmoothed, unsmoothed_gradients = closed_form_bce_and_gradients(before, real, fake, target=1.0)
    assert d_loss == pytest.approx(value, rel=1e-10)
    assert abs(value - unsmoothed) > 1e-3   # the test can tell the two apart
    for got, want, wrong in zip(gradients, expected, unsmoothed_gradients):
        np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-12)
    assert max(np.abs(w - u).max() for w, u in zip(expected, unsmoothed_gradients)) > 1e-4


@pytest.mark.parametrize("loss", ["wgan", "nonsaturating", "hinge"])
def test_clip_value_is_the_bound_the_critic_weights_reach(loss):
    """After a D step every weight lies in [-c, c], and the weights a large step pushed out sit at
    exactly +-c: c = clip_value for any loss (clipping at another value, or only for 'wgan', fails)."""
    c = 0.05
    trainer = small_trainer(loss=loss, clip_value=c, d_lr=0.2)   # Adam's first step moves weights by ~0.2
    trainer.discriminator_step()
    weights = np.concatenate([p.data.ravel() for p in trainer.discriminator.parameters()])
    assert np.abs(weights).max() == np.float32(c)
    assert np.mean(np.abs(weights) == np.float32(c)) > 0.5


def test_the_gradient_penalty_reaches_d_scaled_by_lambda():
    """D's gradient at the step is grad(critic loss) + lambda grad(GP), on the same draws: linear in
    lambda, with a GP part that is not 0. A penalty added as a constant (its value reported, its
    gradient dropped) or with a fixed weight fails one of the two."""
    gradients = {}
    for lam in (0.0, 1.0, 3.0):
        trainer = float64_trainer("wgan-gp", gp_lambda=lam)
        gradients[lam] = np.concatenate([g.ravel() for g in gradients_at_the_d_step(trainer)[1]])
    penalty_part = gradients[1.0] - gradients[0.0]
    assert np.abs(penalty_part).max() > 1e-3 * np.abs(gradients[0.0]).max()
    np.testing.assert_allclose(gradients[3.0] - gradients[0.0], 3 * penalty_part, rtol=1e-8, atol=1e-12)


def test_label_smoothing_reaches_the_unrolled_discriminator_steps():
    """The unrolled G step plays against D after k steps of D's own loss, smoothing included: the G
    loss with unroll = 1 changes with s (by more than 1e-6), and without unrolling it does not."""
    def g_loss(s, unroll):
        trainer = float64_trainer("nonsaturating", label_smoothing=s, unroll=unroll, d_optimizer="sgd", d_lr=1.0)
        return trainer.generator_step()[0]
    assert g_loss(0.0, 0) == g_loss(0.3, 0)
    assert abs(g_loss(0.0, 1) - g_loss(0.3, 1)) > 1e-6


@pytest.mark.parametrize("pack", [1, 2])
def test_the_unrolled_steps_see_packed_noisy_real_samples(pack):
    """The real batch of the unrolled D steps is what the D step sees: real samples plus instance
    noise of the scheduled sigma, packed m at a time."""
    trainer = float64_trainer(pack=pack, instance_noise=0.5, unroll=1, batch_size=256)
    real_batches = []
    draw = trainer._real_batch
    trainer._real_batch = lambda n: (real_batches.append(draw(n)), real_batches[-1])[1]
    trainer.generator_step(sigma=trainer.config.noise_sigma(0))   # as train_step calls it
    (real,) = real_batches
    real_in, fake_in = trainer.discriminator.inputs[:2]    # the unrolled step: D(real), D(fake)
    assert real_in.shape == fake_in.shape == (256, 2 * pack)
    noise = real_in.reshape(-1, 2) - real.data
    assert noise.std() == pytest.approx(0.5, rel=0.1) and abs(noise.mean()) < 0.05


def test_gp_lambda_scales_the_gradient_penalty():
    """d_loss = mean D(G(z)) - mean D(x) + lambda * GP: the same GP for every lambda, none for lambda 0."""
    penalties = {}
    for lam in (0.0, 2.0, 4.0):
        trainer = small_trainer(loss="wgan-gp", gp_lambda=lam)
        d_loss, real_scores, fake_scores, _ = trainer.discriminator_step()
        critic_gap = float(fake_scores.mean()) - float(real_scores.mean())
        if lam == 0:
            assert d_loss == pytest.approx(critic_gap, abs=1e-6)
        else:
            penalties[lam] = (d_loss - critic_gap) / lam
    assert penalties[2.0] > 1e-3
    assert penalties[4.0] == pytest.approx(penalties[2.0], rel=1e-4)


def test_defaults_are_the_documented_ones():
    """The defaults THEORY.md and the source notes give: the non-saturating loss (4.2), k = 1 (Algorithm 13.1),
    batch 64 and Adam lr 1e-4 with PyTorch's betas (the parabola tutorial), lambda = 10 (5.4),
    c = 0.01 for WGAN only (5.3), no smoothing, no instance noise."""
    cfg = TrainConfig()
    assert (cfg.loss, cfg.n_critic, cfg.batch_size) == ("nonsaturating", 1, 64)
    assert (cfg.g_optimizer, cfg.d_optimizer, cfg.g_lr, cfg.d_lr) == ("adam", "adam", 1e-4, 1e-4)
    assert tuple(cfg.g_betas) == tuple(cfg.d_betas) == (0.9, 0.999)
    assert cfg.gp_lambda == 10.0 and cfg.label_smoothing == 0.0 and cfg.instance_noise == 0.0
    assert [TrainConfig(loss=name).effective_clip_value for name in ("wgan", "wgan-gp", "minimax")] == [0.01, None, None]
    assert TrainConfig(loss="wgan", clip_value=0.05).effective_clip_value == 0.05


def test_optimizer_settings_reach_the_optimizers():
    trainer = small_trainer(g_betas=(0.3, 0.8), d_betas=(0.1, 0.7), g_lr=2e-3, d_lr=3e-3)
    assert isinstance(trainer.g_optimizer, mg.optim.Adam) and isinstance(trainer.d_optimizer, mg.optim.Adam)
    assert trainer.g_optimizer.param_groups[0]["betas"] == (0.3, 0.8)
    assert trainer.d_optimizer.param_groups[0]["betas"] == (0.1, 0.7)
    assert (trainer.g_optimizer.lr, trainer.d_optimizer.lr) == (2e-3, 3e-3)
    assert trainer.g_optimizer.params == trainer.generator.parameters()
    assert trainer.d_optimizer.params == trainer.discriminator.parameters()
    other = small_trainer(g_optimizer="rmsprop", d_optimizer="sgd", momentum=0.7)
    assert isinstance(other.g_optimizer, mg.optim.RMSprop) and isinstance(other.d_optimizer, mg.optim.SGD)
    assert other.g_optimizer.param_groups[0]["momentum"] == other.d_optimizer.param_groups[0]["momentum"] == 0.7


OPTIMIZER_CLASSES = {"adam": "Adam", "rmsprop": "RMSprop", "sgd": "SGD"}


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan", "wgan-gp", "lsgan", "hinge"])
@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_every_loss_and_optimizer_descends_its_loss(loss, optimizer):
    """One small step of each player lowers that player's loss on the same batches (D's loss for the
    D step, G's loss for the G step, D unchanged in between): each loss is wired to its player's
    update with the right sign, for every optimizer."""
    trainer = small_trainer(loss=loss, g_optimizer=optimizer, d_optimizer=optimizer, g_lr=1e-4, d_lr=1e-4,
                            label_smoothing=0.1 if loss == "minimax" else 0.0)
    assert type(trainer.d_optimizer).__name__ == type(trainer.g_optimizer).__name__ == OPTIMIZER_CLASSES[optimizer]
    trainer.generator.double(), trainer.discriminator.double()  # float64: a small step is still visible
    if loss == "wgan":  # start inside the clipping box, so that a step and its clipping descend together
        losses.clip_weights(trainer.discriminator, 0.01)
    d_before, d_after = repeat_with_the_same_draws(trainer, trainer.discriminator_step)
    assert d_after < d_before
    g_before, g_after = repeat_with_the_same_draws(trainer, trainer.generator_step)
    assert g_after < g_before
    trainer.fit(2, progress=False)
    assert all(np.isfinite(trainer.history[k]).all() for k in ("d_loss", "g_loss", "g_grad_norm", "d_grad_norm"))


def test_sample_and_discriminate():
    trainer = small_trainer(loss="minimax")
    samples = trainer.sample(5)
    assert samples.shape == (5, 2) and isinstance(samples, np.ndarray)
    np.testing.assert_array_equal(samples, trainer.sample(5))  # the same fixed noise by default
    state = trainer.rng.bit_generator.state
    probs = trainer.discriminate(samples)
    assert trainer.rng.bit_generator.state == state  # training RNG untouched
    logits = trainer.discriminator(mg.tensor(samples)).data[:, 0]
    np.testing.assert_allclose(probs, 1 / (1 + np.exp(-logits.astype(np.float64))), rtol=1e-6)
    critic = small_trainer(loss="wgan-gp")
    np.testing.assert_array_equal(critic.discriminate(samples), critic.discriminator(mg.tensor(samples)).data[:, 0])


def test_sample_and_discriminate_use_eval_mode():
    """With Dropout in G and BatchNorm in D, sample() and discriminate() answer as the models in
    eval mode (no mask, running statistics), change no statistic, and leave training mode on."""
    rng = np.random.default_rng(5)
    G = mg.nn.Sequential(mg.nn.Linear(2, 32, rng=rng), mg.nn.ReLU(), mg.nn.Dropout(0.5, rng=rng),
                         mg.nn.Linear(32, 2, rng=rng))
    D = mg.nn.Sequential(mg.nn.Linear(2, 16, rng=rng), mg.nn.BatchNorm1d(16), mg.nn.ReLU(), mg.nn.Linear(16, 1, rng=rng))
    trainer = Trainer(G, D, data.ring8, TrainConfig(loss="minimax", noise_dim=2, batch_size=32, seed=4))
    trainer.fit(3, progress=False)
    norm = D[1]
    statistics = (norm.running_mean.copy(), norm.running_var.copy())
    assert not np.allclose(statistics[0], 0)  # training has moved them: eval mode is visible

    samples = trainer.sample(64)
    np.testing.assert_array_equal(samples, trainer.sample(64))  # no dropout mask
    z = mg.tensor(np.random.default_rng([trainer.config.seed, 1]).standard_normal((64, 2), dtype=np.float32))
    G.eval()
    with mg.no_grad():
        expected_samples = G(z).data
        D.eval()
        expected_logits = D(mg.tensor(samples)).data[:, 0].astype(np.float64)
    G.train(), D.train()
    np.testing.assert_allclose(samples, expected_samples, rtol=1e-6)

    probs = trainer.discriminate(samples)
    np.testing.assert_allclose(probs, 1 / (1 + np.exp(-expected_logits)), rtol=1e-6)
    np.testing.assert_array_equal(norm.running_mean, statistics[0])
    np.testing.assert_array_equal(norm.running_var, statistics[1])
    assert G.training and D.training and G[2].training and norm.training
    with mg.no_grad():  # in training mode D would have answered differently (batch statistics)
        train_logits = D(mg.tensor(samples)).data[:, 0].astype(np.float64)
    assert not np.allclose(train_logits, expected_logits, rtol=1e-3)


def test_array_dataset_is_sampled_with_replacement():
    points = np.arange(20, dtype=np.float32).reshape(10, 2)
    trainer = small_trainer(data_fn=points)
    batch = trainer._real_batch(50).data
    assert batch.shape == (50, 2) and set(map(tuple, batch)) <= set(map(tuple, points))


# ----------------------------------------------------------------------------- progress and callbacks

def test_callback_every_n_iterations():
    seen = []
    trainer = small_trainer()
    trainer.fit(10, callback=lambda t, i: seen.append((i, t.iteration, len(t.history["d_loss"]))),
                callback_every=3, progress=False)
    assert seen == [(3, 3, 3), (6, 6, 6), (9, 9, 9)]


def test_progress_lines_when_not_a_tty(capsys):
    trainer = small_trainer()
    trainer.fit(20, progress=True, progress_every_percent=25)
    lines = capsys.readouterr().err.strip().splitlines()
    assert [line.split()[1] for line in lines] == ["5/20", "10/20", "15/20", "20/20"]
    assert all("it/s" in line and "ETA" in line and "d_loss" in line for line in lines)
    trainer.fit(5, progress=False)
    assert capsys.readouterr().err == ""


def test_progress_bar_redraws_in_place_on_a_tty():
    from gan.progress import ProgressBar

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    bar = ProgressBar(3, stream=stream, min_interval=0.0)
    for i in (1, 2, 3):
        bar.update(i, {"d_loss": 1.0})
    bar.close()
    text = stream.getvalue()
    assert text.count("\r") == 3 and text.endswith("\n") and text.count("\n") == 1


# ----------------------------------------------------------------------------- checkpoints

def test_resume_is_bit_identical(tmp_path):
    path = tmp_path / "run.npz"
    straight = small_trainer(loss="wgan-gp", n_critic=2, instance_noise=0.2, instance_noise_iters=8)
    straight.fit(10, progress=False)

    first = small_trainer(loss="wgan-gp", n_critic=2, instance_noise=0.2, instance_noise_iters=8)
    first.fit(5, checkpoint_path=path, progress=False)
    # a fresh process would build fresh models: different initial weights must not matter
    resumed = Trainer.resume(path, models.mlp_generator(2, 2, hidden=(16,)), models.mlp_discriminator(2, hidden=(16,)),
                             data.ring8)
    assert resumed.iteration == 5 and resumed.config == first.config
    resumed.fit(5, progress=False)

    assert_same_arrays(parameters_of(resumed.generator), parameters_of(straight.generator))
    assert_same_arrays(parameters_of(resumed.discriminator), parameters_of(straight.discriminator))
    assert_same_history(resumed.history, straight.history)
    assert resumed.rng.bit_generator.state == straight.rng.bit_generator.state


def test_load_checkpoint_into_existing_trainer(tmp_path):
    path = tmp_path / "run.npz"
    a = small_trainer(loss="minimax", g_optimizer="rmsprop", d_optimizer="sgd", momentum=0.5)
    a.fit(3, checkpoint_path=path, progress=False)
    a.fit(3, progress=False)
    b = small_trainer(loss="minimax", g_optimizer="rmsprop", d_optimizer="sgd", momentum=0.5)
    b.load_checkpoint(path).fit(until=6, progress=False)
    assert_same_arrays(parameters_of(a.generator), parameters_of(b.generator))
    assert_same_history(a.history, b.history)
    with pytest.raises(ConfigError, match="load_checkpoint"):
        small_trainer(loss="hinge").load_checkpoint(path)


def test_ctrl_c_saves_a_checkpoint_and_reraises(tmp_path, capsys):
    path = tmp_path / "run.npz"

    def interrupt(trainer, iteration):
        if iteration == 6:
            raise KeyboardInterrupt

    trainer = small_trainer()
    with pytest.raises(KeyboardInterrupt):
        trainer.fit(20, callback=interrupt, callback_every=1, checkpoint_path=path, checkpoint_every=100,
                    progress=False)
    assert "checkpoint saved" in capsys.readouterr().err
    resumed = Trainer.resume(path, *[small_trainer().generator, small_trainer().discriminator], data.ring8)
    assert resumed.iteration == 6
    straight = small_trainer()
    straight.fit(6, progress=False)
    assert_same_arrays(parameters_of(resumed.generator), parameters_of(straight.generator))
    assert_same_history(resumed.history, straight.history)


def nan_after(calls, sampler=data.ring8):
    """A data sampler whose training batches turn NaN after `calls` batches (the Trainer's
    2-sample probe of the data before training is not counted)."""
    count = [0]

    def sample(n, rng):
        if n == 2:
            return sampler(n, rng)
        count[0] += 1
        batch = sampler(n, rng)
        return batch * np.nan if count[0] > calls else batch
    return sample


def test_nan_guard_stops_and_keeps_the_last_checkpoint(tmp_path):
    path = tmp_path / "run.npz"
    trainer = small_trainer(data_fn=nan_after(7))  # n_critic = 1: iteration 8 gets the NaN batch
    with pytest.raises(NonFiniteError, match=r"iteration 8: the real batch contains non-finite values") as caught:
        trainer.fit(20, checkpoint_path=path, checkpoint_every=5, progress=False)
    assert f"the checkpoint {path} (iteration 5) was left unchanged" in str(caught.value)
    saved = Trainer.resume(path, small_trainer().generator, small_trainer().discriminator, data.ring8)
    assert saved.iteration == 5
    assert all(np.isfinite(p.data).all() for p in saved.discriminator.parameters())


def test_nan_guard_leaves_checkpoint_bytes_unchanged(tmp_path):
    path = tmp_path / "run.npz"
    trainer = small_trainer(data_fn=nan_after(4))
    trainer.fit(4, checkpoint_path=path, progress=False)
    before = path.read_bytes()
    with pytest.raises(NonFiniteError, match=r"iteration 5: the real batch .*the checkpoint .*run\.npz was left unchanged"):
        trainer.fit(10, checkpoint_path=path, checkpoint_every=1, progress=False)
    assert path.read_bytes() == before


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_finite_parameter_is_never_saved(tmp_path):
    path = tmp_path / "run.npz"
    trainer = small_trainer()
    trainer.fit(2, checkpoint_path=path, progress=False)
    before = path.read_bytes()
    trainer.generator.parameters()[1].data[0] = np.inf
    with pytest.raises(NonFiniteError, match=r"generator\.0\.bias"):
        trainer.save_checkpoint(path)
    assert path.read_bytes() == before
    with pytest.raises(NonFiniteError, match=r"g_loss|d_loss|grad_norm"):
        trainer.fit(1, progress=False)


# ----------------------------------------------------------------------------- bad configurations

@pytest.mark.parametrize("option, value", [
    ("loss", "wasserstein"), ("n_critic", 0), ("batch_size", -4), ("g_lr", -1e-3), ("d_lr", float("nan")),
    ("g_optimizer", "adagrad"), ("d_betas", (0.5, 1.0)), ("gp_lambda", -1.0), ("clip_value", 0.0),
    ("instance_noise", -0.1), ("instance_noise_iters", 0), ("label_smoothing", 1.0), ("momentum", -0.9),
    ("seed", -1), ("noise_dim", 0),
])
def test_bad_option_is_rejected_by_name(option, value):
    with pytest.raises(ConfigError, match=option):
        small_trainer(**{option: value})


def test_label_smoothing_only_for_classic_losses():
    with pytest.raises(ConfigError, match="label_smoothing"):
        small_trainer(loss="wgan-gp", label_smoothing=0.1)
    small_trainer(loss="nonsaturating", label_smoothing=0.1)
    small_trainer(loss="hinge", clip_value=0.1)  # clipping with another loss is allowed


def test_dimension_mismatches_are_rejected_before_training():
    rng = np.random.default_rng(0)
    G, D = models.mlp_generator(5, 15, rng=rng), models.mlp_discriminator(15, rng=rng)
    with pytest.raises(ConfigError, match="data"):
        Trainer(G, D, data.ring8, TrainConfig())  # samples of 2 features, G makes 15
    with pytest.raises(ConfigError, match="noise_dim"):
        Trainer(G, D, data.curves, TrainConfig(noise_dim=3))
    with pytest.raises(ConfigError, match="discriminator"):
        Trainer(G, models.mlp_discriminator(2, rng=rng), data.curves, TrainConfig())
    with pytest.raises(ValueError, match="until"):
        Trainer(G, D, data.curves, TrainConfig()).fit()


# ----------------------------------------------------------------------------- measured quality

def test_gan_learns_a_1d_gaussian():
    """G(z) = a z + b can represent N(1.5, 0.5^2) exactly; the GAN must find a ~ 0.5, b ~ 1.5."""
    target_mean, target_std = 1.5, 0.5
    rng = np.random.default_rng(0)
    G = models.mlp_generator(1, 1, hidden=(), rng=rng)
    D = models.mlp_discriminator(1, hidden=(32,), rng=rng)
    trainer = Trainer(G, D, lambda n, r: data.gaussian_1d(n, r, mean=target_mean, std=target_std),
                      TrainConfig(loss="nonsaturating", batch_size=128, g_lr=5e-3, d_lr=5e-3,
                                  g_betas=(0.5, 0.999), d_betas=(0.5, 0.999), seed=0))
    start = trainer.sample(20000)[:, 0]
    assert abs(start.mean() - target_mean) > 0.5  # there is something to learn
    trainer.fit(600, progress=False)
    trainer.g_optimizer.lr, trainer.d_optimizer.lr = 5e-4, 5e-4  # smaller steps: settle the oscillation
    trainer.fit(200, progress=False)
    samples = trainer.sample(20000)[:, 0]
    assert abs(samples.mean() - target_mean) < 0.1
    assert abs(samples.std() - target_std) < 0.1
    assert metrics.wasserstein_1d(samples, np.random.default_rng(1).normal(target_mean, target_std, 20000)) < 0.1


def test_wgan_gp_covers_the_ring():
    """WGAN-GP on ring8 (radius 2, std 0.02: "high quality" means within 0.06 of a centre).

    Settings found by trying: 3 hidden layers of 128 for G and D, n_critic 3, lambda 1, Adam(0.5, 0.9)
    at lr 1e-3 for 1,000 iterations, then 1e-4 for 400 to tighten the modes (at 1e-3 the high-quality
    share hovers around 0.1-0.5; the smaller steps lift it above 0.8)."""
    rng = np.random.default_rng(0)
    G = models.mlp_generator(2, 2, hidden=(128, 128, 128), rng=rng)
    D = models.mlp_discriminator(2, hidden=(128, 128, 128), rng=rng)
    trainer = Trainer(G, D, data.ring8, TrainConfig(loss="wgan-gp", n_critic=3, batch_size=128, g_lr=1e-3,
                                                    d_lr=1e-3, g_betas=(0.5, 0.9), d_betas=(0.5, 0.9),
                                                    gp_lambda=1.0, seed=0))
    trainer.fit(1000, progress=False)
    trainer.g_optimizer.lr = trainer.d_optimizer.lr = 1e-4
    trainer.fit(400, progress=False)
    coverage = metrics.mode_coverage(trainer.sample(2500), data.RING8_CENTERS, data.RING8_STD)
    assert coverage["modes"] == 8
    assert coverage["high_quality"] >= 0.8


def test_gradient_norm_is_the_euclidean_norm_over_all_parameters():
    from gan.train import gradient_norm
    a = mg.tensor(np.zeros((2, 2)), requires_grad=True)
    b = mg.tensor(np.zeros(3), requires_grad=True)
    c = mg.tensor(np.zeros(1), requires_grad=True)   # no grad: ignored
    a.grad, b.grad = mg.tensor([[3.0, 0.0], [0.0, 0.0]]), mg.tensor([0.0, 4.0, 12.0])
    assert gradient_norm([a, b, c]) == pytest.approx(13.0)


def test_instance_noise_has_the_scheduled_standard_deviation():
    trainer = small_trainer(instance_noise=0.5, instance_noise_iters=100)
    sigma = trainer.config.noise_sigma(40)                   # 0.5 * (1 - 40/100) = 0.3
    assert sigma == pytest.approx(0.3)
    x = mg.tensor(np.zeros((20000, 2), dtype=np.float32))
    noisy = trainer._with_instance_noise(x, sigma).data
    assert noisy.std() == pytest.approx(0.3, rel=0.02)
    assert abs(noisy.mean()) < 0.01


# ----------------------------------------------------------------------------- failures that come early and name the right thing

def test_nan_in_the_real_batch_names_the_rows_and_no_absent_checkpoint():
    def sampler(n, rng):
        batch = data.ring8(n, rng)
        if n > 2:
            batch[[3, 11]] = np.nan
        return batch

    trainer = small_trainer(data_fn=sampler)
    with pytest.raises(NonFiniteError) as caught:
        trainer.fit(5, progress=False)
    message = str(caught.value)
    assert message.startswith("iteration 1: the real batch contains non-finite values")
    assert "rows [3, 11] of 16" in message
    assert "checkpoint" not in message and "d_loss" not in message


def test_nan_before_the_first_checkpoint_says_none_was_written(tmp_path):
    trainer = small_trainer(data_fn=nan_after(2))
    with pytest.raises(NonFiniteError, match="no checkpoint had been written yet"):
        trainer.fit(10, checkpoint_path=tmp_path / "run.npz", checkpoint_every=5, progress=False)


def test_non_finite_samples_in_an_array_dataset_are_refused_by_row():
    points = np.ones((10, 2), dtype=np.float32)
    points[4, 1] = np.inf
    points[7, 0] = np.nan
    with pytest.raises(ConfigError, match=r"data: 2 of the 10 samples contain NaN or inf \(rows \[4, 7\]\)"):
        small_trainer(data_fn=points)


def test_data_as_a_python_list_of_samples():
    points = [[float(i), -float(i)] for i in range(10)]
    trainer = small_trainer(data_fn=points)
    batch = trainer._real_batch(40).data
    assert batch.shape == (40, 2) and set(map(tuple, batch)) <= set(map(tuple, points))
    trainer.fit(2, progress=False)
    with pytest.raises(ConfigError, match="data: a list of samples must hold n samples of the same size"):
        small_trainer(data_fn=[[1.0, 2.0], [3.0]])
    with pytest.raises(ConfigError, match="data: pass a sampler"):
        small_trainer(data_fn="ring8")


def test_config_may_be_a_dict_and_anything_else_is_named():
    rng = np.random.default_rng(0)
    G, D = models.mlp_generator(2, 2, hidden=(8,), rng=rng), models.mlp_discriminator(2, hidden=(8,), rng=rng)
    trainer = Trainer(G, D, data.ring8, {"loss": "wgan", "batch_size": 8})
    assert trainer.config == TrainConfig(loss="wgan", batch_size=8)
    assert Trainer(G, D, data.ring8).config == TrainConfig()
    with pytest.raises(ConfigError, match="config must be a TrainConfig .*got str"):
        Trainer(G, D, data.ring8, "wgan")
    with pytest.raises(ConfigError, match="unknown option 'lr'"):
        Trainer(G, D, data.ring8, {"lr": 1e-3})


def test_train_config_says_which_option_was_meant():
    from gan.config import UnknownOptionError
    with pytest.raises(UnknownOptionError, match="unknown option 'lr'; use g_lr and d_lr"):
        TrainConfig(lr=1e-3)
    with pytest.raises(TypeError, match="did you mean 'batch_size'"):  # still a TypeError, as for any keyword
        TrainConfig(bach_size=32)
    with pytest.raises(ConfigError, match="use n_critic"):
        TrainConfig(critic_iters=5)


@pytest.mark.parametrize("option, value", [("loss", "wgangp"), ("n_critic", 0), ("g_betas", (0.5, 1.5)), ("seed", -1)])
def test_invalid_options_are_rejected_when_the_config_is_made(option, value):
    with pytest.raises(ConfigError, match=f"TrainConfig.{option}"):
        TrainConfig(**{option: value})
    with pytest.raises(ConfigError, match="did you mean 'wgan-gp'"):
        TrainConfig(loss="wgangp")


@pytest.mark.parametrize("argument, message", [
    ("100", r"fit: iterations must be an int, got '100' \(str\)"),
    (100.0, r"fit: iterations must be an int, got 100.0 \(float\)"),
    (True, r"fit: iterations must be an int"),
])
def test_fit_names_a_wrong_iteration_count(argument, message):
    trainer = small_trainer()
    with pytest.raises(TypeError, match=message):
        trainer.fit(argument, progress=False)
    with pytest.raises(ValueError, match="non-negative"):
        trainer.fit(-3, progress=False)
    assert trainer.iteration == 0


def test_fit_checks_the_checkpoint_folder_before_the_first_iteration(tmp_path):
    trainer = small_trainer()
    calls = []
    trainer.data = lambda n, rng: calls.append(n) or data.ring8(n, rng)
    target = tmp_path / "missing" / "run.npz"
    with pytest.raises(OSError) as caught:
        trainer.fit(50, checkpoint_path=target, progress=False)
    assert trainer.iteration == 0 and calls == []  # nothing trained, nothing lost
    assert str(target) in str(caught.value) and ".tmp" not in str(caught.value)


def train_and_save(path, d_hidden=(16,), g_hidden=(16,)):
    rng = np.random.default_rng(7)
    G = models.mlp_generator(2, 2, hidden=g_hidden, rng=rng)
    D = models.mlp_discriminator(2, hidden=d_hidden, rng=rng)
    trainer = Trainer(G, D, data.ring8, TrainConfig(batch_size=16))
    trainer.fit(3, checkpoint_path=path, progress=False)
    return trainer


def fresh_models(g_hidden=(16,), d_hidden=(16,)):
    rng = np.random.default_rng(99)
    return models.mlp_generator(2, 2, hidden=g_hidden, rng=rng), models.mlp_discriminator(2, hidden=d_hidden, rng=rng)


@pytest.mark.parametrize("g_hidden, d_hidden, part", [((16,), (8,), "discriminator"), ((8,), (16,), "generator")])
def test_resume_with_another_architecture_changes_nothing_and_names_the_player(tmp_path, g_hidden, d_hidden, part):
    from gan.checkpoint import CheckpointMismatchError
    path = tmp_path / "run.npz"
    train_and_save(path)
    G, D = fresh_models(g_hidden, d_hidden)
    before_g, before_d = parameters_of(G), parameters_of(D)
    with pytest.raises(CheckpointMismatchError, match=f"Trainer.resume: .*run.npz: {part}: .*has shape") as caught:
        Trainer.resume(path, G, D, data.ring8)
    assert {"generator": "discriminator", "discriminator": "generator"}[part] + ":" not in str(caught.value)
    assert_same_arrays(parameters_of(G), before_g)  # the caller's models are untouched
    assert_same_arrays(parameters_of(D), before_d)


def test_load_checkpoint_of_another_architecture_changes_nothing(tmp_path):
    path = tmp_path / "run.npz"
    train_and_save(path, d_hidden=(8,))
    G, D = fresh_models()
    trainer = Trainer(G, D, data.ring8, TrainConfig(batch_size=16))
    trainer.fit(2, progress=False)
    before = (parameters_of(G), parameters_of(D), trainer.g_optimizer.state_dict(), trainer.rng.bit_generator.state,
              trainer.iteration)
    with pytest.raises(ConfigError, match=r"load_checkpoint: .*discriminator: '0.weight' has shape \(8, 2\) in the "
                                          r"checkpoint but \(16, 2\) in the model"):
        trainer.load_checkpoint(path)
    assert_same_arrays(parameters_of(G), before[0])
    assert_same_arrays(parameters_of(D), before[1])
    assert trainer.g_optimizer.state_dict()["state"][0]["step"] == before[2]["state"][0]["step"] == 2
    assert trainer.rng.bit_generator.state == before[3] and trainer.iteration == before[4]


def tamper(path, change):
    state = mg.load(path)
    change(state)
    mg.save(state, path)


@pytest.mark.parametrize("change, message", [
    (lambda s: s["g_optimizer"]["state"][0].update(step=-1), r"generator's optimizer: .*'step' of parameter 0 must be a whole number"),
    (lambda s: s["d_optimizer"]["state"][1].update(step=2.7), r"discriminator's optimizer: .*got 2.7"),
    (lambda s: s["g_optimizer"]["state"][0].update(exp_avg=np.full((16, 2), "0.1")), r"generator's optimizer: .*'exp_avg'.*floating-point"),
    (lambda s: s["generator"].update({"0.weight": s["generator"]["0.weight"].astype(np.int64)}),
     r"generator: '0.weight' holds dtype int64 values"),
    (lambda s: s["discriminator"].update({"0.bias": s["discriminator"]["0.bias"] > 0}), r"discriminator: '0.bias' holds dtype bool"),
    (lambda s: s["discriminator"].update({"0.bias": s["discriminator"]["0.bias"].astype(complex)}), r"discriminator: .*complex128"),
    (lambda s: s.update(rng="{}"), r"rng: not a state of PCG64"),
    (lambda s: s["history"].update(d_loss=np.zeros(2)), r"history: 'd_loss' must be 3 floats"),
    (lambda s: s.update(config=s["config"].replace('"minimax"', '"nonsense"').replace('"nonsaturating"', '"nonsense"')),
     r"config: TrainConfig.loss: unknown loss 'nonsense'"),
])
def test_tampered_checkpoints_are_refused_clearly_and_change_nothing(tmp_path, change, message):
    path = tmp_path / "run.npz"
    train_and_save(path)
    tamper(path, change)
    G, D = fresh_models()
    before = parameters_of(G) + parameters_of(D)
    with pytest.raises(ConfigError, match=message):
        Trainer.resume(path, G, D, data.ring8)
    assert_same_arrays(parameters_of(G) + parameters_of(D), before)


def test_import_gan_then_use_its_modules():
    """The package docstring's promise: `import gan` then gan.train.Trainer, as typed, in a fresh interpreter."""
    import subprocess
    import sys
    from pathlib import Path
    code = "import gan; print(gan.train.Trainer.__name__, gan.data.ring8.__name__, 'train' in dir(gan))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["Trainer", "ring8", "True"]


def test_docstrings_a_student_reads_with_help():
    import pydoc
    from gan import inspection
    init = Trainer.__init__.__doc__
    assert init and all(word in init for word in ("sampler", "array", "list", "config", "None", "TrainConfig()"))
    assert "dict" in init
    assert "Tensor" in inspection.inspect_step.__doc__ and "ndarray" in inspection.inspect_step.__doc__
    assert inspection.print_report.__doc__ and "gradient norm" in inspection.print_report.__doc__
    rendered = pydoc.render_doc(TrainConfig.to_json, renderer=pydoc.plaintext)
    assert "JSON" in rendered and "-----" not in rendered and "numpy numbers" not in rendered


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_non_finite_loss_without_a_checkpoint_mentions_none():
    trainer = small_trainer()
    trainer.generator.parameters()[0].data[...] = np.nan
    with pytest.raises(NonFiniteError) as caught:
        trainer.fit(3, progress=False)
    assert "parameter generator.0.weight is already not finite" in str(caught.value)
    assert "checkpoint" not in str(caught.value)


def test_making_a_trainer_does_not_move_batchnorm_statistics():
    rng = np.random.default_rng(0)
    G = mg.nn.Sequential(mg.nn.Linear(3, 8, rng=rng), mg.nn.BatchNorm1d(8), mg.nn.ReLU(), mg.nn.Linear(8, 2, rng=rng))
    D = models.mlp_discriminator(2, hidden=(8,), rng=rng)
    Trainer(G, D, lambda n, r: r.standard_normal((n, 2)),
            TrainConfig(noise_dim=3, batch_size=8))
    np.testing.assert_array_equal(G[1].running_var, np.ones(8, np.float32))
    np.testing.assert_array_equal(G[1].running_mean, np.zeros(8, np.float32))
    assert G.training and G[1].training
