"""Mode collapse: the classic GAN, WGAN (weight clipping) and WGAN-GP on the 8-Gaussian ring.

The lesson
----------
The data are 8 small round Gaussians on a circle (``gan.data.ring8``: radius 2,
std 0.02; ``--grid``: the 25-Gaussian grid). A generator that "collapses" puts
its samples on one or a few of the modes and hops between them while the
discriminator chases it; a generator that learns the distribution puts some of
its samples on every mode. Three ways of training the same two networks are
compared under one budget:

  gan       the classic GAN with the non-saturating generator loss -log D(G(z)),
            Adam(1e-3, betas (0.5, 0.999)), one D step per G step
  wgan      WGAN with weight clipping (c = 0.01): RMSprop(1e-4), 5 critic steps per
            G step, the recipe of the WGAN paper (Arjovsky et al., 2017, Algorithm 1)
  wgan-gp   WGAN with gradient penalty: Adam(1e-3, betas (0.5, 0.9)), 3 critic steps
            per G step, lambda = 1. (The paper's lambda = 10 and 5 critic steps also
            cover the ring, but need many more iterations than this budget to make the
            modes as tight as std 0.02; lambda = 1 was the best of 0.1 / 1 / 10 here.)

Two further remedies run with ``--method`` (any list of names, e.g. ``--method gan pacgan2 unrolled``),
on the same networks and optimizer as ``gan``:

  pacgan2, pacgan3, pacgan4   PacGAN (Lin et al., 2018): D judges 2, 3 or 4 samples at once,
            concatenated (``TrainConfig(pack=m)``); a collapsed generator is easier to spot in the
            product distribution (docs/THEORY.md, section 11.1)
  unrolled  the unrolled GAN (Metz et al., 2017): G's loss is taken against D after 5 recorded steps of
            D's Adam, differentiated through them (``TrainConfig(unroll=5)``, section 11.2); about
            6 times slower per iteration

The paper protocol for all of them, 10 trials each, is ``benchmarks/mode_collapse.py`` (its table is
in benchmarks/README.md).

The budget is the SAME NUMBER OF GENERATOR ITERATIONS for every method (the
WGANs also make several critic steps per generator step, which is part of their
recipe and costs them more time: the seconds are reported per method), and the
same schedule: for the last 30% of the iterations every learning rate is divided
by 10, which lets the samples settle onto the tight modes.
Networks: G 2-128-128-128-2 and D 2-128-128-128-1, ReLU, batch 128, z ~ N(0, I) in 2-D.

What to look at
---------------
* ``modes.png``: the lesson's contrast. Left, each method's final samples on the ring (black
  crosses: the 8 centres); right, the share of the 2,500 samples on each mode (within 3 std of
  its centre), next to the data's 1/8 per mode, and the share that lies off every mode. The
  classic GAN strings its samples along arcs and piles the ones that land on a mode onto a few
  modes (a lopsided bar chart); WGAN-GP gives every mode about the same share.
* ``snapshots.png``: rows = methods, columns = moments of training. Each title gives the modes
  covered and the share of samples on a mode: a sample on the ring between two centres is on no
  mode, however much the picture looks like a traced circle.
* ``coverage.png``: the number of modes covered over training, per method.
* ``training.gif``: the snapshots as a film.

What the runs show (quick: 1,000 generator iterations; seeds 0, 1, 2). The classic GAN reaches
the ring quickly, but its samples are strung along arcs and the ones on a mode pile up on a few:
3, 5 and 4 of 8 modes covered, KL over modes 0.96, 0.56 and 0.30 (the largest mode holds 51%,
39% and 41% of its samples on a mode). WGAN-GP puts tight clusters on all 8 centres on each seed
(KL 0.012, 0.050, 0.042; 52-69% of all samples on a mode). WGAN with weight clipping is still a
blurry cloud that has not found the modes (seed 0: 0/8, 0.2% of the samples on a mode):
clipping every weight to +-0.01 makes a weak critic, which is why the gradient penalty was
invented. The default run (2,000 iterations, seed 0): the classic GAN covers 3 of 8 modes with
77% of its samples on a mode, 97% of those on three neighbouring modes (KL 0.87); WGAN-GP covers
8 of 8 with 87% on a mode, each mode holding 9-12% of the samples (KL 0.004); WGAN 0 of 8. Which
modes the classic GAN covers changes during training (coverage.png), and at longer budgets or
other seeds it can cover more: run a few seeds before drawing conclusions.

Settings of the measurement (``gan.metrics.mode_coverage``, the VEEGAN / PacGAN
protocol): 2,500 samples from the final generator; a sample is *high quality* (on a mode) if
it lies within 3 standard deviations of its nearest centre; a mode is *covered* if it receives
at least 25 high-quality samples (1% of them, so a few stray points do not count as covering a
mode); KL is KL(histogram of high-quality samples over the modes || uniform), 0 for an even
spread, log 8 = 2.08 when all sit on one mode.

metrics.json
------------
  dataset                      "ring8" or "grid25"
  n_modes                      8 or 25
  generator_iterations         the budget: generator steps per method
  methods.<name>.modes         modes covered at the end (0..n_modes)
  methods.<name>.high_quality  fraction of final samples within 3 std of a centre
  methods.<name>.kl            KL(mode histogram || uniform) in nats (null if no good sample)
  methods.<name>.counts        high-quality samples per mode
  methods.<name>.largest_share share of the high-quality samples on the fullest mode (1/8 for an even spread)
  methods.<name>.modes_history [[iteration, modes covered], ...] at every snapshot
  methods.<name>.iterations    generator iterations done (fewer than the budget after Ctrl-C)
  methods.<name>.mean_distance mean distance of a final sample to its nearest centre
  methods.<name>.mean_distance_untrained   the same for the untrained generator
  methods.<name>.seconds       wall time of that method's training
  methods.<name>.settings      its loss, optimizer, learning rate, betas, n_critic
  evaluation                   n_samples, threshold (in std) and min_count of the coverage test
  interrupted, stopped_at      true and "gan iteration N of M" when Ctrl-C stopped the run (the
                               methods after it are not trained)
  seconds                      wall time of the whole demo
"""
import time

