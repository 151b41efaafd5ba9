"""Training a GAN: the textbook's Algorithm 13.1 with the usual variants.

    for t = 1 .. T:
        for k = 1 .. K:                               (n_critic)
            x ~ data (M samples), z ~ N(0, I) (M samples)
            one step of D on L_D(D(x), D(G(z)))       (G(z) detached: G gets no gradient)
        z ~ N(0, I) (M samples)
        one step of G on L_G(D(G(z)))                 (D receives gradients but is not stepped)

Two remedies for mode collapse change what D sees, not the loop:
    pack = m     (PacGAN) D judges m samples at once: every D input is m real (or m fake) samples
                 side by side (gan/packing.py); M D inputs take M m samples of each kind
    unroll = k   (unrolled GAN) the G step uses L_G(D_k(G(z))), D_k = D after k recorded steps of
                 its optimizer, differentiated through them (gan/unrolled.py)

Use:

    from gan import data, models
    from gan.train import Trainer, TrainConfig

    rng = np.random.default_rng(0)
    G = models.mlp_generator(5, 15, rng=rng)
    D = models.mlp_discriminator(15, rng=rng)
    trainer = Trainer(G, D, data.curves, TrainConfig(loss="minimax", g_lr=1e-4, d_lr=1e-4))
    history = trainer.fit(2000, checkpoint_path="run.npz", checkpoint_every=500)
    samples = trainer.sample(1000)

`data` is a sampler `data(n, rng) -> (n, d) array` (such as the functions of gan.data) or a fixed
set of training samples, an (n, d) array or a list of n samples (or image-shaped, (n, 1, 28, 28)
for the DCGAN: each sample keeps the shape G produces and D takes) (minibatches are then drawn from
it with replacement). Non-finite values in the data stop training with a message naming the rows.

A conditional pair (gan/conditional.py: G(z, y), D(x, y)) trains on labelled data, `data` =
(images, labels): every batch carries labels, D's fakes get the real batch's labels, G's step asks
for uniform labels, and `sample(n, labels=...)` asks for digits.

Ctrl-C during `fit` finishes the current iteration, saves a checkpoint (if `checkpoint_path` was
given), prints how to resume, and raises KeyboardInterrupt; `Trainer.resume(path, G, D, data)`
then continues exactly where the run stopped. Inside a caller's `gan.interrupt.stop_on_ctrl_c()`
block (a lesson's runner) fit instead returns quietly with `trainer.interrupted = True`, and the
caller reports the work done.
"""
import contextlib
import math
import numbers

import numpy as np

import minigrad as mg
from minigrad import optim
from minigrad.activations import sigmoid

from gan import conditional, losses, unrolled
from gan.checkpoint import (CheckpointMismatchError, FitCheckpoints, NonFiniteError, check_trainer_state, config_of,
                            first_non_finite_parameter, read_checkpoint, restore_trainer_state, save_checkpoint)
from gan.config import ConfigError, TrainConfig
from gan.packing import pack
from gan.progress import ProgressBar

__all__ = ["Trainer", "TrainConfig", "ConfigError", "NonFiniteError", "CheckpointMismatchError", "HISTORY_KEYS"]

#: history keys: one float per iteration each (NaN where not applicable)
HISTORY_KEYS = ("d_loss", "g_loss", "d_real", "d_fake", "wasserstein", "g_grad_norm", "d_grad_norm")


def make_optimizer(name, params, lr, betas, momentum):
    """'adam' | 'rmsprop' | 'sgd' -> a minigrad optimizer over `params`."""
    if name == "adam":
        return optim.Adam(params, lr=lr, betas=tuple(betas))
    if name == "rmsprop":
        return optim.RMSprop(params, lr=lr, momentum=momentum)
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=momentum)
    raise ConfigError(f"make_optimizer: unknown optimizer {name!r}")


def gradient_norm(params):
    """sqrt(sum of squared gradient entries) over all `params` (0 if none has a gradient)."""
    total = 0.0
    for p in params:
        if p.grad is not None:
            g = p.grad.data.ravel()
            total += float(np.dot(g, g))
    return math.sqrt(total)


