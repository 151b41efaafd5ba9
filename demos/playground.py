"""The playground: a 2-D GAN you can watch and steer, with every gradient drawn.

The lesson
----------
Everything lives in the plane, so everything can be drawn. The generator G
(2 -> 64 -> 64 -> 2, ReLU) turns noise z ~ N(0, I) in 2-D into points; the
discriminator D (2 -> 64 -> 64 -> 1, ReLU) scores points. One frame shows:

  background      D's map over the plane: D(x) = sigmoid(logit), green where D
                  says "real", purple where it says "generated"; the black line
                  is D = 1/2, where D cannot tell. For LSGAN the raw score (targets
                  1 and 0, boundary 1/2); for WGAN-GP the critic value f(x), with
                  level lines instead of a 1/2 line (only differences of f matter).
  dots            real samples x (green) and generated samples G(z) (purple).
  purple mesh     G's manifold: the image under G of a regular 21 x 21 grid of z
                  in [-2.5, 2.5]^2. Dense mesh = many samples; a mesh that folds
                  over itself maps different z to the same place.
  orange arrows   on each generated sample, -dL_G/dG(z): the gradient the
                  generator's loss hands back to that sample through D, computed
                  as exactly ``minigrad.grad(L_G, fake)`` with fake = G(z) made a
                  leaf. Their lengths span orders of magnitude over a run, so each
                  frame of a run without window draws them at its own scale (1, 2
                  or 5 x a power of ten, in the title and legend) that shows its
                  median arrow at a visible length (the legend says what a length
                  of 1 means), and the right column's median arrow shows how they
                  grow and shrink. In
                  the window (and with --arrow-scale) the scale stays fixed, so
                  arrows that shrink really shrink.
  right column    on the same shown samples after every refresh: L_D and L_G,
                  mean D(x) and D(G(z)), the median arrow length, and the modes
                  covered (ring, grid: a mode counts with 5 of the 500 samples
                  within 3 std of it) or the sliced W1 to the real samples.

The arrows are all that G ever learns from (docs/THEORY.md, 2.1 and 2.2): with
L_G = (1/n) sum_i l(logit(x_i)), dL_G/dx_i = (1/n) l'(logit_i) grad_x logit(x_i).
The direction is D's slope: the arrows point up D's map, across the D = 1/2
line towards where D says "real". The size is the loss's l': for the saturating
loss log(1 - D(G(z))), l' = -D(G(z)), which goes to 0 when D confidently
rejects the fakes, so the arrows vanish exactly when G is worst; for the
non-saturating -log D(G(z)), l' = -(1 - D(G(z))) goes to -1 instead. A G step
moves the samples along the arrows only as far as G's weights allow: all
samples move together, so the mesh can fold onto a few modes and hop from one
to the next as D's boundary chases it (mode collapse). The WGAN-GP critic is
no classifier that saturates at 0 and 1: its map is a slope whose level lines
keep their spacing, since the penalty holds |grad f| near 1, so the arrows
neither vanish nor blow up, even far from the data.

What to look at
---------------
* ``playground.png``: the last frame. The arrows point up D's slope towards the
  green side; the purple mesh shows where G puts its samples: stretched thin between
  the modes it covers, folded onto a few if it collapsed.
* ``playground.gif``: the run as a film (``frame_*.png`` are some of its frames):
  the samples leave the centre along the arrows, D's boundary wraps around the real
  modes, and the mesh spreads over them.
* ``metrics.json``: ``saturation_check`` measures why the saturating loss starves G:
  after 100 D steps alone, the same D hands back arrows about ten times shorter
  under log(1 - D(G(z))) than under -log D(G(z)); the WGAN-GP critic keeps |grad f|
  near 1.
* ``playground.npz``: the last frame as arrays (fake, arrows, z_grid_image, d_map on
  map_x x map_y): recompute any arrow with ``minigrad.grad`` and compare.

What the default run shows (seed 0, 2,000 iterations, the saturating minimax loss
of the textbook's Algorithm 13.1 and the parabola tutorial): G covers all 8 modes
of the ring from iteration 690 on, with 77% of its samples within 3 std of
a centre at the end; D's 1/2 line becomes a set of islands around the modes and
the mesh is pulled into a thin ring. D never becomes confident here (mean
D(G(z)) stays between 0.26 and 0.63), so the saturating loss does not starve G;
it does as soon as D wins (see below). The non-saturating loss collapses with
this seed (``--loss nonsaturating``): its samples gather in one fold that moves
as D's boundary chases it, with at most 1 mode covered at every record but one
(2 at iteration 1,980) and none at the end; with ``--seed 1`` (from iteration 350
on) or ``--n-critic 2`` (from 250 on) it covers all 8. Run a few seeds before
drawing conclusions. (Measured with ``--frames 2``: frames change nothing in the
training.)

Things to try in the window
---------------------------
* Press D step [d] twenty times: D(G(z)) falls and, under the minimax loss, the
  arrows shrink to nothing; switch the loss to nonsaturating: the same D now
  hands back long arrows. Press G step [g] and watch the samples follow them.
* ``--loss nonsaturating``: the mode collapse described above, live.
* ``--dataset lines``: the data are two segments with nothing between them. G
  is continuous, so its mesh cannot tear in two: a thin bridge of samples stays
  in the gap (about 2% of them with the default settings).
* ``--loss wgan-gp`` (3 critic steps per G step by default): compare the
  critic's evenly spaced level lines with the sharp D = 1/2 line of the classic GAN.
* Raise the D learning rate or the D steps per G step, and watch D win.

Controls (a window opens when there is a display and neither --frames nor --quick is given)
------------------------------------------------------------------------------------------
  play / pause [space]  train continuously (5 iterations per refresh)
  D step [d]            one discriminator step: G does not move, the arrows change with D
  G step [g]            one generator step: D does not move, the samples follow the arrows
  iteration [i]         one iteration of the textbook's Algorithm 13.1: k D steps, one G step
  reset [r]             new players from the seed: the same start every time
  data set, loss        radio buttons; a new data set starts afresh, a new loss keeps both
                        players (so its arrows are seen on the same D) and restarts the optimizers
  sliders               D steps per G step (k), the two learning rates (Adam), the arrow scale
Closing the window (or Ctrl-C in the terminal) writes playground.png, playground.npz and
metrics.json of the last state.

Without a display (or with ``--frames N``) the run trains ``--steps`` iterations
and writes N frames: PNG snapshots, an animated GIF and playground.npz.
``--quick`` is a short run for the tests. Ctrl-C stops after the current iteration and writes the
same files for the iterations done.

metrics.json
------------
  dataset, loss, map_kind  the data set, the loss family, and what D's map shows
  settings                 n_critic, learning rates, hidden sizes, batch size, gp_lambda, seed
  iterations, d_steps, g_steps   training done (iterations of Algorithm 13.1; D and G steps)
  iterations_planned       the iterations asked for (--steps; null in the window)
  final                    last measurements on the shown samples: d_loss, g_loss, d_real, d_fake
                           (means of D, or of f for WGAN-GP), arrow_median, modes, high_quality
                           (ring and grid, else null) and sliced_w1
  untrained                the same measurements before training
  sliced_w1_floor          sliced W1 between two real samples of the same size (what "perfect" scores)
  history                  every measurement at every record (one per 10 iterations)
  saturation_check         100 D steps alone from the start: mean D(G(z)), the median arrow under
                           the saturating and the non-saturating loss on that same D and their ratio;
                           and the median |grad f(G(z))| of a WGAN-GP critic trained the same way
                           (null when Ctrl-C stopped the run)
  frames                   snapshots in playground.gif (null in the window)
  arrow_scale              the drawn arrow is arrow_scale x (-dL_G/dG(z)) in playground.png
  interrupted, stopped_at  true and "iteration N of M" (in the window: the D and G steps done) when
                           Ctrl-C stopped the run
  seconds                  wall time of the training, the window and the measurements
"""
import argparse
import math
import os
import time
from pathlib import Path

