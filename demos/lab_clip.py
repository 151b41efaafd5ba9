"""Lab notes (a): WGAN with weight clipping, a small and a large clipping parameter c.

Note 001: "the clipping parameter of WGAN affects the output a lot: with a large clipping
parameter the output turned straight into strange relief images." Note 002: clipping makes the
weights pile up at +-c (a nearly binary network), and keeps the critic Lipschitz only crudely.

Runs (same seed, same G and critic, the same iterations, on the packaged digits):
    clip_small   c = 0.01 (the WGAN paper's value)
    clip_large   c = C_LARGE = 0.1: of the values tried (0.03, 0.1, 1; 400 iterations) the one whose
                 samples came closest to the note's picture; 0.1 is beyond every initial weight
                 (at most 1/sqrt(fan_in) = 0.036 .. 0.0625), so the walls bind only later
WGAN (critic loss E f(G(z)) - E f(x), G loss -E f(G(z))), n_critic = 5, RMSprop lr 2e-4 for both
(the paper's 5e-5 is too slow for this budget), batch 64, the MLPs of the digits lesson
(the critic is D without a sigmoid).

Measured for each run (metrics.json):
    share_at_clip     share of the critic's weights at +-c (|w| >= 0.999 c), over training
    input_grad_norm   mean ||grad_x f(x)|| at generated and at real digits: the slope that
                      clipping was meant to bound (a 1-Lipschitz critic has it <= 1)
    gradient_alignment  mean cosine between grad_x f at different generated digits: 1 when the
                      critic is linear, its slope one fixed image that every sample is pushed along
    grey_share, local_contrast, relief   the relief measure (gan/digit_looks.py relief): strokes
                      carved into a grey plate have both much grey and a high local contrast

What came out (default run, seeds 0 / 1 / 2; THEORY.md 14.4): clipping at 0.01 keeps the
critic's slope below 1 (0.11 / 0.43 / 0.20); at c = 0.1 it is ~110 (103 / 112 / 113). The share of
weights at +-c does not grow with c here (0.09 / 0.25 / 0.18 at 0.01, 0.10 / 0.11 / 0.10 at 0.1):
at 0.01, 73% of the initial weights are cut at the first step and the share then falls; at 0.1
it rises from 0. c = 0.01 draws blurred digits (seed 0: one template for every z, a nearly linear
critic, gradient alignment 0.99), c = 0.1 sharper, blotchy ones; the relief look was not
reproduced as measured (relief 0.053 / 0.055 / 0.055 against 0.048 / 0.057 / 0.055).
"""
import numpy as np

from gan import digit_looks, interrupt, models
from gan.train import Trainer, TrainConfig

NOTE_ZH = "WGAN 的 clipping parameter对输出的影响也比较大，当clipping parameter比较大的时候输出直接变成了奇怪的浮雕。"
NOTE_EN = ("The clipping parameter of WGAN affects the output a lot: with a large clipping parameter the "
           "output turned straight into strange relief images.")
#: wall time of this experiment in `python -m demos lab_notes` (default / --quick), 2 idle cores, the judge's
#: training not included; lab_notes prints it when the experiment starts and records it in metrics.json
SECONDS = {"default": 49, "quick": 5}

C_SMALL, C_LARGE = 0.01, 0.1
ITERATIONS = {"default": 600, "quick": 60}
RECORD_EVERY = {"default": 50, "quick": 20}
N_SAMPLES = 500
RUNS = {"clip_small": C_SMALL, "clip_large": C_LARGE}


def build_trainer(train_x, c, seed):
    rng = np.random.default_rng(seed)
    generator = models.mlp_generator(100, 784, hidden=(256, 512), activation=("leaky_relu", 0.2),
                                     out_activation="tanh", rng=rng)
    critic = models.mlp_discriminator(784, hidden=(512, 256), activation=("leaky_relu", 0.2), rng=rng)
    config = TrainConfig(loss="wgan", n_critic=5, clip_value=c, batch_size=64, g_optimizer="rmsprop",
                         d_optimizer="rmsprop", g_lr=2e-4, d_lr=2e-4, seed=seed)
    return Trainer(generator, critic, train_x.reshape(len(train_x), -1), config)


def weights(module):
    """All parameters of `module` as one flat array (what clipping acts on)."""
    return np.concatenate([p.data.ravel() for p in module.parameters()])


