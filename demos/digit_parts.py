"""What the digit lessons (digits, dcgan) share: the --data option, the split, the judge, and the
figures of generated digits.

    parser = common.make_parser(...); add_data_option(parser)
    data = load_digits(args.data)                 # (images, labels); a clear message names --data
    digits = prepare(data, seed, cache_dir=judge_cache_folder(args.out))   # hold out 1,000, train
                                                  # the judge on the rest (or load it)
    grids = EpochGrids(trainer, digits.judge, per_epoch)   # a Trainer callback: 100 digits (always
    trainer.fit(n, callback=grids, callback_every=per_epoch)  # the same z) and the judge's figures
"""
import sys
from pathlib import Path

import numpy as np

from demos import common
from gan import digits as packaged
from gan import interrupt
from gan.judge import EPOCHS, DigitJudge
from gan.losses import PROBABILITY_FAMILIES

N_SCORED = 1000      # generated images the judge grades
N_SHOWN = 100        # digits in a 10 x 10 grid


def add_data_option(parser):
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="folder with the MNIST IDX files (train-images-idx3-ubyte[.gz], "
                             "train-labels-idx1-ubyte[.gz]); default: the 5,000 digits shipped with the package")


def load_digits(folder=None):
    """The digits of `--data folder` (or the packaged 5,000 with folder=None) as (images, labels);
    a folder without valid MNIST files ends the run with a message naming --data and exit code 2."""
    try:
        return packaged.load_digits(folder)
    except (packaged.DataNotFoundError, packaged.IDXFormatError) as error:
        reason = str(error).split("\n")[0].split(": ", 1)[-1]
        print(f"--data {folder}: {reason}\n"
              "Pass with --data DIR a folder holding the MNIST files train-images-idx3-ubyte and\n"
              "train-labels-idx1-ubyte (plain or .gz), or leave --data out to use the 5,000 digits\n"
              "shipped with the package.", file=sys.stderr)
        raise SystemExit(2) from None


def judge_cache_folder(out):
    """Where the lessons keep trained judges: `judge_cache` next to the output folder (runs/judge_cache
    for the default runs/<lesson>), so every digit lesson run from one folder trains a judge once."""
    return Path(out).parent / "judge_cache"


def prepare(data, seed, judge_epochs=EPOCHS, cache_dir=None):
    """Shuffle `data` = (images, labels) (None: the packaged digits), hold out 1,000 (the packaged
    5,000 leave 4,000 for training), and train the judge on the training digits (or load it from
    `cache_dir`, where an earlier run with the same digits, seed and epochs left it; see
    gan/judge_cache.py; None: always train). Returns a Result with
    train_x, train_y, held_x, held_y, judge, accuracy (held out) and real (the judge's figures of
    the held-out digits: the best a generator can reach) and judge_stopped (a Ctrl-C came while the
    judge trained: the GAN will stop before its first iteration)."""
    images, labels = packaged.load_digits() if data is None else data
    rng = np.random.default_rng(seed)
    train_x, train_y, held_x, held_y = packaged.split(images, labels, rng)
    judge = DigitJudge.train(train_x, train_y, rng, epochs=judge_epochs, cache_dir=cache_dir,
                             announce=f"training the judge (a small CNN, {judge_epochs} epochs) on "
                                      f"{len(train_x)} real digits ...")
    accuracy = judge.accuracy(held_x, held_y)
    print(f"judge accuracy on {len(held_x)} held-out digits: {accuracy:.3f}")
    return common.Result(train_x=train_x, train_y=train_y, held_x=held_x, held_y=held_y, judge=judge,
                         accuracy=accuracy, real=judge.score(held_x), judge_stopped=interrupt.requested())


def stop_state(digits, done, planned, what="iteration"):
    """common.stop_state, which names the judge's training when the Ctrl-C came there."""
    state = common.stop_state(done, planned, what)
    if state["interrupted"] and digits.judge_stopped:
        state["stopped_at"] = f"the judge's training (before {what} 1 of {planned})"
    return state


