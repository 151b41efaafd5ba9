"""PyTorch semantics a user relies on without thinking: boolean comparisons and masks, Python
conversions, per-thread grad mode, gradients that walk only the needed graph, precise
normalisations, dtypes of gradients, optimizer argument checks, backend names."""
import os
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F
from minigrad import nn, optim


# ----------------------------------------------------------------------------- comparisons and masks

def test_comparisons_give_boolean_tensors_without_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for mask in (x > 1.5, x >= 2.0, x < 2.5, x <= 2.0, x == 2.0, x != 2.0):
        assert mask.dtype == bool and not mask.requires_grad
    np.testing.assert_array_equal((x == 2.0).data, [False, True, False])
    np.testing.assert_array_equal(((x > 1.5) & (x < 2.5)).data, [False, True, False])
    np.testing.assert_array_equal((~(x > 1.5)).data, [True, False, False])


def test_boolean_mask_selects_and_its_gradient_scatters_back():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64)
    picked = x[x > 1.5]
    np.testing.assert_array_equal(picked.data, [2.0, 3.0])     # not x[[1, 1, 1]] (float 0/1 indices)
    (picked * mg.tensor([10.0, 100.0], dtype=np.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 10.0, 100.0])
    assert mg.gradcheck(lambda a: a[a.detach() > 0] ** 2, (mg.tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True, dtype=np.float64),))


def test_a_float_tensor_cannot_index():
    x = mg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match="float tensor"):
        x[mg.tensor([0.0, 1.0])]


def test_python_conversions_of_one_element_tensors():
    t = mg.tensor([-1.0])
    assert bool(t > 0) is False and bool(mg.tensor(2.0) > 0) is True
    assert float(mg.tensor(2.5)) == 2.5 and int(mg.tensor([[3.7]])) == 3
    assert format(mg.tensor(3.14159), ".2f") == "3.14"
    loss = mg.tensor(0.25)
    taken = "yes" if loss < 0.5 else "no"
    assert taken == "yes"
    with pytest.raises(ValueError, match=r"bool: .*3 elements .*\(3,\).*any\(\) or \.all\(\)"):
        bool(mg.tensor([1.0, 2.0, 3.0]) > 0)
    with pytest.raises(ValueError, match=r"item: .*shape \(2,\)"):
        mg.tensor([1.0, 2.0]).item()
    with pytest.raises(TypeError, match="format"):
        format(mg.tensor([1.0, 2.0]), ".2f")
    assert bool((mg.tensor([1.0, 2.0]) > 0).all()) and not bool((mg.tensor([1.0, -2.0]) > 0).all())


def test_ragged_lists_name_the_function_and_the_lengths():
    with pytest.raises(ValueError, match=r"tensor: .*rectangular.*lengths \[2, 3\]"):
        mg.tensor([[1.0, 2.0], [1.0, 2.0, 3.0]])


# ----------------------------------------------------------------------------- grad mode per thread

