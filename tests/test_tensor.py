"""Semantics of Tensor and backward: accumulation, retain_grad, hooks, no_grad, detach, errors."""
import gc
import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F


def test_default_dtype_and_conversion():
    assert mg.tensor([1, 2, 3]).dtype == np.float32           # integers -> default float
    assert mg.tensor(2.5).dtype == np.float32                  # python float -> default float
    assert mg.tensor(np.zeros(2)).dtype == np.float64          # float64 arrays keep their dtype
    assert mg.tensor([1, 2], dtype="float64").dtype == np.float64
    x = mg.tensor(np.ones(3), dtype=np.float64)
    assert (x * 2).dtype == np.float64 and (2 - x).dtype == np.float64  # scalars don't promote
    assert (mg.tensor([1.0]) * 2.0).dtype == np.float32


def test_unknown_dtype_is_rejected():
    with pytest.raises(TypeError, match="dtype"):
        mg.tensor([1.0], dtype="int32")
    with pytest.raises(TypeError, match="dtype"):
        mg.tensor([1.0], dtype="not-a-dtype")


def test_properties():
    x = mg.tensor(np.arange(6.0).reshape(2, 3))
    assert x.shape == (2, 3) and x.ndim == 2 and x.numel() == 6 and len(x) == 2
    assert x.T.shape == (3, 2)
    assert mg.tensor([[4.0]]).item() == 4.0
    assert isinstance(x.numpy(), np.ndarray)
    assert "requires_grad=True" in repr(mg.tensor([1.0], requires_grad=True))


def test_backward_values_simple_expression():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64)
    y = (x * x + 3.0 * x).sum()           # dy/dx = 2x + 3
    y.backward()
    np.testing.assert_allclose(x.grad.data, [5.0, 7.0, 9.0])


def test_gradients_accumulate_across_backward_calls():
    x = mg.tensor([1.0, -2.0], requires_grad=True, dtype=np.float64)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0 + 2.0, 3.0 - 4.0])


def test_shared_subexpression_sums_both_paths():
    x = mg.tensor(2.0, requires_grad=True, dtype=np.float64)
    y = x * x
    z = y + y * x              # z = x^2 + x^3, dz/dx = 2x + 3x^2 = 16
    z.backward()
    assert x.grad.item() == pytest.approx(16.0)


def test_leaf_grads_do_not_alias_each_other():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()       # add passes the same gradient array to both parents
    a.grad.data[0] = 100.0
    assert b.grad.data[0] == 1.0


def test_retain_grad_on_non_leaf():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    h = x * 3.0
    h.retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad.data, 2 * h.data)
    mid = x * 2.0
    (mid * mid).sum().backward()
    with pytest.warns(UserWarning, match=r"non-leaf.*retain_grad\(\)"):
        assert mid.grad is None    # non-leaves keep no grad unless asked, and reading it warns


def test_hooks_see_and_replace_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    seen = []
    h = x * 2.0
    h.register_hook(lambda g: seen.append(g.data.copy()))
    handle = x.register_hook(lambda g: g * 10.0)
    h.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad.data, [20.0, 20.0])
    handle.remove()
    x.grad = None
    (x * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 2.0])


def test_no_grad_as_context_and_decorator():
    x = mg.tensor([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2.0
    assert not y.requires_grad and y.grad_fn is None

    @mg.no_grad()
    def f(t):
        return t * 3.0
    assert not f(x).requires_grad
    assert (x * 2.0).requires_grad      # grad mode restored


def test_detach_cuts_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = (x * 2.0).detach()
    assert not y.requires_grad
    z = (x * y).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.data, y.data)   # y treated as a constant


def test_second_backward_through_freed_graph_is_an_error():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * 2 * x.data)


