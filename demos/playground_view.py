"""Drawing a playground Snapshot: the plane (D's map, real and generated samples, G's manifold, the
arrows) on the left, the measurements over time on the right. Nothing here trains or computes a
gradient: every drawn number comes from `demos.playground_state.Snapshot`."""
import math

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, NullFormatter

REAL_COLOR, FAKE_COLOR, ARROW_COLOR = "#1b7837", "#762a83", "#d95f02"
MAP_COLORMAP = "PRGn"            # purple where D says "generated", green where it says "real"
DEFAULT_ARROW_SCALE = 250.0      # drawn arrow = DEFAULT_ARROW_SCALE x (-dL_G/dG(z)); L_G is a mean over 500 samples
HISTORY_PANELS = 4
ARROW_TARGET = 0.08              # a frame's own scale draws its median arrow about this x the half-width

KIND_TITLES = {
    "probability": "D(x) = sigmoid(logit), black line: D = 1/2",
    "score": "LSGAN score D(x) (real target 1, fake 0), black line: D = 1/2",
    "critic": "critic value f(x) (no 1/2: only differences matter), level lines",
}
MAP_LABELS = {"probability": "D(x)", "score": "D(x), a score", "critic": "f(x)"}
LOSS_NAMES = {"minimax": "minimax (saturating) loss", "nonsaturating": "non-saturating loss",
              "wgan-gp": "WGAN-GP", "lsgan": "LSGAN"}


