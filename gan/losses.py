"""The GAN losses, one function each, all computed from the discriminator's raw outputs.

For the classic GAN the discriminator outputs a logit l and D(x) = sigmoid(l). Then

    log D(x)       = log_sigmoid(l)
    log(1 - D(x))  = log_sigmoid(-l) = -softplus(l)

which stay finite for any l (log(sigmoid(l)) would give log(0) = -inf for l < -104 in float32).
For the Wasserstein, least-squares and hinge losses the raw output is used as it is (a "critic
score", not a probability).

Every loss is a batch MEAN (a scalar Tensor) and is MINIMISED by its player, so the "gradient
ascent" of the textbook's Algorithm 13.1 becomes descent on the negated objective.

    family          discriminator / critic loss                   generator loss
    minimax         -[log D(x) + log(1 - D(G(z)))]                log(1 - D(G(z)))     (saturating)
    nonsaturating   same as minimax                               -log D(G(z))
    wgan, wgan-gp   D(G(z)) - D(x)  (+ gradient penalty)          -D(G(z))
    lsgan           1/2 (D(x) - 1)^2 + 1/2 D(G(z))^2              1/2 (D(G(z)) - 1)^2
    hinge           relu(1 - D(x)) + relu(1 + D(G(z)))            -D(G(z))
"""
import numpy as np

import minigrad as mg
from minigrad import functional as F


# ----------------------------------------------------------------------------- the classic GAN

def minimax_discriminator_loss(real_logits, fake_logits, real_label=1.0):
    """L_D = -mean[log D(x)] - mean[log(1 - D(G(z)))]   (the textbook's Algorithm 13.1, line 6; the parabola tutorial).

    Binary cross-entropy with target 1 for real and 0 for fake samples. Minimising it is the
    gradient ascent on  log D(x) + log(1 - D(G(z)))  of Algorithm 13.1. With the optimal D
    (the introductory GAN notes) its value is 2 log 2 - 2 JS(p_data || p_g), i.e. log 4 when p_g = p_data.

    `real_label` < 1 is one-sided label smoothing: the real target becomes t = 1 - s and the real
    term is  -[t log D(x) + (1 - t) log(1 - D(x))]. The fake target stays 0 (hence "one-sided").
    """
    real_term = -F.log_sigmoid(real_logits)
    if real_label != 1.0:
        real_term = real_label * real_term + (1.0 - real_label) * F.softplus(real_logits)
    fake_term = F.softplus(fake_logits)  # = -log(1 - D(G(z)))
    return mg.mean(real_term) + mg.mean(fake_term)


def saturating_generator_loss(fake_logits):
    """L_G = mean[log(1 - D(G(z)))]   (the original minimax objective; the notes on GAN training problems, formula 1; the parabola tutorial).

    G minimises what D maximises. When D confidently rejects the fakes (D(G(z)) -> 0) the loss
    flattens out and its gradient vanishes: d/dl log(1 - sigmoid(l)) = -sigmoid(l) -> 0 (the notes on GAN training problems).
    """
    return mg.mean(-F.softplus(fake_logits))


def nonsaturating_generator_loss(fake_logits):
    """L_G = -mean[log D(G(z))]   (the "log D trick"; the notes on GAN training problems, formula 2; the textbook chapter, "generator network").

    Same fixed points as the saturating loss but a strong gradient exactly when D rejects the
    fakes: d/dl [-log sigmoid(l)] = -(1 - sigmoid(l)) -> -1. With the optimal D it amounts to
    KL(p_g || p_data) - 2 JS(p_data || p_g), which favours mode collapse (the notes on GAN training problems).
    """
    return mg.mean(-F.log_sigmoid(fake_logits))


# ----------------------------------------------------------------------------- Wasserstein GAN

def wasserstein_critic_loss(real_scores, fake_scores):
    """L_D = mean[D(G(z))] - mean[D(x)]   (WGAN, the notes on GAN training problems, "idea 2").

    The critic D maximises mean D(x) - mean D(G(z)); over 1-Lipschitz critics that maximum is the
    Wasserstein-1 (earth-mover) distance, which still measures how far apart two distributions are
    when they do not overlap. The Lipschitz constraint comes from `clip_weights` (WGAN) or
    `gradient_penalty` (WGAN-GP).
    """
    return mg.mean(fake_scores) - mg.mean(real_scores)


def wasserstein_generator_loss(fake_scores):
    """L_G = -mean[D(G(z))]   (WGAN, the notes on GAN training problems, "idea 2")."""
    return -mg.mean(fake_scores)


@mg.no_grad()
def clip_weights(module, c):
    """Clip every parameter of `module` into [-c, c], in place (WGAN, the notes on GAN training problems, "idea 3").

    A crude way to keep the critic Lipschitz; the notes on GAN training problems note its drawback (weights pile up at
    +-c), which motivated the gradient penalty.
    """
    if not c > 0:
        raise ValueError(f"clip_weights: c must be > 0, got {c!r}")
    for p in module.parameters():
        np.clip(p.data, -c, c, out=p.data)


