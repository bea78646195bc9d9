"""--extra-data: people's labelled drawings (exported by `python demo/drawings.py export`) join MNIST in training.

The folder holds MNIST's own training-file pair (train-images/labels-idx*-ubyte.gz, 28x28 inputs as the
models saw them). HELD_OUT of the drawings, chosen with the seed, are never trained on: accuracy on
them is measured with the starting weights and after every epoch. The rest are repeated to make
SHARE of every epoch (each repeat augmented differently), so a few hundred drawings matter without
the model forgetting MNIST's 55,000.
"""
from pathlib import Path

import numpy as np

from trainer import mnist

SHARE = 0.1
HELD_OUT = 0.2
MIN_DRAWINGS = 10
FILES = mnist.MNIST_FILES[:2]  # images, labels: the names of MNIST's training pair


def load(folder):
    """An exported folder -> (images float32 (N, 1, 28, 28) in [0, 1], labels int32 (N,)).

    DataError (one line) if the folder, a file, or the pairing of images and labels is wrong.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise mnist.DataError(f"--extra-data {folder}: no such folder "
                              f"(make one with `python demo/drawings.py export --out {folder}`)")
    images, labels = (mnist.read_idx(folder / name) for name in FILES)
    if images.ndim != 3 or images.shape[1:] != (mnist.IMAGE_SIZE, mnist.IMAGE_SIZE) or labels.ndim != 1:
        raise mnist.DataError(f"--extra-data {folder}: expected (N, 28, 28) images and (N,) labels, "
                              f"got {images.shape} and {labels.shape}")
    if len(images) != len(labels):
        raise mnist.DataError(f"--extra-data {folder}: {len(images)} images but {len(labels)} labels")
    if labels.size and labels.max() >= mnist.NUM_CLASSES:
        raise mnist.DataError(f"--extra-data {folder}: label {labels.max()} is not a digit 0-9")
    if len(labels) < MIN_DRAWINGS:
        raise mnist.DataError(f"--extra-data {folder}: {len(labels)} drawings; fine-tuning needs at least {MIN_DRAWINGS}")
    return mnist.to_unit_range(images), labels.astype(np.int32)


def split(images, labels, seed):
    """The drawings -> (train_x, train_y, held_x, held_y): HELD_OUT of them, seeded, never trained on."""
    return mnist.split_validation(images, labels, max(1, round(HELD_OUT * len(labels))), seed)


def mix_in(train_x, train_y, extra_x, extra_y):
    """MNIST plus the drawings repeated evenly to SHARE of the result (each at least once)."""
    count = max(len(extra_y), round(SHARE / (1 - SHARE) * len(train_y)))
    repeats = np.arange(count) % len(extra_y)
    return np.concatenate([train_x, extra_x[repeats]]), np.concatenate([train_y, extra_y[repeats]])