class Trainer:
    """Trains generator G and discriminator (critic) D on `data` with `config` (a TrainConfig).

        trainer = Trainer(G, D, data.curves, TrainConfig(loss="minimax", g_lr=1e-4, d_lr=1e-4))
        trainer.fit(2000)

    Attributes: generator, discriminator, config, rng (the one numpy Generator that draws all
    samples), g_optimizer, d_optimizer, iteration (completed iterations), history (dict of lists,
    keys HISTORY_KEYS).
    """

    def __init__(self, generator, discriminator, data, config=None):
        """Check everything that can be checked before training, then build the two optimizers.

        generator       an nn.Module mapping noise (n, noise_dim) to samples (n, d)
        discriminator   an nn.Module mapping samples (n, d) to scores (n, 1): logits for the
                        classic losses, critic scores for the Wasserstein ones
        data            the real samples: a sampler data(n, rng) -> (n, d) array (such as
                        gan.data.curves), or a fixed set of samples, an (n, d) array or a list of n
                        samples, from which minibatches are drawn with replacement
        config          a TrainConfig, a dict of its options (TrainConfig(**config)), or None for
                        TrainConfig() (the defaults: non-saturating loss, Adam lr 1e-4, batch 64)

        G and D are probed with a batch of 2 so that mismatched sizes fail here (ConfigError
        naming the part), not in the first iteration."""
        self.config = _as_config(config)
        self.generator, self.discriminator = generator, discriminator
        self.n_classes, data, self.labels = _conditioning(generator, discriminator, data, self.config)
        self.data = _as_data(data)
        self.rng = np.random.default_rng(self.config.seed)
        params = generator.parameters()
        self._dtype_source = params[0] if params else None
        self.noise_dim = self._check_models()
        cfg = self.config
        self.g_optimizer = make_optimizer(cfg.g_optimizer, generator.parameters(), cfg.g_lr, cfg.g_betas, cfg.momentum)
        self.d_optimizer = make_optimizer(cfg.d_optimizer, discriminator.parameters(), cfg.d_lr, cfg.d_betas, cfg.momentum)
        self.d_loss_fn, self.g_loss_fn = losses.LOSS_FAMILIES[cfg.loss]
        self.iteration = 0
        self.history = {key: [] for key in HISTORY_KEYS}
        self.interrupted = False  # True when the last fit stopped early on Ctrl-C
        self.in_step = False  # True while an iteration is half done (its state must not be saved)
        self._checkpoints = None  # the FitCheckpoints of the running fit (None outside fit)

    @property
    def dtype(self):
        """The models' dtype, given to real batches and noise (read from G's first parameter each
        time, so that generator.double() after the Trainer was made is followed)."""
        return self._dtype_source.data.dtype if self._dtype_source is not None else np.dtype(np.float32)

    # ------------------------------------------------------------------ checks before training
    def _check_models(self):
        """Probe G and D with a batch of 2 (zeros, so the RNG is untouched); return noise_dim."""
        noise_dim = self.config.noise_dim
        if noise_dim is None:
            # an MLP knows its sizes; other builders (gan.models.dcgan_generator) set `noise_dim`
            sizes = getattr(self.generator, "sizes", None)
            noise_dim = getattr(self.generator, "noise_dim", None) or (sizes[0] if sizes else None)
            if noise_dim is None:
                raise ConfigError("TrainConfig.noise_dim: cannot read it from the generator; please set it")
        # eval mode: the probe must not move BatchNorm's running statistics or draw dropout masks
        m = self.config.pack
        with mg.no_grad(), _eval_mode(self.generator, self.discriminator):
            try:
                fake = self._generate(mg.zeros(2 * m, noise_dim, dtype=self.dtype), self._probe_labels(2 * m))
            except ValueError as error:
                raise ConfigError(f"TrainConfig.noise_dim={noise_dim} does not fit the generator: {error}") from None
            example = self._example_data()
            if fake.shape[1:] != example.shape[1:]:
                raise ConfigError(f"data: samples have shape {example.shape[1:]} but the generator makes "
                                  f"{fake.shape[1:]}")
            try:
                scores = self._scores(pack(fake, m), self._probe_labels(2))[0]
            except ValueError as error:
                packed = f" packed {m} at a time (TrainConfig.pack={m}: D's input has {m} x the features)" if m > 1 else ""
                raise ConfigError(f"discriminator does not accept the generator's samples{packed}: {error}") from None
        if scores.shape != (2, 1):
            raise ConfigError(f"discriminator: must output shape (n, 1), got {scores.shape} for n = 2")
        return noise_dim

    def _example_data(self):
        if isinstance(self.data, np.ndarray):
            if self.data.ndim < 2 or len(self.data) == 0:
                raise ConfigError(f"data: an array of samples must have shape (n, d), got {self.data.shape}")
            return self.data[:2]
        if not callable(self.data):
            raise ConfigError("data: pass a sampler data(n, rng) or an array of samples")
        # a throw-away generator: probing must not move the trainer's RNG
        return np.asarray(self.data(2, np.random.default_rng(0)))

    # ------------------------------------------------------------------ sampling
    def _real_batch(self, n, labelled=False):
        """n real samples as a Tensor; with labelled=True (a conditional pair) also their labels (n,)."""
        labels = None
        if isinstance(self.data, np.ndarray):
            rows = self.rng.integers(0, len(self.data), size=n)
            batch = self.data[rows]
            labels = None if self.labels is None else self.labels[rows]
        else:
            batch = np.asarray(self.data(n, self.rng), dtype=np.float32)
            if not np.isfinite(batch.sum()):  # one cheap pass; find the rows only when something is wrong
                rows = np.flatnonzero(~np.isfinite(batch.reshape(len(batch), -1)).all(axis=1))
                if rows.size:
                    raise NonFiniteError(f"iteration {self.iteration + 1}: the real batch contains non-finite "
                                         f"values (NaN or inf) in rows {_some(rows)} of {len(batch)}: the data "
                                         f"sampler returned them; training stopped{self._checkpoint_note()}")
        batch = mg.Tensor(np.asarray(batch, dtype=np.float32).astype(self.dtype, copy=False))
        return (batch, labels) if labelled else batch

    # ------------------------------------------------------------------ the players, with or without labels
    def _probe_labels(self, n):
        return None if self.n_classes is None else np.zeros(n, dtype=np.intp)

    def _random_labels(self, n):
        """Labels G is asked for in its step: uniform over the classes (None when unconditional)."""
        return None if self.n_classes is None else self.rng.integers(0, self.n_classes, size=n)

    def _generate(self, z, labels):
        return self.generator(z) if labels is None else self.generator(z, labels)

    def _scores(self, x, labels):
        """(D's score (n, 1), AC-GAN's class logits (n, C) or None)."""
        if labels is None:
            return self.discriminator(x), None
        return self.discriminator.scores(x, labels)

    def _class_loss(self, class_logits, labels):
        """aux_weight * cross-entropy of the class logits against the labels (AC-GAN); 0 without the head."""
        if class_logits is None:
            return 0.0
        return self.config.aux_weight * conditional.class_loss(class_logits, labels)

    def _noise(self, n):
        return mg.Tensor(self.rng.standard_normal((n, self.noise_dim), dtype=np.float32).astype(self.dtype, copy=False))

    def _with_instance_noise(self, x, sigma):
        """x + N(0, sigma^2) (the notes on GAN training problems, idea 1: make the two distributions overlap)."""
        if sigma == 0:
            return x
        return x + mg.Tensor((sigma * self.rng.standard_normal(x.shape, dtype=np.float32)).astype(self.dtype, copy=False))

    # ------------------------------------------------------------------ one iteration
    def discriminator_step(self, sigma=0.0):
        """One D (critic) step on fresh real and noise batches. Returns (loss, D(x), D(G(z)) raw
        outputs as ndarrays, grad norm of D)."""
        cfg = self.config
        n = cfg.batch_size * cfg.pack  # batch_size D inputs of pack samples each
        # conditional: the fakes are asked for the real batch's labels
        real, labels = self._real_batch(n, labelled=True) if self.n_classes else (self._real_batch(n), None)
        z = self._noise(n)
        with mg.no_grad():  # G(z) as a constant: this step must not reach G's parameters
            fake = self._generate(z, labels)
        real = pack(self._with_instance_noise(real, sigma), cfg.pack)  # real with real,
        fake = pack(self._with_instance_noise(fake, sigma), cfg.pack)  # fake with fake
        real_scores, real_classes = self._scores(real, labels)
        fake_scores, fake_classes = self._scores(fake, labels)
        loss = self._d_loss(real_scores, fake_scores)
        # AC-GAN: D also names the class of real digits and of the fakes' requested labels
        loss = loss + self._class_loss(real_classes, labels) + self._class_loss(fake_classes, labels)
        if cfg.loss == "wgan-gp" and cfg.gp_lambda > 0:
            critic = self.discriminator if labels is None else (lambda x: self.discriminator(x, labels))
            loss = loss + losses.gradient_penalty(critic, real, fake, rng=self.rng, weight=cfg.gp_lambda)
        self.d_optimizer.zero_grad()  # also clears what the last G step left in D's .grad
        loss.backward()
        d_loss, d_norm = loss.item(), gradient_norm(self.d_optimizer.params)
        self._guard("d_loss", d_loss)
        self._guard("d_grad_norm", d_norm)
        self.d_optimizer.step()
        clip = cfg.effective_clip_value
        if clip is not None:
            losses.clip_weights(self.discriminator, clip)
        return d_loss, real_scores.data, fake_scores.data, d_norm

    def _d_loss(self, real_scores, fake_scores):
        """D's loss of the config (with one-sided label smoothing if set), without penalty or clipping."""
        if self.config.label_smoothing:
            return self.d_loss_fn(real_scores, fake_scores, real_label=1.0 - self.config.label_smoothing)
        return self.d_loss_fn(real_scores, fake_scores)

    def generator_step(self, sigma=0.0):
        """One G step on a fresh noise batch. Returns (loss, grad norm of G).

        With unroll = k the loss is L_G(D_k(G(z))), D_k = D after k recorded steps of its optimizer
        on a fresh real batch and these fakes (gan/unrolled.py); D itself is not changed."""
        cfg = self.config
        n = cfg.batch_size * cfg.pack
        z = self._noise(n)
        labels = self._random_labels(n)
        fake = pack(self._with_instance_noise(self._generate(z, labels), sigma), cfg.pack)
        classes = None
        if cfg.unroll:
            real = pack(self._with_instance_noise(self._real_batch(n), sigma), cfg.pack)
            scores = unrolled.unrolled_scores(self.discriminator, self.d_optimizer, self._d_loss, real, fake,
                                              cfg.unroll)
        else:
            scores, classes = self._scores(fake, labels)
        loss = self.g_loss_fn(scores) + self._class_loss(classes, labels)  # AC-GAN: draw what was asked
        self.g_optimizer.zero_grad()
        # The chain rule runs through D to reach G, so D's parameters get gradients here too;
        # only G's optimizer steps, and D's next step starts with zero_grad.
        loss.backward()
        params = self.g_optimizer.params
        g_loss, g_norm = loss.item(), gradient_norm(params)
        self._guard("g_loss", g_loss)
        self._guard("g_grad_norm", g_norm)
        self.g_optimizer.step()
        return g_loss, g_norm

    def train_step(self):
        """One iteration of Algorithm 13.1: n_critic D steps, then one G step; appends to history."""
        cfg = self.config
        self.in_step = True
        sigma = cfg.noise_sigma(self.iteration)
        for _ in range(cfg.n_critic):
            d_loss, real_scores, fake_scores, d_norm = self.discriminator_step(sigma)
        g_loss, g_norm = self.generator_step(sigma)
        real_mean, fake_mean = float(real_scores.mean()), float(fake_scores.mean())
        if cfg.outputs_probability:
            d_real, d_fake = _mean_sigmoid(real_scores), _mean_sigmoid(fake_scores)
            wasserstein = math.nan
        else:
            d_real, d_fake = real_mean, fake_mean
            wasserstein = real_mean - fake_mean if cfg.loss in ("wgan", "wgan-gp") else math.nan
        h = self.history
        h["d_loss"].append(d_loss)
        h["g_loss"].append(g_loss)
        h["d_real"].append(d_real)
        h["d_fake"].append(d_fake)
        h["wasserstein"].append(wasserstein)
        h["g_grad_norm"].append(g_norm)
        h["d_grad_norm"].append(d_norm)
        self.iteration += 1
        self.in_step = False

    def _guard(self, name, value):
        """NaN/inf guard: raise before the bad value is used in an update."""
        if not math.isfinite(value):
            where = first_non_finite_parameter((("generator", self.generator), ("discriminator", self.discriminator)))
            cause = f" (parameter {where} is already not finite)" if where else ""
            raise NonFiniteError(f"iteration {self.iteration + 1}: {name} = {value}{cause}; training stopped"
                                 f"{self._checkpoint_note()}")

    def _checkpoint_note(self):
        """What happened to the checkpoint, for an error message (gan/checkpoint.py)."""
        return "" if self._checkpoints is None else self._checkpoints.note()

    # ------------------------------------------------------------------ the loop
    def fit(self, iterations=None, *, until=None, callback=None, callback_every=100,
            checkpoint_path=None, checkpoint_every=None, progress=True, progress_every_percent=10):
        """Train for `iterations` more iterations (or `until` a total iteration count); return history.

        callback(trainer, iteration) runs after every `callback_every` iterations (for evaluation,
        snapshots, plots); iteration counts from 1. A checkpoint is written to `checkpoint_path`
        every `checkpoint_every` iterations, at the end, and on Ctrl-C. With progress=True a
        one-line progress report goes to stderr.
        """
        until = _fit_until(self.iteration, iterations, until, callback_every, checkpoint_every)
        checkpoints = self._checkpoints = FitCheckpoints(self, checkpoint_path, checkpoint_every)
        bar = ProgressBar(until, start=self.iteration, enabled=progress, every_percent=progress_every_percent)
        try:
            with checkpoints.stop_on_ctrl_c(until) as ctrl_c:
                while self.iteration < until and not ctrl_c.requested:
                    self.train_step()
                    i = self.iteration
                    if callback is not None and i % callback_every == 0:
                        callback(self, i)
                    checkpoints.after_iteration(i)
                    bar.update(i, {"d_loss": self.history["d_loss"][-1], "g_loss": self.history["g_loss"][-1]})
                bar.close()
        finally:
            bar.close()
            self._checkpoints = None
        return self.history

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path):
        """Save models, optimizers, RNG state, history, iteration and config to `path` (atomic)."""
        save_checkpoint(self, path)
        if self._checkpoints is not None:
            self._checkpoints.saved(path)

    def load_checkpoint(self, path):
        """Load a checkpoint into this trainer. Its config must equal this trainer's config, and every
        part of it must fit (checked first: on any error nothing is changed)."""
        state = read_checkpoint(path)
        saved = _saved_config(state, path, "load_checkpoint")
        if saved != self.config:
            raise ConfigError(f"load_checkpoint: {path} was made with {saved}, this trainer has {self.config}")
        check_trainer_state(self, state, path, "load_checkpoint")
        restore_trainer_state(self, state)
        return self

    @classmethod
    def resume(cls, path, generator, discriminator, data):
        """A Trainer with the config stored in checkpoint `path` and its saved state loaded, so that
        `fit` continues exactly like the uninterrupted run would have."""
        state = read_checkpoint(path)
        trainer = cls(generator, discriminator, data, _saved_config(state, path, "Trainer.resume"))
        check_trainer_state(trainer, state, path, "Trainer.resume")  # before G and D are overwritten
        restore_trainer_state(trainer, state)
        return trainer

    # ------------------------------------------------------------------ using the trained models
    def sample(self, n, rng=None, labels=None):
        """n generated samples G(z) (or G(z, y) for the n `labels` of a conditional pair) as an
        ndarray (n, d) (no graph, eval mode). A conditional pair with labels=None draws the labels
        0, 1, ..., C-1, 0, 1, ... in turn.

        The noise z comes from `rng`, or with rng=None from a generator seeded by config.seed: then
        every call uses the same z, so snapshots taken during training are directly comparable.
        The trainer's own RNG is never touched, so sampling does not change the training run."""
        rng = np.random.default_rng([self.config.seed, 1]) if rng is None else rng
        z = mg.Tensor(rng.standard_normal((n, self.noise_dim), dtype=np.float32).astype(self.dtype, copy=False))
        if self.n_classes is None:
            if labels is not None:
                raise ValueError("Trainer.sample: labels are for a conditional pair (gan/conditional.py); "
                                 "this generator takes no labels")
            return self._eval_forward(self.generator, z)
        labels = np.arange(n) % self.n_classes if labels is None else labels
        return self._eval_forward(self.generator, z, conditional.as_labels(labels, n, self.n_classes, "Trainer.sample"))

    def discriminate(self, x, labels=None):
        """D(x) (or D(x, y) with the `labels` of a conditional pair) for an array of samples (n, d):
        probabilities for the classic losses, raw critic scores for the others. Returns shape (n,)."""
        x = mg.Tensor(np.asarray(x, dtype=self.dtype))
        extra = () if self.n_classes is None else (conditional.as_labels(labels, x.shape[0], self.n_classes,
                                                                         "Trainer.discriminate"),)
        scores = self._eval_forward(self.discriminator, x, *extra)[:, 0]
        return _sigmoid(scores) if self.config.outputs_probability else scores

    @staticmethod
    def _eval_forward(module, *inputs):
        with _eval_mode(module), mg.no_grad():
            return module(*inputs).data


