"""What every lesson shares: the runner, the command line, the output folder, figures, metrics.json,
GIFs, and the lesson text itself.

A lesson is two functions and a shell (demos/curves.py is the model):

    run(steps=..., seed=..., ...) -> Result     the experiment: training and measurements; returns
                                                result.metrics (what metrics.json gets) and the
                                                arrays its figures draw. A notebook can call it.
    report(result, out, show=False) -> [paths]  the figures (PNG), metrics.json and the printed summary
    main(argv)                                  parses the command line, then
                                                run_lesson(args, lambda: run(...), report)

`run_lesson` shows progress (the Trainer's bar), and turns the first Ctrl-C into "stop after this
iteration" (gan/interrupt.py): run returns what was done, with metrics["interrupted"] = True and
metrics["stopped_at"] (e.g. "iteration 2926 of 10000"), report writes its figures and metrics.json
from it, one line says so, and the process exits with status 130. A second Ctrl-C stops at once.

A lesson's module docstring is the lesson: `--help` prints it, and every run ends by printing, next
to the path of each file it wrote, the bullet of the docstring's "What to look at" section about
that file. The section is written exactly like this (3-5 bullets, continuation lines indented):

    What to look at
    ---------------
    * ``figure_name.png``: one or two sentences on what to see in it and why.
"""
import argparse
import importlib
import inspect
import json
import math
import os
import re
import sys
import textwrap
import time
import types
from pathlib import Path

import numpy as np

from gan import interrupt
from minigrad.serialization import check_can_save

WHAT_TO_LOOK_AT = "What to look at"
_BULLET = re.compile(r"\* ``([^`]+)``: (.*)")
#: matplotlib backends that only write files: with these, --show cannot open a window
_FILE_ONLY_BACKENDS = ("agg", "cairo", "pdf", "pgf", "ps", "svg", "template")


class Result(types.SimpleNamespace):
    """What a lesson's `run` returns: `metrics` (the dict metrics.json gets) and, as attributes, the
    arrays its figures draw (samples, snapshots, histories)."""


def stop_state(done, planned, what="iteration"):
    """The interruption fields of a lesson's metrics after a training loop that reached `done` of
    `planned` steps: {"interrupted": ..., "stopped_at": "iteration 812 of 2000" or None}."""
    stopped = interrupt.requested() and done < planned
    return {"interrupted": bool(stopped), "stopped_at": f"{what} {done} of {planned}" if stopped else None}


def run_lesson(args, experiment, report):
    """The shell of every lesson: set up the output folder, run the experiment with Ctrl-C as "stop
    after this iteration", report (figures, metrics.json, summary), then exit 130 if it was
    stopped. Returns the Result."""
    started = time.perf_counter()
    setup(args)
    lesson = getattr(args, "lesson", "lesson")
    try:
        with interrupt.stop_on_ctrl_c():
            result = experiment()
            if interrupt.requested() and not result.metrics.get("interrupted"):
                result.metrics.update(interrupted=True, stopped_at=result.metrics.get("stopped_at") or
                                      "the end of the training (Ctrl-C came during the measurements)")
            stopped_during_report = False
            paths = report(result, args.out, show=args.show)
            stopped_during_report = interrupt.requested() and not result.metrics.get("interrupted")
    except KeyboardInterrupt:
        print(f"\n{lesson}: stopped at once (second Ctrl-C); {args.out}/ may hold only part of the outputs",
              file=sys.stderr)
        raise SystemExit(130) from None
    finish(args, paths, started)
    if result.metrics.get("interrupted"):
        print(f"\n{lesson}: interrupted (Ctrl-C) at {result.metrics['stopped_at']}: the figures and "
              f"metrics.json in {args.out}/ show the work up to there", file=sys.stderr)
        raise SystemExit(130)
    if stopped_during_report:
        print(f"\n{lesson}: interrupted (Ctrl-C) while writing the outputs; the run had finished, and "
              f"every file in {args.out}/ was written", file=sys.stderr)
        raise SystemExit(130)
    quick_note(args)
    return result


def quick_note(args):
    """After a --quick run whose pictures cannot show the lesson's claim yet: say so, with the time
    of the default run (the lesson module's QUICK_NOTE and MEASURED_SECONDS)."""
    module = importlib.import_module(f"demos.{args.lesson}")
    note = getattr(module, "QUICK_NOTE", None)
    if args.quick and note:
        default = getattr(module, "MEASURED_SECONDS", {}).get("default")
        took = f" (about {format_seconds(default)} on 2 cores)" if default else ""
        print(textwrap.fill(f"--quick: {note} The default run{took}: python -m demos {args.lesson}",
                            width=100))


def format_seconds(seconds):
    """90 -> '1.5 min', 40 -> '40 s'."""
    return f"{seconds / 60:.1f} min".replace(".0 min", " min") if seconds >= 90 else f"{seconds:.0f} s"


def save_figures(out, figures, show=False):
    """Save [(file name, figure)] as PNGs in `out`; close each unless `show` (a window will show
    them). Returns the paths."""
    paths = []
    for name, figure in figures:
        paths.append(save_figure(figure, out, name))
        if not show:
            pyplot().close(figure)
    return paths


