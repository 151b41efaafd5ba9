"""The theory lessons (optimal_d, saturation, js_vs_wasserstein) run in their --quick setting and reach
values a broken implementation would not; `run` is the experiment a notebook calls, and a run
stopped by Ctrl-C measures what it did."""
import json

import numpy as np
import pytest

from conftest import assert_look_at_files_written, ctrl_c_at
from demos import common, js_vs_wasserstein, optimal_d, saturation
from gan import theory

from conftest import assert_figure_shows_data, assert_metrics_json_matches

STOP_KEYS = ["interrupted", "stopped_at", "seconds"]


def run_quick(module, tmp_path_factory):
    out = tmp_path_factory.mktemp(module.__name__.split(".")[-1])
    metrics = module.main(["--quick", "--out", str(out)]).metrics
    assert metrics["interrupted"] is False and metrics["stopped_at"] is None
    return out, metrics


def stopped_metrics(result):
    """The metrics of a run Ctrl-C stopped, as metrics.json holds them. (That report draws such a run,
    down to a phase with no step, is checked on the --quick runs in tests/test_demos_interrupt.py.)"""
    saved = json.loads(json.dumps(common._jsonable(result.metrics)))
    assert saved["interrupted"] is True
    return saved


def check_outputs(out, metrics, figures, keys):
    """Every figure is a drawn plot and metrics.json holds exactly the returned metrics, keys included."""
    for name in figures:
        assert_figure_shows_data(out / name)
    saved = assert_metrics_json_matches(out, metrics)
    missing = [key for key in keys if key not in saved]
    assert not missing, f"metrics.json lacks {missing}"


# ----------------------------------------------------------------------------- optimal_d

@pytest.fixture(scope="module")
def optimal_d_run(tmp_path_factory):
    return run_quick(optimal_d, tmp_path_factory)


def test_optimal_d_outputs(optimal_d_run):
    out, metrics = optimal_d_run
    check_outputs(out, metrics, ["optimal_d.png", "value_vs_js.png"],
                  ["max_abs_error", "max_abs_error_untrained", "bulk_interval", "v_trained", "v_optimal", "js",
                   "mu", "v_trained_family", "v_optimal_family", "v_from_js_family", "identity_max_gap",
                   "steps_planned", "family_trained"] + STOP_KEYS)
    assert metrics["family_trained"] == len(metrics["mu"])


def test_optimal_d_run_returns_the_metrics_a_notebook_can_plot():
    """demos.optimal_d.run is the experiment without the files: its metrics are made from the arrays
    it returns (the ones optimal_d.png and value_vs_js.png draw)."""
    result = optimal_d.run(steps=40, seed=1, family_mu=[0.0, 1.0], family_steps=20)
    m = result.metrics
    assert m["steps"] == m["steps_planned"] == 40 and m["family_steps"] == 20 and m["family_trained"] == 2
    assert m["interrupted"] is False and m["stopped_at"] is None
    assert m["max_abs_error"] == np.max(np.abs(result.d_trained - result.d_star)[result.bulk])
    assert m["v_trained"] == theory.value_function(result.d_trained, result.p_real, result.p_fake, optimal_d.DX)
    np.testing.assert_array_equal(m["v_trained_family"], result.family["v_trained"])
    assert np.all(np.isfinite(m["v_trained_family"]))
    assert m["v_optimal_family"][0] == pytest.approx(-theory.LOG_4, abs=1e-9)  # mu = 0: p_g = p_data


def test_optimal_d_stopped_in_the_family_measures_only_what_was_trained(monkeypatch):
    with ctrl_c_at(monkeypatch, optimal_d, 50):   # the main D's 40 steps, then 10 of the first family D's 20
        result = optimal_d.run(steps=40, family_mu=[0.0, 1.0], family_steps=20)
    saved = stopped_metrics(result)
    assert saved["stopped_at"] == "D step 50 of 80" and saved["steps"] == 40
    assert saved["family_trained"] == 0 and saved["v_trained_family"] == [None, None]
    assert saved["trained_max_shortfall"] is None and saved["identity_max_gap"] < 1e-9


def test_optimal_d_writes_every_file_its_lesson_talks_about(optimal_d_run):
    assert_look_at_files_written("optimal_d", optimal_d_run[0])


def test_trained_d_is_close_to_the_optimal_d(optimal_d_run):
    _, m = optimal_d_run
    assert m["max_abs_error_untrained"] > 0.3  # an untrained D is far from D*
    assert m["max_abs_error"] < 0.25
    assert m["max_abs_error"] < 0.6 * m["max_abs_error_untrained"]