import numpy as np

from demos import common
from gan import data, interrupt, metrics, models
from gan.train import Trainer, TrainConfig

#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08
MEASURED_SECONDS = {"default": 44, "quick": 22}
METHODS = {
    "gan": dict(loss="nonsaturating", g_optimizer="adam", d_optimizer="adam", g_lr=1e-3, d_lr=1e-3,
                g_betas=(0.5, 0.999), d_betas=(0.5, 0.999), n_critic=1),
    "wgan": dict(loss="wgan", g_optimizer="rmsprop", d_optimizer="rmsprop", g_lr=1e-4, d_lr=1e-4,
                 clip_value=0.01, n_critic=5),
    "wgan-gp": dict(loss="wgan-gp", g_optimizer="adam", d_optimizer="adam", g_lr=1e-3, d_lr=1e-3,
                    g_betas=(0.5, 0.9), d_betas=(0.5, 0.9), gp_lambda=1.0, n_critic=3),
}
#: what each method is, for the progress header
DESCRIPTIONS = {"gan": "the classic GAN, non-saturating loss", "wgan": "WGAN, weights clipped to +-0.01",
                "wgan-gp": "WGAN with gradient penalty", "unrolled": "the unrolled GAN (5 steps)",
                **{f"pacgan{m}": f"PacGAN, D sees {m} samples at once" for m in (2, 3, 4)}}
#: the remedies of the PacGAN / unrolled-GAN papers, on the same networks and optimizer as 'gan'
#: (D's input widens to pack * 2 features); chosen with --method
REMEDIES = {
    **{f"pacgan{m}": dict(METHODS["gan"], pack=m) for m in (2, 3, 4)},
    "unrolled": dict(METHODS["gan"], unroll=5),
}
ALL_METHODS = {**METHODS, **REMEDIES}
DEFAULT_METHODS = tuple(METHODS)
DATASETS = {
    "ring8": (data.ring8, data.RING8_CENTERS, data.RING8_STD),
    "grid25": (data.grid25, data.GRID25_CENTERS, data.GRID25_STD),
}
DEFAULT_ITERATIONS = 2000
QUICK_ITERATIONS = 1000
LR_DROP_AT = 0.7         # fraction of the budget after which every learning rate is divided by 10
HIDDEN = (128, 128, 128)
N_EVAL = 2500            # samples scored (the VEEGAN / PacGAN protocol uses 2,500)
MIN_COUNT = 25           # high-quality samples a mode needs to count as covered (1% of N_EVAL)
THRESHOLD = 3.0          # "high quality": within 3 std of the nearest centre
N_FRAMES = 30            # snapshots over training (GIF frames)
N_COLUMNS = 6            # snapshots shown in snapshots.png
N_DRAWN = 500            # points drawn per scatter plot
BATCH_SIZE = 128


