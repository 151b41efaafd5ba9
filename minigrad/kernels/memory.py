"""Keep freed array memory in the process for the next iteration (glibc's malloc only).

A training iteration frees and allocates the same large arrays every step (unfold's columns,
the products' outputs: megabytes each in a DCGAN). By default glibc hands any block above its
mmap threshold (128 kB, rising with use to at most 32 MB) straight back to the operating system
on free, and the next allocation of it gets fresh pages: one page fault and one zeroed 4 kB
page at a time, a large share of an iteration's CPU time (the measurements are in
benchmarks/README.md, "Page faults, batch-last layouts, ...").

keep_freed_memory() tells malloc to serve every block from its heap (M_MMAP_MAX = 0) and
never to shrink the heap (M_TRIM_THRESHOLD = the largest value), so the second iteration
reuses the first one's memory without faults. The price is that the process keeps its peak
memory reserved, as PyTorch's caching allocators do. It is called when minigrad is imported,
unless the environment says MINIGRAD_KEEP_MEMORY=0; elsewhere than Linux with glibc it does
nothing.
"""
import ctypes
import ctypes.util
import os
import sys

_M_TRIM_THRESHOLD = -1          # mallopt parameter numbers, from glibc's malloc.h
_M_MMAP_MAX = -4

_state = {"kept": False}


def keep_freed_memory():
    """Set glibc's malloc to keep freed memory for reuse; True if it took effect."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):               # musl and others: no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_MAX, 0) == 1 and mallopt(_M_TRIM_THRESHOLD, 2 ** 31 - 1) == 1
    _state["kept"] = ok
    return ok


def kept():
    """True if keep_freed_memory() took effect in this process."""
    return _state["kept"]


if os.environ.get("MINIGRAD_KEEP_MEMORY", "1").strip() != "0":
    keep_freed_memory()
