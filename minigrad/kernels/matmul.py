"""Matrix products: a @ b, a @ b.T and a.T @ b (the three products of a linear layer)."""
import os
import threading

import numpy as np

from . import blas_threads
from .backend import is_float, kernel, use_numba


#: products with at least this many multiply-adds (m * k * n) are split over two threads
#: (handing half to the helper thread has a fixed cost that smaller products do not repay)
PARALLEL_MIN_MACS = 2 ** 24

#: B with contiguous rows (dY @ W, dY.T @ X) is read by the rank-form micro-kernel, unless
#: the dot form on transposed copies (see _nb_gemm) pays: it needs k >= DOT_MIN_K (its
#: horizontal sums are amortised over k) and at least TRANSPOSE_MIN_REUSE multiply-adds per
#: copied element (the copy itself costs a few cycles per element). The measurements behind
#: both thresholds are in benchmarks/README.md.
DOT_MIN_K = 256
TRANSPOSE_MIN_REUSE = 256


class _Helper:
    """One persistent helper thread that runs the second half of a large product.

    The Numba kernel releases the GIL (nogil=True), so the calling thread and the helper
    compute two disjoint row blocks of C at the same time. Plain Python threads rather
    than Numba's prange: no extra compilation of a parallel=True gemm, no dependence on
    Numba's threading layer (the 'workqueue' layer, the only one a venv with just numpy +
    numba is sure to have, has a costly parallel region), and it stays correct if several
    Python threads multiply at once (the second one simply runs serially, see ``busy``)."""

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


def helper():
    """The helper thread (started on first use, and again after a fork), shared with conv.py.
    Take ``helper().busy`` (non-blocking) before ``run``; if it is held, compute serially."""
    global _helper
    if _helper is None or _helper.pid != os.getpid():
        _helper = _Helper()
    return _helper


def _gemm_numba(a, b):
    """a @ b with the Numba kernel; a, b may be transposed views (read in place).
    Large products are split into two row blocks, one computed by a helper thread."""
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=a.dtype)
    gemm = kernel("gemm", "gemm", a.dtype)
    copies = _transpose_plan(a, b)
    if m * k * n < PARALLEL_MIN_MACS or m < 8:
        if copies:
            a, b = _copy_transposed(a, b, copies, None)
        gemm(a, b, out)
        return out
    _helper = helper()
    if not _helper.busy.acquire(blocking=False):   # another thread is using the helper
        if copies:
            a, b = _copy_transposed(a, b, copies, None)
        gemm(a, b, out)
        return out
    try:
        if copies:
            a, b = _copy_transposed(a, b, copies, _helper)
        h = (m // 2 + 3) // 4 * 4                  # whole 4-row tiles in the first block
        _helper.run(gemm, (a[:h], b, out[:h]), (a[h:], b, out[h:]))
    finally:
        _helper.busy.release()
    return out


def _transpose_plan(a, b):
    """Which operands to copy so that the gemm kernel takes its dot form: 0 (none), 1 (B),
    2 (B and A). Only when B's rows are contiguous and the rule above says it pays."""
    m, k = a.shape
    n = b.shape[1]
    item = b.itemsize
    if k < DOT_MIN_K or n < 2 or b.strides[1] != item or b.strides[0] == item:
        return 0
    a_copy = not (a.strides[1] == item and a.strides[0] == k * item)
    copied = k * n + (m * k if a_copy else 0)
    if m * k * n < TRANSPOSE_MIN_REUSE * copied:
        return 0
    return 2 if a_copy else 1


def _run_transposes(tr, jobs):
    for src, dst in jobs:
        tr(src, dst)


def _copy_transposed(a, b, copies, helper):
    """(A C-contiguous, B as the transposed view of a C-contiguous copy of B.T), so that
    the kernel's dot form reads both without copying. With a helper thread, each thread
    writes half of the rows of every copy."""
    m, k = a.shape
    n = b.shape[1]
    tr = kernel("gemm", "transpose", a.dtype)
    bt = np.empty((n, k), dtype=b.dtype)              # bt = b.T, C-contiguous
    pairs = [(b, bt)]                                 # transpose(S, D): D = S.T
    if copies == 2:
        ac = np.empty((m, k), dtype=a.dtype)          # ac = a, C-contiguous
        pairs.append((a.T, ac))
    if helper is None:
        _run_transposes(tr, pairs)
    else:
        mine, theirs = [], []
        for src, dst in pairs:
            h = dst.shape[0] // 2
            mine.append((src[:, :h], dst[:h]))
            theirs.append((src[:, h:], dst[h:]))
        helper.run(_run_transposes, (tr, mine), (tr, theirs))
    return (ac if copies == 2 else a), bt.T


def _not_aligned(op, a, b):
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} do not align")


def _mixed(op, a, b):
    return TypeError(f"{op}: dtypes {a.dtype} and {b.dtype} differ (shapes {a.shape} and {b.shape}); "
                     "cast one with .float() or .double()")


# The same in all three products: use_numba("matmul") (backend.AUTO_RULE) picks the Numba
# kernel or NumPy; on the NumPy side an outer product (k = 1) is a broadcast multiply, which
# OpenBLAS's gemm handles badly, and blas_threads picks the OpenBLAS thread count.

def matmul(a, b):
    """a @ b for ndarrays with ndim >= 2 (batched leading dims broadcast as in NumPy), of one dtype.

    2-D float32/float64 products go through the Numba kernel when the backend says so;
    batched products always use np.matmul.
    """
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
        raise _not_aligned("matmul", a, b)
    if a.dtype != b.dtype:
        raise _mixed("matmul", a, b)
    if a.ndim == 2 and b.ndim == 2:
        k = a.shape[1]
        if use_numba("matmul") and is_float(a, b):
            return _gemm_numba(a, b)
        if k == 1:
            return a * b          # an outer product (k = 1)
    blas_threads.prepare(a.shape[-2] * a.shape[-1] * b.shape[-1])
    return np.matmul(a, b)


def matmul_nt(a, b):
    """a @ b.T for 2-D a (m, k) and b (n, k): the forward X @ W.T of a linear layer."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise _not_aligned("matmul_nt", a, b)
    if a.dtype != b.dtype:
        raise _mixed("matmul_nt", a, b)
    (m, k), n = a.shape, b.shape[0]
    if use_numba("matmul") and is_float(a, b):
        return _gemm_numba(a, b.T)
    if k == 1:
        return a * b.T        # outer product (k = 1)
    blas_threads.prepare(m * k * n)
    if n >= 2 * m and k >= 2 * n:
        # a deep sum into a short, wide output (a convolution's weight gradient g @ cols.T):
        # OpenBLAS computes the transposed product faster (benchmarks/README.md, "NT orientation")
        return (b @ a.T).T
    return a @ b.T


def matmul_tn(a, b):
    """a.T @ b for 2-D a (k, m) and b (k, n): the weight gradient dY.T @ X."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise _not_aligned("matmul_tn", a, b)
    if a.dtype != b.dtype:
        raise _mixed("matmul_tn", a, b)
    (k, m), n = a.shape, b.shape[1]
    if use_numba("matmul") and is_float(a, b):
        return _gemm_numba(a.T, b)
    if k == 1:
        return a.T * b        # outer product (k = 1)
    blas_threads.prepare(m * k * n)
    return a.T @ b
