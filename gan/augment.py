"""Data augmentation for the digit judge: every training batch is a fresh random small affine
distortion of the digits, so 4,000 digits teach the classifier what a 4,000-fold larger set of
slightly moved, turned and resized digits would.

    batch = random_affine(images, rng, max_shift=2, max_degrees=12, max_scale=0.1)

Each image gets its own angle a ~ U(-max_degrees, max_degrees), scale s ~ 1 + U(-max_scale,
max_scale) and shift t ~ U(-max_shift, max_shift)^2 pixels. The output pixel at p (coordinates
(row, column) measured from the image centre c = (13.5, 13.5)) reads the input at

    q = R(-a) (p - c) / s + c - t          (R(a): the rotation by a)

that is, the digit is turned by a, scaled by s and moved by t about the centre. q falls between
pixels, so the value is the bilinear mix of the 4 pixels around it; outside the image the
background (-1, black) is read. With a = 0, s = 1, t = 0 the image comes back unchanged.
"""
import numpy as np

BACKGROUND = -1.0   # the digits' black, on the [-1, 1] pixel scale
SIDE = 28
PAD = 4             # background border read by points that fall up to PAD pixels outside


def random_affine(images, rng, max_shift=2.0, max_degrees=12.0, max_scale=0.1):
    """(n, 784) or (n, 1, 28, 28) digits in [-1, 1] -> (n, 1, 28, 28) float32, each distorted by
    its own random rotation, scale and shift (see the module docstring)."""
    flat = np.asarray(images, dtype=np.float32).reshape(-1, SIDE, SIDE)
    n = len(flat)
    angle = np.deg2rad(rng.uniform(-max_degrees, max_degrees, n))
    scale = 1.0 + rng.uniform(-max_scale, max_scale, n)
    shift = rng.uniform(-max_shift, max_shift, (n, 2))
    return affine(flat, angle, scale, shift).reshape(n, 1, SIDE, SIDE)


def affine(images, angle, scale, shift):
    """(n, 28, 28) images, each turned by angle[i] (radians), scaled by scale[i] and moved by
    shift[i] = (rows, columns) about the centre; bilinear, background outside."""
    n = len(images)
    centre = (SIDE - 1) / 2
    rows, cols = np.mgrid[0:SIDE, 0:SIDE].reshape(2, 1, -1) - centre          # p - c, (1, 784) each
    cos, sin = (np.cos(angle) / scale)[:, None], (np.sin(angle) / scale)[:, None]
    # q = R(-a)(p - c)/s + c - t, then + PAD for the bordered copy
    q_row = cos * rows + sin * cols + centre - shift[:, :1] + PAD
    q_col = -sin * rows + cos * cols + centre - shift[:, 1:] + PAD
    bordered = np.full((n, SIDE + 2 * PAD, SIDE + 2 * PAD), BACKGROUND, dtype=np.float32)
    bordered[:, PAD:PAD + SIDE, PAD:PAD + SIDE] = images
    limit = SIDE + 2 * PAD - 1.001       # keep q's 4 neighbours inside the bordered copy
    q_row, q_col = np.clip(q_row, 0, limit), np.clip(q_col, 0, limit)
    top, left = np.floor(q_row).astype(np.intp), np.floor(q_col).astype(np.intp)
    down, right = (q_row - top).astype(np.float32), (q_col - left).astype(np.float32)
    width = SIDE + 2 * PAD
    pixels = bordered.reshape(n, -1)
    which = np.arange(n)[:, None]
    at = top * width + left

    def read(offset):
        return pixels[which, at + offset]

    out = ((1 - down) * ((1 - right) * read(0) + right * read(1))
           + down * ((1 - right) * read(width) + right * read(width + 1)))
    return out.reshape(n, SIDE, SIDE).astype(np.float32)