def test_non_scalar_backward_needs_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"single-element.*\(2,\)"):
        y.backward()
    y.backward(np.array([1.0, -1.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, -2.0])


def test_backward_on_tensor_without_grad_is_an_error():
    with pytest.raises(ValueError, match="does not require grad"):
        mg.tensor([1.0]).sum().backward()


def test_deep_chain_has_no_recursion_limit():
    x = mg.tensor(1.0, requires_grad=True, dtype=np.float64)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_memory_does_not_grow_over_many_steps():
    w = mg.tensor(np.random.default_rng(0).standard_normal((32, 32)), requires_grad=True)
    x = mg.tensor(np.ones((8, 32)))

    def step():
        loss = (mg.tanh(x @ w) ** 2).mean()
        loss.backward()
        w.grad = None

    def live_tensors():
        gc.collect()
        return sum(issubclass(type(o), mg.Tensor) for o in gc.get_objects())

    for _ in range(100):
        step()
    tensors_before = live_tensors()
    tracemalloc.start()
    bytes_before = tracemalloc.get_traced_memory()[0]
    for _ in range(1_000):
        step()
    gc.collect()
    bytes_after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    for _ in range(9_000):
        step()
    assert live_tensors() <= tensors_before, "tensors from old graphs are still alive"
    assert bytes_after - bytes_before < 100_000, f"memory grew by {bytes_after - bytes_before} bytes"


def test_grad_function_matches_backward_and_leaves_grad_untouched():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype=np.float64)
    w = mg.tensor([3.0, -1.0], requires_grad=True, dtype=np.float64)
    y = (x * w).sum()
    gx, gw = mg.grad(y, [x, w])
    np.testing.assert_allclose(gx.data, w.data)
    np.testing.assert_allclose(gw.data, x.data)
    assert x.grad is None and w.grad is None


def test_grad_unused_input():
    x = mg.tensor([1.0], requires_grad=True)
    unused = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="not used"):
        mg.grad((x * 2.0).sum(), [x, unused])
    gx, gu = mg.grad((x * 2.0).sum(), [x, unused], allow_unused=True)
    assert gu is None and gx.data[0] == 2.0


def test_create_graph_gives_differentiable_gradient():
    x = mg.tensor(1.5, requires_grad=True, dtype=np.float64)
    y = x ** 3
    (dy,) = mg.grad(y, x, create_graph=True)        # 3 x^2
    (d2y,) = mg.grad(dy, x)                          # 6 x
    assert dy.item() == pytest.approx(3 * 1.5 ** 2)
    assert d2y.item() == pytest.approx(6 * 1.5)


def test_extreme_logits_stay_finite():
    logits = mg.tensor([-1e4, -50.0, 0.0, 50.0, 1e4], requires_grad=True)
    targets = np.array([0.0, 1.0, 1.0, 0.0, 1.0], dtype=np.float32)
    for loss in (F.binary_cross_entropy_with_logits(logits, targets), F.softplus(logits).sum(),
                 F.log_sigmoid(logits).sum(), F.logsumexp(logits), F.log_softmax(logits).sum()):
        logits.grad = None
        loss.backward()
        assert np.isfinite(loss.item())
        assert np.all(np.isfinite(logits.grad.data))
    # exact values from logits: -log sigmoid(-1e4) = 1e4, log sigmoid(1e4) = 0
    np.testing.assert_allclose(F.log_sigmoid(mg.tensor([-1e4, 1e4])).data, [-1e4, 0.0])
    ce = F.cross_entropy(mg.tensor([[1e4, -1e4], [-1e4, 1e4]]), np.array([1, 0]))
    assert ce.item() == pytest.approx(2e4)


