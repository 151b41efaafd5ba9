import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption("--no-torch", action="store_true",
                     help="run as if PyTorch were not installed: every torch comparison must skip cleanly "
                          "and the rest of the suite must still check every formula")


def pytest_configure(config):
    if config.getoption("--no-torch"):
        sys.modules["torch"] = None  # `import torch` now raises ImportError, so importorskip skips


# ----------------------------------------------------------------------------- work beside the tests

class Background:
    """Subprocesses that tests start early and read late, run one after the other by one thread
    beside the in-process tests. Those are mostly one Python thread, so the second core is
    otherwise idle; one at a time, the subprocesses do not take the first core from them."""

    def __init__(self):
        self.queue, self.results, self.finished = [], {}, {}
        self.process, self.stopped = None, False

    def submit(self, key, argv, env=None):
        self.queue.append((key, argv, env))
        self.finished[key] = threading.Event()

    def start(self):
        threading.Thread(target=self._run_all, daemon=True).start()

    def _run_all(self):
        for key, argv, env in self.queue:
            if not self.stopped:
                self.process = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE,
                                                stderr=subprocess.PIPE, text=True)
                stdout, stderr = self.process.communicate()
                self.results[key] = (self.process.returncode, stdout, stderr)
            self.finished[key].set()

    def result(self, key, timeout=600):
        """(returncode, stdout, stderr) of the job `key`, waiting for it at most `timeout` seconds."""
        assert self.finished[key].wait(timeout), f"{key}: still running after {timeout} s"
        assert key in self.results, f"{key}: stopped before it ran"
        return self.results[key]

    def stop(self):
        """Kill the running subprocess and start no other (the session is ending)."""
        self.stopped = True
        if self.process is not None and self.process.poll() is None:
            self.process.kill()


def _starts_in_background(item):
    return hasattr(getattr(item, "module", None), "start_in_background")


def pytest_collection_modifyitems(items):
    """The tests of a module that defines `start_in_background` run last: their subprocesses start
    with the session (the `background` fixture), so by the time these tests wait for them, the
    rest of the suite has run beside them."""
    items.sort(key=_starts_in_background)   # stable: the order within each group is kept


JUDGE_TRAINING = "import sys; from demos import digit_parts; digit_parts.prepare(None, 0, cache_dir=sys.argv[1])"


@pytest.fixture(scope="session", autouse=True)
def background(request, tmp_path_factory):
    """The session's Background, started at its first test with, in this order: the digit lessons'
    judge (seed 0) when a selected test uses `judge_cache`, then the work that test modules
    submit in their `start_in_background(selected_items, background)` for their selected tests."""
    work = Background()
    items = request.session.items
    if any("judge_cache" in item.fixturenames for item in items):
        folder = tmp_path_factory.getbasetemp() / "judge_cache"
        work.submit("the judge's training", [sys.executable, "-c", JUDGE_TRAINING, str(folder)])
    by_module = {}
    for item in items:
        if _starts_in_background(item):
            by_module.setdefault(item.module, []).append(item)
    for module, selected in by_module.items():
        module.start_in_background(selected, work)
    work.start()
    yield work
    work.stop()


@pytest.fixture(scope="session")
def judge_cache(background, tmp_path_factory):
    """The folder where this session's digit judges are kept: the one the lessons' main() uses for an
    --out made by tmp_path_factory.mktemp (digit_parts.judge_cache_folder: next to the output
    folder), holding the seed-0 judge that `background` trained (this waits for it), so the
    lessons load it. A lesson test takes this fixture even when it does not read the path: to wait."""
    returncode, _, stderr = background.result("the judge's training")
    assert returncode == 0, f"training the judge failed:\n{stderr[-2000:]}"
    return tmp_path_factory.getbasetemp() / "judge_cache"


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def leaf(rng, *shape, positive=False, low=None):
    """A float64 leaf tensor that requires grad, with values kept away from kinks when asked."""
    data = rng.standard_normal(shape)
    if positive:
        data = np.abs(data) + 0.5
    return mg.tensor(data, requires_grad=True, dtype=np.float64)


