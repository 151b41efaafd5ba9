"""Optimizers: SGD (with momentum), Adam (bias-corrected) and RMSprop, with PyTorch's semantics.

Every optimizer keeps its parameters in `param_groups` (a list of dicts holding 'params' and the
hyperparameters, as in PyTorch) and its per-parameter memory in `state`, a dict keyed by the
parameter's index (counting through all groups in order):

    SGD      {'momentum_buffer': b}                              (only when momentum != 0)
    Adam     {'step': t, 'exp_avg': m, 'exp_avg_sq': v, 'max_exp_avg_sq': v_max (amsgrad only)}
    RMSprop  {'step': t, 'square_avg': v, 'momentum_buffer': b (momentum > 0), 'grad_avg': g_avg (centered)}

Each update is written once, as a NumPy function of ndarrays whose docstring is the formula
(`sgd_numpy`, `adam_numpy`, `rmsprop_numpy` in minigrad/kernels/optim.py, beside the fused Numba
kernels of the same arithmetic, one pass over memory). `kernels.sgd_update`, `adam_update` and
`rmsprop_update` pick one (backend.dispatch); they change p and the state arrays in place and
never touch the gradient.

Change the learning rate between steps with `optimizer.lr = 0.01` (all groups) or
`optimizer.param_groups[i]['lr'] = 0.01`.
"""
import math

import numpy as np

from . import kernels
from .tensor import Tensor


# ============================================================================ the base class

