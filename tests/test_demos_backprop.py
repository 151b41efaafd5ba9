"""The backprop lesson: the hand-computed worked example agrees with minigrad, and the graph is exported;
`run` is the experiment a notebook calls."""
import contextlib
import io
import re

import pytest

from conftest import assert_look_at_files_written, ctrl_c_at
from demos import DEMOS, backprop, common

from conftest import assert_figure_shows_data, assert_metrics_json_matches


@pytest.fixture(scope="module")
def backprop_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("backprop")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        metrics = backprop.main(["--quick", "--out", str(out)]).metrics
    (out.parent / "backprop_stdout.txt").write_text(printed.getvalue())  # what the student saw
    return out, metrics


def test_backprop_outputs(backprop_run):
    out, metrics = backprop_run
    assert_figure_shows_data(out / "gradient_norms.png")
    saved = assert_metrics_json_matches(out, metrics)
    for key in ("worked_example", "max_abs_diff_hand_vs_engine", "real_g_grad_norms", "real_d_grad_norms",
                "real_fake_grad_norm_mean", "d_params_unchanged", "graph_png", "real_pretrain_steps",
                "interrupted", "stopped_at", "seconds"):
        assert key in saved, key
    assert saved["real_pretrain_steps"] == backprop.REAL_D_PRETRAIN_STEPS and saved["interrupted"] is False
    assert (out / "graph.png").exists() == saved["graph_png"]
    # the worked example file names every number of the example, and says how many agree
    text = (out / "worked_example.txt").read_text()
    for name in saved["worked_example"]:
        assert name in text, name
    assert f"all {len(saved['worked_example'])} numbers agree" in text


def test_hand_and_engine_agree(backprop_run):
    out, m = backprop_run
    assert m["max_abs_diff_hand_vs_engine"] < 1e-6
    example = m["worked_example"]
    assert len(example) >= 20
    assert example["dL/dl = D(G(z)) - 1"] == [example["D(G(z)) = sigmoid(l)"][0] - 1.0]
    text = (out / "worked_example.txt").read_text()
    assert "dL/dx" in text and "D hands this to G" in text


def test_run_returns_the_metrics_a_notebook_can_plot():
    """demos.backprop.run without files: the worked example's text and graph, and the real-sized
    reports the metrics and gradient_norms.png are made from."""
    result = backprop.run(seed=1, pretrain_steps=5)
    m = result.metrics
    assert m["max_abs_diff_hand_vs_engine"] < 1e-10 and m["real_pretrain_steps"] == 5 and m["interrupted"] is False
    assert "graph_png" not in m   # report adds it: it depends on Graphviz, not on the experiment
    assert result.dot.startswith("digraph") and "all 22 numbers agree" in result.text
    for loss, report in result.reports.items():
        assert m["real_g_grad_norms"][loss] == dict(report.g_grad_norms)
        assert m["real_d_fake"][loss] == report.d_fake
    plt = pytest.importorskip("matplotlib.pyplot")
    figure = backprop.figure_gradient_norms(plt, result)
    g_axes, d_axes = figure.axes
    # G's norms differ by hundreds of times (log scale); D's are within a few times of each other and
    # drawn on a linear scale from 0, so that no bar looks like zero
    assert g_axes.get_yscale() == "log" and d_axes.get_yscale() == "linear" and d_axes.get_ylim()[0] == 0
    heights = [bar.get_height() for bar in d_axes.patches]
    assert heights == pytest.approx(list(m["real_d_grad_norms"]["minimax"].values()))
    plt.close(figure)


def test_ctrl_c_during_the_pretraining_still_reports(monkeypatch):
    with ctrl_c_at(monkeypatch, backprop, 3):
        result = backprop.run(pretrain_steps=10)
    m = result.metrics
    assert m["interrupted"] is True and m["stopped_at"] == "D pretraining step 3 of 10"
    assert m["real_pretrain_steps"] == 3 and "D trained alone for 3 steps (of 10: Ctrl-C)" in result.text
    assert set(m["real_g_grad_norms"]) == {"minimax", "nonsaturating"}


def test_generator_step_moves_g_not_d(backprop_run):
    _, m = backprop_run
    assert m["d_params_unchanged"] is True
    assert m["d_fake_after_step"] > m["d_fake_before_step"]  # G's step fooled D a little more


def test_real_sized_report_shows_saturation(backprop_run):
    _, m = backprop_run
    g_sat, g_ns = m["real_g_grad_norms"]["minimax"], m["real_g_grad_norms"]["nonsaturating"]
    assert set(g_sat) == {"0.weight", "0.bias", "2.weight", "2.bias"}
    assert g_ns["0.weight"] > 20 * g_sat["0.weight"]
    assert m["real_d_grad_norms"]["minimax"] == m["real_d_grad_norms"]["nonsaturating"]


def test_graph_dot_names_the_parameters(backprop_run):
    out, _ = backprop_run
    dot = (out / "graph.dot").read_text()
    assert dot.startswith("digraph")
    assert dot.rstrip().endswith("}")
    for name in ("G.0.weight", "G.0.bias", "G.2.weight", "G.2.bias", "D.0.weight", "D.2.bias", "z (1, 1)"):
        assert name in dot, name
    assert "->" in dot


def test_python_m_demos_lists_every_demo(capsys):
    # the listing itself, in this process (tests/test_demos_curves.py runs `python -m demos` for real)
    from demos.__main__ import main
    assert main([]) == 0
    printed = capsys.readouterr().out
    listed = [line.split()[0] for line in printed.splitlines() if line.startswith("  ")]
    assert listed == list(DEMOS)
    for line in printed.splitlines():
        if line.startswith("  "):
            assert len(line.split()) > 1, f"no description: {line!r}"


def test_the_run_ends_with_what_to_look_at_next_to_the_files(backprop_run):
    out, _ = backprop_run
    assert_look_at_files_written("backprop", out)
    printed = (out.parent / "backprop_stdout.txt").read_text()
    tail = printed[printed.index("done in"):]
    for filename, explanation in common.what_to_look_at(common.lesson_text("backprop")):
        block = tail.split(f"  {out / filename}\n", 1)
        assert len(block) == 2, f"{filename} not listed at the end of the run"
        assert " ".join(block[1].split()).startswith(" ".join(explanation.split())), filename


def test_graph_parameters_have_their_own_colour(backprop_run):
    from minigrad.graph import PARAMETER_COLOUR
    out, _ = backprop_run
    dot = (out / "graph.dot").read_text()
    parameter_lines = [line for line in dot.splitlines() if PARAMETER_COLOUR in line]
    assert len(parameter_lines) == 8  # W1, b1, W2, b2 of G and of D
    assert all(re.search(r'label="[GD]\.[02]\.(weight|bias) ', line) for line in parameter_lines)