def test_functional_forward_values_at_ordinary_inputs():
    """Forward values by hand and by NumPy: a gradcheck cannot see an error that the forward and
    its backward share (a sum instead of a mean, a squared norm), a value check can."""
    a = np.array([[1.0, 2.0, -1.0], [0.5, -2.0, 3.0]])
    b = np.array([[0.0, 2.0, 1.0], [1.5, -1.0, 1.0]])
    assert F.mse_loss(mg.tensor(a), mg.tensor(b)).item() == pytest.approx((1 + 0 + 4 + 1 + 1 + 4) / 6)
    assert F.norm(mg.tensor([3.0, 4.0])).item() == pytest.approx(5.0)
    np.testing.assert_allclose(F.norm(mg.tensor(a), axis=1).data, np.sqrt((a * a).sum(axis=1)), rtol=1e-12)
    assert F.norm(mg.tensor(a), axis=0, keepdims=True).shape == (1, 3)
    np.testing.assert_allclose(F.logsumexp(mg.tensor(a), axis=1).data, np.log(np.exp(a).sum(axis=1)), rtol=1e-12)
    assert F.logsumexp(mg.tensor(a)).item() == pytest.approx(np.log(np.exp(a).sum()), rel=1e-12)
    assert F.logsumexp(mg.tensor([0.0, 0.0])).item() == pytest.approx(np.log(2.0))
    assert F.logsumexp(mg.tensor(a), axis=0, keepdims=True).shape == (1, 3)
    log_probs = a - np.log(np.exp(a).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(F.log_softmax(mg.tensor(a)).data, log_probs, rtol=1e-12)
    np.testing.assert_allclose(F.log_softmax(mg.tensor(a), axis=0).data,
                               a - np.log(np.exp(a).sum(axis=0, keepdims=True)), rtol=1e-12)
    np.testing.assert_allclose(F.softmax(mg.tensor(a)).data.sum(axis=1), [1.0, 1.0], rtol=1e-12)
    assert F.cross_entropy(mg.tensor(a), np.array([1, 2])).item() == pytest.approx(-(log_probs[0, 1] + log_probs[1, 2]) / 2)
    logits, targets = np.array([2.0, -0.5, 0.0, 1.5]), np.array([1.0, 0.0, 0.3, 0.8])
    p = 1 / (1 + np.exp(-logits))
    bce = -np.mean(targets * np.log(p) + (1 - targets) * np.log(1 - p))
    assert F.binary_cross_entropy_with_logits(mg.tensor(logits), mg.tensor(targets)).item() == pytest.approx(bce, rel=1e-12)
    assert F.binary_cross_entropy_with_logits(mg.tensor([0.0]), mg.tensor([1.0])).item() == pytest.approx(np.log(2.0))
    np.testing.assert_allclose(F.softplus(mg.tensor(logits)).data, np.log1p(np.exp(logits)), rtol=1e-12)
    np.testing.assert_allclose(F.log_sigmoid(mg.tensor(logits)).data, np.log(p), rtol=1e-12)
    np.testing.assert_allclose(F.leaky_relu(mg.tensor(logits), 0.2).data, [2.0, -0.1, 0.0, 1.5], rtol=1e-12)
    # slope <= 0 takes the other branch of F.leaky_relu (x kept, not y): by hand too
    np.testing.assert_allclose(F.leaky_relu(mg.tensor(logits), -0.5).data, [2.0, 0.25, 0.0, 1.5], rtol=1e-12)
    np.testing.assert_allclose(F.leaky_relu(mg.tensor(logits), 0.0).data, [2.0, 0.0, 0.0, 1.5], rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_gradient_is_sigmoid_minus_target_at_extreme_logits(dtype):
    # d/dl mean(softplus(l) - t l) = (sigmoid(l) - t) / n: bounded, exact at the extremes
    logits = np.array([-1e4, -1e4, -50.0, 0.0, 50.0, 1e4, 1e4])
    targets = np.array([0.0, 1.0, 1.0, 0.3, 0.0, 0.0, 1.0])
    x = mg.tensor(logits.astype(dtype), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, mg.tensor(targets.astype(dtype))).backward()
    sigmoid = np.exp(-np.logaddexp(0.0, -logits))
    assert x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad.data, (sigmoid - targets) / len(logits), rtol=1e-6, atol=1e-30)
    np.testing.assert_array_equal(x.grad.data[[0, 6]], [0.0, 0.0])
    assert x.grad.data[1] == pytest.approx(-1 / 7) and x.grad.data[5] == pytest.approx(1 / 7)


def test_matmul_and_linear_gradients_by_hand():
    """C = A B: dA = G B^T, dB = A^T G (THEORY 1.2), with numbers small enough to check by hand;
    a linear layer u = x W^T + b: dx = G W, dW = G^T x, db = sum of G over the batch."""
    A = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=np.float64)
    B = mg.tensor([[1.0, -1.0, 0.0], [2.0, 0.0, 1.0]], requires_grad=True, dtype=np.float64)
    G = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, -1.0]])
    (A @ B).backward(mg.tensor(G))
    np.testing.assert_array_equal(A.grad.data, [[1.0, 4.0], [-1.0, -1.0]])           # G B^T
    np.testing.assert_array_equal(B.grad.data, [[1.0, 3.0, -1.0], [2.0, 4.0, 0.0]])  # A^T G
    x = mg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True, dtype=np.float64)
    W = mg.tensor([[1.0, -1.0], [0.0, 2.0], [1.0, 1.0]], requires_grad=True, dtype=np.float64)
    b = mg.tensor([0.5, 0.0, -0.5], requires_grad=True, dtype=np.float64)
    mg.linear(x, W, b).backward(mg.tensor(G))
    np.testing.assert_array_equal(x.grad.data, [[3.0, 1.0], [-1.0, 1.0]])            # G W
    np.testing.assert_array_equal(W.grad.data, [[1.0, 2.0], [3.0, 4.0], [-1.0, 0.0]])  # G^T x
    np.testing.assert_array_equal(b.grad.data, [1.0, 1.0, 1.0])                      # sum of G


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softplus_derivative_is_the_sigmoid_to_a_few_ulps(dtype):
    # the plain backward computes sigmoid(a) = exp(min(a, 0) - log1p(e^-|a|)); compare with
    # 1 / (1 + e^-a) evaluated in long double, over the whole range including 0 and +-1e4
    a = np.concatenate([[-1e4, -80.0, -30.0, -1e-8, 0.0, 1e-8, 30.0, 80.0, 1e4],
                        np.linspace(-40, 40, 401)]).astype(dtype)
    x = mg.tensor(a, requires_grad=True)
    F.softplus(x).sum().backward()
    exact = 1 / (1 + np.exp(-a.astype(np.longdouble)))
    ulp = np.spacing(exact.astype(dtype))
    assert np.all(np.abs(x.grad.data - exact) <= 4 * ulp)
    # the graph-recording path (create_graph) gives the same first derivative
    (g,) = mg.grad(F.softplus(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, x.grad.data, rtol=4 * np.finfo(dtype).eps, atol=0)


def test_backward_order_does_not_depend_on_when_leaves_were_made():
    # engine order = creation order; a leaf created after intermediate nodes must still work
    a = mg.tensor(2.0, requires_grad=True, dtype=np.float64)
    y = a * a                                   # made before b exists
    b = mg.tensor(3.0, requires_grad=True, dtype=np.float64)
    z = y * b + y.exp() * b + (b * a)           # dz/da = 2ab + 2a e^(a^2) b + b, dz/db = a^2 + e^(a^2) + a
    z.backward()
    assert a.grad.item() == pytest.approx(2 * 2 * 3 + 2 * 2 * np.exp(4) * 3 + 3)
    assert b.grad.item() == pytest.approx(4 + np.exp(4) + 2)


def test_error_messages_name_op_and_shapes():
    with pytest.raises(ValueError, match=r"matmul: shapes \(64, 5\) and \(15, 128\) do not align"):
        mg.tensor(np.zeros((64, 5))) @ mg.tensor(np.zeros((15, 128)))
    with pytest.raises(ValueError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        mg.tensor(np.zeros(3)) + mg.tensor(np.zeros(4))
    with pytest.raises(ValueError, match=r"reshape: .*\(2, 3\).*\(4,\)"):
        mg.tensor(np.zeros((2, 3))).reshape(4)
    with pytest.raises(ValueError, match="sum: axis 2"):
        mg.tensor(np.zeros((2, 3))).sum(axis=2)
    with pytest.raises(ValueError, match="mse_loss"):
        F.mse_loss(mg.tensor(np.zeros((3, 1))), mg.tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="cross_entropy: labels"):
        F.cross_entropy(mg.tensor(np.zeros((2, 3))), np.array([0, 3]))
    with pytest.raises(ValueError, match="clip"):
        mg.clip(mg.tensor([1.0]), 2.0, 1.0)


def test_max_splits_ties_and_indexing_adds_repeats():
    x = mg.tensor([1.0, 3.0, 3.0], requires_grad=True, dtype=np.float64)
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.5, 0.5])
    y = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype=np.float64)
    y[np.array([0, 0, 2])].sum().backward()
    np.testing.assert_allclose(y.grad.data, [2.0, 0.0, 1.0])