def test_value_identity_and_trained_value_below_optimum(optimal_d_run):
    _, m = optimal_d_run
    assert m["identity_max_gap"] < 1e-9  # V(D*, G) = -log 4 + 2 JS
    assert m["v_optimal"] == pytest.approx(-theory.LOG_4 + 2 * m["js"], abs=1e-9)
    mu = np.array(m["mu"])
    v_trained, v_optimal = np.array(m["v_trained_family"]), np.array(m["v_optimal_family"])
    # V(D) <= V(D*) holds for any D (D* is the maximiser), so it is no evidence of training; what is:
    # the trained D climbs most of the way from an undecided D (V = -log 4) up to V(D*)
    assert np.all(v_trained <= v_optimal + 1e-3)
    assert m["trained_max_shortfall"] == pytest.approx(np.max(v_optimal - v_trained), abs=1e-12)
    away = mu != 0
    gained = (v_trained[away] + theory.LOG_4) / (v_optimal[away] + theory.LOG_4)
    assert np.all(gained > 0.75), gained          # measured 0.85-1.0 on the quick run
    assert m["v_optimal"] - m["v_trained"] < 0.02  # the main D (600 steps): measured 0.003
    assert v_trained[mu == 0][0] == pytest.approx(-theory.LOG_4, abs=0.02)  # p_g = p_data: -log 4
    # V(D*, G) rises with the shift and is the same for +mu and -mu (p_data is symmetric)
    np.testing.assert_allclose(v_optimal, v_optimal[::-1], atol=1e-9)
    assert np.all(np.diff(v_optimal[mu >= 0]) > 0)


# ----------------------------------------------------------------------------- saturation

@pytest.fixture(scope="module")
def saturation_run(tmp_path_factory):
    return run_quick(saturation, tmp_path_factory)


def test_saturation_outputs(saturation_run):
    out, metrics = saturation_run
    check_outputs(out, metrics, ["closed_form.png", "measured.png"],
                  ["closed_form_check_max_diff", "d_fake_after_pretraining", "grad_norm_saturating",
                   "grad_norm_nonsaturating", "median_grad_norm_saturating", "median_grad_norm_nonsaturating",
                   "grad_norm_ratio", "d_fake_saturating", "d_fake_nonsaturating", "steps_planned",
                   "pretrain_steps"] + STOP_KEYS)
    assert metrics["pretrain_steps"] == saturation.PRETRAIN_STEPS


def test_saturation_run_returns_the_metrics_a_notebook_can_plot():
    result = saturation.run(steps=6, seed=1, pretrain_steps=10)
    m = result.metrics
    assert m["steps"] == m["steps_planned"] == 6 and m["pretrain_steps"] == 10 and m["first_steps"] == 6
    assert m["interrupted"] is False
    for name in ("saturating", "nonsaturating"):
        assert len(m[f"grad_norm_{name}"]) == len(m[f"d_fake_{name}"]) == 6
        assert m[f"median_grad_norm_{name}"] == np.median(m[f"grad_norm_{name}"])
    assert m["grad_norm_ratio"] == m["median_grad_norm_nonsaturating"] / m["median_grad_norm_saturating"]
    assert result.d_grid.min() > 0 and result.d_grid.max() < 1


def test_saturation_stopped_gives_both_losses_the_same_steps(monkeypatch):
    with ctrl_c_at(monkeypatch, saturation, 13):   # 10 pretraining steps, then 3 of each loss
        result = saturation.run(steps=6, pretrain_steps=10)
    saved = stopped_metrics(result)
    assert len(saved["grad_norm_saturating"]) == len(saved["grad_norm_nonsaturating"]) == 3
    assert saved["steps"] == saved["first_steps"] == 3 and saved["stopped_at"] == "measured step 3 of 6"
    assert saved["grad_norm_ratio"] == saved["median_grad_norm_nonsaturating"] / saved["median_grad_norm_saturating"]


def test_saturation_writes_every_file_its_lesson_talks_about(saturation_run):
    assert_look_at_files_written("saturation", saturation_run[0])


def test_non_saturating_gradient_is_much_larger_when_d_is_confident(saturation_run):
    _, m = saturation_run
    assert m["closed_form_check_max_diff"] < 1e-12
    assert m["d_fake_after_pretraining"] < 0.01  # D rejects the fakes confidently
    assert m["median_grad_norm_saturating"] > 0   # it is small, not absent
    assert m["median_grad_norm_nonsaturating"] > 20 * m["median_grad_norm_saturating"]
    assert m["grad_norm_ratio"] > 20
    assert len(m["grad_norm_saturating"]) == m["steps"] == len(m["d_fake_nonsaturating"])


def test_saturating_gradient_is_two_orders_of_magnitude_smaller(saturation_run):
    # the README's claim for this lesson: "two orders of magnitude" at G's first layer while D is
    # confident (measured on the quick run, seed 0: 232x for the medians)
    _, m = saturation_run
    assert m["median_grad_norm_nonsaturating"] > 100 * m["median_grad_norm_saturating"]
    assert m["grad_norm_ratio"] > 100
    first = m["first_steps"]
    assert np.all(np.array(m["grad_norm_nonsaturating"][:first]) > 10 * np.array(m["grad_norm_saturating"][:first]))


# ----------------------------------------------------------------------------- js_vs_wasserstein

@pytest.fixture(scope="module")
def js_w_run(tmp_path_factory):
    return run_quick(js_vs_wasserstein, tmp_path_factory)


