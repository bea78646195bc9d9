"""MNIST: where the files are, how they load, and how pixels are normalised.

Pure numpy at import time (the demo's preprocessing imports the constants below without MXNet).
"""
import gzip
import os
from pathlib import Path

import numpy as np

IMAGE_SIZE = 28  # MNIST images are 28x28 ...
DIGIT_BOX = 20  # ... with the digit scaled to fit a 20x20 box and centred by its centre of mass.
# Mean and standard deviation of the [0, 1] training pixels; the networks subtract/divide them
# internally so that everything outside sees plain [0, 1] images.
PIXEL_MEAN = 0.1307
PIXEL_STD = 0.3081
NUM_CLASSES = 10

MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


IDX_UBYTE = 0x08  # IDX type code of unsigned bytes, the only type MNIST uses


class DataError(RuntimeError):
    """MNIST could not be found or loaded; the message says what to do."""


def write_idx(path, array):
    """Write a uint8 array as a gzipped IDX file, MNIST's own format (http://yann.lecun.com/exdb/mnist/).

    Header: two zero bytes, the type code (0x08, unsigned byte), the number of dimensions, then each
    dimension as a big-endian uint32; then the bytes in row-major order. So (N, 28, 28) images get
    magic 0x00000803 and (N,) labels 0x00000801, exactly like train-images/labels-idx*-ubyte.gz.
    """
    array = np.asarray(array)
    if array.dtype != np.uint8 or array.ndim < 1:
        raise ValueError(f"IDX files here hold uint8 arrays of at least one dimension, not {array.dtype} {array.shape}")
    header = bytes([0, 0, IDX_UBYTE, array.ndim]) + np.array(array.shape, dtype=">u4").tobytes()
    with gzip.open(path, "wb") as out:
        out.write(header + np.ascontiguousarray(array).tobytes())


def read_idx(path):
    """A gzipped (.gz) or plain IDX file of unsigned bytes -> uint8 array; DataError naming the file if it is not one."""
    path = Path(path)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as source:
            data = source.read()
    except (OSError, EOFError) as error:  # missing, unreadable, or not gzip
        raise DataError(f"{path} cannot be read as an IDX file ({error})") from error
    if len(data) < 4 or data[:3] != bytes([0, 0, IDX_UBYTE]) or data[3] < 1:
        raise DataError(f"{path} is not an IDX file of unsigned bytes (header {data[:4].hex() or 'missing'})")
    dimensions = data[3]
    body = 4 + 4 * dimensions
    shape = tuple(int(size) for size in np.frombuffer(data[4:body], dtype=">u4"))
    if len(shape) != dimensions or len(data) - body != int(np.prod(shape)):
        raise DataError(f"{path} is truncated or padded: header says {shape}, file has {max(0, len(data) - body)} data bytes")
    return np.frombuffer(data, dtype=np.uint8, offset=body).reshape(shape)


def resolve_data_dir(flag_value=None):
    """--data-dir, else $MNIST_DIR, else None (meaning: the download cache, trainer/mnist_download.py)."""
    chosen = flag_value or os.environ.get("MNIST_DIR")
    return Path(chosen).expanduser() if chosen else None


def to_unit_range(images_uint8):
    """uint8 (N, 28, 28[, 1]) -> float32 (N, 1, 28, 28) in [0, 1], white digit on black."""
    images = np.asarray(images_uint8).reshape(-1, 1, IMAGE_SIZE, IMAGE_SIZE)
    return images.astype(np.float32) / 255.0


def load_mnist(data_dir=None):
    """Return (train_images, train_labels, test_images, test_labels) as numpy arrays.

    Images are float32 (N, 1, 28, 28) in [0, 1]; labels are int32 (N,).
    An explicit data_dir must already hold the four IDX files, read here as they are (any IDX files
    of MNIST's shapes: a test's tiny set too); nothing is downloaded into it, so a typo fails at once
    with a clear message instead of a network time-out. With data_dir None, the files come from the
    download cache, checked against their known hashes and downloaded from the mirrors where missing.
    """
    if data_dir is None:
        from trainer.mnist_download import ensure_mnist  # it imports this module's names

        data_dir = ensure_mnist()
    return _read_folder(Path(data_dir))


def _read_folder(data_dir):
    missing = [name for name in MNIST_FILES if not (data_dir / name).is_file()]
    if missing:
        raise DataError(
            f"MNIST not found in {data_dir}: missing {', '.join(missing)}. "
            "Point --data-dir (or MNIST_DIR) at a folder holding the four original IDX .gz files, "
            "or leave both unset to download MNIST."
        )
    try:
        train_x, train_y, test_x, test_y = (read_idx(data_dir / name) for name in MNIST_FILES)
    except DataError as error:
        raise DataError(f"MNIST in {data_dir} is unreadable: {error}") from error
    for images, labels in ((train_x, train_y), (test_x, test_y)):
        if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE) or labels.shape != images.shape[:1]:
            raise DataError(f"{data_dir}: images {images.shape} and labels {labels.shape} are not MNIST's shapes")
    return (to_unit_range(train_x), train_y.astype(np.int32), to_unit_range(test_x), test_y.astype(np.int32))


def split_validation(images, labels, validation_size, seed):
    """Hold out `validation_size` random training images for model selection; the test set stays untouched."""
    order = np.random.default_rng(seed).permutation(len(labels))
    held_out, kept = order[:validation_size], order[validation_size:]
    return images[kept], labels[kept], images[held_out], labels[held_out]
