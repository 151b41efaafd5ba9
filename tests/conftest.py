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


def assert_look_at_files_written(lesson, out):
    """Every file the lesson's "What to look at" section talks about was written to `out` by the run
    (``epochs/epoch_NNN.png`` stands for any number)."""
    import re

    from demos import common
    bullets = common.what_to_look_at(common.lesson_text(lesson))
    assert bullets, f"{lesson}: no 'What to look at' section"
    for filename, _ in bullets:
        pattern = re.sub(r"N{2,}", "*", filename)
        assert list(out.glob(pattern)), f"{lesson}: the lesson text talks about {filename}, the run did not write it"
