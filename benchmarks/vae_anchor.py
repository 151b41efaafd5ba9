"""The VAE anchor: minigrad's VAE against the same VAE in PyTorch, same data and protocol.

PyTorch's examples/vae (784-400-20-400-784, ReLU, Bernoulli decoder, Adam 1e-3, batch 128),
trained for 3,000 steps on the digits lesson's 4,000 training digits and evaluated on its
1,000 held-out digits. Both sides start from the same weights (copied from minigrad's
initialisation), see the same minibatches and the same eps in every step, and are evaluated with
the same eps. Printed: held-out negative ELBO (nats per image) and its parts, the sharpness of
1,000 prior samples next to the real digits', wall time; the goal is |ours / torch - 1| < 2%.

    python benchmarks/vae_anchor.py              # 3,000 steps (about a minute per side)
    python benchmarks/vae_anchor.py --steps 500  # a shorter check

Needs torch (CPU) for the comparison side.
"""
import argparse
import time

import numpy as np

import minigrad as mg
from gan import metrics, vae
from gan.digits import load_digits, split


def torch_vae(model):
    """The same network in PyTorch, with minigrad's initial weights copied by name."""
    import torch
    from torch import nn

    class TorchVAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(vae.PIXELS, vae.HIDDEN)
            self.fc21 = nn.Linear(vae.HIDDEN, vae.LATENT)
            self.fc22 = nn.Linear(vae.HIDDEN, vae.LATENT)
            self.fc3 = nn.Linear(vae.LATENT, vae.HIDDEN)
            self.fc4 = nn.Linear(vae.HIDDEN, vae.PIXELS)

        def negative_elbo(self, x, eps):
            h = torch.relu(self.fc1(x))
            mu, logvar = self.fc21(h), self.fc22(h)
            logits = self.fc4(torch.relu(self.fc3(mu + torch.exp(0.5 * logvar) * eps)))
            reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
            kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=1)
            return reconstruction, kl

    net = TorchVAE()
    net.load_state_dict({name: torch.from_numpy(np.array(p.data)) for name, p in model.named_parameters()})
    return net


def train_torch(net, train, steps, rng):
    """The loop of gan.vae.fit, in PyTorch: same minibatch order and eps draws from the same rng."""
    import torch
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    for batch in vae.minibatches(len(train), 128, steps, rng):
        eps = rng.standard_normal((len(batch), vae.LATENT)).astype(np.float32)
        reconstruction, kl = net.negative_elbo(torch.from_numpy(train[batch]), torch.from_numpy(eps))
        loss = (reconstruction + kl).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def evaluate_torch(net, held, eps, prior_z):
    import torch
    with torch.no_grad():
        reconstruction, kl = net.negative_elbo(torch.from_numpy(held), torch.from_numpy(eps))
        samples = torch.sigmoid(net.fc4(torch.relu(net.fc3(torch.from_numpy(prior_z))))).numpy()
    return {"neg_elbo": float((reconstruction + kl).mean()), "reconstruction": float(reconstruction.mean()),
            "kl": float(kl.mean()), "sharpness": metrics.sharpness(2 * samples - 1)}


def evaluate_minigrad(model, held, eps, prior_z):
    with mg.no_grad():
        parts = model.negative_elbo(held, eps=eps)
        samples = mg.sigmoid(model.decode(mg.tensor(prior_z))).data
    return {"neg_elbo": float(parts.total.data), "reconstruction": float(parts.reconstruction.data),
            "kl": float(parts.kl.data), "sharpness": metrics.sharpness(2 * samples - 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="PyTorch threads (default 2)")
    parser.add_argument("--k", type=int, default=200, help="importance samples for minigrad's log p(x) (default 200)")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)

    images, labels = load_digits()
    train, _, held, _ = split(images, labels, np.random.default_rng(args.seed))
    train, held = (train + 1) / 2, (held + 1) / 2
    model = vae.VAE(rng=np.random.default_rng([args.seed, 15]))
    net = torch_vae(model)
    eval_rng = np.random.default_rng([args.seed, 16])
    eps = eval_rng.standard_normal((len(held), vae.LATENT)).astype(np.float32)
    prior_z = eval_rng.standard_normal((1000, vae.LATENT)).astype(np.float32)

    started = time.perf_counter()
    vae.fit(model, train, args.steps, np.random.default_rng([args.seed, 17]), progress=False)
    ours_seconds = time.perf_counter() - started
    started = time.perf_counter()
    train_torch(net, train, args.steps, np.random.default_rng([args.seed, 17]))
    torch_seconds = time.perf_counter() - started

    ours = evaluate_minigrad(model, held, eps, prior_z)
    theirs = evaluate_torch(net, held, eps, prior_z)
    log_px = float(model.log_likelihood(held, args.k, np.random.default_rng([args.seed, 18])).mean())
    real = metrics.sharpness(2 * held - 1)

    print(f"VAE 784-400-20-400-784, {args.steps} steps, batch 128, Adam 1e-3, "
          f"{len(train)} training / {len(held)} held-out digits")
    print(f"{'':<34}{'minigrad':>10}{'PyTorch':>10}")
    for label, key in (("held-out negative ELBO (nats)", "neg_elbo"), ("  reconstruction", "reconstruction"),
                       ("  KL", "kl"), ("prior samples' sharpness", "sharpness")):
        print(f"{label:<34}{ours[key]:>10.3f}{theirs[key]:>10.3f}")
    print(f"{'training time (s)':<34}{ours_seconds:>10.1f}{torch_seconds:>10.1f}")
    print(f"real held-out digits' sharpness: {real:.3f}")
    print(f"minigrad held-out log p(x), importance weighted, k = {args.k}: {log_px:.2f} nats")
    ratio = ours["neg_elbo"] / theirs["neg_elbo"]
    print(f"negative ELBO ratio minigrad / PyTorch: {ratio:.4f} (goal: within 2%: "
          f"{'met' if abs(ratio - 1) < 0.02 else 'NOT met'})")


if __name__ == "__main__":
    main()
