"""The Numba unfold / fold kernels (minigrad/kernels/_nb_conv.py) against the NumPy reference
(minigrad/kernels/conv.py; the reference itself is checked by hand and by gradchecks in
tests/test_conv.py): float32 and float64, odd and non-square sizes, stride 1-3, padding 0-2,
dilation 1-2, inputs of any layout, and the two-thread split."""
import os
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from minigrad import kernels as K
from minigrad.kernels import conv

DTYPES = [np.float32, np.float64]

# (N, C, H, W), kernel, dilation, padding, stride
CASES = [
    ((2, 3, 7, 5), (3, 3), (1, 1), (1, 1), (1, 1)),
    ((1, 2, 9, 11), (3, 2), (2, 1), (2, 0), (3, 2)),
    ((3, 1, 5, 6), (1, 1), (1, 1), (0, 0), (1, 1)),
    ((2, 2, 6, 7), (4, 4), (1, 1), (1, 1), (2, 2)),          # the DCGAN's kernel
    ((1, 3, 8, 5), (2, 3), (2, 2), (2, 1), (1, 3)),
    ((2, 1, 4, 4), (4, 4), (1, 1), (0, 0), (1, 1)),          # kernel = input: one patch
    ((1, 2, 3, 5), (5, 3), (1, 2), (2, 2), (3, 1)),          # kernel larger than the unpadded input
]


def layouts(rng, shape, dtype):
    """The same kind of input as a C-contiguous array, a transposed view and a strided slice."""
    N, C, H, W = shape
    yield "contiguous", rng.standard_normal(shape).astype(dtype)
    yield "transposed", rng.standard_normal((W, H, C, N)).astype(dtype).transpose(3, 2, 1, 0)
    yield "sliced", rng.standard_normal((N, 2 * C, H + 1, 2 * W)).astype(dtype)[:, ::2, 1:, ::2]


def both(fn, *args):
    K.set_backend("numpy")
    try:
        ref = fn(*args)
        K.set_backend("numba")
        got = fn(*args)
    finally:
        K.set_backend("auto")
    return ref, got


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[0])) + f"-k{c[1]}-d{c[2]}-p{c[3]}-s{c[4]}")
def test_kernels_match_reference(case, dtype):
    shape, *sizes = case
    rng = np.random.default_rng(sum(shape))
    for name, x in layouts(rng, shape, dtype):
        assert x.shape == shape
        ref, got = both(K.unfold, x, *sizes)
        assert got.dtype == dtype and got.shape == ref.shape
        # both return an (N, C kh kw, L) view of C-contiguous (C kh kw, L, N) memory (kernels/conv.py)
        assert got.transpose(1, 2, 0).flags.c_contiguous and ref.transpose(1, 2, 0).flags.c_contiguous
        np.testing.assert_array_equal(got, ref, err_msg=f"unfold, {name} input")
        # fold of columns of three layouts: as unfold returns them, (N, C kh kw, L) contiguous, a slice
        wide = rng.standard_normal((ref.shape[0], ref.shape[1], 2 * ref.shape[2])).astype(dtype)
        stored = rng.standard_normal((ref.shape[1], ref.shape[2], ref.shape[0])).astype(dtype)
        for cname, cols in (("as unfold's", stored.transpose(2, 0, 1)),
                            ("contiguous", rng.standard_normal(ref.shape).astype(dtype)),
                            ("sliced", wide[:, :, ::2])):
            fref, fgot = both(K.fold, cols, shape[2:], *sizes)
            assert fgot.dtype == dtype and fgot.shape == shape
            # both return an (N, C, H, W) view of C-contiguous (C, H, W, N) memory (kernels/conv.py)
            assert fgot.transpose(1, 2, 3, 0).flags.c_contiguous and fref.transpose(1, 2, 3, 0).flags.c_contiguous
            # the same additions in the same order: equal up to at most one rounding per entry
            np.testing.assert_allclose(fgot, fref, rtol=1e-6 if dtype == np.float32 else 1e-14,
                                       atol=1e-6 if dtype == np.float32 else 1e-14,
                                       err_msg=f"fold, {cname} columns")


@pytest.mark.parametrize("dtype", DTYPES)
def test_two_thread_split_matches(monkeypatch, dtype):
    """Large calls are split over the helper thread, by channels (5 here) or, for one channel, by
    images: the halves must join up exactly."""
    monkeypatch.setattr(conv, "PARALLEL_MIN_VALUES", 1)
    rng = np.random.default_rng(3)
    for shape in ((3, 5, 9, 8), (4, 1, 9, 8)):
        x = rng.standard_normal(shape).astype(dtype)
        sizes = ((3, 2), (1, 2), (1, 2), (2, 1))
        ref, got = both(K.unfold, x, *sizes)
        np.testing.assert_array_equal(got, ref)
        cols = rng.standard_normal(ref.shape).astype(dtype)
        fref, fgot = both(K.fold, cols, (9, 8), *sizes)
        np.testing.assert_array_equal(fgot, fref)      # the same additions in the same order


def test_numba_adjoint_identity():
    """<unfold(x), c> = <x, fold(c)> with the Numba kernels alone (float64)."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 11, 7))
    sizes = ((3, 4), (2, 1), (2, 1), (3, 2))
    K.set_backend("numba")
    try:
        cols = K.unfold(x, *sizes)
        c = rng.standard_normal(cols.shape)
        back = K.fold(c, (11, 7), *sizes)
    finally:
        K.set_backend("auto")
    assert np.isclose(np.vdot(cols, c), np.vdot(x, back), rtol=1e-12)


def test_integer_input_takes_the_reference():
    x = np.arange(2 * 1 * 4 * 5).reshape(2, 1, 4, 5)
    ref, got = both(K.unfold, x, (2, 2), (1, 1), (1, 1), (1, 1))
    assert got.dtype == x.dtype
    np.testing.assert_array_equal(got, ref)


def test_auto_runs_the_numba_kernels():
    K.set_backend("auto")
    assert K.use_numba("unfold") and K.use_numba("fold")
