"""The vae_vs_gan lesson: one --quick run (module fixture) writes every promised file, and its numbers
show what the lesson claims (the VAE learns, its likelihood bounds hold, its samples are blurry).

The claim in figures (demos/vae_vs_gan.py): the VAE's sharpness is below VAE_BELOW = 0.8 x the real
digits', the DCGAN's within DCGAN_MARGIN = 10% of them. Measured on this --quick scale (seed 0; 300
AE/VAE steps, 100 DCGAN iterations): VAE 0.139 = 0.34 x real (0.406), DCGAN 0.427 = 1.05 x real.
The DCGAN half holds on the default run (see the module docstring for its figures); here, after 100
iterations, the DCGAN draws noise, not digits (classifier score 1.1 with the judge of 0.976), whose
sharpness is near the real digits' by chance, so the test asserts only the ordering the quick run
can carry: the VAE below 0.8 x real and below the DCGAN."""
import numpy as np
import pytest

from conftest import assert_figure_shows_data, assert_look_at_files_written, assert_metrics_json_matches
from demos import vae_vs_gan

FIGURES = ("samples.png", "sharpness.png", "reconstructions.png", "interpolation.png", "vae_losses.png")
PROMISED_KEYS = {"vae_test_neg_elbo", "vae_test_reconstruction", "vae_test_kl", "vae_test_neg_elbo_untrained",
                 "vae_test_log_likelihood", "importance_samples", "ae_test_reconstruction",
                 "sharpness_ae", "sharpness_vae", "sharpness_dcgan", "sharpness_real", "sharpness_ratio_vae",
                 "sharpness_ratio_dcgan", "claim", "sharpness_reconstructions_ae", "sharpness_reconstructions_vae",
                 "judge", "classifier_accuracy", "code_norm_ae", "code_norm_vae", "code_norm_prior",
                 "vae_heldout_history", "steps", "gan_iterations", "steps_done", "gan_from", "n_train",
                 "interrupted", "stopped_at", "seconds"}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory, judge_cache):
    out = tmp_path_factory.mktemp("vae_vs_gan")
    return out, vae_vs_gan.main(["--quick", "--out", str(out)]).metrics


def test_writes_every_promised_file(quick_run):
    out, _ = quick_run
    for name in FIGURES:
        assert_figure_shows_data(out / name, colored=name in ("sharpness.png", "vae_losses.png"))
    assert_look_at_files_written("vae_vs_gan", out)
    for name in ("ae", "vae", "dcgan"):
        samples = np.load(out / f"samples_{name}.npy")
        assert samples.shape == (1000, 784) and samples.dtype == np.float32, name
        assert samples.min() >= -1.0 and samples.max() <= 1.0, name
        assert samples.std() > 0.05, name  # not a constant image


def test_run_returns_the_metrics_main_writes(quick_run):
    out, returned = quick_run
    saved = assert_metrics_json_matches(out, returned)
    assert PROMISED_KEYS <= set(saved)
    assert set(saved["judge"]) == {"ae", "vae", "dcgan", "real"}
    assert saved["steps_done"] == {"ae": vae_vs_gan.QUICK_STEPS, "vae": vae_vs_gan.QUICK_STEPS,
                                   "dcgan": vae_vs_gan.QUICK_GAN_ITERATIONS}
    assert saved["interrupted"] is False and saved["gan_from"] is None


def test_the_vae_learns_and_its_bounds_are_in_order(quick_run):
    _, m = quick_run
    # untrained: logits near 0 cost about 784 log 2 = 543 nats; 300 steps bring it below 160
    assert m["vae_test_neg_elbo_untrained"] > 500
    assert m["vae_test_neg_elbo"] < 160
    assert m["vae_test_neg_elbo"] == pytest.approx(m["vae_test_reconstruction"] + m["vae_test_kl"], rel=1e-6)  # float32 sums
    assert m["vae_test_kl"] > 5  # the codes carry information
    # log p(x) >= ELBO = -negative ELBO (importance weighting can only raise the bound)
    assert -m["vae_test_neg_elbo"] < m["vae_test_log_likelihood"] < 0
    # the autoencoder, free of noise and KL, reconstructs better than the VAE
    assert m["ae_test_reconstruction"] < m["vae_test_reconstruction"]