def train(train_x, c, iterations, every, seed):
    """One WGAN run; returns the trainer and the share of weights at +-c every `every` iterations."""
    trainer = build_trainer(train_x, c, seed)
    at_clip = [[0, digit_looks.share_at_clip(trainer.discriminator, c)]]

    def record(trainer, iteration):
        at_clip.append([iteration, digit_looks.share_at_clip(trainer.discriminator, c)])

    trainer.fit(iterations, callback=record, callback_every=every)
    return trainer, at_clip


def measure(trainer, c, real, at_clip):
    samples = trainer.sample(N_SAMPLES).reshape(N_SAMPLES, 1, 28, 28)
    critic = trainer.discriminator
    return samples, {"c": c, "share_at_clip": digit_looks.share_at_clip(critic, c), "share_at_clip_history": at_clip,
                     "input_grad_norm_fake": digit_looks.input_gradient_norm(critic, samples),
                     "input_grad_norm_real": digit_looks.input_gradient_norm(critic, real),
                     "gradient_alignment": digit_looks.gradient_alignment(critic, samples),
                     "wasserstein": float(np.nanmean(trainer.history["wasserstein"][-50:])),
                     "mean_pixel": digit_looks.mean_pixel(samples), **digit_looks.relief(samples),
                     "iterations": trainer.iteration}


def run(digits, quick=False, seed=0):
    """The two WGAN runs on digits.train_x; see the module docstring."""
    scale = "quick" if quick else "default"
    iterations, every = ITERATIONS[scale], RECORD_EVERY[scale]
    real = digits.held_x[:N_SAMPLES]
    metrics = {"runs": {}, **{f"real_{key}": value for key, value in digit_looks.relief(real).items()}}
    samples, histograms, done = {}, {}, 0
    for name, c in RUNS.items():
        if interrupt.requested():
            break
        print(f"  {name}: WGAN, clipping c = {c}, {iterations} iterations (n_critic 5)")
        trainer, at_clip = train(digits.train_x, c, iterations, every, seed)
        done += trainer.iteration
        samples[name], metrics["runs"][name] = measure(trainer, c, real, at_clip)
        histograms[name] = weights(trainer.discriminator)
    planned = iterations * len(RUNS)
    metrics["interrupted"] = bool(interrupt.requested() and done < planned)
    metrics["stopped_at"] = f"iteration {done} of {planned} (both runs)" if metrics["interrupted"] else None
    return {"metrics": metrics, "samples": samples, "weights": histograms}


def summary_line(metrics):
    rows = [f"{name} (c = {m['c']:g}): weights at +-c {m['share_at_clip']:.2f}, |grad_x f| "
            f"{m['input_grad_norm_fake']:.3g}, relief {m['relief']:.3f} (grey {m['grey_share']:.2f} x contrast "
            f"{m['local_contrast']:.2f})"
            for name, m in metrics["runs"].items()]
    return "clip: " + "; ".join(rows)


def figures(plt, result):
    """clip_samples.png (the two runs side by side), clip_weights.png (the critic's weight
    histograms, +-c marked; and the share at +-c over training)."""
    from demos.lab_notes import figure_samples
    out = [("clip_samples.png", figure_samples(plt, result["samples"], NOTE_EN))]
    runs = result["metrics"]["runs"]
    if runs:
        fig, axes = plt.subplots(1, len(runs) + 1, figsize=(4.6 * (len(runs) + 1), 3.6))
        for ax, (name, w) in zip(axes, result["weights"].items()):
            c = runs[name]["c"]
            ax.hist(w, bins=101, range=(-1.05 * c, 1.05 * c), color="tab:blue")
            ax.set_yscale("log")
            for edge in (-c, c):
                ax.axvline(edge, c="r", ls=":")
            ax.set_title(f"{name}: critic weights, c = {c:g}\n{runs[name]['share_at_clip']:.0%} of them at +-c",
                         fontsize=9)
            ax.set_xlabel("weight value")
        for name, m in runs.items():
            steps, shares = zip(*m["share_at_clip_history"])
            axes[-1].plot(steps, shares, marker="o", ms=3, label=f"{name} (c = {m['c']:g})")
        axes[-1].set_xlabel("iteration")
        axes[-1].set_title("share of the critic's weights at +-c", fontsize=9)
        axes[-1].legend(fontsize=8)
        fig.tight_layout()
        out.append(("clip_weights.png", fig))
    return out
