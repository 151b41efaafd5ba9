"""Where one GAN iteration's time goes, op by op: the forward and the backward of every op name.

    python benchmarks/op_profile.py --config dcgan64 --iterations 10
    python benchmarks/op_profile.py --config dcgan256 --iterations 3 --form dcgan

Every op of the engine is recorded by `minigrad.autograd.apply`, so wrapping it (for the length
of the profile only) times each op's forward and its backward rule. Times are EXCLUSIVE: an op's
rule that calls other ops (batch norm's backward, the transposed convolution's fold) is charged
only for its own work, the ops it calls for theirs, so the rows add up to the time spent inside
ops. An op called while a backward runs is counted in the backward column. What no op covers
(the optimiser steps, drawing the batches, Python between the ops) is the row `outside ops`.

The iterations are those of benchmarks/train_step.py (the same networks, batches, Adam and
forms), on the current backend (`auto` unless --backend); the thread count is the machine's
(set OPENBLAS_NUM_THREADS / NUMBA_NUM_THREADS to compare). The profile's own bookkeeping adds a
few microseconds per op; the header prints the unprofiled iteration beside the profiled one.
"""
import argparse
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import minigrad as mg
from benchmarks.train_step import CONFIGS, MinigradGAN
from minigrad import autograd, batchnorm, convolution, fused, ops

#: the modules that call `apply` by its own name (the ones that define ops)
OP_MODULES = (ops, convolution, batchnorm, fused, mg)


class OpClock:
    """Exclusive seconds per (op name, phase), phase 'forward' or 'backward'."""

    def __init__(self):
        self.seconds = defaultdict(float)
        self.calls = defaultdict(int)
        self._stack = []            # [key, start, seconds of the ops it called]

    @contextmanager
    def timing(self, name, phase):
        if any(frame[0][1] == "backward" for frame in self._stack):
            phase = "backward"
        frame = [(name, phase), time.perf_counter(), 0.0]
        self._stack.append(frame)
        try:
            yield
        finally:
            self._stack.pop()
            spent = time.perf_counter() - frame[1]
            self.seconds[frame[0]] += spent - frame[2]
            self.calls[frame[0]] += 1
            if self._stack:
                self._stack[-1][2] += spent

    def wrap(self, apply):
        """`apply` with the op's forward and vjp timed under the op's name."""
        def timed_apply(name, forward, vjp, *inputs):
            def timed_forward(*arrays):
                with self.timing(name, "forward"):
                    return forward(*arrays)

            def timed_vjp(*args, **kwargs):
                with self.timing(name, "backward"):
                    return vjp(*args, **kwargs)
            return apply(name, timed_forward, timed_vjp, *inputs)
        return timed_apply


@contextmanager
def profiled(clock):
    """Route every op through clock's timers; the engine's own `apply` is back afterwards."""
    original = autograd.apply
    timed = clock.wrap(original)
    for module in OP_MODULES:
        module.apply = timed
    try:
        yield clock
    finally:
        for module in OP_MODULES:
            module.apply = original


def profile(config, iterations, form="dcgan", warmup=3):
    """(clock, seconds per profiled iteration, seconds per plain iteration) for `iterations`
    iterations of train_step's configuration `config` (a key of CONFIGS)."""
    gan = MinigradGAN(CONFIGS[config])
    step = gan.iteration_dcgan if form == "dcgan" else gan.iteration
    for _ in range(warmup):           # compilation, caches, the allocator
        step()
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    plain = (time.perf_counter() - start) / iterations
    clock = OpClock()
    with profiled(clock):
        start = time.perf_counter()
        for _ in range(iterations):
            step()
        total = (time.perf_counter() - start) / iterations
    return clock, total, plain


def table(clock, total, iterations):
    """Rows (name, forward ms, backward ms, share of the iteration), per iteration, largest first,
    and the row 'outside ops'."""
    names = {name for name, _ in clock.seconds}
    rows = []
    for name in names:
        f = clock.seconds.get((name, "forward"), 0.0) / iterations
        b = clock.seconds.get((name, "backward"), 0.0) / iterations
        rows.append((name, 1e3 * f, 1e3 * b, (f + b) / total))
    rows.sort(key=lambda row: -(row[1] + row[2]))
    inside = sum(clock.seconds.values()) / iterations
    rows.append(("outside ops", 1e3 * (total - inside), 0.0, (total - inside) / total))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), default="dcgan64")
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--form", choices=("paper", "dcgan"), default="dcgan")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--top", type=int, default=25, help="rows to print (default 25)")
    args = parser.parse_args()
    mg.set_backend(args.backend)
    clock, total, plain = profile(args.config, args.iterations, args.form)
    print(f"{args.config}, form {args.form}, backend {args.backend}: {1e3 * plain:.1f} ms per iteration "
          f"({1e3 * total:.1f} ms profiled), {args.iterations} iterations; ms per iteration, exclusive\n")
    print(f"{'op':<24}{'forward':>10}{'backward':>10}{'share':>8}")
    rows = table(clock, total, args.iterations)
    for name, f, b, share in rows[:args.top] + ([rows[-1]] if len(rows) > args.top else []):
        print(f"{name:<24}{f:>10.2f}{b:>10.2f}{100 * share:>7.1f}%")


if __name__ == "__main__":
    main()
