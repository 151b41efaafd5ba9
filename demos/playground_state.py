"""The state behind the playground lesson: a 2-D GAN that can be stepped one player at a time, and
every picture of it computed as arrays (no plotting here; `demos.playground_view` draws them).

    state = PlaygroundState(Settings(dataset="ring", loss="nonsaturating"))
    state.step_d()          # one discriminator step      (Trainer.discriminator_step)
    state.step_g()          # one generator step          (Trainer.generator_step)
    state.iterate(10)       # ten iterations of Algorithm 13.1 (n_critic D steps, then one G step)
    snap = state.snapshot() # what the view draws: samples, arrows, D's map, G's manifold, history

The arrows are the gradient the generator's loss hands back to its samples through D,

    arrows = -dL_G / dG(z)   with   L_G = (1/n) sum_i l(D(G(z_i))),

computed as exactly `minigrad.grad(L_G, fake)` on the n shown samples: fake is a leaf made from
G(z), so the gradient stops there and is the vector each sample would move along if it could move
by itself (a G step moves it only through G's parameters, 2.1 and 2.2 of docs/THEORY.md).
"""
import dataclasses
from dataclasses import dataclass
from functools import partial
from typing import Optional, Tuple

import numpy as np

import minigrad as mg
from minigrad.activations import sigmoid
from gan import data, losses, metrics, models
from gan.train import ConfigError, Trainer, TrainConfig

N_SHOWN = 500          # real and generated samples drawn (and measured) at every refresh
MIN_COUNT = 5          # high-quality samples a mode needs to count as covered (1% of N_SHOWN)
Z_EXTENT = 2.5         # the z grid spans [-Z_EXTENT, Z_EXTENT]^2 (z ~ N(0, I): about 98% of each axis)
Z_LINES = 21           # the z grid has Z_LINES x Z_LINES points
MAP_POINTS = 80        # D's map is evaluated on MAP_POINTS x MAP_POINTS points over the plane


@dataclass(frozen=True)
class Dataset:
    """A 2-D data set of the playground: its sampler, the modes to count (or None) and the plot extent."""
    label: str
    sampler: object
    centers: Optional[np.ndarray] = None
    std: Optional[float] = None
    extent: float = 3.0          # the plane shown is [-extent, extent]^2


RING_STD = GRID_STD = 0.1      # wider than the mode-collapse lesson's modes, so that they are easy to see
GAUSSIAN_CENTER, GAUSSIAN_STD = (1.0, 1.0), 0.5

DATASETS = {
    "ring": Dataset("ring of 8 Gaussians", partial(data.ring8, std=RING_STD), data.RING8_CENTERS, RING_STD, 3.5),
    "grid": Dataset("grid of 25 Gaussians", partial(data.grid25, std=GRID_STD), data.GRID25_CENTERS, GRID_STD, 5.5),
    "moons": Dataset("two moons", data.two_moons),
    "lines": Dataset("two disjoint lines", data.two_lines),
    "gaussian": Dataset("one Gaussian", partial(data.gaussian_mixture_2d, centers=[GAUSSIAN_CENTER], std=GAUSSIAN_STD)),
}

#: the loss families of the playground and what D's output means for each
LOSSES = {
    "minimax": "probability",        # D(x) = sigmoid(logit); G minimises log(1 - D(G(z))) (saturating)
    "nonsaturating": "probability",  # the same D; G minimises -log D(G(z))
    "wgan-gp": "critic",             # f(x), any real number; the gradient penalty keeps |grad f| near 1
    "lsgan": "score",                # a score with targets 1 (real) and 0 (fake); 1/2 is the boundary
}

HISTORY_KEYS = ("updates", "d_steps", "g_steps", "d_loss", "g_loss", "d_real", "d_fake", "arrow_median",
                "modes", "high_quality", "sliced_w1")


