"""The floor under minigrad's DCGAN iteration: its matrix products alone, in NumPy's BLAS and in PyTorch's.

    python benchmarks/gemm_floor.py                   # batch 64 and 256, 2 threads, 5 repetitions
    python benchmarks/gemm_floor.py --batch 64 --reps 9
    python benchmarks/gemm_floor.py --model mnist --reps 9   # the MLP GAN (nn.Sequential, dcgan form)

minigrad computes a convolution as unfold + one matrix product (and its gradients as two more),
so every iteration of the DCGAN of issue 13 is a fixed list of GEMMs plus memory-bound passes.
This script records that list (the shapes minigrad's three product kernels receive during one
iteration of benchmarks/train_step.py's dcgan form), then times, side by side in interleaved
repetitions with the same threads:

    numpy GEMMs   the recorded products through minigrad's kernels on backend auto (np.matmul:
                  the OpenBLAS of the numpy wheel)
    torch GEMMs   the same products with torch.mm (the BLAS inside PyTorch's CPU wheel)
    torch iter    PyTorch's whole DCGAN iteration (fused Adam), as in train_step.py
    mg iter       minigrad's whole iteration (backend auto)

and prints medians and the ratios numpy GEMMs / torch iter (the best ratio minigrad could reach
with zero overhead and NumPy's BLAS) and mg iter / torch iter. Needs torch (skips otherwise).

Both models run the dcgan form of train_step.py (the loop of PyTorch's DCGAN example, the form of
issue 30's goals), the MLP written as nn.Sequential. Each timing covers `--block` iterations
after the pause (default 1 for the DCGAN, 20 for the MLP, whose ~8 ms iteration would otherwise
include the threads' wake-up) and is reported per iteration.
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import minigrad.kernels as K  # noqa: E402
import train_step  # noqa: E402

PRODUCTS = ("matmul", "matmul_nt", "matmul_tn")

#: seconds to wait before each timed call, until the other library's spinning threads sleep
SETTLE_SECONDS = 0.3


def record_products(gan, iteration):
    """[(kind, a_shape, b_shape)] of the 2-D products minigrad computes in one iteration
    (`iteration`: a bound method of gan)."""
    # the fused linear layer's forward calls matmul_nt from kernels/elementwise.py's namespace
    places = [(K, name) for name in PRODUCTS] + [(K.elementwise, "matmul_nt")]
    calls, originals = [], {place: getattr(*place) for place in places}

    def recorder(name, original):
        def product(a, b):
            calls.append((name, a.shape, b.shape))
            return original(a, b)
        return product
    for (module, name), original in originals.items():
        setattr(module, name, recorder(name, original))
    try:
        iteration()
    finally:
        for (module, name), original in originals.items():
            setattr(module, name, original)
    return calls


def product_flops(kind, a_shape, b_shape):
    """2 m k n of one product: matmul a (m, k) b (k, n); matmul_nt a (m, k) b (n, k); matmul_tn a (k, m) b (k, n)."""
    if kind == "matmul":
        (m, k), n = a_shape, b_shape[1]
    elif kind == "matmul_nt":
        (m, k), n = a_shape, b_shape[0]
    else:
        (k, m), n = a_shape, b_shape[1]
    return 2 * m * k * n


def operands(calls, rng):
    """Random float32 operands laid out as minigrad's kernels receive them (b transposed for _nt,
    a transposed for _tn), so both libraries multiply the same memory layouts."""
    out = []
    for kind, sa, sb in calls:
        a, b = rng.standard_normal(sa, dtype=np.float32), rng.standard_normal(sb, dtype=np.float32)
        out.append((kind, a, b))
    return out


def numpy_products(ops):
    """The products through minigrad's own kernels (backend auto: NumPy's OpenBLAS, with the
    kernels' thread-count and orientation rules)."""
    for kind, a, b in ops:
        getattr(K, kind)(a, b)


def torch_products(torch, ops):
    for kind, a, b in ops:
        if kind == "matmul":
            torch.mm(a, b)
        elif kind == "matmul_nt":
            torch.mm(a, b.t())
        else:
            torch.mm(a.t(), b)


def timed(fn, block):
    """seconds per call of fn, over `block` calls in a row."""
    started = time.perf_counter()
    for _ in range(block):
        fn()
    return (time.perf_counter() - started) / block


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, action="append", help="batch size (default 64 and 256)")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", choices=("dcgan", "mnist"), default="dcgan",
                        help="the DCGAN or the MNIST-size MLP GAN (nn.Sequential), both in the dcgan form")
    parser.add_argument("--block", type=int, help="iterations per timing (default 1 for dcgan, 20 for mnist)")
    args = parser.parse_args(argv)
    block = args.block or (1 if args.model == "dcgan" else 20)
    try:
        import torch
    except ImportError:
        print("gemm_floor: torch is not installed; nothing to compare with")
        return None
    torch.set_num_threads(args.threads)
    results = {}
    for batch in args.batch or (64, 256):
        base = train_step.CONFIGS[args.model + "64"]
        config = base[:4] + (batch,) + base[5:]
        form = "dcgan"
        gan = train_step.MinigradGAN(config, style="sequential")
        iteration = gan.iteration_dcgan
        iteration()                                # compile and warm up
        calls = record_products(gan, iteration)
        flops = sum(product_flops(*call) for call in calls)
        ops = operands(calls, np.random.default_rng(0))
        tops = [(kind, torch.from_numpy(a), torch.from_numpy(b)) for kind, a, b in ops]
        torch_iteration = train_step.torch_gan(config, fused=True, form=form)
        times = {"numpy GEMMs": [], "torch GEMMs": [], "mg iter": [], "torch iter": []}
        numpy_products(ops)
        torch_products(torch, tops)
        for _ in range(args.reps):
            # a pause before each timing: after its last product OpenBLAS's worker threads spin
            # for up to ~0.1 s (as PyTorch's OpenMP threads do), and would take a core from the next
            for key, fn in (("numpy GEMMs", lambda: numpy_products(ops)),
                            ("torch GEMMs", lambda: torch_products(torch, tops)),
                            ("mg iter", iteration), ("torch iter", torch_iteration)):
                if fn is not None:
                    time.sleep(SETTLE_SECONDS)
                    times[key].append(timed(fn, block))
        med = {k: statistics.median(v) * 1e3 for k, v in times.items() if v}
        results[batch] = med
        print(f"\n{args.model} iteration ({form} form), batch {batch}: {len(calls)} products, {flops / 1e9:.2f} GFLOP; "
              f"median ms per iteration over {args.reps} interleaved repetitions of {block}, {args.threads} threads")
        for key, value in med.items():
            print(f"  {key:<12} {value:8.1f} ms" + (f"   {flops / value / 1e6:6.1f} GFLOP/s" if "GEMM" in key else ""))
        if "torch iter" in med:
            print(f"  numpy GEMMs / torch iter = {med['numpy GEMMs'] / med['torch iter']:.2f}   "
                  f"(the floor of minigrad's ratio with NumPy's BLAS and no other cost)")
            print(f"  mg iter / torch iter     = {med['mg iter'] / med['torch iter']:.2f}")
        print(f"  numpy GEMMs / torch GEMMs = {med['numpy GEMMs'] / med['torch GEMMs']:.2f}")
    return results


if __name__ == "__main__":
    main()