def assert_look_at_files_written(lesson, out):
    """Every file the lesson's "What to look at" section talks about was written to `out` by the run
    (``epochs/epoch_NNN.png`` stands for any number)."""
    import re

    from demos import common
    bullets = common.what_to_look_at(common.lesson_text(lesson))
    assert bullets, f"{lesson}: no 'What to look at' section"
    for filename, _ in bullets:
        pattern = re.sub(r"N{2,}", "*", filename)
        assert list(out.glob(pattern)), f"{lesson}: the lesson text talks about {filename}, the run did not write it"


# ----------------------------------------------------------------------------- lesson outputs

def _same_value(saved, returned, where):
    """metrics.json holds `returned` as JSON: lists for arrays and tuples, null for non-finite numbers."""
    if isinstance(returned, dict):
        assert isinstance(saved, dict) and set(saved) == {str(k) for k in returned}, where
        for key, value in returned.items():
            _same_value(saved[str(key)], value, f"{where}.{key}")
    elif isinstance(returned, (list, tuple, np.ndarray)):
        returned = list(np.asarray(returned).tolist()) if isinstance(returned, np.ndarray) else list(returned)
        assert isinstance(saved, list) and len(saved) == len(returned), where
        for i, (a, b) in enumerate(zip(saved, returned)):
            _same_value(a, b, f"{where}[{i}]")
    elif isinstance(returned, (bool, np.bool_, str)) or returned is None:
        assert saved == returned, where
    else:
        value = float(returned)
        if np.isfinite(value):
            assert saved == pytest.approx(value, rel=1e-12, abs=0), where
        else:
            assert saved is None, where


def assert_metrics_json_matches(out, returned):
    """metrics.json in `out` holds exactly what the lesson returned (every key, every value)."""
    import json
    saved = json.loads((out / "metrics.json").read_text())
    _same_value(saved, returned, "metrics")
    return saved


def assert_figure_shows_data(path, colored=True, min_size=(200, 250)):
    """`path` is a PNG of at least min_size (height, width) pixels that is not an empty canvas:
    some pixels are far from white, and (colored=True) some are coloured, as plotted data are,
    not only the black and grey of empty axes, ticks and labels."""
    from matplotlib import image
    pixels = image.imread(path)[..., :3].astype(np.float64)
    assert pixels.shape[0] >= min_size[0] and pixels.shape[1] >= min_size[1], (path, pixels.shape)
    dark = np.mean(pixels.min(axis=2) < 0.7)
    assert dark > 0.005, f"{path}: almost blank ({dark:.4f} of the pixels are not near-white)"
    if colored:
        saturation = pixels.max(axis=2) - pixels.min(axis=2)
        assert np.mean(saturation > 0.25) > 0.001, f"{path}: nothing coloured is drawn"


def assert_gif_has_frames(path, at_least):
    from PIL import Image
    with Image.open(path) as gif:
        assert gif.n_frames >= at_least, (path, gif.n_frames)


# ----------------------------------------------------------------------------- Ctrl-C in a lesson

def ctrl_c_at(monkeypatch, module, iteration):
    """A context manager: inside it a lesson's `run` behaves as under the lesson runner when the first
    Ctrl-C arrives as the progress bar of `module` (demos.NAME) reaches `iteration` (0: before the
    first step). The flag is cleared on the way out, so the tests that follow run normally."""
    import contextlib

    from gan import interrupt
    from gan.progress import ProgressBar

    class CtrlCAt(ProgressBar):
        def update(self, i, values):
            super().update(i, values)
            if i >= iteration:
                interrupt.request_stop()

    monkeypatch.setattr(module, "ProgressBar", CtrlCAt)

    @contextlib.contextmanager
    def pressed():
        with interrupt.stop_on_ctrl_c():
            if iteration <= 0:
                interrupt.request_stop()
            yield
        with interrupt.stop_on_ctrl_c():
            pass  # a new outermost block clears the flag
    return pressed()
