"""nn.Embedding: torch's weight name and shape, its rows, and its gradient (repeated indices add up)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


def test_rows_and_gradcheck():
    emb = nn.Embedding(5, 3, rng=np.random.default_rng(0), dtype=np.float64)
    index = np.array([[4, 1], [1, 0]])
    np.testing.assert_array_equal(emb(index).data, emb.weight.data[index])
    assert emb(index).shape == (2, 2, 3)
    w = mg.tensor(emb.weight.data, requires_grad=True, dtype=np.float64)
    assert mg.gradcheck(lambda w: w[index] * w[index], [w])       # forward is weight[index]
    assert mg.gradgradcheck(lambda w: w[index] * w[index], [w])
    out = mg.sum(emb(index) * mg.tensor(np.arange(12.0).reshape(2, 2, 3)))
    out.backward()
    expected = np.zeros((5, 3))
    np.add.at(expected, index, np.arange(12.0).reshape(2, 2, 3))  # row 1 is used twice: its gradients add
    np.testing.assert_allclose(emb.weight.grad.data, expected)


def test_bad_indices_are_named():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"\[0, 3\]"):
        emb(np.array([4]))
    with pytest.raises(TypeError, match="integers"):
        emb(np.array([0.5]))


def test_state_dict_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Embedding(10, 6, rng=np.random.default_rng(1))
    theirs = torch.nn.Embedding(10, 6)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    index = np.array([3, 3, 9])
    np.testing.assert_allclose(ours(index).data, theirs(torch.from_numpy(index)).detach().numpy())
