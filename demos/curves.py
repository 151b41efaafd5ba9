"""The main demo (the parabola tutorial): a GAN learns to draw parabolas y = a x^2 + a - 1 with a ~ U[1, 3].

The lesson
----------
Every real "painting" is one parabola sampled at 15 points of [-2, 2]; since a
runs over [1, 3], all real curves lie in the band between the lower bound x^2
(a = 1) and the upper bound 3 x^2 + 2 (a = 3). The generator G (5 -> 128 -> 15,
ReLU) turns 5 random numbers into 15 numbers; the discriminator D (15 -> 128 -> 1,
ReLU) tells real curves from generated ones.

What to look at
---------------
* ``curves_training.png``: the generated curves (red) start as noise around 0,
  rise into the band, become smooth parabolas, and finally spread over the
  whole band instead of all drawing the same "average" parabola.
* ``discriminator.png``: D(x) and D(G(z)) both drift towards 0.5 and the D score
  V = E log D(x) + E log(1 - D(G(z))) climbs towards -log 4 = -1.386, the value
  of the game when D can no longer tell the two apart (the introductory GAN notes).
* ``a_histogram.png``: fit a parabola to every generated curve; the fitted a of
  the trained G (right) should be spread evenly over [1, 3] like the real a, not
  piled up in the middle; the untrained G's (left) sit in one spike near 0.
* ``training.gif``: the same story as a film.

The settings
------------
The architecture, batch size 64, noise z ~ N(0, I_5) and the loss are the tutorial's:
the saturating minimax game, D maximises E log D(x) + E log(1 - D(G(z))) and G
minimises E log(1 - D(G(z))). Only the optimizer differs in the default run:

* Adam betas (0.5, 0.999) instead of PyTorch's default (0.9, 0.999): less
  momentum, the usual choice for GANs since DCGAN. Each player's best move
  changes as the other moves, so old gradients, which momentum keeps following,
  point the wrong way and make the pair circle around the equilibrium.
* Adam lr 2e-4 instead of 1e-4 for both players: the same distance in half the steps.
* 10,000 steps, as in the tutorial's exact setting (``--original``).

Why not the non-saturating loss -log D(G(z))? We measured both (seeds 0-2,
8,000 steps, the optimizer above): both cross into the band within ~2,000 steps,
but the non-saturating loss stayed longer (seed 2: to the end) in a state where the
generated curves crowd around a = 2 (std of a ~0.37 instead of 0.577, W1 ~0.2)
while D(x) = D(G(z)) = 0.5: D has stopped seeing the difference. Every setting we
tried (non-saturating, least squares, hinge, WGAN-GP, a faster D or a faster G)
can fall into that state, and so can this one: with seed 4 it stayed there
(W1 ~0.18) for all 10,000 steps. Watch ``a_histogram.png``: a narrow bump in the
middle of [1, 3] is that state. The tutorial's own settings (``--original``) reach a
W1 of about 0.17-0.21 when the tutorial's own PyTorch script is run as written.

``--quick`` runs 2,000 steps of the default settings (the test setting: enough for
the curves to enter the band, not yet to spread across it).

metrics.json
------------
  w1_a                 W1 between the fitted a of 1,000 generated curves and U[1, 3] (0 = perfect)
  residual_rms         mean RMS distance of a generated curve from its best-fitting parabola
  a_mean, a_std        mean and std of the fitted a (real data: 2 and 0.577)
  w1_a_untrained, residual_rms_untrained   the same two numbers for the untrained generator
  d_real, d_fake       mean D(x) and D(G(z)) over the last 10% of training (equilibrium: 0.5)
  d_score              mean V = E log D(x) + E log(1 - D(G(z))) over the last 10% (equilibrium: -log 4)
  equilibrium_d_score  -log 4 = -1.386
  w1_a_history         [[step, w1_a], ...] at every snapshot
  steps, settings      the training steps done and the loss / optimizer settings used
  steps_planned        the steps asked for (more than `steps` when Ctrl-C stopped the run)
  interrupted, stopped_at   true and "step N of M" when Ctrl-C stopped the training early
  seconds              wall time of the training and the measurements
"""
import math
import time

