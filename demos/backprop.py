"""One generator step made visible: every number through D(G(z)), by hand and by minigrad, and the graph.

The lesson
----------
G learns only through D. For the non-saturating loss L = -log D(G(z)) the chain rule runs

    z -> G's layers -> x = G(z) -> D's layers -> logit l -> D = sigmoid(l) -> L

forward, then backward in the opposite order:

    dL/dl = D(G(z)) - 1                           (since L = -log sigmoid(l) = softplus(-l))
    dL/dx = dL/dl * dl/dx                         the gradient D hands back to G, at G(z)
    dL/d(G's weights) = dL/dx * dx/d(weights)     what G's optimizer uses

The tiny worked example (both networks 1-2-1 with tanh, weights written below) prints every forward
value and every gradient twice: from the formulas, computed here with NumPy, and from minigrad's
backward(), and asserts that they agree. Check any line with a pocket calculator.

Why D's parameters get gradients but are not stepped: backward() follows every edge of the graph,
and D's weights are leaves of it, so dL/dV etc. are computed (and printed below); but only G's
optimizer steps after G's loss. The next D step starts with zero_grad(), so these values are
thrown away. (gan.train's generator step asks minigrad.grad for G's parameters only, which skips
this work; inspect_step and this lesson call backward() to show it.) After one SGD step on G the
lesson shows G's weights moved, D's did not, and D(G(z)) went up.

Then the same on the real-sized curve GAN of the parabola tutorial (G 5-128-15, D 15-128-1, batch 64) through
gan.inspection: per-layer gradient norms of D and G and the gradient at G(z), for the saturating and
the non-saturating G loss. G is untrained and D has been trained alone for 200 steps, so it rejects
G's samples (D(G(z)) ~ 1e-3), as early in a real run: the saturating loss hands G a gradient about
1/D(G(z)) times smaller (the saturation lesson shows why).

What to look at
---------------
* ``worked_example.txt``: every forward value and gradient of the tiny example twice, from the
  formulas and from minigrad's backward(), agreeing to ~1e-16; the row "dL/dx ... (D hands this to
  G)" is the gradient at G(z) that G learns from.
* ``graph.dot``: the graph of the tiny generator loss, ops as boxes, parameters G.0.weight ...
  D.2.bias in orange; graph.png is its picture where Graphviz is installed (else paste graph.dot
  into any Graphviz viewer).
* ``gradient_norms.png``: per-layer gradient norms of the real-sized G under both G losses (log
  scale: they differ by hundreds of times) and of D (linear scale from 0): with a confident D the
  saturating loss starves every layer of G.

Outputs
  worked_example.txt   the worked example and the real-sized tables (also printed)
  graph.dot            the computational graph of the tiny generator loss, Graphviz DOT text with the
                       parameters named (G.0.weight, ..., D.2.bias); render: dot -Tpng graph.dot -o graph.png
  graph.png            that picture, only where the `dot` program of Graphviz is installed
  gradient_norms.png   per-layer gradient norms of the real-sized G (both G losses, log scale) and D (linear)

Settings: the tiny example is fixed (z = 0.5 and the weights below, float64), so every run prints the
same numbers; the real-sized models use --seed. The only training is the real-sized D's 200 steps
alone; --steps and --quick change nothing.

metrics.json
  worked_example                    name -> value (list) of every quantity of the tiny example
  max_abs_diff_hand_vs_engine       max |formula - minigrad| over all of them (float64: ~1e-16)
  d_fake_before_step, d_fake_after_step   D(G(z)) of the tiny example before / after one SGD step on G
  d_params_unchanged                True if D's weights are identical after G's step
  real_pretrain_steps               steps D alone was trained before the real-sized reports (200 unless Ctrl-C)
  real_g_grad_norms, real_d_grad_norms    {loss: {parameter: norm}} for the real-sized models
  real_fake_grad_norm_mean          {loss: mean over the batch of ||dL_G/dG(z_i)||}
  real_d_fake                       {loss: mean D(G(z))} on the inspected batch
  graph_png                         True if graph.png was drawn (Graphviz found; set by report, not run)
  interrupted, stopped_at           true and "D pretraining step N of 200" when Ctrl-C cut the pretraining short
  seconds                           wall time of the worked example, the pretraining and the reports
"""
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