def interpolate(real, fake, eps):
    """x_hat = eps * x + (1 - eps) * G(z), eps of shape (n, 1): one point per example on the
    segment between a real and a fake sample. Returned as a new leaf that requires grad.
    Samples of any shape (n, ...) work: eps is reshaped to (n, 1, ..., 1) so that it broadcasts
    over each example's axes (an (n, 1) eps against (n, 1, 28, 28) images would broadcast wrongly)."""
    real_data = real.data if isinstance(real, mg.Tensor) else np.asarray(real)
    fake_data = fake.data if isinstance(fake, mg.Tensor) else np.asarray(fake)
    # eps in the wider of the two dtypes (float32 data with a float64 model gives a float64 x_hat):
    # 1 - eps rounded to float32 would move x_hat by ~1e-8, enough to flip a ReLU near its kink
    eps = np.asarray(eps, dtype=np.result_type(real_data.dtype, fake_data.dtype))
    eps = eps.reshape((len(eps),) + (1,) * (real_data.ndim - 1))
    return mg.tensor(eps * real_data + (1 - eps) * fake_data, requires_grad=True)


def gradient_penalty(critic, real, fake, rng=None, weight=10.0, eps=None):
    """weight * mean_i (||grad_x D(x_hat_i)||_2 - 1)^2   (WGAN-GP, the notes on GAN training problems, "idea 3": [||grad D(x)|| - K]^2, K = 1).

    x_hat_i = eps_i x_i + (1 - eps_i) G(z_i) with one eps_i ~ U[0, 1] per example (drawn from
    `rng`, or given as `eps` of shape (n, 1)); the norm is taken per example over all its features.

    The gradient grad_x D(x_hat) is computed with create_graph=True, so the penalty is itself a
    graph and its backward reaches D's parameters: a gradient of a gradient. `fake` is treated as
    a constant (the penalty only trains the critic).
    """
    n = real.shape[0]
    if fake.shape != real.shape:
        raise ValueError(f"gradient_penalty: real shape {real.shape} and fake shape {fake.shape} differ")
    if eps is None:
        if rng is None:
            raise ValueError("gradient_penalty: pass rng (a numpy Generator) or eps")
        eps = rng.random((n, 1))
    x_hat = interpolate(real, fake, eps)
    scores = critic(x_hat)
    (grad_x,) = mg.grad(scores, x_hat, grad_outputs=mg.Tensor(np.ones(scores.shape, dtype=scores.dtype)),
                        create_graph=True)
    grad_x = grad_x.reshape(n, -1)
    # The tiny constant keeps d sqrt(s)/ds = 1/(2 sqrt(s)) finite if a gradient is exactly zero.
    norms = mg.sqrt(mg.sum(grad_x * grad_x, axis=1) + 1e-12)
    return weight * mg.mean((norms - 1.0) ** 2)


# ----------------------------------------------------------------------------- least squares, hinge

def least_squares_discriminator_loss(real_scores, fake_scores):
    """L_D = 1/2 mean[(D(x) - 1)^2] + 1/2 mean[D(G(z))^2]   (LSGAN with targets a = 0, b = 1).

    A squared error instead of cross-entropy: fakes that are already on the right side of the
    boundary but far from the real data still get a gradient.
    """
    return 0.5 * mg.mean((real_scores - 1.0) ** 2) + 0.5 * mg.mean(fake_scores * fake_scores)


def least_squares_generator_loss(fake_scores):
    """L_G = 1/2 mean[(D(G(z)) - 1)^2]   (LSGAN, c = 1: G wants its samples scored as real)."""
    return 0.5 * mg.mean((fake_scores - 1.0) ** 2)


def hinge_discriminator_loss(real_scores, fake_scores):
    """L_D = mean[relu(1 - D(x))] + mean[relu(1 + D(G(z)))]   (hinge loss, as in SN-GAN / SAGAN).

    D is only pushed until real scores exceed +1 and fake scores fall below -1; past the margin
    a sample contributes no gradient.
    """
    return mg.mean(mg.relu(1.0 - real_scores)) + mg.mean(mg.relu(1.0 + fake_scores))


def hinge_generator_loss(fake_scores):
    """L_G = -mean[D(G(z))]   (the hinge GAN's generator loss, the same as WGAN's)."""
    return -mg.mean(fake_scores)


# ----------------------------------------------------------------------------- families

#: loss family name -> (discriminator loss, generator loss). "wgan" and "wgan-gp" differ only in
#: how the critic is kept Lipschitz (clipping vs. gradient penalty), which the Trainer handles.
LOSS_FAMILIES = {
    "minimax": (minimax_discriminator_loss, saturating_generator_loss),
    "nonsaturating": (minimax_discriminator_loss, nonsaturating_generator_loss),
    "wgan": (wasserstein_critic_loss, wasserstein_generator_loss),
    "wgan-gp": (wasserstein_critic_loss, wasserstein_generator_loss),
    "lsgan": (least_squares_discriminator_loss, least_squares_generator_loss),
    "hinge": (hinge_discriminator_loss, hinge_generator_loss),
}

#: families whose discriminator output is a logit of a probability (D(x) = sigmoid(logit))
PROBABILITY_FAMILIES = ("minimax", "nonsaturating")