@contextlib.contextmanager
def _eval_mode(*modules):
    """The modules in eval mode for the block, then each back in the mode it was in."""
    modes = [m.training for m in modules]
    for m in modules:
        m.eval()
    try:
        yield
    finally:
        for m, mode in zip(modules, modes):
            m.train(mode)


def _as_config(config):
    """A checked TrainConfig from a TrainConfig, a dict of its options, or None (the defaults)."""
    if config is None:
        return TrainConfig()
    if isinstance(config, dict):
        return TrainConfig(**config)
    if not isinstance(config, TrainConfig):
        raise ConfigError(f"Trainer: config must be a TrainConfig (or a dict of its options), "
                          f"got {type(config).__name__}: use TrainConfig(loss=..., g_lr=..., ...)")
    return config.validate()


def _conditioning(generator, discriminator, data, config):
    """(n_classes or None, the samples, their labels or None): a conditional pair needs both players
    conditional and `data` = (images, labels); PacGAN packing and unrolling stay unconditional."""
    g, d = conditional.is_conditional(generator), conditional.is_conditional(discriminator)
    if not (g or d):
        return None, data, None
    if not (g and d) or generator.n_classes != discriminator.n_classes:
        raise ConfigError("a conditional GAN needs a conditional generator AND discriminator with the same "
                          "n_classes (gan/conditional.py); got "
                          f"{getattr(generator, 'n_classes', None)} and {getattr(discriminator, 'n_classes', None)}")
    if config.pack > 1 or config.unroll:
        raise ConfigError("TrainConfig.pack / unroll: not with a conditional pair of models (use pack=1, unroll=0)")
    if not (isinstance(data, tuple) and len(data) == 2):
        raise ConfigError("data: a conditional pair of models trains on labelled data, pass (images, labels)")
    images, labels = data
    images = _as_data(images)
    labels = conditional.as_labels(labels, len(images), generator.n_classes, "data: labels")
    return generator.n_classes, images, labels


