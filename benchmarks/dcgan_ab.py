"""A/B of the convolution speed-ups of issue 13 inside one process, interleaved, for the MNIST
DCGAN of benchmarks/train_step.py (its `dcgan` iteration form):

    old     the path before them: NumPy unfold / fold, act_backward's NumPy fallback when the
            gradient's layout differs from the output's, BatchNorm as separate ops
    new     the current code (backend auto)
    new-1t  the current code on one core (minigrad.kernels.set_threads(1): the halves of the
            large products and kernels one after the other)
    torch   PyTorch with Adam(fused=True), 2 threads

    python benchmarks/dcgan_ab.py dcgan64 7 2     # config, repetitions, iterations per repetition

Prints the median ms per iteration and medians of the per-repetition ratios.
"""
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.train_step import CONFIGS, MinigradGAN, torch_gan
from minigrad import kernels, ops
from minigrad.activations import ACTIVATIONS, NONE
from minigrad.kernels import backend, set_threads
from minigrad.kernels import elementwise as E
from minigrad.kernels.backend import is_float, kernel, use_numba
from minigrad.kernels.elementwise import ACTS, flat_view
from minigrad.nn import norm as NORM

NEW_ACT_BACKWARD, NEW_BATCH_NORMALIZE = E.act_backward, NORM.batch_normalize


def old_act_backward(g, y, act, slope=0.01):
    """act_backward before: the fused kernel only when g and y share their strides."""
    code = ACTS[act]
    fg, fy = flat_view(g), flat_view(y)
    if (fg is not None and fy is not None and g.strides == y.strides and is_float(g, y)
            and use_numba("act_backward", act=act)):
        out = np.empty_like(g)
        kernel("elementwise", "act_backward", g.dtype)(fg, fy, flat_view(out), code, slope)
        return out
    return g.copy() if act == NONE else g * ACTIVATIONS[act].slope(y, slope)


def old_batch_normalize(x, eps):
    """BatchNorm's normalising step before: mean, sub, mul, mean, add, sqrt, div as separate ops."""
    axes = (0, *range(2, x.ndim))
    mu = ops.mean(x, axis=axes, keepdims=True)
    centered = x - mu
    var = ops.mean(centered * centered, axis=axes, keepdims=True)
    return centered / ops.sqrt(var + eps), mu.data.reshape(-1), var.data.reshape(-1)


def mode(m):
    new = m.startswith("new")
    backend.set_rule("unfold", new)
    backend.set_rule("fold", new)
    # ops calls kernels.act_backward (the package's name), so that is the one to swap
    kernels.act_backward = NEW_ACT_BACKWARD if new else old_act_backward
    NORM.batch_normalize = NEW_BATCH_NORMALIZE if new else old_batch_normalize
    set_threads(1 if m == "new-1t" else "auto")


def main():
    import torch
    torch.set_num_threads(2)
    name, reps, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    cfg = CONFIGS[name]
    steps = {"old": MinigradGAN(cfg).iteration_dcgan, "new": MinigradGAN(cfg).iteration_dcgan,
             "new-1t": MinigradGAN(cfg).iteration_dcgan, "torch": torch_gan(cfg, fused=True, form="dcgan")}
    for key, step in steps.items():          # warm-up: compilation, allocator
        mode(key)
        step()
        step()
    times = {key: [] for key in steps}
    for _ in range(reps):
        for key, step in steps.items():
            mode(key)
            start = time.perf_counter()
            for _ in range(n):
                step()
            times[key].append((time.perf_counter() - start) / n)
    mode("new")

    def ratio(a, b):
        return statistics.median([x / y for x, y in zip(times[a], times[b])])
    print(name, " ".join(f"{k} {1e3 * statistics.median(v):.1f} ms" for k, v in times.items()),
          f"| new/old {ratio('new', 'old'):.2f}  new-1t/new {ratio('new-1t', 'new'):.2f}  old/torch "
          f"{ratio('old', 'torch'):.2f}  new/torch {ratio('new', 'torch'):.2f}  new-1t/torch {ratio('new-1t', 'torch'):.2f}")


if __name__ == "__main__":
    main()
