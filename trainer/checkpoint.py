"""The checkpoint format: file names, atomic writes, export, metadata, loading and resume state.

For a model NAME, a checkpoint folder holds:
    NAME-symbol.json, NAME-0000.params   `HybridBlock.export`; loads with
                                          `gluon.SymbolBlock.imports(symbol, ['data'], params)`
    NAME.json                            what it is, how it was made, how good it is
    NAME.log                             the training log (trainer/training_log.py)
    NAME-resume.npz                      weights + optimiser state of the last finished epoch,
                                          only while a run is unfinished (for --resume)
    NAME-mistakes.npz                    the test digits the finished model gets wrong (the demo's gallery)
Every file is written to a temporary name in the same folder and renamed into place, so a
killed trainer never leaves a half-written file behind: readers see the old file or the new one.
"""
import hashlib
import io
import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from trainer.mxnet_shim import mx

FORMAT = "mnist-draw-demo/checkpoint-v1"
INPUT_NAME = "data"


class CheckpointError(RuntimeError):
    """A checkpoint is missing or unreadable; the message names the file and how to make it."""


@dataclass(frozen=True)
class CheckpointPaths:
    name: str
    symbol: Path
    params: Path
    metadata: Path
    log: Path
    resume: Path
    mistakes: Path


def checkpoint_paths(out_dir, name):
    out_dir = Path(out_dir)
    return CheckpointPaths(
        name=name,
        symbol=out_dir / f"{name}-symbol.json",
        params=out_dir / f"{name}-0000.params",
        metadata=out_dir / f"{name}.json",
        log=out_dir / f"{name}.log",
        resume=out_dir / f"{name}-resume.npz",
        mistakes=out_dir / f"{name}-mistakes.npz",
    )


DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "checkpoints"


