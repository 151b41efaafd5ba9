"""Saturating log(1 - D(G(z))) vs non-saturating -log D(G(z)): why G's gradient vanishes early in training.

The lesson
----------
Sources: the notes on GAN training problems ("vanishing gradients") and the textbook's Algorithm 13.1.

The discriminator outputs a logit l and D = sigmoid(l). G can minimise either

    saturating      L_sat = log(1 - D)     (the original minimax game)
    non-saturating  L_ns  = -log D         (the "log D trick")

Both push D(G(z)) up, but look at their slopes. With dD/dl = D (1 - D):

                    dL/dD            dL/dl = dL/dD * D (1 - D)
    saturating      -1 / (1 - D)     -D
    non-saturating  -1 / D           -(1 - D)

Early in training the fakes are bad and D rejects them confidently: D(G(z)) -> 0. Then the
saturating loss's slope with respect to D stays near -1, but the sigmoid is flat there
(D (1 - D) ~ D), so the gradient that reaches the logit is -D -> 0, and everything G receives
is a multiple of it (the chain rule passes dL/dl back through D's layers into G). The
non-saturating loss has slope -1/D, which exactly cancels the flat sigmoid: dL/dl = -(1 - D) -> -1.
Same fixed points, very different signal when G is worst.

What to look at
---------------
* ``closed_form.png``: the two losses, |dL/dD| and |dL/dl| against D(G(z)) in (0, 1), log scales;
  the left end is early training, where the saturating |dL/dl| falls on the line D itself, to 0.
* ``measured.png``: real backprop on minigrad (gan.train.Trainer, the parabola tutorial's curve
  GAN), both losses from the same start: in the first steps (shaded) the gradient at G's first
  layer is hundreds of times smaller under the saturating loss.
* ``metrics.json``: grad_norm_ratio, the median non-saturating / saturating gradient norm over the
  first steps (large when D is confident), and d_fake_after_pretraining, how confident D was.

More on measured.png. It shows the norm of the gradient at G's first layer (the weight of the first
Linear) at every generator step, and the mean D(G(z)) over the same steps. The saturating gradient
then catches up: Adam divides every update by a running average of the gradient's size, so even a
tiny gradient moves G by about lr per step, the fakes improve, D(G(z)) rises and the saturating
loss leaves its flat end (this is also why the two D(G(z)) curves start out almost the same). With
plain SGD a gradient 1000x smaller means a step 1000x smaller; Adam hides the symptom, it does not
change the slope of the loss.

Settings and why
  Data and models as in the parabola tutorial: curves y = a x^2 + a - 1, G 5-128-15, D 15-128-1 (ReLU), batch 64,
  Adam lr 1e-4 for both players in the measured run (the tutorial's optimiser).
  Before the comparison D alone is trained for 200 steps (Adam lr 3e-3) against the
  untrained G, so that it rejects the fakes confidently (D(G(z)) ~ 1e-3): the situation early in a
  real run, made sharp. Both runs then start from exactly these weights and use the same seed,
  so they see the same data and noise; only the G loss differs. They are trained side by side, one
  step of each in turn, so that a run stopped by Ctrl-C leaves both with the same number of steps.
  --steps N sets the number of measured training iterations (default 200; --quick 30); the medians
  below are over the first 20 of them.

metrics.json
  closed_form_check_max_diff     max |closed-form dL/dl - minigrad's dL/dl| over a grid of D values
                                 (for both losses; float64, so ~1e-16)
  pretrain_steps                 D-only steps done before the comparison (200 unless Ctrl-C came first)
  d_fake_after_pretraining       mean D(G(z)) when the comparison starts
  steps, steps_planned           measured training iterations per loss: done, and asked for
  grad_norm_saturating, grad_norm_nonsaturating
                                 ||dL_G / dW|| of G's first layer at each step
  first_steps                    the medians and the ratio use steps 1 .. first_steps
  median_grad_norm_saturating, median_grad_norm_nonsaturating
                                 their medians over the first steps
  grad_norm_ratio                median non-saturating / median saturating (large when D is confident)
  d_fake_saturating, d_fake_nonsaturating
                                 mean D(G(z)) at each step of each run
  interrupted, stopped_at        true and "measured step N of M" (or "pretraining step N of 200 ...")
                                 when Ctrl-C stopped the run; the medians then use the steps done
                                 (null when there were none)
  seconds                        wall time of the training and the measurements
"""
import time

