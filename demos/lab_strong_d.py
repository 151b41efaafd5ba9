"""Lab notes (a): a discriminator far ahead of the generator, and the black images.

Note 001 reports that with no stopping rule for the discriminator, D's loss fell to about 1e-4,
G's loss rose to about 10, and the generated images turned completely black. Note 003 gives the
rule it illustrates: choose k (D steps per G step) so that D is neither too strong nor too weak.

Runs (same seed, same G, the same number of G steps, on the packaged digits):
    balanced            Algorithm 13.1 with k = 1, non-saturating G loss
    strong_d            before every G step, D is trained until its loss is below 1e-3
                        (at most D_CAP steps): the note's "no stopping rule"
    balanced_minimax, strong_d_minimax   the same with the minimax (saturating) G loss
    k sweep             k = 1, 2, 5, 10, 20 fixed D steps per G step (non-saturating)

The generator's optimizer is plain SGD (lr 0.5): its step is proportional to the gradient D hands
back, so what a confident D does to that gradient shows in the images directly. (With Adam, whose
step has a fixed size, no setting tried here turned the images black within the budget: see
THEORY.md section 14.1.) D: Adam 2e-4, betas (0.5, 0.999). The MLPs of the digits lesson.

The mechanism, measured (figures in metrics.json; default run, seeds 0 / 1, THEORY.md 14.1): a D
trained towards loss 1e-3 gives D(G(z)) ~ 1e-3; the non-saturating loss -log D(G(z)) then has
slope -(1 - D(G(z))) ~ -1 at D's logit, and a confident D has large input gradients, so G's output
layer receives a gradient ~40x the balanced run's (2.07 / 1.98 against 0.048 / 0.056 at the first
G step). Real digits are 81% black pixels, so most of that gradient says "darker". A large SGD
step throws the output pre-activations far below zero; there tanh'(a) = 1 - y^2 ~ 0: the black
pixels pass no gradient back and stay black (82-83% of the pixels at -1 after 150 G steps, 6-10%
saturated at +1, G's loss 8-14). Under the minimax loss log(1 - D(G(z))) the slope is
D(G(z)) ~ 2e-4: the gradient vanishes (0.001-0.002 against 0.02-0.07) and G keeps its grey noise.
"""
import numpy as np

from gan import digit_looks, interrupt, models
from gan.progress import ProgressBar
from gan.train import Trainer, TrainConfig

NOTE_ZH = ("分类器过强导致gan_v2在无法判断终止的情况下，分类器一直进行训练，导致分类器的loss减到0.0001左右，"
           "而生成器的loss上涨到10左右。这样导致了生成器生成的图片完全为黑色图。")
NOTE_EN = ("A discriminator too strong: with no rule to stop it, D kept training, its loss fell to about "
           "0.0001, G's loss rose to about 10, and the generated images became completely black.")
#: wall time of this experiment in `python -m demos lab_notes` (default / --quick), 2 idle cores, the judge's
#: training not included; lab_notes prints it when the experiment starts and records it in metrics.json
SECONDS = {"default": 95, "quick": 34}

G_STEPS = {"default": 150, "quick": 50}
SWEEP_G_STEPS = {"default": 100, "quick": 20}
SWEEP_K = {"default": (1, 2, 5, 10, 20), "quick": (1, 5, 20)}
D_TARGET = 1e-3        # "no stopping rule": D trains until its loss is below this ...
D_CAP = 50             # ... or for at most this many steps before each G step
G_LR = 0.5             # plain SGD for G (see the module docstring)
N_SAMPLES = 500
N_PROBE = 64           # noise vectors on which the gradient reaching G's output layer is measured
RUNS = {  # name: (G loss, D rule: "k=1" or "strong")
    "balanced": ("nonsaturating", 1), "strong_d": ("nonsaturating", "strong"),
    "balanced_minimax": ("minimax", 1), "strong_d_minimax": ("minimax", "strong")}


def build_trainer(train_x, loss, seed):
    """The digits lesson's MLPs; G trained by SGD, D by Adam (the same for every run)."""
    rng = np.random.default_rng(seed)
    generator = models.mlp_generator(100, 784, hidden=(256, 512), activation=("leaky_relu", 0.2),
                                     out_activation="tanh", rng=rng)
    discriminator = models.mlp_discriminator(784, hidden=(512, 256), activation=("leaky_relu", 0.2), rng=rng)
    config = TrainConfig(loss=loss, batch_size=64, g_optimizer="sgd", g_lr=G_LR, d_lr=2e-4,
                         d_betas=(0.5, 0.999), seed=seed)
    return Trainer(generator, discriminator, train_x.reshape(len(train_x), -1), config)


