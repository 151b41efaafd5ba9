"""The PyTorch anchor of the DCGAN lesson: the classic DCGAN and recipe in torch, graded by the lesson's judge.

    python benchmarks/dcgan_anchor.py                          # 3,000 iterations, seed 0, 2 threads
    python benchmarks/dcgan_anchor.py --iterations 1500 --every 500 --threads 1 --pictures runs/anchor

Issue 14's reference: the issue's DCGAN (G Linear(100, 128*7*7)-BN-ReLU-ConvT(128, 64)-BN-ReLU-
ConvT(64, 1)-Tanh; D Conv(1, 64)-LReLU-Conv(64, 128)-BN-LReLU-Linear(6272, 1); the layers of
benchmarks/train_step.py `dcgan_layers`), batch 64, Adam 2e-4, betas (0.5, 0.999), BCE with
logits, the iteration of PyTorch's DCGAN example (G once, D on real and on fake.detach(), G step
through the same fake), trained on the lesson's split of the 5,000 packaged digits and starting
from the lesson's initial weights (`gan.models.dcgan_generator` / `dcgan_discriminator` with
C = 128, copied by state_dict key; their layers before batch norm have no bias, torch's get 0).
Batches and z come from torch's own generator. Every `--every` iterations the 1,000 samples of a
fixed z (G in eval mode) are graded by the lesson's judge (gan.judge.DigitJudge, trained with the
lesson's seed), and the figures are printed next to the training seconds (grading excluded).
Needs torch (prints a message and stops without it).
"""
import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gan.digits import load_digits, split, tile  # noqa: E402
from gan import models  # noqa: E402
from gan.judge import DigitJudge  # noqa: E402

BATCH = 64
NOISE_DIM = 100


def torch_dcgan(torch, seed):
    """torch.nn G and D with the lesson's initial weights (C = 128) for `seed`."""
    import train_step
    rng = np.random.default_rng(seed)
    sources = models.dcgan_generator(NOISE_DIM, rng=rng), models.dcgan_discriminator(rng=rng)
    G, D = train_step.dcgan_layers(torch.nn)
    for module, source in zip((G, D), sources):
        state = {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in source.state_dict().items()}
        missing = module.load_state_dict(state, strict=False).missing_keys
        with torch.no_grad():
            for key in missing:            # only the biases the lesson's builders leave out
                assert key.endswith("bias"), key
                module.state_dict()[key].zero_()
    return G, D


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=3000)
    parser.add_argument("--every", type=int, default=1000, help="grade every N iterations (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pictures", type=Path, help="save a 10 x 10 grid of samples here at every grading")
    args = parser.parse_args(argv)
    try:
        import torch
    except ImportError:
        print("dcgan_anchor: torch is not installed")
        return None
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    images, labels = load_digits(None)
    rng = np.random.default_rng(args.seed)           # the lesson's split and judge
    train_x, train_y, held_x, held_y = split(images, labels, rng)
    judge = DigitJudge.train(train_x, train_y, rng)
    G, D = torch_dcgan(torch, args.seed)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    ones, zeros = torch.ones(BATCH, 1), torch.zeros(BATCH, 1)
    data = torch.from_numpy(train_x.reshape(-1, 1, 28, 28).astype(np.float32))
    draw = torch.Generator().manual_seed(args.seed)
    z_fixed = torch.from_numpy(np.random.default_rng([args.seed, 1]).standard_normal((1000, NOISE_DIM))
                               .astype(np.float32))
    if args.pictures:
        args.pictures.mkdir(parents=True, exist_ok=True)
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    order, position, seconds, rows = torch.randperm(len(data), generator=draw), 0, 0.0, []
    print(f"{'iteration':>9} {'train s':>8} {'covered':>8} {'clf score':>10} {'confident':>10} {'Frechet':>8} {'sharpness':>10}")
    for iteration in range(1, args.iterations + 1):
        started = time.perf_counter()
        if position + BATCH > len(data):
            order, position = torch.randperm(len(data), generator=draw), 0
        real = data[order[position:position + BATCH]]
        position += BATCH
        fake = G(torch.randn(BATCH, NOISE_DIM, generator=draw))
        loss_d = bce(D(real), ones) + bce(D(fake.detach()), zeros)
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = bce(D(fake), ones)
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        seconds += time.perf_counter() - started
        if iteration % args.every == 0 or iteration == args.iterations:
            G.eval()
            with torch.no_grad():
                samples = G(z_fixed).numpy()
            G.train()
            s = judge.score(samples.reshape(1000, -1))
            rows.append((iteration, seconds, s))
            print(f"{iteration:>9} {seconds:>8.0f} {s['classes_covered']:>8} {s['classifier_score']:>10.2f} "
                  f"{s['confident_share']:>10.2f} {s['frechet_distance']:>8.1f} {s['sharpness']:>10.3f}", flush=True)
            if args.pictures:
                plt.imsave(args.pictures / f"anchor_{iteration:05d}.png", tile(samples[:100].reshape(100, 784)),
                           cmap="gray", vmin=0, vmax=1)
    real_scores = judge.score(held_x)
    print(f"held-out real digits: classifier score {real_scores['classifier_score']:.2f}, confident share "
          f"{real_scores['confident_share']:.2f}, Frechet {real_scores['frechet_distance']:.2f}, "
          f"sharpness {real_scores['sharpness']:.3f}")
    return rows


if __name__ == "__main__":
    main()
