"""The thread policy: how many cores minigrad's kernels use, decided in this one place.

1. OpenBLAS (NumPy's matrix products) always runs on ONE thread. Split by OpenBLAS, a product
   waits for its slower thread, and on a laptop where a browser holds one core that is most
   products; OpenBLAS's idle threads also spin between products, taking the core from the
   Python and Numba work of the same iteration. And its results change with its thread count.
2. Large work is cut in two fixed halves, by shape alone: products of at least
   `matmul.SPLIT_MIN_MACS` multiply-adds (rows or columns of the output), unfold / fold of at
   least `conv.PARALLEL_MIN_VALUES` values (image planes), batch norm (channels). `run_halves`
   computes the second half on minigrad's one helper thread while the caller computes the first,
   when a second core is free; otherwise the caller computes both, one after the other.
   The helper is handoff.Worker: the half is handed over through counters both threads poll
   without the GIL (microseconds instead of the 50-150 us of waking a thread), and a product's
   half is computed in the helper's own Numba loop by NumPy's OpenBLAS gemm (blas_direct.py).
   The arithmetic is the same either way, so results are bit-identical whatever the load and
   whatever the number of cores (the figures of a lesson do not change when other programs run).
3. "A second core is free" (`second_core_free`): over the last `WINDOW` seconds the other
   programs of the machine used less than `OTHERS_BUSY` of a core (Linux: /proc/stat's busy time
   of all CPUs minus this process's own CPU time; elsewhere the 1-minute load average), and this
   process may run on two cores. MINIGRAD_THREADS=1 never uses the helper, =2 always does
   (the benchmarks compare them); unset or "auto": the rule above. Do not force 2 on a busy
   machine: caller and helper then wait, polling, for a core they do not get (an MNIST GAN
   iteration took 184 ms with =2 against 21 ms with auto, two other programs spinning).

The figures behind each choice are in benchmarks/README.md ("The thread policy").
"""
import os
import time

from . import blas_threads, handoff

#: seconds between two looks at the machine's CPU time (a look costs ~10 us)
WINDOW = 0.25
#: the second core counts as taken when other programs used at least this share of one core
OTHERS_BUSY = 0.5

_MODES = ("auto", "1", "2")


def _mode_from_environment():
    mode = os.environ.get("MINIGRAD_THREADS", "auto").strip().lower() or "auto"
    if mode not in _MODES:
        raise ValueError(f"MINIGRAD_THREADS must be one of {', '.join(_MODES)}, got {mode!r}")
    return mode


_policy = {"mode": _mode_from_environment()}


def set_threads(mode):
    """'auto' (the rule above), 1 (never the helper thread) or 2 (always): like MINIGRAD_THREADS."""
    mode = str(mode).strip().lower()
    if mode not in _MODES:
        raise ValueError(f"set_threads: mode must be one of {', '.join(_MODES)}, got {mode!r}")
    _policy["mode"] = mode


def get_threads():
    return _policy["mode"]


# ----------------------------------------------------------------------------- is a core free?

def _allowed_cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:           # not Linux
        return os.cpu_count() or 1


def others_busy(previous, current):
    """Cores' worth of CPU time used by other programs between two readings (busy seconds of
    the whole machine, own seconds of this process, monotonic time); None without a reading."""
    if previous is None or current[2] <= previous[2]:
        return None
    machine = current[0] - previous[0]
    own = current[1] - previous[1]
    return max(0.0, machine - own) / (current[2] - previous[2])


_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _reading():
    """(busy seconds of all CPUs since boot, this process's CPU seconds, now), or None where
    /proc/stat cannot be read."""
    try:
        with open("/proc/stat", "rb") as f:
            fields = f.readline().split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal ...: everything but idle and iowait is busy
    ticks = [int(x) for x in fields[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    own = os.times()
    return busy / _TICKS, own.user + own.system, time.monotonic()


_load = {"reading": None, "free": True, "checked": -1.0, "cores": None}


def second_core_free():
    """True when the helper thread may use a second core (see the module docstring, rule 3)."""
    mode = _policy["mode"]
    if mode != "auto":
        return mode == "2"
    now = time.monotonic()
    if now - _load["checked"] < WINDOW:
        return _load["free"]
    _load["checked"] = now
    if _load["cores"] is None:
        _load["cores"] = _allowed_cores()
    if _load["cores"] < 2:
        _load["free"] = False
        return False
    reading = _reading()
    if reading is None:              # no /proc: the load average, less current but everywhere
        try:
            _load["free"] = os.getloadavg()[0] < 1.0 + OTHERS_BUSY   # 1.0: this process itself
        except (AttributeError, OSError):
            _load["free"] = True
        return _load["free"]
    busy = others_busy(_load["reading"], reading)
    _load["reading"] = reading
    if busy is not None:
        _load["free"] = busy < OTHERS_BUSY
    return _load["free"]


# ----------------------------------------------------------------------------- the helper thread

def helper():
    """The helper thread (handoff.Worker; started on first use, and again after a fork), or None
    where the platform has none (handoff.worker).

    Plain Python threads rather than Numba's prange or OpenBLAS's own threads: one place decides
    (this module), and if several Python threads compute at once, the second simply runs
    serially (see `run_halves`)."""
    return handoff.worker()


def run_halves(fn, first, second):
    """fn(*first) and fn(*second): the two halves of one job, on two cores when one is free,
    else one after the other on this thread. The caller chose the halves by shape alone, so the
    result does not depend on which way they ran."""
    blas_threads.use_one_thread()
    if not second_core_free():
        fn(*first)
        fn(*second)
        return
    h = helper()
    if h is None or not h.busy.acquire(blocking=False):   # no helper here, or another thread uses it
        fn(*first)
        fn(*second)
        return
    try:
        h.run_python(fn, first, second)
    finally:
        h.busy.release()