import numpy as np

from demos import common
from demos.playground_controls import Controls
from demos.playground_state import DATASETS, LOSSES, N_SHOWN, PlaygroundState, Settings
from demos.playground_view import DEFAULT_ARROW_SCALE, PlaygroundView, frame_arrow_scale
from gan import interrupt
from gan.progress import ProgressBar
from gan.train import ConfigError

DEFAULT_ITERATIONS = 2000
DEFAULT_FRAMES = 20
QUICK_ITERATIONS = 300
QUICK_FRAMES = 3
RECORD_EVERY = 10            # iterations between two history records in a run without window
PNG_SNAPSHOTS = 3            # frames written as frame_NNNNN.png besides the last one (playground.png)
QUICK_PNG_SNAPSHOTS = 1
QUICK_NOTE = ("300 iterations only start to pull the samples out of the centre towards the ring; covering "
              "its 8 modes (from iteration 690 on) needs the 2,000 iterations of the default run.")
#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08
MEASURED_SECONDS = {"default": 14, "quick": 4}
SATURATION_D_STEPS = 100
WGAN_GP_N_CRITIC = 3         # the default k for WGAN-GP (its paper uses 5; 3 covers the ring here)
WATCH_MS = 100               # how often the window looks for a Ctrl-C


# ----------------------------------------------------------------------------- measurements

