"""minigrad.optim: closed forms for a few steps, 100-step agreement with torch.optim, state, dispatch."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels, nn, optim

BACKENDS = ["numpy", "numba"]


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test once with the NumPy formulas and once with the fused Numba kernels."""
    saved = kernels.get_backend()
    kernels.set_backend(request.param)
    yield request.param
    kernels.set_backend(saved)


def param(values):
    return nn.Parameter(np.array(values, dtype=np.float64))


def run_steps(optimizer, p, grads):
    """Feed the gradient sequence `grads` to `optimizer`, one step each; return p after each step."""
    history = []
    for g in grads:
        p.grad = mg.tensor(np.array(g, dtype=np.float64))
        optimizer.step()
        history.append(p.data.copy())
    return history


# ----------------------------------------------------------------------------- closed forms

def test_sgd_plain_is_p_minus_lr_g(backend):
    p = param([1.0, -2.0])
    after = run_steps(optim.SGD([p], lr=0.1), p, [[0.5, 1.0], [-1.0, 2.0]])
    np.testing.assert_allclose(after[0], [1.0 - 0.05, -2.0 - 0.1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(after[1], [0.95 + 0.1, -2.1 - 0.2], rtol=0, atol=1e-15)


def test_sgd_momentum_with_dampening_constant_gradient(backend):
    # buf_1 = g, buf_t = mu buf_{t-1} + (1 - tau) g:  buf = g, 1.4 g, 1.76 g for mu 0.9, tau 0.5
    p = param([3.0])
    after = run_steps(optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.5), p, [[2.0]] * 3)
    np.testing.assert_allclose([a[0] for a in after],
                               [3.0 - 0.2, 3.0 - 0.2 - 0.28, 3.0 - 0.2 - 0.28 - 0.352], atol=1e-14)


def test_sgd_nesterov_constant_gradient(backend):
    # buf_t = g (1 - mu^t) / (1 - mu);  p moves by lr (g + mu buf_t)
    mu, lr, g = 0.5, 0.1, 1.0
    p = param([0.0])
    after = run_steps(optim.SGD([p], lr=lr, momentum=mu, nesterov=True), p, [[g]] * 3)
    expected, position = [], 0.0
    for t in (1, 2, 3):
        position -= lr * (g + mu * g * (1 - mu ** t) / (1 - mu))
        expected.append(position)
    np.testing.assert_allclose([a[0] for a in after], [-0.15, -0.325, -0.5125], atol=1e-14)
    np.testing.assert_allclose([a[0] for a in after], expected, atol=1e-14)


def test_sgd_weight_decay_alone_shrinks_geometrically(backend):
    # zero gradient: d = wd p, so p_t = p_0 (1 - lr wd)^t
    p = param([2.0, -4.0])
    after = run_steps(optim.SGD([p], lr=0.5, weight_decay=0.2), p, [[0.0, 0.0]] * 3)
    np.testing.assert_allclose(after[2], np.array([2.0, -4.0]) * 0.9 ** 3, rtol=1e-14)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_constant_gradient_moves_lr_per_step(backend, amsgrad):
    # bias correction makes m_hat = g and v_hat = g^2 exactly, so every step is lr g / (|g| + eps)
    lr, eps = 0.01, 1e-8
    p = param([1.0, 1.0])
    after = run_steps(optim.Adam([p], lr=lr, eps=eps, amsgrad=amsgrad), p, [[3.0, -0.5]] * 3)
    for t, value in enumerate(after, start=1):
        np.testing.assert_allclose(value, [1.0 - t * lr * 3.0 / (3.0 + eps), 1.0 + t * lr * 0.5 / (0.5 + eps)],
                                   rtol=0, atol=1e-13)


def test_adam_two_steps_by_hand(backend):
    b1, b2, lr, eps = 0.9, 0.999, 0.1, 1e-8
    p = param([0.0])
    after = run_steps(optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps), p, [[1.0], [-2.0]])
    # step 2: m = 0.9*0.1 - 0.2 = -0.11,  v = 0.999*0.001 + 0.001*4 = 0.004999
    m_hat = -0.11 / (1 - b1 ** 2)
    v_hat = 0.004999 / (1 - b2 ** 2)
    expected = -lr * 1.0 / (1.0 + eps) - lr * m_hat / (math.sqrt(v_hat) + eps)
    np.testing.assert_allclose(after[1][0], expected, rtol=1e-12)


