"""What the MNIST note saw: its author's four experiments with GANs on digits, reproduced and explained.

The lesson
----------
Note 001 ends with what happened when its author trained GANs on handwritten digits. Each
observation is a hypothesis here: the lesson runs the note's setting next to its contrast on the
same engine, seed and budget, measures what the note describes, and says whether it came out.

* ``strong_d`` (demos/lab_strong_d.py): D trained far ahead of G (D run to a loss below 1e-3
  before each G step) against Algorithm 13.1 with k = 1, under the non-saturating and the minimax
  G loss, and a sweep over k. The note: D's loss ~1e-4, G's loss ~10, black images.
* ``fc_noise`` (demos/lab_fc_noise.py): the MLP GAN's noise around the digits over training.
* ``conv_output`` (demos/lab_conv_output.py): G's fully connected output layer replaced by a 3x3
  or a 5x5 convolution.
* ``clip`` (demos/lab_clip.py): WGAN with weight clipping c = 0.01 against a large c, and the
  "relief" images.

The theory behind each, and the measured figures for three seeds: docs/THEORY.md section 14.
The default run, seeds 0 / 1 / 2 (judge-free figures: gan/digit_looks.py, gan/digit_noise.py):

* strong_d after 150 G steps: G's loss 13.9 / 8.4 / 7.9 against the balanced 0.73 / 0.74 / 0.83;
  mean pixel -0.76 / -0.83 / -0.85 with 83% / 82% / 93% of the pixels at tanh's floor (balanced:
  -0.27 / -0.34 / -0.28, none); at the first G step G's output layer receives 2.07 / 1.98 / 2.01
  from the strong D against 0.048 / 0.056 / 0.055. Under the minimax loss the strong D
  (loss 1.7e-4 / 1.8e-4 / 2.2e-4) leaves G in grey noise (mean pixel -0.03 / -0.02 / -0.03).
* clip: the critic's slope ||grad_x f|| 0.11 / 0.43 / 0.20 at c = 0.01 against 103 / 112 / 113 at
  c = 0.1; weights at +-c 0.09 / 0.25 / 0.18 against 0.10 / 0.11 / 0.10; relief not reproduced.
* fc_noise (4,000 batches): the judge's Frechet distance 411 / 412 / 338 (1109 / 1035 / 1110 at
  600 batches); background brightness 0.016 / 0.019 / 0.018 (0.165 / 0.164 / 0.235 at 600; real
  digits 0.0008); lone lit pixels 0.0154 / 0.0160 / 0.0181 of the pixels (real 0.00002).
* conv_output (4,000 batches), FC / FC+3x3 / FC+5x5: lone lit pixels 0.0154 / 0.0012 / 0.0008,
  0.0160 / 0.0021 / 0.0007, 0.0181 / 0.0013 / 0.0011; background brightness 0.016 / 0.012 / 0.009,
  0.019 / 0.013 / 0.001, 0.018 / 0.007 / 0.005: fewer specks under a convolution in every seed, the
  5x5 fewest, but the background reaches the real digits' level in seed 1 only.

What to look at
---------------
* ``strong_d_samples.png``: balanced | strong_d (black) | the minimax runs (frozen grey noise):
  the same G steps, only D's training differs.
* ``strong_d_training.png``: D's loss falls to ~1e-3, G's loss climbs, the gradient at G's
  output layer is large at first (non-saturating) or tiny (minimax), the black share rises.
* ``fc_noise_samples.png`` and ``fc_noise_background.png``: the fully connected G's digits at
  600, 2,000 and 4,000 batches: the shapes sharpen, the grey haze around them thins into lone
  specks that stay (19-24x the real digits' background brightness at 4,000 batches).
* ``conv_output_samples.png``: FC | FC + 3x3 | FC + 5x5 output layer after the same batches: the
  convolutions leave 8-24x fewer lone specks, the 5x5 fewest (``conv_output_figures.png``: the
  measures over training; ``conv_output_zoom.png``: the background up close).
* ``clip_samples.png``: clip_small (c = 0.01): blurred, low-contrast digits | clip_large
  (c = 0.1): sharper, blotchy, high-contrast ones; not the note's relief (THEORY.md 14.4).

Also written: ``strong_d_k_sweep.png`` (the share of black pixels after the same G steps for
k = 1..20 D steps per G step), ``clip_weights.png`` (the critic's weight histograms, piled up at
+-c: note 002's nearly binary network) and ``samples_<run>.npy`` for every run (N, 1, 28, 28) in
[-1, 1]: balanced, strong_d, fc, fc_conv3, fc_conv5, clip_small, clip_large.

The settings
------------
``--experiment NAME`` runs one experiment (strong_d, fc_noise, conv_output, clip); the default runs
the four in that order, on the packaged 5,000 digits (``--data DIR``: the MNIST IDX files), 1,000
held out, with the digit judge trained once for all of them (and kept in judge_cache/ next to the
output folder). Each experiment's settings are in its module's docstring; in short:
strong_d: the digits lesson's MLPs, G by SGD (lr 0.5), D by Adam 2e-4; 150 G steps per run
(``--quick`` 50), the k sweep 100 G steps per k (``--quick`` 20, k = 1, 5, 20). clip: WGAN,
n_critic 5, RMSprop 2e-4, 600 iterations per run (``--quick`` 60).

metrics.json
------------
  strong_d, fc_noise, conv_output, clip   each experiment's figures (see its module's docstring):
    strong_d.runs.NAME       per run: d_loss, g_loss, d_fake (mean D(G(z))) over its last 10 G steps;
                             d_steps_per_g_step; g_out_grad (||dL_G/da|| at G's output layer, last
                             10 G steps) and g_out_grad_first (at the first G step);
                             darker_share_first (share of ||dL_G/dy||^2 in pixels a descent step
                             darkens, first G step); mean_pixel,
                             floor_share (share of pixels < -0.99) and ceiling_share (> 0.99) of
                             500 final samples; g_steps
    strong_d.k_sweep         the same per k (fixed D steps per G step)
    strong_d.real_*          mean pixel and floor share of the real training digits
    strong_d.interrupted, stopped_at, and the same in clip: where Ctrl-C stopped that experiment
    clip.runs.NAME           c; share_at_clip (critic weights at +-c) and share_at_clip_history
                             [[iteration, share], ...]; input_grad_norm_fake / _real (mean
                             ||grad_x f(x)|| at generated / real digits); gradient_alignment (mean
                             cosine between those gradients: 1 for a linear critic); wasserstein
                             (the critic's estimate, last 50 iterations); grey_share, local_contrast
                             and relief (gan/digit_looks.py relief); mean_pixel; iterations
    clip.real_*              grey_share, local_contrast and relief of 500 held-out real digits
  EXPERIMENT.seconds        wall time of that experiment (its module's SECONDS: the measured figure)
  judge_accuracy            the digit judge's held-out accuracy
  seconds                   wall time of the whole lesson
  interrupted, stopped_at   true and where, when Ctrl-C stopped the lesson early
"""
import importlib
import time