def saturation_check(settings, d_steps=SATURATION_D_STEPS):
    """Train only D for `d_steps` steps from the start (G fixed), then compare the arrows each
    generator loss hands back on that same D: the saturating loss's l' = -D(G(z)) vanishes when D is
    confident, the non-saturating loss's -(1 - D(G(z))) does not. The same for a WGAN-GP critic,
    whose arrows are grad f / n exactly (l' = -1): their median times n is the median |grad f(G(z))|.
    None if Ctrl-C (under the lesson runner) stopped it."""
    classic = PlaygroundState(settings, loss="minimax", n_critic=1)
    critic = PlaygroundState(settings, loss="wgan-gp", n_critic=1)
    for state in (classic, critic):
        for _ in range(d_steps):
            if interrupt.requested():
                return None
            state.trainer.discriminator_step()  # step_d without its history record
    fake, saturating = classic.arrows("minimax")
    _, nonsaturating = classic.arrows("nonsaturating")
    _, critic_arrows = critic.arrows()
    return {
        "d_steps": d_steps,
        "d_fake": float(classic.d_values(fake).mean()),
        "arrow_median_saturating": _median_length(saturating),
        "arrow_median_nonsaturating": _median_length(nonsaturating),
        "ratio_saturating_to_nonsaturating": _median_length(saturating) / _median_length(nonsaturating),
        "critic_gradient_norm_median": N_SHOWN * _median_length(critic_arrows),
    }


def _median_length(arrows):
    return float(np.median(np.linalg.norm(arrows, axis=1)))


def run_metrics(state, untrained, saturation, snapshots, arrow_scale, stopped, steps_planned, seconds):
    s = state.settings
    return {
        "dataset": s.dataset, "loss": s.loss, "map_kind": LOSSES[s.loss],
        "settings": {"n_critic": s.n_critic, "d_lr": s.d_lr, "g_lr": s.g_lr, "hidden": list(s.hidden),
                     "batch_size": s.batch_size, "gp_lambda": s.gp_lambda, "seed": s.seed},
        "iterations": state.iterations, "iterations_planned": steps_planned,
        "d_steps": state.d_steps, "g_steps": state.g_steps,
        "final": _without("updates", state.latest()), "untrained": _without("updates", untrained),
        "sliced_w1_floor": state.sliced_w1_floor,
        "history": state.history, "saturation_check": saturation,
        "frames": len(snapshots) if steps_planned is not None else None, "arrow_scale": arrow_scale,
        **stopped, "seconds": seconds,
    }


def _without(key, values):
    return {k: v for k, v in values.items() if k != key}


# ----------------------------------------------------------------------------- files