def train_command(name, folder=DEFAULT_FOLDER):
    """The command that (re)makes a model's checkpoint in `folder`."""
    out_dir = "" if Path(folder).resolve() == DEFAULT_FOLDER else f" --out-dir {folder}"
    return f"python trainer/train.py --models {name}{out_dir}"


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside `path`; when the block succeeds, rename it onto `path`.

    If the block fails (or the process dies), `path` keeps its previous content.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    os.chmod(temporary, 0o644)  # mkstemp makes 0600; checkpoints are meant to be shared and served
    try:
        yield Path(temporary)
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())  # the bytes reach the disk before the rename makes them visible
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def atomic_write(path, content):
    """Write str or bytes to `path` atomically."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)


def export_network(net, out_dir, name):
    """Export a hybridized network that has run forward at least once (that builds its graph)."""
    paths = checkpoint_paths(out_dir, name)
    with tempfile.TemporaryDirectory(prefix=f".{name}-export-", dir=out_dir) as staging:
        net.export(os.path.join(staging, name), epoch=0)
        # Same symbol for the same architecture, so replacing it first never mismatches the params.
        for staged, final in ((paths.symbol.name, paths.symbol), (paths.params.name, paths.params)):
            with atomic_path(final) as temporary:
                os.replace(os.path.join(staging, staged), temporary)


def write_metadata(out_dir, name, metadata):
    atomic_write(checkpoint_paths(out_dir, name).metadata, json.dumps(metadata, indent=2) + "\n")


def read_metadata(out_dir, name):
    """The metadata dict, or raise CheckpointError naming the file."""
    path = checkpoint_paths(out_dir, name).metadata
    if not path.is_file():
        raise CheckpointError(f"{path} is missing; run `{train_command(name, out_dir)}` to make it")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CheckpointError(f"{path} is not readable JSON ({error}); run `{train_command(name, out_dir)}` again") from error


REPLACED_FOLDER = "replaced"  # inside a checkpoint folder: the finished model a new run replaced


def keep_aside(out_dir, name):
    """Before a new run overwrites a finished model NAME in `out_dir`, copy its files into out_dir/replaced/
    (replacing what an earlier run kept there); return its metadata, or None when there was no finished model.

    A first `python trainer/train.py --epochs 1` thus never loses the shipped checkpoints by surprise.
    """
    try:
        metadata = read_metadata(out_dir, name)
    except CheckpointError:
        return None
    if not metadata.get("training", {}).get("finished"):
        return None  # an interrupted run's files: --resume continues them, nothing to keep
    paths = checkpoint_paths(out_dir, name)
    aside = checkpoint_paths(Path(out_dir) / REPLACED_FOLDER, name)
    for field in ("symbol", "params", "metadata", "log", "mistakes"):
        if getattr(paths, field).is_file():
            atomic_write(getattr(aside, field), getattr(paths, field).read_bytes())
    return metadata


def load_network(out_dir, name, device=None):
    """Load an exported network with no project code beyond this; check it maps (1, 1, 28, 28) to (1, 10)."""
    paths = checkpoint_paths(out_dir, name)
    for path in (paths.symbol, paths.params):
        if not path.is_file():
            raise CheckpointError(f"{path} is missing; run `{train_command(name, out_dir)}` to make it")
    device = device or mx.cpu()
    try:
        net = mx.gluon.SymbolBlock.imports(str(paths.symbol), [INPUT_NAME], str(paths.params), ctx=device)
        net.hybridize(static_alloc=True, static_shape=True)
        logits = net(mx.nd.zeros((1, 1, 28, 28), ctx=device)).asnumpy()
    except Exception as error:  # MXNetError, JSON errors, shape errors: all mean "this file is bad"
        raise CheckpointError(
            f"{paths.symbol.name} / {paths.params.name} in {paths.symbol.parent} could not be loaded "
            f"({str(error).splitlines()[0] if str(error) else type(error).__name__}); "
            f"run `{train_command(name, out_dir)}` to remake them"
        ) from error
    if logits.shape != (1, 10):
        raise CheckpointError(f"{paths.symbol} maps one image to shape {logits.shape}, not (1, 10)")
    return net


def load_weights(net, folder, name):
    """Copy the weights of `folder`'s exported NAME-0000.params into a freshly built network (for --init-from).

    `export` saves parameters as `arg:<name>`, and the trainer builds each network with the same fixed
    prefix (`mlp_`, `lenet_`), so every key must match one of `net`'s parameters exactly, and vice versa.
    """
    path = checkpoint_paths(folder, name).params
    if not path.is_file():
        raise CheckpointError(f"--init-from: {path} is missing; run `{train_command(name, folder)}` to make it")
    try:
        saved = {key.split(":", 1)[-1]: value for key, value in mx.nd.load(str(path)).items()}
    except Exception as error:
        raise CheckpointError(f"--init-from: {path} is unreadable ({str(error).splitlines()[0]})") from error
    params = net.collect_params()
    if set(saved) != set(params.keys()):
        raise CheckpointError(f"--init-from: {path} holds {sorted(saved)}, but {name} has {sorted(params.keys())}")
    for key, param in params.items():
        if saved[key].shape != param.shape:
            raise CheckpointError(f"--init-from: {path}: {key} has shape {saved[key].shape}, {name} needs {param.shape}")
        param.set_data(saved[key])


def checkpoint_id(folder, name):
    """Which weights gave an answer: the first 12 hex digits of NAME-0000.params' SHA-256, plus when they were saved.

    The hash identifies the weights themselves (a retrained or fine-tuned model gets a new id); the
    time, from the metadata, makes the id readable. Raises CheckpointError if the params are missing.
    """
    paths = checkpoint_paths(folder, name)
    try:
        digest = hashlib.sha256(paths.params.read_bytes()).hexdigest()[:12]
    except OSError as error:
        raise CheckpointError(f"{paths.params} is unreadable ({error})") from error
    try:
        saved_at = read_metadata(folder, name).get("training", {}).get("saved_at")
    except CheckpointError:
        saved_at = None
    return f"{digest} ({saved_at})" if saved_at else digest


def save_resume_state(out_dir, name, net, trainer, progress):
    """Weights, optimiser state and a JSON-able `progress` dict, in one atomically written .npz."""
    paths = checkpoint_paths(out_dir, name)
    with tempfile.TemporaryDirectory(prefix=f".{name}-states-", dir=out_dir) as staging:
        states_file = os.path.join(staging, "optimizer.states")
        trainer.save_states(states_file)
        optimizer_states = np.fromfile(states_file, dtype=np.uint8)
    arrays = {f"param.{key}": param.data().asnumpy() for key, param in net.collect_params().items()}
    buffer = io.BytesIO()
    np.savez(buffer, optimizer_states=optimizer_states, progress=np.array(json.dumps(progress)), **arrays)
    atomic_write(paths.resume, buffer.getvalue())


def load_resume_state(out_dir, name, net, trainer):
    """Restore weights and optimiser state saved by save_resume_state; return the progress dict."""
    path = checkpoint_paths(out_dir, name).resume
    if not path.is_file():
        raise CheckpointError(f"--resume: {path} not found (no unfinished run of {name} in {path.parent})")
    try:
        with np.load(path, allow_pickle=False) as saved:
            progress = json.loads(str(saved["progress"]))
            for key, param in net.collect_params().items():
                param.set_data(mx.nd.array(saved[f"param.{key}"]))
            with tempfile.TemporaryDirectory(prefix=f".{name}-states-", dir=path.parent) as staging:
                states_file = os.path.join(staging, "optimizer.states")
                saved["optimizer_states"].tofile(states_file)
                trainer.load_states(states_file)
    except CheckpointError:
        raise
    except Exception as error:
        raise CheckpointError(f"--resume: {path} is unreadable ({error}); delete it to start afresh") from error
    return progress


@dataclass(frozen=True)
class Mistakes:
    """The test digits a model gets wrong, K of them, in test-set order."""

    images: np.ndarray  # uint8 (K, 28, 28), white digit on black, as in the MNIST files
    labels: np.ndarray  # int64 (K,), the true digits
    predicted: np.ndarray  # int64 (K,), the model's answers
    confidence: np.ndarray  # float32 (K,), the probability the model gave its answer
    indices: np.ndarray  # int64 (K,), positions in the MNIST test set

    def __len__(self):
        return len(self.labels)


MISTAKE_FIELDS = {"images": np.uint8, "labels": np.int64, "predicted": np.int64, "confidence": np.float32,
                  "indices": np.int64}


def write_mistakes(out_dir, name, mistakes):
    buffer = io.BytesIO()
    np.savez(buffer, **{key: np.asarray(getattr(mistakes, key), dtype=dtype) for key, dtype in MISTAKE_FIELDS.items()})
    atomic_write(checkpoint_paths(out_dir, name).mistakes, buffer.getvalue())


def read_mistakes(out_dir, name):
    """The Mistakes of a finished run, or CheckpointError naming the file and the command that makes it."""
    path = checkpoint_paths(out_dir, name).mistakes
    if not path.is_file():
        raise CheckpointError(f"{path} is missing (a finished training run writes it); "
                              f"run `{train_command(name, out_dir)}` to make it")
    try:
        with np.load(path, allow_pickle=False) as saved:
            arrays = {key: saved[key] for key in MISTAKE_FIELDS}
    except Exception as error:  # truncated zip, missing key, not an .npz at all
        raise CheckpointError(f"{path} is unreadable ({error}); run `{train_command(name, out_dir)}` again") from error
    lengths = {key: len(array) for key, array in arrays.items()}
    problems = [f"{key} is {array.dtype}, not {np.dtype(MISTAKE_FIELDS[key])}"
                for key, array in arrays.items() if array.dtype != MISTAKE_FIELDS[key]]
    if len(set(lengths.values())) > 1:
        problems.append("fields of different lengths " + ", ".join(f"{key} {n}" for key, n in lengths.items()))
    if arrays["images"].shape[1:] != (28, 28):
        problems.append(f"images of shape {arrays['images'].shape[1:]}, not (28, 28)")
    if problems:
        raise CheckpointError(f"{path} is malformed ({'; '.join(problems)}); run `{train_command(name, out_dir)}` again")
    return Mistakes(**arrays)
