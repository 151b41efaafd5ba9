"""DCGAN: convolutional digits next to the MLP GAN's speckle, for the same number of multiply-adds.

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
whose G and D count 2.0 and 1.7 million multiply-adds per image against 7.3 and
6.6 million at C = 128 (the middle layers have C x C/2 filters: a quarter of the
work at half the width), so the lesson's 2,000 iterations cost what ~530 of the
classic width would. With ``--loss wgan-gp`` D becomes a critic with layer norm
instead of batch norm: the gradient penalty is a per-sample quantity, and batch
norm makes each sample's score depend on the rest of the batch.

The comparison: the same work, not the same wall time
-----------------------------------------------------
The run trains the DCGAN, then the digits lesson's MLP GAN (100-256-512-784,
LeakyReLU 0.2, tanh; D 784-512-256-1) with the same loss and optimizer, and lets
the digit judge (a small CNN trained with minigrad on the real training
digits, 0.976 held-out accuracy, gan/judge.py; kept in runs/judge_cache/ after
its first training) grade both and held-out real digits. Both GANs get the
same number of multiply-adds, counted from the layer shapes
(demos/multiply_adds.py): per image a Linear(i, o) costs i o, a convolution
H_out W_out C_out C_in k^2 (a transposed one H_in W_in C_in C_out k^2), a
backward pass twice its forward pass, and an iteration (one D step, one G
step) 4 G + 9 D forwards. The DCGAN's iteration counts 3.3x the MLP GAN's
(1.50 against 0.45 x 10^9 for a batch of 64), so the MLP GAN gets 3.3x the
DCGAN's iterations: 6,677 for the DCGAN's 2,000. Why not the same wall time: a
clock measures the machine as well as the models (another program running, or
another computer, changes how many iterations each side gets, and with them the
figures). Why not the same iterations: the MLP GAN would get a third of the
arithmetic, and its speckle could be blamed on too little training. The count
is the same on every machine, busy or idle, and so is the comparison.

What to look at
---------------
* ``side_by_side.png``: the MLP GAN and the DCGAN after the same work, from
  the same kind of noise, and below each a zoomed crop of the MLP's speckliest
  corner and the same corner of the DCGAN: stray pixels against smooth strokes.
* ``epochs/epoch_NNN.png``: 100 DCGAN digits after every epoch, always from the
  same 100 noise vectors: the same z keeps drawing the same digit as it sharpens.
* ``losses.png``: D and G losses of both GANs; they settle instead of going to
  zero, because a GAN loss is a position in a game, not a score.
* ``scores.png``: the Frechet distance and the sharpness of both GANs against
  the multiply-adds spent, next to the held-out real digits' (the target).
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

Measured
--------
``python -m demos dcgan --seed S``, default settings: 2,000 DCGAN and 6,677
MLP GAN iterations, 3.0 x 10^12 multiply-adds each. Cells are DCGAN / MLP GAN,
graded by the judge (held-out accuracy 0.976 / 0.974 / 0.976 for seeds 0 / 1 / 2):

  seed  covered  clf. score   confident    Frechet        sharpness      precision    recall
  0     10 / 10  5.53 / 4.56  0.48 / 0.35  114.9 / 261.6  0.434 / 0.734  0.46 / 0.71  0.74 / 0.18
  1     10 / 10  5.51 / 4.03  0.48 / 0.31  153.2 / 297.7  0.426 / 0.743  0.44 / 0.68  0.66 / 0.05
  2     10 /  9  5.61 / 4.15  0.52 / 0.34  138.2 / 326.0  0.423 / 0.611  0.45 / 0.74  0.68 / 0.07
  held-out real digits: classifier score 9.18-9.35, confident share 0.93-0.95,
  Frechet distance 5.1-8.7, sharpness 0.401-0.406, precision 0.89-0.90, recall
  0.87-0.91.

The DCGAN covers all ten digits, its sharpness is 4-7% above the real digits'
(the MLP GAN's speckle lifts its figure 51-85% above), its Frechet distance is
1.9-2.4x lower than the MLP GAN's, its classifier score and confident share are
higher in every run, and it spreads over the digits' variety (recall 0.66-0.74
against 0.05-0.18); the MLP GAN's fewer kinds of digits sit more often on the
real digits' manifold (precision 0.68-0.74 against 0.44-0.46). The anchor:
the classic full-width DCGAN with this recipe, trained in PyTorch on the same
digits and graded by the same judge (seed 0; ``python
benchmarks/dcgan_anchor.py``), after 1,000 / 2,000 iterations: classifier score
5.21 / 5.76, confident share 0.43 / 0.54, Frechet distance 127.7 / 110.5,
sharpness 0.441 / 0.413, where this lesson's DCGAN scores 5.53, 0.48, 114.9 and
0.434 after 2,000: smooth, varied digits of all ten classes score what this
lesson's DCGAN scores. (With the earlier judge the anchor also ran to 3,000
iterations: classifier score 4.41, Frechet distance 19.9 on that judge's scale,
little change from 2,000.)

The settings
------------
Batch 64, Adam lr 2e-4, betas (0.5, 0.999), the non-saturating loss
(``--loss`` picks another of the Trainer's losses; wgan-gp and wgan use 5 critic
steps, Adam 1e-4, betas (0.5, 0.9), and 10x fewer default iterations, since
each costs 5-10x more: they show the machinery, not the best digits; raise
``--steps`` for quality). The 5,000 digits shipped with the package (or the
MNIST files of ``--data DIR``), shuffled, 1,000 held out, as in the digits
lesson. Default 2,000 DCGAN iterations (32 epochs of 4,000 digits), ``--quick``
200; the MLP GAN gets the same multiply-adds.

metrics.json
------------
  classes_covered, class_counts, class_kl, classifier_score, confident_share, frechet_distance,
  sharpness, precision, recall  the DCGAN's 1,000 samples (samples.npy); precision and recall:
                                quality and coverage apart (docs/THEORY.md 8.7)
  mlp_*                         the same for the MLP GAN after the same multiply-adds
  *_real, *_untrained           held-out real digits; the untrained DCGAN generator
  classifier_accuracy           held-out accuracy of the judge
  frechet_history, sharpness_history   [[iteration, figure], ...] of the DCGAN once per epoch
  mlp_frechet_history, mlp_sharpness_history   the same for the MLP GAN
  iterations, mlp_iterations    the training lengths done (iterations_planned, mlp_iterations_planned:
                                the ones asked for, more after a Ctrl-C)
  multiply_adds_per_iteration, mlp_multiply_adds_per_iteration   the counted work of one iteration
  interrupted, stopped_at       true and e.g. "DCGAN iteration 40 of 200" when Ctrl-C stopped the run
  loss, channels, seconds       the loss family; C (G's feature maps); wall time of the whole run
"""
import time