def save_frame_arrays(out, snap, arrow_scale):
    """playground.npz: the last frame as arrays (loadable with allow_pickle=False), written atomically."""
    path = Path(out) / "playground.npz"
    tmp = path.with_name("playground.tmp.npz")
    np.savez(tmp, real=snap.real, z=snap.z, fake=snap.fake, arrows=snap.arrows, z_grid=snap.z_grid,
             z_grid_image=snap.z_grid_image, map_x=snap.map_x, map_y=snap.map_y, d_map=snap.d_map,
             arrow_scale=np.float64(arrow_scale), dataset=np.str_(snap.dataset), loss=np.str_(snap.loss),
             map_kind=np.str_(snap.map_kind))
    os.replace(tmp, path)
    return path


def save_frames(out, snapshots, arrow_scale, png_snapshots, keep_open=False):
    """playground.gif (every snapshot), frame_NNNNN.png (png_snapshots of them), playground.png (the
    last). keep_open: leave the last frame's figure open in pyplot (for --show)."""
    plt = common.pyplot()
    view = PlaygroundView(plt, arrow_scale=arrow_scale)
    paths = [common.save_gif(view.fig, lambda i: view.draw(snapshots[i]), len(snapshots), out, "playground.gif",
                             fps=3)]
    picks = sorted(set(np.linspace(0, len(snapshots) - 1, png_snapshots + 1).round().astype(int)[:-1]))
    for index in picks:
        view.draw(snapshots[index])
        paths.append(common.save_figure(view.fig, out, f"frame_{int(snapshots[index].history['g_steps'][-1]):05d}.png"))
    view.draw(snapshots[-1])
    paths.append(common.save_figure(view.fig, out, "playground.png"))
    if not keep_open:
        plt.close(view.fig)
    return paths


def save_last_frame(out, snap, arrow_scale):
    """playground.png of one snapshot, drawn on a figure outside pyplot (so this also works after the
    window has closed, and opens nothing)."""
    view = PlaygroundView(None, arrow_scale=arrow_scale)
    view.draw(snap)
    return [common.save_figure(view.fig, out, "playground.png")]


# ----------------------------------------------------------------------------- the two ways to run

def train_frames(state, steps, n_frames):
    """Train `steps` iterations, recording the measurements every RECORD_EVERY iterations and taking
    n_frames snapshots. Ctrl-C under the lesson runner stops after the current iteration; the state
    reached is then the last snapshot. Returns (snapshots, iterations done)."""
    snapshots = [state.snapshot()]
    bar = ProgressBar(steps)
    done = 0
    for frame in range(1, n_frames + 1):
        end = steps * frame // n_frames
        while done < end and not interrupt.requested():
            record_at = min(done + RECORD_EVERY, end)
            while done < record_at and not interrupt.requested():
                state.iterate(1, record=False)
                done += 1
                latest = state.latest()
                bar.update(done, {"d_loss": latest["d_loss"], "g_loss": latest["g_loss"]})
            state.record()
        if interrupt.requested():
            break
        snapshots.append(state.snapshot())
    bar.close()
    if snapshots[-1].updates != state.updates:   # stopped between two frames: show where it got to
        snapshots.append(state.snapshot())
    return snapshots, done


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current step, also when run is called alone
def run(steps=DEFAULT_ITERATIONS, frames=DEFAULT_FRAMES, arrow_scale=None, png_snapshots=PNG_SNAPSHOTS,
        saturation_d_steps=SATURATION_D_STEPS, **settings):
    """Train the playground's GAN for `steps` iterations without a window, taking `frames` snapshots.

    settings: fields of demos.playground_state.Settings (dataset, loss, n_critic, d_lr, g_lr, seed,
    hidden, batch_size, ...); n_critic defaults to 3 for WGAN-GP, else 1. arrow_scale: the drawn
    arrow is this x (-dL_G/dG(z)) in every frame; None: each frame its own, so that its median arrow
    is visible (playground_view.frame_arrow_scale). Returns a Result with `metrics` (metrics.json),
    `snapshots` (the frames: demos.playground_state.Snapshot), `arrow_scale` and `png_snapshots`
    (frames also written as PNG). Ctrl-C under the lesson runner stops after the current iteration."""
    started = time.perf_counter()
    settings.setdefault("n_critic", WGAN_GP_N_CRITIC if settings.get("loss") == "wgan-gp" else 1)
    settings = Settings(**settings).validate()
    state = PlaygroundState(settings)
    untrained = state.latest()
    n_frames = min(frames, steps)
    print(f"playground: {settings.dataset}, {settings.loss} loss, {steps} iterations, {n_frames} frames")
    snapshots, done = train_frames(state, steps, n_frames)
    stopped = common.stop_state(done, steps, "iteration")
    saturation = None if stopped["interrupted"] else saturation_check(settings, saturation_d_steps)
    last_scale = arrow_scale or frame_arrow_scale(snapshots[-1])
    metrics = run_metrics(state, untrained, saturation, snapshots, last_scale, stopped, steps,
                          time.perf_counter() - started)
    return common.Result(metrics=metrics, snapshots=snapshots, arrow_scale=arrow_scale, png_snapshots=png_snapshots)