import numpy as np

from demos import common
from gan import data, interrupt, metrics, models
from gan.train import Trainer, TrainConfig

#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08
MEASURED_SECONDS = {"default": 12, "quick": 5}
QUICK_NOTE = ("2,000 steps bring the curves into the band; spreading them across it, the lesson's "
              "last picture, needs the 10,000 steps of the default run.")
DEFAULT = dict(loss="minimax", lr=2e-4, betas=(0.5, 0.999), steps=10000)
ORIGINAL = dict(loss="minimax", lr=1e-4, betas=(0.9, 0.999), steps=10000)
QUICK_STEPS = 2000
N_SAMPLES = 1000        # generated curves scored at every snapshot and saved at the end
N_DRAWN = 12            # generated curves drawn per panel / GIF frame
N_SNAPSHOTS = 40        # snapshots (GIF frames) over the whole run
EQUILIBRIUM_D_SCORE = -math.log(4.0)


def build_trainer(settings, seed):
    """The parabola tutorial's players (G 5-128-15, D 15-128-1, ReLU) and a Trainer with the chosen settings."""
    rng = np.random.default_rng(seed)
    generator = models.mlp_generator(5, 15, hidden=(128,), rng=rng)
    discriminator = models.mlp_discriminator(15, hidden=(128,), rng=rng)
    config = TrainConfig(loss=settings["loss"], batch_size=64, g_lr=settings["lr"], d_lr=settings["lr"],
                         g_betas=settings["betas"], d_betas=settings["betas"], seed=seed)
    return Trainer(generator, discriminator, data.curves, config)


def train_with_snapshots(trainer, steps, n_snapshots):
    """Train for `steps` steps; keep the generated curves (always from the same z) at n_snapshots + 1 moments."""
    snapshots = [(0, trainer.sample(N_SAMPLES))]
    every = max(1, steps // n_snapshots)

    def take_snapshot(trainer, step):
        snapshots.append((step, trainer.sample(N_SAMPLES)))

    trainer.fit(steps, callback=take_snapshot, callback_every=every)
    if snapshots[-1][0] != trainer.iteration:   # the last step (or the step reached on Ctrl-C)
        snapshots.append((trainer.iteration, trainer.sample(N_SAMPLES)))
    return snapshots


def moving_average(values, window):
    """Mean of each run of `window` consecutive values (a shorter window at the start)."""
    values = np.asarray(values, dtype=np.float64)
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - window)
    return (cumulative[ends] - cumulative[starts]) / (ends - starts)


# ----------------------------------------------------------------------------- figures

def draw_curves(ax, real_curve, fake_curves, title):
    """The tutorial's picture: the band of the data, one real curve, some generated curves."""
    x = data.CURVE_X
    ax.fill_between(x, data.CURVE_A_LOW * x**2 + data.CURVE_A_LOW - 1,
                    data.CURVE_A_HIGH * x**2 + data.CURVE_A_HIGH - 1, color="#dddddd", label="band of the data")
    ax.plot(x, data.CURVE_A_HIGH * x**2 + data.CURVE_A_HIGH - 1, "--", c="#000066", lw=1.5, label="upper bound (a=3)")
    ax.plot(x, data.CURVE_A_LOW * x**2 + data.CURVE_A_LOW - 1, "--", c="#4AD631", lw=1.5, label="lower bound (a=1)")
    ax.plot(x, real_curve, c="#0066ff", lw=2.5, label="a real curve")
    for i, curve in enumerate(fake_curves):
        ax.plot(x, curve, c="red", lw=0.8, alpha=0.7, label="G(z)" if i == 0 else None)
    ax.set_ylim(-3, 16)
    ax.set_title(title, fontsize=10)


