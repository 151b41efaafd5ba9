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
                  leaf. They are drawn at a fixed scale (in the title), the same in
                  every frame, so arrows that shrink really shrink.
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
of the ring from iteration 690 on, with 76% of its samples within 3 std of
a centre at the end; D's 1/2 line becomes a set of islands around the modes and
the mesh is pulled into a thin ring. D never becomes confident here (mean
D(G(z)) stays between 0.26 and 0.63), so the saturating loss does not starve G;
it does as soon as D wins (see below). The non-saturating loss collapses with
this seed (``--loss nonsaturating``): its samples gather in one fold that moves
as D's boundary chases it, with at most 1 mode covered for the first 1,840
iterations and 2 at the end; with ``--seed 1`` or ``--n-critic 2`` it covers all
8. Run a few seeds before drawing conclusions.

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
Closing the window writes playground.png, playground.npz and metrics.json of the last state.

Without a display (or with ``--frames N``) the run trains ``--steps`` iterations
and writes N frames: PNG snapshots, an animated GIF and playground.npz.
``--quick`` is a short run for the tests.

metrics.json
------------
  dataset, loss, map_kind  the data set, the loss family, and what D's map shows
  settings                 n_critic, learning rates, hidden sizes, batch size, gp_lambda, seed
  iterations, d_steps, g_steps   training done (iterations of Algorithm 13.1; D and G steps)
  final                    last measurements on the shown samples: d_loss, g_loss, d_real, d_fake
                           (means of D, or of f for WGAN-GP), arrow_median, modes, high_quality
                           (ring and grid, else null) and sliced_w1
  untrained                the same measurements before training
  sliced_w1_floor          sliced W1 between two real samples of the same size (what "perfect" scores)
  history                  every measurement at every record (one per 10 iterations)
  saturation_check         100 D steps alone from the start: mean D(G(z)), the median arrow under
                           the saturating and the non-saturating loss on that same D and their ratio;
                           and the median |grad f(G(z))| of a WGAN-GP critic trained the same way
  frames, interrupted, seconds
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
from demos.playground_view import DEFAULT_ARROW_SCALE, PlaygroundView
from gan.progress import ProgressBar
from gan.train import ConfigError

DEFAULT_ITERATIONS = 2000
DEFAULT_FRAMES = 20
QUICK_ITERATIONS = 300
QUICK_FRAMES = 3
RECORD_EVERY = 10            # iterations between two history records in a run without window
PNG_SNAPSHOTS = 3            # frames written as frame_NNNNN.png besides the last one (playground.png)
QUICK_PNG_SNAPSHOTS = 1
SATURATION_D_STEPS = 100
WGAN_GP_N_CRITIC = 3         # the default k for WGAN-GP (its paper uses 5; 3 covers the ring here)


# ----------------------------------------------------------------------------- measurements

def saturation_check(settings, d_steps=SATURATION_D_STEPS):
    """Train only D for `d_steps` steps from the start (G fixed), then compare the arrows each
    generator loss hands back on that same D: the saturating loss's l' = -D(G(z)) vanishes when D is
    confident, the non-saturating loss's -(1 - D(G(z))) does not. The same for a WGAN-GP critic,
    whose arrows are grad f / n exactly (l' = -1): their median times n is the median |grad f(G(z))|."""
    classic = PlaygroundState(settings, loss="minimax", n_critic=1)
    critic = PlaygroundState(settings, loss="wgan-gp", n_critic=1)
    for state in (classic, critic):
        for _ in range(d_steps):
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