import numpy as np

from demos import common, digit_parts
from demos.digit_parts import load_digits
from demos.multiply_adds import forward_multiply_adds, iteration_multiply_adds
from gan import interrupt, judge, metrics, models
from gan.digits import tile
from gan.losses import LOSS_FAMILIES
from gan.train import Trainer, TrainConfig

#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08 with the digit judge loaded from judge_cache/ (the first digit lesson
#: trains it: ~10 s more)
MEASURED_SECONDS = {"default": 180, "quick": 22}
QUICK_NOTE = ("after 200 iterations the DCGAN draws smooth blobs, not yet digits, while the MLP GAN's "
              "speckled 0s and 8s already look more finished; smooth, varied digits of all ten classes next to "
              "the MLP GAN's speckle need the 2,000 iterations of the default run.")
DEFAULT_ITERATIONS = 2000
QUICK_ITERATIONS = 200
#: the Wasserstein losses take 5 critic steps per iteration, and wgan-gp's penalty a double backward
#: through the convolutions: an iteration costs 5-10x more, so their defaults are 10x shorter
WASSERSTEIN_DIVISOR = 10
BATCH_SIZE = 64
NOISE_DIM = 100
#: G's feature maps after the projection of z (D gets half); the classic MNIST DCGAN has 128, whose
#: iteration counts 3.8x the multiply-adds (the lesson text)
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


def work_per_iteration(trainer):
    """The multiply-adds of one iteration of `trainer`, counted from its layer shapes."""
    g = forward_multiply_adds(trainer.generator, (trainer.noise_dim,))
    d = forward_multiply_adds(trainer.discriminator, trainer.data.shape[1:])
    return iteration_multiply_adds(g, d, trainer.config.batch_size, trainer.config.n_critic)


