"""The demo's models: loaded once from a checkpoint folder, reloaded on request, called one at a time.

MXNet is not thread-safe, and it keeps about 5 MB for every thread that ever called it, never given
back; Gradio runs callbacks on worker threads that come and go. So every MXNet call (loading too)
runs on one long-lived thread of the ModelStore's own, one call at a time: that is the app's MXNet
lock, and the memory stays that of one thread however many visitors come. The drawings that wait
for it together (a class drawing at once) go through each model as one batch, which costs a fraction
of one pass per drawing. A missing or broken checkpoint never stops the app: that model reports why
(and the command that makes it) while the other one keeps working.
"""
import queue
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from demo.curves import read_history
from demo.inside import build_reader, softmax
from trainer import checkpoint
from trainer.models import MODELS
from trainer.mxnet_shim import mx


MAX_BATCH = 64  # drawings answered by one pass; batches are padded to a power of two (few shapes to plan)


@dataclass
class LoadedModel:
    spec: object  # its trainer.models.ModelSpec
    net: object = None  # gluon.SymbolBlock, or None when it could not be loaded
    metadata: dict = field(default_factory=dict)
    error: str = ""  # why `net` is None, with the command that fixes it
    checkpoint_id: str = ""  # trainer.checkpoint.checkpoint_id: which weights answered, stored with each label
    reader: object = None  # demo.inside.InsideReader of the same files, or None when `net` is None
    history: list = field(default_factory=list)  # its log's finished epochs (trainer.training_log.EpochRecord)

    @property
    def name(self):
        return self.spec.name


@dataclass
class Prediction:
    name: str
    probabilities: np.ndarray  # (10,), sums to 1
    milliseconds: float


class ModelStore:
    def __init__(self, folder=checkpoint.DEFAULT_FOLDER):
        self._jobs = queue.SimpleQueue()  # (work, image, Future): work() to run, or an image to predict
        threading.Thread(target=self._serve, name="mxnet", daemon=True).start()
        self._reloading = threading.Lock()
        self._loaded_files = None  # the files' sizes and times when last loaded (see `reload`)
        self.folder = Path(folder)
        self.models = {}
        self.load(folder)

    # --------------------------------------------------------------------------- the MXNet thread

    def _serve(self):
        """Run the jobs in the order they came; consecutive predictions go through the models as one batch."""
        while True:
            jobs = [self._jobs.get()]
            while len(jobs) < MAX_BATCH and not self._jobs.empty():
                jobs.append(self._jobs.get())
            waiting = []  # predictions not yet run
            for work, image, future in jobs:
                if work is None:
                    waiting.append((image, future))
                    continue
                self._predict_together(waiting)
                waiting = []
                _settle(future, work)
            self._predict_together(waiting)

    def _predict_together(self, waiting):
        if not waiting:
            return
        try:
            results = self._predict_batch(np.concatenate([image for image, _ in waiting]))
        except Exception as error:  # every caller hears of it
            results = [error] * len(waiting)
        for (_, future), result in zip(waiting, results):
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    def _predict_batch(self, images):
        """images (n, 1, 28, 28) -> [{name: Prediction}] * n; the batch padded to a power of two rows."""
        count = len(images)
        padded = np.zeros((1 << (count - 1).bit_length(), *images.shape[1:]), dtype=np.float32)
        padded[:count] = images
        batch, results = mx.nd.array(padded), [{} for _ in range(count)]
        for model in self.available():
            started = time.perf_counter()
            probabilities = softmax(model.net(batch).asnumpy()[:count])
            milliseconds = (time.perf_counter() - started) * 1e3
            for result, row in zip(results, probabilities):
                result[model.name] = Prediction(model.name, row, milliseconds)
        return results

    def _on_mxnet_thread(self, work):
        """Run `work()` on the MXNet thread, after every job queued before it; return its result."""
        future = Future()
        self._jobs.put((work, None, future))
        return future.result()

    # ------------------------------------------------------------------------------------ the API

    def load(self, folder=None):
        """(Re)load every registered model from `folder` (default: the current one). Never raises.

        Loading runs MXNet too, on its thread: predictions wait for a reload, never race it, and the
        models are swapped in one assignment.
        """
        folder = Path(folder) if folder is not None else self.folder
        files = _file_stamps(folder)
        self.models = self._on_mxnet_thread(lambda: {name: self._load_one(folder, spec) for name, spec in MODELS.items()})
        self.folder, self._loaded_files = folder, files
        return self.models

    def reload(self):
        """Reload the folder in use if its files changed since they were loaded. Anyone may call it, any number
        of times: a reload already under way is waited for, not started again, and unchanged files cost a few
        stat() calls, never MXNet's time."""
        with self._reloading:
            if _file_stamps(self.folder) != self._loaded_files:
                self.load()
        return self.models

    @staticmethod
    def _load_one(folder, spec):
        model = LoadedModel(spec, history=read_history(folder, spec.name))
        try:
            model.net = checkpoint.load_network(folder, spec.name)
            model.reader = build_reader(folder, spec.name)
            model.metadata = checkpoint.read_metadata(folder, spec.name)
            model.checkpoint_id = checkpoint.checkpoint_id(folder, spec.name)
        except checkpoint.CheckpointError as error:
            model.net, model.reader, model.error = None, None, str(error)
        return model

    def available(self):
        return [model for model in self.models.values() if model.net is not None]

    def predict(self, images):
        """images: float32 (1, 1, 28, 28) in [0, 1] -> {name: Prediction} for every loaded model.

        Prediction.milliseconds is the pass that answered it, shared with the drawings batched with it.
        """
        return self.submit(images).result()

    def submit(self, images):
        """`predict`, without waiting: a concurrent.futures.Future of its answer (asyncio.wrap_future awaits it)."""
        future = Future()
        self._jobs.put((None, np.asarray(images, dtype=np.float32).reshape(1, 1, 28, 28), future))
        return future

    def inside(self, images):
        """images: float32 (1, 1, 28, 28) in [0, 1] -> {name: demo.inside.Inside} for every loaded model.

        The readers were built by `load` from the same files as the networks, so they change together.
        """
        return self._on_mxnet_thread(lambda: {model.name: model.reader.read(images) for model in self.available()})


def _file_stamps(folder):
    """(name, size, modification time) of every file in a checkpoint folder: what `reload` compares."""
    try:
        return sorted((path.name, stat.st_size, stat.st_mtime_ns)
                      for path in Path(folder).iterdir() if path.is_file() for stat in [path.stat()])
    except OSError:
        return None


def _settle(future, work):
    try:
        future.set_result(work())
    except Exception as error:
        future.set_exception(error)
