"""The toy GAN iteration's Python overhead, counted deterministically (wall time is noisy here).

    python benchmarks/toy_overhead.py --calls                 # Python function calls per iteration (cProfile)
    python benchmarks/toy_overhead.py --instructions          # CPU instructions per iteration (callgrind)
    python benchmarks/toy_overhead.py --calls --top 25        # ... and the functions called most

The iteration is benchmarks/train_step.py's toy configuration (G 5-128-15, D 15-128-1, ReLU,
batch 64, Adam), paper form, backend from MINIGRAD_BACKEND (default auto). Instructions are
counted by running the script twice under `valgrind --tool=callgrind` (after 20 warm-up
iterations, once with A and once with B more iterations): instructions per iteration =
(total(B) - total(A)) / (B - A), which cancels the imports, the kernel loading and the warm-up.
"""
import argparse
import cProfile
import os
import pstats
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WARMUP = 20


def toy_gan():
    """The toy GAN of train_step.py, warmed up (kernels compiled or loaded, optimizer state made)."""
    from benchmarks.train_step import CONFIGS, MinigradGAN
    gan = MinigradGAN(CONFIGS["toy"])
    for _ in range(WARMUP):
        gan.iteration()
    return gan


def calls_per_iteration(n, top):
    """Python function calls per iteration (cProfile's count, builtins included), and the
    `top` functions by calls."""
    gan = toy_gan()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(n):
        gan.iteration()
    profile.disable()
    stats = pstats.Stats(profile)
    print(f"{stats.total_calls / n:.1f} Python calls per toy iteration ({stats.prim_calls / n:.1f} primitive), "
          f"{n} iterations")
    if top:
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][1])[:top]
        for (file, line, name), (_, ncalls, *_) in rows:
            print(f"{ncalls / n:8.1f}  {name}  ({Path(file).name}:{line})")


def callgrind_total(n):
    """Instructions of one process that builds the toy GAN, warms it up and runs n iterations."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        cmd = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, __file__,
               "--run", str(n)]
        env = dict(os.environ, PYTHONHASHSEED="0")  # the same dict and set layouts in every run
        result = subprocess.run(cmd, capture_output=True, text=True, env=env)
        match = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode != 0 or match is None:
            raise RuntimeError(f"callgrind failed:\n{result.stderr[-2000:]}")
        return int(match.group(1))


def warm_kernel_cache():
    """Numba keys its on-disk cache by the CPU it sees, and valgrind's virtual CPU is another
    one: a first run under valgrind (the fast tool 'none') compiles the kernels for it, so that
    neither counted run does."""
    subprocess.run(["valgrind", "--tool=none", sys.executable, __file__, "--run", "1"],
                   capture_output=True, check=True)


def instructions_per_iteration(a, b):
    warm_kernel_cache()
    low, high = callgrind_total(a), callgrind_total(b)
    per = (high - low) / (b - a)
    print(f"{per / 1e6:.3f} M instructions per toy iteration (callgrind, {a} and {b} iterations: "
          f"{low / 1e6:.1f} M and {high / 1e6:.1f} M)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", action="store_true", help="cProfile call counts per iteration")
    parser.add_argument("--instructions", action="store_true", help="callgrind instructions per iteration")
    parser.add_argument("--iterations", type=int, default=200, help="iterations counted (--calls)")
    parser.add_argument("--between", type=int, nargs=2, default=(50, 250), metavar=("A", "B"),
                        help="the two run lengths whose difference callgrind counts")
    parser.add_argument("--top", type=int, default=0, help="list the functions called most")
    parser.add_argument("--run", type=int, default=None, help=argparse.SUPPRESS)  # the process callgrind runs
    args = parser.parse_args()
    if args.run is not None:
        gan = toy_gan()
        for _ in range(args.run):
            gan.iteration()
        return
    if args.calls:
        calls_per_iteration(args.iterations, args.top)
    if args.instructions:
        instructions_per_iteration(*args.between)
    if not (args.calls or args.instructions):
        parser.print_help()


if __name__ == "__main__":
    main()
