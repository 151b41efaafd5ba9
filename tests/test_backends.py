"""The engine test suite (gradchecks included) also passes on the two non-default backends.

The main pytest run uses MINIGRAD_BACKEND as set (default `auto`); this test runs the engine's
test files again in a subprocess under `numpy` (the pure reference path) and `numba` (Numba
kernels everywhere, matmul included), so CI covers all three with one command."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ENGINE_TESTS = ["test_tensor.py", "test_gradcheck_ops.py", "test_against_torch.py", "test_nn.py", "test_optim.py",
                "test_semantics.py", "test_conv.py", "test_nn_conv.py", "test_against_torch_conv.py"]


@pytest.fixture(scope="module")
def engine_runs():
    """Both backends' runs start at once (each mostly runs on its own core while this process
    waits), then each test waits for its own."""
    files = [str(TESTS / name) for name in ENGINE_TESTS if (TESTS / name).exists()]
    runs = {backend: subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *files],
                                      env=dict(os.environ, MINIGRAD_BACKEND=backend), stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, cwd=TESTS.parent)
            for backend in ("numpy", "numba")}
    yield runs
    for process in runs.values():
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_engine_suite_on_backend(engine_runs, backend):
    stdout, stderr = engine_runs[backend].communicate(timeout=600)
    tail = "\n".join(stdout.splitlines()[-15:])
    assert engine_runs[backend].returncode == 0, f"engine tests failed on backend {backend}:\n{tail}\n{stderr[-2000:]}"
    assert " passed" in tail


@pytest.mark.parametrize("backend", ["auto", "numpy", "numba"])
def test_environment_variable_selects_backend(backend):
    env = dict(os.environ, MINIGRAD_BACKEND=backend)
    out = subprocess.run([sys.executable, "-c", "import minigrad; print(minigrad.get_backend())"],
                         env=env, capture_output=True, text=True, cwd=TESTS.parent, timeout=120)
    assert out.stdout.strip() == backend
