"""What every lesson shares (demos/common.py): --help prints the lesson, a run ends with what to look
at next to each file it wrote, --show without a display says so, an unwritable --out is refused
clearly, and newcomer-facing text names its sources in words."""
import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demos import DEMOS, common

REPO = Path(__file__).resolve().parents[1]


def lesson(name):
    import importlib
    return importlib.import_module(f"demos.{name}")


@pytest.mark.parametrize("name", DEMOS)
def test_every_lesson_has_a_what_to_look_at_section_in_the_agreed_format(name):
    text = common.lesson_text(name)
    lines = text.splitlines()
    assert "What to look at" in lines, f"{name}: no 'What to look at' heading line"
    start = lines.index("What to look at")
    assert lines[start + 1] == "-" * 15, f"{name}: the heading must be underlined with 15 dashes"
    bullets = common.what_to_look_at(text)
    assert 3 <= len(bullets) <= 5, f"{name}: {len(bullets)} bullets, want 3-5"
    raw = [line for line in lines[start + 2:] if line.startswith("* ")]
    assert len(raw) >= len(bullets)
    for filename, explanation in bullets:
        assert re.fullmatch(r"[\w/]+\.(png|gif|txt|dot|json|npy|npz)", filename), f"{name}: {filename!r}"
        assert len(explanation) > 10 and explanation.endswith("."), f"{name}: {filename}: {explanation!r}"


def test_the_section_parser_reads_bullets_and_stops_at_the_next_paragraph():
    text = ("Title.\n\nWhat to look at\n---------------\n* ``a.png``: first line\n  goes on.\n"
            "* ``b/c_NNN.png``: second.\n\nNext paragraph\n* ``not_this.png``: no.\n")
    assert common.what_to_look_at(text) == [("a.png", "first line goes on."), ("b/c_NNN.png", "second.")]
    assert common.what_to_look_at("What to look at:\n\n* ``a.png``: old style.\n") == []


@pytest.mark.parametrize("name", DEMOS)
def test_help_prints_the_whole_lesson(name, capsys):
    with pytest.raises(SystemExit) as caught:
        lesson(name).main(["--help"])
    assert caught.value.code == 0
    shown = capsys.readouterr().out
    doc_lines = [line for line in common.lesson_text(name).splitlines() if line.strip()]
    assert len(doc_lines) > 20
    for line in doc_lines:  # printed as written: RawDescriptionHelpFormatter keeps the layout
        assert line in shown, f"{name} --help lacks the lesson line {line!r}"
    assert "--quick" in shown and "--out" in shown


def fake_run(tmp_path, name, show=False):
    out = tmp_path / name
    args = argparse.Namespace(out=out, show=show, lesson=name)
    common.setup(args)
    paths = []
    for filename, _ in common.what_to_look_at(common.lesson_text(name)):
        top = out / filename.split("/")[0]
        if "/" in filename:
            top.mkdir(exist_ok=True)
        else:
            top.write_text("x")
        if top not in paths:
            paths.append(top)
    (out / "metrics.json").write_text("{}")
    return args, paths + ([out / "metrics.json"] if out / "metrics.json" not in paths else [])


@pytest.mark.parametrize("name", DEMOS)
def test_a_run_ends_with_what_to_look_at_next_to_each_file(name, tmp_path, capsys):
    args, paths = fake_run(tmp_path, name)
    common.finish(args, paths, time.perf_counter())
    printed = capsys.readouterr().out
    flat = " ".join(printed.split())
    for filename, explanation in common.what_to_look_at(common.lesson_text(name)):
        path = str(args.out / filename.split("/")[0])
        assert f"  {path}\n" in printed
        after = " ".join(printed.split(f"  {path}\n", 1)[1].split())
        assert after.startswith(" ".join(explanation.split())), f"{name}: no note under {path}"
    assert " ".join(str(p) for p in paths[-1:]) in flat


def test_show_without_a_display_says_where_the_figures_are(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    shown = []
    monkeypatch.setattr(common, "pyplot", lambda: argparse.Namespace(show=lambda: shown.append(1)))
    args, paths = fake_run(tmp_path, "backprop", show=True)
    common.finish(args, paths, time.perf_counter())
    assert f"no display; figures are in {args.out}" in capsys.readouterr().out
    assert shown == []


def test_display_detection(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert common.display_available()
    monkeypatch.setenv("MPLBACKEND", "Agg")  # a backend that only writes files cannot show either
    assert not common.display_available()
    monkeypatch.delenv("MPLBACKEND")
    monkeypatch.delenv("DISPLAY")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not common.display_available()


@pytest.mark.parametrize("name", DEMOS)
def test_unwritable_out_is_refused_before_any_work(name, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    with pytest.raises(SystemExit) as caught:
        lesson(name).main(["--quick", "--out", str(blocker / "sub")])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert f"cannot write to the output folder {blocker / 'sub'}" in err and "--out" in err


def test_unwritable_out_from_the_command_line_has_no_traceback(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    result = subprocess.run([sys.executable, "-m", "demos", "curves", "--out", str(blocker / "sub")], cwd=REPO,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "cannot write to the output folder" in result.stderr


# ----------------------------------------------------------------------------- sources in words

#: how the numbered source notes ("seed 004") leak into newcomer-facing text; THEORY.md explains the numbers
NUMBERED_SOURCE = re.compile(r"\bseeds? 0\d\d\b|\bseed's\b|\bseed (?:tutorial|document|notes?)\b", re.IGNORECASE)


def newcomer_facing_files():
    """README, every lesson (its docstring is --help, its strings are titles and printed output) and
    every gan module (its docstrings are what help() shows)."""
    return [REPO / "README.md", *sorted((REPO / "demos").glob("*.py")), *sorted((REPO / "gan").glob("*.py"))]


def test_sources_are_named_in_words_where_a_newcomer_reads():
    found = []
    for path in newcomer_facing_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if NUMBERED_SOURCE.search(line):
                found.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not found, "say the source in words (e.g. 'the parabola tutorial'):\n" + "\n".join(found)


def test_the_pattern_catches_what_it_should():
    for text in ("the seed 004 parabola GAN", "Algorithm 13.1 of seed 003", "seed 004 sizes", "seeds 002/003",
                 "the seed's exact settings", "the seed tutorial"):
        assert NUMBERED_SOURCE.search(text), text
    for text in ("--seed 1", "with seed 4 it stayed there", "seeds 0-2", "np.random.default_rng(seed)"):
        assert not NUMBERED_SOURCE.search(text), text


@pytest.mark.parametrize("name", ["digits", "dcgan", "vae_vs_gan"])
def test_a_data_folder_without_mnist_names_the_command_line_option(name, tmp_path, capsys):
    """The digit lessons: an empty --data folder stops with exit 2 and a message that speaks to the
    command line (--data DIR, the IDX file it looked for), not to the Python API."""
    import importlib
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit) as stop:
        importlib.import_module(f"demos.{name}").main(["--quick", "--data", str(empty), "--out", str(tmp_path / "out")])
    assert stop.value.code == 2
    message = capsys.readouterr().err
    assert "--data DIR" in message and "train-images-idx3-ubyte" in message
    assert "load_mnist" not in message and "mlxtend" not in message and "Traceback" not in message
