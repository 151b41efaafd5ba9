"""The optimal discriminator D* = p_data / (p_data + p_g) and V(D*, G) = -log 4 + 2 JS, checked by training D.

The lesson
----------
Sources: the introductory GAN notes and the textbook chapter (section 6.3.4).

Hold the generator FIXED: its samples come from a known density p_g (we draw them directly, no
network needed). The discriminator maximises

    V(D, G) = E_{x~p_data} log D(x) + E_{x~p_g} log(1 - D(x)),

and because V integrates  f(D(x)) = p_data(x) log D(x) + p_g(x) log(1 - D(x))  point by point,
the best D answers each x separately: df/dD = p_data / D - p_g / (1 - D) = 0 gives

    D*(x) = p_data(x) / (p_data(x) + p_g(x)).

Putting D* back in gives  V(D*, G) = -log 4 + 2 JS(p_data || p_g): the discriminator's best
score MEASURES the Jensen-Shannon divergence, and G can at best push it down to -log 4, reached
only at p_g = p_data, where D* = 1/2 everywhere.

What to look at
---------------
* ``optimal_d.png``: the trained D(x) (bottom) lies on the closed form D*(x) wherever there are
  samples (the shaded "bulk"); far out, where almost no sample lands, V hardly depends on D, so D
  is free to do anything there.
* ``value_vs_js.png``: for generators p_g(x) = p_data(x - mu), the closed form V(D*, G) is the
  curve -log 4 + 2 JS, and every trained D (a dot) sits on or just below it, because D* is the
  maximiser.
* ``metrics.json``: max_abs_error is the largest |D(x) - D*(x)| over the bulk (compare
  max_abs_error_untrained, where D started); identity_max_gap shows V(D*, G) = -log 4 + 2 JS up to
  rounding.

More on the figures. optimal_d.png, top: the two densities, with histograms of the samples D was
trained on. value_vs_js.png: the dots are V(D, G) of a discriminator trained for each mu. At
mu = 0 everything meets at -log 4 = -1.386. Moving p_g away raises V towards 0 = -log 4 + 2 log 2
(no overlap at all), but near |mu| = 3 one bump of p_g lands on the other bump of p_data and V
falls again: JS measures overlap, not distance (the js_vs_wasserstein lesson takes this up).

Settings and why
  p_data = 1/2 N(-1.5, 0.5^2) + 1/2 N(1.5, 0.5^2)   two bumps, so D* has an interesting shape
  p_g    = N(0.5, 1)                                 one wide bump between and across them
  D      = MLP 1-32-32-1, tanh (a smooth D* is easiest to fit with a smooth network), returning
           the logit; loss gan.losses.minimax_discriminator_loss (binary cross-entropy from
           logits, i.e. minus V); Adam lr 3e-3 with batches of 256 fresh samples per side, the
           learning rate decayed linearly to 0 over the run so the minibatch noise averages out.
  V(D, G) of a trained D is evaluated on a fine grid as  integral p_data log D + p_g log(1 - D) dx
           (gan.theory.value_function): the exact expectation for that D, free of sampling noise.
           The grid: 3,201 points on [-8, 8]. The "bulk" is where p_data + p_g >= 5% of its maximum.
  The main D trains for 1,500 steps (--quick: 600). The mu family: 13 shifts in [-3, 3] (--quick: 5
  in [-2, 2]); each D starts from the previous mu's D (a warm start), so 300 steps suffice.
  --steps N sets the main D's steps; each D of the family then trains N / 5 steps (at least 200).

metrics.json
  max_abs_error            max |D(x) - D*(x)| over the bulk, for the fixed p_g
  max_abs_error_untrained  the same for the D before training (the baseline a broken run would keep)
  bulk_threshold           the bulk is where p_data + p_g >= bulk_threshold * max(p_data + p_g)
  bulk_interval            [lowest, highest] grid point of the bulk
  v_trained, v_optimal     V(D, G) of the trained D and V(D*, G) for the fixed p_g
  js                       JS(p_data || p_g) in nats for the fixed p_g
  mu                       the shifts of the generator family
  v_trained_family         V(D, G) of the trained D at each mu (null where Ctrl-C came before its D was trained)
  v_optimal_family         V(D*, G) at each mu (gan.theory.optimal_value)
  v_from_js_family         -log 4 + 2 JS(p_data || p_g) at each mu
  identity_max_gap         max over mu of |V(D*, G) - (-log 4 + 2 JS)| (rounding and grid truncation only: ~1e-14)
  trained_max_shortfall    max over mu of V(D*, G) - V(D, G) (>= 0 up to grid error: D* is the best)
  steps, steps_planned     training steps of the main D: done, and asked for (they differ after Ctrl-C)
  family_steps             training steps of each D of the family
  family_trained           how many Ds of the family were trained (all of them unless Ctrl-C came)
  interrupted, stopped_at  true and "D step N of M" (counting every D's steps) when Ctrl-C stopped the run
  seconds                  wall time of the training and the measurements
"""
import time

