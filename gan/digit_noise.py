"""The noise around generated digits, measured without a classifier.

The MNIST note (001) saw "Gaussian-like noise around the digits" in the samples of a fully
connected generator, and saw it vanish when the output layer became a 5 x 5 convolution. Two
figures make that visible speck measurable, both on brightness b = (x + 1) / 2 in [0, 1]
(x the generator's pixel in [-1, 1]: -1 black, +1 white):

    background mask    M = the pixels lit (b > LIT = 0.1) in fewer than 1% of the real training
                       digits: the ring of the 28 x 28 frame where a real digit never draws
                       (302 of the 784 pixels for the packaged 5,000 digits)

    background_brightness(images, M) = mean over images and over the pixels of M of b
                       (a real held-out digit: about 0.001; every grey speck raises it)

    isolated_share(images) = mean over images of (1 / HW) #{(i, j): b(i, j) > LIT and all 8
                       neighbours b <= LIT}
                       the lone lit pixels: a stroke is a connected run of lit pixels, a speck of
                       noise is one pixel on its own (real digits: about 0.0001)

Blur is the other half of the note's observation; gan.metrics.sharpness (the mean |Laplacian|)
measures it: a blurred image has smaller pixel-to-pixel differences.

    mask = background_mask(train_x)
    noise_figures(samples, mask)  -> {"background_brightness": ..., "isolated_share": ..., "sharpness": ...}
"""
import numpy as np

from gan.metrics import sharpness

LIT = 0.1            # a pixel counts as lit above this brightness (b in [0, 1])
RARE = 0.01          # a background pixel is lit in fewer than this share of the real digits


def brightness(images):
    """(n, 28, 28) brightness b = (x + 1) / 2 in [0, 1] of images x in [-1, 1], given as (n, 784),
    (n, 28, 28) or (n, 1, 28, 28)."""
    x = np.asarray(images, dtype=np.float64)
    if x.ndim < 2 or x.size % 784 or len(x) == 0:
        raise ValueError(f"brightness: need n >= 1 images of 28 x 28 pixels, got shape {x.shape}")
    return (x.reshape(len(x), 28, 28) + 1.0) / 2.0


def background_mask(real_images, lit=LIT, rare=RARE):
    """(28, 28) bool: the pixels lit (b > lit) in fewer than `rare` of `real_images` (the real
    training digits): where the data say "always black"."""
    return (brightness(real_images) > lit).mean(axis=0) < rare


def background_brightness(images, mask):
    """Mean brightness b over the pixels of `mask` (background_mask) and over the images."""
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != (28, 28) or not mask.any():
        raise ValueError(f"background_brightness: mask must be a (28, 28) bool array with a True pixel, "
                         f"got shape {mask.shape}")
    return float(brightness(images)[:, mask].mean())


def isolated_share(images, lit=LIT):
    """Share of the pixels that are lit (b > lit) while none of their 8 neighbours is: lone specks.
    Pixels outside the frame count as dark (a lit corner pixel with dark neighbours is isolated)."""
    on = brightness(images) > lit
    padded = np.pad(on, ((0, 0), (1, 1), (1, 1)))
    neighbours = np.zeros(on.shape, dtype=np.int32)
    for di in (0, 1, 2):
        for dj in (0, 1, 2):
            if (di, dj) != (1, 1):
                neighbours += padded[:, di:di + 28, dj:dj + 28]
    return float((on & (neighbours == 0)).mean())


def noise_figures(images, mask):
    """The three figures of the noise lesson for `images` in [-1, 1]: background_brightness,
    isolated_share and sharpness (gan.metrics.sharpness, on [-1, 1] pixels)."""
    return {"background_brightness": background_brightness(images, mask),
            "isolated_share": isolated_share(images),
            "sharpness": sharpness(np.asarray(images).reshape(len(images), 784))}