def test_adam_amsgrad_keeps_the_largest_second_moment(backend):
    b1, b2, lr, eps = 0.0, 0.5, 1.0, 0.0
    p = param([0.0])
    # with beta1 = 0, m = g. v_1 = 0.5*16 = 8, v_2 = 4 + 0.5*0.01 = 4.005; amsgrad uses max(8, 4.005) = 8
    after = run_steps(optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps, amsgrad=True), p, [[4.0], [0.1]])
    step2 = 0.1 / (math.sqrt(8.0) / math.sqrt(1 - 0.25))
    np.testing.assert_allclose(after[1][0], -1.0 - step2, rtol=1e-12)


def test_adam_weight_decay_adds_wd_p_to_the_gradient(backend):
    p = param([2.0])
    after = run_steps(optim.Adam([p], lr=0.1, weight_decay=0.5), p, [[0.0]])
    # g' = 0.5 * 2 = 1 on the first step -> moves by lr g'/(|g'| + eps)
    np.testing.assert_allclose(after[0][0], 2.0 - 0.1 / (1 + 1e-8), rtol=1e-14)


def test_rmsprop_constant_gradient(backend):
    # v_t = (1 - alpha^t) g^2,  step_t = lr g / (sqrt(1 - alpha^t) |g| + eps)
    lr, alpha, eps, g = 0.01, 0.9, 1e-8, 2.0
    p = param([0.0])
    after = run_steps(optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps), p, [[g]] * 3)
    position = 0.0
    for t in (1, 2, 3):
        position -= lr * g / (math.sqrt(1 - alpha ** t) * g + eps)
        np.testing.assert_allclose(after[t - 1][0], position, rtol=1e-13)
    np.testing.assert_allclose(after[0][0], -lr / math.sqrt(0.1), rtol=1e-7)


def test_rmsprop_centered_with_momentum_constant_gradient(backend):
    # centered: v - g_avg^2 = (1 - a^t) g^2 - (1 - a^t)^2 g^2 = (1 - a^t) a^t g^2
    lr, alpha, mu, g = 0.01, 0.5, 0.9, 1.0
    p = param([0.0])
    opt = optim.RMSprop([p], lr=lr, alpha=alpha, eps=0.0, momentum=mu, centered=True)
    after = run_steps(opt, p, [[g]] * 3)
    buf, position = 0.0, 0.0
    for t in (1, 2, 3):
        buf = mu * buf + g / math.sqrt((1 - alpha ** t) * alpha ** t * g * g)
        position -= lr * buf
        np.testing.assert_allclose(after[t - 1][0], position, rtol=1e-13)
    np.testing.assert_allclose(after[0][0], -lr * 2.0, rtol=1e-13)  # sqrt(0.5 * 0.5) = 0.5


def test_rmsprop_centered_with_eps_constant_gradient(backend):
    # centered, no momentum, eps outside the square root:
    # step_t = lr g / (sqrt((1 - a^t) a^t) |g| + eps); for a = 0.5: sqrt(0.25) = 0.5 at t = 1
    lr, alpha, eps, g = 0.01, 0.5, 0.1, 1.0
    p = param([0.0])
    after = run_steps(optim.RMSprop([p], lr=lr, alpha=alpha, eps=eps, centered=True), p, [[g]] * 3)
    position = 0.0
    for t in (1, 2, 3):
        position -= lr * g / (math.sqrt((1 - alpha ** t) * alpha ** t) * g + eps)
        np.testing.assert_allclose(after[t - 1][0], position, rtol=1e-13)
    np.testing.assert_allclose(after[0][0], -0.01 / 0.6, rtol=1e-13)