import minigrad as mg
from gan import data, interrupt, losses
from gan.inspection import format_report, inspect_step
from gan.progress import ProgressBar
from minigrad import nn, optim
from minigrad.graph import parameter_names, to_dot

from demos import common, saturation

# The tiny example. Weights are (out_features, in_features) as in nn.Linear: h = tanh(z W1^T + b1).
Z = 0.5
G_WEIGHTS = {"0.weight": [[1.0], [-2.0]], "0.bias": [0.5, 0.0],     # W1, b1: hidden pre-activation
             "2.weight": [[1.5, -1.0]], "2.bias": [0.2]}            # W2, b2: x = G(z)
D_WEIGHTS = {"0.weight": [[0.8], [-1.2]], "0.bias": [0.1, -0.3],    # V1, c1
             "2.weight": [[2.0, 1.0]], "2.bias": [-1.0]}            # V2, c2: the logit
G_STEP_LR = 0.1
#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08
MEASURED_SECONDS = {"default": 2, "quick": 2}
TOLERANCE = 1e-10
REAL_D_PRETRAIN_STEPS = 200


def tiny_models():
    """G and D, both Linear(1, 2) - tanh - Linear(2, 1), in float64 with the weights above: a plain
    Sequential (not the fused MLP), so that every layer's output is a tensor of its own."""
    generator = nn.Sequential(nn.Linear(1, 2), nn.Tanh(), nn.Linear(2, 1)).double()
    discriminator = nn.Sequential(nn.Linear(1, 2), nn.Tanh(), nn.Linear(2, 1)).double()
    generator.load_state_dict({k: np.array(v, dtype=np.float64) for k, v in G_WEIGHTS.items()})
    discriminator.load_state_dict({k: np.array(v, dtype=np.float64) for k, v in D_WEIGHTS.items()})
    return generator, discriminator


def by_hand(z):
    """Every forward value and gradient of L = -log sigmoid(D(G(z))) from the formulas, in NumPy.

    Row vectors, as the engine stores them: a hidden layer of 2 units is an array of shape (1, 2).
    """
    W1, b1 = np.array(G_WEIGHTS["0.weight"]), np.array(G_WEIGHTS["0.bias"])
    W2, b2 = np.array(G_WEIGHTS["2.weight"]), np.array(G_WEIGHTS["2.bias"])
    V1, c1 = np.array(D_WEIGHTS["0.weight"]), np.array(D_WEIGHTS["0.bias"])
    V2, c2 = np.array(D_WEIGHTS["2.weight"]), np.array(D_WEIGHTS["2.bias"])
    z = np.array([[z]])
    v = {}
    # forward
    v["G hidden pre-activation u = W1 z + b1"] = u = z @ W1.T + b1
    v["G hidden h = tanh(u)"] = h = np.tanh(u)
    v["x = G(z) = W2 h + b2"] = x = h @ W2.T + b2
    v["D hidden pre-activation s = V1 x + c1"] = s = x @ V1.T + c1
    v["D hidden a = tanh(s)"] = a = np.tanh(s)
    v["logit l = V2 a + c2"] = logit = a @ V2.T + c2
    v["D(G(z)) = sigmoid(l)"] = d = 1.0 / (1.0 + np.exp(-logit))
    v["L = -log D(G(z))"] = float(-np.log(d[0, 0]))  # a scalar, as the loss tensor is
    # backward: each line is (gradient of the line below) * (local derivative)
    v["dL/dl = D(G(z)) - 1"] = g_logit = d - 1.0
    v["dL/dc2 = dL/dl"] = g_logit.sum(axis=0)
    v["dL/dV2 = dL/dl * a"] = g_logit.T @ a
    v["dL/da = dL/dl * V2"] = g_a = g_logit @ V2
    v["dL/ds = dL/da * (1 - a^2)"] = g_s = g_a * (1.0 - a**2)
    v["dL/dc1 = dL/ds"] = g_s.sum(axis=0)
    v["dL/dV1 = dL/ds * x"] = g_s.T @ x
    v["dL/dx = dL/ds . V1   (D hands this to G)"] = g_x = g_s @ V1
    v["dL/db2 = dL/dx"] = g_x.sum(axis=0)
    v["dL/dW2 = dL/dx * h"] = g_x.T @ h
    v["dL/dh = dL/dx * W2"] = g_h = g_x @ W2
    v["dL/du = dL/dh * (1 - h^2)"] = g_u = g_h * (1.0 - h**2)
    v["dL/db1 = dL/du"] = g_u.sum(axis=0)
    v["dL/dW1 = dL/du * z"] = g_u.T @ z
    return v


