import numpy as np
import pytest

import minigrad as mg


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def leaf(rng, *shape, positive=False, low=None):
    """A float64 leaf tensor that requires grad, with values kept away from kinks when asked."""
    data = rng.standard_normal(shape)
    if positive:
        data = np.abs(data) + 0.5
    return mg.tensor(data, requires_grad=True, dtype=np.float64)