def test_rmsprop_centered_step_starts_near_10_lr_falls_to_2_lr_then_grows(backend):
    """THEORY 7.3 with the default alpha 0.99 and a constant gradient: the step is
    lr / sqrt((1 - a^t) a^t): 10.05 lr at t = 1, 2 lr at its smallest (a^t = 1/2, t = 69), then it grows
    (20.4 lr at t = 600, towards lr g / eps)."""
    p = param([0.0])
    after = np.array(run_steps(optim.RMSprop([p], lr=1.0, centered=True), p, [[1.0]] * 600))[:, 0]
    steps = -np.diff(np.concatenate([[0.0], after]))
    assert steps[0] == pytest.approx(1 / math.sqrt(0.01 * 0.99), rel=1e-6) and 10.0 < steps[0] < 10.1
    assert steps.min() == pytest.approx(2.0, rel=1e-3) and np.argmin(steps) + 1 == 69
    assert steps[-1] == pytest.approx(1 / math.sqrt((1 - 0.99 ** 600) * 0.99 ** 600), rel=1e-6)
    assert steps[-1] > 20


def test_rmsprop_weight_decay(backend):
    p = param([1.0])
    after = run_steps(optim.RMSprop([p], lr=0.1, alpha=0.0, eps=0.0, weight_decay=3.0), p, [[0.0]])
    # alpha 0: v = g'^2, step = lr g'/|g'| = lr
    np.testing.assert_allclose(after[0][0], 0.9, rtol=1e-14)


# ----------------------------------------------------------------------------- common behaviour

OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    "adam": lambda ps: optim.Adam(ps, lr=0.1, amsgrad=True, weight_decay=0.1),
    "rmsprop": lambda ps: optim.RMSprop(ps, lr=0.1, momentum=0.5, centered=True, weight_decay=0.1),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_params_without_grad_are_skipped_and_grads_are_not_mutated(backend, name):
    used, unused = param([1.0, 2.0]), param([5.0])
    opt = OPTIMIZERS[name]([used, unused])
    grad = np.array([0.5, -0.5])
    used.grad = mg.tensor(grad.copy())
    opt.step()
    opt.step()
    assert unused.data.tolist() == [5.0]
    assert 1 not in opt.state
    assert used.grad.data.tolist() == grad.tolist()
    assert not np.array_equal(used.data, [1.0, 2.0])


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_zero_grad_clears_grads(name):
    p = param([1.0])
    p.grad = mg.tensor([1.0], dtype=np.float64)
    OPTIMIZERS[name]([p]).zero_grad()
    assert p.grad is None


def test_lr_can_change_between_steps(backend):
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1)
    run_steps(opt, p, [[1.0]])
    opt.lr = 0.0
    run_steps(opt, p, [[1.0]])
    assert p.data[0] == pytest.approx(0.9, abs=1e-15)
    opt.param_groups[0]["lr"] = 1.0
    run_steps(opt, p, [[1.0]])
    assert p.data[0] == pytest.approx(-0.1, abs=1e-15)
    assert opt.lr == 1.0


def test_param_groups_have_their_own_hyperparameters(backend):
    a, b = param([0.0]), param([0.0])
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad = b.grad = mg.tensor([1.0], dtype=np.float64)
    opt.step()
    assert (a.data[0], b.data[0]) == (pytest.approx(-0.1), pytest.approx(-1.0))
    with pytest.raises(AttributeError, match="different learning rates"):
        opt.lr


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-1.0), "lr must be >= 0"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "nesterov needs momentum > 0"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "dampening 0"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), "betas"),
    (lambda p: optim.Adam([]), "empty parameter list"),
    (lambda p: optim.RMSprop(p, momentum=-0.1), "momentum"),
])
def test_bad_hyperparameters_are_rejected(make, message):
    with pytest.raises(ValueError, match=message):
        make([param([1.0])])


