"""The engine test suite (gradchecks included) also passes on the two non-default backends.

The main pytest run uses MINIGRAD_BACKEND as set (default `auto`); this test runs the engine's
test files again in a subprocess under `numpy` (the pure reference path) and `numba` (Numba
kernels everywhere, matmul included), so CI covers all three with one command.

The two subprocesses are submitted to the session's `background` (conftest.py) when it starts:
they run one after the other beside the rest of the suite, and the tests below, which run last,
read their results."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ENGINE_TESTS = ["test_tensor.py", "test_gradcheck_ops.py", "test_against_torch.py", "test_nn.py", "test_optim.py",
                "test_semantics.py", "test_conv.py", "test_nn_conv.py", "test_against_torch_conv.py"]


def engine_suite(backend):
    return f"the engine suite on backend {backend}"


def start_in_background(selected_items, background):
    """Called by conftest's `background` fixture: submit the selected backends' engine suites."""
    files = [str(TESTS / name) for name in ENGINE_TESTS if (TESTS / name).exists()]
    for item in selected_items:
        if item.originalname == "test_engine_suite_on_backend":
            backend = item.callspec.params["backend"]
            background.submit(engine_suite(backend),
                              [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *files],
                              env=dict(os.environ, MINIGRAD_BACKEND=backend))


@pytest.mark.parametrize("backend", ["numpy", "numba"])
def test_engine_suite_on_backend(background, backend):
    returncode, stdout, stderr = background.result(engine_suite(backend))
    tail = "\n".join(stdout.splitlines()[-15:])
    assert returncode == 0, f"engine tests failed on backend {backend}:\n{tail}\n{stderr[-2000:]}"
    assert " passed" in tail


@pytest.mark.parametrize("backend", ["auto", "numpy", "numba"])
def test_environment_variable_selects_backend(backend):
    env = dict(os.environ, MINIGRAD_BACKEND=backend)
    out = subprocess.run([sys.executable, "-c", "import minigrad; print(minigrad.get_backend())"],
                         env=env, capture_output=True, text=True, cwd=TESTS.parent, timeout=120)
    assert out.stdout.strip() == backend
