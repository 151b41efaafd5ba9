"""Give small matrix products one OpenBLAS thread, large ones all of them.

OpenBLAS splits any product above a small size over all its threads. For the products of small
MLPs that saves little on an idle machine, but when another process holds a core the split
product waits for it, and whole training runs became several times slower (figures in
benchmarks/README.md, "Why auto picks what it picks"). So products below SINGLE_THREAD_BELOW
multiply-adds run on one thread and larger ones on OpenBLAS's own default; the thread count is
only changed when it has to.

NumPy's OpenBLAS is reached through ctypes (the `scipy_openblas` library in numpy.libs). Where it
cannot be found (another BLAS, another NumPy build) this module does nothing.
"""
import ctypes
import glob
import os

import numpy as np

#: products with fewer multiply-adds (m * n * k) than this run on one BLAS thread
SINGLE_THREAD_BELOW = 2 ** 22

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")

_state = {"set": None, "default": 1, "current": None, "loaded": False}


def _load():
    _state["loaded"] = True
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    for path in glob.glob(os.path.join(folder, "*openblas*")):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, n) for n in _SETTERS if hasattr(lib, n)), None)
        getter = next((getattr(lib, n) for n in _GETTERS if hasattr(lib, n)), None)
        if setter is not None and getter is not None:
            _state["set"] = setter
            _state["default"] = _state["current"] = int(getter())
            return


def prepare(multiply_adds):
    """Set OpenBLAS's thread count for a product of this many multiply-adds (m * n * k)."""
    if not _state["loaded"]:
        _load()
    setter = _state["set"]
    if setter is None:
        return
    wanted = 1 if multiply_adds < SINGLE_THREAD_BELOW else _state["default"]
    if wanted != _state["current"]:
        setter(wanted)
        _state["current"] = wanted


def available():
    """True if the OpenBLAS thread control was found."""
    if not _state["loaded"]:
        _load()
    return _state["set"] is not None
