"""Numba matrix product C += A @ B, tiled for cache and vectorised by LLVM.

One kernel serves a @ b, a @ b.T and a.T @ b: the caller passes transposed *views*
(``b.T``, ``a.T``), which Numba reads in place through their strides. Only a small
block of B (at most KC x NC) is ever copied, into a contiguous buffer ("packing"),
so that the inner loop reads unit-stride rows whatever the layout of B.

Loop nest (C is m x n, A is m x k, B is k x n):

    for each column block j0 (NC wide):           Bp block stays in L2
      for each depth block p0 (KC deep):
        pack B[p0:p0+KC, j0:j0+NC] -> Bp          (one strided read of B)
        for each row block i0 (MC rows):          C block stays in L2
          for p in steps of 8 (KU):               8 rows of Bp stay in L1
            for each row i:                       8 scalars of A in registers
              C[i, j0:] += A[i,p]*Bp[p] + ... + A[i,p+7]*Bp[p+7]     (vector loop)

The inner loop is a rank-8 update of one row of C: per SIMD vector of C it does
8 fused multiply-adds for 8 loads of Bp, 1 load and 1 store of C. Updating C once
per 8 values of k (instead of once per k) is what moves the loop from store-bound
to FMA-bound. LLVM vectorises the j loop (AVX2: 8 float32 or 4 float64 lanes).
"""
import numpy as np
from numba import njit, types

# fastmath={'contract'} only lets LLVM fuse a*b + c into one FMA instruction (one
# rounding instead of two). It is the only fast-math flag used anywhere, and only in
# the matrix product, whose results are compared with a tolerance.
_FLAGS = dict(cache=True, boundscheck=False, fastmath={"contract"}, error_model="numpy")

NC = 256   # columns of a B block: 8 rows x 256 x 4 B = 8 KB of Bp in L1 per step
KC = 256   # depth of a B block: 256 x 256 x 4 B = 256 KB packed block in L2 (512 KB)
MC = 64    # rows of a C block: 64 x 256 x 4 B = 64 KB of C in L2 while Bp rows sit in L1
KU = 8     # depth of one rank-KU row update (see module docstring)


@njit(**_FLAGS)
def gemm(A, B, C):
    """C += A @ B for 2-D A (m, k), B (k, n) of any strides; C (m, n) C-contiguous."""
    m, k = A.shape
    n = B.shape[1]
    Bp = np.empty((KC, NC), dtype=C.dtype)
    for j0 in range(0, n, NC):
        nc = min(NC, n - j0)
        for p0 in range(0, k, KC):
            kc = min(KC, k - p0)
            for p in range(kc):
                for j in range(nc):
                    Bp[p, j] = B[p0 + p, j0 + j]
            for i0 in range(0, m, MC):
                i1 = min(i0 + MC, m)
                p = 0
                while p + KU <= kc:
                    # 1-D row views: unit-stride, non-negative indices -> LLVM vectorises
                    b0 = Bp[p, :nc]
                    b1 = Bp[p + 1, :nc]
                    b2 = Bp[p + 2, :nc]
                    b3 = Bp[p + 3, :nc]
                    b4 = Bp[p + 4, :nc]
                    b5 = Bp[p + 5, :nc]
                    b6 = Bp[p + 6, :nc]
                    b7 = Bp[p + 7, :nc]
                    q = p0 + p
                    for i in range(i0, i1):
                        a0 = A[i, q]
                        a1 = A[i, q + 1]
                        a2 = A[i, q + 2]
                        a3 = A[i, q + 3]
                        a4 = A[i, q + 4]
                        a5 = A[i, q + 5]
                        a6 = A[i, q + 6]
                        a7 = A[i, q + 7]
                        c = C[i, j0:j0 + nc]
                        for j in range(nc):
                            c[j] += (a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j]
                                     + a4 * b4[j] + a5 * b5[j] + a6 * b6[j] + a7 * b7[j])
                    p += KU
                while p < kc:              # the k % 8 leftover, one rank-1 update each
                    b0 = Bp[p, :nc]
                    for i in range(i0, i1):
                        a0 = A[i, p0 + p]
                        c = C[i, j0:j0 + nc]
                        for j in range(nc):
                            c[j] += a0 * b0[j]
                    p += 1


def sig_gemm(dtype):
    """(A any-layout 2-D, B any-layout 2-D, C C-contiguous 2-D) for float32 or float64."""
    t = types.float32 if dtype == np.float32 else types.float64
    return (types.Array(t, 2, "A"), types.Array(t, 2, "A"), types.Array(t, 2, "C"))
