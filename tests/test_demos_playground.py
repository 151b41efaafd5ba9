"""The playground lesson: what it draws is what minigrad computes (arrows, D's map, G's manifold), the
widgets do what their labels say (driven under Agg), --quick writes every promised file, `run` is the
experiment a notebook calls, and Ctrl-C (in a run or in the window) keeps the work."""
import json
import re

import matplotlib
import numpy as np
import pytest

import minigrad as mg
from conftest import ctrl_c_at
from demos import playground, playground_controls
from demos.playground_state import (DATASETS, LOSSES, MAP_POINTS, N_SHOWN, Z_EXTENT, Z_LINES, PlaygroundState,
                                    Settings)
from demos.playground_view import ARROW_TARGET, PlaygroundView, frame_arrow_scale, nice_number
from gan import interrupt, losses
from gan.train import ConfigError

SMALL = dict(hidden=(16, 16), batch_size=32)   # small players keep these tests fast


def double_state(loss, iterations=5, **changes):
    """A float64 playground a few iterations into training (so D is no longer at its initial weights)."""
    state = PlaygroundState(Settings(loss=loss, dtype="float64", **SMALL), **changes)
    state.iterate(iterations)
    return state


def generator_loss(state, fake_array):
    """L_G of the state's loss on the current D, for a given array of generated samples."""
    g_loss_fn = losses.LOSS_FAMILIES[state.settings.loss][1]
    return g_loss_fn(state.discriminator(mg.tensor(fake_array))).item()


# ----------------------------------------------------------------------------- what is drawn is what is computed

@pytest.mark.parametrize("loss", list(LOSSES))
def test_arrows_are_minigrad_grad_of_the_generator_loss_at_the_fake_batch(loss):
    state = double_state(loss)
    snap = state.snapshot()
    assert snap.fake.shape == snap.arrows.shape == (N_SHOWN, 2)
    with mg.no_grad():
        expected_fake = state.generator(mg.tensor(state.z)).data
    np.testing.assert_array_equal(snap.fake, expected_fake)
    fake = mg.tensor(expected_fake, requires_grad=True)
    (gradient,) = mg.grad(losses.LOSS_FAMILIES[loss][1](state.discriminator(fake)), fake)
    np.testing.assert_array_equal(snap.arrows, -gradient.data)
    assert np.all(np.linalg.norm(snap.arrows, axis=1) > 0)


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan-gp", "lsgan"])
def test_arrows_agree_with_central_differences_of_the_generator_loss(loss):
    state = double_state(loss)
    snap = state.snapshot()
    h = 1e-6
    for i in range(0, N_SHOWN, 50):      # ten samples, both coordinates
        for j in range(2):
            plus, minus = snap.fake.copy(), snap.fake.copy()
            plus[i, j] += h
            minus[i, j] -= h
            slope = (generator_loss(state, plus) - generator_loss(state, minus)) / (2 * h)
            assert -snap.arrows[i, j] == pytest.approx(slope, rel=1e-5, abs=1e-10), (i, j)


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_heat_map_is_the_discriminator_on_its_grid(loss):
    state = double_state(loss)
    snap = state.snapshot()
    e = DATASETS[state.settings.dataset].extent
    assert snap.d_map.shape == (MAP_POINTS, MAP_POINTS)
    np.testing.assert_array_equal(snap.map_x, np.linspace(-e, e, MAP_POINTS))
    np.testing.assert_array_equal(snap.map_y, snap.map_x)
    rows, cols = [0, 3, 40, MAP_POINTS - 1], [0, 7, 55, MAP_POINTS - 1]
    points = np.array([[snap.map_x[c], snap.map_y[r]] for r in rows for c in cols])  # row = y, column = x
    with mg.no_grad():
        raw = state.discriminator(mg.tensor(points)).data[:, 0]
    expected = 1 / (1 + np.exp(-raw)) if loss == "nonsaturating" else raw
    np.testing.assert_allclose(snap.d_map[np.ix_(rows, cols)].ravel(), expected, rtol=1e-12, atol=1e-15)


