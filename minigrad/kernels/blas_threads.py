"""OpenBLAS on one thread (rule 1 of the thread policy, threads.py).

NumPy's OpenBLAS is reached through ctypes (the `scipy_openblas` library in numpy.libs) and told
once, before minigrad's first product, to use one thread; minigrad's own helper thread does the
splitting (threads.run_halves). Where the library cannot be found (another BLAS, another NumPy
build) this module does nothing, and the BLAS keeps its own threads (set OPENBLAS_NUM_THREADS=1,
or the variable of that BLAS, for the same effect).
"""
import ctypes
import glob
import os

import numpy as np

_SETTERS = ("scipy_openblas_set_num_threads64_", "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_", "openblas_set_num_threads")
_GETTERS = ("scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads",
            "openblas_get_num_threads64_", "openblas_get_num_threads")

_state = {"set": None, "get": None, "lib": None, "loaded": False}

#: True once this process has told OpenBLAS to use one thread. A child made by fork starts with
#: False again (it tells its OpenBLAS once more). Hot paths test it before calling use_one_thread:
#: reading a flag costs less than the call.
pinned = False


def _unpin_in_child():
    global pinned
    pinned = False


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_unpin_in_child)


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
            _state["set"], _state["get"], _state["lib"] = setter, getter, lib
            return


def use_one_thread():
    """Make OpenBLAS use one thread (once per process: the first call does the work)."""
    global pinned
    if pinned:
        return
    if not _state["loaded"]:
        _load()
    if _state["set"] is not None:
        _state["set"](1)
    pinned = True


def library():
    """NumPy's OpenBLAS as a ctypes library (None where it was not found); blas_direct calls its gemm."""
    if not _state["loaded"]:
        _load()
    return _state["lib"]


def current_threads():
    """OpenBLAS's thread count now (None where it was not found)."""
    if not _state["loaded"]:
        _load()
    return int(_state["get"]()) if _state["get"] is not None else None


def available():
    """True if the OpenBLAS thread control was found."""
    if not _state["loaded"]:
        _load()
    return _state["set"] is not None