def by_engine(generator, discriminator, z):
    """The same quantities from minigrad: forward layer by layer, one backward(), then read .grad.

    Returns (values, loss graph as DOT text)."""
    z = mg.tensor([[z]], dtype=np.float64)
    u = generator[0](z)
    h = generator[1](u)
    x = generator[2](h)
    s = discriminator[0](x)
    a = discriminator[1](s)
    logit = discriminator[2](a)
    loss = losses.nonsaturating_generator_loss(logit)
    for t in (u, h, x, s, a, logit):
        t.retain_grad()  # keep the gradient of these intermediate tensors (leaves keep theirs anyway)
    names = {id(z): "z", **parameter_names(generator, "G"), **parameter_names(discriminator, "D")}
    dot = to_dot(loss, names, title="generator loss -log D(G(z))")  # before backward(), which frees the graph
    loss.backward()
    gp, dp = dict(generator.named_parameters()), dict(discriminator.named_parameters())
    values = [u.data, h.data, x.data, s.data, a.data, logit.data, mg.sigmoid(logit).data, loss.data,
              logit.grad.data, dp["2.bias"].grad.data, dp["2.weight"].grad.data, a.grad.data, s.grad.data,
              dp["0.bias"].grad.data, dp["0.weight"].grad.data, x.grad.data,
              gp["2.bias"].grad.data, gp["2.weight"].grad.data, h.grad.data, u.grad.data,
              gp["0.bias"].grad.data, gp["0.weight"].grad.data]
    return values, dot


def _fmt(array):
    return "[" + ", ".join(f"{v:+.8f}" for v in np.ravel(array)) + "]"


def worked_example_text(hand, engine):
    width = max(len(name) for name in hand)
    lines = [f"tiny G and D (1-2-1, tanh), z = {Z}; weights: G {G_WEIGHTS}; D {D_WEIGHTS}", "",
             f"{'quantity':<{width}}  {'by hand (NumPy, formulas)':<30}  {'minigrad':<30}  max |diff|"]
    diffs = []
    for (name, value), engine_value in zip(hand.items(), engine):
        if np.shape(value) != np.shape(engine_value):
            raise AssertionError(f"{name}: shape {np.shape(value)} by hand but {np.shape(engine_value)} in minigrad")
        diff = float(np.max(np.abs(value - engine_value)))
        diffs.append(diff)
        if name.startswith("dL/dl "):
            lines.append("-- backward --")
        lines.append(f"{name:<{width}}  {_fmt(value):<30}  {_fmt(engine_value):<30}  {diff:.1e}")
    return "\n".join(lines), max(diffs)


def one_generator_step(generator, discriminator):
    """One SGD step on G after backward(): G's weights move, D's do not (its grads are just ignored)."""
    d_before = {n: p.data.copy() for n, p in discriminator.named_parameters()}
    optim.SGD(generator.parameters(), lr=G_STEP_LR).step()
    unchanged = all(np.array_equal(d_before[n], p.data) for n, p in discriminator.named_parameters())
    with mg.no_grad():
        d_after = float(mg.sigmoid(discriminator(generator(mg.tensor([[Z]], dtype=np.float64)))).item())
    return d_after, unchanged


