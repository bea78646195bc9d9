"""MNIST from the internet: mirrors tried in order, every file checked against its known hash, cached.

LeCun's own page has refused downloads since 2024 and Gluon's bucket (MXNet's) is gone, so the four
files come from the mirrors other libraries use today. Every mirror serves the same bytes, so one
table of sizes and SHA-256 sums checks them all (MXNet's own SHA-1 sums of the same files are noted
beside). A file is kept only once its hash is right: it is downloaded to a temporary name beside its
place and renamed into place, so an interrupted or corrupt transfer never leaves a partial file.

The cache is Gluon's own folder, $MXNET_HOME/datasets/mnist (default ~/.mxnet/datasets/mnist), so a
copy Gluon downloaded years ago is used as it is, after its hash is checked. MNIST_MIRRORS (base URLs
separated by spaces, tried in order; a file's URL is the base plus its name) replaces the list below,
for a school's own mirror or the next move of one.
"""
import hashlib
import os
import ssl
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from trainer.mnist import MNIST_FILES, DataError

# The mirrors other libraries download MNIST from (read from their sources, 2026): torchvision's
# (pytorch/vision torchvision/datasets/mnist.py), TensorFlow Datasets' (cvdf-datasets), then Gluon's
# old repository (mxnet/gluon/utils.py, dead since 2024: tried last, for old caches' sake).
DEFAULT_MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/gluon/dataset/mnist/",
)
MIRRORS_VARIABLE = "MNIST_MIRRORS"


@dataclass(frozen=True)
class KnownFile:
    name: str
    size: int  # bytes
    sha256: str


