"""The thread policy (minigrad/kernels/threads.py): results do not depend on whether the halves of a
split job ran on one core or two, nor on the machine's load; the load rule reads the CPU time of
the other programs; OpenBLAS stays on one thread."""
import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F
from minigrad import kernels as K
from minigrad import nn, optim

threads = importlib.import_module("minigrad.kernels.threads")
matmul_module = importlib.import_module("minigrad.kernels.matmul")
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def restore_threads():
    saved = threads.get_threads()
    yield
    threads.set_threads(saved)


def run_both_ways(fn):
    """fn() with the helper thread never used (1) and always used (2)."""
    results = []
    for mode in ("1", "2"):
        threads.set_threads(mode)
        results.append(fn())
    return results


@pytest.mark.parametrize("backend", ["numpy", "numba"])
@pytest.mark.parametrize("shape", [(64, 784, 512), (512, 64, 784), (64, 512, 785), (33, 300, 1000)])
def test_a_split_product_is_bit_identical_on_one_core_and_on_two(backend, shape, restore_threads):
    """Row halves (tall outputs) and column halves (wide ones), all three entry points; the
    products are above SPLIT_MIN_MACS, so each is computed as two halves."""
    m, k, n = shape
    assert m * k * n >= matmul_module.SPLIT_MIN_MACS
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(np.float32)
    b = rng.standard_normal((k, n)).astype(np.float32)
    saved = K.get_backend()
    K.set_backend(backend)
    try:
        def products():
            return (K.matmul(a, b), K.matmul_nt(a, np.ascontiguousarray(b.T)),
                    K.matmul_tn(np.ascontiguousarray(a.T), b))
        one, two = run_both_ways(products)
    finally:
        K.set_backend(saved)
    reference = a.astype(np.float64) @ b.astype(np.float64)
    for x, y in zip(one, two):
        assert np.array_equal(x, y)
        np.testing.assert_allclose(x, reference, rtol=1e-4, atol=1e-3 * np.sqrt(k))


def mnist_gan_steps(steps=3):
    """Three iterations of the digits lesson's MLP GAN (batch 64, products of 25M multiply-adds)."""
    rng = np.random.default_rng(3)
    G = nn.MLP([100, 256, 512, 784], ("leaky_relu", 0.2), "tanh", rng=rng)
    D = nn.MLP([784, 512, 256, 1], ("leaky_relu", 0.2), rng=rng)
    opt_g, opt_d = optim.Adam(G.parameters(), lr=2e-4), optim.Adam(D.parameters(), lr=2e-4)
    for _ in range(steps):
        real = mg.tensor(rng.uniform(-1, 1, (64, 784)).astype(np.float32))
        z = mg.tensor(rng.standard_normal((64, 100)).astype(np.float32))
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(G(z).detach())).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(G(z))).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    return [p.data.copy() for p in G.parameters() + D.parameters()]


def dcgan_steps(steps=2):
    """Two iterations of the classic MNIST DCGAN (convolutions, batch norm: the split unfold, fold
    and batch-norm kernels, and the split products)."""
    from gan import models
    rng = np.random.default_rng(4)
    G = models.dcgan_generator(100, channels=64, rng=rng)
    D = models.dcgan_discriminator(32, rng=rng)
    opt_g, opt_d = optim.Adam(G.parameters(), lr=2e-4), optim.Adam(D.parameters(), lr=2e-4)
    for _ in range(steps):
        real = mg.tensor(rng.uniform(-1, 1, (64, 1, 28, 28)).astype(np.float32))
        z = mg.tensor(rng.standard_normal((64, 100)).astype(np.float32))
        fake = G(z)
        d_loss = F.softplus(-D(real)).mean() + F.softplus(D(fake.detach())).mean()
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
        g_loss = F.softplus(-D(fake)).mean()
        opt_g.zero_grad()
        g_loss.backward()
        opt_g.step()
    return [p.data.copy() for p in G.parameters() + D.parameters()]


@pytest.mark.parametrize("train", [mnist_gan_steps, dcgan_steps])
def test_training_is_bit_identical_on_one_core_and_on_two(train, restore_threads):
    one, two = run_both_ways(train)
    assert all(np.array_equal(x, y) for x, y in zip(one, two))


def test_others_busy_is_the_machines_busy_time_minus_our_own():
    # (busy seconds of all CPUs, this process's CPU seconds, monotonic time)
    assert threads.others_busy(None, (10.0, 1.0, 5.0)) is None
    assert threads.others_busy((10.0, 1.0, 5.0), (10.0, 1.0, 5.0)) is None          # no time passed
    assert threads.others_busy((10.0, 1.0, 5.0), (10.5, 1.5, 5.5)) == pytest.approx(0.0)  # only us
    assert threads.others_busy((10.0, 1.0, 5.0), (11.0, 1.5, 5.5)) == pytest.approx(1.0)  # a spinner
    assert threads.others_busy((10.0, 1.0, 5.0), (10.3, 1.0, 6.0)) == pytest.approx(0.3)


def test_the_load_rule_uses_the_helper_only_when_others_leave_a_core(monkeypatch, restore_threads):
    threads.set_threads("auto")
    monkeypatch.setitem(threads._load, "cores", 2)
    readings = iter([(10.0, 1.0, 100.0), (11.0, 1.2, 101.0), (11.2, 2.0, 102.0)])
    monkeypatch.setattr(threads, "_reading", lambda: next(readings))
    monkeypatch.setitem(threads._load, "reading", None)
    monkeypatch.setitem(threads._load, "free", True)      # the answer before the first interval
    free = []
    for _ in range(3):
        monkeypatch.setitem(threads._load, "checked", -1.0)   # a new look each time
        free.append(threads.second_core_free())
    # first look: no interval yet, the last answer stands (True); then others used 0.8 of a core
    # (busy), then 0 (free)
    assert free == [True, False, True]
    monkeypatch.setitem(threads._load, "cores", 1)            # a process bound to one core
    monkeypatch.setitem(threads._load, "checked", -1.0)
    assert threads.second_core_free() is False


def test_modes_and_a_clear_error_for_a_bad_one(restore_threads):
    threads.set_threads(1)
    assert threads.second_core_free() is False
    threads.set_threads("2")
    assert threads.second_core_free() is True
    with pytest.raises(ValueError, match="set_threads: mode must be one of auto, 1, 2, got '3'"):
        threads.set_threads(3)
    env = dict(os.environ, MINIGRAD_THREADS="four")
    result = subprocess.run([sys.executable, "-c", "import minigrad"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "MINIGRAD_THREADS must be one of auto, 1, 2, got 'four'" in result.stderr