def test_manifold_is_the_generator_on_a_regular_z_grid():
    state = double_state("nonsaturating")
    snap = state.snapshot()
    assert snap.z_grid.shape == snap.z_grid_image.shape == (Z_LINES, Z_LINES, 2)
    axis = np.linspace(-Z_EXTENT, Z_EXTENT, Z_LINES)
    np.testing.assert_array_equal(snap.z_grid[:, :, 0], np.tile(axis, (Z_LINES, 1)))      # columns: z_1
    np.testing.assert_array_equal(snap.z_grid[:, :, 1], np.tile(axis[:, None], (1, Z_LINES)))  # rows: z_2
    with mg.no_grad():
        expected = state.generator(mg.tensor(snap.z_grid.reshape(-1, 2))).data.reshape(Z_LINES, Z_LINES, 2)
    np.testing.assert_array_equal(snap.z_grid_image, expected)


def test_looking_does_not_change_the_training_run():
    watched, unwatched = (PlaygroundState(Settings(**SMALL)) for _ in range(2))
    for _ in range(3):
        watched.snapshot()
        watched.iterate(2)
        unwatched.iterate(2, record=False)
    (g_watched, d_watched), (g_unwatched, d_unwatched) = watched.parameters(), unwatched.parameters()
    for a, b in zip(g_watched + d_watched, g_unwatched + d_unwatched):
        np.testing.assert_array_equal(a, b)


def test_saturating_arrows_vanish_when_d_is_confident_and_the_critic_keeps_its_slope():
    # the measurement behind the lesson text, on the lesson's own settings
    check = playground.saturation_check(Settings(), d_steps=60)
    assert check["d_fake"] < 0.25
    assert check["ratio_saturating_to_nonsaturating"] < 0.3
    assert 0.5 < check["critic_gradient_norm_median"] < 2.0


def test_bad_settings_name_the_option():
    with pytest.raises(ConfigError, match="unknown data set 'spiral'.*ring"):
        PlaygroundState(dataset="spiral")
    with pytest.raises(ConfigError, match="unknown loss 'hinge'"):
        PlaygroundState(loss="hinge")
    with pytest.raises(ConfigError, match="n_critic"):
        PlaygroundState(n_critic=0)


# ----------------------------------------------------------------------------- the widgets, under Agg

@pytest.fixture(scope="module")
def window_controls():
    """One window for all widget tests (building its axes and widgets is the slow part)."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    view = PlaygroundView(plt, figsize=(13.0, 8.6), bottom=0.24)
    # Agg renders at every draw_idle (a window would wait for a quiet moment): skip the pixels, keep the callbacks
    view.fig.canvas.draw_idle = lambda *args, **kwargs: None
    yield playground_controls.Controls(PlaygroundState(Settings(**SMALL)), view)
    plt.close(view.fig)


@pytest.fixture
def window(window_controls):
    """The window's controls driving a fresh state (the widgets keep their last positions)."""
    window_controls.state = PlaygroundState(Settings(**SMALL))
    window_controls.playing = False
    return window_controls.state, window_controls


def test_the_window_renders_with_its_controls(window, tmp_path):
    state, controls = window
    controls.view.fig.savefig(tmp_path / "window.png", dpi=40)
    assert (tmp_path / "window.png").stat().st_size > 5000
    assert controls.view.fig.canvas.callbacks.callbacks["key_press_event"]


def click(button):
    """A left click (press and release) in the middle of a matplotlib Button, as the canvas delivers it."""
    from matplotlib.backend_bases import MouseEvent
    canvas = button.ax.figure.canvas
    box = button.ax.get_window_extent()
    x, y = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    for name in ("button_press_event", "button_release_event"):
        canvas.callbacks.process(name, MouseEvent(name, canvas, x, y, button=1))


def press_key(controls, key):
    from matplotlib.backend_bases import KeyEvent
    canvas = controls.view.fig.canvas
    canvas.callbacks.process("key_press_event", KeyEvent("key_press_event", canvas, key))


def changed(before, after):
    return [not np.array_equal(a, b) for a, b in zip(before, after)]


def test_d_step_button_moves_d_and_not_g(window):
    state, controls = window
    g_before, d_before = state.parameters()
    click(controls.buttons["step_d"])
    g_after, d_after = state.parameters()
    assert not any(changed(g_before, g_after))
    assert all(changed(d_before, d_after))
    assert (state.d_steps, state.g_steps) == (1, 0)


