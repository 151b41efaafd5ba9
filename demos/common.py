"""What every lesson shares: the command line, the output folder, figures, metrics.json, GIFs."""
import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np


def make_parser(name, description, default_steps=None):
    """The common options: --quick, --steps N, --seed S, --out DIR (default runs/NAME/), --show."""
    parser = argparse.ArgumentParser(prog=f"python -m demos {name}", description=description)
    parser.add_argument("--quick", action="store_true", help="a short setting (used by the tests)")
    parser.add_argument("--steps", type=_positive_int, default=None,
                        help=f"training iterations (default {default_steps})" if default_steps else "training iterations")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=Path("runs") / name, help=f"output folder (default runs/{name}/)")
    parser.add_argument("--show", action="store_true", help="also open the figures in a window")
    return parser


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def setup(args):
    """Create the output folder and pick matplotlib's backend (non-interactive unless --show)."""
    import matplotlib
    if not args.show:
        matplotlib.use("Agg")
    args.out.mkdir(parents=True, exist_ok=True)
    return args.out


def pyplot():
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, out, filename):
    path = Path(out) / filename
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.floating, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value


def write_metrics(out, metrics):
    """metrics.json (non-finite numbers become null), written atomically."""
    path = Path(out) / "metrics.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(_jsonable(metrics), indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)
    return path


def save_samples(out, samples, filename="samples.npy"):
    path = Path(out) / filename
    np.save(path, np.asarray(samples, dtype=np.float32))
    return path


def save_gif(fig, draw_frame, n_frames, out, filename, fps=4):
    """An animated GIF through matplotlib's Pillow writer: draw_frame(i) redraws `fig` for frame i."""
    from matplotlib.animation import FuncAnimation, PillowWriter
    animation = FuncAnimation(fig, draw_frame, frames=n_frames, blit=False)
    path = Path(out) / filename
    animation.save(path, writer=PillowWriter(fps=fps))
    return path


def finish(args, paths, started):
    """Print where the outputs are (and show the figures with --show)."""
    print(f"\ndone in {time.perf_counter() - started:.1f} s; outputs in {args.out}/:")
    for path in paths:
        print(f"  {path}")
    if args.show:
        pyplot().show()