def real_sized_reports(seed, pretrain_steps=REAL_D_PRETRAIN_STEPS):
    """gan.inspection on the parabola tutorial's curve GAN, one batch, both G losses, after D alone was trained
    for a moment (as in the saturation lesson) so that it rejects G's samples, as early in training.
    Ctrl-C under the lesson runner cuts the pretraining short. Returns ({loss: report}, D steps done)."""
    generator, discriminator = saturation.build_models(np.random.default_rng(seed))
    progress = ProgressBar(pretrain_steps)
    _, done = saturation.pretrain_discriminator(generator, discriminator, pretrain_steps, seed, progress)
    progress.close()
    rng = np.random.default_rng([seed, 1])
    real = data.curves(64, rng)
    z = rng.standard_normal((64, 5)).astype(np.float32)
    reports = {loss: inspect_step(generator, discriminator, real, z, loss=loss) for loss in ("minimax", "nonsaturating")}
    return reports, done


def draw_graph(dot_path, png_path):
    """Render graph.dot with Graphviz where the `dot` program exists. Returns None if graph.png was
    written, else the reason it was not."""
    program = shutil.which("dot")
    if program is None:
        return "Graphviz's `dot` program is not installed"
    result = subprocess.run([program, "-Tpng", str(dot_path), "-o", str(png_path)], capture_output=True, timeout=60)
    if result.returncode != 0 or not png_path.exists():
        return f"`dot` failed: {result.stderr.decode(errors='replace').strip()}"
    return None


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current step, also when run is called alone
def run(seed=0, pretrain_steps=REAL_D_PRETRAIN_STEPS):
    """The tiny worked example (by hand and by minigrad; raises AssertionError if they disagree), one SGD
    step on its G, and gan.inspection reports of the real-sized curve GAN after D alone was trained for
    `pretrain_steps` steps. Returns a Result with `metrics` (metrics.json, but for graph_png, which
    report adds), `text` (worked_example.txt), `dot` (graph.dot) and `reports` ({loss: the
    gan.inspection report}). Ctrl-C under the lesson runner cuts the pretraining short."""
    started = time.perf_counter()
    generator, discriminator = tiny_models()
    hand = by_hand(Z)
    engine, dot = by_engine(generator, discriminator, Z)
    table, max_diff = worked_example_text(hand, engine)
    if not max_diff < TOLERANCE:
        raise AssertionError(f"hand and engine disagree by {max_diff:.3e} (> {TOLERANCE:g})")
    d_before = float(np.ravel(hand["D(G(z)) = sigmoid(l)"])[0])
    d_grads = [n for n in hand if n.startswith(("dL/dV", "dL/dc"))]
    d_after, d_unchanged = one_generator_step(generator, discriminator)
    step_text = (f"\nD's parameters received gradients too ({', '.join(d_grads)}), but only G's optimizer steps.\n"
                 f"one SGD step on G (lr {G_STEP_LR}): D(G(z)) {d_before:.6f} -> {d_after:.6f}; "
                 f"D's weights unchanged: {d_unchanged}")

    print(f"training the real-sized D alone for {pretrain_steps} steps, so that it rejects G's samples ...")
    reports, pretrained = real_sized_reports(seed, pretrain_steps)
    stopped = f" (of {pretrain_steps}: Ctrl-C)" if pretrained < pretrain_steps else ""
    real_text = "\n\n".join(format_report(r) for r in reports.values())
    text = (f"{table}\nall {len(hand)} numbers agree: max |hand - engine| = {max_diff:.1e}\n{step_text}\n\n"
            f"=== the same step on the real-sized curve GAN (G 5-128-15, D 15-128-1, batch 64), untrained G,\n"
            f"    D trained alone for {pretrained} steps{stopped} so that it rejects G's samples ===\n"
            f"{real_text}\n")
    metrics = {
        "worked_example": {name: np.ravel(value) for name, value in hand.items()},
        "max_abs_diff_hand_vs_engine": max_diff,
        "d_fake_before_step": d_before,
        "d_fake_after_step": d_after,
        "d_params_unchanged": d_unchanged,
        "real_pretrain_steps": pretrained,
        "real_g_grad_norms": {loss: dict(r.g_grad_norms) for loss, r in reports.items()},
        "real_d_grad_norms": {loss: dict(r.d_grad_norms) for loss, r in reports.items()},
        "real_fake_grad_norm_mean": {loss: float(r.fake_grad_norms.mean()) for loss, r in reports.items()},
        "real_d_fake": {loss: r.d_fake for loss, r in reports.items()},
        **common.stop_state(pretrained, pretrain_steps, "D pretraining step"),
        "seconds": time.perf_counter() - started,
    }
    return common.Result(metrics=metrics, text=text, dot=dot, reports=reports)


