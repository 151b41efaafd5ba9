"""Numba matrix product C += A @ B (C is m x n, A is m x k, B is k x n).

One kernel serves a @ b, a @ b.T and a.T @ b: the caller passes transposed *views*
(``b.T``, ``a.T``). What limits a matrix product is not arithmetic but moving data:
an AVX2 core can do 2 vector FMAs per cycle, but only about 2 vector loads and 1 store.
So the loops are arranged so that every value loaded from memory feeds several FMAs.
Numba cannot keep a small array in registers, only scalar variables, so the two
micro-kernels below are written with explicit scalars. Which one runs depends on the
layout of B:

1. Dot form (B's columns contiguous, e.g. X @ W.T): with Bt = B.T, k is contiguous in
   the rows of both A and Bt, and C[i, j] = dot(A[i], Bt[j]). A 4 x 3 tile of C is 12
   dot products computed in ONE k loop with 12 scalar accumulators (in registers):

       for each panel of Bt rows (DOT_PANEL_BYTES of Bt, stays in L2):
         for i in steps of 4:                    rows A[i..i+3] stay in L1
           for j in steps of 3 inside the panel:
             c00..c32 = 0
             for p in range(k):                  vectorised over p by LLVM
               c_rs += A[i+r, p] * Bt[j+s, p]    (12 FMAs for 7 loads)
             C[i+r, j+s] += c_rs

   LLVM vectorises the p loop: each accumulator becomes a vector of partial sums
   (8 float32 / 4 float64 lanes), summed horizontally once after the loop. That needs
   the 'reassoc' fast-math flag (see _FLAGS). 12 accumulators + 3 loaded rows of Bt
   + 1 of A fill the 16 ymm registers of AVX2.

2. Rank form (B's rows contiguous, e.g. dY @ W or dY.T @ X): a rank-4 update of 4 rows
   of C at a time, vectorised over the columns j:

       for each column block j0 (RANK_COLS_BYTES of a C row):
         for each depth block p0 (RANK_DEPTH rows of B, block stays in L2):
           for i in steps of 4:                  4 row segments of C stay in L1
             for p in steps of 4:                16 scalars A[i..i+3, p..p+3] (broadcast)
               for j in the column block:        vectorised over j by LLVM
                 C[i+r, j] += A[i+r,p]*B[p,j] + ... + A[i+r,p+3]*B[p+3,j]   (r = 0..3)

   Per vector of C: 16 FMAs for 4 loads of B, 4 loads and 4 stores of C (the 16
   broadcast scalars do not all fit in registers; LLVM keeps some on the stack and uses
   them as FMA memory operands). No horizontal sums, so it also suits a short k (the
   weight gradient dY.T @ X has k = batch).

Which form runs: gemm() takes the dot form exactly when B's columns are contiguous, so
that Bt = B.T is a view and needs no copy; any other layout goes to the rank form (a
strided B is first copied, C-contiguous). For a B with contiguous rows the dot form needs
a transposed copy Bt (and, for dY.T @ X, a copy of A too, since A = dY.T is a transposed
view). matmul.py makes these copies, with transpose() below, only when it pays:

  * the dot form itself beats the rank form only for a long k (its 12 horizontal sums per
    tile are amortised over k; the weight gradient at batch 64 has k = 64);
  * the copy costs a few cycles per element, and dY @ W copies W (k * n values) for
    m * k * n multiply-adds: m = batch reuses per copied value, too few at batch 64.
  (Figures: benchmarks/README.md, "Matrix products".)

Hence the rule in matmul.py: copy when k >= DOT_MIN_K (256) and there are at least
TRANSPOSE_MIN_REUSE (256) multiply-adds per copied value; otherwise the rank form. On
two threads each thread copies half of the rows of each copy, then each computes its
half of C (two hand-offs to the helper thread).

Why a blocked transpose: a plain double loop D[j, i] = S[i, j] writes one value into
each of n different cache lines of D per row of S; with rows of 1-4 KB those lines also
fall into the same few L1 sets, so they are evicted before they are full.
transpose() works on 32 x 32 tiles (32 lines of D stay in L1 until filled) and, inside
a tile, on 4 x 4 blocks held in 16 scalars: 4 short row reads of S, 4 row writes of D.

The kernel releases the GIL (nogil=True): matmul.py splits large products into two row
blocks of C, computed at the same time by the calling thread and a helper thread.
"""
import numpy as np
from numba import njit, types

# fastmath={'contract', 'reassoc'}, only in the matrix product. 'contract' fuses a*b + c
# into one FMA (one rounding instead of two). 'reassoc' lets LLVM reorder the sums, which
# is what allows it to vectorise a dot product (8 partial sums added at the end instead
# of one running sum) and sum a*x0 + b*x1 + ... in any order. Results then differ from
# NumPy's in the last bits; that is acceptable because products are compared with a
# tolerance, and the NumPy backend stays the bit-exact reference. No other fast-math
# flag (NaN/inf handling, approximate functions) is used anywhere.
_FLAGS = dict(cache=True, boundscheck=False, fastmath={"contract", "reassoc"},
              error_model="numpy", nogil=True)