@pytest.mark.parametrize("kernel_name, make", [
    ("adam_numba", lambda ps: optim.Adam(ps)),
    ("sgd_numba", lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)),
    ("rmsprop_numba", lambda ps: optim.RMSprop(ps)),
])
def test_backend_choice_decides_between_kernel_and_numpy_formula(monkeypatch, kernel_name, make):
    calls = []
    real = getattr(kernels.optim, kernel_name)
    monkeypatch.setattr(kernels.optim, kernel_name, lambda *args: (calls.append(1), real(*args)))
    saved = kernels.get_backend()
    try:
        for backend_name, expected_calls in (("numpy", 0), ("numba", 1)):
            kernels.set_backend(backend_name)
            calls.clear()
            p = param([1.0, 2.0])
            p.grad = mg.tensor([0.1, 0.2], dtype=np.float64)
            make([p]).step()
            assert len(calls) == expected_calls, backend_name
    finally:
        kernels.set_backend(saved)


def test_float32_parameters_stay_float32(backend):
    p = nn.Parameter(np.ones(4, dtype=np.float32))
    opt = optim.Adam([p], lr=0.1)
    p.grad = mg.tensor(np.ones(4, dtype=np.float64))  # a float64 grad is cast, p keeps its dtype
    opt.step()
    assert p.dtype == np.float32 and opt.state[0]["exp_avg"].dtype == np.float32
    np.testing.assert_allclose(p.data, 0.9, rtol=1e-6)


# ----------------------------------------------------------------------------- Adam on a whole group at once

GROUP_SHAPES = [(7, 3), (7,), (2, 7), (2,), (5, 2), (5,)]   # six: a full GROUP of four and a padded one


def _adam_by_hand(arrays, grads, groups):
    """Adam with kernels.adam_update called per parameter (the per-parameter path), on copies:
    `groups` lists (indices, lr, weight_decay); grads[t][i] is None for no gradient."""
    params = [a.copy() for a in arrays]
    state = [{"m": np.zeros_like(a), "v": np.zeros_like(a), "step": 0} for a in arrays]
    for step_grads in grads:
        for indices, lr, wd in groups:
            for i in indices:
                if step_grads[i] is not None:
                    s = state[i]
                    s["step"] += 1
                    kernels.adam_update(params[i], step_grads[i], s["m"], s["v"], None, s["step"],
                                        lr, 0.5, 0.999, 1e-8, wd)
    return params, state


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_group_update_equals_the_per_parameter_update_bit_for_bit(backend, monkeypatch, dtype):
    """After its first step Adam updates a group with one kernel call per GROUP parameters; the
    parameters and moments must be exactly those of the update run parameter by parameter, with
    two groups (their own lr and weight decay), a padded last call and a step without one grad."""
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(shape).astype(dtype) for shape in GROUP_SHAPES]
    grads = [[rng.standard_normal(shape).astype(dtype) for shape in GROUP_SHAPES] for _ in range(6)]
    grads[3][4] = None                     # this step goes parameter by parameter in group 0
    groups = [(range(0, 5), 1e-2, 0.0), (range(5, 6), 3e-2, 0.1)]
    params = [nn.Parameter(a.copy()) for a in arrays]
    opt = optim.Adam([{"params": params[:5]}, {"params": params[5:], "lr": 3e-2, "weight_decay": 0.1}],
                     lr=1e-2, betas=(0.5, 0.999))
    calls = []
    at_once = kernels.adam_group_update
    monkeypatch.setattr(kernels, "adam_group_update", lambda *args: (calls.append(len(args[0])), at_once(*args)))
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = None if g is None else mg.tensor(g)
        opt.step()
    expected, state = _adam_by_hand(arrays, grads, groups)
    # steps 2 and 3 at once; from step 4 on group 0 goes parameter by parameter (parameter 4 is a
    # step behind the others), group 1 stays at once
    assert calls == [5, 1, 5, 1, 1, 1, 1]
    for i, (p, want) in enumerate(zip(params, expected)):
        np.testing.assert_array_equal(p.data, want, err_msg=f"parameter {i}")
        np.testing.assert_array_equal(opt.state[i]["exp_avg"], state[i]["m"])
        np.testing.assert_array_equal(opt.state[i]["exp_avg_sq"], state[i]["v"])
        assert opt.state[i]["step"] == state[i]["step"]


