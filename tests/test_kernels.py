"""Tests of minigrad.kernels: every Numba kernel against the NumPy reference (and the
optimizers against torch.optim when torch is installed)."""
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from minigrad import kernels as K  # noqa: E402
from minigrad.kernels import optim as KO  # noqa: E402

DTYPES = [np.float32, np.float64]
ACTS = list(K.ACTS)


@pytest.fixture(autouse=True)
def restore_backend():
    before = K.get_backend()
    yield
    K.set_backend(before)


def run(backend, fn, *args, **kw):
    K.set_backend(backend)
    return fn(*args, **kw)


def rand(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def tol(dtype, k=1):
    """rtol for a sum of k products: float32 rounding grows ~ with k."""
    return (1e-6 if dtype == np.float32 else 1e-14) * max(k, 10)


# ---------------------------------------------------------------- backend selection

def test_set_backend_and_bad_name():
    for name in ("numpy", "numba", "auto"):
        K.set_backend(name)
        assert K.get_backend() == name
    with pytest.raises(ValueError, match="'cuda'"):
        K.set_backend("cuda")
    assert K.get_backend() == "auto"


def test_env_var_selects_backend_and_rejects_bad_value():
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
    code = "import minigrad.kernels as K, sys; print(K.get_backend()); print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=dict(env, MINIGRAD_BACKEND="numpy"),
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["numpy", "False"]          # import alone must not import Numba
    bad = subprocess.run([sys.executable, "-c", code], env=dict(env, MINIGRAD_BACKEND="gpu"),
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "MINIGRAD_BACKEND" in bad.stderr and "'gpu'" in bad.stderr


def test_auto_rule():
    K.set_backend("auto")
    assert not K.use_numba("matmul")
    assert K.use_numba("optim") and K.use_numba("act_backward", act="tanh")
    assert K.use_numba("epilogue", act="relu") and not K.use_numba("epilogue", act="tanh")
    assert K.use_numba("act_forward", act="none") and K.use_numba("act_forward", act="leaky_relu")
    assert set(K.AUTO_RULE) == {"matmul", "optim", "epilogue", "act_forward", "act_backward",
                              "unfold", "fold", "batch_norm"}
    assert all(when in ("always", "never", "per activation") and reason for when, reason in K.AUTO_RULE.values())
    K.backend.set_rule("unfold", False)               # the A/B switch of benchmarks/dcgan_ab.py
    assert not K.use_numba("unfold") and K.use_numba("fold")
    with pytest.raises(ValueError, match="unknown kernel family 'gemm'"):
        K.backend.set_rule("gemm", True)
    K.set_backend("numba")
    assert K.use_numba("matmul") and K.use_numba("epilogue", act="tanh")
    assert K.use_numba("unfold")                      # set_backend forgets set_rule
    K.set_backend("numpy")
    assert not K.use_numba("optim")


def test_the_kernel_codes_and_the_auto_rule_come_from_the_activation_table(monkeypatch):
    """The Numba switch knows the activations by the table's codes (every row is run through it
    against the table's formulas below); a row's `numba` column alone decides auto's choice."""
    from minigrad.activations import ACTIVATIONS
    assert K.ACTS == {"none": 0, **{name: row.code for name, row in ACTIVATIONS.items()}}
    assert len(set(K.ACTS.values())) == len(K.ACTS)
    monkeypatch.setitem(ACTIVATIONS, "relu", ACTIVATIONS["relu"]._replace(numba=False))
    K.set_backend("auto")
    try:
        assert not K.use_numba("epilogue", act="relu") and K.use_numba("epilogue", act="sigmoid")
    finally:
        monkeypatch.undo()
        K.set_backend("auto")
    assert K.use_numba("epilogue", act="relu")


# ---------------------------------------------------------------- matrix products

SHAPES = [(1, 1, 1), (1, 7, 1), (1, 9, 13), (13, 9, 1), (5, 1, 3), (3, 0, 4),
          (33, 17, 65), (64, 5, 128), (70, 300, 260), (9, 263, 7)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("m,k,n", SHAPES)
def test_matmul_three_products(dtype, m, k, n):
    rng = np.random.default_rng(m * 1000 + k * 10 + n)
    a, b = rand(rng, (m, k), dtype), rand(rng, (k, n), dtype)
    ref = a.astype(np.float64) @ b.astype(np.float64)
    scale = np.abs(a).astype(np.float64) @ np.abs(b) + 1e-30   # bound on rounding error
    bt, at = np.ascontiguousarray(b.T), np.ascontiguousarray(a.T)
    for out in (run("numba", K.matmul, a, b), run("numba", K.matmul_nt, a, bt),
                run("numba", K.matmul_tn, at, b)):
        assert out.dtype == dtype and out.shape == (m, n)
        assert np.all(np.abs(out - ref) <= tol(dtype, k) * scale)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_matmul_nt_transposed_orientation(dtype):
    """The NumPy path computes a deep, wide a @ b.T (n >= 2m, k >= 2n) as (b @ a.T).T: same values,
    returned as the transposed view of a C-contiguous (n, m) product."""
    rng = np.random.default_rng(7)
    for (m, k, n), swapped in (((5, 40, 12), True), ((12, 40, 5), False), ((5, 20, 12), False)):
        a, b = rand(rng, (m, k), dtype), rand(rng, (n, k), dtype)
        out = run("numpy", K.matmul_nt, a, b)
        ref = a.astype(np.float64) @ b.astype(np.float64).T
        np.testing.assert_allclose(out, ref, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-5)
        assert out.shape == (m, n) and out.T.flags.c_contiguous == swapped


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_noncontiguous_views(dtype):
    rng = np.random.default_rng(1)
    big_a, big_b = rand(rng, (40, 90), dtype), rand(rng, (61, 50), dtype)
    a = big_a[::2, 3:80:3]              # (20, 26) strided both ways
    b = big_b[1:53:2, ::-3]             # (26, 17), negative stride
    ref = a.astype(np.float64) @ b.astype(np.float64)
    out = run("numba", K.matmul, a, b)
    np.testing.assert_allclose(out, ref, rtol=1e-4 if dtype == np.float32 else 1e-12, atol=1e-5)
    np.testing.assert_allclose(run("numba", K.matmul_nt, a, b.T), ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(run("numba", K.matmul_tn, a.T, b), ref, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(run("numba", K.matmul, a.T.T, np.asfortranarray(b)), ref,
                               rtol=1e-4, atol=1e-5)


def _layouts(rng, m, k, n, dtype):
    """(A, B) in the layouts the gemm kernel distinguishes: B rows contiguous (rank form),
    B columns contiguous (dot form, no copy), A transposed, and strided views (copied)."""
    a, b = rand(rng, (m, k), dtype), rand(rng, (k, n), dtype)
    yield a, b
    yield a, np.asfortranarray(b)
    yield np.asfortranarray(a), b
    yield np.asfortranarray(a), np.asfortranarray(b)
    big_a, big_b = rand(rng, (2 * m, 2 * k), dtype), rand(rng, (3 * k, 2 * n), dtype)
    yield big_a[::2, ::-2], big_b[1::3, ::2]


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_kernel_edge_tiles_and_layouts(dtype):
    """The kernel itself on every remainder of the 4-row / 3-column / 4-deep blocking,
    both micro-kernels (dot form for column-contiguous B, rank form otherwise), in every
    layout; C += A @ B must add to what C holds."""
    gemm = K.backend.kernel("gemm", "gemm", np.dtype(dtype))
    rng = np.random.default_rng(4)
    shapes = [(m, k, n) for m in (1, 2, 3, 4, 5, 6, 7, 9) for k in (1, 3, 4, 5, 9)
              for n in (1, 2, 3, 4, 5, 7, 10)]
    shapes += [(37, 300, 70), (70, 129, 1100)]       # several panels / column blocks
    for m, k, n in shapes:
        for a, b in _layouts(rng, m, k, n, dtype):
            c0 = rand(rng, (m, n), dtype)
            c = c0.copy()
            gemm(a, b, c)
            ref = c0.astype(np.float64) + a.astype(np.float64) @ b.astype(np.float64)
            scale = np.abs(c0) + np.abs(a).astype(np.float64) @ np.abs(b)
            assert np.all(np.abs(c - ref) <= tol(dtype, k) * scale), (m, k, n, a.strides, b.strides)


@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul_split_over_two_threads(dtype, monkeypatch):
    """Products above SPLIT_MIN_MACS are split into two row blocks (the second on the helper
    thread when a core is free); the result must be right either way, including odd row counts."""
    import importlib
    M = importlib.import_module("minigrad.kernels.matmul")   # the module, not the function
    rng = np.random.default_rng(5)
    for m, k, n in [(131, 257, 130), (9, 300, 301), (257, 64, 129), (8, 3, 5)]:
        for a, b in _layouts(rng, m, k, n, dtype):
            ref = a.astype(np.float64) @ b.astype(np.float64)
            scale = np.abs(a).astype(np.float64) @ np.abs(b)
            monkeypatch.setattr(M, "SPLIT_MIN_MACS", 0)
            split = run("numba", K.matmul, a, b)
            monkeypatch.setattr(M, "SPLIT_MIN_MACS", 2 ** 62)
            serial = run("numba", K.matmul, a, b)
            for out in (split, serial):
                assert out.shape == (m, n) and out.flags.c_contiguous
                assert np.all(np.abs(out - ref) <= tol(dtype, k) * scale), (m, k, n)


def test_matmul_big_product_three_ways():
    """A product large enough for the two-thread split with the default threshold,
    through all three entry points (so both micro-kernels run split)."""
    import importlib
    SPLIT_MIN_MACS = importlib.import_module("minigrad.kernels.matmul").SPLIT_MIN_MACS
    rng = np.random.default_rng(6)
    m, k, n = 262, 300, 215
    assert m * k * n >= SPLIT_MIN_MACS
    a, b = rand(rng, (m, k), np.float32), rand(rng, (k, n), np.float32)
    ref = a.astype(np.float64) @ b
    scale = np.abs(a).astype(np.float64) @ np.abs(b)
    for out in (run("numba", K.matmul, a, b), run("numba", K.matmul_nt, a, np.ascontiguousarray(b.T)),
                run("numba", K.matmul_tn, np.ascontiguousarray(a.T), b)):
        assert np.all(np.abs(out - ref) <= tol(np.float32, k) * scale)


@pytest.mark.parametrize("dtype", DTYPES)
def test_transpose_kernel_edges_and_strides(dtype):
    """The blocked transpose copy D = S.T: every remainder of the 4 x 4 block and the
    32 x 32 tile, empty arrays, and strided / negative-stride / transposed sources."""
    tr = K.backend.kernel("gemm", "transpose", np.dtype(dtype))
    rng = np.random.default_rng(7)
    shapes = [(m, n) for m in (0, 1, 2, 3, 4, 5, 7, 8) for n in (0, 1, 3, 4, 6, 9)]
    shapes += [(31, 33), (32, 32), (33, 65), (64, 4), (97, 70), (130, 257)]
    for m, n in shapes:
        big = rand(rng, (3 * m + 2, 2 * n + 3), dtype)
        for s in (big[:m, :n], big[1:3 * m + 1:3, ::-2][:, :n], np.asfortranarray(big[:m, :n]),
                  big[:n, :m].T if n <= big.shape[0] and m <= big.shape[1] else big[:m, :n]):
            d = np.full((s.shape[1], s.shape[0]), np.nan, dtype=dtype)
            tr(s, d)
            assert np.array_equal(d, s.T), (m, n, s.strides)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("split", [False, True])
def test_matmul_transposed_copy_path(dtype, split, monkeypatch):
    """B with contiguous rows through the dot form on transposed copies (the rule forced
    on for every shape): serial and split, all three entry points, odd shapes, k = 1,
    strided views; and the rule's choice on the MNIST backward shapes."""
    import importlib
    M = importlib.import_module("minigrad.kernels.matmul")
    monkeypatch.setattr(M, "DOT_MIN_K", 1)
    monkeypatch.setattr(M, "TRANSPOSE_MIN_REUSE", 0)
    monkeypatch.setattr(M, "SPLIT_MIN_MACS", 0 if split else 2 ** 62)
    rng = np.random.default_rng(8)
    for m, k, n in SHAPES + [(131, 257, 130), (9, 300, 301), (257, 64, 129), (37, 33, 3)]:
        for a, b in _layouts(rng, m, k, n, dtype):
            ref = a.astype(np.float64) @ b.astype(np.float64)
            scale = np.abs(a).astype(np.float64) @ np.abs(b) + 1e-30
            for out in (run("numba", K.matmul, a, b), run("numba", K.matmul_tn, a.T, b),
                        run("numba", K.matmul_nt, a, b.T)):
                assert out.shape == (m, n) and out.flags.c_contiguous
                assert np.all(np.abs(out - ref) <= tol(dtype, k) * scale), (m, k, n)
    monkeypatch.undo()
    x, w = np.zeros((256, 512), dtype), np.zeros((784, 512), dtype)
    dy = np.zeros((256, 784), dtype)
    assert M._transpose_plan(dy, w) == 1                  # dY @ W, batch 256: copy W.T
    assert M._transpose_plan(dy.T, x) == 2                # dY.T @ X, k = 256: copy both
    assert M._transpose_plan(dy[:64], w) == 0             # batch 64: 64 MACs per copied value
    assert M._transpose_plan(dy[:, :64].T, x[:64]) == 0   # k = 64: rank form
    assert M._transpose_plan(x, w.T) == 0                 # X @ W.T: already the dot form


def test_matmul_detects_a_wrong_result():
    """The tolerance used above is tight enough to catch one perturbed entry."""
    rng = np.random.default_rng(2)
    a, b = rand(rng, (20, 30), np.float32), rand(rng, (30, 10), np.float32)
    out = run("numba", K.matmul, a, b)
    ref = a.astype(np.float64) @ b
    scale = np.abs(a).astype(np.float64) @ np.abs(b)
    out[3, 4] *= 1 + 1e-3
    assert not np.all(np.abs(out - ref) <= tol(np.float32, 30) * scale)


def test_matmul_batched_and_errors():
    rng = np.random.default_rng(3)
    a, b = rand(rng, (2, 3, 4, 5), np.float64), rand(rng, (3, 5, 6), np.float64)
    np.testing.assert_allclose(run("numba", K.matmul, a, b), np.matmul(a, b))
    with pytest.raises(ValueError, match=r"matmul: shapes \(64, 5\) and \(15, 128\) do not align"):
        K.matmul(np.zeros((64, 5)), np.zeros((15, 128)))
    with pytest.raises(ValueError, match="matmul_nt"):
        K.matmul_nt(np.zeros((4, 5)), np.zeros((3, 6)))
    with pytest.raises(ValueError, match="matmul_tn"):
        K.matmul_tn(np.zeros((4, 5)), np.zeros((3, 5)))


# ---------------------------------------------------------------- elementwise

def _act_input(rng, shape, dtype):
    x = rand(rng, shape, dtype) * 3
    x.flat[:4] = [0.0, -0.0, 40.0, -120.0]     # zero and saturating values for sigmoid/tanh
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
def test_linear_forward_and_act(dtype, act):
    rng = np.random.default_rng(4)
    x, w, b = rand(rng, (7, 13), dtype), rand(rng, (5, 13), dtype), rand(rng, 5, dtype)
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    for bias in (b, None):
        ref = run("numpy", K.linear_forward, x, w, bias, act, 0.2)
        out = run("numba", K.linear_forward, x, w, bias, act, 0.2)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, ref, rtol=rtol, atol=rtol)
    xa = _act_input(rng, (9, 11), dtype)
    ref = run("numpy", K.act_forward, xa, act, 0.2)
    out = run("numba", K.act_forward, xa, act, 0.2)
    assert out.dtype == dtype and np.all(np.isfinite(out))
    np.testing.assert_allclose(out, ref, rtol=rtol, atol=1e-30)
    # the reference itself is right
    expect = {"none": xa, "relu": np.maximum(xa, 0), "leaky_relu": np.where(xa > 0, xa, 0.2 * xa),
              "tanh": np.tanh(xa), "sigmoid": 1 / (1 + np.exp(-xa.astype(np.float64)))}[act]
    np.testing.assert_allclose(ref, expect, rtol=rtol, atol=1e-30)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ACTS)
def test_act_backward_matches_exactly(dtype, act):
    rng = np.random.default_rng(5)
    y = run("numpy", K.act_forward, _act_input(rng, (6, 10), dtype), act, 0.2)
    g = rand(rng, y.shape, dtype)
    g_before = g.copy()
    ref = run("numpy", K.act_backward, g, y, act, 0.2)
    out = run("numba", K.act_backward, g, y, act, 0.2)
    np.testing.assert_array_equal(g, g_before)
    assert out.dtype == dtype
    np.testing.assert_array_equal(out, ref)     # same IEEE operations in the same order
    # and it is the derivative: compare with a central difference through x
    if act in ("tanh", "sigmoid") and dtype == np.float64:
        x = rand(rng, (6, 10), dtype)
        h = 1e-6
        d = (K.act_forward(x + h, act) - K.act_forward(x - h, act)) / (2 * h)
        np.testing.assert_allclose(K.act_backward(g, K.act_forward(x, act), act), g * d,
                                   rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("act", ["relu", "leaky_relu", "tanh"])
def test_act_backward_mixed_layouts(dtype, act):
    """A convolution's output y is an NCHW view of permuted memory while its gradient g is often
    C-contiguous (and the other way round): the kernel copies g into y's layout first."""
    rng = np.random.default_rng(7)
    y_cnhw = run("numpy", K.act_forward, _act_input(rng, (3, 2, 4, 5), dtype), act, 0.2)
    for y in (y_cnhw.transpose(1, 0, 2, 3), np.ascontiguousarray(y_cnhw.transpose(1, 0, 2, 3))):
        for g in (rand(rng, y.shape, dtype), rand(rng, (3, 2, 4, 5), dtype).transpose(1, 0, 2, 3)):
            g_before = g.copy()
            out = run("numba", K.act_backward, g, y, act, 0.2)
            np.testing.assert_array_equal(g, g_before)
            np.testing.assert_array_equal(out, run("numpy", K.act_backward, g, y, act, 0.2))


@pytest.mark.parametrize("dtype", DTYPES)
def test_act_backward_noncontiguous_fallback(dtype):
    rng = np.random.default_rng(6)
    g = rand(rng, (20, 16), dtype)[:, ::2]          # not contiguous -> NumPy path, same result
    np.testing.assert_array_equal(run("numba", K.act_backward, g, g, "relu"),
                                  run("numpy", K.act_backward, g, g, "relu"))


def test_unknown_activation():
    with pytest.raises(ValueError, match="'swish'"):
        K.act_forward(np.zeros(3), "swish")


# ---------------------------------------------------------------- optimizers

SHAPE = (13, 7)


def _run_optimizer(backend, kind, opts, steps=50, dtype=np.float64, seed=7):
    """Run ``steps`` updates on a fixed gradient sequence; return p and the state."""
    rng = np.random.default_rng(seed)
    p = rand(rng, SHAPE, dtype)
    z = lambda: np.zeros(SHAPE, dtype)  # noqa: E731
    state = [z(), z(), z()]
    # the reference is the readable NumPy formula (kernels/optim.py); "numba" runs the fused kernel
    update = getattr(KO, f"{kind}_{backend}")
    for step in range(1, steps + 1):
        g = rand(rng, SHAPE, dtype)
        g_copy = g.copy()
        if kind == "adam":
            update(p, g, state[0], state[1], state[2] if opts["amsgrad"] else None, step,
                          opts["lr"], 0.9, 0.999, 1e-8, opts["wd"])
        elif kind == "sgd":
            update(p, g, state[0] if opts["momentum"] else None, opts["lr"],
                         opts["momentum"], opts["dampening"], opts["nesterov"], opts["wd"],
                         step == 1)
        else:
            update(p, g, state[0], state[1] if opts["momentum"] else None,
                             state[2] if opts["centered"] else None, opts["lr"], 0.99, 1e-8,
                             opts["wd"], opts["momentum"], opts["centered"])
        np.testing.assert_array_equal(g, g_copy)     # the caller's gradient is untouched
    return p, state


CASES = ([("adam", dict(lr=1e-2, wd=wd, amsgrad=a)) for wd in (0.0, 0.1) for a in (False, True)]
         + [("sgd", dict(lr=1e-2, wd=wd, momentum=mo, dampening=d, nesterov=ne))
            for wd, mo, d, ne in [(0.0, 0.0, 0.0, False), (0.1, 0.9, 0.0, False),
                                  (0.0, 0.9, 0.0, True), (0.1, 0.9, 0.3, False),
                                  (0.1, 0.5, 0.0, True)]]
         + [("rmsprop", dict(lr=1e-3, wd=wd, momentum=mo, centered=c))
            for wd in (0.0, 0.1) for mo in (0.0, 0.9) for c in (False, True)])
IDS = [f"{k}-" + "-".join(f"{a}={v}" for a, v in o.items()) for k, o in CASES]


@pytest.mark.parametrize("kind,opts", CASES, ids=IDS)
def test_fused_optimizer_matches_reference(kind, opts):
    p_ref, s_ref = _run_optimizer("numpy", kind, opts)
    p_nb, s_nb = _run_optimizer("numba", kind, opts)
    np.testing.assert_allclose(p_nb, p_ref, rtol=1e-12, atol=0)
    for a, b in zip(s_nb, s_ref):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=0)
    # a changed hyper-parameter must be visible at this tolerance (the test can fail)
    p_other, _ = _run_optimizer("numpy", kind, dict(opts, lr=opts["lr"] * (1 + 1e-9)))
    assert not np.allclose(p_other, p_ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("kind,opts", [CASES[3], CASES[6], CASES[-1]], ids=[IDS[3], IDS[6], IDS[-1]])
def test_fused_optimizer_float32(kind, opts):
    p_ref, _ = _run_optimizer("numpy", kind, opts, steps=10, dtype=np.float32)
    p_nb, _ = _run_optimizer("numba", kind, opts, steps=10, dtype=np.float32)
    assert p_nb.dtype == np.float32
    np.testing.assert_allclose(p_nb, p_ref, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("where", ["vmax", "v"])
def test_fused_amsgrad_propagates_nan_like_np_maximum(where):
    """AMSGrad's vmax = max(vmax, v) follows np.maximum: a NaN on either side wins, so a NaN that
    entered the state shows up in p (the NaN guard then sees it) instead of being dropped."""
    start = rand(np.random.default_rng(3), SHAPE, np.float64)
    results = {}
    for backend in ("numpy", "numba"):
        p = start.copy()
        m, v, vmax = np.zeros(SHAPE), np.full(SHAPE, 0.5), np.full(SHAPE, 0.25)
        (vmax if where == "vmax" else v)[2, 3] = np.nan
        g = np.ones(SHAPE)
        getattr(KO, f"adam_{backend}")(p, g, m, v, vmax, 1, 1e-2, 0.9, 0.999, 1e-8, 0.0)
        results[backend] = (p, vmax)
    for p, vmax in results.values():
        assert np.isnan(p[2, 3]) and np.isnan(vmax[2, 3])
        assert np.isfinite(np.delete(p.ravel(), 2 * SHAPE[1] + 3)).all()
    np.testing.assert_array_equal(results["numba"][0], results["numpy"][0])
    np.testing.assert_array_equal(results["numba"][1], results["numpy"][1])


@pytest.mark.parametrize("kind,opts", CASES, ids=IDS)
def test_optimizer_matches_torch(kind, opts):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    p0 = rand(rng, SHAPE, np.float64)
    tp = torch.nn.Parameter(torch.tensor(p0.copy()))
    if kind == "adam":
        opt = torch.optim.Adam([tp], lr=opts["lr"], betas=(0.9, 0.999), eps=1e-8,
                               weight_decay=opts["wd"], amsgrad=opts["amsgrad"], foreach=False)
    elif kind == "sgd":
        opt = torch.optim.SGD([tp], lr=opts["lr"], momentum=opts["momentum"],
                              dampening=opts["dampening"], nesterov=opts["nesterov"],
                              weight_decay=opts["wd"], foreach=False)
    else:
        opt = torch.optim.RMSprop([tp], lr=opts["lr"], alpha=0.99, eps=1e-8,
                                  weight_decay=opts["wd"], momentum=opts["momentum"],
                                  centered=opts["centered"], foreach=False)
    for _ in range(50):
        tp.grad = torch.tensor(rand(rng, SHAPE, np.float64))
        opt.step()
    p_nb, _ = _run_optimizer("numba", kind, opts)
    np.testing.assert_allclose(p_nb, tp.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_openblas_runs_on_one_thread_after_a_product():
    """Rule 1 of the thread policy (kernels/threads.py): minigrad's products leave OpenBLAS on one
    thread (where its thread control is found)."""
    from minigrad.kernels import blas_threads
    if not blas_threads.available():
        pytest.skip("OpenBLAS thread control not found in this NumPy build")
    big = np.ones((256, 256), np.float32)   # 2^24 multiply-adds: split in two halves
    saved = K.get_backend()
    K.set_backend("numpy")
    try:
        np.testing.assert_allclose(K.matmul_nt(big, big), big @ big.T)
        assert blas_threads.current_threads() == 1
    finally:
        K.set_backend(saved)


def test_fused_optimizer_rejects_arrays_it_cannot_take():
    p = np.zeros((4, 6))
    with pytest.raises(ValueError, match="adam_update: the fused kernel needs"):
        KO.adam_numba(p, np.zeros((6, 4)).T, np.zeros_like(p), np.zeros_like(p), None, 1, 1e-3, 0.9, 0.999,
                      1e-8, 0.0)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "sigmoid"])
def test_elementwise_kernels_take_permuted_layouts(act):
    """The NCHW view of a convolution's output (permuted memory) is not C-contiguous, but it is a
    permutation of a contiguous array: the Numba kernels run on it (no copy) and give the reference."""
    rng = np.random.default_rng(9)
    view = rng.standard_normal((2, 3, 4, 5)).astype(np.float32).transpose(1, 0, 2, 3).copy().transpose(1, 0, 2, 3)
    assert not view.flags.c_contiguous
    grad = rng.standard_normal((2, 3, 4, 5)).astype(np.float32).transpose(1, 0, 2, 3).copy().transpose(1, 0, 2, 3)
    y = run("numba", K.act_forward, view, act, 0.2)
    assert y.strides == view.strides
    np.testing.assert_allclose(y, run("numpy", K.act_forward, view, act, 0.2), rtol=1e-6)
    np.testing.assert_allclose(run("numba", K.act_backward, grad, y, act, 0.2),
                               run("numpy", K.act_backward, grad, y, act, 0.2), rtol=1e-6)
    sliced = rng.standard_normal((4, 6)).astype(np.float32)[:, ::2]     # not a permutation: the NumPy path
    np.testing.assert_allclose(run("numba", K.act_forward, sliced, act, 0.2), run("numpy", K.act_forward, sliced, act, 0.2), rtol=1e-6)


# ---------------------------------------------------------------- batch normalisation

def _bn_inputs(rng, dtype):
    """(N, C, ...) inputs of several layouts: NCHW, NCHW views of CNHW and CHWN memory (conv outputs),
    (N, C) as for BatchNorm1d (contiguous and transposed), (N, C, L), and a strided slice: the
    C-contiguous ones run the kernels' "_c" compilation, the others the any-stride one."""
    yield rand(rng, (3, 4, 5, 7), dtype) * 3 + 1
    yield (rand(rng, (4, 3, 5, 7), dtype) - 2).transpose(1, 0, 2, 3)
    yield (rand(rng, (4, 5, 7, 3), dtype) + 1).transpose(3, 0, 1, 2)     # CHWN memory: unfold / fold's order
    yield rand(rng, (9, 5), dtype)
    yield rand(rng, (5, 9), dtype).T                                       # (N, C) with strided rows
    yield rand(rng, (2, 3, 11), dtype)
    yield rand(rng, (3, 8, 6, 6), dtype)[:, ::2, 1:, ::2]


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_kernels_match_reference(dtype):
    rng = np.random.default_rng(8)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for x in _bn_inputs(rng, dtype):
        ref = run("numpy", K.batch_norm_forward, x, 1e-5)
        got = run("numba", K.batch_norm_forward, x, 1e-5)
        assert got[0].dtype == dtype and got[0].shape == x.shape
        np.testing.assert_allclose(got[0], ref[0], rtol=rtol, atol=rtol)
        for a, b in zip(got[1:], ref[1:]):
            assert a.dtype == np.float64 and a.shape == (x.shape[1],)
            np.testing.assert_allclose(a, b, rtol=rtol)
        # and the statistics are the per-channel mean and biased variance
        axes = (0, *range(2, x.ndim))
        np.testing.assert_allclose(got[1], x.astype(np.float64).mean(axis=axes), rtol=rtol, atol=rtol)
        np.testing.assert_allclose(got[2], x.astype(np.float64).var(axis=axes), rtol=rtol)
        for g in (rand(rng, x.shape, dtype), rand(rng, x.shape[::-1], dtype).T):
            bref = run("numpy", K.batch_norm_backward, g, ref[0], ref[3])
            bgot = run("numba", K.batch_norm_backward, g, got[0], got[3])
            assert bgot.dtype == dtype and bgot.shape == x.shape
            np.testing.assert_allclose(bgot, bref, rtol=10 * rtol, atol=10 * rtol)
