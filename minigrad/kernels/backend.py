"""Backend choice (auto | numba | numpy), the auto-dispatch rule, and lazy Numba loading.

Nothing here imports Numba: the Numba kernel modules (``_nb_*.py``) are imported by
``numba_module`` on first use, so ``import minigrad.kernels`` costs only NumPy.
"""
import importlib
import os

import numpy as np

BACKENDS = ("auto", "numba", "numpy")

# Measured with benchmarks/matmul.py on the 2-core AMD EPYC (Zen 3, AVX2) dev machine:
# below this many elements a fused Numba kernel is not faster than the NumPy formula
# (call overhead dominates); above it Numba wins because it passes over memory once.
AUTO_MIN_SIZE = {
    "matmul": None,        # None: never Numba in auto (OpenBLAS is 1.5-3x faster, see docstring)
    "optim": 0,            # fused optimizer updates: Numba at every size
    "epilogue": 0,         # bias add + activation over a layer output
    "act_backward": 0,
    "act_forward": 0,
    "act_backward_smooth": 0,  # tanh/sigmoid backward (a separate key, to tune on other machines)
    "tanh": None,          # tanh forward: Numba's scalar math.tanh is 5-10x slower than np.tanh
    "bias_grad": None,     # np.sum(axis=0) is already a single pass
}




def _check(name, where):
    if name not in BACKENDS:
        raise ValueError(f"{where}: unknown backend {name!r}; choose one of {BACKENDS}")
    return name


_backend = _check(os.environ.get("MINIGRAD_BACKEND", "auto"), "MINIGRAD_BACKEND")


def get_backend():
    """The current backend name: 'auto', 'numba' or 'numpy'."""
    return _backend


def set_backend(name):
    """Select the backend for all later kernel calls ('auto', 'numba' or 'numpy')."""
    global _backend
    _backend = _check(name, "set_backend")


def use_numba(op, size):
    """True if kernel family ``op`` on ``size`` elements should run the Numba version.

    backend 'numba' -> always; 'numpy' -> never; 'auto' -> the AUTO_MIN_SIZE table.
    """
    if _backend == "numba":
        return True
    if _backend == "numpy":
        return False
    threshold = AUTO_MIN_SIZE[op]
    return threshold is not None and size >= threshold


_modules = {}


def numba_module(name):
    """Import minigrad.kernels._nb_<name> (and Numba itself) the first time it is needed."""
    mod = _modules.get(name)
    if mod is None:
        mod = _modules[name] = importlib.import_module(f"{__package__}._nb_{name}")
    return mod


_entries = {}


def kernel(module, name, dtype):
    """The compiled Numba kernel ``_nb_<module>.<name>`` for ``dtype`` (cached entry point).

    The module's ``sig_<name>(dtype)`` gives one explicit signature per dtype, with
    layout 'A' (any strides) for inputs that may be views: contiguous, transposed and
    sliced operands then share one machine-code version, which keeps compile time low.
    Compilation (or loading from the on-disk cache) happens here, on first use, never
    at import. The dict lookup costs ~0.1 us; building the signature would cost ~20 us.
    """
    key = (module, name, dtype)
    entry = _entries.get(key)
    if entry is None:
        mod = numba_module(module)
        sig = getattr(mod, "sig_" + name)(dtype)
        entry = _entries[key] = getattr(mod, name).compile(sig)
    return entry


_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_float(*arrays):
    """True if all arrays share one dtype, float32 or float64 (what the kernels handle).
    (A plain loop: this runs on every kernel call, and a generator costs more than the test.)"""
    dt = arrays[0].dtype
    if dt not in _FLOAT_DTYPES:
        return False
    for a in arrays:
        if a.dtype != dt:
            return False
    return True