import numpy as np

import minigrad as mg
from gan import data, interrupt, losses, models
from gan.progress import ProgressBar
from gan.train import Trainer, TrainConfig

from demos import common

#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08
MEASURED_SECONDS = {"default": 2, "quick": 2}
DEFAULT_STEPS, QUICK_STEPS = 200, 30
FIRST_STEPS = 20  # the medians are taken over these first steps, while D is still confident
PRETRAIN_STEPS = 200
PRETRAIN_LR = 3e-3
LOSSES = {"saturating": "minimax", "nonsaturating": "nonsaturating"}  # name here -> TrainConfig.loss


# ----------------------------------------------------------------------------- (a) closed form

def closed_form(d_fake):
    """Values and slopes of both G losses at D(G(z)) = d_fake (arrays in (0, 1))."""
    return {
        "saturating": {"loss": np.log1p(-d_fake), "d_dD": -1.0 / (1.0 - d_fake), "d_dlogit": -d_fake},
        "nonsaturating": {"loss": -np.log(d_fake), "d_dD": -1.0 / d_fake, "d_dlogit": -(1.0 - d_fake)},
    }


def engine_logit_gradient(loss_fn, d_fake):
    """dL/dl from minigrad's backward, one logit per value of D (float64)."""
    logits = mg.tensor(np.log(d_fake) - np.log1p(-d_fake), requires_grad=True, dtype=np.float64)
    loss = loss_fn(logits) * float(len(d_fake))  # the losses are means: undo the 1/n
    loss.backward()
    return logits.grad.data


def check_closed_form(d_fake):
    formulas = closed_form(d_fake)
    engine = {"saturating": engine_logit_gradient(losses.saturating_generator_loss, d_fake),
              "nonsaturating": engine_logit_gradient(losses.nonsaturating_generator_loss, d_fake)}
    return max(float(np.max(np.abs(formulas[name]["d_dlogit"] - engine[name]))) for name in engine)


# ----------------------------------------------------------------------------- (b) measured

def build_models(rng):
    return (models.mlp_generator(5, 15, hidden=(128,), rng=rng),
            models.mlp_discriminator(15, hidden=(128,), rng=rng))


def pretrain_discriminator(generator, discriminator, steps, seed, progress=None):
    """Train D alone (G frozen) until it rejects G's samples confidently. Stops early after Ctrl-C
    under the lesson runner. Returns (mean D(G(z)) on 1,000 samples, steps done)."""
    config = TrainConfig(loss="minimax", d_lr=PRETRAIN_LR, batch_size=64, seed=seed)
    trainer = Trainer(generator, discriminator, data.curves, config)
    done = 0
    while done < steps and not interrupt.requested():
        d_loss = trainer.discriminator_step()[0]
        done += 1
        if progress is not None:
            progress.update(done, {"d_loss": d_loss})
    return float(np.mean(trainer.discriminate(trainer.sample(1000)))), done


def measuring_trainer(loss_name, start_g, start_d, seed):
    """A Trainer from the given weights with one G loss (the tutorial's Adam lr 1e-4)."""
    generator, discriminator = build_models(np.random.default_rng(0))
    generator.load_state_dict(start_g)
    discriminator.load_state_dict(start_d)
    config = TrainConfig(loss=LOSSES[loss_name], g_lr=1e-4, d_lr=1e-4, batch_size=64, seed=seed)
    return Trainer(generator, discriminator, data.curves, config)


def measure(start_g, start_d, steps, seed, progress=None, steps_before=0):
    """Train one copy of the start per G loss, step by step side by side (so a Ctrl-C leaves both
    with the same number of steps; each has its own random stream, so the side-by-side order
    changes no number). Returns {loss: (||dL_G/dW|| of G's first layer, mean D(G(z))) per step}."""
    trainers = {name: measuring_trainer(name, start_g, start_d, seed) for name in LOSSES}
    norms = {name: [] for name in LOSSES}
    for step in range(steps):
        if interrupt.requested():
            break
        for name, trainer in trainers.items():
            trainer.train_step()  # one D step, then one G step; G's step leaves its gradients in .grad
            norms[name].append(float(np.linalg.norm(trainer.generator[0].weight.grad.data)))
        if progress is not None:
            progress.update(steps_before + step + 1, {"g_grad_sat": norms["saturating"][-1],
                                                      "g_grad_ns": norms["nonsaturating"][-1]})
    return {name: (np.array(norms[name]), np.array(trainers[name].history["d_fake"])) for name in LOSSES}


