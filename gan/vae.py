"""The GAN's neighbours on the same engine: an autoencoder and a variational autoencoder (VAE).

The source notes contrast the GAN with these two. An autoencoder maps each image to one code
and back, so it can only reconstruct: a random code decodes to something it never learned. A VAE
makes the code a distribution q(z|x) = N(mu(x), diag sigma^2(x)) and asks the decoder to
reconstruct from a *sample* of it, while a KL term keeps q close to the prior p(z) = N(0, I); then
decoding z ~ N(0, I) draws new images. It is an explicit density model: it fits a lower bound on
log p(x) (the ELBO) and can estimate log p(x) itself, which a GAN cannot.

Both models use the architecture of PyTorch's examples/vae (784-400-20-400-784, ReLU), with
its layer names fc1, fc21, fc22, fc3, fc4, so a state_dict moves to that example unchanged.
Pixels are in [0, 1] (the lessons' [-1, 1] digits are mapped by (x + 1) / 2), and the decoder
outputs Bernoulli logits l: p(x_j = 1 | z) = sigmoid(l_j). All losses are in nats per image.

    reconstruction(x, l) = sum_j softplus(l_j) - x_j l_j          = -log p(x | z)   (BCE, summed)
    KL(q || p)           = 1/2 sum_i (mu_i^2 + sigma_i^2 - 1 - log sigma_i^2)
    negative ELBO        = E_q[reconstruction] + KL >= -log p(x)
    z                    = mu + sigma * eps,  eps ~ N(0, I)           (reparameterisation)
    log p(x) ~ log 1/k sum_i p(x | z_i) p(z_i) / q(z_i | x),  z_i ~ q  (importance weighted, k samples)

Grey pixels are treated as Bernoulli probabilities, as PyTorch's example does; the "likelihood"
is then the Bernoulli one of those grey levels (comparable to other runs of that protocol, not to
figures on binarised MNIST). Derivations: docs/THEORY.md, section 10.
"""
import math
from typing import NamedTuple

import numpy as np

import minigrad as mg
from minigrad import functional as F
from minigrad import nn, optim

from gan import interrupt
from gan.progress import ProgressBar

PIXELS = 784
HIDDEN = 400
LATENT = 20
LOG_2PI = math.log(2.0 * math.pi)


# ----------------------------------------------------------------------------- the formulas

def bernoulli_reconstruction(x, logits):
    """-log p(x | z) per image = sum over pixels of softplus(l) - x l  (BCE with logits, summed).

    x: pixels in [0, 1], logits: the decoder's output, both (n, pixels). Returns shape (n,).
    softplus keeps it finite for logits of any size (never log(sigmoid(l)))."""
    return mg.sum(F.softplus(logits) - x * logits, axis=1)


def gaussian_kl(mu, logvar):
    """KL(N(mu, diag exp(logvar)) || N(0, I)) per row, in closed form:

        KL = 1/2 sum_i (mu_i^2 + sigma_i^2 - 1 - log sigma_i^2),   sigma_i^2 = exp(logvar_i).

    mu, logvar: (n, d). Returns shape (n,). Zero exactly when mu = 0 and logvar = 0."""
    return 0.5 * mg.sum(mu * mu + mg.exp(logvar) - 1.0 - logvar, axis=1)


def reparameterize(mu, logvar, eps):
    """z = mu + sigma * eps with sigma = exp(logvar / 2): a sample of N(mu, sigma^2) that is a
    differentiable function of (mu, logvar) for a fixed eps ~ N(0, I)."""
    return mu + mg.exp(0.5 * logvar) * eps


def standard_normal_log_density(z):
    """log N(z; 0, I) per row = -1/2 sum_i z_i^2 - d/2 log 2 pi  (an ndarray, no graph)."""
    z = np.asarray(z, dtype=np.float64)
    return -0.5 * np.sum(z * z, axis=-1) - 0.5 * z.shape[-1] * LOG_2PI


class NegativeELBO(NamedTuple):
    """The negative ELBO and its two parts, in nats per image (Tensors)."""
    total: mg.Tensor
    reconstruction: mg.Tensor
    kl: mg.Tensor