@interrupt.stop_on_ctrl_c()
def run_window(settings, arrow_scale=DEFAULT_ARROW_SCALE):
    """Open the window with its controls and wait until it closes (or Ctrl-C closes it). Returns a
    Result like run's, with the last state as the only snapshot (`window` True)."""
    started = time.perf_counter()
    plt = common.pyplot()
    for name, key in (("keymap.grid", "g"), ("keymap.home", "r")):  # these keys belong to the playground here
        plt.rcParams[name] = [k for k in plt.rcParams[name] if k != key]
    state = PlaygroundState(settings)
    untrained = state.latest()
    view = PlaygroundView(plt, figsize=(13.0, 8.6), bottom=0.24, arrow_scale=arrow_scale)
    controls = Controls(state, view)
    # Ctrl-C only sets a flag (gan.interrupt); this timer sees it and closes the window (it also
    # gives Python the moments it needs to run its signal handler while the window's loop runs)
    watch = view.fig.canvas.new_timer(interval=WATCH_MS)
    watch.add_callback(lambda: plt.close(view.fig) if interrupt.requested() else None)
    watch.start()
    print("the window is open; close it (or press Ctrl-C here) to write the last state's files")
    plt.show()
    watch.stop()
    controls.timer.stop()
    state = controls.state
    if interrupt.requested():
        stopped = {"interrupted": True, "stopped_at": f"{state.d_steps} D steps and {state.g_steps} G steps "
                                                      f"(the window was open)"}
    else:
        stopped = {"interrupted": False, "stopped_at": None}
    saturation = None if interrupt.requested() else saturation_check(state.settings)
    snapshots = [state.snapshot()]
    metrics = run_metrics(state, untrained, saturation, snapshots, view.arrow_scale, stopped, None,
                          time.perf_counter() - started)
    return common.Result(metrics=metrics, snapshots=snapshots, arrow_scale=view.arrow_scale, window=True)


def report(result, out, show=False):
    """Write the frames (playground.gif, frame_*.png; not after the window), playground.png,
    playground.npz and metrics.json to `out`; print the summary."""
    last = result.snapshots[-1]
    if getattr(result, "window", False):
        paths = save_last_frame(out, last, result.arrow_scale)
    else:
        paths = save_frames(out, result.snapshots, result.arrow_scale, result.png_snapshots, keep_open=show)
    paths.append(save_frame_arrays(out, last, result.metrics["arrow_scale"]))
    paths.append(common.write_metrics(out, result.metrics))
    print_summary(result.metrics)
    return paths


def has_display():
    """True when matplotlib picked an interactive backend (a window can open)."""
    import matplotlib
    backend = matplotlib.get_backend().lower()  # resolves matplotlib's automatic choice
    try:
        from matplotlib.backends import BackendFilter, backend_registry
        interactive = backend_registry.list_builtin(BackendFilter.INTERACTIVE)
    except ImportError:  # matplotlib before 3.9
        from matplotlib import rcsetup
        interactive = rcsetup.interactive_bk
    return backend in {name.lower() for name in interactive}


# ----------------------------------------------------------------------------- the lesson