def figure_training(plt, snapshots, real_curve, n_panels=5):
    """Row of panels: the generated curves at n_panels moments of training."""
    picks = np.linspace(0, len(snapshots) - 1, n_panels).round().astype(int)
    fig, axes = plt.subplots(1, n_panels, figsize=(3.2 * n_panels, 3.4), sharey=True)
    for ax, index in zip(axes, picks):
        step, curves = snapshots[index]
        w1 = metrics.curves_quality(curves)["w1_a"]
        draw_curves(ax, real_curve, curves[:N_DRAWN], f"step {step}   W1(a) = {w1:.2f}")
    axes[0].legend(loc="upper center", fontsize=7)
    fig.suptitle("generated curves (red) during training; the real curves fill the grey band")
    fig.tight_layout()
    return fig


def figure_discriminator(plt, history):
    """D(x), D(G(z)) and the D score V over training, with the equilibrium values."""
    steps = np.arange(1, len(history["d_loss"]) + 1)
    window = max(1, len(steps) // 50)
    smoothing = f"moving average over {window} steps" if window > 1 else "every step"
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.plot(steps, moving_average(history["d_real"], window), c="#0066ff", label="D(x), real")
    left.plot(steps, moving_average(history["d_fake"], window), c="red", label="D(G(z)), generated")
    left.axhline(0.5, c="k", ls=":", label="D = 1/2 (cannot tell)")
    left.set_ylim(0, 1)
    left.set_xlabel("training step")
    left.set_title(f"what D says ({smoothing})", fontsize=10)
    left.legend(fontsize=8)
    d_score = -np.asarray(history["d_loss"])
    right.plot(steps, moving_average(d_score, window), c="purple", label="V = E log D(x) + E log(1 - D(G(z)))")
    right.axhline(EQUILIBRIUM_D_SCORE, c="k", ls=":", label="-log 4 = -1.386 (equilibrium)")
    right.set_xlabel("training step")
    right.set_title("the D score (= minus the D loss)", fontsize=10)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figure_a_histogram(plt, final_curves, untrained_curves):
    """Histograms of the fitted a of generated curves, untrained and trained G in panels of their
    own (the untrained G's a pile up in one spike that would flatten the other), each next to the
    density of U[1, 3]."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
    bins = np.linspace(0, 4, 41)
    for ax, curves, colour, name in ((axes[0], untrained_curves, "#999999", "untrained G"),
                                     (axes[1], final_curves, "red", "trained G")):
        a, _ = metrics.fit_curve_a(curves)
        ax.hist(np.clip(a, 0, 4), bins=bins, density=True, color=colour, alpha=0.7, label=name)
        ax.plot([0, 1, 1, 3, 3, 4], [0, 0, 0.5, 0.5, 0, 0], c="#0066ff", lw=2, label="real a ~ U[1, 3]")
        ax.set_xlabel("fitted a of a generated curve (clipped to [0, 4])")
        ax.set_title(f"{name}: W1(a, U[1,3]) = {metrics.curves_quality(curves)['w1_a']:.2f}", fontsize=10)
        ax.legend(fontsize=8)
    axes[0].set_ylabel("density")
    fig.tight_layout()
    return fig


def save_training_gif(plt, snapshots, real_curve, out):
    fig, ax = plt.subplots(figsize=(5, 4))

    def draw_frame(i):
        ax.clear()
        step, curves = snapshots[i]
        w1 = metrics.curves_quality(curves)["w1_a"]
        draw_curves(ax, real_curve, curves[:N_DRAWN], f"step {step}   W1(a) = {w1:.2f}")
        ax.legend(loc="upper center", fontsize=7)

    path = common.save_gif(fig, draw_frame, len(snapshots), out, "training.gif", fps=6)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------- the lesson

def tail_mean(values, tail):
    """Mean of the last `tail` values; NaN (null in metrics.json) when there are none."""
    return float(np.mean(values[-tail:])) if len(values) else math.nan


def collect_metrics(history, snapshots, settings, steps):
    untrained = metrics.curves_quality(snapshots[0][1])
    final = metrics.curves_quality(snapshots[-1][1])
    tail = max(1, steps // 10)
    return {
        **final,
        "w1_a_untrained": untrained["w1_a"],
        "residual_rms_untrained": untrained["residual_rms"],
        "d_real": tail_mean(history["d_real"], tail),
        "d_fake": tail_mean(history["d_fake"], tail),
        "d_score": -tail_mean(history["d_loss"], tail),
        "equilibrium_d_score": EQUILIBRIUM_D_SCORE,
        "w1_a_history": [[step, metrics.curves_quality(curves)["w1_a"]] for step, curves in snapshots],
        "steps": steps,
        "settings": {"loss": settings["loss"], "lr": settings["lr"], "betas": list(settings["betas"]),
                     "batch_size": 64, "generator": "5-128-15 ReLU", "discriminator": "15-128-1 ReLU"},
    }


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current step, also when run is called alone
def run(steps=DEFAULT["steps"], seed=0, original=False, n_snapshots=N_SNAPSHOTS):
    """Train the tutorial's GAN for `steps` steps; returns a Result with `metrics` (metrics.json),
    `snapshots` [(step, (N_SAMPLES, 15) generated curves)], `history` (the Trainer's) and
    `real_curve`. Ctrl-C under the lesson runner stops after the current step (see demos/common.py)."""
    started = time.perf_counter()
    settings = ORIGINAL if original else DEFAULT
    print(f"curves: {settings['loss']} loss, Adam lr {settings['lr']:g} betas {settings['betas']}, {steps} steps")
    trainer = build_trainer(settings, seed)
    snapshots = train_with_snapshots(trainer, steps, min(n_snapshots, steps))
    metrics_ = collect_metrics(trainer.history, snapshots, settings, trainer.iteration)
    metrics_.update(common.stop_state(trainer.iteration, steps, "step"), steps_planned=steps,
                    seconds=time.perf_counter() - started)
    real_curve = data.curves(1, np.random.default_rng(seed))[0]
    return common.Result(metrics=metrics_, snapshots=snapshots, history=trainer.history, real_curve=real_curve)


def report(result, out, show=False):
    """Write samples.npy, the three figures, the GIF and metrics.json to `out`; print the result."""
    plt = common.pyplot()
    snapshots, m = result.snapshots, result.metrics
    paths = [common.save_samples(out, snapshots[-1][1])]
    paths += common.save_figures(out, [
        ("curves_training.png", figure_training(plt, snapshots, result.real_curve)),
        ("discriminator.png", figure_discriminator(plt, result.history)),
        ("a_histogram.png", figure_a_histogram(plt, snapshots[-1][1], snapshots[0][1]))], show)
    paths.append(save_training_gif(plt, snapshots, result.real_curve, out))
    paths.append(common.write_metrics(out, m))
    print(f"\nresult after {m['steps']} steps: W1(fitted a, U[1,3]) = {m['w1_a']:.3f} (untrained G: "
          f"{m['w1_a_untrained']:.3f}), residual RMS {m['residual_rms']:.3f}; D(x) = {m['d_real']:.2f}, "
          f"D(G(z)) = {m['d_fake']:.2f}, D score {m['d_score']:.3f} (equilibrium -1.386)")
    return paths


def main(argv=None):
    parser = common.make_parser("curves", __doc__.splitlines()[0], default_steps=DEFAULT["steps"])
    parser.add_argument("--original", action="store_true",
                        help="the parabola tutorial's exact settings: saturating minimax loss, Adam lr 1e-4, betas (0.9, 0.999), "
                             "10,000 steps")
    args = parser.parse_args(argv)
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT["steps"])
    return common.run_lesson(args, lambda: run(steps, args.seed, args.original,
                                               12 if args.quick else N_SNAPSHOTS), report)
