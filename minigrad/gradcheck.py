"""Check analytic gradients against central finite differences, in float64.

For a function f with inputs x_1..x_n and outputs y_1..y_m, draw a fixed random projection u_j for
every output and look at the scalar  L(x) = sum_j <u_j, y_j(x)>.  Its gradient by backprop is the
vjp  sum_j J_j^T u_j;  its gradient by finite differences is, element by element,

    dL/dx[i] ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)          (error O(eps^2)).

They must agree within  |analytic - numeric| <= atol + rtol |numeric|  (PyTorch's gradcheck rule).

gradgradcheck checks the function  x -> grad(L, x, create_graph=True)  in two ways:
  1. its value, the first-order gradient as the create_graph path computes it, must equal the
     plain backward's gradient and the finite differences of L (a rule that is wrong only when a
     graph is recorded would otherwise go unseen: the second check alone only asks that the
     recorded gradient be consistent with its own derivative);
  2. its own gradient (a gradient of a gradient) must match the finite differences of it.
"""
import numpy as np

from .autograd import grad
from .tensor import Tensor, no_grad


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with the numeric one."""


def _as_tuple(outputs):
    return (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)


def _check_inputs(name, inputs):
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            raise TypeError(f"{name}: input {i} is a {type(x).__name__}, not a Tensor")
        if x.requires_grad and x.dtype != np.float64:
            raise TypeError(f"{name}: input {i} has dtype {x.dtype}; finite differences need float64")
    return inputs


def _projected(fn, inputs, projections):
    outputs = _as_tuple(fn(*inputs))
    return float(sum(np.sum(u * y.data) for u, y in zip(projections, outputs)))


def _numeric_gradient(fn, inputs, projections, i, eps):
    """Central differences of L = sum_j <u_j, fn(inputs)_j> with respect to inputs[i]."""
    x = inputs[i]
    x.data = np.ascontiguousarray(x.data)
    flat = x.data.reshape(-1)  # a view: perturbing it perturbs the input in place
    numeric = np.empty(flat.size)
    # grad mode stays on: fn may itself call minigrad.grad (gradient penalties)
    for j in range(flat.size):
        original = flat[j]
        flat[j] = original + eps
        plus = _projected(fn, inputs, projections)
        flat[j] = original - eps
        minus = _projected(fn, inputs, projections)
        flat[j] = original
        numeric[j] = (plus - minus) / (2 * eps)
    return numeric.reshape(x.shape)


def _compare(where, i, shape, analytic, expected, atol, rtol, names=("analytic", "numeric")):
    """Raise GradcheckError at the first element where |analytic - expected| > atol + rtol |expected|."""
    analytic, expected = np.asarray(analytic).reshape(-1), np.asarray(expected).reshape(-1)
    for j in range(expected.size):
        value, reference = analytic[j], expected[j]
        if not abs(value - reference) <= atol + rtol * abs(reference):
            index = np.unravel_index(j, shape) if len(shape) else ()
            raise GradcheckError(
                f"{where}: input {i} (shape {shape}), element {tuple(int(k) for k in index)}: "
                f"{names[0]} {value:.10g} vs {names[1]} {reference:.10g} "
                f"(difference {abs(value - reference):.3g} > atol {atol} + rtol {rtol} * |{names[1]}|)")


def _gradients(fn, inputs, wrt, projections, create_graph):
    """d/dx_i of sum_j <u_j, fn(inputs)_j> for i in wrt, by backprop (zeros for an unused input)."""
    outputs = _as_tuple(fn(*inputs))
    live = [(y, u) for y, u in zip(outputs, projections) if y.requires_grad]
    if not live:
        return tuple(Tensor(np.zeros(inputs[i].shape)) for i in wrt)
    grads = grad([y for y, _ in live], [inputs[i] for i in wrt],
                 grad_outputs=[u if isinstance(u, Tensor) else Tensor(u.astype(y.dtype)) for y, u in live],
                 create_graph=create_graph, allow_unused=True)
    return tuple(Tensor(np.zeros(inputs[i].shape)) if g is None else g for i, g in zip(wrt, grads))


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """True if the backprop gradients of `fn` at `inputs` match central differences; otherwise raise
    GradcheckError naming the input, the element index, and the analytic and numeric values."""
    inputs = _check_inputs("gradcheck", inputs)
    wrt = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    rng = np.random.default_rng(seed)
    projections = [rng.standard_normal(y.shape) for y in _as_tuple(fn(*inputs))]
    analytic = _gradients(fn, inputs, wrt, projections, create_graph=False)
    for i, g in zip(wrt, analytic):
        if g.shape != inputs[i].shape:
            raise GradcheckError(f"gradcheck: gradient of input {i} has shape {g.shape}, input {inputs[i].shape}")
        numeric = _numeric_gradient(fn, inputs, projections, i, eps)
        _compare("gradcheck", i, inputs[i].shape, g.data, numeric, atol, rtol)
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Second-order check of `fn` at `inputs` (see the module docstring): the first-order gradient
    computed with create_graph=True equals the plain backward's and the finite differences of
    <u, fn(x)>, and gradcheck passes for  x -> d/dx <u, fn(x)>  computed with create_graph=True."""
    inputs = _check_inputs("gradgradcheck", inputs)
    wrt = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not wrt:
        raise ValueError("gradgradcheck: no input requires grad")
    rng = np.random.default_rng(seed + 1)
    with no_grad():
        shapes = [y.shape for y in _as_tuple(fn(*inputs))]
    projections = [Tensor(rng.standard_normal(shape)) for shape in shapes]

    def first_gradient(*xs):
        return _gradients(fn, xs, wrt, projections, create_graph=True)

    # 1. the gradient that the create_graph path records is the true first-order gradient
    recorded = first_gradient(*inputs)
    plain = _gradients(fn, inputs, wrt, projections, create_graph=False)
    arrays = [u.data for u in projections]
    for i, g_graph, g_plain in zip(wrt, recorded, plain):
        shape = inputs[i].shape
        _compare("gradgradcheck (first order, create_graph=True vs plain backward)", i, shape,
                 g_graph.data, g_plain.data, atol, rtol, names=("create_graph", "plain"))
        numeric = _numeric_gradient(fn, inputs, arrays, i, eps)
        _compare("gradgradcheck (first order, create_graph=True vs finite differences)", i, shape,
                 g_graph.data, numeric, atol, rtol, names=("create_graph", "numeric"))
    # 2. the recorded gradient is itself differentiated correctly
    return gradcheck(first_gradient, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed + 2)
