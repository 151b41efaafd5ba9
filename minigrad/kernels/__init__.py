"""All heavy array work of minigrad, behind a plain ndarray API.

Every function takes and returns NumPy arrays (float32 or float64; dtypes are never changed).
Each has two implementations: a NumPy reference, written as the plain formula, and a Numba
kernel. Which one runs is decided by the *backend*:

    MINIGRAD_BACKEND=auto|numba|numpy   (environment, read at import; default auto)
    set_backend(name) / get_backend()   (at run time)

* ``numpy``: only the NumPy formulas (the reference the tests compare against).
* ``numba``: Numba everywhere, including every 2-D matrix product.
* ``auto`` (default): per kernel family, the fixed rule of ``backend.AUTO_RULE``, the one table
  of when Numba runs and why; ``backend.dispatch`` applies it (with the dtype and layout
  conditions) at every call site. No timing happens at run time; the measurements behind the
  table are in benchmarks/README.md.

    family         file                                   Numba kernels
    matmul         matmul.py (+ threads.py)               _nb_gemm.gemm
    optim          optim.py (the NumPy formulas too)      _nb_optim.adam/adam_group/sgd/rmsprop
    epilogue       elementwise.linear_forward             _nb_elementwise.epilogue
    act_forward    elementwise.act_forward                _nb_elementwise.act_forward
    act_backward   elementwise.act_backward               _nb_elementwise.act_backward
    unfold, fold   conv.py                                _nb_conv.unfold / fold
    batch_norm     norm.py                                _nb_norm

Threads (threads.py, the one place that decides). OpenBLAS always runs on one thread, and no
Numba kernel uses ``prange``. Large work is cut in two fixed halves chosen by shape alone: products
of at least ``matmul.SPLIT_MIN_MACS`` multiply-adds, unfold and fold of at least
``conv.PARALLEL_MIN_VALUES`` column entries (image planes or channels), the batch-norm kernels
(channels). The second half runs on minigrad's one helper thread when a second core is free
(other programs used less than half a core over the last quarter second), else after the first
on the caller's thread: bit-identical results either way, whatever the load. The helper is
handed its half through counters both threads poll without the GIL (handoff.py), and computes a
product's half with NumPy's own OpenBLAS gemm called from Numba (blas_direct.py).
``MINIGRAD_THREADS=1|2|auto`` (or ``set_threads``) forces one core, two, or the rule.

Memory. Importing the package sets glibc's malloc to keep freed memory for reuse (memory.py:
without it every large array of every iteration costs fresh, zeroed pages from the operating
system); MINIGRAD_KEEP_MEMORY=0 in the environment leaves malloc as it is.

Compilation is lazy: importing this package does not import Numba at all. The first call of a
kernel for a dtype compiles it (or loads it from the on-disk cache, ``cache=True``), exactly one
specialisation per kernel and dtype (inputs are typed with layout 'A', so contiguous,
transposed and sliced arrays share machine code).
"""
from . import memory  # noqa: F401  (keeps freed memory for reuse: see memory.py)
from .backend import AUTO_RULE, BACKENDS, FLOAT_DTYPES, dispatch, get_backend, set_backend, use_numba
from .matmul import matmul, matmul_nt, matmul_tn
from .threads import get_threads, set_threads
from .elementwise import ACTS, act_forward, act_backward, linear_forward
from .optim import adam_group_update, adam_update, fusable, sgd_update, rmsprop_update
from .conv import fold, unfold
from .norm import batch_norm_backward, batch_norm_forward
from .reduce import reduce

__all__ = [
    "get_backend", "set_backend", "use_numba", "dispatch", "AUTO_RULE", "BACKENDS", "FLOAT_DTYPES", "get_threads", "set_threads",
    "matmul", "matmul_nt", "matmul_tn",
    "ACTS", "act_forward", "act_backward", "linear_forward",
    "adam_update", "adam_group_update", "sgd_update", "rmsprop_update", "fusable",
    "unfold", "fold", "batch_norm_forward", "batch_norm_backward", "reduce",
]
