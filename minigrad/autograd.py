"""The autodiff engine: recording an op (`apply`) and walking the graph backward (`run_backward`,
`grad`).

One backward rule per op, two ways to run it. A vjp is written with ops and operators only
(`g * b`, `exp(a)`, `sum(g, axis=0)`), and every op accepts arrays as well as Tensors. The engine
decides, once per backward, what the rules receive:

* plain backward: ndarrays (g, the output's data, the inputs' data): the same lines run as
  NumPy, no graph is recorded;
* create_graph=True: Tensors: the same lines record the backward pass, so it can be
  differentiated again (gradients of gradients, as the WGAN-GP penalty needs).

backward() visits the graph in reverse topological order and applies the chain rule,

    dL/dx = sum over the ops y = f(..., x, ...) that use x of  vjp_f(dL/dy),

accumulating into `.grad` of the leaves.
"""
import operator

import numpy as np

from .tensor import AutogradError, Tensor, as_array, lift, set_grad_enabled, value

# Tensors are dict keys and set members by identity: their hash is object.__hash__ (the
# address), and a dict compares keys with == (elementwise for tensors) only when their hashes are
# equal, which for address hashes means the same object: == is never called.
_creation_number = operator.attrgetter("_seq")
_data = operator.attrgetter("data")                 # (attrgetters map in C: no Python call per tensor)
_requires_grad = operator.attrgetter("requires_grad")


# ----------------------------------------------------------------------------- recording an op

def apply(name, forward, vjp, *inputs):
    """Run an op: `forward` on the inputs' arrays, and the graph edge for backward.

    If no input is a Tensor (a plain backward calls ops on ndarrays), return forward(*inputs):
    an array, no graph. Otherwise numbers and arrays become constant Tensors (numbers with the
    dtype of the first Tensor input), and the result is a Tensor that records `vjp`:

        one input:      vjp(g, y, x)                      -> dL/dx
        several inputs: vjp(g, y, x1, x2, ..., need=need) -> (dL/dx1 or None, dL/dx2 or None, ...)

    where `need[i]` says whether input i wants a gradient (the rule may skip the others).
    """
    for x in inputs:
        if isinstance(x, Tensor):
            like = x
            break
    else:
        return forward(*inputs)
    parents = inputs
    for x in inputs:
        if not isinstance(x, Tensor):
            parents = tuple([x if isinstance(x, Tensor) else lift(x, like) for x in inputs])
            break
    data = forward(*map(_data, parents))
    if type(data) is not np.ndarray:  # NumPy gives scalars for 0-d results
        data = np.asarray(data)
    return Tensor.from_op(data, parents, vjp, name)


def cast(a, dtype):
    """Same values in another dtype;   dL/da = g cast back.

    The one primitive defined here rather than in ops.py (which re-exports it): the engine itself
    needs it, to give every input a gradient of its own dtype (see `_checked`), and ops.py
    imports this module, never the other way round."""
    dtype = np.dtype(dtype)
    if a.dtype == dtype:
        return a
    return apply("cast", lambda a: a.astype(dtype), lambda g, y, a: cast(g, a.dtype), a)


# ----------------------------------------------------------------------------- the engine

class _Walk:
    """The part of the graph one backward needs, in reverse topological order.

    A tensor is always created after its parents, so sorting the reachable nodes by creation
    number (`_seq`) is a topological order; no recursion, no post-order.

    With `inputs` (minigrad.grad), only nodes from which an input can be reached take part:
    a graph that an earlier backward freed is fine as long as this gradient does not need it."""

    def __init__(self, outputs, inputs):
        reached = set(outputs)
        stack = list(reached)
        freed = []
        while stack:
            node = stack.pop()
            if node._vjp is None and node._op is not None:   # an op whose vjp a backward released
                freed.append(node)
            for parent in node._parents:
                if parent.requires_grad and parent not in reached:
                    reached.add(parent)
                    stack.append(parent)
        order = sorted(reached, key=_creation_number)
        self.needed = None
        self.silent = ()        # nodes whose vjp does not run (besides leaves)
        self.delivered = None if inputs is None else set(inputs)  # None: leaves and retain_grad
        if inputs is not None:
            needed, silent = set(inputs), set()
            for node in order:
                if any(p in needed for p in node._parents):
                    needed.add(node)
                elif node in needed:
                    silent.add(node)  # an input no other input lies behind
            order = [node for node in order if node in needed]
            self.needed, self.silent = needed, silent
        order.reverse()
        self.reverse_order = order
        for node in freed:
            if self.wants(node) and node not in self.silent:
                raise AutogradError(
                    f"backward: trying to backward through the graph a second time (op '{node._op}'): "
                    "its intermediate results were freed by the first backward; "
                    "pass retain_graph=True to the first backward if you need to do this")

    def wants(self, t):
        """Does tensor t take part in this backward (needs a gradient)?"""
        return t.requires_grad and (self.needed is None or t in self.needed)





def _seed_gradients(outputs, gradients, create_graph):
    """dL/d(output) for every output: ones for a single-element output, else the given gradient."""
    grads = {}
    for output, gradient in zip(outputs, gradients):
        if not output.requires_grad:
            raise AutogradError(
                f"backward: tensor of shape {output.shape} does not require grad and has no grad_fn "
                "(did you create it under no_grad(), detach it, or forget requires_grad=True?)")
        if gradient is None:
            if output.data.size != 1:
                raise AutogradError(
                    f"backward: grad can be implicitly created only for single-element outputs, "
                    f"got shape {output.shape}; pass `gradient` (or grad_outputs) of that shape")
            seed = np.empty(output.data.shape, dtype=output.data.dtype)
            seed.fill(1)
        else:
            seed = gradient if (create_graph and isinstance(gradient, Tensor)) else as_array(value(gradient), output.dtype)
            if seed.shape != output.shape:
                raise AutogradError(f"backward: gradient has shape {seed.shape} but the output has shape {output.shape}")
        if create_graph and not isinstance(seed, Tensor):
            seed = Tensor(seed)
        grads[output] = seed if output not in grads else grads[output] + seed
    return grads


