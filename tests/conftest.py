import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mnist_dir():
    """The real MNIST folder from $MNIST_DIR; tests that need it skip cleanly without it."""
    folder = os.environ.get("MNIST_DIR")
    if not folder:
        pytest.skip("MNIST_DIR is not set (CI sets it to ../shared/data/mnist)")
    if not Path(folder).is_dir():
        pytest.skip(f"MNIST_DIR={folder} does not exist")
    return Path(folder)


@pytest.fixture(scope="session")
def mnist_test_set(mnist_dir):
    from trainer import mnist

    _, _, test_x, test_y = mnist.load_mnist(mnist_dir)
    return test_x, test_y


def synthetic_digits(count, seed=0):
    """Learnable fake MNIST: class k is a bright bar at row 2 + 2k. Images (N,1,28,28) in [0,1], labels int32."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count).astype(np.int32)
    images = rng.uniform(0, 0.1, (count, 1, 28, 28)).astype(np.float32)
    for index, label in enumerate(labels):
        images[index, 0, 3 + 2 * label: 5 + 2 * label, 6:22] = 1.0
    return images, labels


@pytest.fixture
def synthetic_data():
    """(train_x, train_y, test_x, test_y) shaped like load_mnist's result, small enough for seconds-long runs."""
    train_x, train_y = synthetic_digits(1200, seed=1)
    test_x, test_y = synthetic_digits(300, seed=2)
    return train_x, train_y, test_x, test_y


def run_script(*args, env_extra=None, timeout=300):
    """Run a repository script as a user would; return the CompletedProcess."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)
