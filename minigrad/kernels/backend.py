"""Which implementation runs: the backend (auto | numba | numpy), THE table of the auto rule, and
the one function that answers "Numba or NumPy for this call?" (`dispatch`).

Nothing here imports Numba: the Numba kernel modules (``_nb_*.py``) are imported by
``numba_module`` on first use, so ``import minigrad.kernels`` costs only NumPy.
"""
import importlib
import os

import numpy as np

from ..activations import ACTIVATIONS, NONE

BACKENDS = ("auto", "numba", "numpy")


ALWAYS, NEVER, PER_ACTIVATION = "always", "never", "per activation"

#: kernel family -> (when backend 'auto' runs the Numba kernel, why). The measurements behind
#: each reason are in benchmarks/README.md ("Why auto picks what it picks").
AUTO_RULE = {
    "matmul": (NEVER, "OpenBLAS's packed micro-kernels beat our Numba gemm on every shape measured, "
                      "down to the toy GAN's 64 x 5 x 128, and it uses both cores"),
    "optim": (ALWAYS, "one fused pass over memory instead of about ten NumPy passes per update"),
    "epilogue": (PER_ACTIVATION, "bias add + activation in one pass over the layer output, for the "
                                 "activations whose table row says `numba` (minigrad/activations.py)"),
    "act_forward": (PER_ACTIVATION, "one pass instead of several NumPy calls; the activations as for the "
                                    "epilogue"),
    "act_backward": (ALWAYS, "g * act'(y) in one pass instead of two or three NumPy calls"),
    "unfold": (ALWAYS, ("one pass writing each column entry once, padding handled in the loop; the "
                        "NumPy reference pads a copy and makes one strided copy per kernel position")),
    "fold": (ALWAYS, ("one pass adding each column entry once; the NumPy reference makes one strided "
                      "add per kernel position into a padded image, then copies the image out")),
    "batch_norm": (ALWAYS, ("two passes over x forward (statistics) plus one writing x_hat, two over g "
                            "backward, against ~7 and ~15 NumPy passes of the same formula")),
}


def _check(name, where):
    name = "auto" if name is None or name.strip() == "" else name.strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"{where}: unknown backend {name!r}; choose one of {BACKENDS}")
    return name


def _decisions(backend):
    """family -> True / False / the set of activations for which it is True: the table for one backend."""
    if backend != "auto":
        return {op: backend == "numba" for op in AUTO_RULE}
    served = frozenset([NONE] + [name for name, row in ACTIVATIONS.items() if row.numba])
    return {op: {ALWAYS: True, NEVER: False, PER_ACTIVATION: served}[when] for op, (when, _) in AUTO_RULE.items()}


_backend = _check(os.environ.get("MINIGRAD_BACKEND"), "MINIGRAD_BACKEND")
_decision = _decisions(_backend)


def get_backend():
    """The current backend name: 'auto', 'numba' or 'numpy'."""
    return _backend


def set_backend(name):
    """Select the backend for all later kernel calls ('auto', 'numba' or 'numpy'; case-insensitive;
    '' or None means the default, 'auto')."""
    global _backend, _decision
    _backend = _check(name, "set_backend")
    _decision = _decisions(_backend)


def set_rule(family, numba):
    """Force kernel family `family` to Numba (True) or NumPy (False) until the next set_backend:
    for A/B measurements (benchmarks/dcgan_ab.py), not for training code."""
    if family not in AUTO_RULE:
        raise ValueError(f"set_rule: unknown kernel family {family!r}; choose one of {sorted(AUTO_RULE)}")
    _decision[family] = bool(numba)


def use_numba(op, act=None):
    """True if kernel family `op` should run its Numba kernel for this call (`act`: the
    activation, for the families whose rule depends on it).

    backend 'numba' -> always; 'numpy' -> never; 'auto' -> the AUTO_RULE table."""
    decision = _decision[op]
    return decision if decision.__class__ is bool else act in decision


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

    The module's ``sig_<name>(dtype)`` gives one explicit signature per dtype, with layout 'A'
    (any strides) for inputs that may be views: contiguous, transposed and sliced operands then
    share one machine-code version, which keeps compile time low. Compilation (or loading from
    the on-disk cache) happens here, on first use, never at import; the entry is cached in a
    dict because building a signature is far more expensive than a lookup.
    """
    key = (module, name, dtype)
    entry = _entries.get(key)
    if entry is None:
        mod = numba_module(module)
        sig = getattr(mod, "sig_" + name)(dtype)
        entry = _entries[key] = getattr(mod, name).compile(sig)
    return entry


#: the floating dtypes of minigrad: what a Tensor with a gradient holds and the kernels handle
FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_float(*arrays):
    """True if all arrays share one dtype, float32 or float64 (what the kernels handle).
    (A plain loop: this runs on every kernel call, and a generator costs more than the test.)"""
    dt = arrays[0].dtype
    if dt not in FLOAT_DTYPES:
        return False
    for a in arrays:
        if a.dtype != dt:
            return False
    return True


def dispatch(family, numba_impl, numpy_impl, *arrays, act=None, layout=True):
    """THE choice between the two implementations of a kernel family, for one call:
    `numba_impl` if the arrays share one float dtype, the call site's `layout` condition holds
    (contiguity and the like, which differ per kernel) and use_numba(family, act) says so;
    else `numpy_impl`. Returns the function; the caller calls it."""
    # use_numba and is_float written out: this runs on every kernel call, and the calls cost more
    # than the tests (the rule first: under 'auto' it settles the matrix products at once)
    decision = _decision[family]
    if not layout or decision is False or (decision is not True and act not in decision):
        return numpy_impl
    dt = arrays[0].dtype
    if dt not in FLOAT_DTYPES:
        return numpy_impl
    for a in arrays:
        if a.dtype != dt:
            return numpy_impl
    return numba_impl
