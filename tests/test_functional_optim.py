"""minigrad.functional_optim and nn.stateless.functional_call: the recorded step gives the in-place
optimizer's numbers, step after step, and its result can be differentiated."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels, nn, optim
from minigrad.functional_optim import functional_step
from minigrad.nn.stateless import functional_call


@pytest.fixture(params=["numpy", "numba"])
def backend(request):
    saved = kernels.get_backend()
    kernels.set_backend(request.param)
    yield request.param
    kernels.set_backend(saved)


OPTIMIZERS = {
    "sgd": lambda ps: optim.SGD(ps, lr=0.1),
    "sgd-momentum-dampening-decay": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01),
    "sgd-nesterov": lambda ps: optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
    "adam": lambda ps: optim.Adam(ps, lr=0.01, betas=(0.8, 0.99)),
    "adam-amsgrad-decay": lambda ps: optim.Adam(ps, lr=0.01, weight_decay=0.1, amsgrad=True),
}


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_functional_step_gives_the_in_place_numbers(name, backend):
    rng = np.random.default_rng(0)
    params = [mg.tensor(rng.standard_normal(s), requires_grad=True, dtype=np.float64) for s in ((3, 2), (4,))]
    opt = OPTIMIZERS[name](params)
    # two in-place steps first, so the functional steps start from a non-trivial state
    grads_seq = [[rng.standard_normal(p.shape) for p in params] for _ in range(5)]
    for grads in grads_seq[:2]:
        for p, g in zip(params, grads):
            p.grad = mg.Tensor(g)
        opt.step()
    current, state = [mg.Tensor(p.data.copy()) for p in params], None
    saved_state = {i: {k: (np.copy(v) if isinstance(v, np.ndarray) else v) for k, v in e.items()}
                   for i, e in opt.state.items()}
    before = [p.data.copy() for p in params]
    current, state = functional_step(opt, current, [mg.Tensor(g) for g in grads_seq[2]], state)
    # the optimizer itself is untouched by a functional step
    assert all(np.array_equal(p.data, b) for p, b in zip(params, before))
    assert all(np.array_equal(opt.state[i][k], v) for i, e in saved_state.items() for k, v in e.items()
               if isinstance(v, np.ndarray))
    for grads in grads_seq[3:]:
        current, state = functional_step(opt, current, [mg.Tensor(g) for g in grads], state)
    for grads in grads_seq[2:]:
        for p, g in zip(params, grads):
            p.grad = mg.Tensor(g)
        opt.step()
    for p, c in zip(params, current):
        np.testing.assert_allclose(c.data, p.data, rtol=1e-12, atol=1e-14)


def test_functional_step_skips_a_missing_gradient_and_refuses_rmsprop():
    p, q = mg.tensor([1.0], requires_grad=True), mg.tensor([2.0], requires_grad=True)
    new, _ = functional_step(optim.SGD([p, q], lr=0.5), [p, q], [mg.tensor([1.0]), None])
    assert new[1] is q and np.allclose(new[0].data, 0.5)
    with pytest.raises(TypeError, match="RMSprop"):
        functional_step(optim.RMSprop([p], lr=0.1), [p], [None])


def test_sgd_step_is_differentiable_in_its_gradient_and_parameter():
    # p1 = p - lr * grad f(p) for f(p) = sum p^3:  dp1/dp = 1 - 6 lr p, elementwise
    p = mg.tensor([0.5, -1.0, 2.0], requires_grad=True, dtype=np.float64)
    lr = 0.1
    (g,) = mg.grad(mg.sum(p * p * p), p, create_graph=True)
    (p1,), _ = functional_step(optim.SGD([p], lr=lr), [p], [g])
    (d,) = mg.grad(mg.sum(p1), p)
    assert np.allclose(d.data, 1 - 6 * lr * p.data)


def test_adam_step_gradcheck_through_two_recorded_steps():
    rng = np.random.default_rng(3)
    w = mg.tensor(rng.standard_normal(3), requires_grad=True, dtype=np.float64)
    x = mg.tensor(rng.standard_normal((5, 3)), dtype=np.float64)
    opt = optim.Adam([mg.tensor(np.zeros(3), requires_grad=True, dtype=np.float64)], lr=0.05, betas=(0.8, 0.999))

    def two_steps(w):
        params, state = [w], None
        for _ in range(2):
            (g,) = mg.grad(mg.sum(mg.tanh(mg.matmul(x, params[0]))), params[0], create_graph=True)
            params, state = functional_step(opt, params, [g], state)
        return params[0]
    assert mg.gradcheck(two_steps, (w,))


def test_functional_call_swaps_the_parameters_for_the_call_only():
    layer = nn.Linear(2, 1, rng=np.random.default_rng(0)).double()
    x = mg.tensor(np.array([[1.0, 2.0]]), dtype=np.float64)
    w = mg.tensor(np.array([[3.0, -1.0]]), requires_grad=True, dtype=np.float64)
    y = functional_call(layer, {"weight": w}, x)
    assert np.allclose(y.data, 3.0 - 2.0 + layer.bias.data)
    assert layer.weight is layer._parameters["weight"]          # its own Parameter again
    (dw,) = mg.grad(mg.sum(y), w)
    assert np.allclose(dw.data, x.data)
    with pytest.raises(KeyError, match="no parameters"):
        functional_call(layer, {"wieght": w}, x)
    with pytest.raises(ValueError, match="shape"):
        functional_call(layer, {"weight": mg.tensor(np.zeros((2, 2)))}, x)
    assert layer.weight is layer._parameters["weight"]
