"""Experiment fc_noise of the lab_notes lesson: a fully connected GAN draws digit shapes early, and
more batches do not take away the noise around them.

The note (001, its last section) trained a generator of fully connected layers on MNIST: after
600 batches the digits' shapes were visible, but more batches did not remove the Gaussian-like
noise around the digits, "a property of fully connected layers". Here the MLP GAN of the digits
lesson (G 100-256-512-784 with a tanh output, D 784-512-256-1, LeakyReLU 0.2, Adam 2e-4, betas
(0.5, 0.999), non-saturating loss, batch 64) trains on the packaged digits, and at 600, 2,000 and
4,000 batches (quick: 100, 300, 500) its 1,000 samples (always the same z) are measured:

    background_brightness   mean brightness (0..1) of the pixels where real digits are never lit
                            (gan/digit_noise.py; real held-out digits: about 0.001)
    isolated_share          share of lit pixels with no lit neighbour: lone specks
    sharpness               mean |Laplacian| (gan.metrics.sharpness): edges and specks
    frechet_distance        the judge's distance to the real digits (the shapes)

Why a fully connected output layer leaves specks: its pixel i is tanh(w_i . h + b_i) with its own
row w_i of weights, unrelated to its neighbours' rows. Every row starts random, and only D's
gradient through that one pixel ever moves it; a pixel that D hardly looks at (the border, where
real digits are always black) keeps the noise its row carries from the hidden features h. Nothing
ties pixel i to pixel i+1, so the noise is independent from pixel to pixel: it looks Gaussian.

Measured (default run, seeds 0 / 1 / 2; docs/THEORY.md 14.2): the shapes come early and improve
(the judge's Frechet distance 1109 / 1035 / 1110 at 600 batches, 411 / 412 / 338 at 4,000; real
digits 5-9). The grey haze thins (background brightness 0.165 / 0.164 / 0.235 at 600, 0.016 / 0.019
/ 0.018 at 4,000) but condenses into lone specks: 0.0032 / 0.0037 / 0.0010 of the pixels at 600,
0.0154 / 0.0160 / 0.0181 at 4,000, against 0.0008 and 0.00002 for real digits. At 4,000 batches the
background is still 19-24x the real digits', the specks 750-1,050x.

metrics (lab_notes writes them under "fc_noise" in metrics.json)
    checkpoints                  the iterations (batches) measured: 600, 2,000, 4,000 (quick 100, 300, 500)
    trace                        [{"iteration", "background_brightness", "isolated_share", "sharpness",
                                 "frechet_distance" (with the judge)}] one row per checkpoint
    real                         the same figures for 1,000 held-out real digits
    background_pixels            pixels in the background mask (real digits lit in < 1% of them)
    background_ratio_last_first  background brightness at the last checkpoint / at the first
    background_over_real, isolated_over_real    the last checkpoint's figure / the real digits'
    interrupted, stopped_at      Ctrl-C: true and "iteration N of M"

run(digits, quick, seed) -> {"metrics", "samples": {"fc": (1000, 1, 28, 28)}, "trace", "snapshots",
"mask", "real"}; figures(plt, result) -> [("fc_noise_samples.png", ...), ("fc_noise_background.png", ...)].
`train_measured` and `mlp_discriminator` are shared with lab_conv_output, which reuses this run.
"""
import numpy as np

from demos import digit_parts
from gan import digit_noise, interrupt, models
from gan import digits as packaged
from gan.train import Trainer, TrainConfig

NOTE_ZH = ("将网络全部替换成全连接层，训练600个Batch之后就已经可以看出数字的形状了，但训练batch增加并没有"
           "显著导致外围的高斯噪声减少，个人认为这是由于全连接层特性决定的。")
NOTE_EN = ("With the networks made of fully connected layers only, the digits' shapes were visible after 600 "
           "batches, but more batches did not noticeably reduce the Gaussian noise around them, which I think "
           "is a property of fully connected layers.")
#: wall time of this experiment in `python -m demos lab_notes` (default / --quick), 2 idle cores, the judge's
#: training not included; lab_notes prints it when the experiment starts and records it in metrics.json
SECONDS = {"default": 59, "quick": 8}
CHECKPOINTS = {"default": (600, 2000, 4000), "quick": (100, 300, 500)}
N_SAMPLES = 1000
N_SHOWN = 100
NOISE_DIM = 100
FIGURE_KEYS = ("background_brightness", "isolated_share", "sharpness")