def mean_distance_to_centers(samples, dataset):
    """Mean distance of a sample to its nearest true centre: has the generator reached the modes at all?"""
    centers = DATASETS[dataset][1]
    distances = np.linalg.norm(samples[:, None, :] - centers[None, :, :], axis=2)
    return float(distances.min(axis=1).mean())


def coverage(samples, dataset):
    _, centers, std = DATASETS[dataset]
    return metrics.mode_coverage(samples, centers, std, threshold=THRESHOLD, min_count=MIN_COUNT)


def plural(n, word):
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def build_trainer(method, dataset, seed):
    """The same G 2-128-128-128-2 and D 2-128-128-128-1 (same initial weights for every method;
    a packed D takes 2 * pack inputs, so its first layer differs)."""
    rng = np.random.default_rng(seed)
    settings = ALL_METHODS[method]
    generator = models.mlp_generator(2, 2, hidden=HIDDEN, rng=rng)
    discriminator = models.mlp_discriminator(2 * settings.get("pack", 1), hidden=HIDDEN, rng=rng)
    config = TrainConfig(batch_size=BATCH_SIZE, seed=seed, **settings)
    return Trainer(generator, discriminator, DATASETS[dataset][0], config)


def train_method(method, dataset, iterations, seed, n_frames):
    """Train one method (Ctrl-C under the runner stops it early); return its snapshots [(iteration,
    samples)], modes history, seconds and the iterations done."""
    trainer = build_trainer(method, dataset, seed)
    snapshots = [(0, trainer.sample(N_EVAL))]

    def take_snapshot(trainer, iteration):
        snapshots.append((iteration, trainer.sample(N_EVAL)))

    started = time.perf_counter()
    every = max(1, iterations // n_frames)
    drop = int(LR_DROP_AT * iterations)
    trainer.fit(drop, callback=take_snapshot, callback_every=every)
    trainer.g_optimizer.lr = trainer.g_optimizer.lr / 10
    trainer.d_optimizer.lr = trainer.d_optimizer.lr / 10
    trainer.fit(until=iterations, callback=take_snapshot, callback_every=every)
    seconds = time.perf_counter() - started
    if snapshots[-1][0] != trainer.iteration:
        snapshots.append((trainer.iteration, trainer.sample(N_EVAL)))
    history = [[step, coverage(samples, dataset)["modes"]] for step, samples in snapshots]
    return snapshots, history, seconds, trainer.iteration


# ----------------------------------------------------------------------------- figures

def draw_samples(ax, samples, centers, title):
    ax.scatter(samples[:N_DRAWN, 0], samples[:N_DRAWN, 1], s=3, c="tab:red", alpha=0.5)
    ax.scatter(centers[:, 0], centers[:, 1], s=25, c="k", marker="x", linewidths=1)
    limit = 1.35 * np.abs(centers).max()
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=8)


def snapshot_title(step, samples, dataset):
    c = coverage(samples, dataset)
    return f"iter {step}: {plural(c['modes'], 'mode')},\n{c['high_quality']:.0%} of samples on a mode"


def figure_snapshots(plt, runs, dataset):
    centers = DATASETS[dataset][1]
    fig, axes = plt.subplots(len(runs), N_COLUMNS, figsize=(1.9 * N_COLUMNS, 2.2 * len(runs)), squeeze=False)
    for row, (method, (snapshots, *_)) in enumerate(runs.items()):
        picks = np.linspace(0, len(snapshots) - 1, N_COLUMNS).round().astype(int)
        for col, index in enumerate(picks):
            draw_samples(axes[row, col], snapshots[index][1], centers, snapshot_title(*snapshots[index], dataset))
        axes[row, 0].set_ylabel(method, fontsize=11)
    fig.suptitle(f"samples during training ({dataset}); black x = true centres; on a mode = within "
                 f"{THRESHOLD:g} std of a centre", fontsize=10)
    fig.tight_layout()
    return fig


