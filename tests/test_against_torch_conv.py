"""Convolutions against PyTorch (float64, 1e-6 relative): random configurations first order, the
gradient penalty through a conv critic (second order), and a DCGAN moved to torch.nn by copying
its state_dict. Skipped where torch is not installed."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F
from minigrad import nn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _both(rng, shape):
    a = rng.standard_normal(shape)
    return mg.tensor(a, requires_grad=True, dtype=np.float64), torch.tensor(a, requires_grad=True)


def _close(ours, theirs, what):
    np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-6, atol=1e-9, err_msg=what)


def _random_conv(rng):
    k = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    s = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    d = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    p = (int(rng.integers(0, 3)), int(rng.integers(0, 3)))
    size = [max(int(rng.integers(3, 9)), d[i] * (k[i] - 1) + 1 - 2 * p[i]) for i in range(2)]
    return k, s, d, p, size


@pytest.mark.parametrize("seed", range(12))
def test_conv2d_and_its_transpose_against_torch(seed):
    rng = np.random.default_rng(seed)
    k, s, d, p, (H, W) = _random_conv(rng)
    N, C, O = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    x, tx = _both(rng, (N, C, H, W))
    w, tw = _both(rng, (O, C) + k)
    b, tb = _both(rng, (O,))
    y, ty = F.conv2d(x, w, b, s, p, d), TF.conv2d(tx, tw, tb, s, p, d)
    _close(y.data, ty, f"conv2d forward {k, s, d, p}")
    g = rng.standard_normal(y.shape)
    ours = mg.grad(y, [x, w, b], grad_outputs=mg.tensor(g, dtype=np.float64))
    theirs = torch.autograd.grad(ty, [tx, tw, tb], torch.tensor(g))
    for o, t, name in zip(ours, theirs, "xwb"):
        _close(o.data, t, f"conv2d d/d{name} {k, s, d, p}")
    e = (int(rng.integers(0, max(s[0], d[0]))), int(rng.integers(0, max(s[1], d[1]))))
    wt, twt = _both(rng, (C, O) + k)
    yt = F.conv_transpose2d(x, wt, None, s, p, e, d)
    tyt = TF.conv_transpose2d(tx, twt, None, stride=s, padding=p, output_padding=e, dilation=d)
    _close(yt.data, tyt, f"conv_transpose2d forward {k, s, d, p, e}")
    gt = rng.standard_normal(yt.shape)
    ours = mg.grad(yt, [x, wt], grad_outputs=mg.tensor(gt, dtype=np.float64))
    theirs = torch.autograd.grad(tyt, [tx, twt], torch.tensor(gt))
    for o, t, name in zip(ours, theirs, "xw"):
        _close(o.data, t, f"conv_transpose2d d/d{name}")


def test_pools_and_interpolate_against_torch():
    rng = np.random.default_rng(3)
    x, tx = _both(rng, (2, 3, 7, 6))
    pairs = [(F.max_pool2d(x, 3, 2, 1), TF.max_pool2d(tx, 3, 2, 1)),
             (F.avg_pool2d(x, (2, 3), (2, 1), (1, 0)), TF.avg_pool2d(tx, (2, 3), (2, 1), (1, 0))),
             (F.interpolate(x, scale_factor=2), TF.interpolate(tx, scale_factor=2, mode="nearest")),
             (F.interpolate(x, size=(5, 9)), TF.interpolate(tx, size=(5, 9), mode="nearest"))]
    for y, ty in pairs:
        _close(y.data, ty, "forward")
        g = rng.standard_normal(y.shape)
        (ours,) = mg.grad(y, x, grad_outputs=mg.tensor(g, dtype=np.float64))
        (theirs,) = torch.autograd.grad(ty, tx, torch.tensor(g))
        _close(ours.data, theirs, "input gradient")


def test_gradient_penalty_through_a_conv_critic_against_torch():
    rng = np.random.default_rng(4)
    critic = nn.Sequential(nn.Conv2d(1, 4, 4, 2, 1, rng=rng), nn.LeakyReLU(0.2), nn.Conv2d(4, 8, 3, 2, 1, rng=rng),
                           nn.LayerNorm((8, 2, 2)), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(32, 1, rng=rng)).double()
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 4, 2, 1), torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(4, 8, 3, 2, 1),
                                 torch.nn.LayerNorm((8, 2, 2)), torch.nn.LeakyReLU(0.2), torch.nn.Flatten(),
                                 torch.nn.Linear(32, 1)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in critic.state_dict().items()})
    x_hat = rng.standard_normal((3, 1, 8, 8))
    xm = mg.tensor(x_hat, requires_grad=True, dtype=np.float64)
    (gm,) = mg.grad(critic(xm).sum(), xm, create_graph=True)
    penalty = ((F.norm(gm.reshape(3, -1), axis=1) - 1.0) ** 2).mean()
    penalty.backward()
    xt = torch.tensor(x_hat, requires_grad=True)
    (gt,) = torch.autograd.grad(theirs(xt).sum(), xt, create_graph=True)
    tp = ((gt.reshape(3, -1).norm(dim=1) - 1.0) ** 2).mean()
    tp.backward()
    assert penalty.item() == pytest.approx(tp.item(), rel=1e-10)
    for (name, p), q in zip(critic.named_parameters(), theirs.parameters()):
        # biases that do not move grad_x get no gradient here; torch gives some of them zeros
        ours = p.grad.data if p.grad is not None else np.zeros(p.shape)
        _close(ours, q.grad if q.grad is not None else torch.zeros(p.shape), f"penalty gradient of {name}")
    assert critic[0].weight.grad is not None and np.abs(critic[0].weight.grad.data).sum() > 0


def dcgan_pair(rng):
    """The classic MNIST DCGAN in minigrad, and the same layers in torch.nn."""
    G = nn.Sequential(nn.Linear(100, 128 * 7 * 7, rng=rng), nn.BatchNorm1d(128 * 7 * 7), nn.ReLU(),
                      nn.Unflatten(1, (128, 7, 7)), nn.ConvTranspose2d(128, 64, 4, 2, 1, rng=rng), nn.BatchNorm2d(64),
                      nn.ReLU(), nn.ConvTranspose2d(64, 1, 4, 2, 1, rng=rng), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, 64, 4, 2, 1, rng=rng), nn.LeakyReLU(0.2), nn.Conv2d(64, 128, 4, 2, 1, rng=rng),
                      nn.BatchNorm2d(128), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(6272, 1, rng=rng))
    TG = torch.nn.Sequential(torch.nn.Linear(100, 128 * 7 * 7), torch.nn.BatchNorm1d(128 * 7 * 7), torch.nn.ReLU(),
                             torch.nn.Unflatten(1, (128, 7, 7)), torch.nn.ConvTranspose2d(128, 64, 4, 2, 1),
                             torch.nn.BatchNorm2d(64), torch.nn.ReLU(), torch.nn.ConvTranspose2d(64, 1, 4, 2, 1),
                             torch.nn.Tanh())
    TD = torch.nn.Sequential(torch.nn.Conv2d(1, 64, 4, 2, 1), torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(64, 128, 4, 2, 1),
                             torch.nn.BatchNorm2d(128), torch.nn.LeakyReLU(0.2), torch.nn.Flatten(),
                             torch.nn.Linear(6272, 1))
    return G, D, TG, TD


def test_a_dcgan_moves_to_pytorch_by_copying_its_state_dict():
    rng = np.random.default_rng(0)
    G, D, TG, TD = dcgan_pair(rng)
    for ours, theirs in ((G, TG), (D, TD)):
        ours.double()
        theirs.double()
        state = {k: torch.from_numpy(v) for k, v in ours.state_dict().items()}   # the copy: these lines
        theirs.load_state_dict(state)                                             # (strict: every key)
    z = rng.standard_normal((8, 100))
    fake, tfake = G(mg.tensor(z, dtype=np.float64)), TG(torch.tensor(z))
    _close(fake.data, tfake, "G(z), training mode")
    _close(D(fake).data, TD(tfake), "D(G(z)), training mode")
    _close(G[5].running_var, TG[5].running_var, "running statistics")
    for m in (G, D, TG, TD):
        m.eval()
    _close(D(G(mg.tensor(z, dtype=np.float64))).data, TD(TG(torch.tensor(z))), "eval mode")
