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
convolutions and a 128-unit layer, gan/judge.py, trained with minigrad on the
real training digits: cross-entropy, 24 epochs of randomly moved, turned and
scaled copies, Adam 2e-3 with a cosine decay; 0.976 held-out accuracy) grades
the generated digits. It is trained once and kept in runs/judge_cache/ (next to
the output folder): the next run of any digit lesson loads it in a fraction of
a second. It grades:

* class coverage: how many of the 10 digits the classifier recognises among the
  generated images (a collapsed generator draws only a few);
* the classifier score exp(E_x KL(p(y|x) || p(y))): from 1 to 10, high when
  every image is a confident digit and all digits are equally common (the
  "inception score" formula with our classifier);
* the Frechet distance between Gaussians fitted to the classifier's 128
  penultimate features of generated and of real training digits (the "FID"
  formula with our classifier): 0 for identical feature statistics.

The same figures for held-out real digits are printed next to them: that is
the best a generator can hope for with this classifier. The default run (seed 0)
takes the Frechet distance from 1,861 (untrained) to 314 (real digits: 5.1), with
9 of the 10 digits covered, a classifier score of 4.8 (real digits: 9.2) and
0.43 of its digits named confidently (real digits: 0.93); precision 0.69 and
recall 0.17 (real digits: 0.89 and 0.87): most of what it draws looks like a
digit, but it draws a narrow part of the digits' variety. Its sharpness, 0.70
against the real digits' 0.41, is the speckle of stray pixels the dcgan lesson
removes.

The settings
------------
The DCGAN-era recipe for MLP GANs: Adam lr 2e-4, betas (0.5, 0.999) for both
players, the non-saturating generator loss, batch 64, z ~ N(0, I_100).
The data: the 5,000 MNIST digits shipped with the package (500 of each digit,
gan/digits.py); ``--data DIR`` reads the full MNIST training set from the IDX
files in DIR instead. The images are shuffled (the packaged file is sorted by
label) and 1,000 are held out; the GAN and the classifier train on the rest. An
"epoch" is one pass over the GAN's training images (batches drawn with
replacement). Default 6,000 iterations (96 epochs of the 4,000 training
digits); ``--quick`` 300 iterations (5 epochs: strokes, not yet digits).


metrics.json
------------
  classifier_accuracy           held-out accuracy of the digit classifier
  classes_covered               digits (of 10) predicted for >= 1% of 1,000 generated images
  class_counts, class_kl        generated images per predicted digit; KL(that histogram || uniform)
  classifier_score              exp(E KL(p(y|x) || p(y))) of 1,000 generated images (1..10)
  confident_share               share of them the classifier names with p(y|x) >= 0.9 (recognisable)
  frechet_distance              Frechet distance of generated to real training digits (classifier features)
  sharpness                     mean |4-neighbour Laplacian| of the pixels ([-1, 1]; real digits ~0.41)
  precision, recall             share of the generated digits on the real digits' k-NN manifold of
                                features (quality), and of real digits on the generated one (coverage)
  *_real                        the same for 1,000 held-out real digits (the best reachable)
  *_untrained                   the same for the untrained generator (the starting point)
  frechet_history               [[iteration, Frechet distance], ...] once per epoch
  d_real, d_fake                mean D(x), D(G(z)) over the last epoch
  iterations, epochs, n_train   the training length done and the number of GAN training images
  iterations_planned            the iterations asked for (more than `iterations` after a Ctrl-C)
  interrupted, stopped_at       true and "iteration N of M" when Ctrl-C stopped the training early
  seconds                       wall time of the whole lesson