def _train_one_model(seed, steps, results, key, barrier=None):
    rng = np.random.default_rng(seed)
    net = nn.MLP([3, 16, 1], "tanh", rng=rng)
    opt = optim.SGD(net.parameters(), lr=0.05)
    x = rng.standard_normal((32, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    losses = []
    for _ in range(steps):
        if barrier is not None:
            barrier.wait()
        with mg.no_grad():                  # a no_grad block in each thread, overlapping the other's steps
            net(mg.tensor(x[:4]))
        loss = F.binary_cross_entropy_with_logits(net(mg.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    results[key] = (losses, [p.data.copy() for p in net.parameters()])


@pytest.fixture
def frequent_thread_switches():
    """Switch threads every microsecond, so that races show up in a short test."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def test_two_threads_training_two_models_get_the_single_threaded_results(frequent_thread_switches):
    single = {}
    _train_one_model(1, 60, single, "a")
    _train_one_model(2, 60, single, "b")
    threaded, errors = {}, []
    barrier = threading.Barrier(2, timeout=20)

    def run(seed, key):
        try:
            _train_one_model(seed, 60, threaded, key, barrier)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)
            barrier.abort()          # let the other thread stop too
    threads = [threading.Thread(target=run, args=(1, "a")), threading.Thread(target=run, args=(2, "b"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for key in ("a", "b"):
        assert threaded[key][0] == single[key][0]
        for p, q in zip(threaded[key][1], single[key][1]):
            np.testing.assert_array_equal(p, q)


def test_no_grad_in_one_thread_does_not_switch_off_another():
    inside, seen = threading.Event(), []
    leave = threading.Event()

    def hold_no_grad():
        with mg.no_grad():
            inside.set()
            leave.wait(10)

    t = threading.Thread(target=hold_no_grad)
    t.start()
    inside.wait(10)
    seen.append(mg.is_grad_enabled())
    x = mg.tensor([1.0], requires_grad=True)
    seen.append((x * 2.0).requires_grad)
    leave.set()
    t.join()
    assert seen == [True, True] and mg.is_grad_enabled()


def test_overlapping_no_grad_blocks_in_two_threads_restore_grad_mode(frequent_thread_switches):
    @mg.no_grad()
    def inference(t):
        return t * 2.0

    barrier = threading.Barrier(2, timeout=20)
    modes = []

    def run():
        for _ in range(300):
            barrier.wait()
            with mg.no_grad():
                inference(mg.tensor([1.0]))
            inference(mg.tensor([2.0]))
            modes.append(mg.is_grad_enabled())    # this thread's blocks are closed: grad is on
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(modes) and len(modes) == 600 and mg.is_grad_enabled()


# ----------------------------------------------------------------------------- the graph a backward walks

def test_grad_after_a_backward_needs_only_the_new_pass():
    rng = np.random.default_rng(0)
    G, D = nn.MLP([2, 8, 2], rng=rng), nn.MLP([2, 8, 1], rng=rng)
    fake = G(mg.tensor(rng.standard_normal((4, 2)).astype(np.float32)))
    D(fake).sum().backward()                          # frees G's part of the graph
    (g,) = mg.grad(D(fake).sum(), fake)               # needs only the new D pass
    fake_leaf = mg.tensor(fake.data, requires_grad=True)
    (expected,) = mg.grad(D(fake_leaf).sum(), fake_leaf)
    np.testing.assert_allclose(g.data, expected.data, rtol=1e-6)


def test_freed_graph_error_names_the_op_that_is_needed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    v = mg.tensor([3.0, 4.0], requires_grad=True)
    p, q = x.exp(), v.log()
    (p + q).sum().backward()                          # frees both branches
    with pytest.raises(RuntimeError, match=r"second time \(op 'exp'\)"):
        mg.grad((p + q).sum(), x)                     # needs the freed exp, not the freed log


def test_total_derivative_through_an_input_that_is_also_upstream():
    x = mg.tensor(2.0, requires_grad=True, dtype=np.float64)
    y = x * x
    gx, gy = mg.grad((y * 3.0 + x).sum(), [x, y])
    assert gy.item() == 3.0 and gx.item() == pytest.approx(3.0 * 2 * 2.0 + 1.0)


# ----------------------------------------------------------------------------- precise normalisations

def test_log_softmax_keeps_the_log_term_next_to_a_huge_maximum():
    s = F.softmax(mg.tensor([1e30, 1e30, 0.0]))
    np.testing.assert_allclose(s.data, [0.5, 0.5, 0.0])
    ce = F.cross_entropy(mg.tensor([[1e30, 1e30, 0.0]]), np.array([0]))
    assert ce.item() == pytest.approx(np.log(2), rel=1e-6)
    logits = np.random.default_rng(0).standard_normal((4, 10)).astype(np.float32) * 1e3
    exact = logits.astype(np.float64) - np.max(logits, axis=1, keepdims=True)
    exact -= np.log(np.exp(exact).sum(axis=1, keepdims=True))
    ours = F.log_softmax(mg.tensor(logits)).data
    # within 4 float32 ulps of the exact value everywhere, including the entries near 0 (the
    # largest logit of each row), where x - (m + log sum) is off by an ulp of m (~1e-4)
    assert np.all(np.abs(ours - exact) <= 4 * np.spacing(np.abs(exact).astype(np.float32)))


def test_logsumexp_of_large_finite_float32_values_does_not_overflow():
    x = mg.tensor(np.array([3e38, 3e38], dtype=np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value = F.logsumexp(x).item()
    assert value == pytest.approx(3e38, rel=1e-6)
    assert F.logsumexp(mg.tensor([-np.inf, -np.inf])).item() == -np.inf
    assert F.logsumexp(mg.tensor([np.inf, 1.0])).item() == np.inf


def test_bce_with_logits_at_infinite_logits():
    x = mg.tensor(np.array([np.inf, np.inf, -np.inf, -np.inf]), requires_grad=True, dtype=np.float64)
    t = np.array([1.0, 0.0, 1.0, 0.0])
    per_element = mg.ops.bce_with_logits(x, mg.tensor(t, dtype=np.float64))
    np.testing.assert_array_equal(per_element.data, [0.0, np.inf, np.inf, 0.0])   # the limits
    F.binary_cross_entropy_with_logits(x, t).backward()
    np.testing.assert_array_equal(x.grad.data, np.array([0.0, 1.0, -1.0, 0.0]) / 4)   # (sigmoid - t) / n, as torch


# ----------------------------------------------------------------------------- dtypes

def test_float64_input_into_a_float32_linear_is_a_clear_error():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"linear: dtypes float64 and float32 differ"):
        layer(mg.tensor(np.ones((4, 3)), dtype=np.float64))
    with pytest.raises(TypeError, match=r"matmul: dtypes float32 and float64"):
        mg.tensor(np.ones((2, 2), np.float32)) @ mg.tensor(np.ones((2, 2)), dtype=np.float64)


def test_a_leaf_grad_has_the_leaf_dtype_after_promotion():
    w = mg.tensor([1.0, 2.0], requires_grad=True)                       # float32
    x = mg.tensor(np.array([3.0, 4.0]), dtype=np.float64)
    y = (w * x).sum()
    assert y.dtype == np.float64                                          # promotion, as in NumPy / PyTorch
    y.backward()
    assert w.grad.dtype == np.float32
    np.testing.assert_array_equal(w.grad.data, [3.0, 4.0])


# ----------------------------------------------------------------------------- optimizers and backends

def test_optimizer_refuses_a_single_parameter_and_a_module():
    w = nn.Parameter(np.ones(3))
    with pytest.raises(TypeError, match=r"Adam: params must be an iterable of Tensors.*\[w\]"):
        optim.Adam(w)
    with pytest.raises(TypeError, match=r"model.parameters\(\)"):
        optim.Adam(nn.Linear(2, 2))


@pytest.mark.parametrize("option", ["lr", "weight_decay", "eps"])
@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_optimizer_refuses_non_finite_hyperparameters(option, bad):
    with pytest.raises(ValueError, match=option):
        optim.Adam([nn.Parameter(np.ones(3))], **{option: bad})


@pytest.mark.parametrize("text,expected", [("", "auto"), ("NUMPY", "numpy"), (" Numba ", "numba")])
def test_backend_names_are_case_insensitive_and_empty_means_default(text, expected):
    env = dict(os.environ, MINIGRAD_BACKEND=text)
    out = subprocess.run([sys.executable, "-c", "import minigrad; print(minigrad.get_backend())"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == expected, out.stderr


def test_layer_size_arguments_are_named():
    for make, message in ((lambda: nn.Linear(2.5, 3), "in_features"), (lambda: nn.Linear(float("nan"), 3), "in_features"),
                          (lambda: nn.Linear(2, 0), "out_features"), (lambda: nn.BatchNorm1d(-2), "num_features"),
                          (lambda: nn.BatchNorm1d(0), "num_features")):
        with pytest.raises(ValueError, match=message):
            make()
