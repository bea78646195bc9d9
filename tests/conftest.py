import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parent.parent
# The app under test stores labelled drawings in a throw-away database, never in the repository's drawings/.
os.environ.setdefault("DEMO_DRAWINGS_DB", str(Path(tempfile.mkdtemp(prefix="drawings-test-")) / "drawings.sqlite"))


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


def write_synthetic_idx(folder, prefix, count, seed):
    """`count` synthetic digits as MNIST's IDX pair FOLDER/PREFIX-{images-idx3,labels-idx1}-ubyte.gz."""
    from trainer import mnist

    images, labels = synthetic_digits(count, seed)
    folder.mkdir(parents=True, exist_ok=True)
    mnist.write_idx(folder / f"{prefix}-images-idx3-ubyte.gz", np.round(images[:, 0] * 255).astype(np.uint8))
    mnist.write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", labels.astype(np.uint8))


@pytest.fixture
def synthetic_data():
    """(train_x, train_y, test_x, test_y) shaped like load_mnist's result, small enough for seconds-long runs."""
    train_x, train_y = synthetic_digits(1200, seed=1)
    test_x, test_y = synthetic_digits(300, seed=2)
    return train_x, train_y, test_x, test_y


def layer_with(shape=(800, 800), boxes=(), lines=()):
    """RGBA stroke layer: filled boxes (top, left, bottom, right) and thick lines ((y0, x0, y1, x1), radius)."""
    layer = np.zeros((*shape, 4), dtype=np.uint8)
    yy, xx = np.ogrid[:shape[0], :shape[1]]
    for top, left, bottom, right in boxes:
        layer[top:bottom, left:right, 3] = 255
    for (y0, x0, y1, x1), radius in lines:
        for t in np.linspace(0, 1, 400):
            layer[((yy - (y0 + (y1 - y0) * t)) ** 2 + (xx - (x0 + (x1 - x0) * t)) ** 2) <= radius ** 2, 3] = 255
    return layer


def seven(shape=(800, 800), top=150, left=200, size=500, radius=None):
    """A '7': a top bar and a diagonal, `size` px tall, drawn with a pen of `radius` (default: 5 % of size)."""
    radius = radius if radius is not None else 0.05 * size
    return layer_with(shape, lines=[((top, left, top, left + size * 0.8), radius),
                                    ((top, left + size * 0.8, top + size, left + size * 0.3), radius)])


def run_script(*args, env_extra=None, timeout=300):
    """Run a repository script as a user would; return the CompletedProcess."""
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([sys.executable, *map(str, args)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=timeout)


@pytest.fixture(scope="session")
def app_url():
    """The demo, launched in-process with its real launch settings on a free port."""
    from demo import app
    from testkit import servers

    yield servers.launch(app.demo, **app.launch_options())
    app.demo.close()


def save_png(array, path):
    import PIL.Image

    PIL.Image.fromarray(array).save(path)
    return str(path)