"""
import time

import numpy as np

from demos import common, digit_parts
from demos.curves import tail_mean
from demos.digit_parts import load_digits
from gan import interrupt, judge, models
from gan.train import Trainer, TrainConfig

#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08 with the digit judge loaded from judge_cache/ (the first digit lesson
#: trains it: ~10 s more)
MEASURED_SECONDS = {"default": 79, "quick": 9}
QUICK_NOTE = ("300 iterations turn the noise into grey blobs: the pixels move towards the digits' but the judge "
              "sees no digits yet (its Frechet distance stays near the untrained generator's); readable digits of "
              "all ten classes need the 6,000 iterations of the default run.")
DEFAULT_ITERATIONS = 6000
QUICK_ITERATIONS = 300
BATCH_SIZE = 64
NOISE_DIM = 100
JUDGE_KEYS = ("classes_covered", "classifier_score", "confident_share", "frechet_distance", "sharpness",
              "precision", "recall")


def build_trainer(train_images, seed):
    """The MLP GAN: G 100-256-512-784 (LeakyReLU 0.2, tanh), D 784-512-256-1, the DCGAN-era recipe."""
    rng = np.random.default_rng(seed)
    generator = models.mlp_generator(NOISE_DIM, 784, hidden=(256, 512), activation=("leaky_relu", 0.2),
                                     out_activation="tanh", rng=rng)
    discriminator = models.mlp_discriminator(784, hidden=(512, 256), activation=("leaky_relu", 0.2), rng=rng)
    config = TrainConfig(loss="nonsaturating", batch_size=BATCH_SIZE, g_lr=2e-4, d_lr=2e-4,
                         g_betas=(0.5, 0.999), d_betas=(0.5, 0.999), seed=seed)
    return Trainer(generator, discriminator, train_images, config)


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current iteration, also when run is called alone
def run(iterations=DEFAULT_ITERATIONS, seed=0, data=None, judge_epochs=judge.EPOCHS, judge_cache=None):
    """Train the judge, then the MLP GAN for `iterations` iterations on `data` = (images, labels)
    (default: the packaged digits, gan.digits.load_digits()). Returns a Result with `metrics`
    (metrics.json), `samples` (1,000 final digits), `grids` [(iteration, 100 digits)] once per epoch, `history` (the
    Trainer's), `per_epoch` (iterations per epoch)."""
    started = time.perf_counter()
    digits = digit_parts.prepare(data, seed, judge_epochs, judge_cache)
    trainer = build_trainer(digits.train_x, seed)
    per_epoch = max(1, len(digits.train_x) // BATCH_SIZE)
    grids = digit_parts.EpochGrids(trainer, digits.judge, per_epoch)
    print(f"training the GAN for {iterations} iterations ({iterations / per_epoch:.1f} epochs "
          f"of {len(digits.train_x)} images) ...")
    trainer.fit(iterations, callback=grids, callback_every=per_epoch)
    samples = grids.finish(trainer)
    generated = digits.judge.score(samples)
    m = {**generated, "classifier_accuracy": digits.accuracy, "frechet_history": grids.frechet,
         "iterations": trainer.iteration, "iterations_planned": iterations, "epochs": trainer.iteration / per_epoch,
         "n_train": len(digits.train_x), "d_real": tail_mean(trainer.history["d_real"], per_epoch),
         "d_fake": tail_mean(trainer.history["d_fake"], per_epoch)}
    for key in JUDGE_KEYS:
        m[f"{key}_real"], m[f"{key}_untrained"] = digits.real[key], grids.untrained[key]
    m.update(digit_parts.stop_state(digits, trainer.iteration, iterations), seconds=time.perf_counter() - started)
    return common.Result(metrics=m, samples=samples, grids=grids.grids, history=trainer.history,
                         per_epoch=per_epoch, scores={"generated": generated, "real (held out)": digits.real,
                                                      "untrained G": grids.untrained})


def figure_scores(plt, frechet_history, frechet_real):
    fig, ax = plt.subplots(figsize=(6, 3.6))
    steps, values = zip(*frechet_history)
    ax.plot(steps, values, marker="o", ms=3, c="red", label="generated vs real training digits")
    ax.axhline(frechet_real, c="k", ls=":", label="held-out real vs real training digits (the best)")
    ax.set_yscale("log")
    ax.set_xlabel("iteration")
    ax.set_ylabel("Frechet distance (judge features)")
    ax.set_title("the judge's distance to real digits (lower is better)", fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def report(result, out, show=False):
    """Write samples.npy, final_samples.png, epochs/, the figures and metrics.json; print the judge's table."""
    plt, m = common.pyplot(), result.metrics
    paths = [common.save_samples(out, result.samples), digit_parts.save_grid(out / "final_samples.png", result.samples),
             digit_parts.save_epoch_grids(out, result.grids, result.per_epoch)]
    window = max(1, min(result.per_epoch // 2, m["iterations"] // 5))
    paths += common.save_figures(out, [
        ("samples_over_training.png", digit_parts.figure_over_training(
            plt, result.grids, result.per_epoch, "100 generated digits, always from the same noise vectors")),
        ("losses.png", digit_parts.figure_losses(plt, {"MLP GAN": result.history}, window)),
        ("scores.png", figure_scores(plt, m["frechet_history"], m["frechet_distance_real"]))], show)
    paths.append(common.write_metrics(out, m))
    print(f"\nafter {m['iterations']} iterations ({m['epochs']:.1f} epochs); the judge's figures:")
    print(common.judge_table(result.scores))
    return paths


def main(argv=None):
    parser = common.make_parser("digits", __doc__.splitlines()[0], default_steps=DEFAULT_ITERATIONS)
    digit_parts.add_data_option(parser)
    args = parser.parse_args(argv)
    iterations = args.steps or (QUICK_ITERATIONS if args.quick else DEFAULT_ITERATIONS)
    # the output folder is checked first (run_lesson), then the data are read
    return common.run_lesson(args, lambda: run(iterations, args.seed, load_digits(args.data),
                                               judge_cache=digit_parts.judge_cache_folder(args.out)), report)