def lesson_text(name):
    """The docstring of lesson `name` (demos.NAME), dedented: the text --help prints."""
    return inspect.cleandoc(importlib.import_module(f"demos.{name}").__doc__ or "")


def what_to_look_at(text):
    """[(file name, explanation)] from the "What to look at" section of a lesson text (see above);
    [] if the text has no such section. Explanations are joined into one line each."""
    lines = text.splitlines()
    for start in range(len(lines) - 1):
        if lines[start] == WHAT_TO_LOOK_AT and lines[start + 1] == "-" * len(WHAT_TO_LOOK_AT):
            break
    else:
        return []
    bullets, index = [], start + 2
    while index < len(lines) and not lines[index].strip():
        index += 1
    for line in lines[index:]:
        if line.startswith("* "):
            bullets.append(line)
        elif line.startswith((" ", "\t")) and line.strip() and bullets:
            bullets[-1] += " " + line.strip()
        else:
            break  # a blank line or an unindented line ends the section
    return [(m.group(1), m.group(2).strip()) for m in map(_BULLET.fullmatch, bullets) if m]


def make_parser(name, description, default_steps=None):
    """The common options: --quick, --steps N, --seed S, --out DIR (default runs/NAME/), --show.
    --help prints the whole lesson (the module docstring of demos.NAME), then the options."""
    parser = argparse.ArgumentParser(prog=f"python -m demos {name}", description=lesson_text(name) or description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.set_defaults(lesson=name)
    parser.add_argument("--quick", action="store_true", help="a short setting (used by the tests)")
    parser.add_argument("--steps", type=positive_int, default=None,
                        help=f"training iterations (default {default_steps})" if default_steps else "training iterations")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", type=Path, default=Path("runs") / name, help=f"output folder (default runs/{name}/)")
    parser.add_argument("--show", action="store_true",
                        help="also open the figures in a window (where there is a display)")
    return parser


def positive_int(text):
    """argparse type: an int >= 1 (a clear message otherwise)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def setup(args):
    """Create the output folder and pick matplotlib's backend (non-interactive unless --show).

    An output folder that cannot be written ends the run here, before any work, with a message on
    stderr and exit code 2. --show without a display is turned off (finish says so)."""
    import matplotlib
    if args.show and not display_available():
        args.show, args.no_display = False, True
    if not args.show:
        matplotlib.use("Agg")
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        check_can_save(args.out / "metrics.json")
    except OSError as error:
        reason = error.strerror or str(error)
        print(f"python -m demos {getattr(args, 'lesson', '')}: cannot write to the output folder {args.out} "
              f"({reason}); choose another with --out DIR", file=sys.stderr)
        raise SystemExit(2) from None
    return args.out


def display_available():
    """False where a figure window cannot open: Linux/BSD without X11 or Wayland, or a matplotlib
    backend (MPLBACKEND) that only writes files."""
    if os.environ.get("MPLBACKEND", "").lower() in _FILE_ONLY_BACKENDS:
        return False
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


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


#: the digit judge's figures as the lessons print them: (label, key in DigitJudge.score, format)
JUDGE_ROWS = (("digits covered (of 10)", "classes_covered", "d"),
              ("classifier score (1..10)", "classifier_score", ".2f"),
              ("confidently named share", "confident_share", ".2f"),
              ("Frechet distance", "frechet_distance", ".2f"),
              ("sharpness (|Laplacian|)", "sharpness", ".3f"),
              ("precision (quality)", "precision", ".2f"),
              ("recall (coverage)", "recall", ".2f"))


def judge_table(columns):
    """The judge's figures of several image sets side by side: columns = {heading: score dict}."""
    width = max(12, *(len(name) + 2 for name in columns))
    lines = [f"{'':<26}" + "".join(f"{name:>{width}}" for name in columns)]
    for label, key, fmt in JUDGE_ROWS:
        lines.append(f"{label:<26}" + "".join(f"{'-':>{width}}" if scores.get(key) is None else
                                              f"{scores[key]:>{width}{fmt}}" for scores in columns.values()))
    return "\n".join(lines)


def finish(args, paths, started):
    """Print where the outputs are, each with what to look at in it (from the lesson text), and show
    the figures with --show (or say that there is no display)."""
    notes = what_to_look_at(lesson_text(args.lesson)) if getattr(args, "lesson", None) else []
    print(f"\ndone in {time.perf_counter() - started:.1f} s; outputs in {args.out}/ "
          f"(what to look at, from the lesson text: python -m demos {getattr(args, 'lesson', 'NAME')} --help):")
    for path in paths:
        print(f"  {path}")
        note = _note_for(path, args.out, notes)
        if note:
            print(textwrap.fill(note, width=100, initial_indent=" " * 6, subsequent_indent=" " * 6))
    if getattr(args, "no_display", False):
        print(f"--show: no display; figures are in {args.out}/")
    elif args.show:
        pyplot().show()


def _note_for(path, out, notes):
    """The explanation of the bullet about `path` (a file, or a folder holding the bullet's files)."""
    relative = Path(os.path.relpath(path, out)).as_posix()
    for name, text in notes:
        if name == relative or name.startswith(relative + "/"):
            return text
    return None