def train_and_record(trainer, iterations, digits, per_epoch):
    """Train for `iterations`, recording 100 digits and the judge's figures once per epoch."""
    grids = digit_parts.EpochGrids(trainer, digits.judge, per_epoch)
    trainer.fit(iterations, callback=grids, callback_every=per_epoch)
    return grids, grids.finish(trainer)


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current iteration, also when run is called alone
def run(iterations=DEFAULT_ITERATIONS, seed=0, data=None, channels=CHANNELS, loss="nonsaturating",
        judge_epochs=judge.EPOCHS, judge_cache=None):
    """Train the judge, the DCGAN for `iterations` iterations, then the MLP GAN for the same
    multiply-adds, on `data` = (images, labels) (default: the packaged digits). Returns a Result
    with `metrics` (metrics.json), `samples` / `mlp_samples` (1,000 digits each), `grids` /
    `mlp_grids` [(iteration, 100 digits)] once per epoch, `histories` (the Trainers') and
    `per_epoch`."""
    started = time.perf_counter()
    digits = digit_parts.prepare(data, seed, judge_epochs, judge_cache)
    dcgan, mlp = build_dcgan(digits.train_x, loss, seed, channels), build_mlp_gan(digits.train_x, loss, seed)
    work, mlp_work = work_per_iteration(dcgan), work_per_iteration(mlp)
    mlp_iterations = round(iterations * work / mlp_work)
    per_epoch = max(1, len(digits.train_x) // BATCH_SIZE)
    print(f"training the DCGAN ({loss}) for {iterations} iterations of {work / 1e9:.2f} x 10^9 multiply-adds ...")
    grids, samples = train_and_record(dcgan, iterations, digits, per_epoch)
    state = digit_parts.stop_state(digits, dcgan.iteration, iterations, "DCGAN iteration")
    if not state["interrupted"]:
        print(f"training the MLP GAN for the same work: {mlp_iterations} iterations of "
              f"{mlp_work / 1e9:.2f} x 10^9 multiply-adds ...")
    mlp_grids, mlp_samples = train_and_record(mlp, 0 if state["interrupted"] else mlp_iterations, digits, per_epoch)
    if not state["interrupted"]:
        state = common.stop_state(mlp.iteration, mlp_iterations, "MLP GAN iteration")

    scores = {"DCGAN": digits.judge.score(samples), "MLP GAN": digits.judge.score(mlp_samples),
              "real (held out)": digits.real, "untrained G": grids.untrained}
    m = {key: scores["DCGAN"][key] for key in SCORE_KEYS}
    for key in SCORE_KEYS:
        m[f"mlp_{key}"], m[f"{key}_real"] = scores["MLP GAN"][key], digits.real[key]
        m[f"{key}_untrained"] = scores["untrained G"][key]
    m.update(classifier_accuracy=digits.accuracy, loss=loss, channels=channels, n_train=len(digits.train_x),
             iterations=dcgan.iteration, iterations_planned=iterations, epochs=dcgan.iteration / per_epoch,
             mlp_iterations=mlp.iteration, mlp_iterations_planned=mlp_iterations,
             multiply_adds_per_iteration=work, mlp_multiply_adds_per_iteration=mlp_work,
             frechet_history=grids.frechet, sharpness_history=grids.sharpness,
             mlp_frechet_history=mlp_grids.frechet, mlp_sharpness_history=mlp_grids.sharpness, **state,
             seconds=time.perf_counter() - started)
    return common.Result(metrics=m, samples=samples, mlp_samples=mlp_samples, grids=grids.grids,
                         mlp_grids=mlp_grids.grids, histories={"DCGAN": dcgan.history, "MLP GAN": mlp.history},
                         per_epoch=per_epoch, scores=scores)


# ----------------------------------------------------------------------------- figures

def speckliest_corner(images, block=3):
    """(row, col) of the block x block group of digits in a 10 x 10 grid with the largest mean
    |Laplacian| (the most stray pixels)."""
    best, where = -1.0, (0, 0)
    grid = np.asarray(images)[:100].reshape(10, 10, 28 * 28)
    for r in range(10 - block + 1):
        for c in range(10 - block + 1):
            value = metrics.sharpness(grid[r:r + block, c:c + block].reshape(-1, 784))
            if value > best:
                best, where = value, (r, c)
    return where


def figure_side_by_side(plt, columns, block=3):
    """columns = [(title, 100 images)]: a 10 x 10 grid each on top, and below each the same zoomed
    block x block corner (the first column's speckliest)."""
    r, c = speckliest_corner(columns[0][1], block)
    fig, axes = plt.subplots(2, len(columns), figsize=(3.6 * len(columns), 7.8), squeeze=False)
    for column, (title, images) in enumerate(columns):
        picture = tile(np.asarray(images)[:100])
        top, bottom = axes[0, column], axes[1, column]
        top.imshow(picture, cmap="gray", vmin=0, vmax=1)
        top.add_patch(plt.Rectangle((c * 28 - 0.5, r * 28 - 0.5), block * 28, block * 28, fill=False, ec="red", lw=1.5))
        top.set_title(title, fontsize=9)
        bottom.imshow(picture[r * 28:(r + block) * 28, c * 28:(c + block) * 28], cmap="gray", vmin=0, vmax=1,
                      interpolation="nearest")
        bottom.set_title("the red square, zoomed", fontsize=9)
        for ax in (top, bottom):
            ax.set_xticks([])
            ax.set_yticks([])
    fig.tight_layout()
    return fig


def figure_scores(plt, m):
    """The Frechet distance and the sharpness of both GANs against the multiply-adds spent."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    for prefix, name, colour in (("", "DCGAN", "red"), ("mlp_", "MLP GAN", "#0066ff")):
        work = m[f"{prefix}multiply_adds_per_iteration"] / 1e12
        for ax, key in ((left, "frechet"), (right, "sharpness")):
            steps, values = np.array(m[f"{prefix}{key}_history"]).T
            ax.plot(steps * work, values, marker="o", ms=2, c=colour, label=name)
    left.axhline(m["frechet_distance_real"], c="k", ls=":", label="held-out real digits (the best)")
    left.set_yscale("log")
    left.set_ylabel("Frechet distance to real digits (lower is better)")
    right.axhline(m["sharpness_real"], c="k", ls=":", label="held-out real digits (the target)")
    right.set_ylabel("sharpness: mean |Laplacian| of the pixels")
    right.set_title("above the real digits' line: speckle; below: blur", fontsize=10)
    left.set_title("the judge's distance to real digits", fontsize=10)
    for ax in (left, right):
        ax.set_xlabel("work done (10^12 multiply-adds)")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def report(result, out, show=False):
    """Write samples.npy, final_samples.png, epochs/, the figures and metrics.json; print the judge's table."""
    plt, m = common.pyplot(), result.metrics
    paths = [common.save_samples(out, result.samples.reshape(-1, 1, 28, 28)),
             digit_parts.save_grid(out / "final_samples.png", result.samples),
             digit_parts.save_epoch_grids(out, result.grids, result.per_epoch)]
    titles = [f"{name}: {m[prefix + 'iterations']} iterations,\n"
              f"{m[prefix + 'iterations'] * m[prefix + 'multiply_adds_per_iteration'] / 1e12:.2f} x 10^12 multiply-adds"
              for prefix, name in (("mlp_", "MLP GAN"), ("", "DCGAN"))]
    window = max(1, min(result.per_epoch // 2, m["iterations"] // 5))
    paths += common.save_figures(out, [
        ("side_by_side.png", figure_side_by_side(plt, [(titles[0], result.mlp_samples), (titles[1], result.samples)])),
        ("losses.png", digit_parts.figure_losses(plt, result.histories, window, m["loss"])),
        ("scores.png", figure_scores(plt, m))], show)
    paths.append(common.write_metrics(out, m))
    print("\n" + common.judge_table(result.scores))
    print(f"the same work: DCGAN {m['iterations']} iterations, MLP GAN {m['mlp_iterations']} "
          f"({m['multiply_adds_per_iteration'] / m['mlp_multiply_adds_per_iteration']:.2f}x as many)")
    return paths


def main(argv=None):
    parser = common.make_parser("dcgan", __doc__.splitlines()[0], default_steps=DEFAULT_ITERATIONS)
    digit_parts.add_data_option(parser)
    parser.add_argument("--channels", type=int, default=CHANNELS,
                        help=f"G's feature maps after the projection, D gets half (default {CHANNELS}; "
                             "the classic DCGAN: 128)")
    parser.add_argument("--loss", default="nonsaturating", choices=sorted(LOSS_FAMILIES),
                        help="the Trainer's loss family (default nonsaturating; wgan-gp uses the layer-norm critic)")
    args = parser.parse_args(argv)
    if args.channels < 2 or args.channels % 2:
        parser.error(f"--channels must be an even number >= 2 (G's layers have C and C/2 feature maps, "
                     f"D's C/2 and C), got {args.channels}")
    iterations = args.steps or (QUICK_ITERATIONS if args.quick else DEFAULT_ITERATIONS)
    if args.steps is None and args.loss in WASSERSTEIN:
        iterations = max(1, iterations // WASSERSTEIN_DIVISOR)
    # the output folder is checked first (run_lesson), then the data are read
    return common.run_lesson(args, lambda: run(iterations, args.seed, load_digits(args.data), args.channels,
                                               args.loss, judge_cache=digit_parts.judge_cache_folder(args.out)),
                            report)