DOT_PANEL_BYTES = 128 * 1024   # rows of Bt reused by every 4-row block of A: stays in L2 (512 KB)
RANK_COLS_BYTES = 4096         # a C row segment: 4 rows x 4 KB = 16 KB of C in L1 (32 KB)
RANK_DEPTH = 64                # rows of B per depth block: 64 x 4 KB = 256 KB of B in L2


@njit(**_FLAGS)
def _dot_block(A, Bt, C, i_lo, i_hi, j_lo, j_hi):
    """C[i_lo:i_hi, j_lo:j_hi] += A[i_lo:i_hi] @ Bt[j_lo:j_hi].T (A, Bt C-contiguous)."""
    k = A.shape[1]
    zero = C.dtype.type(0)
    panel = max(3, DOT_PANEL_BYTES // max(1, k * C.itemsize) // 3 * 3)
    last_i = i_hi - 1
    for j0 in range(j_lo, j_hi, panel):
        j1 = min(j0 + panel, j_hi)
        for i in range(i_lo, i_hi, 4):
            # Edge tiles: rows/columns past the end repeat the last one (so the loop
            # body has no branches) and their results are not stored.
            a0 = A[i]
            a1 = A[min(i + 1, last_i)]
            a2 = A[min(i + 2, last_i)]
            a3 = A[min(i + 3, last_i)]
            for j in range(j0, j1, 3):
                b0 = Bt[j]
                b1 = Bt[min(j + 1, j1 - 1)]
                b2 = Bt[min(j + 2, j1 - 1)]
                c00 = zero; c01 = zero; c02 = zero
                c10 = zero; c11 = zero; c12 = zero
                c20 = zero; c21 = zero; c22 = zero
                c30 = zero; c31 = zero; c32 = zero
                for p in range(k):
                    x0 = b0[p]; x1 = b1[p]; x2 = b2[p]
                    y = a0[p]; c00 += y * x0; c01 += y * x1; c02 += y * x2
                    y = a1[p]; c10 += y * x0; c11 += y * x1; c12 += y * x2
                    y = a2[p]; c20 += y * x0; c21 += y * x1; c22 += y * x2
                    y = a3[p]; c30 += y * x0; c31 += y * x1; c32 += y * x2
                n_valid = min(3, j1 - j)
                _store_row(C, i, j, n_valid, c00, c01, c02)
                if i + 1 < i_hi:
                    _store_row(C, i + 1, j, n_valid, c10, c11, c12)
                if i + 2 < i_hi:
                    _store_row(C, i + 2, j, n_valid, c20, c21, c22)
                if i + 3 < i_hi:
                    _store_row(C, i + 3, j, n_valid, c30, c31, c32)


@njit(inline="always", **_FLAGS)
def _store_row(C, i, j, n_valid, c0, c1, c2):
    C[i, j] += c0
    if n_valid > 1:
        C[i, j + 1] += c1
    if n_valid > 2:
        C[i, j + 2] += c2


@njit(**_FLAGS)
def _rank_block(A, B, C, i_lo, i_hi, j_lo, j_hi):
    """C[i_lo:i_hi, j_lo:j_hi] += A[i_lo:i_hi] @ B[:, j_lo:j_hi] (B C-contiguous, A any)."""
    k = A.shape[1]
    cols = max(8, RANK_COLS_BYTES // C.itemsize)
    spare = np.empty((3, min(cols, j_hi - j_lo)), dtype=C.dtype)
    last_i = i_hi - 1
    for j0 in range(j_lo, j_hi, cols):
        j1 = min(j0 + cols, j_hi)
        nc = j1 - j0
        for p0 in range(0, k, RANK_DEPTH):
            p1 = min(p0 + RANK_DEPTH, k)
            for i in range(i_lo, i_hi, 4):
                # Edge rows: past i_hi, read the last row of A and write into a row of
                # `spare` (discarded), so the vector loop is the same for every block.
                # (Three distinct spare rows: if two c's were the same memory, LLVM's
                # run-time overlap check would send the loop to its slow scalar version.)
                i1 = min(i + 1, last_i)
                i2 = min(i + 2, last_i)
                i3 = min(i + 3, last_i)
                c0 = C[i, j0:j1]
                c1 = C[i1, j0:j1] if i + 1 < i_hi else spare[0, :nc]
                c2 = C[i2, j0:j1] if i + 2 < i_hi else spare[1, :nc]
                c3 = C[i3, j0:j1] if i + 3 < i_hi else spare[2, :nc]
                p = p0
                while p + 4 <= p1:
                    a00 = A[i, p]; a01 = A[i, p + 1]; a02 = A[i, p + 2]; a03 = A[i, p + 3]
                    a10 = A[i1, p]; a11 = A[i1, p + 1]; a12 = A[i1, p + 2]; a13 = A[i1, p + 3]
                    a20 = A[i2, p]; a21 = A[i2, p + 1]; a22 = A[i2, p + 2]; a23 = A[i2, p + 3]
                    a30 = A[i3, p]; a31 = A[i3, p + 1]; a32 = A[i3, p + 2]; a33 = A[i3, p + 3]
                    b0 = B[p, j0:j1]
                    b1 = B[p + 1, j0:j1]
                    b2 = B[p + 2, j0:j1]
                    b3 = B[p + 3, j0:j1]
                    for j in range(nc):
                        x0 = b0[j]; x1 = b1[j]; x2 = b2[j]; x3 = b3[j]
                        c0[j] = c0[j] + a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3
                        c1[j] = c1[j] + a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3
                        c2[j] = c2[j] + a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3
                        c3[j] = c3[j] + a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3
                    p += 4
                while p < p1:                  # the k % 4 leftover: rank-1 updates
                    a00 = A[i, p]; a10 = A[i1, p]; a20 = A[i2, p]; a30 = A[i3, p]
                    b0 = B[p, j0:j1]
                    for j in range(nc):
                        x0 = b0[j]
                        c0[j] += a00 * x0
                        c1[j] += a10 * x0
                        c2[j] += a20 * x0
                        c3[j] += a30 * x0
                    p += 1


@njit(**_FLAGS)
def gemm(A, B, C):
    """C += A @ B for 2-D A (m, k), B (k, n) of any strides; C (m, n) C-contiguous.
    Serial: runs on the calling thread, without the GIL."""
    m = A.shape[0]
    n = B.shape[1]
    # np.ascontiguousarray returns its argument itself (typed C-contiguous, so LLVM
    # can vectorise) when it already is contiguous, and a copy otherwise.
    if B.strides[0] == B.itemsize and A.shape[1] > 1:      # B's columns contiguous
        _dot_block(np.ascontiguousarray(A), np.ascontiguousarray(B.T), C, 0, m, 0, n)
    else:
        _rank_block(A, np.ascontiguousarray(B), C, 0, m, 0, n)


def sig_gemm(dtype):
    """(A any-layout 2-D, B any-layout 2-D, C C-contiguous 2-D) for float32 or float64."""
    t = types.float32 if dtype == np.float32 else types.float64
    return (types.Array(t, 2, "A"), types.Array(t, 2, "A"), types.Array(t, 2, "C"))


TRANSPOSE_TILE = 32            # a 32 x 32 tile: 32 source rows + 32 destination rows in L1


@njit(**_FLAGS)
def transpose(S, D):
    """D[:] = S.T (S (m, n) any strides, D (n, m) C-contiguous): a cache-blocked copy.

    A plain double loop reads S row by row but writes D one value per row of D, each in
    a different cache line, evicted before it is full. Within a 32 x 32 tile the 32 lines
    being written stay in L1 until full; inside the tile a 4 x 4 block is loaded into 16
    scalars (4 row reads of S) and stored as 4 rows of D, which also saves the loop
    overhead per value."""
    m, n = S.shape
    T = TRANSPOSE_TILE
    for i0 in range(0, m, T):
        i1 = min(i0 + T, m)
        for j0 in range(0, n, T):
            j1 = min(j0 + T, n)
            i = i0
            while i + 4 <= i1:
                r0 = S[i]; r1 = S[i + 1]; r2 = S[i + 2]; r3 = S[i + 3]
                j = j0
                while j + 4 <= j1:
                    s0 = r0[j]; s1 = r0[j + 1]; s2 = r0[j + 2]; s3 = r0[j + 3]
                    t0 = r1[j]; t1 = r1[j + 1]; t2 = r1[j + 2]; t3 = r1[j + 3]
                    u0 = r2[j]; u1 = r2[j + 1]; u2 = r2[j + 2]; u3 = r2[j + 3]
                    v0 = r3[j]; v1 = r3[j + 1]; v2 = r3[j + 2]; v3 = r3[j + 3]
                    d = D[j]; d[i] = s0; d[i + 1] = t0; d[i + 2] = u0; d[i + 3] = v0
                    d = D[j + 1]; d[i] = s1; d[i + 1] = t1; d[i + 2] = u1; d[i + 3] = v1
                    d = D[j + 2]; d[i] = s2; d[i + 1] = t2; d[i + 2] = u2; d[i + 3] = v2
                    d = D[j + 3]; d[i] = s3; d[i + 1] = t3; d[i + 2] = u3; d[i + 3] = v3
                    j += 4
                for jj in range(j, j1):            # the last n % 4 columns of the tile
                    for ii in range(i, i + 4):
                        D[jj, ii] = S[ii, jj]
                i += 4
            for ii in range(i, i1):                # the last m % 4 rows of the tile
                for jj in range(j0, j1):
                    D[jj, ii] = S[ii, jj]


def sig_transpose(dtype):
    """(S any-layout 2-D, D C-contiguous 2-D) for float32 or float64."""
    t = types.float32 if dtype == np.float32 else types.float64
    return (types.Array(t, 2, "A"), types.Array(t, 2, "C"))
