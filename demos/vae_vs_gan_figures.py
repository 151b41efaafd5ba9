"""The figures of the vae_vs_gan lesson (demos/vae_vs_gan.py): digit grids, strips and bar charts."""
import numpy as np

TITLES = {"ae": "autoencoder", "vae": "VAE", "dcgan": "DCGAN", "gan_from": "--gan-from samples", "real": "real digits"}
COLORS = {"ae": "#999999", "vae": "#0066ff", "dcgan": "red", "gan_from": "#ff9900", "real": "k"}


def grid(images, rows, cols):
    """(rows*cols, 784) images in [-1, 1] -> one picture in [0, 1] (white digits on black)."""
    images = np.asarray(images[:rows * cols]).reshape(rows, cols, 28, 28)
    return (images.transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28) + 1.0) / 2.0


def figure_strips(plt, strips):
    """One row of digits per (title, images)."""
    fig, axes = plt.subplots(len(strips), 1, figsize=(10, 1.15 * len(strips) + 0.3), squeeze=False)
    for ax, (title, images) in zip(axes[:, 0], strips):
        ax.imshow(grid(images, 1, len(images)), cmap="gray", vmin=0, vmax=1)
        ax.set_title(title, fontsize=9, loc="left")
        ax.axis("off")
    fig.tight_layout()
    return fig


def figure_samples(plt, samples, sharpness, code_norm):
    fig, axes = plt.subplots(1, len(samples), figsize=(3.6 * len(samples), 4.3))
    for ax, (name, images) in zip(axes, samples.items()):
        ax.imshow(grid(images, 8, 8), cmap="gray", vmin=0, vmax=1)
        source = "random codes z ~ N(0, I)" if name in ("ae", "vae") else "random noise z"
        title = f"{TITLES[name]}: {source}\nsharpness {sharpness[name]:.3f} (real digits {sharpness['real']:.3f})"
        if name in code_norm:
            title += f"\ndigits' codes: mean |code| {code_norm[name]:.1f}; N(0, I): {code_norm['prior']:.1f}"
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    return fig


def figure_sharpness(plt, judged, vae_below, dcgan_margin):
    """Bars of sharpness, classifier score and Frechet distance per model; on the sharpness panel the
    claim: the band real x (1 +- dcgan_margin) and the line vae_below x real."""
    names = [n for n in TITLES if n in judged]
    real = judged["real"]["sharpness"]
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.9))
    for ax, key, label in ((axes[0], "sharpness", "sharpness (mean |Laplacian|, pixels in [-1, 1])"),
                           (axes[1], "classifier_score", "classifier score (1..10, higher is better)"),
                           (axes[2], "frechet_distance", "Frechet distance to real digits (lower is better)")):
        values = [judged[n][key] for n in names]
        ax.bar([TITLES[n] for n in names], values, color=[COLORS[n] for n in names])
        for i, value in enumerate(values):
            ax.text(i, value, f"{value:.2f}", ha="center", va="bottom", fontsize=8)
        ax.set_title(label, fontsize=9)
        ax.tick_params(axis="x", labelsize=8)
    ratios = ", ".join(f"{TITLES[n]} {judged[n]['sharpness'] / real:.2f}" for n in ("vae", "dcgan"))
    axes[0].set_title(f"sharpness (mean |Laplacian|, pixels in [-1, 1])\nx real: {ratios}", fontsize=9)
    axes[0].axhspan(real * (1 - dcgan_margin), real * (1 + dcgan_margin), color="green", alpha=0.2, zorder=0,
                    label=f"real +-{dcgan_margin:.0%} (the DCGAN's claim)")
    axes[0].axhline(vae_below * real, c="#0066ff", ls=":", label=f"{vae_below:g} x real (the VAE: below)")
    axes[0].legend(fontsize=8, loc="upper left")
    axes[0].set_ylim(0, 1.25 * max(judged[n]["sharpness"] for n in names))
    axes[2].set_yscale("log")
    fig.tight_layout()
    return fig


def figure_vae_losses(plt, history, heldout):
    from demos.curves import moving_average
    window = max(1, len(history["loss"]) // 50)
    steps = np.arange(1, len(history["loss"]) + 1)
    marks = np.array(heldout, dtype=np.float64).reshape(-1, 3)
    smoothing = f"moving average over {window} steps" if window > 1 else "every step"
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    for ax, key, column, color in ((axes[0], "reconstruction", 1, "#0066ff"), (axes[1], "kl", 2, "red")):
        if len(steps):
            ax.plot(steps, moving_average(history[key], window), c=color, lw=1, label=f"training batches ({smoothing})")
        ax.plot(marks[:, 0], marks[:, column], "o", c="k", ms=3, label="held-out digits")
        ax.set_xlabel("step")
        ax.set_ylabel("nats per image")
        ax.legend(fontsize=8)
    axes[0].set_title("reconstruction  E_q[-log p(x | z)]", fontsize=10)
    axes[1].set_title("KL(q(z | x) || N(0, I))", fontsize=10)
    axes[0].set_yscale("log")
    fig.tight_layout()
    return fig