class PlaygroundView:
    """A figure that `draw(snapshot)` redraws (its artists are made once and then updated, which keeps
    the window responsive). `plt` is pyplot (None: a figure outside pyplot); `bottom` (a fraction of
    the figure height) leaves room below the panels, where `demos.playground` puts its controls."""

    def __init__(self, plt=None, figsize=(13.0, 6.6), bottom=0.0, arrow_scale=DEFAULT_ARROW_SCALE):
        # without pyplot: a figure that no window owns (it can still be saved), e.g. after the window closed
        self.fig = fig = plt.figure(figsize=figsize) if plt is not None else Figure(figsize=figsize)
        self.arrow_scale = None if arrow_scale is None else float(arrow_scale)  # None: each frame its own
        top, low = 0.86, bottom + 0.07
        height = top - low
        self.title = fig.text(0.5, 0.965, "", ha="center", va="center", fontsize=11)

        width = height * figsize[1] / figsize[0]  # a square plane
        self.plane = ax = fig.add_axes([0.04, low, width, height])
        self.map = ax.imshow(np.zeros((2, 2)), origin="lower", cmap=MAP_COLORMAP, alpha=0.55,
                             interpolation="bilinear", extent=(-1, 1, -1, 1))
        self.colorbar = fig.colorbar(self.map, cax=fig.add_axes([0.05 + width, low, 0.010, height]))
        self.colorbar.ax.tick_params(labelsize=7)
        self.manifold = ax.add_collection(LineCollection([], colors=FAKE_COLOR, linewidths=0.5, alpha=0.4,
                                                         label="G(z grid): G's manifold"))
        self.real = ax.scatter([], [], s=5, c=REAL_COLOR, alpha=0.6, lw=0, label="real x")
        self.fake = ax.scatter([], [], s=5, c=FAKE_COLOR, alpha=0.9, lw=0, label="generated G(z)")
        self.contours = self.arrows = None
        ax.tick_params(labelsize=7)
        ax.set_aspect("equal")

        gap = 0.04
        panel = (height - gap * (HISTORY_PANELS - 1)) / HISTORY_PANELS
        self.series = [fig.add_axes([0.60, low + (HISTORY_PANELS - 1 - i) * (panel + gap), 0.385, panel])
                       for i in range(HISTORY_PANELS)]
        losses_ax, d_ax, arrow_ax, quality_ax = self.series
        self.lines = {
            "d_loss": losses_ax.plot([], [], color=REAL_COLOR, lw=1, label="L_D")[0],
            "g_loss": losses_ax.plot([], [], color=FAKE_COLOR, lw=1, label="L_G")[0],
            "d_real": d_ax.plot([], [], color=REAL_COLOR, lw=1, label="on real x")[0],
            "d_fake": d_ax.plot([], [], color=FAKE_COLOR, lw=1, label="on G(z)")[0],
            "arrow_median": arrow_ax.plot([], [], color=ARROW_COLOR, lw=1)[0],
            "quality": quality_ax.plot([], [], color=FAKE_COLOR, lw=1)[0],
        }
        self.half = d_ax.axhline(0.5, color="k", ls=":", lw=0.8)
        self.quality_target = quality_ax.axhline(0.0, color="k", ls=":", lw=0.8)
        arrow_ax.set_yscale("log")
        arrow_ax.yaxis.set_minor_formatter(NullFormatter())
        losses_ax.set_title("losses on the shown samples", fontsize=8, pad=2)
        arrow_ax.set_title("median arrow |dL_G/dG(z)| (log scale)", fontsize=8, pad=2)
        quality_ax.set_xlabel("updates (D steps + G steps)", fontsize=8)
        for ax in (losses_ax, d_ax):
            ax.legend(fontsize=7, loc="upper right")
        for ax in self.series:
            ax.tick_params(which="both", labelsize=7, labelbottom=ax is quality_ax)  # one time axis for the column
            ax.xaxis.set_major_locator(MaxNLocator(6, integer=True))
            if ax is not arrow_ax:
                ax.yaxis.set_major_locator(MaxNLocator(4))
        self.event_marks = []

    # ------------------------------------------------------------------ the whole frame
    def draw(self, snap):
        s = snap.settings
        steps = f"{int(snap.history['d_steps'][-1])} D steps, {int(snap.history['g_steps'][-1])} G steps"
        self.title.set_text(f"{snap.dataset_label}, {LOSS_NAMES[snap.loss]}, {s.n_critic} D step(s) per G step, "
                            f"learning rates D {s.d_lr:.0e} / G {s.g_lr:.0e}: {steps}")
        self.title.set_color("k")
        self.draw_plane(snap)
        self.draw_history(snap)

    def show_message(self, text):
        """A warning in place of the title (e.g. training stopped on a non-finite loss)."""
        self.title.set_text(text)
        self.title.set_color("tab:red")

    # ------------------------------------------------------------------ the plane
    def draw_plane(self, snap):
        ax, e = self.plane, snap.extent
        critic = snap.map_kind == "critic"
        self.map.set_data(snap.d_map)
        self.map.set_extent((-e, e, -e, e))
        self.map.set_clim(*((float(snap.d_map.min()), float(snap.d_map.max())) if critic else (0.0, 1.0)))
        self.colorbar.set_label(MAP_LABELS[snap.map_kind], fontsize=8)
        for artist in (self.contours, self.arrows):
            if artist is not None:
                _remove(artist)
        if critic:
            self.contours = ax.contour(snap.map_x, snap.map_y, snap.d_map, levels=12, colors="0.35", linewidths=0.5)
        elif snap.d_map.min() < 0.5 < snap.d_map.max():
            self.contours = ax.contour(snap.map_x, snap.map_y, snap.d_map, levels=[0.5], colors="k", linewidths=1.3)
        else:
            self.contours = None  # D is above (or below) 1/2 everywhere in view: no boundary to draw
        image = snap.z_grid_image  # its rows and its columns, each a polyline through G
        rows, columns = [image[i] for i in range(image.shape[0])], [image[:, j] for j in range(image.shape[1])]
        self.manifold.set_segments(rows + columns)
        self.real.set_offsets(snap.real)
        self.fake.set_offsets(snap.fake)
        scale = self.scale_for(snap)
        shown = scale * snap.arrows
        self.arrows = ax.quiver(snap.fake[:, 0], snap.fake[:, 1], shown[:, 0], shown[:, 1], angles="xy",
                                scale_units="xy", scale=1.0, color=ARROW_COLOR, width=0.0022, headwidth=3.5,
                                headlength=4, alpha=0.8, label=arrow_legend(scale))
        ax.set_xlim(-e, e)
        ax.set_ylim(-e, e)
        median = np.median(np.linalg.norm(snap.arrows, axis=1))
        outside = int(np.sum(np.any(np.abs(snap.fake) > e, axis=1)))
        outside = f"\n{outside} of {len(snap.fake)} generated samples are outside the view" if outside else ""
        ax.set_title(f"{KIND_TITLES[snap.map_kind]}\narrows: {scale:g} x (-dL_G/dG(z)), "
                     f"median |dL_G/dG(z)| = {median:.2e}{outside}", fontsize=9)
        ax.legend(loc="lower left", fontsize=7, framealpha=0.8, markerscale=2.5)

    def scale_for(self, snap):
        """The drawn arrow is this x (-dL_G/dG(z)): the view's arrow_scale, or without one the
        frame's own (frame_arrow_scale)."""
        return self.arrow_scale if self.arrow_scale is not None else frame_arrow_scale(snap)

    # ------------------------------------------------------------------ measurements over time
    def draw_history(self, snap):
        h, x = snap.history, snap.history["updates"]
        critic = snap.map_kind == "critic"
        losses_ax, d_ax, arrow_ax, quality_ax = self.series
        for key in ("d_loss", "g_loss", "d_real", "d_fake"):
            self.lines[key].set_data(x, h[key])
        self.lines["arrow_median"].set_data(x, np.maximum(h["arrow_median"], 1e-12))
        d_ax.set_title("mean critic value f" if critic else "mean D(x) on real and generated samples",
                       fontsize=8, pad=2)
        self.half.set_visible(not critic)
        quality_ax.yaxis.set_major_locator(MaxNLocator(4, integer=snap.centers is not None))
        if snap.centers is not None:
            self.lines["quality"].set_data(x, h["modes"])
            self.lines["quality"].set_drawstyle("steps-post")
            self.quality_target.set_ydata([len(snap.centers)] * 2)
            quality_ax.set_title(f"modes covered (of {len(snap.centers)}), 3-std rule", fontsize=8, pad=2)
        else:
            self.lines["quality"].set_data(x, h["sliced_w1"])
            self.lines["quality"].set_drawstyle("default")
            self.quality_target.set_ydata([snap.sliced_w1_floor] * 2)
            quality_ax.set_title("sliced W1 to the real samples (dotted: real vs real)", fontsize=8, pad=2)
        for mark in self.event_marks:
            mark.remove()
        self.event_marks = [ax.axvline(at, color="0.5", ls=":", lw=1) for at, _ in snap.events for ax in self.series]
        self.event_marks += [losses_ax.annotate(name, (at, 1.0), xycoords=("data", "axes fraction"), fontsize=7,
                                                color="0.3", va="top", ha="left", rotation=90)
                             for at, name in snap.events]
        right = max(float(x[-1]), 1.0)
        for ax in self.series:
            ax.relim()
            ax.autoscale_view()
            ax.set_xlim(0, right)
        if snap.centers is not None:
            quality_ax.set_ylim(-0.5, len(snap.centers) + 0.5)
        else:
            quality_ax.set_ylim(0, 1.1 * max(np.nanmax(h["sliced_w1"]), snap.sliced_w1_floor))


