"""The experiments fc_noise and conv_output of the lab_notes lesson (demos/lab_fc_noise.py,
demos/lab_conv_output.py), trained once at --quick scale on the packaged digits without the judge
(the noise figures of gan/digit_noise.py need no classifier; the judge costs seconds to train).

The claims tested are those the default run measured (seed 0; three seeds in docs/THEORY.md 14.2
and 14.3), at the quick scale where they already hold:

* fc_noise: the FC generator's background stays far brighter than the real digits' (default run:
  DEFAULT_FC) while its shapes form: the noise is not a passing stage of training.
* conv_output: the noise around the digits orders FC > FC+3x3 > FC+5x5 (default run:
  DEFAULT_CONV), and the convolution's output is smoother (lower sharpness) than the FC one.
"""
import numpy as np
import pytest

from demos import common, lab_conv_output, lab_fc_noise
from gan import digits as packaged

SEED = 0


@pytest.fixture(scope="module")
def results():
    images, labels = packaged.load_digits()
    train_x, _, held_x, _ = packaged.split(images, labels, np.random.default_rng(SEED))
    digits = common.Result(train_x=train_x, held_x=held_x, judge=None, judge_stopped=False)
    fc = lab_fc_noise.run(digits, quick=True, seed=SEED)
    conv = lab_conv_output.run(digits, quick=True, seed=SEED, fc_result=fc)
    return fc, conv


def test_both_experiments_return_the_promised_runs_as_image_arrays(results):
    fc, conv = results
    assert set(fc["samples"]) == {"fc"}
    assert set(conv["samples"]) == {"fc", "fc_conv3", "fc_conv5"}
    assert conv["samples"]["fc"] is fc["samples"]["fc"]         # the FC run is reused, not trained twice
    for samples in (*fc["samples"].values(), *conv["samples"].values()):
        assert samples.shape == (1000, 1, 28, 28) and samples.dtype == np.float32
        assert -1 <= samples.min() and samples.max() <= 1
    assert [row["iteration"] for row in fc["trace"]] == list(lab_fc_noise.CHECKPOINTS["quick"])
    assert not fc["metrics"]["interrupted"] and not conv["metrics"]["interrupted"]
