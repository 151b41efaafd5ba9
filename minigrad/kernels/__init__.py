"""All heavy array work of minigrad, behind a plain ndarray API.

Every function takes and returns NumPy arrays (float32 or float64; dtypes are never
changed). Each has two implementations: a NumPy reference, written as the plain
formula, and a Numba kernel. Which one runs is decided by the *backend*:

    MINIGRAD_BACKEND=auto|numba|numpy   (environment, read at import; default auto)
    set_backend(name) / get_backend()   (at run time)

* ``numpy``: only the NumPy formulas (the reference the tests compare against).
* ``numba``: Numba everywhere, including every 2-D matrix product.
* ``auto`` (default): per kernel family, a fixed rule from benchmarks/matmul.py on the
  2-core AMD EPYC (Zen 3, AVX2, no AVX-512) machine -- no timing at run time:

  - matrix products -> always NumPy (OpenBLAS). Its packed micro-kernels run the MLP
    shapes 1.2-3x faster than our Numba matmul (about 0.35-0.8x of OpenBLAS), down to the
    toy GAN's 64 x 5 x 128, and it uses both cores. Two refinements on the NumPy path:
    products with an inner dimension of 1 (outer products, e.g. the backward of a layer
    with one output) are a broadcast multiply, ~6x faster than OpenBLAS's gemm there; and
    products below 2^22 multiply-adds run OpenBLAS on one thread (blas_threads.py).
  - fused kernels (optimizer updates, linear-layer bias+activation epilogue,
    activation forward and backward) -> Numba at every size: one pass over memory
    instead of one per NumPy operation (Adam on the 0.53M-parameter MNIST D: ~0.5 ms
    vs ~1.8-5 ms float32), and even for a 100-element tensor the Numba call
    (~0.3 us + a dict lookup) is cheaper than the NumPy calls (~1 us each) it replaces.
  - except tanh *forward* (act_forward / epilogue with act='tanh') -> NumPy: Numba's
    scalar math.tanh is 5-10x slower than NumPy's SIMD np.tanh.
  - bias_grad -> NumPy (g.sum(axis=0) is already one vectorised pass).

  ``use_numba(op, size)`` implements the rule; ``backend.AUTO_MIN_SIZE`` is the table.

Threads. No Numba kernel uses ``prange``: a Numba parallel region costs 5-8 us with the
'omp' threading layer and ~80 us with 'workqueue' (the only layer a venv with just numpy +
numba is sure to have), more than a whole layer of the toy GANs, and on 2 cores it competes
with the OpenBLAS threads that NumPy's matmul keeps spinning right after a product. So
OpenBLAS owns the two cores during products in ``auto``, and the memory-bound fused kernels
run on the calling thread. The one exception is the Numba matmul (backend ``numba``):
products of at least ``matmul.PARALLEL_MIN_MACS`` multiply-adds are split into two row
blocks, the second computed by a helper Python thread while the kernel releases the GIL.

Compilation is lazy: importing this package does not import Numba at all. The first
call of a kernel for a dtype compiles it (or loads it from the on-disk cache,
``cache=True``), exactly one specialisation per kernel and dtype (inputs are typed
with layout 'A', so contiguous, transposed and sliced arrays share machine code).
"""
from .backend import get_backend, set_backend, use_numba, AUTO_MIN_SIZE, BACKENDS
from .matmul import matmul, matmul_nt, matmul_tn
from .elementwise import ACTS, act_forward, act_backward, bias_grad, linear_forward
from .optim import adam_update, fusable, sgd_update, rmsprop_update

__all__ = [
    "get_backend", "set_backend", "use_numba", "AUTO_MIN_SIZE", "BACKENDS",
    "matmul", "matmul_nt", "matmul_tn",
    "ACTS", "act_forward", "act_backward", "bias_grad", "linear_forward",
    "adam_update", "sgd_update", "rmsprop_update", "fusable",
]