@dataclass(frozen=True)
class Settings:
    """What the controls change. Both players are MLPs 2 -> hidden -> 2 (G) and 2 -> hidden -> 1 (D), ReLU."""
    dataset: str = "ring"
    loss: str = "minimax"
    n_critic: int = 1
    d_lr: float = 1e-3
    g_lr: float = 1e-3
    seed: int = 0
    hidden: Tuple[int, ...] = (64, 64)
    batch_size: int = 128
    gp_lambda: float = 1.0
    dtype: str = "float32"           # "float64" for the gradient checks

    def validate(self):
        if self.dataset not in DATASETS:
            raise ConfigError(f"playground: unknown data set {self.dataset!r}; choose one of {', '.join(DATASETS)}")
        if self.loss not in LOSSES:
            raise ConfigError(f"playground: unknown loss {self.loss!r}; choose one of {', '.join(LOSSES)}")
        if self.dtype not in ("float32", "float64"):
            raise ConfigError(f"playground: dtype must be 'float32' or 'float64', got {self.dtype!r}")
        self.train_config().validate()  # names a bad n_critic, learning rate, batch size or seed
        return self

    def train_config(self):
        """The Trainer's options: Adam with beta1 = 0.5 (beta2 = 0.9 for WGAN-GP, as in its paper)."""
        betas = (0.5, 0.9) if self.loss == "wgan-gp" else (0.5, 0.999)
        return TrainConfig(loss=self.loss, n_critic=self.n_critic, batch_size=self.batch_size, noise_dim=2,
                           g_lr=self.g_lr, d_lr=self.d_lr, g_betas=betas, d_betas=betas,
                           gp_lambda=self.gp_lambda, seed=self.seed)


@dataclass
class Snapshot:
    """Everything one frame shows, as arrays (float64). Shapes for n = N_SHOWN, m = Z_LINES, p = MAP_POINTS."""
    dataset: str
    dataset_label: str
    loss: str
    map_kind: str                 # "probability", "score" or "critic" (see LOSSES)
    extent: float
    centers: Optional[np.ndarray]
    real: np.ndarray              # (n, 2) real samples
    z: np.ndarray                 # (n, 2) the noise of the shown generated samples
    fake: np.ndarray              # (n, 2) G(z)
    arrows: np.ndarray            # (n, 2) -dL_G/dG(z), exactly minigrad.grad(L_G, fake)
    z_grid: np.ndarray            # (m, m, 2) a regular grid of z
    z_grid_image: np.ndarray      # (m, m, 2) G(z_grid): the generator's manifold
    map_x: np.ndarray             # (p,) x coordinates of D's map
    map_y: np.ndarray             # (p,) y coordinates
    d_map: np.ndarray             # (p, p) D at (map_x[j], map_y[i]) in row i, column j (see map_kind)
    history: dict                 # HISTORY_KEYS -> (k,) arrays, one entry per record()
    sliced_w1_floor: float        # sliced W1 between the shown real samples and another real sample
    events: list                  # [(updates, text)]: loss switches
    updates: int                  # D steps + G steps so far
    settings: Settings


