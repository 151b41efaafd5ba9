"""Every primitive op through first- and second-order gradchecks in float64, broadcasting included."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F

from minigrad.tensor import value

from conftest import leaf


def away_from_zero(rng, *shape):
    """Values with |x| >= 0.3, so finite differences never straddle the kink of abs/relu/max."""
    data = rng.standard_normal(shape)
    data = np.sign(data) * (np.abs(data) + 0.3)
    return mg.tensor(data, requires_grad=True, dtype=np.float64)


# (name, function, input factory) -- the factory builds float64 leaves from an rng
CASES = [
    ("add (3,1)+(1,4)", lambda a, b: a + b, lambda r: (leaf(r, 3, 1), leaf(r, 1, 4))),
    ("add scalar+matrix", lambda a, b: a + b, lambda r: (leaf(r), leaf(r, 2, 3))),
    ("add (5,)+(2,5)", lambda a, b: a + b, lambda r: (leaf(r, 5), leaf(r, 2, 5))),
    ("sub (3,1)-(1,4)", lambda a, b: a - b, lambda r: (leaf(r, 3, 1), leaf(r, 1, 4))),
    ("mul (5,)*(2,5)", lambda a, b: a * b, lambda r: (leaf(r, 5), leaf(r, 2, 5))),
    ("mul scalar*matrix", lambda a, b: a * b, lambda r: (leaf(r), leaf(r, 2, 3))),
    ("div (3,1)/(1,4)", lambda a, b: a / b, lambda r: (leaf(r, 3, 1), leaf(r, 1, 4, positive=True))),
    ("reflected 2-x, 1/x, 2**x", lambda a: (2 - a) * (1 / a) + 2 ** a, lambda r: (leaf(r, 4, positive=True),)),
    ("neg", lambda a: -a, lambda r: (leaf(r, 2, 3),)),
    ("pow scalar 3", lambda a: a ** 3, lambda r: (leaf(r, 2, 3),)),
    ("pow scalar -1.5", lambda a: a ** -1.5, lambda r: (leaf(r, 2, 3, positive=True),)),
    ("pow scalar 0", lambda a: a ** 0, lambda r: (leaf(r, 3),)),
    ("pow tensor (3,1)**(1,4)", lambda a, b: a ** b, lambda r: (leaf(r, 3, 1, positive=True), leaf(r, 1, 4))),
    ("matmul 2-D", lambda a, b: a @ b, lambda r: (leaf(r, 3, 4), leaf(r, 4, 2))),
    ("matmul 1-D @ 2-D", lambda a, b: a @ b, lambda r: (leaf(r, 4), leaf(r, 4, 2))),
    ("matmul 2-D @ 1-D", lambda a, b: a @ b, lambda r: (leaf(r, 3, 4), leaf(r, 4))),
    ("matmul 1-D @ 1-D", lambda a, b: a @ b, lambda r: (leaf(r, 4), leaf(r, 4))),
    ("matmul batched 3-D", lambda a, b: a @ b, lambda r: (leaf(r, 2, 3, 4), leaf(r, 2, 4, 2))),
    ("matmul batched 3-D @ 2-D", lambda a, b: a @ b, lambda r: (leaf(r, 2, 3, 4), leaf(r, 4, 2))),
    ("linear", lambda x, w, b: mg.linear(x, w, b), lambda r: (leaf(r, 5, 3), leaf(r, 4, 3), leaf(r, 4))),
    ("linear+relu", lambda x, w, b: mg.linear(x, w, b, "relu"),
     lambda r: (away_from_zero(r, 5, 3), leaf(r, 4, 3), mg.tensor(np.full(4, 0.05), requires_grad=True, dtype=np.float64))),
    ("linear+leaky_relu", lambda x, w, b: mg.linear(x, w, b, "leaky_relu", 0.2),
     lambda r: (away_from_zero(r, 5, 3), leaf(r, 4, 3), mg.tensor(np.full(4, 0.05), requires_grad=True, dtype=np.float64))),
    ("linear+tanh", lambda x, w, b: mg.linear(x, w, b, "tanh"), lambda r: (leaf(r, 5, 3), leaf(r, 4, 3), leaf(r, 4))),
    ("linear+sigmoid", lambda x, w, b: mg.linear(x, w, b, "sigmoid"), lambda r: (leaf(r, 5, 3), leaf(r, 4, 3), leaf(r, 4))),
    ("linear no bias", lambda x, w: mg.linear(x, w), lambda r: (leaf(r, 5, 3), leaf(r, 4, 3))),
    ("exp", lambda a: a.exp(), lambda r: (leaf(r, 2, 3),)),
    ("log", lambda a: a.log(), lambda r: (leaf(r, 2, 3, positive=True),)),
    ("log1p", lambda a: a.log1p(), lambda r: (leaf(r, 2, 3, positive=True),)),
    ("sqrt", lambda a: a.sqrt(), lambda r: (leaf(r, 2, 3, positive=True),)),
    ("abs", lambda a: a.abs(), lambda r: (away_from_zero(r, 2, 3),)),
    ("tanh", lambda a: a.tanh(), lambda r: (leaf(r, 2, 3),)),
    ("sigmoid", lambda a: a.sigmoid(), lambda r: (leaf(r, 2, 3),)),
    ("relu", lambda a: a.relu(), lambda r: (away_from_zero(r, 2, 3),)),
    ("sum all", lambda a: a.sum(), lambda r: (leaf(r, 2, 3),)),
    ("sum axis 0", lambda a: a.sum(axis=0), lambda r: (leaf(r, 2, 3),)),
    ("sum axes (0,2) keepdims", lambda a: a.sum(axis=(0, 2), keepdims=True), lambda r: (leaf(r, 2, 3, 4),)),
    ("mean all", lambda a: a.mean(), lambda r: (leaf(r, 2, 3),)),
    ("mean axis -1", lambda a: a.mean(axis=-1), lambda r: (leaf(r, 2, 3),)),
    ("max all", lambda a: a.max(), lambda r: (leaf(r, 2, 3),)),
    ("max axis 1 keepdims", lambda a: a.max(axis=1, keepdims=True), lambda r: (leaf(r, 3, 4),)),
    ("reshape tuple", lambda a: a.reshape((3, 2)), lambda r: (leaf(r, 2, 3),)),
    ("reshape args -1", lambda a: a.reshape(-1, 6), lambda r: (leaf(r, 2, 3),)),
    ("transpose default", lambda a: a.transpose(), lambda r: (leaf(r, 2, 3),)),
    ("transpose axes", lambda a: a.transpose(1, 2, 0), lambda r: (leaf(r, 2, 3, 4),)),
    (".T", lambda a: a.T, lambda r: (leaf(r, 2, 3),)),
    ("getitem slices", lambda a: a[1:, ::2], lambda r: (leaf(r, 3, 4),)),
    ("getitem int", lambda a: a[1], lambda r: (leaf(r, 3, 4),)),
    ("getitem int array with repeats", lambda a: a[np.array([0, 2, 0])], lambda r: (leaf(r, 3, 4),)),
    ("getitem pairs", lambda a: a[np.array([0, 1, 2]), np.array([3, 3, 0])], lambda r: (leaf(r, 3, 4),)),
    ("concatenate axis 1", lambda a, b: mg.concatenate([a, b], axis=1), lambda r: (leaf(r, 2, 3), leaf(r, 2, 1))),
    ("stack axis 1", lambda a, b: mg.stack([a, b], axis=1), lambda r: (leaf(r, 2, 3), leaf(r, 2, 3))),
    ("where bool array", lambda a, b: mg.where(np.array([[True, False, True]]), a, b),
     lambda r: (leaf(r, 2, 3), leaf(r, 1, 3))),
    ("where tensor condition", lambda a, b: mg.where(a > 0, a, b * 2.0), lambda r: (away_from_zero(r, 2, 3), leaf(r, 2, 3))),
    ("maximum", lambda a, b: mg.maximum(a, b), lambda r: (leaf(r, 3, 1), leaf(r, 1, 4))),
    ("minimum", lambda a, b: mg.minimum(a, b), lambda r: (leaf(r, 3, 1), leaf(r, 1, 4))),
    ("clip", lambda a: mg.clip(a * 3.0, -1.0, 1.0), lambda r: (away_from_zero(r, 3, 4),)),
    ("broadcast_to", lambda a: mg.broadcast_to(a, (2, 3, 4)), lambda r: (leaf(r, 3, 1),)),
]

COMPOSITES = [
    ("leaky_relu", lambda a: F.leaky_relu(a, 0.2), lambda r: (away_from_zero(r, 3, 4),)),
    ("leaky_relu negative slope", lambda a: F.leaky_relu(a, -0.3), lambda r: (away_from_zero(r, 3, 4),)),
    ("softplus", lambda a: F.softplus(a * 3.0), lambda r: (leaf(r, 3, 4),)),
    ("log_sigmoid", lambda a: F.log_sigmoid(a * 3.0), lambda r: (leaf(r, 3, 4),)),
    ("logsumexp", lambda a: F.logsumexp(a, axis=1), lambda r: (leaf(r, 3, 4),)),
    ("logsumexp all keepdims", lambda a: F.logsumexp(a, keepdims=True), lambda r: (leaf(r, 3, 4),)),
    ("log_softmax", lambda a: F.log_softmax(a), lambda r: (leaf(r, 3, 4),)),
    ("bce_with_logits", lambda a, t: F.binary_cross_entropy_with_logits(a, t),
     lambda r: (leaf(r, 5, 1), mg.tensor(r.uniform(size=(5, 1)), requires_grad=True, dtype=np.float64))),
    ("cross_entropy", lambda a: F.cross_entropy(a, np.array([0, 3, 1])), lambda r: (leaf(r, 3, 4),)),
    ("mse_loss", lambda a, b: F.mse_loss(a, b), lambda r: (leaf(r, 3, 4), leaf(r, 3, 4))),
    ("norm per row", lambda a: F.norm(a, axis=1), lambda r: (leaf(r, 3, 4),)),
]

ALL = CASES + COMPOSITES


@pytest.mark.parametrize("name,fn,make", ALL, ids=[c[0] for c in ALL])
def test_first_order(name, fn, make):
    inputs = make(np.random.default_rng(7))
    assert mg.gradcheck(fn, inputs)


@pytest.mark.parametrize("name,fn,make", ALL, ids=[c[0] for c in ALL])
def test_second_order(name, fn, make):
    inputs = make(np.random.default_rng(8))
    assert mg.gradgradcheck(fn, inputs)


def test_wrong_gradient_rule_is_caught():
    """A deliberately wrong vjp (sin with derivative +sin instead of cos) must fail gradcheck."""
    def wrong_sin(a):
        return mg.apply("wrong_sin", np.sin, lambda g, y, a: g * y, a)

    x = mg.tensor(np.linspace(0.3, 1.2, 4), requires_grad=True, dtype=np.float64)
    with pytest.raises(mg.GradcheckError, match=r"input 0 .*element \(0,\).*analytic .* numeric"):
        mg.gradcheck(wrong_sin, (x,))


def test_wrong_second_derivative_is_caught():
    """A vjp that is right at first order but built from a constant (no graph) fails gradgradcheck."""
    def square_without_graph(a):
        # 2 a taken as a constant array: right numbers, but no graph for a second derivative
        return mg.apply("sq", np.square, lambda g, y, a: g * (2 * value(a)), a)

    x = mg.tensor([0.5, -1.0, 2.0], requires_grad=True, dtype=np.float64)
    assert mg.gradcheck(square_without_graph, (x,))
    with pytest.raises(mg.GradcheckError):
        mg.gradgradcheck(square_without_graph, (x,))


def cube_with_a_rule_wrong_only_under_create_graph(a):
    """y = x^3 whose vjp is right in a plain backward (3 x^2 g) but doubled when a graph is being
    recorded (6 x^2 g). The doubled rule is self-consistent: its own derivative 12 x g matches its
    finite differences, so differentiating the recorded gradient cannot reveal it.

    (The engine gives the rule ndarrays in a plain backward and Tensors under create_graph; a rule
    that looks at which it got is exactly what the op pattern forbids, and what this check catches.)"""
    def vjp(g, y, a):
        factor = 6.0 if isinstance(g, mg.Tensor) else 3.0
        return g * factor * a * a
    return mg.apply("cube_wrong_under_create_graph", lambda a: a ** 3, vjp, a)


def test_rule_wrong_only_under_create_graph_is_caught():
    x = mg.tensor([0.5, -1.0, 2.0], requires_grad=True, dtype=np.float64)
    fn = cube_with_a_rule_wrong_only_under_create_graph
    assert mg.gradcheck(fn, (x,))  # the plain backward is right
    # what gradgradcheck used to check alone: the recorded gradient against its own differences
    u = mg.tensor([0.3, -0.7, 1.1], dtype=np.float64)
    assert mg.gradcheck(lambda a: mg.grad((fn(a) * u).sum(), a, create_graph=True)[0], (x,))
    with pytest.raises(mg.GradcheckError, match=r"first order, create_graph=True vs plain backward"):
        mg.gradgradcheck(fn, (x,))


def test_first_order_check_of_gradgradcheck_compares_with_finite_differences():
    """A rule wrong on both paths alike passes the plain-vs-recorded comparison, not the numeric one."""
    def cube_doubled_everywhere(a):
        return mg.apply("cube_doubled", lambda a: a ** 3, lambda g, y, a: g * 6.0 * a * a, a)

    x = mg.tensor([0.5, -1.0, 2.0], requires_grad=True, dtype=np.float64)
    with pytest.raises(mg.GradcheckError, match=r"first order, create_graph=True vs finite differences"):
        mg.gradgradcheck(cube_doubled_everywhere, (x,))


def test_gradcheck_rejects_float32():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(lambda a: a * 2.0, (x,))


def test_gradient_penalty_parameter_gradients():
    """The WGAN-GP pattern: a penalty on grad_x D(x) differentiated w.r.t. D's weights (double backward)."""
    rng = np.random.default_rng(3)
    x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True, dtype=np.float64)
    w1, b1, w2 = leaf(rng, 5, 3), leaf(rng, 5), leaf(rng, 1, 5)

    def penalty(w1, b1, w2):
        d_out = mg.linear(mg.linear(x, w1, b1).tanh(), w2)
        grad_x = mg.grad(d_out.sum(), x, create_graph=True)[0]
        return ((F.norm(grad_x, axis=1) - 1.0) ** 2).mean()

    assert mg.gradcheck(penalty, (w1, b1, w2))
    loss = penalty(w1, b1, w2)
    loss.backward()
    assert w1.grad is not None and np.all(np.isfinite(w1.grad.data)) and np.abs(w1.grad.data).sum() > 0
