"""Look at a computational graph: list its ops, trace the path from a loss to a tensor, export DOT.

Everything here only reads what every tensor tells about itself: `grad_fn` (the name of the op that
made it, None for a leaf), `is_leaf`, `requires_grad` and its parents in the graph. Call it before
backward(), which frees the graph unless retain_graph=True.

Parameters are the leaves that require grad. Name them with `parameter_names`, one prefix per
module, so that the generator's and the discriminator's first weights read `G.0.weight` and
`D.0.weight` rather than two `0.weight`:

    names = {**parameter_names(G, "G"), **parameter_names(D, "D"), id(z): "z"}
    open("graph.dot", "w").write(to_dot(loss, names))
"""
from .tensor import Tensor

#: DOT fill colours: ops, parameters (leaves that require grad) and named inputs each have their own
OP_COLOUR = "#dde8f7"
PARAMETER_COLOUR = "#f6b26b"
INPUT_COLOUR = "#e6e6e6"


def _nodes(root):
    """All tensors reachable from `root` through recorded parents, outputs before inputs (iterative)."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(node._parents)
    return order


def is_parameter(node):
    """A leaf that requires grad: what an optimizer updates (or an input asked for its gradient)."""
    return node.is_leaf and node.requires_grad


def _label(node, names):
    name = names.get(id(node))
    if not node.is_leaf:
        return f"{name} = {node.grad_fn} {node.shape}" if name else f"{node.grad_fn} {node.shape}"
    return f"{name or ('parameter' if node.requires_grad else 'input')} {node.shape}"


def parameter_names(module, prefix):
    """id(tensor) -> 'prefix.dotted.name' for every parameter of an nn.Module (to label graph leaves).

    parameter_names(G, "G") gives 'G.0.weight', 'G.0.bias', ...; merge the dicts of several modules.
    prefix="" gives the module's own names ('0.weight'), which collide between two modules."""
    return {id(p): f"{prefix}.{name}" if prefix else name for name, p in module.named_parameters()}


def trace_path(output, target):
    """The chain of tensors from `output` back to `target` (a list starting at output), or None.

    This is the route the chain rule takes: dL/dtarget is the product of the local vjps along it
    (summed over all such routes)."""
    parent_of = {id(output): None}
    stack = [output]
    while stack:
        node = stack.pop()
        if node is target:
            path = []
            while node is not None:
                path.append(node)
                node = parent_of[id(node)]
            return path[::-1]
        for p in node._parents:
            if id(p) not in parent_of:
                parent_of[id(p)] = node
                stack.append(p)
    return None


def format_path(path, names=None):
    """'loss <- mean <- ... <- weight' as text."""
    names = names or {}
    return "\n  <- ".join(_label(node, names) for node in path)


def summary(root, names=None):
    """One line per tensor in the graph: its op (or leaf name), shape and inputs."""
    names = names or {}
    nodes = _nodes(root)
    index = {id(n): i for i, n in enumerate(nodes)}
    lines = []
    for i, node in enumerate(nodes):
        inputs = ", ".join(f"#{index[id(p)]}" for p in node._parents)
        lines.append(f"#{i:<3} {_label(node, names):<40} {'<- ' + inputs if inputs else ''}".rstrip())
    return "\n".join(lines)


def to_dot(root, names=None, title="graph"):
    """Graphviz DOT text of the graph: ops as blue boxes, parameters (leaves that require grad) as
    orange ellipses labelled with their `names` (e.g. from parameter_names), other named leaves grey.
    Render with `dot -Tpng graph.dot -o graph.png` where Graphviz is installed."""
    if not isinstance(root, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(root).__name__}")
    names = names or {}
    lines = [f'digraph "{title}" {{', "  rankdir=BT;", '  node [fontname="Helvetica", fontsize=10];']
    for node in _nodes(root):
        label = _label(node, names).replace('"', "'")
        if not node.is_leaf:
            style = f'shape=box, style=filled, fillcolor="{OP_COLOUR}"'
        elif is_parameter(node):
            style = f'shape=ellipse, style="filled,bold", fillcolor="{PARAMETER_COLOUR}"'
        elif id(node) in names:
            style = f'shape=ellipse, style=filled, fillcolor="{INPUT_COLOUR}"'
        else:
            style = "shape=ellipse"
        lines.append(f'  n{id(node)} [label="{label}", {style}];')
        for parent in node._parents:
            lines.append(f"  n{id(parent)} -> n{id(node)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
