"""Look inside one training step: where do the gradients of a GAN go?

    report = inspect_step(G, D, real_batch, z, loss="minimax")
    print_report(report)

reports, for one discriminator loss and one generator loss on the same batch,

    d_grad_norms    ||dL_D / dw|| for every parameter of D       (what D's step would use)
    g_grad_norms    ||dL_G / dw|| for every parameter of G       (what G's step would use)
    fake_grad       dL_G / dG(z), shape (n, d): the gradient D hands back to G at its samples;
                    every G parameter gradient is this, pushed back through G (chain rule)
    d_real, d_fake  mean D(x) and D(G(z)) (probabilities for the classic losses, critic scores else)

Nothing is updated: parameters and optimizer states are untouched and every `.grad` is put back
as it was. With the saturating loss and a confident D (D(G(z)) near 0) `fake_grad` is tiny,
the vanishing gradient of the notes on training problems; the non-saturating loss hands back a
strong one.
"""
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

import minigrad as mg
from gan import losses


@dataclass
class StepReport:
    loss: str
    d_loss: float
    g_loss: float
    d_real: float
    d_fake: float
    probabilities: bool                      # True if d_real / d_fake are probabilities
    d_grad_norms: "OrderedDict[str, float]"  # parameter name -> gradient norm (from d_loss)
    g_grad_norms: "OrderedDict[str, float]"  # parameter name -> gradient norm (from g_loss)
    fake_grad: np.ndarray                    # dL_G / dG(z), shape (n, d)
    shapes: dict = field(default_factory=dict)  # "D.0.weight" / "G.0.weight" -> shape

    @property
    def fake_grad_norms(self):
        """||dL_G / dG(z_i)|| for each sample i."""
        return np.sqrt(np.sum(self.fake_grad.reshape(len(self.fake_grad), -1).astype(np.float64) ** 2, axis=1))


def _norms(module):
    return OrderedDict((name, 0.0 if p.grad is None else float(np.linalg.norm(p.grad.data.ravel())))
                       for name, p in module.named_parameters())


def inspect_step(generator, discriminator, real, z, loss="nonsaturating", gp_lambda=10.0, rng=None):
    """Gradients of one D loss and one G loss on the batch (`real`, noise `z`); returns a StepReport.

    generator, discriminator   the two nn.Modules (D returns (n, 1) logits or critic scores)
    real    a batch of real samples (n, d): an ndarray, a list, or a minigrad Tensor
    z       the noise batch (n, noise_dim): an ndarray, a list, or a minigrad Tensor
    loss    one of gan.losses.LOSS_FAMILIES ('minimax', 'nonsaturating', 'wgan', 'wgan-gp', ...)

    Arrays are used as float32; a Tensor is used as it is (so a float64 model can be inspected in
    float64). report.fake_grad is dL_G/dG(z), read from G(z) after retain_grad(). For
    loss='wgan-gp' the D loss includes the gradient penalty (its eps drawn from `rng`).
    """
    if loss not in losses.LOSS_FAMILIES:
        raise ValueError(f"inspect_step: unknown loss {loss!r}; choose one of {sorted(losses.LOSS_FAMILIES)}")
    d_loss_fn, g_loss_fn = losses.LOSS_FAMILIES[loss]
    real = real if isinstance(real, mg.Tensor) else mg.tensor(np.asarray(real, dtype=np.float32))
    z = z if isinstance(z, mg.Tensor) else mg.tensor(np.asarray(z, dtype=np.float32))
    params = generator.parameters() + discriminator.parameters()
    saved_grads = [p.grad for p in params]
    try:
        # the discriminator's loss, with G(z) as a constant (as in the D step of training)
        for p in params:
            p.grad = None
        with mg.no_grad():
            fake_constant = generator(z)
        real_scores = discriminator(real)
        fake_scores = discriminator(fake_constant)
        d_loss = d_loss_fn(real_scores, fake_scores)
        if loss == "wgan-gp" and gp_lambda > 0:
            rng = np.random.default_rng(0) if rng is None else rng
            d_loss = d_loss + losses.gradient_penalty(discriminator, real, fake_constant, rng=rng, weight=gp_lambda)
        d_loss.backward()
        d_grad_norms = _norms(discriminator)

        # the generator's loss, backpropagated through D into G; keep the gradient at G(z)
        for p in params:
            p.grad = None
        fake = generator(z)
        fake.retain_grad()
        g_loss = g_loss_fn(discriminator(fake))
        g_loss.backward()
        g_grad_norms = _norms(generator)
        fake_grad = fake.grad.data.copy()
    finally:
        for p, g in zip(params, saved_grads):
            p.grad = g

    real_raw, fake_raw = real_scores.data.astype(np.float64), fake_scores.data.astype(np.float64)
    probabilities = loss in losses.PROBABILITY_FAMILIES
    if probabilities:
        real_raw, fake_raw = np.exp(-np.logaddexp(0, -real_raw)), np.exp(-np.logaddexp(0, -fake_raw))
    shapes = {f"D.{n}": p.shape for n, p in discriminator.named_parameters()}
    shapes.update({f"G.{n}": p.shape for n, p in generator.named_parameters()})
    return StepReport(loss=loss, d_loss=d_loss.item(), g_loss=g_loss.item(), d_real=float(real_raw.mean()),
                      d_fake=float(fake_raw.mean()), probabilities=probabilities, d_grad_norms=d_grad_norms,
                      g_grad_norms=g_grad_norms, fake_grad=fake_grad, shapes=shapes)


