"""nn.Maxout: the formula by hand, the torch-style layout and keys, gradcheck and gradgradcheck in float64."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def test_maxout_is_the_max_over_consecutive_groups_of_pieces():
    rng = np.random.default_rng(0)
    layer = nn.Maxout(3, 2, pieces=4, rng=rng).double()
    x = rng.standard_normal((5, 3))
    W, b = layer.linear.weight.data, layer.linear.bias.data
    expected = np.empty((5, 2))
    for i in range(5):
        for j in range(2):   # unit j owns the Linear outputs j*4 .. j*4+3
            expected[i, j] = max(W[j * 4 + k] @ x[i] + b[j * 4 + k] for k in range(4))
    assert np.allclose(layer(mg.tensor(x, dtype=np.float64)).data, expected)


def test_maxout_state_dict_keys_and_shapes_follow_torch_style():
    layer = nn.Maxout(6, 200, pieces=5, rng=np.random.default_rng(0))
    state = layer.state_dict()
    assert list(state) == ["linear.weight", "linear.bias"]
    assert state["linear.weight"].shape == (1000, 6) and state["linear.bias"].shape == (1000,)
    assert "pieces=5" in repr(layer)


def test_maxout_keeps_leading_axes_and_rejects_a_wrong_width():
    layer = nn.Maxout(3, 2, pieces=2, rng=np.random.default_rng(0))
    assert layer(mg.zeros(4, 7, 3)).shape == (4, 7, 2)
    with pytest.raises(ValueError, match=r"Maxout: input of shape \(4, 5\) has 5 features, the layer expects 3"):
        layer(mg.zeros(4, 5))
    with pytest.raises(ValueError, match="pieces"):
        nn.Maxout(3, 2, pieces=0)


def test_maxout_gradient_reaches_only_the_winning_piece():
    layer = nn.Maxout(2, 1, pieces=3, rng=np.random.default_rng(0)).double()
    x = mg.tensor(np.array([[0.3, -0.7]]), dtype=np.float64)
    layer(x).sum().backward()
    z = layer.linear.weight.data @ x.data[0] + layer.linear.bias.data
    winner = int(np.argmax(z))
    assert np.array_equal(layer.linear.bias.grad.data, np.eye(3)[winner])
    assert np.allclose(layer.linear.weight.grad.data[winner], x.data[0])


def test_maxout_gradcheck_and_gradgradcheck():
    # random float64 data: ties between pieces have probability zero, so the max is smooth at x
    rng = np.random.default_rng(1)
    layer = nn.Maxout(3, 2, pieces=3, rng=rng).double()
    x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True, dtype=np.float64)
    inputs = (x, *layer.parameters())
    assert mg.gradcheck(lambda x, *params: layer(x) * layer(x), inputs)
    assert mg.gradgradcheck(lambda x, *params: layer(x) * layer(x), inputs)


def test_maxout_matches_the_torch_writing():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    layer = nn.Maxout(4, 3, pieces=5, rng=rng).double()
    x = rng.standard_normal((6, 4))
    linear = torch.nn.Linear(4, 15).double()
    linear.load_state_dict({k.split(".", 1)[1]: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    ours = layer(mg.tensor(x, dtype=np.float64)).data
    theirs = linear(torch.from_numpy(x)).view(6, 3, 5).max(-1).values.detach().numpy()
    assert np.allclose(ours, theirs)


@pytest.mark.parametrize("axis, keepdims", [(-1, False), (1, True), (0, False), ((2,), False), (None, False)])
def test_max_over_a_short_axis_matches_numpy_and_splits_ties(axis, keepdims):
    # ops.max folds a short axis slice by slice (the fast path Maxout uses); the result is np.max's
    rng = np.random.default_rng(4)
    a = np.round(rng.standard_normal((3, 4, 5)), 0)   # rounded: many ties
    x = mg.tensor(a, requires_grad=True, dtype=np.float64)
    y = mg.max(x, axis=axis, keepdims=keepdims)
    assert np.array_equal(y.data, np.max(a, axis=axis, keepdims=keepdims))
    y.sum().backward()
    kept = np.max(a, axis=axis, keepdims=True)
    ties = (a == kept).sum(axis=axis, keepdims=True)
    assert np.allclose(x.grad.data, (a == kept) / ties)   # each maximum gets 1 / (number of ties)
