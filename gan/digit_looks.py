"""Judge-free measures of how generated digits look, for the lab notes (demos/lab_notes.py): black
images, a saturated tanh, the gradient that reaches the generator, clipped weights, "relief" images.

All images are in [-1, 1] (the data's range and tanh's), any shape (n, ...) with n images.

    mean_pixel(x)                 the mean pixel: -1 for an all-black image; real digits about -0.74
    floor_share(x)                share of pixels at tanh's floor, x < -1 + 0.01
    output_gradients(G, D, z)     what the generator loss hands to G's output layer (through tanh)
    share_at_clip(module, c)      share of a clipped critic's weights sitting at +-c
    input_gradient_norm(f, x)     mean ||grad_x f(x)||: the critic's slope, which clipping was to bound
    gradient_alignment(f, x)      mean cosine between grad_x f at different images (1: f is linear)
    relief(x)                     the grey plate and sharp carving of an embossed image
"""
import numpy as np

import minigrad as mg
from gan import losses

FLOOR_TOLERANCE = 0.01   # a pixel below -1 + 0.01 has tanh'(a) = 1 - y^2 < 0.02: saturated


def _flat(images):
    images = np.asarray(images, dtype=np.float64)
    return images.reshape(len(images), -1)


def mean_pixel(images):
    """Mean of all pixels (in [-1, 1]): -1 means completely black images."""
    return float(_flat(images).mean())


def floor_share(images, tolerance=FLOOR_TOLERANCE):
    """Share of pixels y < -1 + tolerance: where tanh is saturated at its floor. There
    tanh'(a) = 1 - y^2 < 2 * tolerance, so almost no gradient reaches the pre-activation a."""
    return float((_flat(images) < -1 + tolerance).mean())


def output_gradients(generator, discriminator, z, loss="nonsaturating"):
    """What the generator loss L_G(D(G(z))) sends back to G's output layer, on noise z (n, d).

    G's last layer computes y = tanh(a). With dL/dy taken by backprop through D,
        dL/da = dL/dy * (1 - y^2)                 (tanh's derivative, written through its output)
    is what the output layer's weights receive (dL/dW = (dL/da)^T h). Returns a dict of per-image
    mean norms: "pixel" = ||dL/dy|| (D's verdict on the pixels) and "pre_activation" = ||dL/da||
    (what survives tanh), both for the batch-mean loss times n (one image's loss); and
    "darker_share", the share of ||dL/dy||^2 in pixels that a descent step makes darker (dL/dy > 0)."""
    with mg.no_grad():
        y = generator(mg.Tensor(np.asarray(z, dtype=np.float32))).data
    images = mg.Tensor(y, requires_grad=True)
    g_loss = losses.LOSS_FAMILIES[loss][1](discriminator(images))
    (grad,) = mg.grad(g_loss * float(len(y)), [images])
    dy = grad.data.reshape(len(y), -1).astype(np.float64)
    da = dy * (1.0 - y.reshape(len(y), -1).astype(np.float64) ** 2)
    squares = dy ** 2
    return {"pixel": float(np.linalg.norm(dy, axis=1).mean()),
            "pre_activation": float(np.linalg.norm(da, axis=1).mean()),
            # a descent step moves y by -lr dL/dy: darker where dL/dy > 0
            "darker_share": float(squares[dy > 0].sum() / max(squares.sum(), 1e-300))}


def share_at_clip(module, c, rel_tolerance=1e-3):
    """Share of the weights of `module` (all parameters) with |w| >= c (1 - rel_tolerance): those
    that clipping holds at the walls +-c. Uniform weights in [-c, c] would give rel_tolerance."""
    values = np.concatenate([np.abs(p.data).ravel() for p in module.parameters()])
    return float((values >= c * (1 - rel_tolerance)).mean())


def input_gradient_norm(critic, images):
    """Mean over the images of ||grad_x f(x)||_2, the critic's slope at them: a 1-Lipschitz critic
    (what clipping was meant to ensure, up to a constant) has it <= 1 everywhere."""
    x = mg.Tensor(np.asarray(images, dtype=np.float32).reshape(len(images), -1), requires_grad=True)
    (grad,) = mg.grad(critic(x).sum(), [x])
    return float(np.linalg.norm(grad.data.astype(np.float64), axis=1).mean())


def _local_mean(images):
    """The mean of each pixel's 3 x 3 neighbourhood (edges repeated), images (n, 28, 28)."""
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1)), mode="edge")
    return sum(padded[:, i:i + 28, j:j + 28] for i in range(3) for j in range(3)) / 9.0


def gradient_alignment(critic, images):
    """How much the critic's slope is one fixed image: the mean cosine between its input gradients
    grad_x f(x) at different images, estimated as ||mean of the unit gradients||^2 (1 for a linear
    critic f(x) = w.x + b, whose gradient is w everywhere; about 0 for unrelated directions)."""
    x = mg.Tensor(np.asarray(images, dtype=np.float32).reshape(len(images), -1), requires_grad=True)
    (grad,) = mg.grad(critic(x).sum(), [x])
    g = grad.data.astype(np.float64)
    units = g / np.maximum(np.linalg.norm(g, axis=1, keepdims=True), 1e-30)
    n = len(units)
    mean = units.mean(axis=0)
    return float((n * float(mean @ mean) - 1.0) / (n - 1))   # the off-diagonal mean of the cosines


def relief(images):
    """The look of an embossed ("relief") image: strokes carved into a grey plate. Measured in the
    central 16 x 16 pixels (where the digits are drawn):
        grey_share      share of pixels with |y| < 0.5: neither black paper nor white ink (the plate)
        local_contrast  mean |y - mean of its 3 x 3 neighbourhood|: how sharply it is carved
        relief          grey_share * local_contrast: high only when both are
    Real digits: little grey, sharp strokes (low relief); a blurred blob: much grey, no contrast
    (low relief); an embossed digit, a plate with sharp bright and dark edges: both (high)."""
    x = np.asarray(images, dtype=np.float64).reshape(len(images), 28, 28)
    crop = (slice(None), slice(6, 22), slice(6, 22))
    grey = float((np.abs(x[crop]) < 0.5).mean())
    contrast = float(np.abs(x - _local_mean(x))[crop].mean())
    return {"grey_share": grey, "local_contrast": contrast, "relief": grey * contrast}