# ----------------------------------------------------------------------------- state dicts

def test_state_dict_layout_is_keyed_by_parameter_index():
    a, b = param(np.ones((2, 3))), param([1.0])
    opt = optim.Adam([a, b], lr=0.01, amsgrad=True)
    a.grad = mg.tensor(np.ones((2, 3)))
    opt.step()
    state = opt.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert sorted(state["state"]) == [0]
    assert state["state"][0]["step"] == 1
    assert sorted(state["state"][0]) == ["exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"]
    assert state["param_groups"][0]["params"] == [0, 1]
    assert state["param_groups"][0]["lr"] == 0.01
    state["state"][0]["exp_avg"][...] = 123.0  # a copy: the optimizer is not affected
    assert opt.state[0]["exp_avg"][0, 0] != 123.0


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_resume_from_state_dict_is_exact(tmp_path, name):
    rng = np.random.default_rng(0)
    grads = rng.standard_normal((10, 3))
    p = param([1.0, -1.0, 0.5])
    opt = OPTIMIZERS[name]([p])
    run_steps(opt, p, grads[:5])
    mg.save({"p": p.data, "opt": opt.state_dict()}, tmp_path / "ck.npz")
    run_steps(opt, p, grads[5:])

    checkpoint = mg.load(tmp_path / "ck.npz")
    q = param(checkpoint["p"])
    resumed = OPTIMIZERS[name]([q])
    resumed.load_state_dict(checkpoint["opt"])
    run_steps(resumed, q, grads[5:])
    assert np.array_equal(p.data, q.data)


def test_load_state_dict_rejects_wrong_shapes_and_sizes():
    a = param(np.ones((2, 3)))
    opt = optim.Adam([a])
    a.grad = mg.tensor(np.ones((2, 3)))
    opt.step()
    state = opt.state_dict()

    other = optim.Adam([param(np.ones((3, 2)))])
    with pytest.raises(ValueError, match=r"'exp_avg' of parameter 0 has shape \(2, 3\), the parameter has shape \(3, 2\)"):
        other.load_state_dict(state)
    assert other.state == {}  # nothing half-loaded

    two = optim.Adam([param(np.ones((2, 3))), param([1.0])])
    with pytest.raises(ValueError, match=r"groups of sizes \[2\], the state has \[1\]"):
        two.load_state_dict(state)

    broken = opt.state_dict()
    del broken["state"][0]["exp_avg_sq"]
    with pytest.raises(ValueError, match="lacks"):
        optim.Adam([param(np.ones((2, 3)))]).load_state_dict(broken)

    with pytest.raises(ValueError, match="unexpected state 'momentum_buffer'"):
        optim.Adam([param(np.ones((2, 3)))]).load_state_dict(
            {"state": {0: {"momentum_buffer": np.ones((2, 3))}}, "param_groups": state["param_groups"]})


def adam_state_after_one_step():
    a = param(np.ones((2, 3)))
    opt = optim.Adam([a])
    a.grad = mg.tensor(np.ones((2, 3)))
    opt.step()
    return opt.state_dict()