def inspect_trainer(trainer, rng=None):
    """inspect_step on a fresh batch for a Trainer's models and loss. The batch is drawn from `rng`
    (default: seeded by config.seed and the iteration), never from the trainer's own RNG, so
    inspecting does not change the training run."""
    cfg = trainer.config
    rng = np.random.default_rng([cfg.seed, trainer.iteration, 2]) if rng is None else rng
    if isinstance(trainer.data, np.ndarray):
        real = trainer.data[rng.integers(0, len(trainer.data), size=cfg.batch_size)]
    else:
        real = trainer.data(cfg.batch_size, rng)
    z = rng.standard_normal((cfg.batch_size, trainer.noise_dim), dtype=np.float32)
    return inspect_step(trainer.generator, trainer.discriminator, np.asarray(real, dtype=np.float32), z,
                        loss=cfg.loss, gp_lambda=cfg.gp_lambda, rng=rng)


def format_report(report):
    """The report as a readable table (a string)."""
    kind = "probabilities" if report.probabilities else "critic scores"
    lines = [f"one training step, loss = {report.loss}",
             f"  D(x) mean {report.d_real:.4f}    D(G(z)) mean {report.d_fake:.4f}    ({kind})",
             f"  d_loss {report.d_loss:.6g}    g_loss {report.g_loss:.6g}", ""]
    for title, prefix, norms in (("discriminator: gradient of d_loss", "D", report.d_grad_norms),
                                 ("generator: gradient of g_loss (through D)", "G", report.g_grad_norms)):
        lines.append(title)
        lines.append(f"  {'parameter':<16}{'shape':<14}{'grad norm':>12}")
        for name, value in norms.items():
            shape = str(tuple(report.shapes.get(f"{prefix}.{name}", ())))
            lines.append(f"  {name:<16}{shape:<14}{value:>12.4e}")
        lines.append("")
    per_sample = report.fake_grad_norms
    lines.append(f"gradient handed back to G at G(z): dL_G/dG(z), shape {report.fake_grad.shape}")
    lines.append(f"  per-sample norm: mean {per_sample.mean():.4e}  min {per_sample.min():.4e}  "
                 f"max {per_sample.max():.4e}")
    return "\n".join(lines)


def print_report(report):
    """Print format_report(report): D(x) and D(G(z)), both losses, the gradient norm of every
    parameter of D (from d_loss) and of G (from g_loss, through D), and the size of dL_G/dG(z)."""
    print(format_report(report))