def test_the_autoencoder_codes_lie_far_from_the_prior_the_vae_codes_do_not(quick_run):
    _, m = quick_run
    assert m["code_norm_prior"] == pytest.approx(4.42, abs=0.01)  # E|z|, z ~ N(0, I_20)
    assert m["code_norm_ae"] > 2 * m["code_norm_prior"]           # measured 18.5 after 300 steps
    assert m["code_norm_vae"] < 1.5 * m["code_norm_prior"]
    # so random N(0, I) codes decode to digits the judge recognises more often for the VAE
    assert m["judge"]["vae"]["classifier_score"] > m["judge"]["ae"]["classifier_score"]


def test_the_blur_is_in_the_numbers(quick_run):
    # the VAE is blurrier than the real digits and than the DCGAN
    _, m = quick_run
    assert m["sharpness_real"] == pytest.approx(0.406, abs=0.01)
    assert m["sharpness_ratio_vae"] == pytest.approx(m["sharpness_vae"] / m["sharpness_real"])
    assert m["sharpness_ratio_vae"] < vae_vs_gan.VAE_BELOW and m["claim"]["vae_blurrier"] is True
    assert m["sharpness_vae"] < m["sharpness_dcgan"]
    ratio = m["sharpness_dcgan"] / m["sharpness_real"]
    assert m["claim"]["dcgan_near_real"] is bool(abs(ratio - 1) <= vae_vs_gan.DCGAN_MARGIN)
    assert m["sharpness_reconstructions_vae"] < m["sharpness_real"]
    assert m["judge"]["real"]["classes_covered"] == 10 and m["classifier_accuracy"] >= 0.97


def test_gan_from_reuses_samples_of_either_shape(quick_run, tmp_path):
    out, _ = quick_run
    images = np.load(out / "samples_dcgan.npy")
    for shape in ((1000, 784), (1000, 1, 28, 28)):
        (tmp_path / "gan").mkdir(exist_ok=True)
        np.save(tmp_path / "gan" / "samples.npy", images.reshape(shape))
        np.testing.assert_array_equal(vae_vs_gan.load_gan_samples(tmp_path / "gan"), images)


def test_gan_from_rejects_bad_input_clearly(tmp_path):
    with pytest.raises(SystemExit, match="no samples.npy"):
        vae_vs_gan.load_gan_samples(tmp_path)
    np.save(tmp_path / "samples.npy", np.zeros((1000, 780), dtype=np.float32))
    with pytest.raises(SystemExit, match=r"shape \(n, 784\).*got \(1000, 780\)"):
        vae_vs_gan.load_gan_samples(tmp_path)
    np.save(tmp_path / "samples.npy", np.full((1000, 784), 255.0, dtype=np.float32))
    with pytest.raises(SystemExit, match=r"\[-1, 1\].*255"):
        vae_vs_gan.load_gan_samples(tmp_path)


def test_ctrl_c_in_the_dcgan_training_keeps_the_three_models(monkeypatch):
    """run called as from a notebook, with a Ctrl-C at DCGAN iteration 5 of 10: the AE and the VAE
    finished, the DCGAN stopped, and the metrics say where (a one-epoch judge on 500 digits keeps
    this cheap; its figures are not checked here)."""
    from conftest import ctrl_c_at
    from gan import train
    from gan.judge import DigitJudge
    cheap = DigitJudge.train.__func__
    monkeypatch.setattr(vae_vs_gan.DigitJudge, "train",
                        classmethod(lambda cls, x, y, rng, **_: cheap(cls, x[:500], y[:500], rng, epochs=1)))
    with ctrl_c_at(monkeypatch, train, 5):
        m = vae_vs_gan.run(steps=20, gan_iterations=10, importance_samples=2).metrics
    assert m["interrupted"] is True and m["stopped_at"] == "DCGAN step 5 of 10"
    assert m["steps_done"] == {"ae": 20, "vae": 20, "dcgan": 5}
    assert set(m["judge"]) == {"ae", "vae", "dcgan", "real"}