def arrow_legend(scale):
    """What an arrow's length means, for the legend: drawn length = scale x |dL_G/dG(z)|."""
    return f"-dL_G/dG(z) x {scale:g}: a length of 1 is a gradient of {1 / scale:.0e}"


def frame_arrow_scale(snap):
    """A frame's own arrow scale: its median arrow drawn about ARROW_TARGET x the plane's half-width,
    rounded to 1, 2 or 5 x a power of ten (DEFAULT_ARROW_SCALE if every arrow is 0)."""
    median = float(np.median(np.linalg.norm(snap.arrows, axis=1)))
    if not (median > 0 and math.isfinite(median)):
        return DEFAULT_ARROW_SCALE
    return nice_number(ARROW_TARGET * snap.extent / median)


def nice_number(x):
    """The number of the form 1, 2 or 5 x 10^k nearest to x > 0 (in ratio)."""
    power = 10.0 ** math.floor(math.log10(x))
    return min((m * power for m in (1, 2, 5, 10)), key=lambda c: abs(math.log(c / x)))


def _remove(artist):
    """Take an artist off its axes (a contour set before matplotlib 3.8 is removed line by line)."""
    try:
        artist.remove()
    except (AttributeError, NotImplementedError):
        for collection in artist.collections:
            collection.remove()