def _as_data(data):
    """A sampler as it is; a list or array of samples as a float32 array (n, d) of finite values."""
    if callable(data):
        return data
    if isinstance(data, (list, tuple)):
        try:
            data = np.asarray(data, dtype=np.float32)
        except (ValueError, TypeError) as error:
            raise ConfigError(f"data: a list of samples must hold n samples of the same size, all numbers "
                              f"({error})") from None
    if not isinstance(data, np.ndarray):
        raise ConfigError(f"data: pass a sampler data(n, rng) or the samples as an (n, d) array or list, "
                          f"got {type(data).__name__}")
    if data.ndim < 2 or len(data) == 0:
        raise ConfigError(f"data: the samples must have shape (n, d) with n >= 1, got {data.shape}")
    if data.dtype.kind not in "fiu":
        raise ConfigError(f"data: the samples must be numbers, got dtype {data.dtype}")
    finite = np.isfinite(data.reshape(len(data), -1)).all(axis=1)
    if not finite.all():
        rows = np.flatnonzero(~finite)
        raise ConfigError(f"data: {rows.size} of the {len(data)} samples contain NaN or inf (rows {_some(rows)})")
    return data


def _some(rows, limit=10):
    """'[3, 17]' or '[3, 17, ... (40 in all)]' for an error message."""
    shown = ", ".join(str(int(r)) for r in rows[:limit])
    return f"[{shown}]" if len(rows) <= limit else f"[{shown}, ... ({len(rows)} in all)]"


