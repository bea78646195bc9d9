"""MNIST's download (trainer/mnist_download.py) against a local server that plays the mirrors, failures included."""
import gzip
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from testkit.mnist_mirrors import MirrorServer
from trainer import mnist, mnist_download
from trainer.mnist_download import KnownFile, ensure_mnist


def small_files():
    """Four small stand-ins for MNIST's files, and the table of sizes and hashes that checks them."""
    files = {name: gzip.compress(bytes(range(index, index + 200)) * (index + 3)) for index, name in enumerate(mnist.MNIST_FILES)}
    known = tuple(KnownFile(name, len(body), hashlib.sha256(body).hexdigest()) for name, body in files.items())
    return files, known


@pytest.fixture
def mirrors(monkeypatch):
    monkeypatch.setattr(mnist_download, "RETRY_PAUSE_SECONDS", 0.0)
    files, known = small_files()
    with MirrorServer(files) as server:
        yield server, files, known


def leftovers(folder):
    """Anything in the cache that is not a finished file: partial downloads, temporary names."""
    return sorted(path.name for path in Path(folder).iterdir() if path.name not in mnist.MNIST_FILES)


def test_a_dead_and_a_corrupt_mirror_are_passed_over_for_a_good_one(mirrors, tmp_path):
    server, files, known = mirrors
    folder = ensure_mnist(tmp_path, known, [server.base("dead"), server.base("corrupt"), server.base("good")])
    for name, body in files.items():
        assert (folder / name).read_bytes() == body
    assert leftovers(folder) == []
    first = mnist.MNIST_FILES[0]
    assert [behaviour for behaviour, name in server.requests if name == first] == ["dead", "corrupt", "good"]


def test_every_source_failing_names_each_url_and_why_and_leaves_nothing(mirrors, tmp_path):
    server, _, known = mirrors
    bases = [server.base("dead"), server.base("missing"), server.base("corrupt"), server.base("truncated")]
    with pytest.raises(mnist.DataError) as raised:
        ensure_mnist(tmp_path, known, bases)
    message = str(raised.value)
    first = mnist.MNIST_FILES[0]
    assert f"{server.base('dead')}{first}: HTTP 403" in message
    assert f"{server.base('missing')}{first}: HTTP 404" in message
    assert f"{server.base('corrupt')}{first}: corrupt" in message
    assert f"{server.base('truncated')}{first}: transfer broke off" in message
    assert "--data-dir" in message and "MNIST_DIR" in message and "MNIST_MIRRORS" in message
    assert all(name in message for name in mnist.MNIST_FILES)  # what to put in a folder without internet
    assert leftovers(tmp_path) == [] and not (tmp_path / first).exists()


def test_an_interrupted_transfer_is_tried_once_more_then_the_next_mirror(mirrors, tmp_path):
    server, files, known = mirrors
    ensure_mnist(tmp_path, known, [server.base("truncated"), server.base("good")])
    first = mnist.MNIST_FILES[0]
    assert [behaviour for behaviour, name in server.requests if name == first] == ["truncated", "truncated", "good"]
    assert (tmp_path / first).read_bytes() == files[first] and leftovers(tmp_path) == []


def test_a_server_error_is_retried_and_a_refusal_is_not(mirrors, tmp_path):
    server, files, known = mirrors
    ensure_mnist(tmp_path, known, [server.base("dead"), server.base("flaky")])
    first = mnist.MNIST_FILES[0]
    assert [behaviour for behaviour, name in server.requests if name == first] == ["dead", "flaky", "flaky"]
    assert (tmp_path / first).read_bytes() == files[first]


def test_a_cached_good_copy_is_used_without_any_network(mirrors, tmp_path):
    server, files, known = mirrors
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    unreachable = "http://127.0.0.1:9/"  # the discard port: nothing listens there
    assert ensure_mnist(tmp_path, known, [unreachable]) == tmp_path
    assert server.requests == []


def test_a_corrupt_cached_copy_is_replaced(mirrors, tmp_path):
    server, files, known = mirrors
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    first = mnist.MNIST_FILES[0]
    (tmp_path / first).write_bytes(b"not gzip at all")
    ensure_mnist(tmp_path, known, [server.base("good")])
    assert server.requests == [("good", first)]
    assert (tmp_path / first).read_bytes() == files[first]


def test_the_mirror_list_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("MNIST_MIRRORS", "https://school.example/mnist  http://127.0.0.1:8000/m/")
    assert mnist_download.mirrors() == ("https://school.example/mnist/", "http://127.0.0.1:8000/m/")
    monkeypatch.setenv("MNIST_MIRRORS", " ")
    assert mnist_download.mirrors() == mnist_download.DEFAULT_MIRRORS
    monkeypatch.setenv("MXNET_HOME", "/srv/mx")
    assert mnist_download.cache_folder() == Path("/srv/mx/datasets/mnist")  # Gluon's own folder


def test_the_known_table_checks_the_real_files(mnist_dir):
    """The sizes and hashes in the code are those of the original files (CI's copy is byte-identical)."""
    for known in mnist_download.MNIST_KNOWN:
        assert mnist_download.is_good(mnist_dir / known.name, known), known.name


def environment_without_mnist_dir(**extra):
    env = {key: value for key, value in os.environ.items() if key != "MNIST_DIR"}
    return {**env, "PYTHONUNBUFFERED": "1", **extra}


def run_trainer_offline(mirror_bases, cache_home, out_dir):
    """`python trainer/train.py --dry-run` with no MNIST_DIR: MNIST comes from the mirrors given."""
    env = environment_without_mnist_dir(MNIST_MIRRORS=" ".join(mirror_bases), MXNET_HOME=str(cache_home))
    return subprocess.run([sys.executable, "trainer/train.py", "--dry-run", "--models", "mlp", "--out-dir", str(out_dir)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_the_trainer_downloads_past_dead_and_corrupt_mirrors(mnist_dir, tmp_path):
    real = {name: (mnist_dir / name).read_bytes() for name in mnist.MNIST_FILES}
    with MirrorServer(real) as server:
        result = run_trainer_offline([server.base("dead"), server.base("corrupt"), server.base("good")],
                                     tmp_path / "mx", tmp_path / "out")
    assert result.returncode == 0, result.stderr[-2000:]
    cache = tmp_path / "mx" / "datasets" / "mnist"
    assert sorted(path.name for path in cache.iterdir()) == sorted(mnist.MNIST_FILES)
    assert (tmp_path / "out" / "mlp-0000.params").is_file()


def test_the_trainer_with_every_mirror_dead_says_so_once_and_fails(mnist_dir, tmp_path):
    real = {name: (mnist_dir / name).read_bytes() for name in mnist.MNIST_FILES}
    with MirrorServer(real) as server:
        result = run_trainer_offline([server.base("dead"), server.base("truncated")], tmp_path / "mx", tmp_path / "out")
    assert result.returncode == 2
    assert result.stderr.count("error: could not download MNIST") == 1
    assert f"{server.base('dead')}train-images-idx3-ubyte.gz: HTTP 403" in result.stderr
    assert "Traceback" not in result.stderr
    cache = tmp_path / "mx" / "datasets" / "mnist"
    assert list(cache.iterdir()) == []  # no partial file
    assert not (tmp_path / "out").exists()
