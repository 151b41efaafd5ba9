"""Matrix products: a @ b, a @ b.T and a.T @ b (the three products of a linear layer)."""
import numpy as np

from . import blas_direct, blas_threads, handoff
from .backend import dispatch, kernel
from .threads import run_halves, second_core_free


#: products with at least this many multiply-adds (m * k * n) are computed as two halves, on two
#: cores when one is free (threads.py). Through the worker's polled hand-off (handoff.py) halves pay
#: from about 2**20 on (benchmarks/split_threshold.py), but lowering the threshold gained nothing
#: on the MNIST GAN and would change every lesson's figures (the halves round differently from
#: the whole), so it stays where the lock-based hand-off put it.
SPLIT_MIN_MACS = 2 ** 23

#: B with contiguous rows (dY @ W, dY.T @ X) is read by the rank-form micro-kernel, unless
#: the dot form on transposed copies (see _nb_gemm) pays: it needs k >= DOT_MIN_K (its
#: horizontal sums are amortised over k) and at least TRANSPOSE_MIN_REUSE multiply-adds per
#: copied element (the copy itself costs a few cycles per element). The measurements behind
#: both thresholds are in benchmarks/README.md.
DOT_MIN_K = 256
TRANSPOSE_MIN_REUSE = 256


def _gemm_numba(a, b):
    """a @ b with the Numba kernel; a, b may be transposed views (read in place).
    Large products are split into two row blocks, one computed by a helper thread."""
    m, k = a.shape
    n = b.shape[1]
    out = np.zeros((m, n), dtype=a.dtype)
    gemm = kernel("gemm", "gemm", a.dtype)
    copies = _transpose_plan(a, b)
    split = m * k * n >= SPLIT_MIN_MACS and m >= 8
    if copies:
        a, b = _copy_transposed(a, b, copies, split)
    if not split:
        gemm(a, b, out)
        return out
    h = (m // 2 + 3) // 4 * 4                      # whole 4-row tiles in the first block
    run_halves(gemm, (a[:h], b, out[:h]), (a[h:], b, out[h:]))
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


def _copy_transposed(a, b, copies, split):
    """(A C-contiguous, B as the transposed view of a C-contiguous copy of B.T), so that
    the kernel's dot form reads both without copying; with split=True each half of the rows
    of every copy may be written by another thread (run_halves)."""
    m, k = a.shape
    n = b.shape[1]
    tr = kernel("gemm", "transpose", a.dtype)
    bt = np.empty((n, k), dtype=b.dtype)              # bt = b.T, C-contiguous
    pairs = [(b, bt)]                                 # transpose(S, D): D = S.T
    if copies == 2:
        ac = np.empty((m, k), dtype=a.dtype)          # ac = a, C-contiguous
        pairs.append((a.T, ac))
    if not split:
        _run_transposes(tr, pairs)
        return (ac if copies == 2 else a), bt.T
    mine, theirs = [], []
    for src, dst in pairs:
        h = dst.shape[0] // 2
        mine.append((src[:, :h], dst[:h]))
        theirs.append((src[:, h:], dst[h:]))
    run_halves(_run_transposes, (tr, mine), (tr, theirs))
    return (ac if copies == 2 else a), bt.T


def _not_aligned(op, a, b):
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} do not align")


def _mixed(op, a, b):
    return TypeError(f"{op}: dtypes {a.dtype} and {b.dtype} differ (shapes {a.shape} and {b.shape}); "
                     "cast one with .float() or .double()")


def _matmul_into(a, b, out):
    np.matmul(a, b, out=out)


def _halves(a, b, out):
    """The two halves of out = a @ b: its rows, or its columns when it is wider than tall."""
    m, n = out.shape
    if m >= n:
        h = m // 2
        return (a[:h], b, out[:h]), (a[h:], b, out[h:])
    h = n // 2
    return (a, b[:, :h], out[:, :h]), (a, b[:, h:], out[:, h:])


def _blas(a, b):
    """a @ b for 2-D a, b by NumPy's OpenBLAS on one thread; a large product as two halves of its
    output (rows, or columns when it is wider than tall), on two cores when one is free
    (threads.py). The halves depend on the shape alone, so the result does not depend on the load.

    The halves go to the product worker (handoff.py, handed over in microseconds) where NumPy's
    OpenBLAS gemm can be called directly (blas_direct.py); else to threads.run_halves."""
    (m, k), n = a.shape, b.shape[1]
    if not blas_threads.pinned:
        blas_threads.use_one_thread()
    gemm = blas_direct.gemm_function()
    if m * k * n < SPLIT_MIN_MACS or (m < 2 and n < 2):
        return a @ b
    out = np.empty((m, n), dtype=np.result_type(a, b))
    first, second = _halves(a, b, out)
    jobs = np.empty((2, blas_direct.FIELDS), dtype=np.int64)
    if gemm is not None and blas_direct.describe(*first, jobs[0]) and blas_direct.describe(*second, jobs[1]):
        _direct_halves(gemm, jobs[0], jobs[1])
    else:
        run_halves(_matmul_into, first, second)
    return out


def _direct_halves(gemm, mine, theirs):
    """gemm(mine) and gemm(theirs): on two cores when one is free and the product worker is not
    taken by another Python thread, else one after the other here (the same arithmetic)."""
    if second_core_free():
        w = handoff.worker()
        if w is not None and w.busy.acquire(blocking=False):
            try:
                w.run_product(gemm, mine, theirs)
                return
            finally:
                w.busy.release()
    gemm(mine)
    gemm(theirs)


# The same in all three products: dispatch("matmul", ...) (backend.AUTO_RULE) picks the Numba
# kernel or NumPy; on the NumPy side an outer product (k = 1) is a broadcast multiply, which
# OpenBLAS's gemm handles badly, and _blas follows the thread policy (threads.py).

def _nn_numpy(a, b):
    return a * b if a.shape[1] == 1 else _blas(a, b)      # an outer product (k = 1)


def _nt_numba(a, b):
    return _gemm_numba(a, b.T)


def _nt_numpy(a, b):
    (m, k), n = a.shape, b.shape[0]
    if k == 1:
        return a * b.T        # outer product (k = 1)
    if n >= 2 * m and k >= 2 * n:
        # a deep sum into a short, wide output (a convolution's weight gradient g @ cols.T):
        # OpenBLAS computes the transposed product faster (benchmarks/README.md, "NT orientation")
        return _blas(b, a.T).T
    return _blas(a, b.T)


def _tn_numba(a, b):
    return _gemm_numba(a.T, b)


def _tn_numpy(a, b):
    return a.T * b if a.shape[0] == 1 else _blas(a.T, b)  # outer product (k = 1)


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
        return dispatch("matmul", _gemm_numba, _nn_numpy, a, b)(a, b)
    blas_threads.use_one_thread()
    return np.matmul(a, b)


def matmul_nt(a, b):
    """a @ b.T for 2-D a (m, k) and b (n, k): the forward X @ W.T of a linear layer."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise _not_aligned("matmul_nt", a, b)
    if a.dtype != b.dtype:
        raise _mixed("matmul_nt", a, b)
    return dispatch("matmul", _nt_numba, _nt_numpy, a, b)(a, b)


def matmul_tn(a, b):
    """a.T @ b for 2-D a (k, m) and b (k, n): the weight gradient dY.T @ X."""
    if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[0]:
        raise _not_aligned("matmul_tn", a, b)
    if a.dtype != b.dtype:
        raise _mixed("matmul_tn", a, b)
    return dispatch("matmul", _tn_numba, _tn_numpy, a, b)(a, b)
