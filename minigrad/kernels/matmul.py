"""Matrix products: a @ b, a @ b.T and a.T @ b (the three products of a linear layer)."""
import numpy as np

from . import blas_threads
from .backend import is_float, kernel, use_numba


def _gemm_numba(a, b):
    """a @ b with the Numba kernel; a, b may be transposed views (read in place)."""
    out = np.zeros((a.shape[0], b.shape[1]), dtype=a.dtype)
    kernel("gemm", "gemm", a.dtype)(a, b, out)
    return out


def _numba_for(m, k, n):
    """The matmul dispatch rule: backend 'numba' always, 'numpy' never, 'auto' never (OpenBLAS's
    packed kernels beat ours on every MLP shape measured, down to the toy GAN's 64 x 5 x 128)."""
    return use_numba("matmul", m * k * n)


def _check2d(op, a, b, ka, kb):
    if a.ndim != 2 or b.ndim != 2 or a.shape[ka] != b.shape[kb]:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not align")


def matmul(a, b):
    """a @ b for ndarrays with ndim >= 2 (batched leading dims broadcast as in NumPy).

    2-D float32/float64 products go through the Numba kernel when the backend says so;
    batched products always use np.matmul.
    """
    if a.ndim < 2 or b.ndim < 2 or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"matmul: shapes {a.shape} and {b.shape} do not align")
    if a.ndim == 2 and b.ndim == 2 and _numba_for(a.shape[0], a.shape[1], b.shape[1]) and is_float(a, b):
        return _gemm_numba(a, b)
    if a.ndim == 2 and b.ndim == 2 and a.shape[1] == 1:
        return a * b          # an outer product: OpenBLAS's gemm is ~6x slower at k = 1
    blas_threads.prepare(a.shape[-2] * a.shape[-1] * b.shape[-1])
    return np.matmul(a, b)


def matmul_nt(a, b):
    """a @ b.T for 2-D a (m, k) and b (n, k): the forward X @ W.T of a linear layer."""
    _check2d("matmul_nt", a, b, 1, 1)
    if _numba_for(a.shape[0], a.shape[1], b.shape[0]) and is_float(a, b):
        return _gemm_numba(a, b.T)
    if a.shape[1] == 1:
        return a * b.T        # outer product (k = 1)
    blas_threads.prepare(a.shape[0] * a.shape[1] * b.shape[0])
    return a @ b.T


def matmul_tn(a, b):
    """a.T @ b for 2-D a (k, m) and b (k, n): the weight gradient dY.T @ X."""
    _check2d("matmul_tn", a, b, 0, 0)
    if _numba_for(a.shape[1], a.shape[0], b.shape[1]) and is_float(a, b):
        return _gemm_numba(a.T, b)
    if a.shape[0] == 1:
        return a.T * b        # outer product (k = 1)
    blas_threads.prepare(a.shape[0] * a.shape[1] * b.shape[1])
    return a.T @ b