def figure_modes(plt, results, runs, dataset):
    """Per method: the final samples, and the share of all samples on each mode (plus off every mode)."""
    centers = DATASETS[dataset][1]
    n_modes = len(centers)
    fig, axes = plt.subplots(len(runs), 2, figsize=(10, 2.6 * len(runs)), squeeze=False,
                             gridspec_kw={"width_ratios": (1, 2.6)})
    for row, (method, (snapshots, *_)) in enumerate(runs.items()):
        r = results["methods"][method]
        draw_samples(axes[row, 0], snapshots[-1][1], centers, f"{method}: final samples")
        for i, (x, y) in enumerate(centers if n_modes <= 8 else []):
            axes[row, 0].annotate(str(i + 1), (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7)
        share = np.asarray(r["counts"]) / N_EVAL
        ax = axes[row, 1]
        ax.bar(np.arange(1, n_modes + 1), share, color="tab:red")
        ax.bar([n_modes + 1.5], [1 - r["high_quality"]], color="#999999")
        ax.axhline(1 / n_modes, c="k", ls=":", label=f"the data: 1/{n_modes} per mode")
        ax.axhline(MIN_COUNT / N_EVAL, c="#0066ff", ls="--", lw=0.8, label=f"covered from {MIN_COUNT / N_EVAL:.0%} on")
        ax.set_xticks(list(range(1, n_modes + 1)) + [n_modes + 1.5],
                      [str(i) for i in range(1, n_modes + 1)] + ["off the\nmodes"], fontsize=7)
        ax.set_ylim(0, 1)
        ax.set_ylabel("share of samples", fontsize=8)
        kl = f"KL over modes {r['kl']:.2f} (0 = even, {np.log(n_modes):.2f} = one mode)" \
            if np.sum(r["counts"]) >= MIN_COUNT else "too few samples on a mode for a KL"
        ax.set_title(f"{method}: {r['modes']} of {n_modes} modes covered; {kl}", fontsize=9)
        ax.legend(fontsize=7, loc="upper left")
    axes[-1, 1].set_xlabel("mode (the numbers on the left)" if n_modes <= 8 else "mode")
    fig.tight_layout()
    return fig


def figure_coverage(plt, runs, n_modes):
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for method, (_, history, *_) in runs.items():
        steps, modes = zip(*history)
        ax.plot(steps, modes, marker="o", ms=3, label=method)
    ax.axhline(n_modes, c="k", ls=":", label=f"all {n_modes} modes")
    ax.set_xlabel("generator iteration")
    ax.set_ylabel(f"modes covered (>= {MIN_COUNT} samples on it)")
    ax.set_ylim(-0.5, n_modes + 0.5)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def save_training_gif(plt, runs, dataset, out):
    centers = DATASETS[dataset][1]
    methods = list(runs)
    fig, axes = plt.subplots(1, len(methods), figsize=(3.0 * len(methods), 3.4), squeeze=False)
    n_frames = max(len(runs[m][0]) for m in methods)

    def draw_frame(i):
        for ax, method in zip(axes[0], methods):
            ax.clear()
            snapshots = runs[method][0]
            step, samples = snapshots[min(i, len(snapshots) - 1)]
            draw_samples(ax, samples, centers, f"{method}, " + snapshot_title(step, samples, dataset))

    path = common.save_gif(fig, draw_frame, n_frames, out, "training.gif", fps=5)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------------- the lesson

def method_metrics(method, snapshots, history, seconds, done, dataset):
    final = coverage(snapshots[-1][1], dataset)
    counts = final["counts"]
    settings = {key: (list(value) if isinstance(value, tuple) else value) for key, value in ALL_METHODS[method].items()}
    return {"modes": final["modes"], "high_quality": final["high_quality"], "kl": final["kl"], "counts": counts,
            "largest_share": float(counts.max() / counts.sum()) if counts.sum() else float("nan"),
            "modes_history": history, "iterations": done,
            "mean_distance": mean_distance_to_centers(snapshots[-1][1], dataset),
            "mean_distance_untrained": mean_distance_to_centers(snapshots[0][1], dataset), "seconds": seconds,
            "settings": settings}


def format_table(results):
    lines = [f"{'method':<9} {'modes':>9} {'on a mode':>10} {'KL':>7} {'largest':>8} {'seconds':>8}"]
    for method, row in results["methods"].items():
        kl = "n/a" if row["kl"] != row["kl"] else f"{row['kl']:.3f}"
        largest = "n/a" if row["largest_share"] != row["largest_share"] else f"{row['largest_share']:.0%}"
        lines.append(f"{method:<9} {row['modes']:>4} / {results['n_modes']:<2} {row['high_quality']:>10.0%} "
                     f"{kl:>7} {largest:>8} {row['seconds']:>8.1f}")
    return "\n".join(lines)


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current iteration, also when run is called alone
def run(iterations=DEFAULT_ITERATIONS, seed=0, methods=DEFAULT_METHODS, dataset="ring8", n_frames=N_FRAMES):
    """Train each method for `iterations` generator iterations on `dataset` and measure its modes.
    Returns a Result: `metrics` (metrics.json) and `runs` {method: (snapshots [(iteration, samples)],
    modes history, seconds, iterations done)}. After a Ctrl-C the methods not yet started are left out."""
    started = time.perf_counter()
    n_frames = min(n_frames, iterations)
    print(f"mode_collapse on {dataset}: {iterations} generator iterations for each of {', '.join(methods)}")
    runs = {}
    for method in methods:
        if interrupt.requested():
            break
        print(f"\n{method}: {DESCRIPTIONS[method]}, {iterations} generator iterations ...")
        runs[method] = train_method(method, dataset, iterations, seed, n_frames)
        c = coverage(runs[method][0][-1][1], dataset)
        print(f"{method}: {plural(c['modes'], 'mode')} of {len(c['counts'])} covered, {c['high_quality']:.0%} "
              f"of the samples on a mode ({runs[method][2]:.1f} s)")
    results = {
        "dataset": dataset, "n_modes": len(DATASETS[dataset][1]), "generator_iterations": iterations,
        "methods": {method: method_metrics(method, *run_, dataset) for method, run_ in runs.items()},
        "evaluation": {"n_samples": N_EVAL, "threshold_std": THRESHOLD, "min_count": MIN_COUNT},
        **common.stop_state(0, 0),
    }
    for method, (*_, done) in runs.items():
        if done < iterations:
            results.update(common.stop_state(done, iterations, f"{method} iteration"))
    results["seconds"] = time.perf_counter() - started
    return common.Result(metrics=results, runs=runs)


def report(result, out, show=False):
    """Write each method's final samples, the three figures, the GIF and metrics.json; print the table."""
    plt = common.pyplot()
    m, runs = result.metrics, result.runs
    paths = [common.save_samples(out, run_[0][-1][1], f"samples_{method}.npy") for method, run_ in runs.items()]
    paths += common.save_figures(out, [("modes.png", figure_modes(plt, m, runs, m["dataset"])),
                                       ("snapshots.png", figure_snapshots(plt, runs, m["dataset"])),
                                       ("coverage.png", figure_coverage(plt, runs, m["n_modes"]))], show)
    paths.append(save_training_gif(plt, runs, m["dataset"], out))
    paths.append(common.write_metrics(out, m))
    print(f"\nafter {m['generator_iterations']} generator iterations on {m['dataset']} ({N_EVAL} samples each; "
          f"'largest': the fullest mode's share of the samples on a mode):")
    print(format_table(m))
    return paths


def main(argv=None):
    parser = common.make_parser("mode_collapse", __doc__.splitlines()[0], default_steps=DEFAULT_ITERATIONS)
    parser.add_argument("--grid", action="store_true", help="use the 25-Gaussian grid instead of the 8-Gaussian ring")
    parser.add_argument("--method", nargs="+", choices=list(ALL_METHODS), default=list(DEFAULT_METHODS),
                        metavar="NAME", help=f"the methods to compare, any of {', '.join(ALL_METHODS)} "
                        f"(default {' '.join(DEFAULT_METHODS)})")
    args = parser.parse_args(argv)
    methods = tuple(dict.fromkeys(args.method))
    iterations = args.steps or (QUICK_ITERATIONS if args.quick else DEFAULT_ITERATIONS)
    dataset = "grid25" if args.grid else "ring8"
    return common.run_lesson(args, lambda: run(iterations, args.seed, methods, dataset,
                                               12 if args.quick else N_FRAMES), report)