def test_g_step_button_moves_g_and_not_d(window):
    state, controls = window
    g_before, d_before = state.parameters()
    click(controls.buttons["step_g"])
    g_after, d_after = state.parameters()
    assert all(changed(g_before, g_after))
    assert not any(changed(d_before, d_after))
    assert (state.d_steps, state.g_steps) == (0, 1)


def test_iteration_button_makes_k_d_steps_and_one_g_step(window):
    state, controls = window
    controls.sliders["n_critic"].set_val(3)
    assert state.trainer.config.n_critic == 3
    click(controls.buttons["iterate"])
    assert (state.d_steps, state.g_steps) == (3, 1)
    assert state.trainer.iteration == 1


def test_reset_restores_the_initial_players_and_clears_the_history(window):
    state, controls = window
    initial = state.parameters()
    for name in ("step_d", "step_g", "iterate"):
        click(controls.buttons[name])
    assert len(state.history["updates"]) == 4
    click(controls.buttons["reset"])
    for a, b in zip(initial[0] + initial[1], state.parameters()[0] + state.parameters()[1]):
        np.testing.assert_array_equal(a, b)
    assert state.updates == 0 and len(state.history["updates"]) == 1


def test_keys_do_what_the_buttons_do(window):
    state, controls = window
    press_key(controls, "d")
    press_key(controls, "g")
    press_key(controls, "i")
    assert (state.d_steps, state.g_steps) == (2, 2)
    press_key(controls, "r")
    assert state.updates == 0


def test_play_runs_iterations_on_each_tick_until_paused(window):
    state, controls = window
    controls.tick()
    assert state.g_steps == 0                      # not playing: a tick does nothing
    click(controls.buttons["play"])
    controls.tick()                                # the timer's callback (Agg has no running timer)
    assert state.g_steps == playground_controls.ITERATIONS_PER_TICK
    press_key(controls, " ")                       # pause
    controls.tick()
    assert state.g_steps == playground_controls.ITERATIONS_PER_TICK


def test_data_set_switch_takes_effect_and_starts_afresh(window):
    state, controls = window
    click(controls.buttons["step_g"])
    controls.dataset_radio.set_active(list(DATASETS).index("lines"))
    assert state.settings.dataset == "lines"
    np.testing.assert_allclose(np.abs(state.real[:, 0]), 1.0)   # the shown real samples lie on x = -1, x = +1
    assert state.updates == 0


def test_loss_switch_takes_effect_and_keeps_the_players(window):
    state, controls = window
    click(controls.buttons["step_d"])
    players = state.parameters()
    _, arrows_before = state.arrows()
    controls.loss_radio.set_active(list(LOSSES).index("lsgan"))
    assert state.settings.loss == state.trainer.config.loss == "lsgan"
    assert state.trainer.g_loss_fn is losses.least_squares_generator_loss
    for a, b in zip(players[0] + players[1], state.parameters()[0] + state.parameters()[1]):
        np.testing.assert_array_equal(a, b)
    _, arrows_after = state.arrows()
    assert not np.allclose(arrows_before, arrows_after)
    assert state.events == [(1, "lsgan")]


def test_learning_rate_and_arrow_sliders(window):
    state, controls = window
    controls.sliders["d_lr"].set_val(-3.5)
    controls.sliders["g_lr"].set_val(-2.0)
    assert state.trainer.d_optimizer.lr == pytest.approx(10 ** -3.5)
    assert state.trainer.g_optimizer.lr == pytest.approx(1e-2)
    assert controls.sliders["d_lr"].valtext.get_text() == "0.00032"
    controls.sliders["arrow_scale"].set_val(1.0)
    assert controls.view.arrow_scale == pytest.approx(10.0)


def test_without_a_display_no_window_is_opened():
    matplotlib.use("Agg")
    assert not playground.has_display()


