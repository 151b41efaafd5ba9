"""The curves demo (seed 004 on minigrad) in its --quick setting: files, metrics, and real learning."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_look_at_files_written
from demos import curves

REPO = Path(__file__).resolve().parents[1]
PROMISED_KEYS = {"w1_a", "residual_rms", "a_mean", "a_std", "w1_a_untrained", "residual_rms_untrained",
                 "d_real", "d_fake", "d_score", "equilibrium_d_score", "w1_a_history", "steps", "settings",
                 "seconds"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("curves")
    return out, curves.main(["--quick", "--out", str(out)])


def test_writes_figures_gif_samples_and_metrics(quick_run):
    out, _ = quick_run
    for name in ("curves_training.png", "discriminator.png", "a_histogram.png", "training.gif", "metrics.json"):
        assert (out / name).stat().st_size > 1000, name
    samples = np.load(out / "samples.npy")
    assert samples.shape[0] >= 1000 and samples.shape[1] == 15
    assert np.all(np.isfinite(samples))


def test_metrics_json_has_the_promised_keys(quick_run):
    out, returned = quick_run
    saved = json.loads((out / "metrics.json").read_text())
    assert PROMISED_KEYS <= set(saved)
    assert saved["w1_a"] == pytest.approx(returned["w1_a"])
    assert saved["equilibrium_d_score"] == pytest.approx(-np.log(4))


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


def test_original_flag_selects_the_seed_settings():
    assert curves.ORIGINAL == dict(loss="minimax", lr=1e-4, betas=(0.9, 0.999), steps=10000)


def test_python_m_demos_lists_the_lessons():
    result = subprocess.run([sys.executable, "-m", "demos"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for name in ("curves", "mode_collapse", "digits"):
        assert name in result.stdout
    assert curves.__doc__.splitlines()[0] in result.stdout


def test_writes_every_file_its_lesson_talks_about(quick_run):
    assert_look_at_files_written("curves", quick_run[0])