# The original files, byte for byte (TensorFlow Datasets' checksums; torchvision checks the same files'
# MD5s, and Gluon their SHA-1s 6c95f4b0..., 2a809140..., c3a25af1..., 763e7fa3..., in this order).
MNIST_KNOWN = (
    KnownFile(MNIST_FILES[0], 9_912_422, "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    KnownFile(MNIST_FILES[1], 28_881, "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    KnownFile(MNIST_FILES[2], 1_648_877, "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    KnownFile(MNIST_FILES[3], 4_542, "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
)
TIMEOUT_SECONDS = 30  # to connect, and between two chunks of a transfer
TRIES_PER_MIRROR = 2  # a dropped connection or a server error is tried once more; a refusal (4xx) is not
RETRY_PAUSE_SECONDS = 2.0
CHUNK = 1 << 16


class TransferError(Exception):
    """One URL did not give the right file; str(error) says why in a few words. `retry`: whether a second
    try may go better (a dropped connection, a server error), or not (a refusal, a wrong file)."""

    def __init__(self, why, retry=False):
        super().__init__(why)
        self.retry = retry


def cache_folder():
    """Gluon's MNIST folder: $MXNET_HOME/datasets/mnist, else ~/.mxnet/datasets/mnist (what Gluon used)."""
    home = os.environ.get("MXNET_HOME") or Path("~/.mxnet").expanduser()
    return Path(home) / "datasets" / "mnist"


def mirrors():
    """$MNIST_MIRRORS's base URLs (each ending in '/'), else DEFAULT_MIRRORS."""
    chosen = os.environ.get(MIRRORS_VARIABLE, "").split()
    return tuple(url if url.endswith("/") else url + "/" for url in chosen) or DEFAULT_MIRRORS


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        for chunk in iter(lambda: source.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_good(path, known):
    path = Path(path)
    return path.is_file() and path.stat().st_size == known.size and file_sha256(path) == known.sha256


def _ssl_context():
    """The system's certificates, plus certifi's where it is installed (Python.org's macOS builds have none)."""
    context = ssl.create_default_context()
    try:
        import certifi  # comes with Gradio's httpx; the trainer does without it

        context.load_verify_locations(certifi.where())
    except (ImportError, OSError):
        pass
    return context


def _transfer(url, known, target, progress):
    """Download `url` into the file `target`, checking size and hash; TransferError saying why not."""
    request = urllib.request.Request(url, headers={"User-Agent": "mnist-draw-demo trainer (urllib)"})
    digest, received = hashlib.sha256(), 0
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS, context=_ssl_context()) as response, \
                open(target, "wb") as out:
            announced = response.headers.get("Content-Length")
            if announced is not None and announced.isdigit() and int(announced) != known.size:
                raise TransferError(f"wrong size: {int(announced):,} bytes announced, {known.size:,} expected")
            with progress(known) as bar:
                while chunk := response.read(CHUNK):
                    received += len(chunk)
                    if received > known.size:
                        raise TransferError(f"wrong size: more than the {known.size:,} bytes expected")
                    digest.update(chunk)
                    out.write(chunk)
                    bar.update(len(chunk))
    except urllib.error.HTTPError as error:
        raise TransferError(f"HTTP {error.code} {error.reason}", retry=error.code >= 500) from None
    except urllib.error.URLError as error:
        raise TransferError(f"no connection ({error.reason})", retry=True) from None
    except (OSError, EOFError) as error:  # timeouts, dropped connections, http.client.IncompleteRead
        raise TransferError(f"transfer broke off after {received:,} of {known.size:,} bytes "
                            f"({type(error).__name__})", retry=True) from None
    if received != known.size:
        raise TransferError(f"transfer broke off after {received:,} of {known.size:,} bytes", retry=True)
    if digest.hexdigest() != known.sha256:
        raise TransferError("corrupt: the SHA-256 does not match the original file's")


class ConsoleProgress:
    """A tqdm bar on a terminal; elsewhere (a log, the teacher's fine-tune) one line when a file starts."""

    def __init__(self, known):
        self.known, self.bar = known, None

    def __enter__(self):
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=self.known.size, unit="B", unit_scale=True, desc=self.known.name, leave=False,
                            file=sys.stderr)
        else:
            print(f"downloading {self.known.name} ({self.known.size / 1e6:.1f} MB)", file=sys.stderr, flush=True)
        return self

    def update(self, count):
        if self.bar is not None:
            self.bar.update(count)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


def download_file(known, folder, bases, progress=ConsoleProgress):
    """Put the checked file `known.name` into `folder` from the first base URL that serves it.

    Returns [] on success, else (url, why) for every URL tried. Nothing but the checked file is ever
    left: each try writes a temporary file beside it, renamed into place only when its hash is right.
    """
    failures = []
    for base in bases:
        url = base + known.name
        for attempt in range(1, TRIES_PER_MIRROR + 1):
            handle, temporary = tempfile.mkstemp(prefix=f".{known.name}.", suffix=".part", dir=folder)
            os.close(handle)
            try:
                _transfer(url, known, temporary, progress)
                os.replace(temporary, folder / known.name)
                return []
            except TransferError as error:
                if not error.retry or attempt == TRIES_PER_MIRROR:
                    failures.append((url, str(error) + (f" ({attempt} tries)" if attempt > 1 else "")))
                    break
                time.sleep(RETRY_PAUSE_SECONDS)
            finally:
                Path(temporary).unlink(missing_ok=True)
    return failures


def ensure_mnist(folder=None, known_files=MNIST_KNOWN, bases=None, progress=ConsoleProgress):
    """The folder holding the four checked MNIST files, downloading those that are missing or wrong.

    folder: the cache (default `cache_folder()`); bases: base URLs (default `mirrors()`). Raises DataError
    with one message naming every URL tried and why it failed, and what to do without internet.
    """
    folder = Path(folder) if folder is not None else cache_folder()
    bases = tuple(bases) if bases is not None else mirrors()
    wanted = [known for known in known_files if not is_good(folder / known.name, known)]
    if not wanted:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DataError(f"cannot make the MNIST cache folder {folder} ({error}); set MXNET_HOME to a writable "
                        "folder, or pass --data-dir") from error
    print(f"MNIST: downloading {len(wanted)} file(s) into {folder}", file=sys.stderr, flush=True)
    for known in wanted:
        failures = download_file(known, folder, bases, progress)
        if failures:
            raise DataError(failure_message(known, failures))
    return folder


def failure_message(known, failures):
    """Every URL tried for one file and why it failed, and the way without internet."""
    tried = "\n".join(f"  {url}: {why}" for url, why in failures)
    return (f"could not download MNIST's {known.name} from any mirror:\n{tried}\n"
            f"Without internet, put the four files ({', '.join(MNIST_FILES)}) in a folder and pass "
            f"--data-dir FOLDER (or set MNIST_DIR=FOLDER); a mirror of your own goes in {MIRRORS_VARIABLE} "
            "(base URLs separated by spaces).")