import numpy as np

import minigrad as mg
from gan import data, interrupt, losses, models, theory
from gan.progress import ProgressBar
from minigrad import optim
from minigrad.activations import sigmoid

from demos import common

#: wall time of the default run and of --quick on 2 idle cores (python -m demos lists them),
#: measured 2026-12-08
MEASURED_SECONDS = {"default": 4, "quick": 2}
DATA_MEANS, DATA_STDS = (-1.5, 1.5), (0.5, 0.5)
G_MEAN, G_STD = 0.5, 1.0
GRID = np.linspace(-8.0, 8.0, 3201)
DX = float(GRID[1] - GRID[0])
BULK_THRESHOLD = 0.05
BATCH = 256
LEARNING_RATE = 3e-3
DEFAULT_STEPS, QUICK_STEPS = 1500, 600
MIN_FAMILY_STEPS = 200
FAMILY_MU = np.linspace(-3.0, 3.0, 13)
QUICK_FAMILY_MU = np.linspace(-2.0, 2.0, 5)


def p_data(x):
    return theory.normal_mixture_pdf(x, DATA_MEANS, DATA_STDS)


def sample_data(n, rng):
    return data.gaussian_mixture_1d(n, rng, DATA_MEANS, DATA_STDS)


def discriminator_on_grid(discriminator, x=GRID):
    """D(x) = sigmoid(logit(x)) on the grid, as float64 (no graph is recorded)."""
    with mg.no_grad():
        logits = discriminator(mg.tensor(x.reshape(-1, 1).astype(np.float32))).data[:, 0]
    return sigmoid(logits.astype(np.float64))


def train_discriminator(discriminator, sample_fake, steps, rng, progress=None, steps_before=0):
    """Minimise the minimax D loss  -mean log D(x) - mean log(1 - D(x_fake))  (= -V) with Adam.

    Fresh samples every step; the learning rate falls linearly from LEARNING_RATE to 0. Stops early
    after Ctrl-C under the lesson runner (gan.interrupt). Returns the number of steps done.
    """
    optimizer = optim.Adam(discriminator.parameters(), lr=LEARNING_RATE)
    for step in range(steps):
        if interrupt.requested():
            return step
        optimizer.lr = LEARNING_RATE * (1.0 - step / steps)
        real = mg.tensor(sample_data(BATCH, rng))
        fake = mg.tensor(sample_fake(BATCH, rng))
        loss = losses.minimax_discriminator_loss(discriminator(real), discriminator(fake))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if progress is not None:
            progress.update(steps_before + step + 1, {"d_loss": loss.item()})
    return steps


def bulk_mask(p_real, p_fake, threshold=BULK_THRESHOLD):
    """Where the samples are: p_data + p_g at least `threshold` times its maximum."""
    total = p_real + p_fake
    return total >= threshold * total.max()


def sample_fixed_generator(n, rng):
    """n samples of the fixed generator p_g = N(G_MEAN, G_STD^2), shape (n, 1)."""
    return rng.normal(G_MEAN, G_STD, size=(n, 1)).astype(np.float32)


