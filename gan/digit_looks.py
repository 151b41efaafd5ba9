"""Judge-free measures of how generated digits look, for the lab notes (demos/lab_notes.py): black
images, a saturated tanh, the gradient that reaches the generator, clipped weights, "relief" images.

All images are in [-1, 1] (the data's range and tanh's), any shape (n, ...) with n images.

    mean_pixel(x)                 the mean pixel: -1 for an all-black image; real digits about -0.74
    floor_share(x)                share of pixels at tanh's floor, x < -1 + 0.01
    output_gradients(G, D, z)     what the generator loss hands to G's output layer (through tanh)
    share_at_clip(module, c)      share of a clipped critic's weights sitting at +-c
    input_gradient_norm(f, x)     mean ||grad_x f(x)||: the critic's slope, which clipping was to bound
    relief(x)                     the grey background and the dark "shadows" of an embossed image
"""
import numpy as np

import minigrad as mg
from gan import losses

FLOOR_TOLERANCE = 0.01   # a pixel below -1 + 0.01 has tanh'(a) = 1 - y^2 < 0.02: saturated
SHADOW_MARGIN = 0.25     # a "shadow" pixel is this much darker than its image's background level


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
    (what survives tanh), both for the batch-mean loss times n (one image's loss)."""
    with mg.no_grad():
        y = generator(mg.Tensor(np.asarray(z, dtype=np.float32))).data
    images = mg.Tensor(y, requires_grad=True)
    g_loss = losses.LOSS_FAMILIES[loss][1](discriminator(images))
    (grad,) = mg.grad(g_loss * float(len(y)), [images])
    dy = grad.data.reshape(len(y), -1).astype(np.float64)
    da = dy * (1.0 - y.reshape(len(y), -1).astype(np.float64) ** 2)
    return {"pixel": float(np.linalg.norm(dy, axis=1).mean()),
            "pre_activation": float(np.linalg.norm(da, axis=1).mean())}


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


def relief(images, margin=SHADOW_MARGIN):
    """The look of an embossed ("relief") image: a grey background with strokes drawn as a bright
    edge beside a dark one. Per image, the background level is its median pixel (most of a digit
    image is background); then
        background = mean over images of the median pixel           (real digits: -1, black)
        shadow_share = share of pixels darker than median - margin  (real digits: 0, nothing is
                                                                     darker than a black background)
    A real digit cannot have a shadow: its background is already the darkest value. An embossed
    image has both a grey background and shadows; a noisy grey image has a grey background only."""
    flat = _flat(images)
    median = np.median(flat, axis=1, keepdims=True)
    return {"background": float(median.mean()), "shadow_share": float((flat < median - margin).mean())}