def report(result, out, show=False):
    """Write worked_example.txt, graph.dot (and graph.png where Graphviz is installed),
    gradient_norms.png and metrics.json to `out`; print the worked example."""
    out = Path(out)
    print(result.text)
    (out / "worked_example.txt").write_text(result.text)
    (out / "graph.dot").write_text(result.dot)
    not_drawn = draw_graph(out / "graph.dot", out / "graph.png")
    result.metrics["graph_png"] = not_drawn is None
    if not_drawn:
        print(f"graph.png not drawn ({not_drawn}); graph.dot is written, paste it into any Graphviz viewer")
    paths = [out / "worked_example.txt", out / "graph.dot"] + ([out / "graph.png"] if not_drawn is None else [])
    paths += common.save_figures(out, [("gradient_norms.png", figure_gradient_norms(common.pyplot(), result))], show)
    paths.append(common.write_metrics(out, result.metrics))
    return paths


def main(argv=None):
    parser = common.make_parser("backprop", __doc__.splitlines()[0])
    args = parser.parse_args(argv)
    return common.run_lesson(args, lambda: run(args.seed), report)


def _label_bars(ax, bars, values):
    for bar, value in zip(bars, values):
        ax.annotate(f"{value:.1e}", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center",
                    va="bottom", fontsize=7, xytext=(0, 1), textcoords="offset points")


def figure_gradient_norms(plt, result):
    """Per-layer gradient norms of the real-sized G (both G losses, log scale: they differ by
    hundreds of times) and of D (its own loss, linear scale from 0: all within a few times)."""
    reports, pretrained = result.reports, result.metrics["real_pretrain_steps"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    width = 0.38
    for k, (loss, report) in enumerate(reports.items()):
        label = {"minimax": "saturating log(1 - D(G(z)))", "nonsaturating": "non-saturating -log D(G(z))"}[loss]
        norms = report.g_grad_norms
        bars = left.bar(np.arange(len(norms)) + (k - 0.5) * width, list(norms.values()), width, label=label,
                        color=f"C{3 * (1 - k)}")
        _label_bars(left, bars, norms.values())
        left.set_xticks(np.arange(len(norms)), [f"G.{n}" for n in norms])
    d_norms = next(iter(reports.values())).d_grad_norms  # D's loss does not involve G's loss
    bars = right.bar(np.arange(len(d_norms)), list(d_norms.values()), 2 * width, color="0.5")
    _label_bars(right, bars, d_norms.values())
    right.set_xticks(np.arange(len(d_norms)), [f"D.{n}" for n in d_norms])
    left.set_title("G: gradient of G's loss, through D (log scale)")
    right.set_title("D: gradient of D's own loss (linear scale, from 0)")
    left.set_yscale("log")
    left.set_ylim(top=left.get_ylim()[1] * 3)  # room for the labels above the bars
    right.set_ylim(0, 1.15 * max(d_norms.values()))
    right.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    for ax in (left, right):
        ax.set_ylabel("gradient norm")
    left.legend(fontsize=9, loc="upper left")
    fig.suptitle(f"one step of the curve GAN (the parabola tutorial's sizes; D trained alone for {pretrained} "
                 f"steps, G untrained), per layer")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