def _max_or_nan(values):
    """max of the finite values; NaN (null in metrics.json) when there are none."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(values.max()) if values.size else float("nan")


def train_family(family_mu, family_steps, rng, progress, p_real, done):
    """The family p_g(x) = p_data(x - mu): for each shift mu the closed-form V(D*, G) and
    -log 4 + 2 JS, and V(D, G) of a D trained `family_steps` steps (warm-started from the previous
    mu's D). A D that Ctrl-C stopped part-way is not measured (its V would only show how far it got):
    its entry stays NaN. Returns (family: name -> one float64 value per mu, D steps done in all)."""
    family = {"v_trained": np.full(len(family_mu), np.nan), "v_optimal": [], "v_from_js": []}
    family_d = models.mlp_discriminator(1, hidden=(32, 32), activation="tanh", rng=rng)
    for i, mu in enumerate(family_mu):
        p_shifted = p_data(GRID - mu)
        family["v_optimal"].append(theory.optimal_value(p_real, p_shifted, DX))
        family["v_from_js"].append(-theory.LOG_4 + 2.0 * theory.js_divergence(p_real, p_shifted, DX))
        if interrupt.requested():
            continue

        def sample_shifted_data(n, rng, mu=mu):
            return sample_data(n, rng) + np.float32(mu)
        trained = train_discriminator(family_d, sample_shifted_data, family_steps, rng, progress, steps_before=done)
        done += trained
        if trained == family_steps:
            family["v_trained"][i] = theory.value_function(discriminator_on_grid(family_d), p_real, p_shifted, DX)
    return {key: np.asarray(values, dtype=np.float64) for key, values in family.items()}, done


# ----------------------------------------------------------------------------- the lesson

@interrupt.stop_on_ctrl_c()  # Ctrl-C stops after the current step, also when run is called alone
def run(steps=DEFAULT_STEPS, seed=0, family_mu=FAMILY_MU, family_steps=None):
    """Train D against the fixed p_g for `steps` steps, then one D per shift mu of `family_mu`
    (`family_steps` each, default max(200, steps // 5), warm-started). Returns a Result with
    `metrics` (metrics.json), the densities on GRID (`p_real`, `p_fake`), `d_star`, `d_trained`,
    `bulk` (a mask of GRID), `family` (name -> one value per mu, NaN where no D was trained) and
    `samples_real`, `samples_fake` (20,000 each, the histograms of optimal_d.png). Ctrl-C under the
    lesson runner stops after the current D step; what was trained is measured."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    family_mu = np.asarray(family_mu, dtype=np.float64)
    family_steps = family_steps or max(MIN_FAMILY_STEPS, steps // 5)

    p_real = p_data(GRID)
    p_fake = theory.normal_pdf(GRID, G_MEAN, G_STD)
    d_star = theory.optimal_discriminator(p_real, p_fake)
    bulk = bulk_mask(p_real, p_fake)

    discriminator = models.mlp_discriminator(1, hidden=(32, 32), activation="tanh", rng=rng)
    error_untrained = float(np.max(np.abs(discriminator_on_grid(discriminator) - d_star)[bulk]))

    planned = steps + family_steps * len(family_mu)
    progress = ProgressBar(planned)
    print(f"training D against the fixed p_g = N({G_MEAN}, {G_STD}^2) for {steps} steps, "
          f"then for {len(family_mu)} shifted generators ({family_steps} steps each)")
    done = train_discriminator(discriminator, sample_fixed_generator, steps, rng, progress)
    main_steps = done
    d_trained = discriminator_on_grid(discriminator)

    family, done = train_family(family_mu, family_steps, rng, progress, p_real, done)
    progress.close()
    samples_real, samples_fake = sample_data(20000, rng)[:, 0], rng.normal(G_MEAN, G_STD, 20000)

    metrics = {
        "max_abs_error": float(np.max(np.abs(d_trained - d_star)[bulk])),
        "max_abs_error_untrained": error_untrained,
        "bulk_threshold": BULK_THRESHOLD,
        "bulk_interval": [float(GRID[bulk].min()), float(GRID[bulk].max())],
        "v_trained": theory.value_function(d_trained, p_real, p_fake, DX),
        "v_optimal": theory.optimal_value(p_real, p_fake, DX),
        "js": theory.js_divergence(p_real, p_fake, DX),
        "mu": family_mu,
        "v_trained_family": family["v_trained"],
        "v_optimal_family": family["v_optimal"],
        "v_from_js_family": family["v_from_js"],
        "identity_max_gap": float(np.max(np.abs(family["v_optimal"] - family["v_from_js"]))),
        "trained_max_shortfall": _max_or_nan(family["v_optimal"] - family["v_trained"]),
        "steps": main_steps,
        "steps_planned": steps,
        "family_steps": family_steps,
        "family_trained": int(np.sum(np.isfinite(family["v_trained"]))),
        **common.stop_state(done, planned, "D step"),
        "seconds": time.perf_counter() - started,
    }
    return common.Result(metrics=metrics, p_real=p_real, p_fake=p_fake, d_star=d_star, d_trained=d_trained,
                         bulk=bulk, family=family, samples_real=samples_real, samples_fake=samples_fake)


def report(result, out, show=False):
    """Write optimal_d.png, value_vs_js.png and metrics.json to `out`; print the result."""
    plt = common.pyplot()
    m, family = result.metrics, result.family
    paths = common.save_figures(out, [
        ("optimal_d.png", figure_discriminator(plt, result)),
        ("value_vs_js.png", figure_value_family(plt, np.asarray(m["mu"]), family))], show)
    paths.append(common.write_metrics(out, m))
    lo, hi = m["bulk_interval"]
    print(f"\nfixed p_g, D after {m['steps']} of {m['steps_planned']} steps: max |D - D*| on the bulk "
          f"{lo:.2f} <= x <= {hi:.2f}: {m['max_abs_error']:.4f} (untrained D: {m['max_abs_error_untrained']:.4f})")
    print(f"           V(D, G) = {m['v_trained']:.4f}   V(D*, G) = {m['v_optimal']:.4f}   "
          f"-log 4 + 2 JS = {-theory.LOG_4 + 2 * m['js']:.4f}")
    print(f"{'mu':>6} {'V(D, G) trained':>16} {'V(D*, G)':>10} {'-log4 + 2 JS':>13}")
    for mu, v_t, v_o, v_j in zip(m["mu"], family["v_trained"], family["v_optimal"], family["v_from_js"]):
        trained = f"{v_t:16.4f}" if np.isfinite(v_t) else f"{'(not trained)':>16}"
        print(f"{mu:6.2f} {trained} {v_o:10.4f} {v_j:13.4f}")
    return paths


def main(argv=None):
    parser = common.make_parser("optimal_d", __doc__.splitlines()[0], default_steps=DEFAULT_STEPS)
    args = parser.parse_args(argv)
    steps = args.steps or (QUICK_STEPS if args.quick else DEFAULT_STEPS)
    family_mu = QUICK_FAMILY_MU if args.quick else FAMILY_MU
    return common.run_lesson(args, lambda: run(steps, args.seed, family_mu), report)


# ----------------------------------------------------------------------------- figures

def figure_discriminator(plt, result):
    """Top: p_data and p_g with histograms of samples; bottom: the trained D on the closed form D*."""
    m = result.metrics
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 7), sharex=True)
    bins = np.linspace(GRID[0], GRID[-1], 121)
    top.hist(result.samples_real, bins=bins, density=True, color="C0", alpha=0.25)
    top.hist(result.samples_fake, bins=bins, density=True, color="C3", alpha=0.25)
    top.plot(GRID, result.p_real, color="C0", label="p_data (two Gaussians)")
    top.plot(GRID, result.p_fake, color="C3", label=f"p_g = N({G_MEAN}, {G_STD}$^2$) (fixed generator)")
    top.set_ylabel("density")
    top.legend(loc="upper right")
    top.set_title("the data and a fixed generator (histograms: the samples D is trained on)")

    lo, hi = m["bulk_interval"]
    bottom.axvspan(lo, hi, color="0.92", label=f"bulk: p_data + p_g >= {BULK_THRESHOLD:g} x its max")
    bottom.plot(GRID, result.d_star, color="k", lw=2.5, label="D*(x) = p_data / (p_data + p_g)")
    trained = "trained D(x)" if m["steps"] == m["steps_planned"] else \
        f"D(x) after {m['steps']} of {m['steps_planned']} steps (Ctrl-C)"
    bottom.plot(GRID, result.d_trained, color="C2", ls="--", lw=2, label=trained)
    bottom.axhline(0.5, color="0.5", lw=0.8, ls=":")
    bottom.set_ylim(-0.03, 1.03)
    bottom.set_xlabel("x")
    bottom.set_ylabel("D(x)")
    bottom.legend(loc="lower left", fontsize=9)
    bottom.set_title("the trained discriminator against the closed form")
    fig.tight_layout()
    return fig


def figure_value_family(plt, family_mu, family):
    """V(D*, G) and -log 4 + 2 JS over a fine range of shifts, and V(D, G) of the trained Ds."""
    fine_mu = np.linspace(-3.5, 3.5, 281)
    p_real = p_data(GRID)
    closed_form = [theory.optimal_value(p_real, p_data(GRID - mu), DX) for mu in fine_mu]
    from_js = [-theory.LOG_4 + 2 * theory.js_divergence(p_real, p_data(GRID - mu), DX) for mu in fine_mu]
    trained = np.isfinite(family["v_trained"])
    fig, ax = plt.subplots(figsize=(8, 5))
    ax.plot(fine_mu, closed_form, color="k", lw=3, alpha=0.35, label="V(D*, G), closed form")
    ax.plot(fine_mu, from_js, color="C1", ls="--", label="-log 4 + 2 JS(p_data || p_g)")
    label = "V(D, G) of a trained D" if trained.all() else \
        f"V(D, G) of a trained D ({trained.sum()} of {len(family_mu)} trained before Ctrl-C)"
    ax.plot(family_mu[trained], family["v_trained"][trained], "o", color="C2", label=label)
    ax.axhline(-theory.LOG_4, color="C0", ls=":", label="-log 4 = -1.386 (p_g = p_data)")
    ax.axhline(0.0, color="C3", ls=":", label="-log 4 + 2 log 2 = 0 (no overlap)")
    ax.set_xlabel("shift mu of the generator:  p_g(x) = p_data(x - mu)")
    ax.set_ylabel("V(D, G)")
    ax.set_title("the best discriminator's score is -log 4 + 2 JS")
    ax.legend(fontsize=9, loc="lower left")
    fig.tight_layout()
    return fig


if __name__ == "__main__":
    main()
