"""The figures of the conditional lesson (demos/conditional.py): the class grid, the interpolation
grid, the comparison at equal iterations, and label accuracy over training."""
import numpy as np

from gan import digits as packaged


def figure_grid(plt, images, title, row_labels, column_note):
    """A 10 x 10 grid of digits with one label per row."""
    fig, ax = plt.subplots(figsize=(5.4, 5.8))
    ax.imshow(packaged.tile(images), cmap="gray", vmin=0, vmax=1)
    ax.set_yticks(14 + 28 * np.arange(10))
    ax.set_yticklabels(row_labels, fontsize=8)
    ax.set_xticks([])
    ax.set_xlabel(column_note, fontsize=9)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def figure_comparison(plt, grids, iterations):
    """The three GANs after the same number of iterations, side by side: {name: (100 images, title line)}."""
    fig, axes = plt.subplots(1, len(grids), figsize=(4.2 * len(grids), 4.9), squeeze=False)
    for ax, (name, (images, figures)) in zip(axes[0], grids.items()):
        ax.imshow(packaged.tile(images), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"{name}\n{figures}", fontsize=9)
        ax.axis("off")
    fig.suptitle(f"after {iterations} iterations each: rows asked for digits 0-9 (the unconditional G is "
                 f"asked for nothing)", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.93))  # room for the suptitle above the panel titles
    return fig


def figure_label_accuracy(plt, curves, per_class, chance=0.1):
    """Left: label accuracy over training per GAN {name: [[iteration, accuracy], ...]}; right: the
    main GAN's final accuracy per asked-for digit."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [3, 2]})
    for (name, points), marker in zip(curves.items(), "os^"):
        if points:
            steps, values = zip(*points)
            left.plot(steps, values, marker=marker, ms=4, label=name)
    left.axhline(chance, c="k", ls=":", label="chance (1 in 10)")
    left.axhline(0.9, c="g", ls="--", lw=0.8, label="the goal: 90%")
    left.set_ylim(0, 1.02)
    left.set_xlabel("iteration")
    left.set_ylabel("share drawn as asked (judge)")
    left.set_title("did G draw the digit it was asked for?", fontsize=10)
    left.legend(fontsize=8, loc="lower right")
    right.bar(np.arange(10), per_class, color="#0066ff")
    right.axhline(chance, c="k", ls=":")
    right.set_xticks(np.arange(10))
    right.set_ylim(0, 1.02)
    right.set_xlabel("asked-for digit")
    right.set_title("final: share drawn as asked, per digit", fontsize=10)
    fig.tight_layout()
    return fig