def _fit_until(done, iterations, until, callback_every, checkpoint_every):
    """The total iteration count a fit runs to, after checking fit's counting arguments."""
    if (iterations is None) == (until is None):
        raise ValueError("fit: pass exactly one of iterations (more iterations) or until (a total)")
    for name, value in (("iterations", iterations), ("until", until), ("callback_every", callback_every),
                        ("checkpoint_every", checkpoint_every)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral)):
            raise TypeError(f"fit: {name} must be an int, got {value!r} ({type(value).__name__})")
    until = done + iterations if until is None else until
    for name, value in (("iterations / until", until - done), ("callback_every", callback_every)):
        if not isinstance(value, int) or value < (0 if name.startswith("it") else 1):
            raise ValueError(f"fit: {name} must be a non-negative int, got {value!r}")
    if checkpoint_every is not None and (not isinstance(checkpoint_every, int) or checkpoint_every < 1):
        raise ValueError(f"fit: checkpoint_every must be an int >= 1, got {checkpoint_every!r}")
    return until


def _saved_config(state, path, caller):
    try:
        return config_of(state)
    except (ValueError, TypeError, KeyError) as error:
        raise CheckpointMismatchError(f"{caller}: {path}: config: {error}; nothing was loaded") from None


def _sigmoid(x):
    return sigmoid(np.asarray(x, dtype=np.float64))


def _mean_sigmoid(logits):
    return float(_sigmoid(logits).mean())
