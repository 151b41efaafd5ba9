"""Check analytic gradients against central finite differences, in float64.

For a function f with inputs x_1..x_n and outputs y_1..y_m, draw a fixed random projection u_j for
every output and look at the scalar  L(x) = sum_j <u_j, y_j(x)>.  Its gradient by backprop is the
vjp  sum_j J_j^T u_j;  its gradient by finite differences is, element by element,

    dL/dx[i] ~ (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)          (error O(eps^2)).

They must agree within  |analytic - numeric| <= atol + rtol |numeric|  (PyTorch's gradcheck rule).
gradgradcheck applies the same test to the function  x -> grad(L, x, create_graph=True).
"""
import numpy as np

from .tensor import Tensor, grad, no_grad


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


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """True if the backprop gradients of `fn` at `inputs` match central differences; otherwise raise
    GradcheckError naming the input, the element index, and the analytic and numeric values."""
    inputs = _check_inputs("gradcheck", inputs)
    wrt = [i for i, x in enumerate(inputs) if x.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    rng = np.random.default_rng(seed)
    outputs = _as_tuple(fn(*inputs))
    projections = [rng.standard_normal(y.shape) for y in outputs]

    differentiable = [(y, u) for y, u in zip(outputs, projections) if y.requires_grad]
    if differentiable:
        analytic = grad([y for y, _ in differentiable], [inputs[i] for i in wrt],
                        grad_outputs=[Tensor(u.astype(y.dtype)) for y, u in differentiable],
                        allow_unused=True)
    else:
        analytic = [None] * len(wrt)

    # the numeric pass keeps grad mode on: fn may itself call minigrad.grad (gradient penalties)
    for i, g in zip(wrt, analytic):
        x = inputs[i]
        expected = np.zeros(x.shape) if g is None else g.data
        if expected.shape != x.shape:
            raise GradcheckError(f"gradcheck: gradient of input {i} has shape {expected.shape}, input {x.shape}")
        x.data = np.ascontiguousarray(x.data)
        flat = x.data.reshape(-1)  # a view: perturbing it perturbs the input in place
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = _projected(fn, inputs, projections)
            flat[j] = original - eps
            minus = _projected(fn, inputs, projections)
            flat[j] = original
            numeric = (plus - minus) / (2 * eps)
            value = expected.reshape(-1)[j]
            if not abs(value - numeric) <= atol + rtol * abs(numeric):
                index = np.unravel_index(j, x.shape) if x.ndim else ()
                raise GradcheckError(
                    f"gradcheck: input {i} (shape {x.shape}), element {tuple(int(k) for k in index)}: "
                    f"analytic {value:.10g} vs numeric {numeric:.10g} "
                    f"(difference {abs(value - numeric):.3g} > atol {atol} + rtol {rtol} * |numeric|)")
    return True


def gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Second-order check: gradcheck of  x -> d/dx <u, fn(x)>  computed with create_graph=True."""
    inputs = _check_inputs("gradgradcheck", inputs)
    wrt = [i for i, x in enumerate(inputs) if x.requires_grad]
    rng = np.random.default_rng(seed + 1)
    with no_grad():
        shapes = [y.shape for y in _as_tuple(fn(*inputs))]
    projections = [Tensor(rng.standard_normal(shape)) for shape in shapes]

    def first_gradient(*xs):
        outputs = _as_tuple(fn(*xs))
        live = [(y, u) for y, u in zip(outputs, projections) if y.requires_grad]
        if not live:
            return tuple(Tensor(np.zeros(xs[i].shape)) for i in wrt)
        grads = grad([y for y, _ in live], [xs[i] for i in wrt], grad_outputs=[u for _, u in live],
                     create_graph=True, allow_unused=True)
        return tuple(Tensor(np.zeros(xs[i].shape)) if g is None else g for i, g in zip(wrt, grads))

    return gradcheck(first_gradient, inputs, eps=eps, atol=atol, rtol=rtol, seed=seed + 2)
