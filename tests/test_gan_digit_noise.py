"""gan/digit_noise.py: the background mask, the background brightness and the lone lit pixels, each
checked on images drawn by hand where the answer can be counted."""
import numpy as np
import pytest

from gan import digit_noise
from gan.metrics import sharpness


def black(n=1):
    return -np.ones((n, 28, 28))


def test_brightness_maps_minus_one_to_zero_and_accepts_the_three_shapes():
    x = black(2)
    x[0, 3, 4] = 1.0
    x[1, 5, 6] = 0.0
    for shaped in (x, x.reshape(2, 784), x.reshape(2, 1, 28, 28)):
        b = digit_noise.brightness(shaped)
        assert b.shape == (2, 28, 28)
        assert b[0, 3, 4] == 1.0 and b[1, 5, 6] == 0.5 and b.sum() == 1.5
    with pytest.raises(ValueError, match="28 x 28"):
        digit_noise.brightness(np.zeros((2, 100)))


def test_background_mask_is_where_fewer_than_one_percent_of_the_real_digits_are_lit():
    real = black(200)
    real[:, 10:18, 10:18] = 1.0          # every digit lights the centre
    real[:2, 0, 0] = 1.0                 # 2 of 200 = 1%: not rare enough for the background
    real[:1, 0, 1] = 1.0                 # 1 of 200 = 0.5%: background
    real[:, 27, 27] = -0.85              # brightness 0.075 <= LIT: counts as dark everywhere
    mask = digit_noise.background_mask(real)
    assert mask.shape == (28, 28) and mask.dtype == bool
    assert not mask[10:18, 10:18].any()
    assert not mask[0, 0] and mask[0, 1] and mask[27, 27]
    assert mask.sum() == 784 - 64 - 1


def test_background_brightness_averages_the_masked_pixels_only():
    mask = np.zeros((28, 28), dtype=bool)
    mask[0, :4] = True                   # four background pixels
    images = black(2)
    images[:, 14, 14] = 1.0              # lit, but outside the mask: does not count
    images[0, 0, 0] = 0.0                # brightness 0.5 on one of 4 pixels of image 0
    assert digit_noise.background_brightness(images, mask) == pytest.approx(0.5 / 8)
    with pytest.raises(ValueError, match="mask"):
        digit_noise.background_brightness(images, np.zeros((28, 28), dtype=bool))


@pytest.mark.parametrize("pixels, isolated", [
    ([(5, 5)], 1),                       # a lone speck
    ([(0, 0)], 1),                       # in the corner: outside the frame counts as dark
    ([(5, 5), (5, 6)], 0),               # two side by side: a stroke, not a speck
    ([(5, 5), (6, 6)], 0),               # diagonal neighbours touch too (8-neighbourhood)
    ([(5, 5), (5, 7)], 2),               # one dark pixel between them: two specks
    ([(5, 5), (5, 6), (20, 20)], 1),
])
def test_isolated_share_counts_lit_pixels_without_a_lit_neighbour(pixels, isolated):
    image = black()
    for i, j in pixels:
        image[0, i, j] = 1.0
    assert digit_noise.isolated_share(image) == pytest.approx(isolated / 784)


def test_isolated_share_ignores_pixels_at_or_below_the_lit_threshold():
    image = black()
    image[0, 5, 5] = 1.0
    image[0, 5, 6] = 2 * digit_noise.LIT - 1.0          # brightness exactly LIT: dark, so 5,5 is alone
    assert digit_noise.isolated_share(image) == pytest.approx(1 / 784)
    image[0, 5, 6] += 0.01                              # now lit: both belong to a stroke
    assert digit_noise.isolated_share(image) == 0.0


def test_noise_figures_of_speckled_images_exceed_those_of_clean_strokes():
    rng = np.random.default_rng(0)
    clean = black(50)
    clean[:, 6:22, 12:16] = 1.0                          # a bar: a "1"
    speckled = clean.copy()
    speckled[rng.random(speckled.shape) < 0.03] = 1.0    # 3% lone-ish bright specks everywhere
    mask = digit_noise.background_mask(clean)
    quiet, noisy = digit_noise.noise_figures(clean, mask), digit_noise.noise_figures(speckled, mask)
    assert quiet["background_brightness"] == 0.0 and quiet["isolated_share"] == 0.0
    assert noisy["background_brightness"] > 0.02 and noisy["isolated_share"] > 0.01
    assert quiet["sharpness"] == sharpness(clean.reshape(50, 784)) < noisy["sharpness"]