def _median(values):
    return float(np.median(values)) if len(values) else float("nan")


# ----------------------------------------------------------------------------- the lesson

D_GRID = np.concatenate([np.logspace(-4, -1, 60), np.linspace(0.1, 0.9, 33)[1:-1], 1 - np.logspace(-1, -4, 60)])


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current step, also when run is called alone
def run(steps=DEFAULT_STEPS, seed=0, pretrain_steps=PRETRAIN_STEPS):
    """Check the closed form against minigrad, pretrain D alone for `pretrain_steps` steps, then train
    from those weights under both G losses for `steps` steps each. Returns a Result with `metrics`
    (metrics.json; the arrays grad_norm_* and d_fake_* are what measured.png draws) and `d_grid`
    (the values of D(G(z)) closed_form.png is drawn on). Ctrl-C under the lesson runner stops after
    the current step; both losses then have the same number of steps."""
    started = time.perf_counter()
    check = check_closed_form(D_GRID)
    generator, discriminator = build_models(np.random.default_rng(seed))
    progress = ProgressBar(pretrain_steps + steps)
    print(f"training D alone for {pretrain_steps} steps so that it rejects the untrained G's curves ...")
    d_fake_start, pretrained = pretrain_discriminator(generator, discriminator, pretrain_steps, seed, progress)
    confident = ": D is confident, as early in a real run" if d_fake_start < 0.01 else ""
    print(f"  mean D(G(z)) = {d_fake_start:.2e}{confident}")
    if not interrupt.requested():
        print(f"now {steps} training steps from these weights under each G loss (same data, same noise):")
    runs = measure(generator.state_dict(), discriminator.state_dict(), steps, seed + 1, progress,
                   steps_before=pretrained)
    progress.close()
    done = len(runs["saturating"][0])
    if pretrained < pretrain_steps:
        stopped = {"interrupted": True, "stopped_at": f"pretraining step {pretrained} of {pretrain_steps} "
                                                      f"(before the {steps} measured steps)"}
    else:
        stopped = common.stop_state(done, steps, "measured step")

    first = min(FIRST_STEPS, done)
    median = {name: _median(norms[:first]) for name, (norms, _) in runs.items()}
    metrics = {
        "closed_form_check_max_diff": check,
        "pretrain_steps": pretrained,
        "d_fake_after_pretraining": d_fake_start,
        "steps": done,
        "steps_planned": steps,
        "first_steps": first,
        "grad_norm_ratio": median["nonsaturating"] / median["saturating"] if first else float("nan"),
    }
    for name, (norms, d_fake) in runs.items():
        metrics[f"grad_norm_{name}"] = norms
        metrics[f"median_grad_norm_{name}"] = median[name]
        metrics[f"d_fake_{name}"] = d_fake
    metrics.update(stopped, seconds=time.perf_counter() - started)
    return common.Result(metrics=metrics, d_grid=D_GRID)


def report(result, out, show=False):
    """Write closed_form.png, measured.png and metrics.json to `out`; print the result."""
    plt = common.pyplot()
    m = result.metrics
    paths = common.save_figures(out, [("closed_form.png", figure_closed_form(plt, result.d_grid, m)),
                                      ("measured.png", figure_measured(plt, m))], show)
    paths.append(common.write_metrics(out, m))
    d = m["d_fake_after_pretraining"]
    print(f"\nclosed-form dL/dlogit vs minigrad backward: max |diff| = {m['closed_form_check_max_diff']:.1e}")
    if not m["first_steps"]:
        print("no measured step (Ctrl-C came during the pretraining of D)")
        return paths
    print(f"median gradient norm at G's first layer over the first {m['first_steps']} steps:")
    print(f"  saturating     log(1 - D(G(z))): {m['median_grad_norm_saturating']:.3e}")
    print(f"  non-saturating -log D(G(z))    : {m['median_grad_norm_nonsaturating']:.3e}")
    print(f"  ratio {m['grad_norm_ratio']:.0f}x   (closed form at D(G(z)) = {d:.1e}: (1 - D) / D = {(1 - d) / d:.0f}x)")
    return paths


