"""Mode collapse measured as the papers measure it: the PacGAN / VEEGAN table on minigrad.

    python benchmarks/mode_collapse.py --dataset ring --method pacgan2 --trials 10 --json runs/mc/ring_pacgan2.json
    python benchmarks/mode_collapse.py --dataset grid --method gan --trials 10 --samples runs/mc/samples

Protocol (PacGAN, Lin et al. 2018, Table 1; VEEGAN, Srivastava et al. 2017, Table 1):
  data     ring: 8 Gaussians on the unit circle, std 0.01 (gan.data.pacgan_ring);
           grid: 25 Gaussians at {-4, -2, 0, 2, 4}^2, std 0.05 (gan.data.pacgan_grid)
  G        z ~ N(0, I_2), 4 hidden layers of 400 ReLU units with batch norm, linear output (2)
  D        3 maxout layers of 200 units with 5 pieces each (nn.Maxout), linear output (1); with
           packing m its input has 2 m features
  training Adam, beta1 0.8 (beta2 0.999), batch 100 D inputs; learning rate: see BUDGET below
  score    2,500 samples of the final G (eval mode); a sample is high quality if it lies within
           3 std of its nearest mode; a mode is covered if it is the nearest mode of at least ONE
           high-quality sample (gan.metrics.mode_coverage with min_count=1); KL of the histogram of
           the high-quality samples over the modes from uniform. Mean and standard error
           (std / sqrt(trials), ddof 1) over trials; trial t uses seed t for weights and draws.

Methods:
  gan       the classic GAN, non-saturating G loss
  pacgan2/3/4   the same with packing m = 2, 3, 4 (TrainConfig.pack): one D input = m samples
  wgan-gp   WGAN-GP on the same networks: lambda 10, 5 critic steps per G step, Adam betas (0.5, 0.9)
  unrolled  the unrolled GAN (TrainConfig.unroll = 5): G's loss against D after 5 recorded Adam steps

BUDGET. The papers train 400 epochs (hundreds of thousands of iterations); one trial here is a
fixed number of generator iterations, DEFAULT_ITERATIONS, chosen so that one GAN or PacGAN2 trial
takes at most about a minute on one core of the project's machine (0.04-0.05 s per PacGAN2
iteration; the unrolled GAN takes ~8 minutes). At that budget Adam 1e-4 has not left the
neighbourhood of the initial generator, so the budgeted protocol uses lr 1e-3 for both players,
with the last third of the iterations at lr 1e-4 (so the samples settle into the std-0.01 modes).
Override with --iterations and --lr. The published figures (400 epochs, lr 1e-4) are printed next
to ours; the numbers are not the same experiment, only the same protocol at a smaller budget.
GAN and PacGAN2 are compared at one budget per data set in benchmarks/README.md ("GAN and
PacGAN2 at one budget per data set"): the ring at --iterations 4000 (~5 minutes per trial on one
core), the grid at --iterations 15000 (10-35 minutes per trial). The goal once set for a
one-minute trial (PacGAN2: >= 22 grid modes with >= 85% high quality) is retired: the protocol's
400 epochs are hundreds of thousands of iterations, hours per trial here, and a table cell
wants 10 trials; at one minute the grid samples have not left a uniform sheet over the square.

Output: the table (ours next to the published figures); --json OUT: per trial modes, high-quality
share, KL, seconds, and the means with standard errors; --samples DIR: the 2,500 scored samples of
each trial as DIR/<dataset>_<method>_<trial>.npy. Progress goes to stderr, one line per trial.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np

from gan import data, metrics
from gan.train import TrainConfig, Trainer
from minigrad import nn

DATASETS = data.PACGAN_DATASETS
METHODS = {
    "gan": dict(loss="nonsaturating"),
    "pacgan2": dict(loss="nonsaturating", pack=2),
    "pacgan3": dict(loss="nonsaturating", pack=3),
    "pacgan4": dict(loss="nonsaturating", pack=4),
    "wgan-gp": dict(loss="wgan-gp", gp_lambda=10.0, n_critic=5, g_betas=(0.5, 0.9), d_betas=(0.5, 0.9)),
    "unrolled": dict(loss="nonsaturating", unroll=5),
}
#: published figures (modes, high-quality %, KL): PacGAN Table 1 (400 epochs), and VEEGAN Table 1 for
#: the unrolled GAN (another architecture; modes only here). VEEGAN's own GAN baseline (ring 1 mode,
#: grid 3.3) disagrees with PacGAN's; benchmarks/README.md gives both rows. None = not copied here
PUBLISHED = {
    "ring": {"gan": (6.3, 98.2, 0.45), "pacgan2": (7.9, 95.6, 0.07), "unrolled": (7.6, None, None)},
    "grid": {"gan": (17.3, 94.8, 0.70), "pacgan2": (23.8, 91.3, 0.13), "pacgan4": (24.8, 93.6, 0.04),
             "unrolled": (23.6, None, None)},
}
N_EVAL = 2500
THRESHOLD = 3.0
BATCH_SIZE = 100
NOISE_DIM = 2
G_HIDDEN, G_LAYERS = 400, 4
D_UNITS, D_PIECES, D_LAYERS = 200, 5, 3
DEFAULT_ITERATIONS = 1200
DEFAULT_LR = 1e-3
FINAL_LR_FRACTION = 1 / 3   # the last third of the iterations runs at lr / 10
BETAS = (0.8, 0.999)


def generator(rng):
    """z (n, 2) -> x (n, 2): [Linear 400, BatchNorm, ReLU] x 4, Linear 2."""
    layers, width = [], NOISE_DIM
    for _ in range(G_LAYERS):
        layers += [nn.Linear(width, G_HIDDEN, rng=rng), nn.BatchNorm1d(G_HIDDEN), nn.ReLU()]
        width = G_HIDDEN
    return nn.Sequential(*layers, nn.Linear(width, 2, rng=rng))


def discriminator(pack, rng):
    """x (n, 2 pack) -> logit (n, 1): Maxout(200 units, 5 pieces) x 3, Linear 1."""
    layers, width = [], 2 * pack
    for _ in range(D_LAYERS):
        layers.append(nn.Maxout(width, D_UNITS, D_PIECES, rng=rng))
        width = D_UNITS
    return nn.Sequential(*layers, nn.Linear(width, 1, rng=rng))


def run_trial(dataset, method, trial, iterations, lr):
    """Train one trial; return (the 2,500 scored samples, the score dict, seconds)."""
    sampler, centers, std = DATASETS[dataset]
    options = dict(METHODS[method])
    rng = np.random.default_rng(trial)
    G, D = generator(rng), discriminator(options.get("pack", 1), rng)
    options.setdefault("g_betas", BETAS)
    options.setdefault("d_betas", BETAS)
    config = TrainConfig(batch_size=BATCH_SIZE, noise_dim=NOISE_DIM, g_lr=lr, d_lr=lr, seed=trial, **options)
    trainer = Trainer(G, D, sampler, config)
    started = time.perf_counter()
    drop = int(round((1 - FINAL_LR_FRACTION) * iterations))
    trainer.fit(drop, progress=False)
    trainer.g_optimizer.lr, trainer.d_optimizer.lr = lr / 10, lr / 10
    trainer.fit(iterations - drop, progress=False)
    seconds = time.perf_counter() - started
    samples = trainer.sample(N_EVAL, rng=np.random.default_rng([trial, 7]))
    score = metrics.mode_coverage(samples, centers, std, threshold=THRESHOLD, min_count=1)
    return samples, score, seconds


def mean_and_error(values):
    """(mean, standard error = std (ddof 1) / sqrt(n)); the error is NaN for one value; NaNs dropped."""
    values = np.asarray([v for v in values if v == v], dtype=np.float64)
    if values.size == 0:
        return math.nan, math.nan
    error = values.std(ddof=1) / math.sqrt(values.size) if values.size > 1 else math.nan
    return float(values.mean()), float(error)


def summarise(trials):
    """Means and standard errors of modes, high-quality share (in %) and KL over the trials."""
    return {key: dict(zip(("mean", "stderr"), mean_and_error([t[key] * scale for t in trials])))
            for key, scale in (("modes", 1), ("high_quality", 100), ("kl", 1))}


def format_row(dataset, method, summary, n_trials):
    def cell(entry, digits):
        mean, err = entry["mean"], entry["stderr"]
        return f"{mean:.{digits}f} +- {err:.{digits}f}" if err == err else f"{mean:.{digits}f}"
    published = PUBLISHED[dataset].get(method)
    pub = "-" if published is None else \
        " / ".join("-" if v is None else str(v) for v in published)
    return (f"{dataset:<5} {method:<9} {n_trials:>3}  {cell(summary['modes'], 1):>12}  "
            f"{cell(summary['high_quality'], 1):>12}  {cell(summary['kl'], 2):>12}   {pub}")


HEADER = (f"{'data':<5} {'method':<9} {'n':>3}  {'modes':>12}  {'high qual. %':>12}  {'KL':>12}   "
          f"published: modes / high quality / KL")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--dataset", choices=sorted(DATASETS))
    parser.add_argument("--method", choices=list(METHODS))
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--iterations", type=int, default=DEFAULT_ITERATIONS,
                        help=f"generator iterations per trial (default {DEFAULT_ITERATIONS})")
    parser.add_argument("--lr", type=float, default=DEFAULT_LR, help=f"learning rate of G and D (default {DEFAULT_LR})")
    parser.add_argument("--first-trial", type=int, default=0, help="seed of the first trial (default 0)")
    parser.add_argument("--json", metavar="OUT", help="write the per-trial results and the summary here")
    parser.add_argument("--samples", metavar="DIR", help="save each trial's 2,500 scored samples in DIR")
    parser.add_argument("--table", metavar="DIR", help="only print the Markdown table of the JSON files in DIR "
                        "(<dataset>_<method>.json, as --json wrote them)")
    args = parser.parse_args(argv)
    if args.table:
        print(markdown_table(args.table))
        return None
    if args.dataset is None or args.method is None:
        parser.error("--dataset and --method are required (or --table DIR)")
    if args.trials < 1 or args.iterations < 1:
        parser.error("--trials and --iterations must be >= 1")
    if args.samples:
        os.makedirs(args.samples, exist_ok=True)
    trials = []
    for trial in range(args.first_trial, args.first_trial + args.trials):
        samples, score, seconds = run_trial(args.dataset, args.method, trial, args.iterations, args.lr)
        row = {"trial": trial, "modes": score["modes"], "high_quality": score["high_quality"],
               "kl": score["kl"], "counts": score["counts"].tolist(), "seconds": seconds}
        trials.append(row)
        if args.samples:
            np.save(os.path.join(args.samples, f"{args.dataset}_{args.method}_{trial}.npy"), samples)
        print(f"[{args.dataset} {args.method}] trial {trial}: {row['modes']} modes, "
              f"{100 * row['high_quality']:.1f}% high quality, KL {row['kl']:.3f}, {seconds:.1f} s",
              file=sys.stderr, flush=True)
        if args.json:  # after every trial, so that an interrupted run keeps what it measured
            write_json(args, trials)
    summary = summarise(trials)
    print(f"\n{args.iterations} generator iterations per trial, lr {args.lr:g} (the last "
          f"{int(100 * FINAL_LR_FRACTION)}% at lr {args.lr / 10:g}), batch {BATCH_SIZE}, {N_EVAL} samples scored; "
          f"mean +- standard error over {len(trials)} trials")
    print(HEADER)
    print(format_row(args.dataset, args.method, summary, len(trials)))
    print(f"seconds per trial: median {np.median([t['seconds'] for t in trials]):.1f}")
    return {"trials": trials, "summary": summary}


def markdown_table(folder):
    """The table of every <dataset>_<method>.json in `folder`, ours next to the published figures."""
    def cell(entry, digits):
        mean, err = entry["mean"], entry["stderr"]
        return f"{mean:.{digits}f} ± {err:.{digits}f}" if err == err else f"{mean:.{digits}f}"
    lines = ["| data | method | trials | modes | high quality % | KL | s / trial | published modes / hq % / KL |",
             "|---|---|---|---|---|---|---|---|"]
    for dataset in ("ring", "grid"):
        for method in METHODS:
            path = os.path.join(folder, f"{dataset}_{method}.json")
            published = PUBLISHED[dataset].get(method)
            pub = "–" if published is None else \
                " / ".join("–" if v is None else str(v) for v in published)
            if not os.path.exists(path):
                lines.append(f"| {dataset} | {method} | 0 | not measured | | | | {pub} |")
                continue
            with open(path) as f:
                result = json.load(f)
            summary, trials = result["summary"], result["trials"]
            seconds = np.median([t["seconds"] for t in trials])
            lines.append(f"| {dataset} | {method} | {len(trials)} | {cell(summary['modes'], 1)} | "
                         f"{cell(summary['high_quality'], 1)} | {cell(summary['kl'], 2)} | {seconds:.0f} | {pub} |")
    return "\n".join(lines)


def write_json(args, trials):
    result = {"dataset": args.dataset, "method": args.method, "settings": METHODS[args.method],
              "iterations": args.iterations, "lr": args.lr, "final_lr_fraction": FINAL_LR_FRACTION,
              "betas": BETAS, "batch_size": BATCH_SIZE, "n_eval": N_EVAL, "threshold_std": THRESHOLD,
              "min_count": 1, "published": PUBLISHED[args.dataset].get(args.method),
              "trials": trials, "summary": summarise(trials)}
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1, default=float)


if __name__ == "__main__":
    main()
