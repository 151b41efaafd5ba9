"""The curves lesson (source note 004 on minigrad) in its --quick setting: files, metrics, and real learning."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_look_at_files_written
from demos import curves
from gan import metrics

from conftest import assert_figure_shows_data, assert_gif_has_frames, assert_metrics_json_matches

REPO = Path(__file__).resolve().parents[1]
PROMISED_KEYS = {"w1_a", "residual_rms", "a_mean", "a_std", "w1_a_untrained", "residual_rms_untrained",
                 "d_real", "d_fake", "d_score", "equilibrium_d_score", "w1_a_history", "steps", "settings",
                 "seconds", "interrupted", "stopped_at", "steps_planned"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("curves")
    return out, curves.main(["--quick", "--out", str(out)]).metrics


def test_writes_figures_gif_samples_and_metrics(quick_run):
    out, m = quick_run
    for name in ("curves_training.png", "discriminator.png", "a_histogram.png"):
        assert_figure_shows_data(out / name)
    assert_gif_has_frames(out / "training.gif", 12)  # one frame per snapshot
    samples = np.load(out / "samples.npy")
    assert samples.shape[0] >= 1000 and samples.shape[1] == 15
    assert np.all(np.isfinite(samples))
    # the saved samples are the ones the final metrics were computed from
    assert metrics.curves_quality(samples)["w1_a"] == pytest.approx(m["w1_a"], rel=1e-12)


def test_metrics_json_has_the_promised_keys(quick_run):
    out, returned = quick_run
    saved = assert_metrics_json_matches(out, returned)
    assert PROMISED_KEYS <= set(saved)
    assert saved["equilibrium_d_score"] == pytest.approx(-np.log(4))
    history = saved["w1_a_history"]
    assert history[0] == [0, pytest.approx(saved["w1_a_untrained"])]
    assert history[-1] == [curves.QUICK_STEPS, pytest.approx(saved["w1_a"])]
    assert saved["steps"] == curves.QUICK_STEPS and saved["settings"]["loss"] == curves.DEFAULT["loss"]


def test_run_returns_the_metrics_a_notebook_can_plot():
    """demos.curves.run is the experiment without the files: a short run returns its metrics and
    the snapshots the figures are drawn from."""
    result = curves.run(steps=30, seed=1, n_snapshots=3)
    m = result.metrics
    assert m["steps"] == m["steps_planned"] == 30 and m["interrupted"] is False and m["stopped_at"] is None
    assert [step for step, _ in result.snapshots] == [0, 10, 20, 30]
    assert m["w1_a"] == pytest.approx(metrics.curves_quality(result.snapshots[-1][1])["w1_a"], rel=1e-12)
    assert len(result.history["d_loss"]) == 30


def test_the_generator_learns_the_band(quick_run):
    _, m = quick_run
    # untrained curves sit near 0 (fitted a around 1, far below the band's spread); a broken
    # gradient path leaves them there. The quick run must have moved them well into the band.
    assert m["w1_a_untrained"] > 0.8
    assert m["w1_a"] < 0.5 * m["w1_a_untrained"]
    assert m["w1_a"] < 0.45
    assert m["residual_rms"] < m["residual_rms_untrained"]
    assert 1.5 < m["a_mean"] < 2.5
    assert 0.0 < m["d_fake"] < 1.0 and 0.0 < m["d_real"] < 1.0
    assert m["d_score"] < 0  # V = E log D(x) + E log(1 - D(G(z))) is a sum of logs of probabilities


def test_original_flag_selects_the_seed_settings(monkeypatch, tmp_path):
    """--original trains with the parabola tutorial's settings: its models (G 5-128-15, D 15-128-1,
    ReLU), batch 64, the saturating minimax loss, Adam lr 1e-4 for both players with PyTorch's
    default betas; without the flag the lesson's own defaults are used."""
    chosen = []

    class Stop(Exception):
        pass

    def build_and_stop(settings, seed):
        chosen.append(curves_build(settings, seed))
        raise Stop

    curves_build = curves.build_trainer
    monkeypatch.setattr(curves, "build_trainer", build_and_stop)
    for argv in (["--original"], []):
        with pytest.raises(Stop):
            curves.main(argv + ["--out", str(tmp_path)])
    original, default = (trainer.config for trainer in chosen)
    assert (original.loss, original.batch_size, original.g_lr, original.d_lr) == ("minimax", 64, 1e-4, 1e-4)
    assert tuple(original.g_betas) == tuple(original.d_betas) == (0.9, 0.999)
    assert (default.g_lr, tuple(default.g_betas)) == (2e-4, (0.5, 0.999))
    assert chosen[0].generator.sizes == [5, 128, 15] and chosen[0].discriminator.sizes == [15, 128, 1]
    assert curves.ORIGINAL["steps"] == curves.DEFAULT["steps"] == 10000


def test_python_m_demos_lists_the_lessons():
    result = subprocess.run([sys.executable, "-m", "demos"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for name in ("curves", "mode_collapse", "digits"):
        assert name in result.stdout
    assert curves.__doc__.splitlines()[0] in result.stdout


def test_writes_every_file_its_lesson_talks_about(quick_run):
    assert_look_at_files_written("curves", quick_run[0])
