"""Matrix products: a @ b, a @ b.T and a.T @ b (the three products of a linear layer)."""
import os
import threading

import numpy as np

from . import blas_threads
from .backend import is_float, kernel, use_numba


#: products with at least this many multiply-adds (m * k * n) are split over two threads
#: (~0.8 ms serial at 40 GFLOP/s). Handing half to the helper thread costs 20-35 us, but on
#: this shared 2-core machine the helper often waits for a core (another process, or the
#: OpenBLAS threads that spin for a while after each np.matmul): below ~2^24 splitting
#: lost as often as it won (measured with benchmarks/matmul.py).
PARALLEL_MIN_MACS = 2 ** 24


class _Helper:
    """One persistent helper thread that runs the second half of a large product.

    The Numba kernel releases the GIL (nogil=True), so the calling thread and the helper
    compute two disjoint row blocks of C at the same time. Plain Python threads rather
    than Numba's prange: no extra compilation (a parallel=True gemm cost ~10 s more per
    dtype), no dependence on the threading layer (with 'workqueue', the only one a venv
    with just numpy + numba is sure to have, a parallel region cost ~80 us here), and
    it stays correct if several Python threads multiply at once (the second one simply
    runs serially, see ``busy``)."""

    def __init__(self):
        self.busy = threading.Lock()       # held while a split product is in flight
        self._go = threading.Lock()
        self._done = threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._job = self._error = None
        self.pid = os.getpid()             # threads do not survive fork()
        threading.Thread(target=self._loop, name="minigrad-gemm", daemon=True).start()

    def _loop(self):
        while True:
            self._go.acquire()
            fn, args = self._job
            try:
                fn(*args)
            except BaseException as e:     # re-raised in the calling thread
                self._error = e
            self._done.release()

    def run(self, fn, mine, theirs):
        """fn(*theirs) on the helper while fn(*mine) runs here; returns when both are done."""
        self._job, self._error = (fn, theirs), None
        self._go.release()
        try:
            fn(*mine)
        finally:
            self._done.acquire()
        if self._error is not None:
            raise self._error


_helper = None


def _gemm_numba(a, b):
    """a @ b with the Numba kernel; a, b may be transposed views (read in place).
    Large products are split into two row blocks, one computed by a helper thread."""
    global _helper
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=a.dtype)
    gemm = kernel("gemm", "gemm", a.dtype)
    if m * k * n < PARALLEL_MIN_MACS or m < 8:
        gemm(a, b, out)
        return out
    if _helper is None or _helper.pid != os.getpid():
        _helper = _Helper()
    if not _helper.busy.acquire(blocking=False):   # another thread is using the helper
        gemm(a, b, out)
        return out
    try:
        h = (m // 2 + 3) // 4 * 4                  # whole 4-row tiles in the first block
        _helper.run(gemm, (a[:h], b, out[:h]), (a[h:], b, out[h:]))
    finally:
        _helper.busy.release()
    return out


def _not_aligned(op, a, b):
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} do not align")


# The dispatch rule, the same in all three products: backend 'numba' -> the Numba kernel,
# 'numpy' and 'auto' -> OpenBLAS (its packed kernels beat ours on every MLP shape measured,
# down to the toy GAN's 64 x 5 x 128), except outer products (k = 1), which are a broadcast
# multiply. These functions run ~20 times per toy GAN iteration, so the checks are inline.

def matmul(a, b):
    """a @ b for ndarrays with ndim >= 2 (batched leading dims broadcast as in NumPy).

    2-D float32/float64 products go through the Numba kernel when the backend says so;
    batched products always use np.matmul.
    """
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
        raise _not_aligned("matmul", a, b)
    if a.ndim == 2 and b.ndim == 2:
        (m, k), n = a.shape, b.shape[1]
        if use_numba("matmul", m * k * n) and is_float(a, b):
            return _gemm_numba(a, b)
        if k == 1:
            return a * b          # an outer product: OpenBLAS's gemm is ~6x slower at k = 1
    blas_threads.prepare(a.shape[-2] * a.shape[-1] * b.shape[-1])
    return np.matmul(a, b)


def matmul_nt(a, b):
    """a @ b.T for 2-D a (m, k) and b (n, k): the forward X @ W.T of a linear layer."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise _not_aligned("matmul_nt", a, b)
    (m, k), n = a.shape, b.shape[0]
    if use_numba("matmul", m * k * n) and is_float(a, b):
        return _gemm_numba(a, b.T)
    if k == 1:
        return a * b.T        # outer product (k = 1)
    blas_threads.prepare(m * k * n)
    return a @ b.T


def matmul_tn(a, b):
    """a.T @ b for 2-D a (k, m) and b (k, n): the weight gradient dY.T @ X."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise _not_aligned("matmul_tn", a, b)
    (k, m), n = a.shape, b.shape[1]
    if use_numba("matmul", m * k * n) and is_float(a, b):
        return _gemm_numba(a.T, b)
    if k == 1:
        return a.T * b        # outer product (k = 1)
    blas_threads.prepare(m * k * n)
    return a.T @ b
