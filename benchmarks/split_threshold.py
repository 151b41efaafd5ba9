"""Where splitting a product in two halves (the helper thread) starts to pay: minigrad's product
on the NumPy backend (OpenBLAS on one thread), whole on one core against its two halves on two cores, best of 5 timed blocks, alternating.

    python benchmarks/split_threshold.py

The helper's hand-off has a fixed cost: a float32 product must be about 2**23 multiply-adds before
its halves on two cores beat the whole product on one (matmul.SPLIT_MIN_MACS).
"""
import importlib
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

kernels = importlib.import_module("minigrad.kernels")
matmul = importlib.import_module("minigrad.kernels.matmul")
threads = importlib.import_module("minigrad.kernels.threads")

SHAPES = [(64, 15, 128), (64, 64, 128), (64, 128, 128), (64, 100, 256), (64, 128, 256), (64, 256, 256), (128, 128, 128), (128, 256, 128), (256, 128, 128), (128, 128, 512), (64, 512, 256),
          (64, 256, 512), (256, 256, 256), (64, 784, 512), (512, 512, 512)]


def best_time(a, b, reps, blocks=5):
    times = []
    for _ in range(blocks):
        start = time.perf_counter()
        for _ in range(reps):
            kernels.matmul(a, b)
        times.append((time.perf_counter() - start) / reps)
    return min(times)


def main():
    rng = np.random.default_rng(0)
    saved = threads.get_threads(), matmul.SPLIT_MIN_MACS, kernels.get_backend()
    kernels.set_backend("numpy")
    matmul.SPLIT_MIN_MACS = 0            # every product split; the thread mode says where the halves run
    print(f"{'dtype':<8}{'m x k x n':>16}{'log2 MACs':>11}{'whole, 1 core':>16}{'halves, 2 cores':>17}{'ratio':>7}")
    try:
        for dtype in (np.float32, np.float64):
            for m, k, n in SHAPES:
                a = rng.standard_normal((m, k)).astype(dtype)
                b = rng.standard_normal((k, n)).astype(dtype)
                reps = max(20, int(2e8 / (m * k * n)))
                best = {"1": [], "2": []}
                for mode in ("1", "2") * 3:
                    threads.set_threads(mode)
                    # one core: the two halves one after the other cost what the whole does
                    best[mode].append(best_time(a, b, reps))
                one, two = min(best["1"]), min(best["2"])
                print(f"{dtype.__name__:<8}{f'{m} x {k} x {n}':>16}{np.log2(m * k * n):>11.1f}"
                      f"{one * 1e6:>13.1f} us{two * 1e6:>14.1f} us{two / one:>7.2f}")
    finally:
        threads.set_threads(saved[0])
        matmul.SPLIT_MIN_MACS = saved[1]
        kernels.set_backend(saved[2])


if __name__ == "__main__":
    main()
