"""The product worker (minigrad/kernels/handoff.py) and the direct gemm it calls
(minigrad/kernels/blas_direct.py): a product computed in halves by the worker equals the same
halves computed by np.matmul bit for bit, every layout the gemm is given is described correctly,
and the worker survives sleeping, errors, several Python threads and fork()."""
import importlib
import multiprocessing
import threading
import time

import numpy as np
import pytest

from minigrad import kernels as K

blas_direct = importlib.import_module("minigrad.kernels.blas_direct")
handoff = importlib.import_module("minigrad.kernels.handoff")
matmul_module = importlib.import_module("minigrad.kernels.matmul")
threads = importlib.import_module("minigrad.kernels.threads")

needs_gemm = pytest.mark.skipif(blas_direct.gemm_function() is None,
                                reason="NumPy's OpenBLAS cblas gemm not found (another BLAS): np.matmul is used")


@pytest.fixture
def two_cores():
    saved = threads.get_threads()
    threads.set_threads("2")
    yield
    threads.set_threads(saved)


def layouts(rng, rows, cols, dtype):
    """The same matrix values in the layouts minigrad's products receive, and two it must refuse."""
    m = rng.standard_normal((rows, cols)).astype(dtype)
    wide = np.zeros((rows, 2 * cols), dtype)
    wide[:, ::2] = m
    padded = np.zeros((rows, cols + 3), dtype)
    padded[:, :cols] = m
    return {"C": m, "transposed": np.ascontiguousarray(m.T).T, "padded rows": padded[:, :cols],
            "every other column": wide[:, ::2], "reversed rows": np.ascontiguousarray(m[::-1])[::-1]}


REFUSED = {"every other column", "reversed rows"}


@needs_gemm
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_every_accepted_layout_gives_np_matmul_bit_for_bit(dtype):
    rng = np.random.default_rng(0)
    gemm = blas_direct.gemm_function()
    for name_a, a in layouts(rng, 37, 53, dtype).items():
        for name_b, b in layouts(rng, 53, 29, dtype).items():
            out = np.full((37, 29), np.nan, dtype)
            job = np.zeros(blas_direct.FIELDS, np.int64)
            accepted = blas_direct.describe(a, b, out, job)
            assert accepted == (name_a not in REFUSED and name_b not in REFUSED), (name_a, name_b)
            reference = np.zeros(blas_direct.FIELDS, np.int64)
            assert blas_direct.describe_numpy(a, b, out, reference) == accepted
            if accepted:
                assert np.array_equal(job, reference), (name_a, name_b)
                gemm(job)
                assert np.array_equal(out, a @ b), (name_a, name_b)


def test_mixed_dtypes_and_empty_matrices_are_not_described():
    job = np.zeros(blas_direct.FIELDS, np.int64)
    a32, b64 = np.ones((3, 4), np.float32), np.ones((4, 2), np.float64)
    assert not blas_direct.describe(a32, b64, np.empty((3, 2), np.float32), job)
    assert not blas_direct.describe(np.ones((3, 4), np.int64), np.ones((4, 2), np.int64),
                                    np.empty((3, 2), np.int64), job)
    assert not blas_direct.describe(np.ones((3, 0), np.float32), np.ones((0, 2), np.float32),
                                    np.empty((3, 2), np.float32), job)


def numpy_halves(a, b):
    """The halves of matmul._halves, each by np.matmul: what the product was before the worker."""
    out = np.empty((a.shape[0], b.shape[1]), a.dtype)
    for x, y, o in matmul_module._halves(a, b, out):
        np.matmul(x, y, out=o)
    return out


@needs_gemm
@pytest.mark.parametrize("shape", [(64, 784, 512), (512, 64, 784), (33, 300, 1000)])
def test_split_products_equal_the_numpy_halves_of_before(shape, two_cores):
    m, k, n = shape
    rng = np.random.default_rng(1)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    saved = K.get_backend()
    K.set_backend("numpy")
    try:
        got = (K.matmul(a, b), K.matmul_nt(a, np.ascontiguousarray(b.T)), K.matmul_tn(np.ascontiguousarray(a.T), b))
    finally:
        K.set_backend(saved)
    reference = numpy_halves(a, b)
    for x in got:
        assert np.array_equal(x, reference)


@needs_gemm
def test_the_worker_sleeps_when_idle_and_wakes_for_the_next_job(two_cores):
    rng = np.random.default_rng(2)
    a = rng.standard_normal((64, 784)).astype(np.float32)
    b = rng.standard_normal((784, 512)).astype(np.float32)
    reference = numpy_halves(a, b)
    assert np.array_equal(matmul_module._blas(a, b), reference)
    w = handoff.worker()
    deadline = time.monotonic() + 5
    while not w.ctrl[handoff.SLEEPING] and time.monotonic() < deadline:
        time.sleep(handoff.SPIN_SECONDS)
    assert w.ctrl[handoff.SLEEPING] == 1, "the worker still polls long after its last job"
    assert np.array_equal(matmul_module._blas(a, b), reference)
    assert w.ctrl[handoff.DONE] == w.ctrl[handoff.POSTED]


def test_an_error_in_the_workers_half_reaches_the_caller(two_cores):
    def job(which):
        if which == "theirs":
            raise ZeroDivisionError("the worker's half failed")
    with pytest.raises(ZeroDivisionError, match="worker's half"):
        threads.run_halves(job, ("mine",), ("theirs",))
    done = []
    threads.run_halves(done.append, (1,), (2,))     # the worker still serves the next job
    assert sorted(done) == [1, 2]


@needs_gemm
def test_several_python_threads_share_the_worker(two_cores):
    rng = np.random.default_rng(3)
    pairs = [(rng.standard_normal((64, 512)).astype(np.float32), rng.standard_normal((512, 300)).astype(np.float32))
             for _ in range(4)]
    failures = []

    def work(a, b):
        reference = numpy_halves(a, b)
        for _ in range(20):
            if not np.array_equal(matmul_module._blas(a, b), reference):
                failures.append(1)
    workers = [threading.Thread(target=work, args=pair) for pair in pairs]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert not failures


def _product_in_child(queue):
    threads.set_threads("2")
    rng = np.random.default_rng(4)
    a = rng.standard_normal((64, 784)).astype(np.float32)
    b = rng.standard_normal((784, 512)).astype(np.float32)
    queue.put(bool(np.array_equal(matmul_module._blas(a, b), numpy_halves(a, b))))


@needs_gemm
def test_a_forked_child_starts_its_own_worker(two_cores):
    a = np.ones((64, 784), np.float32)
    matmul_module._blas(a, np.ones((784, 512), np.float32))       # the parent's worker exists
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_product_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0 and queue.get(timeout=5) is True


def test_without_a_worker_split_work_runs_on_the_callers_thread(two_cores, monkeypatch):
    """Where the C library's sched_yield cannot be called (Windows) there is no worker: the halves
    run one after the other on the caller's thread, with the same result."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((64, 784)).astype(np.float32)
    b = rng.standard_normal((784, 512)).astype(np.float32)
    monkeypatch.setattr(handoff, "_sched_yield", None)
    assert handoff.worker() is None
    ran_on = []
    threads.run_halves(lambda: ran_on.append(threading.get_ident()), (), ())
    assert ran_on == [threading.get_ident()] * 2
    assert np.array_equal(matmul_module._blas(a, b), numpy_halves(a, b))