import numpy as np

from demos import common, digit_parts
from demos.digit_parts import load_digits
from gan import digits as packaged
from gan import interrupt

EXPERIMENTS = ("strong_d", "fc_noise", "conv_output", "clip")
#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08 with the digit judge loaded from judge_cache/ (the first digit lesson
#: trains it: ~10 s more)
MEASURED_SECONDS = {"default": 296, "quick": 56}
QUICK_NOTE = ("the quick runs are short: the strong discriminator's black images already show, the "
              "clipping runs and the k sweep are only a beginning.")


def experiment_module(name):
    """demos.lab_NAME, imported only when its experiment runs (a single --experiment loads one)."""
    return importlib.import_module(f"demos.lab_{name}")


@interrupt.stop_on_ctrl_c()
def run(experiments=EXPERIMENTS, quick=False, seed=0, data=None, cache_dir=None):
    """Prepare the digits and the judge once (loaded from `cache_dir` when an earlier run left it
    there), then run each experiment; returns a Result with metrics {experiment: metrics, ...} and
    results {experiment: what its run returned}."""
    started = time.perf_counter()
    digits = digit_parts.prepare(data, seed, cache_dir=cache_dir)
    results, metrics = {}, {"judge_accuracy": digits.accuracy}
    stopped_at = "the judge's training" if digits.judge_stopped else None
    for name in experiments:
        if interrupt.requested():
            stopped_at = stopped_at or f"before the experiment {name}"
            break
        module = experiment_module(name)
        expected = common.format_seconds(module.SECONDS["quick" if quick else "default"])
        print(f"\n== experiment {name} (about {expected} on 2 cores): {module.NOTE_EN}")
        experiment_started, kwargs = time.perf_counter(), {}
        if name == "conv_output" and "fc_noise" in results:
            kwargs["fc_result"] = results["fc_noise"]   # the same FC run (see the shared layout)
        results[name] = module.run(digits, quick=quick, seed=seed, **kwargs)
        metrics[name] = {**results[name]["metrics"], "seconds": time.perf_counter() - experiment_started}
        if metrics[name].get("interrupted"):
            stopped_at = f"{name}: {metrics[name].get('stopped_at')}"
    metrics.update(interrupted=stopped_at is not None, stopped_at=stopped_at,
                   seconds=time.perf_counter() - started)
    return common.Result(metrics=metrics, results=results)