def _run_hooks(node, g, create_graph):
    """Apply node's hooks to its gradient g; a hook returning a Tensor replaces g."""
    for hook in list(node._hooks):
        replaced = hook(g if create_graph else Tensor(g))
        if replaced is not None:
            g = lift(replaced) if create_graph else value(replaced)
    return g


def _checked(node, parent, g):
    """The gradient an op hands to `parent`: the parent's shape, and its dtype (cast if the op
    promoted, e.g. float32 * float64: a float32 leaf still gets a float32 .grad)."""
    if g.shape != parent.data.shape:
        raise AutogradError(f"backward: op '{node._op}' returned a gradient of shape {g.shape} "
                            f"for an input of shape {parent.shape}")
    if g.dtype != parent.data.dtype:
        g = cast(g, parent.data.dtype)
    return g


def _propagate(walk, grads, create_graph, retain_graph, deliver):
    """The chain rule, node by node in reverse topological order: take the node's gradient,
    hand it to `deliver` if the node is a leaf, retains its grad, or is an input of grad(); then
    push the vjp's gradients to the parents."""
    needed, silent, delivered = walk.needed, walk.silent, walk.delivered
    for node in walk.reverse_order:
        g = grads.pop(node, None)
        if g is None:
            continue
        if node._hooks:
            g = _run_hooks(node, g, create_graph)
        if (node._op is None or node._retains_grad) if delivered is None else node in delivered:
            deliver(node, g)
        vjp, parents = node._vjp, node._parents
        if vjp is None or node in silent:
            continue
        if create_graph:
            parent_grads = (vjp(g, node, parents[0]),) if len(parents) == 1 else \
                vjp(g, node, *parents, need=[walk.wants(p) for p in parents])
        elif len(parents) == 1:
            parent_grads = (vjp(g, node.data, parents[0].data),)
        else:
            need = list(map(_requires_grad, parents)) if needed is None else [walk.wants(p) for p in parents]
            parent_grads = vjp(g, node.data, *map(_data, parents), need=need)
        for parent, pg in zip(parents, parent_grads):
            if pg is None or not parent.requires_grad or (needed is not None and parent not in needed):
                continue
            if pg.shape != parent.data.shape or pg.dtype != parent.data.dtype:
                pg = _checked(node, parent, pg)
            grads[parent] = pg if parent not in grads else grads[parent] + pg
        if not retain_graph:
            node._vjp = None      # the graph is freed: a second backward through it is an error


def _owned(array, seen):
    """A gradient stored in `.grad` gets its own writable array (vjps may share arrays)."""
    if id(array) in seen or not array.flags.owndata or not array.flags.writeable:
        array = array.copy()
    seen.add(id(array))
    return array


def run_backward(outputs, gradients, retain_graph, create_graph, inputs):
    """Backpropagate from `outputs`. With `inputs` None, accumulate into `.grad` of leaves (and of
    tensors that called retain_grad); otherwise return the gradients of `inputs` (a list)."""
    if retain_graph is None:
        retain_graph = create_graph
    grads = _seed_gradients(outputs, gradients, create_graph)
    walk = _Walk(outputs, inputs)
    seen = set()
    results = None if inputs is None else [None] * len(inputs)
    positions = None if inputs is None else {t: i for i, t in enumerate(inputs)}

    def deliver(node, g):
        if positions is not None:
            results[positions[node]] = g if create_graph else Tensor(g)
        elif create_graph:
            node._grad = g if node._grad is None else node._grad + g
        elif node._grad is None:
            node._grad = Tensor(_owned(g, seen))
        else:
            node._grad = Tensor(node._grad.data + g)

    with set_grad_enabled(create_graph):
        _propagate(walk, grads, create_graph, retain_graph, deliver)
    return results


def grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None, allow_unused=False):
    """Gradients of `outputs` (contracted with `grad_outputs`) w.r.t. `inputs`, as a tuple of Tensors.

    Like torch.autograd.grad: nothing is accumulated into `.grad`, and only the part of the graph
    between the outputs and the inputs is used. With create_graph=True the returned gradients are
    themselves differentiable (needed for gradient penalties).
    """
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    elif isinstance(grad_outputs, (Tensor, np.ndarray)):
        grad_outputs = (grad_outputs,)
    if len(grad_outputs) != len(outputs):
        raise AutogradError(f"grad: got {len(grad_outputs)} grad_outputs for {len(outputs)} outputs")
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise AutogradError(f"grad: input {i} does not require grad")
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    for i, r in enumerate(results):
        if r is None and not allow_unused:
            raise AutogradError(f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the "
                                "outputs; pass allow_unused=True to get None for it")
    return tuple(results)


def backward(self, gradient=None, retain_graph=None, create_graph=False):
    """Accumulate d(self)/d(leaf), contracted with `gradient`, into `.grad` of every leaf that
    requires grad. `gradient` may be omitted only for a single-element tensor."""
    run_backward((self,), (gradient,), retain_graph, create_graph, inputs=None)


Tensor.backward = backward
