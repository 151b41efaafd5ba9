"""Handing half of a job to a second thread in microseconds: counters polled without the GIL.

A thread that sleeps on a lock until it is given work, and a caller that sleeps on a lock until
the work is done, each cost a wake-up: on the 2-core machines of benchmarks/README.md 50-150 us
per hand-off, as much as splitting an MNIST product (0.15-0.5 ms) saves. Here both sides poll a
counter instead, in loops compiled by Numba with nogil=True, so a polling thread holds no GIL:

    ctrl[POSTED]   jobs posted by the caller (written by the caller only)
    ctrl[DONE]     jobs finished by the worker thread (written by the worker only)
    ctrl[SLEEPING] 1 while the worker sleeps on its semaphore (written by the worker only)

The worker keeps polling for SPIN_SECONDS after its last job (a training step's products and
kernels come every few hundred microseconds), then sleeps until the caller releases the
semaphore. Each poll calls sched_yield(): a thread of another program that wants the core gets it
at once. The callers only hand work over when threads.second_core_free() says a core is free.

One worker thread serves both kinds of job, so that only one thread ever polls: a matrix
product (a blas_direct description), which its loop computes without ever taking the GIL, and a
Python job of threads.run_halves (a Numba kernel or NumPy call that releases the GIL again), for
which it takes the GIL.
"""
import ctypes
import os
import threading
import time

import numpy as np

from . import blas_direct

POSTED, DONE, SLEEPING = 0, 1, 2
#: job[0] of a Python job (a product's job[0] is its dtype code, blas_direct.FLOAT32 / FLOAT64)
PYTHON_JOB = -1
#: how long a worker keeps polling after its last job before it sleeps
SPIN_SECONDS = 0.01

def _libc_functions():
    """(sched_yield, labs) of the C library, or (None, None) where it cannot be loaded this way
    (Windows): there is then no worker, and split work runs on the caller's thread."""
    try:
        libc = ctypes.CDLL(None)
        sched_yield, labs = libc.sched_yield, libc.labs
    except (OSError, AttributeError, TypeError):
        return None, None
    sched_yield.argtypes, sched_yield.restype = [], ctypes.c_int
    labs.argtypes, labs.restype = [ctypes.c_long], ctypes.c_long
    return sched_yield, labs


# _barrier is an opaque call: the compiler may not move a read or write of the job's memory across it
_sched_yield, _barrier = _libc_functions()

_compiled = {}


def loops():
    """The caller's wait and the number of polls in SPIN_SECONDS, compiled on first use."""
    if _compiled:
        return _compiled
    from numba import njit

    @njit(nogil=True)
    def wait(ctrl, posted):
        """Return when the worker has finished job number `posted`."""
        while ctrl[DONE] != posted:
            _sched_yield()

    @njit(nogil=True)
    def yields(n):
        for _ in range(n):
            _sched_yield()

    yields(10)                                     # compile, then time the polls
    started = time.perf_counter()
    yields(1000)
    per_poll = max((time.perf_counter() - started) / 1000, 1e-8)
    _compiled.update(wait=wait, polls=max(100, int(SPIN_SECONDS / per_poll)))
    return _compiled


def _serve(gemm):
    """The worker's loop: compute each posted product with gemm(job) itself; return True when a
    Python job is posted (job[0] == PYTHON_JOB), False after `polls` polls without a job."""
    from numba import njit

    @njit(nogil=True)
    def serve(ctrl, job, polls):
        idle = 0
        while idle < polls:
            if ctrl[POSTED] != ctrl[DONE]:
                posted = ctrl[POSTED]
                _barrier(posted)          # read the job only after seeing the counter move
                if job[0] == PYTHON_JOB:
                    return True
                gemm(job)
                _barrier(posted)          # the product is written before the counter says so
                ctrl[DONE] = posted
                idle = 0
            else:
                _sched_yield()
                idle += 1
        return False
    return serve


def _no_gemm():
    from numba import njit

    @njit(nogil=True)
    def gemm(job):                        # never called: no product is posted without a gemm
        pass
    return gemm


class Worker:
    """One thread that runs the second half of split work: matrix products (computed in its
    Numba loop, never taking the GIL) and Python jobs (it takes the GIL to call them; they are
    Numba kernels and NumPy calls that release it again)."""

    def __init__(self):
        self.ctrl = np.zeros(3, np.int64)
        self.job = np.zeros(blas_direct.FIELDS, np.int64)
        self.wake = threading.Semaphore(0)
        self.busy = threading.Lock()               # held while some caller's job is in flight
        self.pid = os.getpid()                     # threads do not survive fork()
        self._python = self._error = None
        self._serve = _serve(blas_direct.gemm_function() or _no_gemm())
        self._wait, self._polls = loops()["wait"], loops()["polls"]
        threading.Thread(target=self._loop, name="minigrad-helper", daemon=True).start()

    def _loop(self):
        while True:
            if not self._serve(self.ctrl, self.job, self._polls):
                self._sleep()
                continue
            fn, args = self._python
            try:
                fn(*args)
            except BaseException as e:             # re-raised in the calling thread
                self._error = e
            self.ctrl[DONE] = self.ctrl[POSTED]

    def _sleep(self):
        """After polling long enough: sleep until a job is posted. No job is lost: this runs with
        the GIL, as `_post` does, and every hand-over of the GIL orders memory, so whatever the
        interleaving either the worker sees the new POSTED here or the caller sees SLEEPING == 1
        there and releases the semaphore (an extra release only costs one more round of polling)."""
        self.ctrl[SLEEPING] = 1
        if self.ctrl[POSTED] == self.ctrl[DONE]:
            self.wake.acquire()
        self.ctrl[SLEEPING] = 0

    def _post(self):
        """Announce the job just written; its number, for the wait. Called with the GIL held."""
        posted = self.ctrl[POSTED] + 1
        self.ctrl[POSTED] = posted
        if self.ctrl[SLEEPING]:
            self.wake.release()
        return posted

    def run_product(self, gemm, mine, theirs):
        """gemm(theirs) on the worker while gemm(mine) runs here (blas_direct descriptions)."""
        self.job[:] = theirs
        posted = self._post()
        try:
            gemm(mine)
        finally:
            self._wait(self.ctrl, posted)

    def run_python(self, fn, mine, theirs):
        """fn(*theirs) on the worker while fn(*mine) runs here; returns when both are done."""
        self._python, self._error = (fn, theirs), None
        self.job[0] = PYTHON_JOB
        posted = self._post()
        try:
            fn(*mine)
        finally:
            self._wait(self.ctrl, posted)
        if self._error is not None:
            error, self._error = self._error, None
            raise error


_worker = {"it": None}
_starting = threading.Lock()


def worker():
    """The worker thread (started on first use, and again after a fork); None where the C
    library's sched_yield cannot be called (then split work runs on the caller's thread)."""
    if _sched_yield is None:
        return None
    w = _worker["it"]
    if w is None or w.pid != os.getpid():
        with _starting:                            # two threads asking at once start one worker
            w = _worker["it"]
            if w is None or w.pid != os.getpid():
                w = _worker["it"] = Worker()
    return w
