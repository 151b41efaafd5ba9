"""Optimizer steps that can be recorded: the updates of minigrad/optim.py written in Tensor ops.

The in-place optimizers (optim.SGD, optim.Adam) change the parameter arrays; nothing about the
update is recorded, so no gradient can flow through it. Here each update is a function of Tensors
that RETURNS the new parameters and the new state, so that

    theta_1 = step(theta_0, grad L(theta_0))        (grad taken with create_graph=True)

is a graph, and d theta_1 / d theta_0 (or d theta_1 / d anything the loss depended on, such as the
generator's parameters for the unrolled GAN, gan/unrolled.py) is available to backward. The formulas
are those of kernels/optim.py's sgd_numpy and adam_numpy, and the numbers are the same (tested in
tests/test_functional_optim.py against the in-place optimizers step by step).

    new_params, new_state = functional_step(optimizer, params, grads, state=None)

`state=None` starts from the optimizer's own state as it is now (copied, as constants); pass the
returned state to the next call. The optimizer itself is never changed.
"""
import numpy as np

from . import ops
from .optim import SGD, Adam
from .tensor import Tensor

#: added under Adam's square root: d sqrt(v) / dv = 1 / (2 sqrt(v)) is infinite at v = 0 (a parameter
#: that never had a gradient, e.g. a maxout piece that never wins), and inf * 0 = NaN in the backward.
#: It changes sqrt(v) only where v < 1e-28, far below eps = 1e-8.
SQRT_FLOOR = 1e-30


def sgd_step(p, g, buf, lr, momentum, dampening, nesterov, weight_decay):
    """(p, buf) -> (new p, new buf) as Tensors; buf is None on the first step or without momentum:

        d   = g + weight_decay p
        buf = d (first step)   or   momentum buf + (1 - dampening) d;   d = d + momentum buf (nesterov) or buf
        p   = p - lr d
    """
    d = g + weight_decay * p if weight_decay != 0 else g
    if momentum != 0:
        buf = d if buf is None else momentum * buf + (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    return p - lr * d, buf


def adam_step(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay):
    """(p, m, v, vmax) at step t -> their new values as Tensors (vmax None unless amsgrad):

        g = g + weight_decay p;   m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2
        vmax = max(vmax, v), used for v (amsgrad)
        p = p - lr / (1 - beta1^t) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """
    if weight_decay != 0:
        g = g + weight_decay * p
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * (g * g)
    used = v
    if vmax is not None:
        vmax = ops.maximum(vmax, v)
        used = vmax
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    denom = ops.sqrt(used + SQRT_FLOOR) / float(np.sqrt(bias_correction2)) + eps
    return p - (lr / bias_correction1) * (m / denom), m, v, vmax


def _constant(array):
    return Tensor(np.array(array, copy=True))


def _initial_state(optimizer, index, p):
    """The optimizer's state of parameter `index` now, as constant Tensors ({} before its first step)."""
    saved = optimizer.state.get(index, {})
    return {name: (value if name == "step" else _constant(value)) for name, value in saved.items()}


def functional_step(optimizer, params, grads, state=None):
    """One step of `optimizer`'s update rule on `params` (Tensors, one per optimizer parameter, in
    its order) with `grads` (Tensors or None: skipped, as step() skips a None .grad). Returns
    (new_params, new_state), a list of Tensors and a list of dicts. Only SGD and Adam."""
    if not isinstance(optimizer, (SGD, Adam)):
        raise TypeError(f"functional_step: only SGD and Adam have a recordable step, got {type(optimizer).__name__}")
    own = optimizer.params
    if len(params) != len(own) or len(grads) != len(own):
        raise ValueError(f"functional_step: {type(optimizer).__name__} has {len(own)} parameters, got "
                         f"{len(params)} params and {len(grads)} grads")
    groups = [group for group in optimizer.param_groups for _ in group["params"]]
    if state is None:
        state = [_initial_state(optimizer, i, p) for i, p in enumerate(own)]
    new_params, new_state = [], []
    for i, (p, g, group, entry) in enumerate(zip(params, grads, groups, state)):
        if g is None:
            new_params.append(p)
            new_state.append(entry)
            continue
        if g.shape != p.shape:
            raise ValueError(f"functional_step: parameter {i} has shape {p.shape} but its grad has shape {g.shape}")
        entry = dict(entry)
        if isinstance(optimizer, SGD):
            buf = entry.get("momentum_buffer") if group["momentum"] != 0 else None
            p, buf = sgd_step(p, g, buf, group["lr"], group["momentum"], group["dampening"], group["nesterov"],
                              group["weight_decay"])
            if buf is not None:
                entry["momentum_buffer"] = buf
        else:
            step = entry.get("step", 0) + 1
            zeros = Tensor(np.zeros(p.shape, dtype=p.dtype))
            m, v = entry.get("exp_avg", zeros), entry.get("exp_avg_sq", zeros)
            vmax = entry.get("max_exp_avg_sq", zeros) if group["amsgrad"] else None
            beta1, beta2 = group["betas"]
            p, m, v, vmax = adam_step(p, g, m, v, vmax, step, group["lr"], beta1, beta2, group["eps"],
                                      group["weight_decay"])
            entry.update(step=step, exp_avg=m, exp_avg_sq=v)
            if vmax is not None:
                entry["max_exp_avg_sq"] = vmax
        new_params.append(p)
        new_state.append(entry)
    return new_params, new_state