class EpochGrids:
    """A Trainer callback that keeps, after every epoch, 100 samples (always from the same z) and
    the judge's figures of N_SCORED samples: `grids` [(iteration, (100, 784))], `frechet` and
    `sharpness` [[iteration, value]], all starting with the untrained generator at 0, whose
    judge's figures are `untrained`."""

    def __init__(self, trainer, judge, per_epoch):
        self.judge, self.per_epoch = judge, per_epoch
        self.grids, self.frechet, self.sharpness = [], [], []
        self.untrained = self.judge.score(self.record(trainer, trainer.iteration))

    def __call__(self, trainer, iteration):
        self.record(trainer, iteration)

    def record(self, trainer, iteration):
        samples = trainer.sample(N_SCORED).reshape(N_SCORED, 784)
        self.grids.append((iteration, samples[:N_SHOWN].copy()))
        scores = self.judge.score(samples)
        self.frechet.append([iteration, scores["frechet_distance"]])
        self.sharpness.append([iteration, scores["sharpness"]])
        return samples

    def finish(self, trainer):
        """The final samples; recorded as a grid too when training stopped inside an epoch."""
        if self.frechet[-1][0] != trainer.iteration:
            return self.record(trainer, trainer.iteration)
        return trainer.sample(N_SCORED).reshape(N_SCORED, 784)


# ----------------------------------------------------------------------------- files and figures

def save_grid(path, images):
    """A 10 x 10 grid of digits as a grey PNG (white digits on black)."""
    common.pyplot().imsave(path, packaged.tile(np.asarray(images)[:N_SHOWN]), cmap="gray", vmin=0, vmax=1)
    return path


def save_epoch_grids(out, grids, per_epoch):
    """epochs/epoch_NNN.png for every recorded grid after the untrained one (a last, partial epoch
    gets the next number); returns the folder."""
    folder = out / "epochs"
    folder.mkdir(exist_ok=True)
    for iteration, images in grids[1:]:
        save_grid(folder / f"epoch_{-(-iteration // per_epoch):03d}.png", images)
    return folder


def figure_over_training(plt, grids, per_epoch, title):
    """Up to five of the epoch grids side by side, the untrained generator first."""
    picks = np.unique(np.linspace(0, len(grids) - 1, min(5, len(grids))).round().astype(int))
    fig, axes = plt.subplots(1, len(picks), figsize=(3.2 * len(picks), 3.8), squeeze=False)
    for ax, index in zip(axes[0], picks):
        iteration, images = grids[index]
        ax.imshow(packaged.tile(images), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"iteration {iteration} ({iteration / per_epoch:.1f} epochs)" if iteration else "untrained",
                     fontsize=10)
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def figure_losses(plt, histories, window, loss="nonsaturating"):
    """Per GAN: the D and G losses, and what D says of real and generated digits: D(x) and D(G(z))
    for the classic losses (log 4 and 1/2 mark the equilibrium), the raw scores otherwise."""
    from demos.curves import moving_average
    classic = loss in PROBABILITY_FAMILIES
    fig, axes = plt.subplots(len(histories), 2, figsize=(11, 3.4 * len(histories)), squeeze=False)
    for (left, right), (name, history) in zip(axes, histories.items()):
        steps = np.arange(1, len(history["d_loss"]) + 1)

        def smooth(key):
            return moving_average(history[key], window) if len(steps) else []

        left.plot(steps, smooth("d_loss"), label="D loss")
        left.plot(steps, smooth("g_loss"), label="G loss (-log D(G(z)))" if loss == "nonsaturating" else "G loss")
        right.plot(steps, smooth("d_real"), c="#0066ff", label="D(x), real" if classic else "score of real digits")
        right.plot(steps, smooth("d_fake"), c="red", label="D(G(z)), generated" if classic else "score of generated")
        if classic:
            left.axhline(np.log(4), c="k", ls=":", label="log 4: D's loss at the equilibrium")
            right.axhline(0.5, c="k", ls=":", label="1/2: D cannot tell")
            right.set_ylim(0, 1)
        left.set_title(f"{name}: losses (moving average over {window} iterations)", fontsize=10)
        right.set_title(f"{name}: what D says", fontsize=10)
        low, high = left.get_ylim()
        left.set_ylim(low, high + 0.35 * (high - low))      # room for the legend above the curves
        left.legend(fontsize=8, loc="upper right")
        right.legend(fontsize=8)
        for ax in (left, right):
            ax.set_xlabel("iteration")
    fig.tight_layout()
    return fig
