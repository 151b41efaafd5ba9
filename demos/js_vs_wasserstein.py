"""JS is stuck at log 2 while W1 = |theta|: the parallel lines, in closed form and from trained D and critic.

The lesson
----------
Sources: the notes on GAN training problems ("idea 2"), the textbook chapter (section 6.3.5) and
Example 1 of the WGAN paper.

Two distributions in the plane, the same vertical segment moved sideways by theta:

    P_0     = (0,     U[0, 1])
    P_theta = (theta, U[0, 1])

For theta != 0 their supports do not overlap at all, and then

    JS(P_0 || P_theta) = log 2     whatever theta is (flat: no gradient tells G which way to move)
    W1(P_0, P_theta)   = |theta|   (grows with the distance: a useful gradient everywhere)

Training shows the same thing. A classic discriminator trained to maximise
V(D) = E_{P_0} log D + E_{P_theta} log(1 - D) estimates JS through the identity of the introductory GAN notes,

    JS ~ (max_D V(D) + log 4) / 2,

and it separates the two lines perfectly for any theta != 0, so the estimate sits at log 2.
A WGAN-GP critic f maximises E_{P_0} f - E_{P_theta} f - lambda E (||grad f|| - 1)^2 and estimates

    W1 ~ E_{P_0} f(x) - E_{P_theta} f(y),

which follows |theta|.

What to look at
---------------
* ``js_vs_w1.png``: left, the closed-form JS (a step: 0 at theta = 0, log 2 elsewhere) and the
  trained D's estimate; middle, W1 = |theta| and the critic's estimate; right, the gradient G would
  receive at its samples: vanishing through the saturated D, about 1 through the critic.
* ``functions.png``: the trained D and critic along the horizontal axis for one theta: D is a step
  (flat where the samples are), the critic a ramp of slope about 1.
* ``metrics.json``: w1_corr_abs_theta (the critic's estimate follows |theta|) and
  js_estimate_away_from_zero_min / _max (both near log 2 = 0.693, whatever the distance).

More on js_vs_w1.png, right: it plots |d/dy1 log(1 - D(y))| for the classic D and |d/dy1 f(y)| for
the critic, at samples y ~ P_theta.

Settings and why
  MLPs 2-64-64-1 with leaky ReLU (slope 0.2; a plain ReLU critic sometimes dies: all units off,
  f constant, no gradient) for both, batch 64 fresh samples per side and step, Adam. D: lr 2e-3, the
  minimax loss of gan.losses (binary cross-entropy from logits). Critic: lr 1e-3, betas (0.5, 0.9),
  gradient penalty weight 10 (gan.losses.gradient_penalty, as in WGAN-GP). A separate D and critic
  are trained from scratch for each theta. Estimates use 4,096 fresh samples per side.
  The penalty is soft, so the critic's estimate lands slightly ABOVE |theta|, and by a known amount:
  a critic of slope a across the gap scores a |theta| - lambda (a - 1)^2 (a constant slope is the
  cheapest way to climb a given height), which is largest at a = 1 + |theta| / (2 lambda). The critic
  then reports the score gap a |theta| = |theta| + theta^2 / (2 lambda): 2.2 instead of 2 at theta = 2
  with lambda = 10 (the penalised objective itself is |theta| + theta^2 / (4 lambda)). The figure
  draws this "penalised optimum" next to |theta|.
  theta: 9 values in [-2, 2] (default, 400 steps each) or 5 (--quick, 150 steps each);
  --steps N sets the steps per theta.

metrics.json
  theta                       the shifts whose D and critic were both trained (all of theta_planned unless
                              Ctrl-C came); every list below has one value per theta
  theta_planned               the shifts asked for
  js_closed_form, w1_closed_form    log 2 (0 at theta = 0) and |theta|
  js_estimate                 (V(D) + log 4) / 2 of the trained D, per theta
  w1_estimate                 E f(P_0) - E f(P_theta) of the trained critic, per theta
  w1_max_abs_error            max |w1_estimate - |theta||
  w1_penalized_optimum        |theta| + theta^2 / (2 lambda): what a perfectly trained critic reports
  w1_max_abs_error_vs_penalized_optimum    max |w1_estimate - w1_penalized_optimum|
  w1_corr_abs_theta           correlation of w1_estimate with |theta|
  js_estimate_at_zero         the JS estimate at theta = 0 (should be near 0)
  js_estimate_away_from_zero_min, js_estimate_away_from_zero_max
                              range of the JS estimates over theta != 0 (both near log 2 = 0.693)
  generator_grad_js           mean |d/dy1 log(1 - D(y))| over y ~ P_theta (the saturating G loss)
  generator_grad_w1           mean |d/dy1 f(y)| over y ~ P_theta
  steps                       training steps per theta for each network
  interrupted, stopped_at     true and "training step N of M" (counting the steps of every D and critic)
                              when Ctrl-C stopped the run
  seconds                     wall time of the training and the measurements
"""
import time