def test_comparisons_give_masks_for_where():
    x = mg.tensor([-1.0, 2.0], requires_grad=True, dtype=np.float64)
    y = mg.where(x > 0, x, 0.0)
    y.sum().backward()
    np.testing.assert_allclose(y.data, [0.0, 2.0])
    np.testing.assert_allclose(x.grad.data, [0.0, 1.0])


def test_the_engine_modules_import_in_one_direction_and_share_no_private_names():
    """tensor.py <- autograd.py <- ops.py: tensor.py imports no engine module (autograd installs
    Tensor.backward), autograd.py no ops; and no module of minigrad imports another's private name."""
    import re
    from pathlib import Path
    root = Path(mg.__file__).parent
    tensor_src = (root / "tensor.py").read_text(encoding="utf-8")
    autograd_src = (root / "autograd.py").read_text(encoding="utf-8")
    assert not re.search(r"from \.(autograd|ops|fused|functional)\b|import (autograd|ops)\b", tensor_src)
    assert not re.search(r"from \.(ops|fused|functional|convolution)\b", autograd_src)
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        private = re.findall(r"^\s*from \.[\w.]* import .*\b(_[a-z]\w*)", text, re.M)
        private += re.findall(r"\b(?:ops|convolution|tensor|autograd|backend)\._[a-z]\w*", text)
        assert not private, f"{path.relative_to(root)} uses private names of other modules: {private}"
