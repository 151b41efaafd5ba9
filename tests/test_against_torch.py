"""First- and second-order gradients agree with PyTorch's autograd on random expression graphs.

PyTorch is not a dependency: the module is skipped where torch is not installed."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F

torch = pytest.importorskip("torch")

UNARY = [
    ("exp", lambda x: (x * 0.3).exp(), lambda x: (x * 0.3).exp()),
    ("tanh", lambda x: x.tanh(), torch.tanh),
    ("sigmoid", lambda x: x.sigmoid(), torch.sigmoid),
    ("softplus", F.softplus, torch.nn.functional.softplus),
    ("log_sigmoid", F.log_sigmoid, torch.nn.functional.logsigmoid),
    ("leaky_relu", lambda x: F.leaky_relu(x, 0.2), lambda x: torch.nn.functional.leaky_relu(x, 0.2)),
    ("square", lambda x: x ** 2, lambda x: x ** 2),
    ("log(1+x^2)", lambda x: (x * x + 1.0).log(), lambda x: (x * x + 1.0).log()),
    ("sqrt(1+x^2)", lambda x: (x * x + 1.0).sqrt(), lambda x: (x * x + 1.0).sqrt()),
    ("reflected", lambda x: 2.0 - 1.0 / (x * x + 1.0), lambda x: 2.0 - 1.0 / (x * x + 1.0)),
]
BINARY = [
    ("add", lambda a, b: a + b, lambda a, b: a + b),
    ("sub", lambda a, b: a - b, lambda a, b: a - b),
    ("mul", lambda a, b: a * b, lambda a, b: a * b),
    ("div", lambda a, b: a / (b * b + 1.0), lambda a, b: a / (b * b + 1.0)),
    ("maximum", mg.maximum, torch.maximum),
    ("minimum", mg.minimum, torch.minimum),
]
SHAPE_PAIRS = [((3, 1), (1, 4)), ((), (3, 4)), ((4,), (3, 4)), ((3, 4), (3, 4))]


def random_program(rng, depth=6):
    """A random expression: leaves of broadcastable shapes combined by unary and binary ops, then
    a matmul, a reduction and a log_softmax, so every rule meets broadcasting."""
    shape_a, shape_b = SHAPE_PAIRS[rng.integers(len(SHAPE_PAIRS))]
    leaves = [rng.standard_normal(shape_a), rng.standard_normal(shape_b), rng.standard_normal((4, 2))]
    steps = [("binary", int(rng.integers(len(BINARY))))]
    for _ in range(depth):
        if rng.random() < 0.5:
            steps.append(("unary", int(rng.integers(len(UNARY)))))
        else:
            steps.append(("binary", int(rng.integers(len(BINARY)))))
    return leaves, steps


def run_program(steps, xs, lib):
    a, b, w = xs
    value = BINARY[steps[0][1]][1 if lib == "mg" else 2](a, b)
    for kind, index in steps[1:]:
        if kind == "unary":
            value = UNARY[index][1 if lib == "mg" else 2](value)
        else:
            value = BINARY[index][1 if lib == "mg" else 2](value, b)
    value = value @ w                                   # (3, 2)
    if lib == "mg":
        return (F.log_softmax(value, axis=1) * value.sum(axis=0, keepdims=True)).mean() + value.max()
    return (torch.log_softmax(value, dim=1) * value.sum(dim=0, keepdim=True)).mean() + value.max()


@pytest.mark.parametrize("seed", range(25))
def test_random_graph_first_and_second_order(seed):
    rng = np.random.default_rng(seed)
    leaves, steps = random_program(rng)
    mx = [mg.tensor(v, requires_grad=True, dtype=np.float64) for v in leaves]
    tx = [torch.tensor(v, requires_grad=True, dtype=torch.float64) for v in leaves]

    m_out, t_out = run_program(steps, mx, "mg"), run_program(steps, tx, "torch")
    np.testing.assert_allclose(m_out.item(), t_out.item(), rtol=1e-10)
    m_grads = mg.grad(m_out, mx, create_graph=True)
    t_grads = torch.autograd.grad(t_out, tx, create_graph=True)
    for mgr, tgr in zip(m_grads, t_grads):
        np.testing.assert_allclose(mgr.data, tgr.detach().numpy(), rtol=1e-6, atol=1e-12)

    # second order: gradient of <v, grad> for a fixed random v
    vs = [rng.standard_normal(v.shape) for v in leaves]
    m_inner = sum((g * mg.tensor(v)).sum() for g, v in zip(m_grads, vs))
    t_inner = sum((g * torch.tensor(v)).sum() for g, v in zip(t_grads, vs))
    m_second = mg.grad(m_inner, mx, allow_unused=True)
    t_second = torch.autograd.grad(t_inner, tx, allow_unused=True)
    for m2, t2 in zip(m_second, t_second):
        expected = np.zeros_like(leaves[0]) if t2 is None else t2.numpy()
        got = np.zeros_like(expected) if m2 is None else m2.data
        np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-10)


def test_gradient_penalty_matches_torch():
    rng = np.random.default_rng(0)
    x_np, w1_np, b1_np, w2_np = (rng.standard_normal(s) for s in [(6, 2), (8, 2), (8,), (1, 8)])
    w1, b1, w2 = (mg.tensor(v, requires_grad=True, dtype=np.float64) for v in (w1_np, b1_np, w2_np))
    x = mg.tensor(x_np, requires_grad=True, dtype=np.float64)
    d = mg.linear(F.leaky_relu(mg.linear(x, w1, b1), 0.2), w2)
    (gx,) = mg.grad(d.sum(), x, create_graph=True)
    penalty = ((F.norm(gx, axis=1) - 1.0) ** 2).mean()
    penalty.backward()

    tw1, tb1, tw2 = (torch.tensor(v, requires_grad=True) for v in (w1_np, b1_np, w2_np))
    tx = torch.tensor(x_np, requires_grad=True)
    td = torch.nn.functional.linear(torch.nn.functional.leaky_relu(
        torch.nn.functional.linear(tx, tw1, tb1), 0.2), tw2)
    (tgx,) = torch.autograd.grad(td.sum(), tx, create_graph=True)
    tpenalty = ((tgx.norm(dim=1) - 1.0) ** 2).mean()
    tpenalty.backward()
    # the penalty does not depend on b1 (leaky_relu' is piecewise constant): PyTorch reports zeros,
    # minigrad leaves b1 out of the double-backward graph (grad None)
    assert b1.grad is None and np.all(tb1.grad.numpy() == 0)
    for mine, theirs in ((w1, tw1), (w2, tw2)):
        np.testing.assert_allclose(mine.grad.data, theirs.grad.numpy(), rtol=1e-6, atol=1e-12)


def _replay_wgan_gp_in_torch(G, D, cfg, iterations, gp_lambda):
    """Algorithm 13.1 with the WGAN-GP losses written in PyTorch, fed from the same numpy RNG
    stream in the same order as gan.train.Trainer (real batch, noise, eps per critic step; noise
    per generator step); float64 copies of the initial weights; torch.optim.Adam."""
    from gan import data

    def copy(module):
        linears = [m for m in module.modules() if isinstance(m, mg.nn.Linear)]
        layers = []
        for i, lin in enumerate(linears):
            t = torch.nn.Linear(lin.in_features, lin.out_features, dtype=torch.float64)
            with torch.no_grad():
                t.weight.copy_(torch.from_numpy(lin.weight.data))
                t.bias.copy_(torch.from_numpy(lin.bias.data))
            layers += [t, torch.nn.ReLU()] if i < len(linears) - 1 else [t]
        return torch.nn.Sequential(*layers)

    def batch(array):
        return torch.from_numpy(np.asarray(array, dtype=np.float32).astype(np.float64))

    tg, td = copy(G), copy(D)
    opt_g = torch.optim.Adam(tg.parameters(), lr=cfg.g_lr, betas=cfg.g_betas)
    opt_d = torch.optim.Adam(td.parameters(), lr=cfg.d_lr, betas=cfg.d_betas)
    rng, n = np.random.default_rng(cfg.seed), cfg.batch_size
    for _ in range(iterations):
        for _ in range(cfg.n_critic):
            real = batch(data.ring8(n, rng))
            with torch.no_grad():
                fake = tg(batch(rng.standard_normal((n, 2), dtype=np.float32)))
            eps = batch(rng.random((n, 1)))
            x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
            scores = td(x_hat)
            (gx,) = torch.autograd.grad(scores, x_hat, torch.ones_like(scores), create_graph=True)
            penalty = ((torch.sqrt((gx * gx).sum(1) + 1e-12) - 1) ** 2).mean()
            loss = td(fake).mean() - td(real).mean() + gp_lambda * penalty
            opt_d.zero_grad()
            loss.backward()
            opt_d.step()
        loss = -td(tg(batch(rng.standard_normal((n, 2), dtype=np.float32)))).mean()
        opt_g.zero_grad()
        loss.backward()
        opt_g.step()
    return [p.detach().numpy() for p in (*td.parameters(), *tg.parameters())]


def test_wgan_gp_trainer_iterations_equal_a_pytorch_replay():
    # The whole training loop (n_critic critic steps with the gradient penalty's double backward,
    # zero_grad, the generator step through D, both Adams) in float64: after 6 iterations
    # minigrad and PyTorch agree to ~1e-16 (measured; over longer runs the GAN dynamics amplify
    # rounding, ~1e-8 after 50 iterations, so differences between long runs are chaos, not a
    # different algorithm). A replay with the penalty weight 10 -> 9.9 is caught.
    from gan import data, models, train
    from gan.config import TrainConfig

    cfg = TrainConfig(loss="wgan-gp", n_critic=5, batch_size=64, noise_dim=2, g_lr=1e-4, d_lr=1e-4,
                      g_betas=(0.5, 0.9), d_betas=(0.5, 0.9), gp_lambda=10.0, seed=3)
    rng = np.random.default_rng(0)
    G = models.mlp_generator(2, 2, hidden=(32, 32), rng=rng).double()
    D = models.mlp_discriminator(2, hidden=(32, 32), rng=rng).double()
    start = [p.data.copy() for p in (*D.parameters(), *G.parameters())]
    trainer = train.Trainer(G, D, data.ring8, cfg)
    replay = _replay_wgan_gp_in_torch(G, D, cfg, 6, gp_lambda=10.0)
    wrong = _replay_wgan_gp_in_torch(G, D, cfg, 6, gp_lambda=9.9)
    for _ in range(6):
        trainer.train_step()
    mine = [p.data for p in (*D.parameters(), *G.parameters())]
    moved = max(np.abs(a - s).max() for a, s in zip(mine, start))
    assert moved > 1e-4
    assert max(np.abs(a - b).max() for a, b in zip(mine, replay)) < 1e-12
    assert max(np.abs(a - b).max() for a, b in zip(mine, wrong)) > 1e-7