@pytest.mark.parametrize("field, value, message", [
    ("step", -1, r"'step' of parameter 0 must be a whole number >= 0, got -1"),
    ("step", 2.7, r"'step' .* got 2.7"),
    ("step", "3", r"'step' .* got '3'"),
    ("step", True, r"'step' .* got True"),
    ("step", float("nan"), r"'step' .* got nan"),
    ("exp_avg", np.full((2, 3), "0.1"), r"'exp_avg' of parameter 0 must be a floating-point array, got .*dtype <U3"),
    ("exp_avg_sq", np.ones((2, 3), dtype=np.int64), r"'exp_avg_sq' .* dtype int64"),
    ("exp_avg", np.ones((2, 3), dtype=complex), r"'exp_avg' .* dtype complex128"),
    ("exp_avg", np.array([[1, 0, 1]] * 2, dtype=bool), r"'exp_avg' .* dtype bool"),
    ("exp_avg", "zeros", r"'exp_avg' .* got 'zeros'"),
])
def test_load_state_dict_refuses_tampered_values(field, value, message):
    """Tampered optimizer state is refused by name, not parsed (int('3')) or cast (astype)."""
    state = adam_state_after_one_step()
    state["state"][0][field] = value
    fresh = optim.Adam([param(np.ones((2, 3)))])
    with pytest.raises(ValueError, match=message):
        fresh.load_state_dict(state)
    assert fresh.state == {}


def test_load_state_dict_accepts_whole_float_steps_as_pytorch_stores_them():
    state = adam_state_after_one_step()
    state["state"][0]["step"] = np.float32(1.0)  # torch keeps Adam's step as a float tensor
    fresh = optim.Adam([param(np.ones((2, 3)))])
    fresh.load_state_dict(state)
    assert fresh.state[0]["step"] == 1 and isinstance(fresh.state[0]["step"], int)


def test_load_state_dict_restores_hyperparameters():
    p = param([1.0])
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    opt.lr = 0.025
    fresh = optim.SGD([param([1.0])], lr=0.1, momentum=0.9)
    fresh.load_state_dict(opt.state_dict())
    assert fresh.lr == 0.025


# ----------------------------------------------------------------------------- against PyTorch

TORCH_CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True, weight_decay=0.01)),
]


@pytest.mark.parametrize("name, options", TORCH_CASES, ids=[f"{n}-{o}" for n, o in TORCH_CASES])
def test_100_steps_agree_with_torch(backend, name, options):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (5,), (2,)]  # the last parameter never gets a gradient
    start = [rng.standard_normal(s) for s in shapes]
    noise = [rng.standard_normal((100,) + s) for s in shapes[:2]]

    ours = [nn.Parameter(x.copy()) for x in start]
    theirs = [torch.tensor(x.copy(), dtype=torch.float64, requires_grad=True) for x in start]
    our_opt = getattr(optim, name)(ours, **options)
    their_opt = getattr(torch.optim, name)(theirs, **options, foreach=False)
    for t in range(100):
        # the gradient of 0.5 |p|^2 + <noise_t, p>: depends on where each run is
        for i in range(2):
            ours[i].grad = mg.tensor(ours[i].data + noise[i][t])
            theirs[i].grad = theirs[i].detach().clone() + torch.from_numpy(noise[i][t])
        our_opt.step()
        their_opt.step()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, reference.detach().numpy(), rtol=0, atol=1e-6)
    assert not np.allclose(ours[0].data, start[0])  # the parameters did move
    assert np.array_equal(ours[2].data, start[2])


