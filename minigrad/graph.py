"""Look at a computational graph: list its ops, trace the path from a loss to a tensor, export DOT.

Everything here only reads the graph recorded by the ops (`_parents`, `_op`); call it before
backward(), which frees the graph unless retain_graph=True.
"""
from .tensor import Tensor


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


def _label(node, names):
    name = names.get(id(node))
    if node._op is not None:
        return f"{node._op} {node.shape}"
    return f"{name or ('input' if not node.requires_grad else 'leaf')} {node.shape}"


def parameter_names(module):
    """id(tensor) -> dotted name for every parameter of an nn.Module (to label graph leaves)."""
    return {id(p): name for name, p in module.named_parameters()}


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
    """Graphviz DOT text of the graph (ops as boxes, leaves as ellipses, parameters highlighted).
    Render with `dot -Tpng graph.dot -o graph.png` where Graphviz is installed."""
    if not isinstance(root, Tensor):
        raise TypeError(f"to_dot: expected a Tensor, got {type(root).__name__}")
    names = names or {}
    lines = [f'digraph "{title}" {{', "  rankdir=BT;", '  node [fontname="Helvetica", fontsize=10];']
    for node in _nodes(root):
        label = _label(node, names).replace('"', "'")
        if node._op is not None:
            style = 'shape=box, style=filled, fillcolor="#dde8f7"'
        elif id(node) in names:
            style = 'shape=ellipse, style=filled, fillcolor="#f7e3c6"'
        else:
            style = "shape=ellipse"
        lines.append(f'  n{id(node)} [label="{label}", {style}];')
        for parent in node._parents:
            lines.append(f"  n{id(parent)} -> n{id(node)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