def train(train_x, loss, d_rule, g_steps, seed, label):
    """`g_steps` G steps, each after D steps by `d_rule` (an int k, or "strong": until D's loss <
    D_TARGET, at most D_CAP). Returns the trainer and a per-G-step record: d_loss (D's last),
    g_loss, d_steps, d_fake (mean D(G(z)) of D's last step), g_out_grad (||dL/da|| at G's output
    layer, N_PROBE fixed z), mean_pixel and floor_share of the probe images."""
    trainer = build_trainer(train_x, loss, seed)
    probe = np.random.default_rng([seed, 7]).standard_normal((N_PROBE, 100)).astype(np.float32)
    record = {key: [] for key in ("d_loss", "g_loss", "d_steps", "d_fake", "g_out_grad", "darker_share",
                                  "mean_pixel", "floor_share")}
    bar = ProgressBar(g_steps)
    print(f"  {label}: {g_steps} G steps, D: " + ("k = %d" % d_rule if d_rule != "strong" else
                                                  f"until its loss < {D_TARGET:g} (at most {D_CAP} steps)"))
    while trainer.iteration < g_steps and not interrupt.requested():
        steps, d_loss = 0, np.inf
        while steps < (D_CAP if d_rule == "strong" else d_rule):
            d_loss, _, fake_logits, _ = trainer.discriminator_step()
            steps += 1
            if d_rule == "strong" and d_loss < D_TARGET:
                break
        grads = digit_looks.output_gradients(trainer.generator, trainer.discriminator, probe, loss)
        g_loss, _ = trainer.generator_step()
        trainer.iteration += 1
        images = trainer.sample(N_PROBE, rng=np.random.default_rng([seed, 7]))
        for key, value in (("d_loss", d_loss), ("g_loss", g_loss), ("d_steps", steps),
                           ("d_fake", float(np.mean(np.exp(-np.logaddexp(0.0, -fake_logits))))),  # sigmoid, no overflow
                           ("g_out_grad", grads["pre_activation"]), ("darker_share", grads["darker_share"]),
                           ("mean_pixel", digit_looks.mean_pixel(images)),
                           ("floor_share", digit_looks.floor_share(images))):
            record[key].append(float(value))
        bar.update(trainer.iteration, {"d_loss": d_loss, "g_loss": g_loss})
    bar.close()
    return trainer, record


def summary(trainer, record, tail=10):
    """The end of a run: the means over its last `tail` G steps, and its final samples' looks."""
    samples = trainer.sample(N_SAMPLES).reshape(N_SAMPLES, 1, 28, 28)
    end = {key: float(np.mean(values[-tail:])) if values else None for key, values in record.items()}
    return samples, {"d_loss": end["d_loss"], "g_loss": end["g_loss"], "d_fake": end["d_fake"],
                     "d_steps_per_g_step": float(np.mean(record["d_steps"])) if record["d_steps"] else None,
                     "g_out_grad": end["g_out_grad"], "g_out_grad_first": record["g_out_grad"][0]
                     if record["g_out_grad"] else None, "darker_share_first": record["darker_share"][0]
                     if record["darker_share"] else None, "mean_pixel": digit_looks.mean_pixel(samples),
                     "floor_share": digit_looks.floor_share(samples),
                     "ceiling_share": digit_looks.floor_share(-samples),   # pixels saturated at +1
                     "g_steps": trainer.iteration}