class Optimizer:
    """Holds param_groups and state; subclasses define `_update_one` (and what their state holds)."""
    state_arrays = ()  # names of the per-parameter arrays, in the order they are created

    def __init__(self, params, defaults):
        name = type(self).__name__
        if isinstance(params, Tensor):
            raise TypeError(f"{name}: params must be an iterable of Tensors, got a single Tensor of shape "
                            f"{params.shape}; pass a list, e.g. {name}([w], ...)")
        if callable(getattr(params, "parameters", None)):
            raise TypeError(f"{name}: got a {type(params).__name__} module; pass model.parameters()")
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = dict(defaults)
        self.param_groups = []
        seen = set()
        for group in groups:
            if not isinstance(group, dict) or "params" not in group:
                raise TypeError(f"{type(self).__name__}: parameter groups must be dicts with a 'params' list")
            unknown = sorted(set(group) - set(defaults) - {"params"})
            if unknown:
                raise ValueError(f"{type(self).__name__}: unknown options {unknown} in a parameter group")
            members = [group["params"]] if isinstance(group["params"], Tensor) else list(group["params"])
            for p in members:
                if not isinstance(p, Tensor):
                    raise TypeError(f"{type(self).__name__}: can only optimize Tensors, got a {type(p).__name__}")
                if id(p) in seen:
                    raise ValueError(f"{type(self).__name__}: a parameter (shape {p.shape}) appears twice")
                seen.add(id(p))
            full = dict(self.defaults)
            full.update({k: v for k, v in group.items() if k != "params"})
            self._check_hyperparameters(full)
            full["params"] = members
            self.param_groups.append(full)
        self.state = {}

    def _check_hyperparameters(self, group):
        for key, value in group.items():
            values = value if key == "betas" else (value,)
            if key != "params" and not isinstance(value, bool) and any(
                    isinstance(v, (int, float, np.number)) and not math.isfinite(v) for v in values):
                raise ValueError(f"{type(self).__name__}: {key} must be finite, got {value!r}")
        if group["lr"] < 0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {group['lr']}")
        if group.get("weight_decay", 0) < 0:
            raise ValueError(f"{type(self).__name__}: weight_decay must be >= 0, got {group['weight_decay']}")

    @property
    def params(self):
        """All parameters, through all groups, in index order."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def lr(self):
        rates = {group["lr"] for group in self.param_groups}
        if len(rates) > 1:
            raise AttributeError(f"{type(self).__name__}.lr: the groups have different learning rates "
                                 f"{sorted(rates)}; read param_groups[i]['lr']")
        return rates.pop()

    @lr.setter
    def lr(self, value):
        if value < 0:
            raise ValueError(f"{type(self).__name__}: lr must be >= 0, got {value}")
        for group in self.param_groups:
            group["lr"] = value

    def zero_grad(self):
        """Forget every parameter's gradient (set `.grad` to None)."""
        for p in self.params:
            p._grad = None

    def step(self):
        """Update every parameter that has a gradient (parameters whose .grad is None are skipped)."""
        first = 0
        for group in self.param_groups:
            if not self._step_group_at_once(group, first):
                self._step_each(group, first)
            first += len(group["params"])

    def _step_each(self, group, first):
        """The update of each parameter of `group` in turn (`first`: the index of its first one)."""
        for index, p in enumerate(group["params"], first):
            grad = p._grad
            if grad is not None:
                g = np.ascontiguousarray(grad.data, dtype=p.data.dtype)  # a read-only input
                if g.shape != p.data.shape:
                    raise ValueError(f"{type(self).__name__}.step: parameter {index} has shape {p.shape} "
                                     f"but its grad has shape {g.shape}")
                state = self.state.get(index)
                if state is None:
                    state = self.state[index] = {}
                self._update_one(p.data, g, state, group)

    def _step_group_at_once(self, group, first):
        """Update all of `group` with one call, where the optimizer has such an update and the group
        allows it; return False (nothing done) otherwise. The base class has none."""
        return False

    def _update_one(self, p, g, state, group):
        raise NotImplementedError(f"{type(self).__name__} must define _update_one (its update rule)")

    def _required_state(self, group):
        """The state entries a parameter of `group` has after its first step (checked on load)."""
        raise NotImplementedError(f"{type(self).__name__} must define _required_state")

    @staticmethod
    def _array(state, name, p):
        """state[name], created as zeros shaped like p on first use."""
        if name not in state:
            state[name] = np.zeros(p.shape, dtype=p.dtype)
        return state[name]

    # ------------------------------------------------------------------ saving and resuming
    def state_dict(self):
        """{'state': {index: {name: array copy or int}}, 'param_groups': [{hyperparameters..., 'params': [indices]}]}
        Nested dicts of arrays and numbers only, so minigrad.save can store it."""
        state = {index: {name: (np.array(value, copy=True) if isinstance(value, np.ndarray) else value)
                         for name, value in entry.items()}
                 for index, entry in self.state.items()}
        groups, start = [], 0
        for group in self.param_groups:
            saved = {k: v for k, v in group.items() if k != "params"}
            saved["params"] = list(range(start, start + len(group["params"])))
            start += len(group["params"])
            groups.append(saved)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore step counts, moments and hyperparameters saved by state_dict(). Everything is checked
        (group sizes, option names, indices, array shapes, value types) before anything changes;
        problems raise ValueError. A step count must be a whole number >= 0 (an int, or a float such
        as PyTorch's 3.0); moments must be floating-point arrays. Nothing else is parsed or cast."""
        name = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            keys = sorted(state_dict) if isinstance(state_dict, dict) else type(state_dict).__name__
            raise ValueError(f"{name}: expected a dict with keys 'state' and 'param_groups', got {keys}")
        settings = self._merged_settings(name, list(state_dict["param_groups"]))
        group_of_index = [i for i, group in enumerate(self.param_groups) for _ in group["params"]]
        params = self.params
        new_state = {}
        for key, entry in state_dict["state"].items():
            if isinstance(key, (bool, np.bool_)) or not isinstance(key, (int, np.integer)):
                raise ValueError(f"{name}: state keys are parameter indices (ints), got {key!r}")
            index = int(key)
            if not isinstance(entry, dict):
                raise ValueError(f"{name}: the state of parameter {index} must be a dict, got {type(entry).__name__}")
            for field, value in entry.items():
                value = value.data if isinstance(value, Tensor) else value
                if field == "step":
                    step = value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value
                    whole = (isinstance(step, (int, np.integer)) and not isinstance(step, (bool, np.bool_))) or \
                        (isinstance(step, (float, np.floating)) and math.isfinite(step) and float(step).is_integer())
                    if not whole or step < 0:
                        raise ValueError(f"{name}: 'step' of parameter {index} must be a whole number >= 0, "
                                         f"got {value!r}")
                elif not (isinstance(value, np.ndarray) and value.dtype.kind == "f"):
                    kind = f"an array of dtype {value.dtype}" if isinstance(value, np.ndarray) else repr(value)[:40]
                    raise ValueError(f"{name}: state '{field}' of parameter {index} must be a floating-point array, "
                                     f"got {kind}")
            if not 0 <= index < len(params):
                raise ValueError(f"{name}: state for parameter index {index}, but there are {len(params)} parameters")
            restored = self._restored_entry(name, index, params[index], entry)
            missing = [f for f in self._required_state(settings[group_of_index[index]]) if f not in restored]
            if missing:
                raise ValueError(f"{name}: the state of parameter {index} lacks {missing}")
            new_state[index] = restored
        for group, merged in zip(self.param_groups, settings):
            group.update(merged)
        self.state = new_state

    def _merged_settings(self, name, saved_groups):
        """The hyperparameters of each group after loading (saved values replace ours), checked."""
        ours = [len(group["params"]) for group in self.param_groups]
        theirs = [len(group.get("params", ())) for group in saved_groups]
        if ours != theirs:
            raise ValueError(f"{name}: the optimizer has parameter groups of sizes {ours}, the state has {theirs}")
        settings = []
        for group, saved in zip(self.param_groups, saved_groups):
            unknown = sorted(set(saved) - set(self.defaults) - {"params"})
            if unknown:
                raise ValueError(f"{name}: unknown options {unknown} in a saved parameter group")
            merged = {k: v for k, v in group.items() if k != "params"}
            merged.update({k: (tuple(v) if isinstance(v, list) else v) for k, v in saved.items() if k != "params"})
            self._check_hyperparameters(merged)
            settings.append(merged)
        return settings

    def _restored_entry(self, name, index, p, entry):
        """A checked copy of one parameter's saved state, arrays cast to the parameter's dtype."""
        restored = {}
        for field, value in entry.items():
            if field == "step":
                restored[field] = int(value)
                continue
            if field not in self.state_arrays:
                raise ValueError(f"{name}: unexpected state '{field}' for parameter {index}; "
                                 f"{type(self).__name__} keeps {['step', *self.state_arrays]}")
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            if array.shape != p.shape:
                raise ValueError(f"{name}: state '{field}' of parameter {index} has shape {array.shape}, "
                                 f"the parameter has shape {p.shape}")
            restored[field] = np.array(array, dtype=p.dtype, copy=True, order="C")
        return restored

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            settings = ", ".join(f"{k}={v}" for k, v in group.items() if k != "params")
            lines.append(f"  group {i}: {len(group['params'])} parameters, {settings}")
        return "\n".join(lines) + "\n)"


# ============================================================================ the optimizers

class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay
    (PyTorch's torch.optim.SGD):

        d = g + weight_decay * p
        buf = d (first step),  then  buf = momentum * buf + (1 - dampening) * d
        d = d + momentum * buf (nesterov)  or  d = buf (momentum != 0)
        p = p - lr * d
    """
    state_arrays = ("momentum_buffer",)

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      nesterov=nesterov, weight_decay=weight_decay))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        if group["momentum"] < 0:
            raise ValueError(f"SGD: momentum must be >= 0, got {group['momentum']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(f"SGD: nesterov needs momentum > 0 and dampening 0, "
                             f"got momentum {group['momentum']} and dampening {group['dampening']}")

    def _required_state(self, group):
        return ["momentum_buffer"] if group["momentum"] != 0 else []

    def _update_one(self, p, g, state, group):
        momentum = group["momentum"]
        first_step = "momentum_buffer" not in state
        buf = self._array(state, "momentum_buffer", p) if momentum != 0 else None
        kernels.sgd_update(p, g, buf, group["lr"], momentum, group["dampening"], group["nesterov"],
               group["weight_decay"], first_step)


class Adam(Optimizer):
    """Adam with bias correction and optional AMSGrad and L2 weight decay (PyTorch's torch.optim.Adam):

        t = t + 1;  g = g + weight_decay * p
        m = beta1 m + (1 - beta1) g;   v = beta2 v + (1 - beta2) g^2;   (amsgrad: v = vmax = max(vmax, v))
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """
    state_arrays = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad))
        self._views = {}   # index -> (p.data, m, v, and their 1-D views): see _flat_views

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        beta1, beta2 = group["betas"]
        if not (0 <= beta1 < 1 and 0 <= beta2 < 1):
            raise ValueError(f"Adam: betas must lie in [0, 1), got {group['betas']}")
        if group["eps"] < 0:
            raise ValueError(f"Adam: eps must be >= 0, got {group['eps']}")

    def _required_state(self, group):
        return ["step", "exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if group["amsgrad"] else [])

    def _update_one(self, p, g, state, group):
        state["step"] = state.get("step", 0) + 1
        m = self._array(state, "exp_avg", p)
        v = self._array(state, "exp_avg_sq", p)
        vmax = self._array(state, "max_exp_avg_sq", p) if group["amsgrad"] else None
        beta1, beta2 = group["betas"]
        kernels.adam_update(p, g, m, v, vmax, state["step"], group["lr"], beta1, beta2, group["eps"], group["weight_decay"])

    def _step_group_at_once(self, group, first):
        """All parameters of the group in one kernels.adam_group_update call (one Numba call per
        GROUP parameters instead of one each), when `_flat_views` finds the group fit for it.
        The same update as _update_one on each parameter, bit for bit."""
        if group["amsgrad"]:
            return False
        views = self._flat_views(group, first)
        if views is None:
            return False
        ps, gs, ms, vs, step = views
        for index in range(first, first + len(ps)):
            self.state[index]["step"] = step + 1
        beta1, beta2 = group["betas"]
        kernels.adam_group_update(ps, gs, ms, vs, step + 1, group["lr"], beta1, beta2, group["eps"],
                                  group["weight_decay"])
        return True

    def _flat_views(self, group, first):
        """(ps, gs, ms, vs, step): 1-D views of the group's parameters, gradients and moments and
        their common step count, or None unless every parameter has a gradient of its own shape
        and dtype and has state from an earlier step (the first step goes parameter by parameter,
        creating it), all at one step count, one float dtype, C-contiguous. The views of p and
        its moments are kept from step to step (`reshape` is a call, and calls are the cost here)
        for as long as p.data and the moment arrays are the same objects."""
        dtype = group["params"][0].data.dtype
        ps, gs, ms, vs, step = [], [], [], [], None
        for index, p in enumerate(group["params"], first):
            state, grad = self.state.get(index), p._grad
            if state is None or grad is None or "step" not in state:
                return None
            if step is not None and state["step"] != step:
                return None
            g, data, m, v = grad.data, p.data, state.get("exp_avg"), state.get("exp_avg_sq")
            if g.dtype != dtype or g.shape != data.shape or not g.flags.c_contiguous:
                return None
            kept = self._views.get(index)
            if kept is None or kept[0] is not data or kept[1] is not m or kept[2] is not v:
                if m is None or v is None or data.dtype != dtype or not kernels.fusable(data, m, v):
                    return None
                kept = self._views[index] = (data, m, v, data.reshape(-1), m.reshape(-1), v.reshape(-1))
            ps.append(kept[3])
            gs.append(g.reshape(-1))
            ms.append(kept[4])
            vs.append(kept[5])
            step = state["step"]
        return ps, gs, ms, vs, step


class RMSprop(Optimizer):
    """RMSprop, optionally centered and with momentum and L2 weight decay (PyTorch's torch.optim.RMSprop):

        g = g + weight_decay * p;   v = alpha v + (1 - alpha) g^2
        s = sqrt(v) + eps,  or (centered) g_avg = alpha g_avg + (1 - alpha) g,  s = sqrt(v - g_avg^2) + eps
        p = p - lr g / s,   or (momentum)  buf = momentum buf + g / s,  p = p - lr buf
    """
    state_arrays = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered))

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        if group["alpha"] < 0 or group["eps"] < 0 or group["momentum"] < 0:
            raise ValueError(f"RMSprop: alpha, eps and momentum must be >= 0, got alpha {group['alpha']}, "
                             f"eps {group['eps']}, momentum {group['momentum']}")

    def _required_state(self, group):
        return (["step", "square_avg"] + (["momentum_buffer"] if group["momentum"] > 0 else [])
                + (["grad_avg"] if group["centered"] else []))

    def _update_one(self, p, g, state, group):
        state["step"] = state.get("step", 0) + 1
        square_avg = self._array(state, "square_avg", p)
        momentum_buf = self._array(state, "momentum_buffer", p) if group["momentum"] > 0 else None
        grad_avg = self._array(state, "grad_avg", p) if group["centered"] else None
        kernels.rmsprop_update(p, g, square_avg, momentum_buf, grad_avg, group["lr"], group["alpha"], group["eps"],
               group["weight_decay"], group["momentum"], group["centered"])
