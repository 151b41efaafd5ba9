"""The engine test suite (gradchecks included) also passes on the two non-default backends.

The main pytest run uses MINIGRAD_BACKEND as set (default `auto`); this test runs the engine's
test files again in a subprocess under `numpy` (the pure reference path) and `numba` (Numba
kernels everywhere, matmul included), so CI covers all three with one command.

The two subprocesses start when the session's collection ends (conftest.py calls
`start_in_background`) and run one after the other beside the rest of the suite, on the core the
in-process tests leave idle; the tests below run last and only read their results."""
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ENGINE_TESTS = ["test_tensor.py", "test_gradcheck_ops.py", "test_against_torch.py", "test_nn.py", "test_optim.py",
                "test_semantics.py", "test_conv.py", "test_nn_conv.py", "test_against_torch_conv.py"]
BACKENDS = ["numpy", "numba"]
TIMEOUT = 600   # seconds a test waits for its backend's run, from when the session started it


class EngineSuites:
    """The engine suite under each of `backends`, run one backend after the other in a subprocess
    by a background thread; `result(backend)` waits for that backend's (returncode, stdout, stderr)."""

    def __init__(self, backends):
        self.results, self.process, self.stopped = {}, None, False
        self.finished = {backend: threading.Event() for backend in backends}
        self.thread = threading.Thread(target=self._run_all, args=(list(backends),), daemon=True)
        self.thread.start()

    def _run_all(self, backends):
        files = [str(TESTS / name) for name in ENGINE_TESTS if (TESTS / name).exists()]
        for backend in backends:
            if not self.stopped:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *files],
                    env=dict(os.environ, MINIGRAD_BACKEND=backend), stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True, cwd=TESTS.parent)
                stdout, stderr = self.process.communicate()
                self.results[backend] = (self.process.returncode, stdout, stderr)
            self.finished[backend].set()

    def result(self, backend, timeout=TIMEOUT):
        assert self.finished[backend].wait(timeout), f"the engine suite on backend {backend} took over {timeout} s"
        assert backend in self.results, f"the engine suite on backend {backend} was stopped before it ran"
        return self.results[backend]

    def stop(self):
        """Kill the running subprocess and start no other (the session is ending)."""
        self.stopped = True
        if self.process is not None and self.process.poll() is None:
            self.process.kill()


_suites = {}


def start_in_background(selected_items):
    """Called by conftest.py when collection ends: start the selected backends' suites."""
    backends = [item.callspec.params["backend"] for item in selected_items
                if item.originalname == "test_engine_suite_on_backend"]
    if backends:
        _suites["engine"] = EngineSuites(backends)


def stop_background():
    if "engine" in _suites:
        _suites.pop("engine").stop()


@pytest.fixture(scope="module")
def engine_runs(request):
    if "engine" not in _suites:   # the module was run without its conftest hook
        _suites["engine"] = EngineSuites(BACKENDS)
    return _suites["engine"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_engine_suite_on_backend(engine_runs, backend):
    returncode, stdout, stderr = engine_runs.result(backend)
    tail = "\n".join(stdout.splitlines()[-15:])
    assert returncode == 0, f"engine tests failed on backend {backend}:\n{tail}\n{stderr[-2000:]}"
    assert " passed" in tail


@pytest.mark.parametrize("backend", ["auto", "numpy", "numba"])
def test_environment_variable_selects_backend(backend):
    env = dict(os.environ, MINIGRAD_BACKEND=backend)
    out = subprocess.run([sys.executable, "-c", "import minigrad; print(minigrad.get_backend())"],
                         env=env, capture_output=True, text=True, cwd=TESTS.parent, timeout=120)
    assert out.stdout.strip() == backend
