"""Tests for gan.data: shapes, dtypes, the laws the samplers promise, and the digit loaders."""

import gzip

import numpy as np
import pytest

from gan import data, digits

# ----------------------------------------------------------------------------
# the parabola curves
# ----------------------------------------------------------------------------


def test_curve_x_is_fifteen_points_from_minus_two_to_two():
    assert data.CURVE_X.shape == (15,)
    assert data.CURVE_X[0] == -2.0 and data.CURVE_X[-1] == 2.0
    assert np.allclose(np.diff(data.CURVE_X), 4.0 / 14)


def test_curves_shape_and_dtype():
    c = data.curves(64, np.random.default_rng(0))
    assert c.shape == (64, 15)
    assert c.dtype == np.float32


def test_curves_follow_the_formula_with_their_a():
    c, a = data.curves_with_a(50, np.random.default_rng(1))
    assert a.shape == (50,) and a.dtype == np.float32
    x = data.CURVE_X
    expected = a[:, None].astype(np.float64) * x**2 + a[:, None] - 1.0
    assert np.allclose(c, expected, atol=1e-5)


def test_curves_lie_between_the_a_equals_1_and_a_equals_3_parabolas():
    c = data.curves(2000, np.random.default_rng(2))
    lower = data.CURVE_X**2  # a = 1
    upper = 3.0 * data.CURVE_X**2 + 2.0  # a = 3
    assert np.all(c >= lower - 1e-5)
    assert np.all(c <= upper + 1e-5)


def test_curve_parameter_is_uniform_on_1_3():
    # a can be read off the curve at x = 0, where y = a - 1.
    c = data.curves(20000, np.random.default_rng(3))
    a = c[:, 7].astype(np.float64) + 1.0
    assert data.CURVE_X[7] == 0.0
    assert a.min() >= 1.0 and a.max() <= 3.0
    # U[1, 3]: mean 2, std 2/sqrt(12) = 0.5774; standard errors ~0.004 and ~0.002
    assert abs(a.mean() - 2.0) < 0.02
    assert abs(a.std() - 2.0 / np.sqrt(12.0)) < 0.01
    # and flat: each quarter of [1, 3] gets about a quarter of the curves
    quarters = np.histogram(a, bins=4, range=(1, 3))[0] / len(a)
    assert np.all(np.abs(quarters - 0.25) < 0.02)


def test_curves_reject_bad_n_and_rng():
    rng = np.random.default_rng(0)
    for bad in (0, -3, 2.5, "10", True):
        with pytest.raises(ValueError, match="curves"):
            data.curves(bad, rng)
    with pytest.raises(TypeError, match="Generator"):
        data.curves(5, np.random.RandomState(0))


def test_numpy_integers_are_accepted_as_n():
    assert data.curves(np.int64(3), np.random.default_rng(0)).shape == (3, 15)


# ----------------------------------------------------------------------------
# 1-D Gaussians
# ----------------------------------------------------------------------------


def test_gaussian_1d_moments():
    x = data.gaussian_1d(40000, np.random.default_rng(4), mean=3.0, std=0.5)
    assert x.shape == (40000, 1) and x.dtype == np.float32
    assert abs(x.mean() - 3.0) < 0.02  # standard error 0.0025
    assert abs(x.std() - 0.5) < 0.01


def test_gaussian_1d_rejects_non_positive_std():
    with pytest.raises(ValueError, match="gaussian_1d: std"):
        data.gaussian_1d(10, np.random.default_rng(0), std=0.0)


def test_gaussian_mixture_1d_weights_and_components():
    means, stds, weights = [-5.0, 0.0, 5.0], [0.1, 0.2, 0.3], [1.0, 2.0, 1.0]
    x = data.gaussian_mixture_1d(40000, np.random.default_rng(5), means, stds, weights)[:, 0]
    assert x.dtype == np.float32
    # the components are far apart: the nearest mean tells which one drew a sample
    component = np.argmin(np.abs(x[:, None] - np.array(means)), axis=1)
    shares = np.bincount(component, minlength=3) / len(x)
    assert np.allclose(shares, [0.25, 0.5, 0.25], atol=0.015)
    for k in range(3):
        assert abs(x[component == k].std() - stds[k]) < 0.01


