"""minigrad.graph: parameter names with a module prefix, and a DOT export that marks parameters."""
import re

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.graph import PARAMETER_COLOUR, parameter_names, summary, to_dot, trace_path


def gan_graph():
    rng = np.random.default_rng(0)
    G = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.Tanh(), nn.Linear(3, 2, rng=rng))
    D = nn.Sequential(nn.Linear(2, 3, rng=rng), nn.Tanh(), nn.Linear(3, 1, rng=rng))
    z = mg.tensor(rng.standard_normal((4, 2)), dtype=np.float32)
    loss = D(G(z)).mean()
    return G, D, z, loss


def dot_nodes(dot):
    """label -> attribute text for every node line of a DOT text."""
    return {m.group(1): m.group(2) for m in re.finditer(r'\[label="([^"]*)", ([^\]]*)\];', dot)}


def test_parameter_names_carry_the_module_prefix():
    G, D, _, _ = gan_graph()
    names = {**parameter_names(G, "G"), **parameter_names(D, "D")}
    assert sorted(names.values()) == sorted([f"{m}.{i}.{k}" for m in "GD" for i in (0, 2) for k in ("weight", "bias")])
    assert names[id(G[0].weight)] == "G.0.weight" and names[id(D[0].weight)] == "D.0.weight"
    assert parameter_names(G, "")[id(G[0].weight)] == "0.weight"


def test_dot_labels_parameters_by_name_in_their_own_colour():
    G, D, z, loss = gan_graph()
    names = {**parameter_names(G, "G"), **parameter_names(D, "D"), id(z): "z"}
    nodes = dot_nodes(to_dot(loss, names))
    parameters = {label: style for label, style in nodes.items() if PARAMETER_COLOUR in style}
    assert sorted(parameters) == sorted(f"{n} {p.shape}" for m, prefix in ((G, "G"), (D, "D"))
                                        for n, p in ((f"{prefix}.{k}", v) for k, v in m.named_parameters()))
    assert "G.0.weight (3, 2)" in parameters and "D.2.bias (1,)" in parameters
    assert "z (4, 2)" in nodes and PARAMETER_COLOUR not in nodes["z (4, 2)"]  # an input, not a parameter
    ops = [style for label, style in nodes.items() if "box" in style]
    assert ops and not any(PARAMETER_COLOUR in style for style in ops)


def test_unnamed_parameters_are_still_marked_as_parameters():
    _, _, _, loss = gan_graph()
    nodes = dot_nodes(to_dot(loss))
    assert any(label.startswith("parameter (3, 2)") and PARAMETER_COLOUR in style for label, style in nodes.items())
    assert not any(label.startswith("leaf") for label in nodes)


def test_trace_path_and_summary_use_the_names():
    G, D, z, loss = gan_graph()
    names = parameter_names(G, "G")
    path = trace_path(loss, G[0].weight)
    assert path[0] is loss and path[-1] is G[0].weight
    assert "G.0.weight (3, 2)" in summary(loss, names)