def build_parser():
    parser = common.make_parser("playground", __doc__.splitlines()[0], default_steps=DEFAULT_ITERATIONS)
    parser.description = __doc__  # --help shows the lesson
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--dataset", choices=list(DATASETS), default="ring", help="the data (default ring)")
    parser.add_argument("--loss", choices=list(LOSSES), default="minimax",
                        help="the loss family (default minimax)")
    parser.add_argument("--n-critic", type=common.positive_int, default=None,
                        help=f"D steps per G step (default {WGAN_GP_N_CRITIC} for wgan-gp, else 1)")
    parser.add_argument("--d-lr", type=float, default=1e-3, help="D's Adam learning rate (default 1e-3)")
    parser.add_argument("--g-lr", type=float, default=1e-3, help="G's Adam learning rate (default 1e-3)")
    parser.add_argument("--arrow-scale", type=float, default=None,
                        help="drawn arrow = this x (-dL_G/dG(z)) in every frame (default: each frame its own, "
                             f"so that its arrows are visible; {DEFAULT_ARROW_SCALE:g} in the window)")
    parser.add_argument("--frames", type=common.positive_int, default=None,
                        help=f"no window: write N frames (default {DEFAULT_FRAMES}; {QUICK_FRAMES} with --quick)")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    for option in ("arrow_scale", "d_lr", "g_lr"):
        value = getattr(args, option)
        if value is not None and not (value > 0 and math.isfinite(value)):
            parser.error(f"--{option.replace('_', '-')} must be a positive number, got {value}")
    n_critic = args.n_critic or (WGAN_GP_N_CRITIC if args.loss == "wgan-gp" else 1)
    fields = dict(dataset=args.dataset, loss=args.loss, n_critic=n_critic, d_lr=args.d_lr, g_lr=args.g_lr,
                  seed=args.seed)
    try:
        settings = Settings(**fields).validate()
    except ConfigError as error:
        parser.error(str(error))
    window = args.frames is None and not args.quick and has_display()
    args.show = args.show or window  # common.setup keeps an interactive backend only with show
    if window:
        def experiment():
            return run_window(settings, args.arrow_scale or DEFAULT_ARROW_SCALE)
    else:
        steps = args.steps or (QUICK_ITERATIONS if args.quick else DEFAULT_ITERATIONS)
        frames = args.frames or (QUICK_FRAMES if args.quick else DEFAULT_FRAMES)

        def experiment():
            return run(steps, frames, args.arrow_scale, QUICK_PNG_SNAPSHOTS if args.quick else PNG_SNAPSHOTS,
                       **fields)
    return common.run_lesson(args, experiment, report)


def print_summary(results):
    final, check = results["final"], results["saturation_check"]
    centers = DATASETS[results["dataset"]].centers
    if centers is not None:
        modes = int(final["modes"])
        quality = (f"{modes} {'mode' if modes == 1 else 'modes'} of {len(centers)} covered, "
                   f"{final['high_quality']:.0%} of samples within 3 std")
    else:
        quality = f"sliced W1 to the data {final['sliced_w1']:.3f} (two real samples: {results['sliced_w1_floor']:.3f})"
    print(f"\nafter {results['iterations']} iterations ({results['d_steps']} D steps, {results['g_steps']} G steps):")
    print(f"  L_D {final['d_loss']:.3f}  L_G {final['g_loss']:.3f}  mean D(x) {final['d_real']:.3f}  "
          f"mean D(G(z)) {final['d_fake']:.3f}  median arrow {final['arrow_median']:.2e} "
          f"(drawn {results['arrow_scale']:g} x)")
    print(f"  {quality}")
    if check is None:
        print("saturation check: not run (Ctrl-C)")
        return
    print(f"saturation check ({check['d_steps']} D steps alone, mean D(G(z)) = {check['d_fake']:.3f}): median arrow "
          f"{check['arrow_median_saturating']:.2e} with log(1 - D(G(z))) vs {check['arrow_median_nonsaturating']:.2e} "
          f"with -log D(G(z)) (ratio {check['ratio_saturating_to_nonsaturating']:.3f}); "
          f"WGAN-GP critic: median |grad f(G(z))| = {check['critic_gradient_norm_median']:.2f}")