def run_metrics(state, untrained, saturation, frames, interrupted, seconds):
    s = state.settings
    return {
        "dataset": s.dataset, "loss": s.loss, "map_kind": LOSSES[s.loss],
        "settings": {"n_critic": s.n_critic, "d_lr": s.d_lr, "g_lr": s.g_lr, "hidden": list(s.hidden),
                     "batch_size": s.batch_size, "gp_lambda": s.gp_lambda, "seed": s.seed},
        "iterations": state.iterations, "d_steps": state.d_steps, "g_steps": state.g_steps,
        "final": _without("updates", state.latest()), "untrained": _without("updates", untrained),
        "sliced_w1_floor": state.sliced_w1_floor,
        "history": state.history, "saturation_check": saturation,
        "frames": frames, "interrupted": interrupted, "seconds": seconds,
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


def save_last_state(state, out, arrow_scale):
    """playground.png and playground.npz of the current state (a figure outside pyplot, so this also
    works after the window has closed)."""
    snap = state.snapshot()
    view = PlaygroundView(None, arrow_scale=arrow_scale)
    view.draw(snap)
    return [common.save_figure(view.fig, out, "playground.png"), save_frame_arrays(out, snap, arrow_scale)]


# ----------------------------------------------------------------------------- the two ways to run

def run_frames(state, steps, n_frames, out, arrow_scale, png_snapshots=PNG_SNAPSHOTS, keep_open=False):
    """Train `steps` iterations, taking n_frames snapshots; write the GIF, PNG snapshots and npz.
    Ctrl-C stops training and still writes the frames taken so far. Returns (paths, frames, interrupted).
    keep_open: leave the last frame's figure open (for --show)."""
    plt = common.pyplot()
    snapshots = [state.snapshot()]
    bar = ProgressBar(steps)
    done, interrupted = 0, False
    try:
        for frame in range(1, n_frames + 1):
            end = steps * frame // n_frames
            while done < end:
                chunk = min(RECORD_EVERY, end - done)
                state.iterate(chunk)
                done += chunk
                latest = state.latest()
                bar.update(done, {"d_loss": latest["d_loss"], "g_loss": latest["g_loss"]})
            snapshots.append(state.snapshot())
    except KeyboardInterrupt:
        interrupted = True
        print(f"\ninterrupted after {done} iterations: writing the {len(snapshots)} frames taken so far")
    finally:
        bar.close()

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
    paths.append(save_frame_arrays(out, snapshots[-1], arrow_scale))
    return paths, len(snapshots), interrupted


def run_window(state, out, arrow_scale):
    """Open the window with its controls; when it closes, write the last state's files."""
    plt = common.pyplot()
    for name, key in (("keymap.grid", "g"), ("keymap.home", "r")):  # these keys belong to the playground here
        plt.rcParams[name] = [k for k in plt.rcParams[name] if k != key]
    view = PlaygroundView(plt, figsize=(13.0, 8.6), bottom=0.24, arrow_scale=arrow_scale)
    controls = Controls(state, view)
    print("the window is open; close it to write the last state's files")
    try:
        plt.show()
    except KeyboardInterrupt:
        print("\ninterrupted: writing the last state's files")
    controls.timer.stop()
    return save_last_state(state, out, view.arrow_scale)


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
    parser.add_argument("--n-critic", type=common._positive_int, default=None,
                        help=f"D steps per G step (default {WGAN_GP_N_CRITIC} for wgan-gp, else 1)")
    parser.add_argument("--d-lr", type=float, default=1e-3, help="D's Adam learning rate (default 1e-3)")
    parser.add_argument("--g-lr", type=float, default=1e-3, help="G's Adam learning rate (default 1e-3)")
    parser.add_argument("--arrow-scale", type=float, default=DEFAULT_ARROW_SCALE,
                        help=f"drawn arrow = this x (-dL_G/dG(z)) (default {DEFAULT_ARROW_SCALE:g})")
    parser.add_argument("--frames", type=common._positive_int, default=None,
                        help=f"no window: write N frames (default {DEFAULT_FRAMES}; {QUICK_FRAMES} with --quick)")
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    started = time.perf_counter()
    for option in ("arrow_scale", "d_lr", "g_lr"):
        value = getattr(args, option)
        if not (value > 0 and math.isfinite(value)):
            parser.error(f"--{option.replace('_', '-')} must be a positive number, got {value}")
    n_critic = args.n_critic or (WGAN_GP_N_CRITIC if args.loss == "wgan-gp" else 1)
    try:
        settings = Settings(dataset=args.dataset, loss=args.loss, n_critic=n_critic, d_lr=args.d_lr, g_lr=args.g_lr,
                            seed=args.seed).validate()
    except ConfigError as error:
        parser.error(str(error))
    window = args.frames is None and not args.quick and has_display()
    args.show = args.show or window  # common.setup keeps an interactive backend only with show
    out = common.setup(args)
    state = PlaygroundState(settings)
    untrained = state.latest()

    if window:
        paths, frames, interrupted = run_window(state, out, args.arrow_scale), None, False
    else:
        steps = args.steps or (QUICK_ITERATIONS if args.quick else DEFAULT_ITERATIONS)
        n_frames = min(args.frames or (QUICK_FRAMES if args.quick else DEFAULT_FRAMES), steps)
        print(f"playground: {settings.dataset}, {settings.loss} loss, {steps} iterations, {n_frames} frames")
        paths, frames, interrupted = run_frames(state, steps, n_frames, out, args.arrow_scale,
                                                QUICK_PNG_SNAPSHOTS if args.quick else PNG_SNAPSHOTS, args.show)
    saturation = saturation_check(settings)
    results = run_metrics(state, untrained, saturation, frames, interrupted, time.perf_counter() - started)
    paths.append(common.write_metrics(out, results))
    print_summary(results)
    common.finish(args, paths, started)
    return results


def print_summary(results):
    final, check = results["final"], results["saturation_check"]
    quality = (f"modes covered {final['modes']:.0f} of {len(DATASETS[results['dataset']].centers)}, "
               f"{final['high_quality']:.0%} of samples within 3 std"
               if DATASETS[results["dataset"]].centers is not None else
               f"sliced W1 to the data {final['sliced_w1']:.3f} (two real samples: {results['sliced_w1_floor']:.3f})")
    print(f"\nafter {results['iterations']} iterations ({results['d_steps']} D steps, {results['g_steps']} G steps):")
    print(f"  L_D {final['d_loss']:.3f}  L_G {final['g_loss']:.3f}  mean D(x) {final['d_real']:.3f}  "
          f"mean D(G(z)) {final['d_fake']:.3f}  median arrow {final['arrow_median']:.2e}")
    print(f"  {quality}")
    print(f"saturation check ({check['d_steps']} D steps alone, mean D(G(z)) = {check['d_fake']:.3f}): median arrow "
          f"{check['arrow_median_saturating']:.2e} with log(1 - D(G(z))) vs {check['arrow_median_nonsaturating']:.2e} "
          f"with -log D(G(z)) (ratio {check['ratio_saturating_to_nonsaturating']:.3f}); "
          f"WGAN-GP critic: median |grad f(G(z))| = {check['critic_gradient_norm_median']:.2f}")
