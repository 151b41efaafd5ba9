"""benchmarks/op_profile.py: exclusive time per op, the engine's `apply` restored afterwards."""
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import op_profile
from minigrad import autograd


@pytest.fixture
def fake_time(monkeypatch):
    """perf_counter under the test's control: advance it with now[0] += seconds."""
    now = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: now[0])
    return now


def test_time_is_exclusive_and_ops_inside_a_backward_count_as_backward(fake_time):
    clock = op_profile.OpClock()
    with clock.timing("conv", "forward"):
        fake_time[0] += 2.0
        with clock.timing("unfold", "forward"):
            fake_time[0] += 3.0
        fake_time[0] += 1.0
    with clock.timing("conv", "backward"), clock.timing("mul", "forward"):   # mul called by a backward rule
        fake_time[0] += 4.0
    assert clock.seconds[("conv", "forward")] == pytest.approx(3.0)      # 6 inclusive, minus unfold's 3
    assert clock.seconds[("unfold", "forward")] == pytest.approx(3.0)
    assert clock.seconds[("conv", "backward")] == pytest.approx(0.0)
    assert clock.seconds[("mul", "backward")] == pytest.approx(4.0)
    assert ("mul", "forward") not in clock.seconds


def test_profile_of_a_toy_iteration_names_its_ops_and_restores_apply():
    clock, total, plain = op_profile.profile("toy", iterations=3, form="paper", warmup=1)
    assert total > 0 and plain > 0
    for key in (("linear+relu", "forward"), ("linear+relu", "backward"), ("linear", "forward")):
        assert clock.seconds[key] > 0, key
    rows = op_profile.table(clock, total, 3)
    assert rows[-1][0] == "outside ops" and rows[-1][3] >= 0
    assert sum(f + b for _, f, b, _ in rows) == pytest.approx(1e3 * total)
    for module in op_profile.OP_MODULES:
        assert module.apply is autograd.apply


def test_apply_is_restored_when_the_profiled_code_raises():
    with pytest.raises(RuntimeError), op_profile.profiled(op_profile.OpClock()):
        raise RuntimeError("inside the profile")
    for module in op_profile.OP_MODULES:
        assert module.apply is autograd.apply