def test_js_vs_wasserstein_outputs(js_w_run):
    out, metrics = js_w_run
    check_outputs(out, metrics, ["js_vs_w1.png", "functions.png"],
                  ["theta", "js_closed_form", "w1_closed_form", "js_estimate", "w1_estimate", "w1_max_abs_error",
                   "w1_corr_abs_theta", "js_estimate_at_zero", "generator_grad_js", "generator_grad_w1",
                   "theta_planned"] + STOP_KEYS)
    assert metrics["theta"] == pytest.approx(metrics["theta_planned"])


def test_js_vs_wasserstein_run_returns_the_metrics_a_notebook_can_plot():
    result = js_vs_wasserstein.run(steps=10, seed=1, thetas=[0.0, 1.0])
    m = result.metrics
    np.testing.assert_array_equal(m["theta"], [0.0, 1.0])
    np.testing.assert_array_equal(m["js_closed_form"], [0.0, theory.LOG_2])   # the step: 0 at theta = 0 only
    np.testing.assert_array_equal(m["w1_closed_form"], [0.0, 1.0])
    assert len(m["js_estimate"]) == len(m["w1_estimate"]) == len(m["generator_grad_w1"]) == 2
    assert m["js_estimate_at_zero"] == m["js_estimate"][0] and m["interrupted"] is False
    theta, discriminator, critic, d_steps, critic_steps = result.shown   # what functions.png draws
    assert theta == 1.0 and d_steps == critic_steps == 10


def test_js_vs_wasserstein_stopped_measures_the_thetas_it_finished(monkeypatch):
    with ctrl_c_at(monkeypatch, js_vs_wasserstein, 25):   # theta 0 (10 + 10 steps), then 5 D steps at theta 1
        result = js_vs_wasserstein.run(steps=10, thetas=[0.0, 1.0])
    saved = stopped_metrics(result)
    assert saved["theta"] == [0.0] and saved["theta_planned"] == [0.0, 1.0]
    assert saved["stopped_at"] == "training step 25 of 40" and len(saved["w1_estimate"]) == 1
    assert saved["w1_corr_abs_theta"] is None and saved["js_estimate_away_from_zero_min"] is None
    assert result.shown[0] == 0.0 and result.shown[3:] == (10, 10)   # the finished theta is drawn


def test_js_closed_form_is_drawn_as_a_step(tmp_path):
    """js_vs_w1.png, left: the closed-form JS is log 2 on both sides and 0 at theta = 0 exactly, not a
    flat line through theta = 0."""
    plt = pytest.importorskip("matplotlib.pyplot")
    fig, ax = plt.subplots()
    js_vs_wasserstein.draw_js_step(ax, -2.0, 2.0)
    points = np.concatenate([line.get_xydata() for line in ax.get_lines()])
    plt.close(fig)
    at_zero = points[points[:, 0] == 0.0][:, 1]
    assert 0.0 in at_zero and theory.LOG_2 in at_zero          # the value and the open end of the lines
    assert set(points[points[:, 0] != 0.0][:, 1]) == {theory.LOG_2}


def test_js_vs_wasserstein_writes_every_file_its_lesson_talks_about(js_w_run):
    assert_look_at_files_written("js_vs_wasserstein", js_w_run[0])


def test_critic_tracks_w1_while_js_is_flat(js_w_run):
    _, m = js_w_run
    theta, w1, js = np.array(m["theta"]), np.array(m["w1_estimate"]), np.array(m["js_estimate"])
    assert 0.0 in theta
    # W1 estimate grows with |theta|: monotone over the distinct |theta| and strongly correlated
    distances = np.unique(np.abs(theta))
    mean_w1 = [w1[np.abs(theta) == d].mean() for d in distances]
    assert np.all(np.diff(mean_w1) > 0.2)
    assert m["w1_corr_abs_theta"] > 0.9
    assert m["w1_max_abs_error_vs_penalized_optimum"] < 0.25
    # JS estimate: ~0 at theta = 0, ~log 2 everywhere else (flat: no information about the distance)
    assert abs(m["js_estimate_at_zero"]) < 0.1
    away = js[theta != 0]
    assert np.all(np.abs(away - theory.LOG_2) < 0.05)
    assert away.max() - away.min() < 0.05
    # the push G would get: vanishing through the saturated D, about 1 through the critic
    grad_js, grad_w1 = np.array(m["generator_grad_js"]), np.array(m["generator_grad_w1"])
    assert np.all(grad_w1[theta != 0] > 0.5)
    assert np.all(grad_js[theta != 0] < 0.1 * grad_w1[theta != 0])


def test_penalized_optimum_is_the_gap_of_the_best_penalised_slope():
    """Brute force over slopes a: the best a for  a|theta| - lambda (a-1)^2  reports the gap a|theta|."""
    penalized_optimum = js_vs_wasserstein.penalized_optimum
    slopes = np.linspace(0.0, 3.0, 300001)
    for theta in (-2.0, -0.5, 0.0, 1.0, 2.0):
        for weight in (1.0, 10.0):
            best = slopes[np.argmax(slopes * abs(theta) - weight * (slopes - 1.0) ** 2)]
            assert penalized_optimum(theta, weight) == pytest.approx(best * abs(theta), abs=1e-4)