def mlp_generator(rng):
    """The digits lesson's G: 100-256-512-784, LeakyReLU 0.2, tanh; every output pixel a row of its own."""
    return models.mlp_generator(NOISE_DIM, 784, hidden=(256, 512), activation=("leaky_relu", 0.2),
                                out_activation="tanh", rng=rng)


def mlp_discriminator(seed):
    """The digits lesson's D: 784-512-256-1, LeakyReLU 0.2; drawn from its own seed, so that every
    generator of the comparison meets the same initial D."""
    return models.mlp_discriminator(784, hidden=(512, 256), activation=("leaky_relu", 0.2),
                                    rng=np.random.default_rng([seed, 7]))


def make_trainer(generator, train_x, seed):
    config = TrainConfig(loss="nonsaturating", batch_size=64, g_lr=2e-4, d_lr=2e-4, g_betas=(0.5, 0.999),
                         d_betas=(0.5, 0.999), noise_dim=NOISE_DIM, seed=seed)
    return Trainer(generator, mlp_discriminator(seed), train_x, config)


def measure(samples, mask, judge=None):
    """The noise figures of `samples` (and the judge's Frechet distance when a judge is given)."""
    row = digit_noise.noise_figures(samples, mask)
    if judge is not None:
        row["frechet_distance"] = judge.score(samples)["frechet_distance"]
    return row


def train_measured(name, generator, digits, checkpoints, seed, mask):
    """Train `generator` against the MLP D up to each of `checkpoints` (iterations); after each, measure
    N_SAMPLES samples (the same z every time). Stops after the current iteration on Ctrl-C and
    measures where it stopped. Returns {"trace": [{"iteration", figures...}], "snapshots":
    [(iteration, N_SHOWN images)], "samples": the last (N_SAMPLES, 1, 28, 28), "samples_at":
    [(iteration, samples)] at every checkpoint reached, "iterations", "planned", "interrupted"}."""
    trainer = make_trainer(generator, digits.train_x, seed)
    trace, snapshots, samples, samples_at = [], [], None, []
    for checkpoint in checkpoints:
        if interrupt.requested():
            break
        print(f"{name}: training to iteration {checkpoint} ...")
        trainer.fit(until=checkpoint)
        samples = trainer.sample(N_SAMPLES).reshape(N_SAMPLES, 1, 28, 28).astype(np.float32)
        trace.append({"iteration": trainer.iteration, **measure(samples, mask, digits.judge)})
        snapshots.append((trainer.iteration, samples[:N_SHOWN, 0].copy()))
        samples_at.append((trainer.iteration, samples))
    if samples is None:  # stopped before the first checkpoint was reached: the untrained G's samples
        samples = trainer.sample(N_SAMPLES).reshape(N_SAMPLES, 1, 28, 28).astype(np.float32)
    return {"trace": trace, "snapshots": snapshots, "samples": samples, "samples_at": samples_at,
            "iterations": trainer.iteration, "planned": checkpoints[-1],
            "interrupted": trainer.iteration < checkpoints[-1]}


def real_figures(digits, mask):
    """The same figures for the held-out real digits: the level a generator should reach."""
    return measure(digits.held_x[:N_SAMPLES], mask, digits.judge)


@interrupt.stop_on_ctrl_c()
def run(digits, quick=False, seed=0):
    """Train the MLP GAN on digits.train_x to CHECKPOINTS[...][-1] iterations, measuring at each checkpoint."""
    checkpoints = CHECKPOINTS["quick" if quick else "default"]
    mask = digit_noise.background_mask(digits.train_x)
    fc = train_measured("fc_noise (FC)", mlp_generator(np.random.default_rng(seed)), digits, checkpoints, seed, mask)
    real = real_figures(digits, mask)
    first, last = (fc["trace"][0], fc["trace"][-1]) if fc["trace"] else ({}, {})
    metrics = {"checkpoints": list(checkpoints), "trace": fc["trace"], "real": real,
               "background_pixels": int(mask.sum()),
               "background_ratio_last_first": _ratio(last, first, "background_brightness"),
               "background_over_real": _ratio(last, real, "background_brightness"),
               "isolated_over_real": _ratio(last, real, "isolated_share"),
               **digit_parts.stop_state(digits, fc["iterations"], fc["planned"])}
    return {"metrics": metrics, "samples": {"fc": fc["samples"]}, "trace": fc["trace"], "snapshots": fc["snapshots"],
            "mask": mask, "real": real, "real_images": digits.held_x[:N_SHOWN], "fc_run": fc}