def test_gaussian_mixture_1d_equal_weights_and_scalar_std():
    x = data.gaussian_mixture_1d(20000, np.random.default_rng(6), [0.0, 10.0], 1.0)[:, 0]
    assert abs(np.mean(x > 5.0) - 0.5) < 0.02


def test_gaussian_mixture_1d_rejects_mismatched_arguments():
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match="stds"):
        data.gaussian_mixture_1d(10, rng, [0.0, 1.0], [1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="weights"):
        data.gaussian_mixture_1d(10, rng, [0.0, 1.0], 1.0, weights=[1.0, -1.0])


# ----------------------------------------------------------------------------
# ring and grid
# ----------------------------------------------------------------------------


def test_ring8_centers_are_on_the_circle_of_radius_2():
    centers = data.RING8_CENTERS
    assert centers.shape == (8, 2)
    assert np.allclose(np.hypot(centers[:, 0], centers[:, 1]), 2.0)
    angles = np.sort(np.mod(np.arctan2(centers[:, 1], centers[:, 0]), 2 * np.pi))
    assert np.allclose(angles, np.arange(8) * np.pi / 4)
    assert data.RING8_STD == 0.02


def test_grid25_centers_are_the_5x5_grid_of_even_numbers():
    centers = data.GRID25_CENTERS
    expected = {(i, j) for i in (-4, -2, 0, 2, 4) for j in (-4, -2, 0, 2, 4)}
    assert centers.shape == (25, 2)
    assert {(int(round(x)), int(round(y))) for x, y in centers} == expected
    assert np.allclose(centers, np.round(centers))
    assert data.GRID25_STD == 0.05


def test_pacgan_ring_and_grid_have_the_papers_parameters():
    # PacGAN Table 1: ring = 8 modes on the unit circle, std 0.01; grid = {-4, -2, 0, 2, 4}^2, std 0.05
    ring = data.PACGAN_RING_CENTERS
    assert np.allclose(np.hypot(ring[:, 0], ring[:, 1]), 1.0)
    assert np.allclose(np.sort(np.mod(np.arctan2(ring[:, 1], ring[:, 0]), 2 * np.pi)), np.arange(8) * np.pi / 4)
    assert data.PACGAN_RING_STD == 0.01 and data.PACGAN_GRID_STD == 0.05
    assert {(int(x), int(y)) for x, y in data.PACGAN_GRID_CENTERS} == {(i, j) for i in range(-4, 5, 2) for j in range(-4, 5, 2)}
    assert set(data.PACGAN_DATASETS) == {"ring", "grid"}
    # the lesson's ring keeps its own parameters
    assert data.RING8_STD == 0.02 and np.allclose(np.hypot(*data.RING8_CENTERS.T), 2.0)


def test_module_constants_cannot_be_modified_by_accident():
    with pytest.raises(ValueError):
        data.RING8_CENTERS[0, 0] = 5.0


@pytest.mark.parametrize(
    "sampler, centers, std",
    [
        (data.ring8, data.RING8_CENTERS, data.RING8_STD),
        (data.grid25, data.GRID25_CENTERS, data.GRID25_STD),
        (data.pacgan_ring, data.PACGAN_RING_CENTERS, data.PACGAN_RING_STD),
        (data.pacgan_grid, data.PACGAN_GRID_CENTERS, data.PACGAN_GRID_STD),
    ],
)
def test_mixture_samples_sit_on_their_modes_with_equal_frequency(sampler, centers, std):
    n = 25000
    x = sampler(n, np.random.default_rng(7))
    assert x.shape == (n, 2) and x.dtype == np.float32
    distances = np.linalg.norm(x[:, None, :].astype(np.float64) - centers[None], axis=2)
    nearest = distances.argmin(axis=1)
    # within 6 std of a centre (the chance to be farther is exp(-18), about 1e-8)
    assert np.all(distances.min(axis=1) < 6 * std)
    k = len(centers)
    shares = np.bincount(nearest, minlength=k) / n
    # each mode has probability 1/K; the binomial standard error is below 0.0018
    assert np.all(np.abs(shares - 1.0 / k) < 0.008)
    # the noise around each centre has the promised std per coordinate
    offsets = x - centers[nearest]
    assert abs(offsets.std() - std) < 0.05 * std


def test_ring8_and_grid25_parameters_move_the_centres():
    x = data.ring8(500, np.random.default_rng(8), radius=5.0, std=0.01)
    assert np.allclose(np.hypot(x[:, 0], x[:, 1]), 5.0, atol=0.06)
    g = data.grid25(500, np.random.default_rng(9), spacing=1.0, std=0.01)
    assert np.all(np.abs(g) < 2.1)
    assert np.allclose(g, np.round(g), atol=0.06)


def test_swiss_roll_without_noise_lies_on_the_spiral():
    x = data.swiss_roll(3000, np.random.default_rng(10), noise=0.0).astype(np.float64)
    assert x.shape == (3000, 2)
    r = np.hypot(x[:, 0], x[:, 1])
    t = r / data.SWISS_ROLL_SCALE  # on the spiral the radius is scale * t
    assert t.min() >= 1.5 * np.pi - 1e-4 and t.max() <= 4.5 * np.pi + 1e-4
    assert np.allclose(x[:, 0], data.SWISS_ROLL_SCALE * t * np.cos(t), atol=1e-4)
    assert np.allclose(x[:, 1], data.SWISS_ROLL_SCALE * t * np.sin(t), atol=1e-4)


def test_swiss_roll_noise_is_added():
    rng = np.random.default_rng(11)
    clean = data.swiss_roll(2000, np.random.default_rng(11), noise=0.0)
    noisy = data.swiss_roll(2000, rng, noise=0.1)
    # the same seed draws the same positions t; only the added noise differs
    assert abs((noisy - clean).std() - 0.1) < 0.005
    assert data.swiss_roll(5, rng).dtype == np.float32


def test_two_moons_without_noise_lie_on_their_half_circles():
    x = data.two_moons(4000, np.random.default_rng(12), noise=0.0).astype(np.float64)
    assert x.shape == (4000, 2)
    # undo the scaling and the centring: the moons of radius 1 before they were moved
    u = x / data.TWO_MOONS_SCALE + np.array([0.5, 0.25])
    upper = np.abs(np.hypot(u[:, 0], u[:, 1]) - 1.0) < 1e-5
    lower = np.abs(np.hypot(u[:, 0] - 1.0, u[:, 1] - 0.5) - 1.0) < 1e-5
    assert np.all(upper | lower)
    assert np.all(u[upper & ~lower, 1] >= -1e-5)          # the upper moon is the top half of its circle
    assert np.all(u[lower & ~upper, 1] <= 0.5 + 1e-5)     # the lower moon the bottom half of its own
    # each moon has probability 1/2 (binomial standard error 0.008)
    assert abs(upper.mean() - 0.5) < 0.03
    # and the pair is centred: the mean of the points is 0 up to sampling error
    assert np.all(np.abs(x.mean(axis=0)) < 0.05)


def test_two_moons_noise_is_added():
    clean = data.two_moons(3000, np.random.default_rng(13), noise=0.0)
    noisy = data.two_moons(3000, np.random.default_rng(13), noise=0.1)
    assert abs((noisy - clean).std() - 0.1) < 0.005
    assert noisy.dtype == np.float32


def test_two_lines_lie_on_two_parallel_segments_with_equal_weight():
    x = data.two_lines(20000, np.random.default_rng(14), offset=1.5, length=2.0).astype(np.float64)
    assert x.shape == (20000, 2)
    assert np.allclose(np.abs(x[:, 0]), 1.5)                  # zero width: exactly on x = -1.5 or +1.5
    right = x[:, 0] > 0
    assert abs(right.mean() - 0.5) < 0.02                     # standard error 0.0035
    assert x[:, 1].min() >= -1.0 and x[:, 1].max() <= 1.0
    # the height is uniform on [-1, 1] on each line: each quarter gets a quarter of the points
    for side in (right, ~right):
        quarters = np.histogram(x[side, 1], bins=4, range=(-1, 1))[0] / side.sum()
        assert np.all(np.abs(quarters - 0.25) < 0.03)


def test_two_lines_noise_and_bad_arguments():
    noisy = data.two_lines(5000, np.random.default_rng(15), noise=0.1)
    assert abs((np.abs(noisy[:, 0]) - 1.0).std() - 0.1) < 0.01
    for kwargs in ({"offset": 0.0}, {"length": -1.0}, {"noise": -0.1}):
        with pytest.raises(ValueError, match="two_lines"):
            data.two_lines(5, np.random.default_rng(0), **kwargs)
    with pytest.raises(ValueError, match="two_moons: noise"):
        data.two_moons(5, np.random.default_rng(0), noise=-1.0)


@pytest.mark.parametrize(
    "sample",
    [
        lambda rng: data.curves(10, rng),
        lambda rng: data.gaussian_1d(10, rng),
        lambda rng: data.gaussian_mixture_1d(10, rng, [0, 3], [1, 1]),
        lambda rng: data.ring8(10, rng),
        lambda rng: data.grid25(10, rng),
        lambda rng: data.swiss_roll(10, rng),
        lambda rng: data.two_moons(10, rng),
        lambda rng: data.two_lines(10, rng),
    ],
)
def test_same_seed_same_samples_other_seed_other_samples(sample):
    first = sample(np.random.default_rng(123))
    again = sample(np.random.default_rng(123))
    other = sample(np.random.default_rng(124))
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


# ----------------------------------------------------------------------------
# MNIST IDX files
# ----------------------------------------------------------------------------


def idx_bytes(magic, shape, values):
    header = magic.to_bytes(4, "big") + b"".join(s.to_bytes(4, "big") for s in shape)
    return header + np.asarray(values, dtype=np.uint8).tobytes()


def write_mnist(folder, images, labels, compress=False, split="train"):
    prefix = "train" if split == "train" else "t10k"
    files = {
        f"{prefix}-images-idx3-ubyte": idx_bytes(0x803, images.shape, images),
        f"{prefix}-labels-idx1-ubyte": idx_bytes(0x801, labels.shape, labels),
    }
    for name, content in files.items():
        if compress:
            with gzip.open(folder / (name + ".gz"), "wb") as f:
                f.write(content)
        else:
            (folder / name).write_bytes(content)


def small_mnist(rng, n=6):
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    images[0, 0, 0], images[0, 0, 1], images[0, 0, 2] = 0, 255, 51  # known pixels
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    return images, labels


@pytest.mark.parametrize("compress", [False, True])
def test_load_mnist_reads_idx_files(tmp_path, compress):
    images, labels = small_mnist(np.random.default_rng(12))
    write_mnist(tmp_path, images, labels, compress=compress)
    x, y = data.load_mnist(tmp_path)
    assert x.shape == (6, 784) and x.dtype == np.float32
    assert y.shape == (6,) and y.dtype == np.int64
    assert np.array_equal(y, labels)
    # byte 0 -> -1, byte 255 -> +1, byte 51 -> 51/127.5 - 1 = -0.6
    assert x[0, 0] == -1.0 and x[0, 1] == 1.0
    assert x[0, 2] == pytest.approx(-0.6, abs=1e-6)
    assert np.allclose((x + 1.0) * 127.5, images.reshape(6, 784), atol=1e-4)


def test_load_mnist_test_split(tmp_path):
    images, labels = small_mnist(np.random.default_rng(13), n=3)
    write_mnist(tmp_path, images, labels, split="test")
    x, y = data.load_mnist(str(tmp_path), split="test")
    assert x.shape == (3, 784) and np.array_equal(y, labels)
    with pytest.raises(data.DataNotFoundError):
        data.load_mnist(tmp_path, split="train")


def test_bad_magic_number_is_reported(tmp_path):
    images, labels = small_mnist(np.random.default_rng(14))
    write_mnist(tmp_path, images, labels)
    # swap in a labels file where the images file should be
    (tmp_path / "train-images-idx3-ubyte").write_bytes(idx_bytes(0x801, (6,), labels))
    with pytest.raises(data.IDXFormatError, match="magic number"):
        data.load_mnist(tmp_path)


def test_truncated_file_is_reported(tmp_path):
    images, labels = small_mnist(np.random.default_rng(15))
    write_mnist(tmp_path, images, labels)
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(data.IDXFormatError, match="truncated"):
        data.load_mnist(tmp_path)


def test_truncated_gzip_file_is_reported(tmp_path):
    images, labels = small_mnist(np.random.default_rng(16))
    write_mnist(tmp_path, images, labels, compress=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(data.IDXFormatError):
        data.load_mnist(tmp_path)


def test_foreign_file_is_reported(tmp_path):
    images, labels = small_mnist(np.random.default_rng(17))
    write_mnist(tmp_path, images, labels)
    (tmp_path / "train-labels-idx1-ubyte").write_text("label\n1\n2\n")
    with pytest.raises(data.IDXFormatError):
        data.load_mnist(tmp_path)


def test_image_and_label_counts_must_agree(tmp_path):
    images, labels = small_mnist(np.random.default_rng(18))
    write_mnist(tmp_path, images, labels[:5])
    with pytest.raises(data.IDXFormatError, match="6 images but 5 labels"):
        data.load_mnist(tmp_path)


def test_missing_files_say_how_to_get_the_data(tmp_path):
    with pytest.raises(FileNotFoundError) as caught:
        data.load_mnist(tmp_path)
    assert isinstance(caught.value, data.DataNotFoundError)
    message = str(caught.value)
    assert "train-images-idx3-ubyte" in message and "shipped with the package" in message
    with pytest.raises(data.DataNotFoundError, match="does not exist"):
        data.load_mnist(tmp_path / "nowhere")


def test_unknown_split_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="split"):
        data.load_mnist(tmp_path, split="validation")
    with pytest.raises(ValueError, match="no test split"):
        data.load_mnist(None, split="test")


def test_the_packaged_digits_load_without_any_other_package():
    x, y = digits.load_digits()
    assert x.shape == (5000, 784) and x.dtype == np.float32
    assert y.shape == (5000,) and y.dtype == np.int64
    assert x.min() == -1.0 and x.max() == 1.0
    assert np.array_equal(np.bincount(y), np.full(10, 500))  # 500 images of each digit
    assert np.array_equal(y, np.repeat(np.arange(10), 500))   # sorted by label, as documented
    # digits are bright strokes on a dark background: most pixels are background
    assert np.mean(x == -1.0) > 0.7
    x2, y2 = data.load_mnist()                                # the old name reads the same digits
    assert np.array_equal(x, x2) and np.array_equal(y, y2)


def test_split_holds_out_a_shuffled_part_and_tile_lays_out_a_grid():
    x, y = digits.load_digits()
    train_x, train_y, held_x, held_y = digits.split(x, y, np.random.default_rng(0))
    assert len(held_x) == 1000 and len(train_x) == 4000
    assert set(np.unique(held_y)) == set(range(10))           # shuffled before the cut
    both = np.concatenate([train_x, held_x])
    assert np.array_equal(np.sort(both.sum(axis=1)), np.sort(x.sum(axis=1)))   # nothing lost or repeated
    picture = digits.tile(held_x[:20], rows=2)
    assert picture.shape == (56, 280) and picture.min() >= 0.0 and picture.max() <= 1.0
    assert np.array_equal(picture[28:56, 28:56], (held_x[11].reshape(28, 28) + 1) / 2)  # row 1, column 1