import numpy as np

import minigrad as mg
from gan import interrupt, losses, models, theory
from gan.progress import ProgressBar
from minigrad import optim
from minigrad.activations import sigmoid

from demos import common

#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08
MEASURED_SECONDS = {"default": 5, "quick": 3}
DEFAULT_THETAS = np.linspace(-2.0, 2.0, 9)
QUICK_THETAS = np.linspace(-2.0, 2.0, 5)
DEFAULT_STEPS, QUICK_STEPS = 400, 150
BATCH = 64
EVAL_BATCH = 4096
HIDDEN = (64, 64)
ACTIVATION = ("leaky_relu", 0.2)  # a ReLU critic can die (every unit off: f constant, no gradient)
GP_WEIGHT = 10.0


def sample_line(n, rng, theta):
    """n points of P_theta = (theta, U[0, 1]), shape (n, 2), float32."""
    points = np.empty((n, 2), dtype=np.float32)
    points[:, 0] = theta
    points[:, 1] = rng.random(n)
    return points


def train_discriminator(theta, steps, rng, on_step):
    """Classic D: minimise -[mean log D(x) + mean log(1 - D(y))], x ~ P_0 (real), y ~ P_theta (fake).
    Stops early after Ctrl-C under the lesson runner. Returns (D, steps done)."""
    discriminator = models.mlp_discriminator(2, hidden=HIDDEN, activation=ACTIVATION, rng=rng)
    optimizer = optim.Adam(discriminator.parameters(), lr=2e-3)
    for step in range(steps):
        if interrupt.requested():
            return discriminator, step
        real, fake = mg.tensor(sample_line(BATCH, rng, 0.0)), mg.tensor(sample_line(BATCH, rng, theta))
        loss = losses.minimax_discriminator_loss(discriminator(real), discriminator(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        on_step()
    return discriminator, steps


def train_critic(theta, steps, rng, on_step):
    """WGAN-GP critic: minimise mean f(y) - mean f(x) + 10 mean (||grad f(x_hat)|| - 1)^2.
    Stops early after Ctrl-C under the lesson runner. Returns (critic, steps done)."""
    critic = models.mlp_discriminator(2, hidden=HIDDEN, activation=ACTIVATION, rng=rng)
    optimizer = optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    for step in range(steps):
        if interrupt.requested():
            return critic, step
        real, fake = mg.tensor(sample_line(BATCH, rng, 0.0)), mg.tensor(sample_line(BATCH, rng, theta))
        loss = losses.wasserstein_critic_loss(critic(real), critic(fake))
        loss = loss + losses.gradient_penalty(critic, real, fake, rng=rng, weight=GP_WEIGHT)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        on_step()
    return critic, steps


def penalized_optimum(theta, weight=GP_WEIGHT):
    """The score gap a* |theta| of the best critic slope a* = argmax_a [a |theta| - weight (a - 1)^2]
    = 1 + |theta| / (2 weight), i.e.  |theta| + theta^2 / (2 weight)."""
    return np.abs(theta) + theta**2 / (2.0 * weight)


def estimate_js(discriminator, theta, rng):
    """(V(D) + log 4) / 2 with V(D) = mean log D(x) + mean log(1 - D(y)) = -(the minimax D loss)."""
    real, fake = mg.tensor(sample_line(EVAL_BATCH, rng, 0.0)), mg.tensor(sample_line(EVAL_BATCH, rng, theta))
    with mg.no_grad():
        value = -losses.minimax_discriminator_loss(discriminator(real), discriminator(fake)).item()
    return (value + theory.LOG_4) / 2.0


def estimate_w1(critic, theta, rng):
    """mean f(x) - mean f(y), x ~ P_0, y ~ P_theta."""
    real, fake = mg.tensor(sample_line(EVAL_BATCH, rng, 0.0)), mg.tensor(sample_line(EVAL_BATCH, rng, theta))
    with mg.no_grad():
        return float(critic(real).data.mean() - critic(fake).data.mean())


def generator_gradient(generator_loss_of_output, network, theta, rng):
    """mean over y ~ P_theta of |d/dy1 loss(network(y))|: how hard G would be pushed sideways."""
    fake = mg.tensor(sample_line(EVAL_BATCH, rng, theta), requires_grad=True)
    per_sample = generator_loss_of_output(network(fake))
    (grad,) = mg.grad(mg.sum(per_sample), fake)
    return float(np.mean(np.abs(grad.data[:, 0])))


def log_one_minus_d(logits):
    """log(1 - D(y)) = -softplus(logit), per sample (the saturating G loss before the mean)."""
    return -mg.functional.softplus(logits)


def _correlation(a, b):
    """Pearson correlation; NaN (null in metrics.json) with fewer than two points or no spread."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if len(a) < 2 or a.std() == 0 or b.std() == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def _extreme(values, pick):
    """pick (np.min, np.max) of the values; NaN when there are none."""
    return float(pick(values)) if len(values) else float("nan")


# ----------------------------------------------------------------------------- the lesson

def measured_figures(thetas, thetas_planned, results):
    """metrics.json's figures for the finished `thetas`: the closed forms next to the trained D's and
    critic's estimates (`results`: name -> one value per finished theta), and how well they agree."""
    js_closed, w1_closed = theory.js_parallel_lines(thetas), theory.w1_parallel_lines(thetas)
    away = thetas != 0
    return {
        "theta": thetas,
        "theta_planned": thetas_planned,
        "js_closed_form": np.atleast_1d(js_closed),
        "w1_closed_form": np.atleast_1d(w1_closed),
        **results,
        "w1_max_abs_error": _extreme(np.abs(results["w1_estimate"] - w1_closed), np.max),
        "w1_penalized_optimum": penalized_optimum(thetas),
        "w1_max_abs_error_vs_penalized_optimum":
            _extreme(np.abs(results["w1_estimate"] - penalized_optimum(thetas)), np.max),
        "w1_corr_abs_theta": _correlation(results["w1_estimate"], np.abs(thetas)),
        "js_estimate_at_zero": float(results["js_estimate"][~away][0]) if (~away).any() else None,
        "js_estimate_away_from_zero_min": _extreme(results["js_estimate"][away], np.min),
        "js_estimate_away_from_zero_max": _extreme(results["js_estimate"][away], np.max),
    }


@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current step, also when run is called alone
def run(steps=DEFAULT_STEPS, seed=0, thetas=DEFAULT_THETAS):
    """Train a classic D and a WGAN-GP critic from scratch for each theta (`steps` steps each) and
    measure their estimates of JS and W1. Returns a Result with `metrics` (metrics.json: one value
    per theta whose D and critic were both trained) and `shown` (theta, D, critic, D steps, critic
    steps: the networks functions.png draws, those of the theta nearest 1 if it was finished, else of
    the last theta finished, else of the theta Ctrl-C interrupted). Ctrl-C
    under the lesson runner stops after the current step; the thetas finished are measured."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    thetas_planned = np.asarray(thetas, dtype=np.float64)
    print(f"training a discriminator and a WGAN-GP critic for each of {len(thetas_planned)} values of theta "
          f"({steps} steps each)")
    planned = 2 * steps * len(thetas_planned)
    progress = ProgressBar(planned)
    done = [0]

    def on_step():
        done[0] += 1
        progress.update(done[0], {})

    results = {key: [] for key in ("js_estimate", "w1_estimate", "generator_grad_js", "generator_grad_w1")}
    finished, shown = [], None
    target = float(thetas_planned[np.argmin(np.abs(thetas_planned - 1.0))])  # the theta functions.png draws
    for theta in thetas_planned:
        if interrupt.requested():
            break
        discriminator, d_steps = train_discriminator(theta, steps, rng, on_step)
        critic, critic_steps = train_critic(theta, steps, rng, on_step)
        networks = (float(theta), discriminator, critic, d_steps, critic_steps)
        if critic_steps < steps:   # Ctrl-C: this theta's networks are not measured
            shown = shown or networks  # and drawn only if no theta was finished
            break
        if shown is None or shown[0] != target:   # the target once reached, else the latest finished
            shown = networks
        finished.append(theta)
        results["js_estimate"].append(estimate_js(discriminator, theta, rng))
        results["w1_estimate"].append(estimate_w1(critic, theta, rng))
        results["generator_grad_js"].append(generator_gradient(log_one_minus_d, discriminator, theta, rng))
        results["generator_grad_w1"].append(generator_gradient(lambda f: f, critic, theta, rng))
    progress.close()
    thetas = np.array(finished, dtype=np.float64)
    results = {key: np.array(values, dtype=np.float64) for key, values in results.items()}

    metrics = {**measured_figures(thetas, thetas_planned, results), "steps": steps,
               **common.stop_state(done[0], planned, "training step"), "seconds": time.perf_counter() - started}
    return common.Result(metrics=metrics, shown=shown)


def report(result, out, show=False):
    """Write js_vs_w1.png, functions.png and metrics.json to `out`; print the table."""
    plt = common.pyplot()
    m = result.metrics
    figures = [("js_vs_w1.png", figure_estimates(plt, m))]
    if result.shown is not None:
        figures.append(("functions.png", figure_functions(plt, *result.shown, steps=m["steps"])))
    paths = common.save_figures(out, figures, show)
    paths.append(common.write_metrics(out, m))
    if len(m["theta"]) < len(m["theta_planned"]):
        print(f"\n{len(m['theta'])} of {len(m['theta_planned'])} values of theta finished before Ctrl-C")
    if len(m["theta"]):
        print(f"\n{'theta':>6} {'JS':>7} {'JS est.':>8} {'W1':>6} {'W1 est.':>8} {'|dG| via D':>11} {'|dG| via critic':>16}")
        for j, theta in enumerate(m["theta"]):
            print(f"{theta:6.2f} {m['js_closed_form'][j]:7.4f} {m['js_estimate'][j]:8.4f} {m['w1_closed_form'][j]:6.2f} "
                  f"{m['w1_estimate'][j]:8.4f} {m['generator_grad_js'][j]:11.2e} {m['generator_grad_w1'][j]:16.3f}")
        print(f"max |W1 estimate - |theta|| = {m['w1_max_abs_error']:.3f} "
              f"(against the penalised optimum |theta| + theta^2/{2 * GP_WEIGHT:g}: "
              f"{m['w1_max_abs_error_vs_penalized_optimum']:.3f}), "
              f"correlation with |theta| = {m['w1_corr_abs_theta']:.4f}")
    return paths


def main(argv=None):
    parser = common.make_parser("js_vs_wasserstein", __doc__.splitlines()[0], default_steps=DEFAULT_STEPS)
    args = parser.parse_args(argv)
    thetas = QUICK_THETAS if args.quick else DEFAULT_THETAS
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    return common.run_lesson(args, lambda: run(steps, args.seed, thetas), report)


# ----------------------------------------------------------------------------- figures

def draw_js_step(ax, low, high):
    """The closed-form JS(P_0 || P_theta) over [low, high]: log 2 on both sides, 0 at theta = 0 exactly
    (open circles where the lines stop, a filled one at the value)."""
    style = dict(color="k", lw=2, alpha=0.4)
    ax.plot([low, 0.0], [theory.LOG_2] * 2, **style, label="closed form: log 2, and 0 at theta = 0")
    ax.plot([0.0, high], [theory.LOG_2] * 2, **style)
    ax.plot([0.0], [theory.LOG_2], "o", color="k", alpha=0.4, markerfacecolor="white", markersize=11)
    ax.plot([0.0, 0.0], [0.0, theory.LOG_2], color="k", lw=1, ls=":", alpha=0.4)
    ax.plot([0.0], [0.0], "o", color="k", alpha=0.4, markersize=11)  # larger than an estimate's dot


def figure_estimates(plt, m):
    """JS and W1 against theta, closed form and estimates, and the push G would get."""
    thetas, planned = np.asarray(m["theta"], dtype=np.float64), np.asarray(m["theta_planned"])
    low, high = float(planned.min()), float(planned.max())
    fine = np.linspace(low, high, 401)
    fig, (left, middle, right) = plt.subplots(1, 3, figsize=(15, 4.4))
    draw_js_step(left, low, high)
    left.plot(thetas, m["js_estimate"], "o", color="C3", label="(max V(D) + log 4) / 2, trained D")
    left.set_title("JS(P_0 || P_theta): log 2 whatever theta")
    left.set_ylim(-0.05, 0.85)
    middle.plot(fine, theory.w1_parallel_lines(fine), color="k", lw=2, alpha=0.4, label="closed form |theta|")
    middle.plot(fine, penalized_optimum(fine), color="C0", ls=":",
                label=f"penalised optimum |theta| + theta$^2$/{2 * GP_WEIGHT:g}")
    middle.plot(thetas, m["w1_estimate"], "o", color="C0", label="E f(P_0) - E f(P_theta), WGAN-GP critic")
    middle.set_title("W1(P_0, P_theta) = |theta|")
    right.plot(thetas, m["generator_grad_js"], "o-", color="C3", label="|d log(1 - D(y)) / dy1|, D")
    right.plot(thetas, m["generator_grad_w1"], "o-", color="C0", label="|d f(y) / dy1|, critic")
    if len(thetas):
        right.set_yscale("log")
    else:
        right.text(0.5, 0.5, "no theta finished (Ctrl-C)", ha="center", va="center", transform=right.transAxes,
                   color="0.3")
        right.set_yticks([])
    right.set_title("the push G would get at its samples")
    for ax in (left, middle, right):
        ax.set_xlabel("theta")
        ax.set_xlim(low - 0.2, high + 0.2)
        ax.legend(fontsize=9)
    if len(thetas) < len(planned):
        fig.suptitle(f"Ctrl-C: {len(thetas)} of {len(planned)} values of theta finished (dots)", fontsize=10)
    fig.tight_layout()
    return fig


def figure_functions(plt, theta, discriminator, critic, d_steps, critic_steps, steps):
    """The trained D and critic along the horizontal axis (x2 = 0.5) for one theta."""
    x1 = np.linspace(min(0.0, theta) - 1.0, max(0.0, theta) + 1.0, 401)
    points = np.stack([x1, np.full_like(x1, 0.5)], axis=1).astype(np.float32)
    with mg.no_grad():
        d = sigmoid(discriminator(mg.tensor(points)).data[:, 0].astype(np.float64))
        f = critic(mg.tensor(points)).data[:, 0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    left.plot(x1, d, color="C3")
    left.set_ylabel("D(x1, 0.5)")
    left.set_title("classic D: a step, flat at both lines" +
                   ("" if d_steps == steps else f"\n(after {d_steps} of {steps} steps: Ctrl-C)"))
    right.plot(x1, f - f[np.argmin(np.abs(x1 - theta))], color="C0")
    right.set_ylabel("f(x1, 0.5) - f(theta, 0.5)")
    right.set_title("WGAN-GP critic: a ramp of slope about 1" +
                    ("" if critic_steps == steps else f"\n(after {critic_steps} of {steps} steps: Ctrl-C)"))
    for ax in (left, right):
        ax.axvline(0.0, color="k", ls="--", lw=1, label="P_0 (real)")
        ax.axvline(theta, color="C2", ls="--", lw=1, label=f"P_theta, theta = {theta:g} (fake)")
        ax.set_xlabel("x1 (the horizontal coordinate)")
        ax.legend(fontsize=9)
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