def summary_line(metrics):
    """One printed line: the noise at the first and the last checkpoint against the real digits."""
    trace, real = metrics["trace"], metrics["real"]
    if not trace:
        return "fc_noise: stopped before the first checkpoint"
    first, last = trace[0], trace[-1]
    return (f"fc_noise: background brightness {first['background_brightness']:.3f} -> "
            f"{last['background_brightness']:.3f} and lone lit pixels {first['isolated_share']:.4f} -> "
            f"{last['isolated_share']:.4f} from batch {first['iteration']} to {last['iteration']} "
            f"(real digits {real['background_brightness']:.4f} and {real['isolated_share']:.5f})")


def _ratio(a, b, key):
    return a[key] / b[key] if a.get(key) is not None and b.get(key) else None


# ----------------------------------------------------------------------------- figures

def figure_samples(plt, snapshots, real_images, title, caption):
    """Grids side by side (each (iteration or label, images)), the note's sentence as the caption."""
    fig, axes = plt.subplots(1, len(snapshots) + 1, figsize=(3.3 * (len(snapshots) + 1), 4.4), squeeze=False)
    for ax, (label, images) in zip(axes[0], [*snapshots, ("real digits (held out)", real_images)]):
        ax.imshow(packaged.tile(np.asarray(images).reshape(-1, 784)[:N_SHOWN]), cmap="gray", vmin=0, vmax=1)
        ax.set_title(label if isinstance(label, str) else f"after {label} batches", fontsize=10)
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.text(0.5, 0.02, "The note: " + caption, ha="center", va="bottom", wrap=True, fontsize=8.5, style="italic")
    fig.tight_layout(rect=(0, 0.1, 1, 0.95))
    return fig


def judged(traces):
    """True when the traces hold the judge's Frechet distance (a judge was given)."""
    return any("frechet_distance" in row for trace in traces for row in trace)


def plot_trace(axes, runs, real, keys):
    """One panel per figure of `keys`: each run's value at each checkpoint, the real digits' value
    dotted. runs = {label: (trace, colour)}."""
    names = {"background_brightness": "background brightness (0..1)", "isolated_share": "share of lone lit pixels",
             "sharpness": "sharpness (mean |Laplacian|)", "frechet_distance": "Frechet distance (judge)"}
    for ax, key in zip(axes, keys):
        for label, (trace, colour) in runs.items():
            points = [(row["iteration"], row[key]) for row in trace if row.get(key) is not None]
            if points:
                ax.plot(*zip(*points), marker="o", c=colour, label=label)
        if real.get(key) is not None:
            ax.axhline(max(real[key], 1e-5) if key != "sharpness" else real[key], c="k", ls=":",
                       label="real digits (held out)")
        if key == "isolated_share":
            ax.set_yscale("symlog", linthresh=1e-5)     # a share of 0 stays on the axis
            ax.set_ylim(bottom=0)
        elif key != "sharpness":
            ax.set_yscale("log")
        ax.set_title(names[key], fontsize=10)
        ax.set_xlabel("batches (iterations)")
        ax.legend(fontsize=7)


def figure_background(plt, result):
    """Left: the noise figures over training against the real digits; right: the mean brightness of
    the final samples per pixel, the never-lit background outlined."""
    keys = ["background_brightness", "isolated_share"] + (["frechet_distance"] if judged([result["trace"]]) else [])
    fig, axes = plt.subplots(1, len(keys) + 1, figsize=(4.6 * (len(keys) + 1), 4))
    plot_trace(axes, {"FC generator": (result["trace"], "tab:red")}, result["real"], keys)
    mean = digit_noise.brightness(result["samples"]["fc"]).mean(axis=0)
    shown = axes[-1].imshow(mean, cmap="magma", vmin=0, vmax=max(0.05, float(mean.max())))
    axes[-1].contour(result["mask"], levels=[0.5], colors="cyan", linewidths=0.8)
    axes[-1].set_title("mean brightness of the final samples;\noutside the cyan line real digits are never lit",
                       fontsize=9)
    axes[-1].axis("off")
    fig.colorbar(shown, ax=axes[-1], fraction=0.046)
    fig.suptitle("More batches: the grey haze thins into lone specks, both far above the real digits (dotted)",
                 fontsize=11)
    fig.tight_layout()
    return fig


def figures(plt, result):
    snapshots = [(it, images) for it, images in result["snapshots"]]
    return [("fc_noise_samples.png", figure_samples(
                plt, snapshots, result["real_images"], "The fully connected generator, always the same noise vectors z",
                NOTE_EN)),
            ("fc_noise_background.png", figure_background(plt, result))]