def _check_pixels(x, pixels, name, dtype=None):
    """x as a Tensor of shape (n, pixels) with values in [0, 1], or a clear error. Arrays are
    given the model's `dtype` (NumPy's float64 into a float32 model would be a dtype error)."""
    x = x if isinstance(x, mg.Tensor) else mg.tensor(np.asarray(x), dtype=dtype)
    if x.ndim != 2 or x.shape[1] != pixels or x.shape[0] == 0:
        raise ValueError(f"{name}: images must have shape (n, {pixels}), got {x.shape}")
    low, high = float(np.min(x.data)), float(np.max(x.data))
    if not (0.0 <= low and high <= 1.0):
        raise ValueError(f"{name}: pixels must lie in [0, 1] (map [-1, 1] digits by (x + 1) / 2), "
                         f"got values from {low:.3g} to {high:.3g}")
    return x


def _model_dtype(model):
    """The dtype of a model's parameters (float32 unless .double() was called)."""
    params = model.parameters()
    return params[0].dtype if params else None


def _probabilities(logits):
    """sigmoid of a logits Tensor, as an ndarray (the mean image of p(x | z))."""
    return mg.sigmoid(logits).data


# ----------------------------------------------------------------------------- the models

class CodeModel(nn.Module):
    """What the two models share: the encoder's first layer fc1 (pixels -> hidden, ReLU), the
    code heads (`heads`: hidden -> latent each), the decoder fc3, fc4 (latent -> hidden, ReLU,
    -> pixels: Bernoulli logits), and decoding codes into images. The layers are made in the order
    fc1, heads, fc3, fc4, which fixes the draws from `rng` and the state_dict's key order."""

    def __init__(self, pixels, hidden, latent, rng, heads):
        super().__init__()
        rng = mg.creation.default_generator() if rng is None else rng
        self.pixels, self.latent_dim = pixels, latent
        self.fc1 = nn.Linear(pixels, hidden, rng=rng)
        for head in heads:
            setattr(self, head, nn.Linear(hidden, latent, rng=rng))
        self.fc3 = nn.Linear(latent, hidden, rng=rng)
        self.fc4 = nn.Linear(hidden, pixels, rng=rng)

    def decode(self, z):
        """Bernoulli logits of the pixels given the code z."""
        return self.fc4(mg.relu(self.fc3(z)))

    @mg.no_grad()
    def generate(self, z):
        """Decode codes z (n, latent) to pixel probabilities in [0, 1] (an ndarray)."""
        return _probabilities(self.decode(mg.tensor(np.asarray(z, dtype=self.fc3.weight.dtype))))

    def _pixels(self, x, name):
        return _check_pixels(x, self.pixels, name, _model_dtype(self))


class Autoencoder(CodeModel):
    """x -> code (784-400-20, ReLU) -> logits (20-400-784, ReLU): one code per image, no prior.

    Trained on the same reconstruction loss as the VAE (BCE summed over pixels), without noise
    and without the KL term."""

    def __init__(self, pixels=PIXELS, hidden=HIDDEN, latent=LATENT, rng=None):
        super().__init__(pixels, hidden, latent, rng, heads=("fc2",))

    def encode(self, x):
        return self.fc2(mg.relu(self.fc1(x)))

    def forward(self, x):
        return self.decode(self.encode(x))

    def training_loss(self, x, rng=None):
        """(mean reconstruction loss in nats per image, {"reconstruction": value})."""
        x = self._pixels(x, "Autoencoder.training_loss")
        loss = mg.mean(bernoulli_reconstruction(x, self(x)))
        return loss, {"reconstruction": float(loss.data)}

    @mg.no_grad()
    def reconstruct(self, x):
        """decode(encode(x)) as pixel probabilities in [0, 1] (an ndarray)."""
        return _probabilities(self(self._pixels(x, "Autoencoder.reconstruct")))

    def sample(self, n, rng):
        """Decode n random codes z ~ N(0, I). Nothing trained the codes to follow that law (or any
        law), so most of these codes lie where the decoder has never been: expect no digits."""
        return self.generate(rng.standard_normal((n, self.latent_dim)))


