"""One matrix product C = A B, called from Numba without the GIL: NumPy's own OpenBLAS gemm.

np.matmul of two float matrices ends in OpenBLAS's cblas_sgemm / cblas_dgemm. This module calls
the same function of the same library (found by blas_threads) directly, from a Numba function
compiled with nogil=True, so that a thread that never takes the GIL (the product worker of
handoff.py) can compute half of a product. A product is described by twelve integers
(`describe`), which is what a thread hands to another:

    [dtype code, trans A, trans B, m, n, k, address of A, lda, address of B, ldb, address of C, ldc]

Row-major, C = 1.0 * op(A) op(B) + 0.0 * C, C C-contiguous by rows (ldc = its row stride).
A matrix whose last stride is one element is passed as is; one whose first stride is one element
(a transposed view) is passed as its transpose with the 'trans' flag, as NumPy does; any other
layout is not described (`describe` returns False) and the caller uses np.matmul.

The functions are compiled without Numba's disk cache: the gemm's address is a constant of the
compiled code, and it changes from one process to the next.
"""
import ctypes

import numpy as np

from . import blas_threads

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112
FLOAT32, FLOAT64 = 0, 1
_DTYPES = {np.dtype(np.float32): FLOAT32, np.dtype(np.float64): FLOAT64}
#: length of a product's description
FIELDS = 12

_state = {"gemm": None, "tried": False}


def _cblas(lib, names, real):
    fn = next((getattr(lib, n) for n in names if hasattr(lib, n)), None)
    if fn is None:
        return None
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    fn.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int, i64, i64, i64, real, ptr, i64, ptr, i64,
                   real, ptr, i64]
    fn.restype = None
    return fn


def _compile(sgemm, dgemm):
    """gemm(p): the product p describes, on the calling thread, without the GIL."""
    from numba import njit

    @njit(nogil=True)
    def gemm(p):
        if p[0] == FLOAT32:
            sgemm(ROW_MAJOR, p[1], p[2], p[3], p[4], p[5], 1.0, p[6], p[7], p[8], p[9], 0.0, p[10], p[11])
        else:
            dgemm(ROW_MAJOR, p[1], p[2], p[3], p[4], p[5], 1.0, p[6], p[7], p[8], p[9], 0.0, p[10], p[11])
    return gemm


def gemm_function():
    """The compiled gemm(p), or None where NumPy's OpenBLAS cblas functions cannot be found
    (another BLAS, another NumPy build): callers then use np.matmul."""
    if not _state["tried"]:
        _state["tried"] = True
        lib = blas_threads.library()
        if lib is not None:
            sgemm = _cblas(lib, ("scipy_cblas_sgemm64_", "scipy_cblas_sgemm", "cblas_sgemm64_", "cblas_sgemm"),
                           ctypes.c_float)
            dgemm = _cblas(lib, ("scipy_cblas_dgemm64_", "scipy_cblas_dgemm", "cblas_dgemm64_", "cblas_dgemm"),
                           ctypes.c_double)
            if sgemm is not None and dgemm is not None:
                _state["gemm"] = _compile(sgemm, dgemm)
    return _state["gemm"]


def _layout_numpy(x):
    """(trans flag, leading dimension) of a matrix for a row-major gemm, or None."""
    item = x.itemsize
    rows, cols = x.shape
    if any(s < 0 or s % item for s in x.strides):
        return None
    if x.strides[1] == item or cols == 1:
        return NO_TRANS, max(x.strides[0] // item, cols, 1)
    if x.strides[0] == item or rows == 1:
        return TRANS, max(x.strides[1] // item, rows, 1)
    return None


def describe_numpy(a, b, out, p):
    """Write into p (int64, FIELDS long) the product out = a @ b; False if the layouts or the
    dtypes cannot be passed to the gemm as they are (then p is not valid). The reference of
    `describe`, which does the same in Numba (NumPy's .ctypes costs ~3 us per array)."""
    code = _DTYPES.get(out.dtype)
    if code is None or a.dtype != out.dtype or b.dtype != out.dtype:
        return False
    la, lb = _layout_numpy(a), _layout_numpy(b)
    if la is None or lb is None or out.strides[1] != out.itemsize or a.size == 0 or b.size == 0:
        return False
    p[0], p[1], p[2] = code, la[0], lb[0]
    p[3], p[4], p[5] = out.shape[0], out.shape[1], a.shape[1]
    p[6], p[7], p[8], p[9] = a.ctypes.data, la[1], b.ctypes.data, lb[1]
    p[10], p[11] = out.ctypes.data, max(out.strides[0] // out.itemsize, out.shape[1], 1)
    return True


def _compile_describe():
    from numba import njit

    @njit(cache=True)
    def layout(x):
        """(trans flag, leading dimension) of x for a row-major gemm; flag 0 if it cannot be passed."""
        item = x.itemsize
        rows, cols = x.shape
        s0, s1 = x.strides
        if s0 < 0 or s1 < 0 or s0 % item or s1 % item:
            return 0, 0
        if s1 == item or cols == 1:
            return NO_TRANS, max(s0 // item, cols, 1)
        if s0 == item or rows == 1:
            return TRANS, max(s1 // item, rows, 1)
        return 0, 0

    @njit(cache=True)
    def describe(a, b, out, p, code):
        if a.size == 0 or b.size == 0 or out.strides[1] != out.itemsize:
            return False
        ta, lda = layout(a)
        tb, ldb = layout(b)
        if ta == 0 or tb == 0:
            return False
        p[0], p[1], p[2] = code, ta, tb
        p[3], p[4], p[5] = out.shape[0], out.shape[1], a.shape[1]
        p[6], p[7], p[8], p[9] = a.ctypes.data, lda, b.ctypes.data, ldb
        p[10], p[11] = out.ctypes.data, max(out.strides[0] // out.itemsize, out.shape[1], 1)
        return True
    return describe


_describe = {}


def describe(a, b, out, p):
    """Write into p (int64, FIELDS long) the product out = a @ b; False if the layouts or the
    dtypes cannot be passed to the gemm as they are (then p is not valid). Compiled: NumPy's
    .ctypes costs ~3 us per array (describe_numpy is the same in NumPy, the reference)."""
    code = _DTYPES.get(out.dtype)
    if code is None or a.dtype != out.dtype or b.dtype != out.dtype:
        return False
    if not _describe:
        _describe["fn"] = _compile_describe()
    return _describe["fn"](a, b, out, p, code)
