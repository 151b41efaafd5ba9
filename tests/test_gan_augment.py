"""gan/augment.py: the judge's random affine distortions move, turn and resize digits as the formula
says (checked against exact pixel moves), and keep pixels in [-1, 1]."""
import numpy as np

from gan import augment


def some_images(n=3, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28)).astype(np.float32)


def test_no_distortion_gives_the_images_back():
    images = some_images()
    same = augment.affine(images, np.zeros(3), np.ones(3), np.zeros((3, 2)))
    np.testing.assert_array_equal(same, images)


def test_a_whole_pixel_shift_moves_the_image_and_fills_with_background():
    images = some_images(2)
    moved = augment.affine(images, np.zeros(2), np.ones(2), np.array([[1.0, 0.0], [0.0, -2.0]]))
    np.testing.assert_array_equal(moved[0, 1:], images[0, :-1])        # one row down
    assert np.all(moved[0, 0] == augment.BACKGROUND)
    np.testing.assert_array_equal(moved[1, :, :-2], images[1, :, 2:])   # two columns left
    assert np.all(moved[1, :, -2:] == augment.BACKGROUND)


def test_a_quarter_turn_is_rot90_and_a_half_pixel_shift_averages_neighbours():
    images = some_images(2)
    turned = augment.affine(images, np.full(2, np.pi / 2), np.ones(2), np.zeros((2, 2)))
    np.testing.assert_allclose(turned, np.rot90(images, 1, axes=(1, 2)), atol=1e-5)
    half = augment.affine(images, np.zeros(2), np.ones(2), np.array([[0.0, 0.5], [0.0, 0.5]]))
    np.testing.assert_allclose(half[:, :, 1:], (images[:, :, 1:] + images[:, :, :-1]) / 2, atol=1e-6)


def test_every_pixel_reads_the_input_where_the_formula_says():
    """On a linear ramp f(r, c) = a r + b c + d bilinear reading is exact, so each output pixel p must
    equal f(q) with q = R(-angle)(p - centre)/scale + centre - shift, wherever q lies inside the image."""
    a, b, d = 0.03, -0.02, 0.1
    rows, cols = np.mgrid[0:28, 0:28].astype(np.float64)
    ramp = (a * rows + b * cols + d).astype(np.float32)[None]
    angle, scale, shift = 0.3, 1.4, np.array([1.25, -0.5])
    out = augment.affine(ramp, np.array([angle]), np.array([scale]), shift[None])[0]
    centre = 13.5
    cos, sin = np.cos(angle), np.sin(angle)
    q_row = (cos * (rows - centre) + sin * (cols - centre)) / scale + centre - shift[0]
    q_col = (-sin * (rows - centre) + cos * (cols - centre)) / scale + centre - shift[1]
    inside = (q_row >= 0) & (q_row <= 27) & (q_col >= 0) & (q_col <= 27)
    assert inside.sum() > 300
    np.testing.assert_allclose(out[inside], (a * q_row + b * q_col + d)[inside], atol=1e-5)


def test_random_affine_draws_a_distortion_per_image_within_range():
    rng = np.random.default_rng(0)
    images = np.repeat(some_images(1), 8, axis=0)
    out = augment.random_affine(images.reshape(8, 784), rng)
    assert out.shape == (8, 1, 28, 28) and out.dtype == np.float32
    assert out.min() >= -1.0 and out.max() <= 1.0                       # bilinear mixes stay in range
    assert len({out[i].tobytes() for i in range(8)}) == 8                 # each image its own draw
    still = augment.random_affine(images, rng, max_shift=0.0, max_degrees=0.0, max_scale=0.0)
    np.testing.assert_array_equal(still[:, 0], images)