def figure_samples(plt, samples, caption, n_show=64):
    """Each run's first `n_show` samples as an 8 x 8 grid, side by side, the note's sentence below."""
    if not samples:     # Ctrl-C before the first run had samples: say so in the picture
        fig, ax = plt.subplots(figsize=(5, 2))
        ax.text(0.5, 0.5, "interrupted before the first run finished", ha="center", va="center")
        ax.axis("off")
        return fig
    fig, axes = plt.subplots(1, len(samples), figsize=(3.3 * len(samples), 4.0), squeeze=False)
    for ax, (name, images) in zip(axes[0], samples.items()):
        images = np.asarray(images).reshape(len(images), 784)[:n_show]
        ax.imshow(packaged.tile(images, rows=8), cmap="gray", vmin=0, vmax=1)
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    fig.text(0.5, 0.01, "the note: " + caption, ha="center", va="bottom", fontsize=9, wrap=True)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def report(result, out, show=False):
    """samples_<run>.npy of every run, each experiment's figures, metrics.json; a short summary."""
    plt, paths = common.pyplot(), []
    written = set()
    for name, outcome in result.results.items():
        for run_name, images in outcome.get("samples", {}).items():
            if run_name not in written:     # conv_output's "fc" is fc_noise's run, written once
                written.add(run_name)
                paths.append(common.save_samples(out, images, f"samples_{run_name}.npy"))
        paths += common.save_figures(out, experiment_module(name).figures(plt, outcome), show)
    paths.append(common.write_metrics(out, result.metrics))
    for name in result.results:
        line = getattr(experiment_module(name), "summary_line", None)
        if line:
            print(line(result.metrics[name]))
    return paths


def main(argv=None):
    parser = common.make_parser("lab_notes", __doc__.splitlines()[0])
    parser.add_argument("--experiment", choices=EXPERIMENTS, default=None,
                        help="run only this experiment (default: all four)")
    digit_parts.add_data_option(parser)
    args = parser.parse_args(argv)
    experiments = (args.experiment,) if args.experiment else EXPERIMENTS
    cache = digit_parts.judge_cache_folder(args.out)
    return common.run_lesson(args, lambda: run(experiments, args.quick, args.seed, load_digits(args.data), cache),
                             report)