class PlaygroundState:
    """A GAN on a 2-D data set with the stepping the controls need; `snapshot()` gives what to draw."""

    def __init__(self, settings=None, **changes):
        self.settings = dataclasses.replace(settings or Settings(), **changes).validate()
        self.reset()

    # ------------------------------------------------------------------ building and resetting
    @property
    def dataset(self):
        return DATASETS[self.settings.dataset]

    @property
    def dtype(self):
        return np.dtype(self.settings.dtype)

    def reset(self):
        """New players from the seed (the same initial weights every time), empty history."""
        s = self.settings
        rng = np.random.default_rng(s.seed)
        self.generator = models.mlp_generator(2, 2, hidden=s.hidden, rng=rng).to(s.dtype)
        self.discriminator = models.mlp_discriminator(2, hidden=s.hidden, rng=rng).to(s.dtype)
        self.trainer = Trainer(self.generator, self.discriminator, self.dataset.sampler, s.train_config())
        # what is shown comes from its own generator, so that looking never changes the training run
        shown = np.random.default_rng([s.seed, 2])
        self.z = shown.standard_normal((N_SHOWN, 2)).astype(self.dtype)
        self.real = self.dataset.sampler(N_SHOWN, shown).astype(self.dtype)
        self.penalty_eps = shown.random((N_SHOWN, 1))
        self.sliced_w1_floor = metrics.sliced_wasserstein_2d(self.real, self.dataset.sampler(N_SHOWN, shown))
        self.d_steps = self.g_steps = self.iterations = 0
        self.history = {key: [] for key in HISTORY_KEYS}
        self.events = []
        self.record()

    # ------------------------------------------------------------------ what the controls change
    def set_dataset(self, name):
        """Switch the data set. The players start afresh (a history on another data set would mean nothing)."""
        self.settings = dataclasses.replace(self.settings, dataset=name).validate()
        self.reset()

    def set_loss(self, name):
        """Switch the loss family and keep both players, so that the arrows of the new loss are seen on
        the same D. The optimizers start afresh (their moments belong to the old loss)."""
        if name == self.settings.loss:
            return
        self.settings = dataclasses.replace(self.settings, loss=name).validate()
        rng = self.trainer.rng
        self.trainer = Trainer(self.generator, self.discriminator, self.dataset.sampler, self.settings.train_config())
        self.trainer.rng = rng  # the random stream goes on
        self.events.append((self.updates, name))
        self.record()

    def set_n_critic(self, n_critic):
        self._change(n_critic=int(n_critic))

    def set_learning_rates(self, d_lr=None, g_lr=None):
        self._change(d_lr=self.settings.d_lr if d_lr is None else float(d_lr),
                     g_lr=self.settings.g_lr if g_lr is None else float(g_lr))
        self.trainer.d_optimizer.lr = self.settings.d_lr
        self.trainer.g_optimizer.lr = self.settings.g_lr

    def _change(self, **changes):
        self.settings = dataclasses.replace(self.settings, **changes).validate()
        # the Trainer reads n_critic from its config at every iteration; the optimizers keep their state
        self.trainer.config = dataclasses.replace(self.trainer.config, **changes).validate()

    # ------------------------------------------------------------------ stepping
    @property
    def updates(self):
        return self.d_steps + self.g_steps

    def step_d(self):
        """One step of D (the critic) on fresh real and generated batches; G is not touched."""
        self.trainer.discriminator_step()
        self.d_steps += 1
        self.record()

    def step_g(self):
        """One step of G through D on a fresh noise batch; D is not stepped."""
        self.trainer.generator_step()
        self.g_steps += 1
        self.record()

    def iterate(self, n=1, record=True):
        """n iterations of Algorithm 13.1 (Trainer.train_step: n_critic D steps, then one G step)."""
        for _ in range(n):
            self.trainer.train_step()
            self.d_steps += self.trainer.config.n_critic
            self.g_steps += 1
            self.iterations += 1
        if record:
            self.record()

    # ------------------------------------------------------------------ looking
    def _tensor(self, array):
        return mg.Tensor(np.asarray(array, dtype=self.dtype))

    def d_values(self, x):
        """D at the points x (k, 2), in the units of the map: sigmoid(logit) for the classic losses,
        the raw output (score or critic value) for the others. Returns (k,) float64."""
        with mg.no_grad():
            out = self.discriminator(self._tensor(x)).data[:, 0].astype(np.float64)
        return sigmoid(out) if LOSSES[self.settings.loss] == "probability" else out

    def generate(self, z):
        """G(z) for noise z (k, 2), as a float64 array."""
        with mg.no_grad():
            return self.generator(self._tensor(z)).data.astype(np.float64)

    def arrows(self, loss=None):
        """(fake, arrows) on the shown samples: fake = G(z) and arrows = -minigrad.grad(L_G, fake), with
        L_G the generator loss of `loss` (default: the current one) on the current D."""
        g_loss_fn = losses.LOSS_FAMILIES[loss or self.settings.loss][1]
        with mg.no_grad():
            fake = self.generator(self._tensor(self.z))
        fake = mg.tensor(fake.data, requires_grad=True)  # a leaf: the gradient stops at G(z)
        (gradient,) = mg.grad(g_loss_fn(self.discriminator(fake)), fake)
        return fake.data.astype(np.float64), -gradient.data.astype(np.float64)

    def losses_on_shown(self):
        """(L_D, L_G) on the shown real and generated samples (L_D with the gradient penalty for WGAN-GP)."""
        d_loss_fn, g_loss_fn = losses.LOSS_FAMILIES[self.settings.loss]
        real = self._tensor(self.real)
        with mg.no_grad():
            fake = self.generator(self._tensor(self.z))
            real_scores, fake_scores = self.discriminator(real), self.discriminator(fake)
            d_loss = d_loss_fn(real_scores, fake_scores).item()
            g_loss = g_loss_fn(fake_scores).item()
        if self.settings.loss == "wgan-gp":
            d_loss += losses.gradient_penalty(self.discriminator, real, fake, eps=self.penalty_eps,
                                              weight=self.settings.gp_lambda).item()
        return d_loss, g_loss

    def quality(self, fake):
        """Modes covered and high-quality share (ring and grid only, NaN otherwise) and the sliced W1."""
        modes = high_quality = np.nan
        if self.dataset.centers is not None:
            coverage = metrics.mode_coverage(fake, self.dataset.centers, self.dataset.std, min_count=MIN_COUNT)
            modes, high_quality = coverage["modes"], coverage["high_quality"]
        return modes, high_quality, metrics.sliced_wasserstein_2d(fake, self.real)

    def record(self):
        """Append the current measurements, all on the shown samples, to the history."""
        fake, arrows = self.arrows()
        d_loss, g_loss = self.losses_on_shown()
        modes, high_quality, sliced_w1 = self.quality(fake)
        row = dict(updates=self.updates, d_steps=self.d_steps, g_steps=self.g_steps, d_loss=d_loss, g_loss=g_loss,
                   d_real=self.d_values(self.real).mean(), d_fake=self.d_values(fake).mean(),
                   arrow_median=np.median(np.linalg.norm(arrows, axis=1)), modes=modes,
                   high_quality=high_quality, sliced_w1=sliced_w1)
        for key in HISTORY_KEYS:
            self.history[key].append(float(row[key]))

    def latest(self):
        """The last recorded measurements as a dict of floats."""
        return {key: values[-1] for key, values in self.history.items()}

    def snapshot(self):
        """Everything a frame shows (see Snapshot)."""
        extent = self.dataset.extent
        fake, arrows = self.arrows()
        axis = np.linspace(-Z_EXTENT, Z_EXTENT, Z_LINES)
        z_grid = np.stack(np.meshgrid(axis, axis, indexing="xy"), axis=-1)
        map_x = map_y = np.linspace(-extent, extent, MAP_POINTS)
        points = np.stack(np.meshgrid(map_x, map_y, indexing="xy"), axis=-1).reshape(-1, 2)
        return Snapshot(
            dataset=self.settings.dataset, dataset_label=self.dataset.label, loss=self.settings.loss,
            map_kind=LOSSES[self.settings.loss],
            extent=extent, centers=self.dataset.centers, real=self.real.astype(np.float64), z=self.z.astype(np.float64),
            fake=fake, arrows=arrows, z_grid=z_grid,
            z_grid_image=self.generate(z_grid.reshape(-1, 2)).reshape(Z_LINES, Z_LINES, 2),
            map_x=map_x, map_y=map_y, d_map=self.d_values(points).reshape(MAP_POINTS, MAP_POINTS),
            history={key: np.array(values) for key, values in self.history.items()},
            sliced_w1_floor=self.sliced_w1_floor, events=list(self.events),
            updates=self.updates, settings=self.settings)

    def parameters(self):
        """Copies of (G's, D's) parameter arrays, for checking what a step changed."""
        return ([p.data.copy() for p in self.generator.parameters()],
                [p.data.copy() for p in self.discriminator.parameters()])

