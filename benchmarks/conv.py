"""Per layer of the MNIST DCGAN (issue 13): forward and forward + backward of each Conv2d and
ConvTranspose2d, minigrad on each backend next to PyTorch CPU, in ms and GFLOP/s.

    python benchmarks/conv.py                       # batch 64, all backends, torch if installed
    python benchmarks/conv.py --batch 256 --reps 9
    python benchmarks/conv.py --parts               # also time unfold / fold / the GEMMs alone

The two BatchNorm2d layers after the big convolutions (training mode) are timed too (no FLOPs).
FLOPs counted: 2 per multiply-add of the convolution (bias and the col2im adds not counted);
forward + backward = forward, the input gradient and the weight gradient, 3x the forward.
Every repetition runs each column once (interleaved), the figure is the median.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minigrad as mg
from minigrad import kernels as K
from minigrad import nn

# name: (layer class name, in, out, input height = width); kernel 4, stride 2, padding 1 for all
LAYERS = {
    "G ConvT(128, 64) 7->14": ("ConvTranspose2d", 128, 64, 7),
    "G ConvT(64, 1) 14->28": ("ConvTranspose2d", 64, 1, 14),
    "D Conv(1, 64) 28->14": ("Conv2d", 1, 64, 28),
    "D Conv(64, 128) 14->7": ("Conv2d", 64, 128, 14),
    # batch normalisation in training mode (no FLOPs counted): the layers after the two big convolutions
    "G BatchNorm2d(64) 14x14": ("BatchNorm2d", 64, 64, 14),
    "D BatchNorm2d(128) 7x7": ("BatchNorm2d", 128, 128, 7),
}


def macs(kind, cin, cout, size, batch):
    """0 for batch norm. Multiply-adds: every (output pixel, in, out, kernel tap) of a Conv2d; every (input pixel,
    in, out, tap) of a ConvTranspose2d (4 x 4 kernel, stride 2, padding 1)."""
    if kind == "BatchNorm2d":
        return 0
    out = size // 2 if kind == "Conv2d" else size
    return batch * out * out * cin * cout * 16


def best_of(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def minigrad_steps(kind, cin, cout, size, batch, rng):
    layer = nn.BatchNorm2d(cin) if kind == "BatchNorm2d" else getattr(nn, kind)(cin, cout, 4, 2, 1, rng=rng)
    x = rng.standard_normal((batch, cin, size, size)).astype(np.float32)

    def forward():
        layer(mg.tensor(x))

    def both():
        xt = mg.tensor(x, requires_grad=True)
        y = layer(xt)
        y.backward(np.ones(y.shape, dtype=np.float32))
    return layer, x, forward, both


def torch_steps(torch, layer, x):
    if isinstance(layer, nn.BatchNorm2d):
        m = torch.nn.BatchNorm2d(layer.num_features)
    else:
        m = getattr(torch.nn, type(layer).__name__)(layer.in_channels, layer.out_channels, 4, 2, 1)
    m.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    xt = torch.from_numpy(x)

    def forward():
        with torch.no_grad():
            m(xt)

    def both():
        xg = xt.clone().requires_grad_(True)
        y = m(xg)
        y.backward(torch.ones_like(y))
    return forward, both


def parts(kind, cin, cout, size, batch, rng, reps, n):
    """unfold, fold and the one big GEMM of the layer's forward, per backend (ms)."""
    sizes = ((4, 4), (1, 1), (1, 1), (2, 2))
    if kind == "Conv2d":
        x = rng.standard_normal((batch, cin, size, size)).astype(np.float32)
        cols = K.unfold(x, *sizes)
        L = cols.shape[2]
        w = rng.standard_normal((cout, cin * 16)).astype(np.float32)
        jobs = {"unfold": lambda: K.unfold(x, *sizes),
                "fold (input grad)": lambda: K.fold(cols, (size, size), *sizes),
                "GEMM W @ cols": lambda: K.matmul(w, cols.transpose(1, 0, 2).reshape(cin * 16, batch * L))}
    else:
        out = 2 * size
        x = rng.standard_normal((batch, cout, out, out)).astype(np.float32)
        cols = K.unfold(x, *sizes)
        rows = rng.standard_normal((cin, batch * size * size)).astype(np.float32)
        w = rng.standard_normal((cin, cout * 16)).astype(np.float32)
        jobs = {"fold (forward)": lambda: K.fold(cols, (out, out), *sizes),
                "unfold (input grad)": lambda: K.unfold(x, *sizes),
                "GEMM W^T @ x": lambda: K.matmul_tn(w, rows)}
    backends = ("numpy", "numba")
    times = {(j, b): [] for j in jobs for b in backends}
    for _ in range(reps):
        for j, fn in jobs.items():
            for b in backends:
                K.set_backend(b)
                times[j, b].append(best_of(fn, n))
    K.set_backend("auto")
    for j in jobs:
        print(f"      {j:<22}" + "".join(f"{b:>7} {1e3 * statistics.median(times[j, b]):7.2f} ms" for b in backends))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--n", type=int, default=3, help="calls per timed repetition")
    parser.add_argument("--backends", default="numpy,numba,auto")
    parser.add_argument("--parts", action="store_true", help="also time unfold, fold and the GEMM alone")
    args = parser.parse_args()
    backends = args.backends.split(",")
    try:
        import torch
        torch.set_num_threads(2)
    except ImportError:
        torch = None
        print("(PyTorch not installed: minigrad columns only)")
    rng = np.random.default_rng(0)
    cols = [f"mg-{b}" for b in backends] + (["torch"] if torch else [])
    print(f"batch {args.batch}; median over {args.reps} interleaved repetitions of {args.n} calls; "
          f"ms and (GFLOP/s)\n")
    print(f"{'layer':<24}{'pass':<9}" + "".join(f"{c:>18}" for c in cols) + ("   mg-auto/torch" if torch else ""))
    for name, (kind, cin, cout, size) in LAYERS.items():
        layer, x, fwd, both = minigrad_steps(kind, cin, cout, size, args.batch, rng)
        steps = {("fwd", f"mg-{b}"): (b, fwd) for b in backends}
        steps.update({("fwd+bwd", f"mg-{b}"): (b, both) for b in backends})
        if torch:
            tf, tb = torch_steps(torch, layer, x)
            steps[("fwd", "torch")], steps[("fwd+bwd", "torch")] = (None, tf), (None, tb)
        times = {key: [] for key in steps}
        for key, (backend, fn) in steps.items():         # warm-up: compilation, allocator
            if backend:
                K.set_backend(backend)
            fn()
        for _ in range(args.reps):
            for key, (backend, fn) in steps.items():
                if backend:
                    K.set_backend(backend)
                times[key].append(best_of(fn, args.n))
        K.set_backend("auto")
        flop = 2 * macs(kind, cin, cout, size, args.batch)
        for p, factor in (("fwd", 1), ("fwd+bwd", 3)):
            row = f"{name:<24}{p:<9}"
            for c in cols:
                t = statistics.median(times[p, c])
                row += f"{1e3 * t:9.2f} ({factor * flop / t / 1e9:5.1f})" if flop else f"{1e3 * t:9.2f}   (  -  )"
            if torch and "auto" in backends:
                ratios = [a / b for a, b in zip(times[p, "mg-auto"], times[p, "torch"])]
                row += f"{statistics.median(ratios):12.2f}"
            print(row, flush=True)
        if args.parts and kind != "BatchNorm2d":
            parts(kind, cin, cout, size, args.batch, rng, args.reps, args.n)


if __name__ == "__main__":
    main()