def test_closing_the_window_writes_the_last_state(tmp_path, monkeypatch):
    # under Agg plt.show() returns at once, as if the window had been closed straight away
    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    monkeypatch.setattr(FigureCanvasAgg, "draw_idle", lambda self, *args, **kwargs: None)  # as in window_controls
    monkeypatch.setattr(playground, "has_display", lambda: True)
    check = playground.saturation_check
    monkeypatch.setattr(playground, "saturation_check", lambda settings: check(settings, d_steps=2))
    with matplotlib.rc_context():  # the window takes the keys g and r from matplotlib's keymap
        results = playground.main(["--out", str(tmp_path), "--loss", "wgan-gp"]).metrics
    assert results["frames"] is None and results["settings"]["n_critic"] == playground.WGAN_GP_N_CRITIC
    assert results["interrupted"] is False and results["iterations_planned"] is None
    assert (tmp_path / "playground.png").stat().st_size > 20000
    with np.load(tmp_path / "playground.npz", allow_pickle=False) as frame:
        assert str(frame["map_kind"]) == "critic" and frame["d_map"].shape == (MAP_POINTS, MAP_POINTS)
    assert json.loads((tmp_path / "metrics.json").read_text())["loss"] == "wgan-gp"


# ----------------------------------------------------------------------------- the --quick run

@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("playground")
    return out, playground.main(["--quick", "--out", str(out)]).metrics


def test_quick_run_writes_every_promised_file(quick_run):
    out, _ = quick_run
    from PIL import Image
    assert (out / "playground.png").stat().st_size > 20000
    with Image.open(out / "playground.gif") as gif:
        assert gif.n_frames == playground.QUICK_FRAMES + 1
    assert len(list(out.glob("frame_*.png"))) == playground.QUICK_PNG_SNAPSHOTS
    with np.load(out / "playground.npz", allow_pickle=False) as frame:
        assert frame["fake"].shape == frame["arrows"].shape == frame["z"].shape == (N_SHOWN, 2)
        assert frame["z_grid"].shape == frame["z_grid_image"].shape == (Z_LINES, Z_LINES, 2)
        assert frame["d_map"].shape == (MAP_POINTS, MAP_POINTS) and frame["map_x"].shape == (MAP_POINTS,)
        assert np.all(np.isfinite(frame["arrows"])) and np.all(np.linalg.norm(frame["arrows"], axis=1) > 0)
        assert np.all((frame["d_map"] > 0) & (frame["d_map"] < 1))      # probabilities (the minimax loss)
        assert str(frame["loss"]) == "minimax" and str(frame["dataset"]) == "ring"


def test_quick_run_metrics(quick_run):
    out, returned = quick_run
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["iterations"] == saved["g_steps"] == saved["d_steps"] == playground.QUICK_ITERATIONS
    recorded_at = np.array(saved["history"]["g_steps"])
    assert recorded_at[0] == 0 and recorded_at[-1] == playground.QUICK_ITERATIONS
    assert np.all((np.diff(recorded_at) > 0) & (np.diff(recorded_at) <= playground.RECORD_EVERY))
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "arrow_median", "sliced_w1"):
        assert np.isfinite(saved["final"][key]), key
    assert 0 <= saved["final"]["modes"] <= 8
    # training moved the generated samples out towards the ring (the untrained G is a blob near 0)
    assert saved["final"]["sliced_w1"] < 0.8 * saved["untrained"]["sliced_w1"]
    assert saved["saturation_check"] == pytest.approx(returned["saturation_check"])
    assert saved["frames"] == playground.QUICK_FRAMES + 1 and saved["interrupted"] is False
    assert saved["stopped_at"] is None and saved["iterations_planned"] == playground.QUICK_ITERATIONS


def test_quick_run_arrows_are_visible(quick_run):
    """playground.png: the median arrow of the last frame is drawn at a visible length (about
    ARROW_TARGET x the plane's half-width; 250 x its 1.5e-4 was 1% of it), at the scale metrics.json
    and playground.npz state."""
    out, m = quick_run
    with np.load(out / "playground.npz", allow_pickle=False) as frame:
        drawn = float(frame["arrow_scale"]) * np.median(np.linalg.norm(frame["arrows"], axis=1))
        assert float(frame["arrow_scale"]) == m["arrow_scale"]
    half_width = DATASETS["ring"].extent
    assert 0.5 * ARROW_TARGET * half_width < drawn < 2 * ARROW_TARGET * half_width


