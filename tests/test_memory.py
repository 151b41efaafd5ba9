"""minigrad.kernels.memory: freed array memory is reused, not handed back to the OS and faulted
in again page by page (glibc's default for blocks above its mmap threshold)."""
import os
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from minigrad.kernels import memory

PROBE = """
import resource, sys
import numpy as np
sys.path.insert(0, {root!r})
import minigrad
from minigrad.kernels import memory
def faults_of_a_fresh_array():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    a = np.empty(16 * 2 ** 20, dtype=np.float32)     # 64 MB (the batch-256 DCGAN's unfold: 51 MB)
    a.fill(1.0)                                       # touch every page
    del a
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults_of_a_fresh_array()                             # the first one may grow the heap
print(memory.kept(), min(faults_of_a_fresh_array() for _ in range(3)))
"""


def _probe(env_value):
    env = dict(os.environ)
    env.pop("MINIGRAD_KEEP_MEMORY", None)
    if env_value is not None:
        env["MINIGRAD_KEEP_MEMORY"] = env_value
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    out = subprocess.run([sys.executable, "-c", PROBE.format(root=root)], env=env, capture_output=True,
                         text=True, check=True).stdout.split()
    return out[0] == "True", int(out[1])


needs_glibc = pytest.mark.skipif(not sys.platform.startswith("linux") or not memory.keep_freed_memory(),
                                 reason="glibc's mallopt is not available here")


@needs_glibc
def test_a_freed_array_is_reused_without_page_faults():
    kept, faults = _probe(None)
    assert kept
    assert faults < 16             # 64 MB is 16,384 pages of 4 kB, or 32 huge pages of 2 MB


@needs_glibc
def test_minigrad_keep_memory_0_leaves_malloc_alone():
    kept, faults = _probe("0")
    assert not kept
    # glibc never serves a block above 32 MB from its heap by default: each fresh 64 MB array
    # is mapped and faulted in again: 16,384 pages of 4 kB, at least 32 with 2 MB huge pages
    assert faults >= 32


def test_the_setting_is_idempotent_and_reported():
    first = memory.keep_freed_memory()
    assert memory.keep_freed_memory() == first == memory.kept()
    a = np.ones(2 ** 20, dtype=np.float32)            # allocation still works afterwards
    assert float(a.sum()) == 2 ** 20
