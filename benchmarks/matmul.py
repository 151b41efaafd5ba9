"""Benchmark the Numba kernels against NumPy on the MLP shapes of the project.

Run by hand:  python benchmarks/matmul.py [--reps N]
              python benchmarks/matmul.py --nt-orientation     # a @ b.T or (b @ a.T).T

Prints, for each layer shape and dtype, the three products of a linear layer
(fwd X @ W.T, bwd_x dY @ W, bwd_w dY.T @ X): np.matmul (OpenBLAS, 2 threads) and
Numba (serial, or two threads above matmul.PARALLEL_MIN_MACS) GFLOP/s, their ratio, and
the share of the machine's FMA peak:

    peak = cores x FMA units x SIMD lanes x 2 flop x clock
         = 2 x 2 x (256-bit AVX2: 8 float32 / 4 float64) x 2 x f

The clock f is measured (a dependent chain of float64 adds, 3 cycles each on Zen 3),
since /proc/cpuinfo in a VM shows the nominal, not the boost, frequency. Both are
printed. Timings are medians over interleaved repetitions (A, B, A, B, ...), so a
noisy neighbour slows both sides alike.
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from minigrad.activations import ACTIVATIONS  # noqa: E402
from minigrad import kernels as K  # noqa: E402
from minigrad.kernels.backend import kernel  # noqa: E402

# (name, batch, fan_in, fan_out): each row is one linear layer
LAYERS = [
    ("toy G 5->128", 64, 5, 128), ("toy G 128->15", 64, 128, 15),
    ("toy D 15->128", 64, 15, 128), ("toy D 128->1", 64, 128, 1),
]
for batch in (64, 256):
    LAYERS += [(f"MNIST G 100->256 b{batch}", batch, 100, 256),
               (f"MNIST G 256->512 b{batch}", batch, 256, 512),
               (f"MNIST G 512->784 b{batch}", batch, 512, 784),
               (f"MNIST D 784->512 b{batch}", batch, 784, 512),
               (f"MNIST D 512->256 b{batch}", batch, 512, 256),
               (f"MNIST D 256->1 b{batch}", batch, 256, 1)]
LAYERS += [("WGAN-GP 2->512 b256", 256, 2, 512), ("WGAN-GP 512->512 b256", 256, 512, 512),
           ("WGAN-GP 512->2 b256", 256, 512, 2)]


def measure_clock_ghz():
    from numba import njit

    @njit(cache=False)
    def chain(n, x):
        s = x
        for _ in range(n):
            s = s + x          # each add waits for the previous one: 3 cycles (Zen 3)
        return s

    chain(10, 1.0)
    n = 50_000_000
    ts = []
    for _ in range(5):
        t = time.perf_counter()
        chain(n, 1e-9)
        ts.append(time.perf_counter() - t)
    return 3 * n / np.median(ts) / 1e9


def cpuinfo_mhz():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":")[1])
    except OSError:
        pass
    return float("nan")


def interleaved(fns, reps):
    """Median seconds of each function, calling them in turn reps times."""
    times = [[] for _ in fns]
    for _ in range(reps):
        for t_list, fn in zip(times, fns):
            t = time.perf_counter()
            fn()
            t_list.append(time.perf_counter() - t)
    return [float(np.median(t)) for t in times]


def numba_matmul(kind, a, b):
    K.set_backend("numba")
    try:
        return {"fwd": K.matmul_nt, "bwd_x": K.matmul, "bwd_w": K.matmul_tn}[kind](a, b)
    finally:
        K.set_backend("auto")


def bench_matmul(reps, ghz):
    rng = np.random.default_rng(0)
    print(f"{'layer':26s} {'dtype':7s} {'product':6s} {'m x k x n':>15s} "
          f"{'numpy GF/s':>10s} {'numba GF/s':>10s} {'ratio':>6s} {'np %pk':>6s} {'nb %pk':>6s}")
    ratios = {}
    for dtype in (np.float32, np.float64):
        lanes = 8 if dtype == np.float32 else 4
        peak = 2 * 2 * lanes * 2 * ghz
        for name, bsz, fin, fout in LAYERS:
            x = rng.standard_normal((bsz, fin)).astype(dtype)
            w = rng.standard_normal((fout, fin)).astype(dtype)
            dy = rng.standard_normal((bsz, fout)).astype(dtype)
            cases = [("fwd", x, w, lambda: x @ w.T, (bsz, fin, fout)),
                     ("bwd_x", dy, w, lambda: dy @ w, (bsz, fout, fin)),
                     ("bwd_w", dy, x, lambda: dy.T @ x, (fout, bsz, fin))]
            for kind, a, b, ref, (m, k, n) in cases:
                numba_matmul(kind, a, b)                # compile / warm up
                t_np, t_nb = interleaved([ref, lambda: numba_matmul(kind, a, b)], reps)
                gf = 2 * m * k * n / 1e9
                r = t_np / t_nb
                ratios.setdefault((dtype.__name__, name.startswith("MNIST")), []).append(r)
                print(f"{name:26s} {dtype.__name__:7s} {kind:6s} {f'{m}x{k}x{n}':>15s} "
                      f"{gf / t_np:10.1f} {gf / t_nb:10.1f} {r:6.2f} "
                      f"{100 * gf / t_np / peak:5.0f}% {100 * gf / t_nb / peak:5.0f}%")
    for (dt, mnist), rs in sorted(ratios.items()):
        if mnist:
            print(f"MNIST shapes {dt}: numba/numpy speed ratio median {np.median(rs):.2f}, "
                  f"min {min(rs):.2f}, max {max(rs):.2f}")


def bench_optim(reps):
    """Fused optimizer updates on the MNIST D parameters (784-512-256-1, ~0.53M)."""
    shapes = [(512, 784), (512,), (256, 512), (256,), (1, 256), (1,)]
    n = sum(int(np.prod(s)) for s in shapes)
    print(f"\nOptimizer step over the MNIST D ({n} parameters in {len(shapes)} tensors), "
          f"median ms per step")
    rng = np.random.default_rng(1)
    for dtype in (np.float32, np.float64):
        ps = [rng.standard_normal(s).astype(dtype) for s in shapes]
        gs = [rng.standard_normal(s).astype(dtype) for s in shapes]
        st = [[np.zeros_like(p) for p in ps] for _ in range(3)]

        def run(backend, which):
            K.set_backend(backend)
            for i, (p, g) in enumerate(zip(ps, gs)):
                if which == "adam":
                    K.adam_update(p, g, st[0][i], st[1][i], None, 5, 1e-4, 0.9, 0.999, 1e-8, 0.0)
                elif which == "adam+wd+amsgrad":
                    K.adam_update(p, g, st[0][i], st[1][i], st[2][i], 5, 1e-4, 0.9, 0.999, 1e-8,
                                  1e-2)
                elif which == "sgd momentum nesterov":
                    K.sgd_update(p, g, st[0][i], 1e-4, 0.9, 0.0, True, 0.0, False)
                else:
                    K.rmsprop_update(p, g, st[0][i], st[1][i], st[2][i], 1e-4, 0.99, 1e-8, 0.0,
                                     0.9, True)

        for which in ("adam", "adam+wd+amsgrad", "sgd momentum nesterov", "rmsprop centered mom"):
            run("numba", which)
            t_np, t_nb = interleaved([lambda: run("numpy", which), lambda: run("numba", which)],
                                     reps)
            print(f"  {dtype.__name__:7s} {which:24s} numpy {1e3 * t_np:7.3f}  numba "
                  f"{1e3 * t_nb:7.3f}  speed-up {t_np / t_nb:5.1f}x")
    K.set_backend("auto")


def bench_elementwise(reps):
    print("\nElementwise: bias + activation epilogue on the matmul output, act backward, "
          "act forward (median us)")
    rng = np.random.default_rng(2)
    for (bsz, n) in ((64, 128), (64, 512), (256, 512), (256, 784)):
        for dtype in (np.float32,):
            y0 = rng.standard_normal((bsz, n)).astype(dtype)
            b = rng.standard_normal(n).astype(dtype)
            g = rng.standard_normal((bsz, n)).astype(dtype)
            for act in ("leaky_relu", "tanh", "sigmoid"):
                code = K.ACTS[act]
                ep = kernel("elementwise", "epilogue", np.dtype(dtype))
                y = y0.copy()

                def np_epi():
                    t = y0 + b
                    return ACTIVATIONS[act].forward(t, 0.2)

                def nb_epi():
                    y[...] = y0      # the copy stands in for the fresh matmul output
                    ep(y, b, True, code, 0.2)

                def np_copy():
                    y[...] = y0

                K.set_backend("numba")
                K.act_backward(g, y0, act)
                K.act_forward(y0, act)
                t = interleaved([np_epi, nb_epi, np_copy,
                                 lambda: g * ACTIVATIONS[act].slope(y0, 0.2),
                                 lambda: K.act_backward(g, y0, act, 0.2),
                                 lambda: ACTIVATIONS[act].forward(y0, 0.2),
                                 lambda: K.act_forward(y0, act, 0.2)], reps)
                K.set_backend("auto")
                print(f"  {bsz}x{n} {dtype.__name__} {act:10s} epilogue numpy {1e6 * t[0]:7.1f} "
                      f"numba {1e6 * (t[1] - t[2]):7.1f} | backward numpy {1e6 * t[3]:7.1f} numba "
                      f"{1e6 * t[4]:7.1f} | forward numpy {1e6 * t[5]:7.1f} numba {1e6 * t[6]:7.1f}")
    for size in (100, 1000, 4096, 16384):
        x = rng.standard_normal(size).astype(np.float32)
        K.set_backend("numba")
        K.act_forward(x, "relu")
        t = interleaved([lambda: ACTIVATIONS["relu"].forward(x, 0.2),
                         lambda: K.act_forward(x, "relu")], reps * 5)
        K.set_backend("auto")
        print(f"  relu forward on {size:6d} float32: numpy {1e6 * t[0]:6.2f} us, "
              f"numba {1e6 * t[1]:6.2f} us")


#: (m, k, n) of a @ b.T: the DCGAN's conv weight gradients (g @ cols.T, batch 64 and 256) and
#: the MLP shapes, both sides of the rule in kernels.matmul_nt (n >= 2m and k >= 2n)
NT_SHAPES = [(128, 3136, 1024), (128, 12544, 1024), (64, 12544, 128), (16, 12544, 64), (64, 12544, 16),
             (64, 784, 512), (64, 512, 784), (256, 784, 512), (64, 6272, 100)]


def bench_nt_orientation(reps):
    """a @ b.T against (b @ a.T).T in NumPy's OpenBLAS (float32), interleaved: the measurement
    behind kernels.matmul_nt's orientation rule."""
    rng = np.random.default_rng(0)
    print(f"{'m x k x n':>18s} {'a @ b.T':>10s} {'(b @ a.T).T':>12s} {'ratio':>6s}  rule swaps")
    for m, k, n in NT_SHAPES:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((n, k), dtype=np.float32)
        plain, swapped = interleaved([lambda: a @ b.T, lambda: (b @ a.T).T], reps)   # noqa: B023
        rule = n >= 2 * m and k >= 2 * n
        print(f"{f'{m} x {k} x {n}':>18s} {1e3 * plain:8.3f} ms {1e3 * swapped:9.3f} ms {swapped / plain:6.2f}  {rule}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=21)
    ap.add_argument("--skip-matmul", action="store_true")
    ap.add_argument("--matmul-only", action="store_true")
    ap.add_argument("--nt-orientation", action="store_true", help="only the a @ b.T orientation table")
    args = ap.parse_args()
    if args.nt_orientation:
        bench_nt_orientation(args.reps)
        return
    ghz = measure_clock_ghz()
    print(f"clock: measured {ghz:.2f} GHz (dependent fadd chain), /proc/cpuinfo says "
          f"{cpuinfo_mhz() / 1e3:.2f} GHz; cores {os.cpu_count()}")
    print(f"FMA peak (2 cores x 2 FMA x AVX2 lanes x 2 x {ghz:.2f} GHz): "
          f"float32 {2 * 2 * 8 * 2 * ghz:.0f} GFLOP/s, float64 {2 * 2 * 4 * 2 * ghz:.0f} GFLOP/s\n")
    if not args.skip_matmul:
        bench_matmul(args.reps, ghz)
    if not args.matmul_only:
        bench_optim(args.reps)
        bench_elementwise(args.reps)


if __name__ == "__main__":
    main()