def documented_algorithm(name, options):
    """One step of torch.optim.<name> as its documentation writes the algorithm (bias-corrected
    moments m_hat, v_hat for Adam; the centred v - g_avg^2 for RMSprop), written here independently
    of minigrad/optim.py: returns step(theta, g, state, t) -> new theta."""
    lr, wd = options["lr"], options.get("weight_decay", 0.0)
    if name == "SGD":
        mu, tau, nesterov = options.get("momentum", 0.0), options.get("dampening", 0.0), options.get("nesterov", False)

        def step(theta, g, state, t):
            g = g + wd * theta
            if mu != 0:
                state["b"] = g if t == 1 else mu * state["b"] + (1 - tau) * g
                g = g + mu * state["b"] if nesterov else state["b"]
            return theta - lr * g
    elif name == "Adam":
        (beta1, beta2), eps, amsgrad = options.get("betas", (0.9, 0.999)), options.get("eps", 1e-8), options.get("amsgrad", False)

        def step(theta, g, state, t):
            g = g + wd * theta
            state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
            state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
            m_hat = state["m"] / (1 - beta1 ** t)
            if amsgrad:
                state["v_max"] = np.maximum(state.get("v_max", 0.0), state["v"])
                v_hat = state["v_max"] / (1 - beta2 ** t)
            else:
                v_hat = state["v"] / (1 - beta2 ** t)
            return theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    else:
        alpha, eps = options.get("alpha", 0.99), options.get("eps", 1e-8)
        mu, centered = options.get("momentum", 0.0), options.get("centered", False)

        def step(theta, g, state, t):
            g = g + wd * theta
            state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g * g
            v_tilde = state["v"]
            if centered:
                state["g_ave"] = alpha * state.get("g_ave", 0.0) + (1 - alpha) * g
                v_tilde = v_tilde - state["g_ave"] ** 2
            if mu > 0:
                state["b"] = mu * state.get("b", 0.0) + g / (np.sqrt(v_tilde) + eps)
                return theta - lr * state["b"]
            return theta - lr * g / (np.sqrt(v_tilde) + eps)
    return step


@pytest.mark.parametrize("name, options", TORCH_CASES, ids=[f"{n}-{o}" for n, o in TORCH_CASES])
def test_100_steps_agree_with_the_documented_algorithms(backend, name, options):
    """The torch-free twin of the test above: the same 100 steps against the algorithms as PyTorch's
    documentation writes them (the formulas of THEORY 7.1-7.3), computed here step by step."""
    rng = np.random.default_rng(7)
    shapes = [(3, 4), (5,), (2,)]  # the last parameter never gets a gradient
    start = [rng.standard_normal(s) for s in shapes]
    noise = [rng.standard_normal((100,) + s) for s in shapes[:2]]
    ours = [nn.Parameter(x.copy()) for x in start]
    our_opt = getattr(optim, name)(ours, **options)
    step = documented_algorithm(name, options)
    theirs, states = [x.copy() for x in start[:2]], [{}, {}]
    for t in range(1, 101):
        for i in range(2):
            ours[i].grad = mg.tensor(ours[i].data + noise[i][t - 1])
            theirs[i] = step(theirs[i], theirs[i] + noise[i][t - 1], states[i], t)
        our_opt.step()
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine.data, reference, rtol=0, atol=1e-10)
    assert not np.allclose(ours[0].data, start[0], atol=1e-3)  # the parameters did move
    assert np.array_equal(ours[2].data, start[2])


# ----------------------------------------------------------------------------- learning end to end

def test_mlp_learns_xor():
    """MLP 2-8-1 (tanh) with Adam(lr 0.05) reaches a mean BCE below 0.05 within 300 full-batch steps."""
    mg.set_default_dtype(np.float32)
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    y = np.array([[0], [1], [1], [0]], dtype=np.float32)
    net = nn.MLP([2, 8, 1], activation="tanh", rng=np.random.default_rng(0))
    opt = optim.Adam(net.parameters(), lr=0.05)
    first_loss = None
    for step in range(300):
        loss = mg.functional.binary_cross_entropy_with_logits(net(x), y)
        first_loss = first_loss if first_loss is not None else loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if loss.item() < 0.05:
            break
    assert first_loss > 0.5  # it started out wrong
    assert loss.item() < 0.05, f"XOR loss {loss.item():.4f} after {step + 1} steps"
    predictions = (net(x).data > 0).astype(np.float32)
    assert np.array_equal(predictions, y)