def main(argv=None):
    parser = common.make_parser("saturation", __doc__.splitlines()[0], default_steps=DEFAULT_STEPS)
    args = parser.parse_args(argv)
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    return common.run_lesson(args, lambda: run(steps, args.seed), report)


# ----------------------------------------------------------------------------- figures

COLORS = {"saturating": "C3", "nonsaturating": "C0"}
LABELS = {"saturating": "saturating  log(1 - D(G(z)))", "nonsaturating": "non-saturating  -log D(G(z))"}


def figure_closed_form(plt, d_grid, m):
    """The two G losses, |dL/dD| and |dL/dlogit| against D(G(z)), with D(G(z)) after the pretraining."""
    formulas = closed_form(d_grid)
    d_fake_start = m["d_fake_after_pretraining"]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    panels = (("loss", "G's loss", "linear"), ("d_dD", "|dL / dD|", "log"), ("d_dlogit", "|dL / dlogit|", "log"))
    for ax, (key, title, yscale) in zip(axes, panels):
        for name in LOSSES:
            values = formulas[name][key]
            ax.plot(d_grid, values if key == "loss" else np.abs(values), color=COLORS[name], lw=2, label=LABELS[name])
        ax.axvline(d_fake_start, color="0.4", ls=":", lw=1)
        ax.set_xscale("log")
        ax.set_yscale(yscale)
        ax.set_xlabel("D(G(z))")
        ax.set_title(title)
    axes[0].text(d_fake_start, axes[0].get_ylim()[1], f" early training:\n D(G(z)) = {d_fake_start:.1e}\n"
                 f" (after {m['pretrain_steps']} D steps)", va="top", fontsize=9, color="0.3")
    axes[2].set_title("|dL / dlogit|: what flows back into D's layers and G")
    axes[2].annotate("saturating: |dL/dl| = D(G(z)) -> 0", xy=(1e-3, 1e-3), xytext=(2e-4, 2e-2), fontsize=9,
                     arrowprops={"arrowstyle": "->"})
    axes[0].legend(fontsize=9, loc="lower left")  # the lower left is empty; the top holds the label above
    fig.suptitle("closed form: the saturating loss is flat where G is worst (D(G(z)) -> 0)")
    fig.tight_layout()
    return fig


def figure_measured(plt, m):
    """||dL_G/dW|| of G's first layer and mean D(G(z)) at every measured step, both losses."""
    first = m["first_steps"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.4))
    for name in LOSSES:
        steps = np.arange(1, len(m[f"grad_norm_{name}"]) + 1)
        left.plot(steps, m[f"grad_norm_{name}"], color=COLORS[name], label=LABELS[name])
        right.plot(steps, m[f"d_fake_{name}"], color=COLORS[name], label=LABELS[name])
    if first:
        for ax in (left, right):
            ax.axvspan(0.5, first + 0.5, color="0.92")
        left.text(1, 0.5, f"first {first} steps", transform=left.get_xaxis_transform(), fontsize=9, color="0.3")
        left.set_yscale("log")
        right.set_yscale("log")
    else:
        for ax in (left, right):
            ax.text(0.5, 0.5, "no measured step\n(Ctrl-C came during the pretraining of D)", ha="center",
                    va="center", transform=ax.transAxes, color="0.3")
            ax.set_xlim(0, m["steps_planned"])
            ax.set_yticks([])
    left.set_xlabel("training step")
    left.set_ylabel("||dL_G / dW||, G's first layer")
    left.set_title("measured by backprop on minigrad")
    left.legend(fontsize=9)
    right.set_xlabel("training step")
    right.set_ylabel("mean D(G(z))")
    d_fake = m["d_fake_after_pretraining"]
    right.set_title(f"D starts confident: D(G(z)) = {d_fake:.1e}" if d_fake < 0.01 else
                    f"D(G(z)) at the start: {d_fake:.1e} (D only {m['pretrain_steps']} steps pretrained)")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