class VAE(CodeModel):
    """PyTorch's examples/vae: fc1 784->400 (ReLU), fc21 / fc22 400->20 (mu, log sigma^2),
    fc3 20->400 (ReLU), fc4 400->784 (Bernoulli logits). Prior p(z) = N(0, I)."""

    def __init__(self, pixels=PIXELS, hidden=HIDDEN, latent=LATENT, rng=None):
        super().__init__(pixels, hidden, latent, rng, heads=("fc21", "fc22"))

    # -- the two halves
    def encode(self, x):
        """(mu, logvar) of q(z | x) = N(mu, diag exp(logvar))."""
        h = mg.relu(self.fc1(x))
        return self.fc21(h), self.fc22(h)

    def reconstruction_loss(self, x, decoded):
        """-log p(x | z) per image for the decoder's output (here: Bernoulli, summed BCE)."""
        return bernoulli_reconstruction(x, decoded)

    def _noise(self, shape, dtype, rng, eps, name):
        if eps is not None:
            eps = np.asarray(eps.data if isinstance(eps, mg.Tensor) else eps)
            if eps.shape != shape:
                raise ValueError(f"{name}: eps must have shape {shape} (images, latent), got {eps.shape}")
            return mg.Tensor(eps.astype(dtype))
        if rng is None:
            raise ValueError(f"{name}: pass rng (a numpy Generator) or eps, the noise of z = mu + sigma eps")
        return mg.Tensor(rng.standard_normal(shape).astype(dtype))

    # -- the objective
    def negative_elbo(self, x, rng=None, eps=None, reduction="mean"):
        """-ELBO(x) = E_q[-log p(x | z)] + KL(q(z | x) || N(0, I)), one sample z = mu + sigma eps.

        x: (n, pixels) in [0, 1]; eps ~ N(0, I) drawn from `rng`, or given as `eps` (n, latent).
        Returns NegativeELBO(total, reconstruction, kl) in nats per image: means over the batch
        (reduction="mean") or one value per image (reduction="none"). It is an unbiased estimate
        of the negative ELBO, and its gradient (through z) an unbiased estimate of its gradient."""
        if reduction not in ("mean", "none"):
            raise ValueError(f"negative_elbo: reduction must be 'mean' or 'none', got {reduction!r}")
        x = self._pixels(x, "negative_elbo")
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar, self._noise(mu.shape, mu.dtype, rng, eps, "negative_elbo"))
        reconstruction = self.reconstruction_loss(x, self.decode(z))
        kl = gaussian_kl(mu, logvar)
        if reduction == "mean":
            reconstruction, kl = mg.mean(reconstruction), mg.mean(kl)
        return NegativeELBO(reconstruction + kl, reconstruction, kl)

    def training_loss(self, x, rng=None):
        """(mean negative ELBO, {"reconstruction": ..., "kl": ...}) for one minibatch."""
        parts = self.negative_elbo(x, rng=rng)
        return parts.total, {"reconstruction": float(parts.reconstruction.data), "kl": float(parts.kl.data)}

    # -- using the trained model
    @mg.no_grad()
    def reconstruct(self, x):
        """decode(mu(x)): the decoder's image for the mean code, pixel probabilities in [0, 1]."""
        mu, _ = self.encode(self._pixels(x, "VAE.reconstruct"))
        return _probabilities(self.decode(mu))

    def sample(self, n, rng):
        """n new images: z ~ N(0, I) from `rng`, decoded to pixel probabilities in [0, 1]
        (the mean of p(x | z), not a draw of binary pixels)."""
        return self.generate(rng.standard_normal((n, self.latent_dim)))

    @mg.no_grad()
    def log_likelihood(self, x, k, rng, chunk_rows=20000):
        """Importance-weighted estimate of log p(x) per image (nats), with k samples z_i ~ q(z|x):

            log p(x) ~ L_k = log (1/k) sum_i w_i,   w_i = p(x | z_i) p(z_i) / q(z_i | x).

        E[L_k] <= log p(x) (Jensen), E[L_1] = ELBO, and E[L_k] grows with k towards log p(x).
        With z = mu + sigma eps, log q(z | x) = -1/2 sum (eps^2 + log sigma^2) - d/2 log 2 pi.
        Returns an ndarray (n,), float64."""
        if not (isinstance(k, (int, np.integer)) and k >= 1):
            raise ValueError(f"log_likelihood: k must be an int >= 1, got {k!r}")
        x = self._pixels(x, "log_likelihood")
        per_chunk = max(1, chunk_rows // k)
        estimates = []
        for start in range(0, x.shape[0], per_chunk):
            xb = x.data[start:start + per_chunk]
            mu, logvar = self.encode(mg.Tensor(xb))
            n, d = mu.shape
            eps = rng.standard_normal((n, k, d)).astype(mu.dtype)
            sigma = np.exp(0.5 * logvar.data)
            z = mu.data[:, None, :] + sigma[:, None, :] * eps
            decoded = self.decode(mg.Tensor(z.reshape(n * k, d)))
            repeated = mg.Tensor(np.repeat(xb, k, axis=0))
            log_px_z = -self.reconstruction_loss(repeated, decoded).data.astype(np.float64).reshape(n, k)
            log_q = -0.5 * np.sum(eps.astype(np.float64) ** 2 + logvar.data[:, None, :], axis=2) - 0.5 * d * LOG_2PI
            log_w = log_px_z + standard_normal_log_density(z) - log_q
            top = log_w.max(axis=1, keepdims=True)
            estimates.append(top[:, 0] + np.log(np.mean(np.exp(log_w - top), axis=1)))
        return np.concatenate(estimates)


# ----------------------------------------------------------------------------- training

def minibatches(n_images, batch_size, steps, rng):
    """Index arrays of `steps` minibatches: shuffle once per pass, cut into full batches of
    `batch_size` (the incomplete rest of a pass is skipped)."""
    if not 1 <= batch_size <= n_images:
        raise ValueError(f"minibatches: batch_size must lie in [1, {n_images}] (the number of images), "
                         f"got {batch_size}")
    per_pass = n_images // batch_size
    done = 0
    while done < steps:
        order = rng.permutation(n_images)
        for b in range(min(per_pass, steps - done)):
            yield order[b * batch_size:(b + 1) * batch_size]
        done += min(per_pass, steps - done)


def fit(model, images, steps, rng, batch_size=128, lr=1e-3, callback=None, callback_every=100, progress=True):
    """Train an Autoencoder or a VAE on `images` (n, pixels) in [0, 1] with Adam(lr).

    One step = one minibatch (see `minibatches`), one model.training_loss, one Adam step. The
    same `rng` shuffles and draws the VAE's eps, so a run is reproducible from its seed.
    callback(model, step) runs every `callback_every` steps. Returns the history: a dict of
    per-step lists ("loss" and the parts of model.training_loss). Ctrl-C ends training early
    (history["interrupted_at_step"] says when) and returns the model trained so far; under a lesson's
    runner (gan/interrupt.py) the first Ctrl-C ends it after the current step, in the same way."""
    images = np.asarray(images, dtype=mg.get_default_dtype())
    _check_pixels(images[:1], model.pixels, "fit", _model_dtype(model))
    optimizer = optim.Adam(model.parameters(), lr=lr)
    history = {"loss": []}
    bar = ProgressBar(steps, enabled=progress)
    try:
        for step, batch in enumerate(minibatches(len(images), batch_size, steps, rng), start=1):
            if interrupt.requested():
                history["interrupted_at_step"] = len(history["loss"])
                break
            loss, parts = model.training_loss(mg.Tensor(images[batch]), rng)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            value = float(loss.data)
            if not math.isfinite(value):
                raise FloatingPointError(f"fit: step {step}: the loss is {value}; lower lr (now {lr})")
            history["loss"].append(value)
            for name, part in parts.items():
                history.setdefault(name, []).append(part)
            if callback is not None and step % callback_every == 0:
                callback(model, step)
            bar.update(step, {"loss": value})
    except KeyboardInterrupt:
        history["interrupted_at_step"] = len(history["loss"])
    finally:
        bar.close()
    return history


@mg.no_grad()
def evaluate_negative_elbo(model, images, rng, batch_size=500):
    """Mean negative ELBO, reconstruction and KL (floats, nats per image) over `images`, one eps
    per image from `rng`."""
    totals = np.zeros(3)
    for start in range(0, len(images), batch_size):
        batch = np.asarray(images[start:start + batch_size], dtype=mg.get_default_dtype())
        parts = model.negative_elbo(batch, rng=rng, reduction="none")
        totals += [float(np.sum(p.data, dtype=np.float64)) for p in parts]
    total, reconstruction, kl = totals / len(images)
    return {"neg_elbo": total, "reconstruction": reconstruction, "kl": kl}