def run(digits, quick=False, seed=0, runs=tuple(RUNS), sweep=None):
    """The runs named in `runs` (default all four) and the k sweep over `sweep` (default SWEEP_K of
    the scale; () for none) on digits.train_x; see the module docstring."""
    scale = "quick" if quick else "default"
    sweep = SWEEP_K[scale] if sweep is None else tuple(sweep)
    metrics, samples, records = {"runs": {}, "k_sweep": []}, {}, {}
    planned = len(runs) * G_STEPS[scale] + len(sweep) * SWEEP_G_STEPS[scale]
    done = 0
    print(f"strong_d: {len(runs)} runs of {G_STEPS[scale]} G steps, then the k sweep {sweep}")
    for name in runs:
        if interrupt.requested():
            break
        loss, rule = RUNS[name]
        trainer, record = train(digits.train_x, loss, rule, G_STEPS[scale], seed, name)
        done += trainer.iteration
        samples[name], metrics["runs"][name] = summary(trainer, record)
        records[name] = record
    for k in sweep:
        if interrupt.requested():
            break
        trainer, record = train(digits.train_x, "nonsaturating", k, SWEEP_G_STEPS[scale], seed, f"k={k}")
        done += trainer.iteration
        end = summary(trainer, record)[1]
        metrics["k_sweep"].append({"k": k, **end})
    metrics["real_mean_pixel"] = digit_looks.mean_pixel(digits.train_x)
    metrics["real_floor_share"] = digit_looks.floor_share(digits.train_x)
    metrics["interrupted"] = bool(interrupt.requested() and done < planned)
    metrics["stopped_at"] = f"G step {done} of {planned} (all runs)" if metrics["interrupted"] else None
    shown = {name: samples[name] for name in ("balanced", "strong_d") if name in samples}
    return {"metrics": metrics, "samples": shown, "all_samples": samples, "records": records}


def figures(plt, result):
    """strong_d_samples.png (balanced | strong_d | minimax runs), strong_d_training.png (D loss,
    G loss, gradient at G's output layer, floor share per G step), strong_d_k_sweep.png."""
    from demos.lab_notes import figure_samples
    out = [("strong_d_samples.png", figure_samples(plt, result["all_samples"], NOTE_EN))]
    records = result["records"]
    if records:
        fig, axes = plt.subplots(1, 4, figsize=(16, 3.6))
        for name, record in records.items():
            steps = np.arange(1, len(record["d_loss"]) + 1)
            style = "-" if "minimax" not in name else "--"
            for ax, key in zip(axes, ("d_loss", "g_loss", "g_out_grad", "floor_share")):
                ax.plot(steps, record[key], style, label=name)
        titles = ("D's loss (log scale): the note's 1e-4", "G's loss as trained", "||dL_G/da|| at G's output layer",
                  "share of pixels at tanh's floor (-1)")
        for ax, title in zip(axes, titles):
            ax.set_title(title, fontsize=9)
            ax.set_xlabel("G step")
        axes[0].set_yscale("log")
        axes[2].set_yscale("log")
        axes[0].legend(fontsize=7)
        fig.suptitle("a discriminator far ahead: with the non-saturating loss G is thrown into black, "
                     "with the minimax loss it stops moving", fontsize=10)
        fig.tight_layout()
        out.append(("strong_d_training.png", fig))
    sweep = result["metrics"]["k_sweep"]
    if sweep:
        fig, ax = plt.subplots(figsize=(6.4, 4.4))
        ks = [row["k"] for row in sweep]
        ax.plot(ks, [row["floor_share"] for row in sweep], "o-", c="k", label="share of black pixels (y < -0.99)")
        ax.plot(ks, [(row["mean_pixel"] + 1) / 2 for row in sweep], "s-", c="tab:orange",
                label="mean brightness (mean pixel + 1) / 2")
        ax.axhline(result["metrics"]["real_floor_share"], c="k", ls=":", label="black pixels of real digits")
        right = ax.twinx()     # the cause: the gradient a stronger D sends G's output layer
        right.plot(ks, [row["g_out_grad"] for row in sweep], "^--", c="tab:red",
                   label="||dL_G/da|| at G's output layer (right, log)")
        right.set_yscale("log")
        right.set_ylabel("gradient at G's output layer", fontsize=8)
        ax.set_xscale("log")
        ax.set_xticks(ks, [str(k) for k in ks])
        ax.set_xlabel("k: D steps per G step")
        ax.set_ylim(0, 1.05)
        ax.set_title("where 'too strong' starts: the images after the same G steps", fontsize=10)
        handles = ax.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
        ax.legend(handles, [h.get_label() for h in handles], fontsize=7, ncol=2, loc="upper center",
                  bbox_to_anchor=(0.5, -0.18))
        fig.tight_layout()
        out.append(("strong_d_k_sweep.png", fig))
    return out


def summary_line(metrics):
    rows = [f"{name}: D loss {m['d_loss']:.2g}, G loss {m['g_loss']:.3g}, mean pixel {m['mean_pixel']:.2f}, "
            f"black {m['floor_share']:.0%}" for name, m in metrics["runs"].items()]
    return "strong_d: " + "; ".join(rows)