def test_the_legend_says_what_an_arrow_length_means():
    state = PlaygroundState(Settings(**SMALL))
    snap = state.snapshot()
    view = PlaygroundView(None, arrow_scale=None)        # each frame its own scale
    view.draw(snap)
    scale = frame_arrow_scale(snap)
    median = np.median(np.linalg.norm(snap.arrows, axis=1))
    assert 0.6 < scale * median / (ARROW_TARGET * snap.extent) < 1.6   # nearest 1-2-5 number: within sqrt(2.5)
    legend = [text.get_text() for text in view.plane.get_legend().get_texts()]
    assert f"-dL_G/dG(z) x {scale:g}: a length of 1 is a gradient of {1 / scale:.0e}" in legend
    drawn = view.arrows.U                                 # the quiver's arrows, in plane units
    np.testing.assert_allclose(drawn, scale * snap.arrows[:, 0])


def test_nice_numbers():
    assert [nice_number(x) for x in (1.0, 1.4, 1.5, 3.0, 3.3, 7.0, 8.0, 0.0021, 1700.0)] == \
        pytest.approx([1, 1, 2, 2, 5, 5, 10, 0.002, 2000])


def test_run_returns_the_metrics_a_notebook_can_plot():
    result = playground.run(steps=20, frames=2, saturation_d_steps=3, **SMALL)
    m, snapshots = result.metrics, result.snapshots
    assert m["iterations"] == m["iterations_planned"] == 20 and m["interrupted"] is False
    assert [int(snap.history["g_steps"][-1]) for snap in snapshots] == [0, 10, 20] and m["frames"] == 3
    last = snapshots[-1]
    assert m["final"]["arrow_median"] == pytest.approx(np.median(np.linalg.norm(last.arrows, axis=1)), rel=1e-12)
    assert m["history"]["g_steps"] == [0.0, 10.0, 20.0] and m["saturation_check"]["d_steps"] == 3
    assert m["arrow_scale"] == frame_arrow_scale(last) and result.arrow_scale is None
    assert m["settings"]["hidden"] == [16, 16] and m["settings"]["n_critic"] == 1


def test_ctrl_c_stops_after_the_iteration_and_keeps_the_state_reached(monkeypatch):
    """One count: the run stops after the iteration the Ctrl-C came in, records it, and its last
    frame is the state reached (not the last planned frame)."""
    with ctrl_c_at(monkeypatch, playground, 15):
        result = playground.run(steps=40, frames=2, **SMALL)
    m = result.metrics
    assert m["interrupted"] is True and m["stopped_at"] == "iteration 15 of 40"
    assert m["iterations"] == m["g_steps"] == 15 and m["history"]["g_steps"][-1] == 15
    assert [int(snap.history["g_steps"][-1]) for snap in result.snapshots] == [0, 15]
    assert m["saturation_check"] is None


def test_ctrl_c_in_the_window_closes_it_and_keeps_the_state(monkeypatch):
    """Ctrl-C only sets the flag (gan.interrupt); the window's watch timer closes the window, and the
    run is reported as stopped, with the steps done (closing it by hand: the test above)."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    monkeypatch.setattr(FigureCanvasAgg, "draw_idle", lambda self, *args, **kwargs: None)
    timers = []
    new_timer = FigureCanvasAgg.new_timer
    monkeypatch.setattr(FigureCanvasAgg, "new_timer", lambda self, *a, **k: timers.append(new_timer(self, *a, **k))
                        or timers[-1])

    def window_open_until_ctrl_c():   # the window's loop: Ctrl-C arrives, then the timers tick
        open_before = len(plt.get_fignums())
        interrupt.request_stop()
        for timer in timers:
            for callback, args, kwargs in timer.callbacks:
                callback(*args, **kwargs)
        assert len(plt.get_fignums()) == open_before - 1, "the window is still open after Ctrl-C"

    monkeypatch.setattr(plt, "show", window_open_until_ctrl_c)
    try:
        with matplotlib.rc_context():
            result = playground.run_window(Settings(**SMALL))
    finally:
        with interrupt.stop_on_ctrl_c():
            pass  # a new outermost block clears the flag for the tests that follow
    m = result.metrics
    assert m["interrupted"] is True and m["stopped_at"] == "0 D steps and 0 G steps (the window was open)"
    assert m["saturation_check"] is None and result.window and len(result.snapshots) == 1
