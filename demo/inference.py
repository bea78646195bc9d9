"""The demo's models: loaded once from a checkpoint folder, reloaded on request, called one at a time.

MXNet is not thread-safe and Gradio runs callbacks on worker threads, so every MXNet call goes
through one lock. A missing or broken checkpoint never stops the app: that model reports why
(and the command that makes it) while the other one keeps working.
"""
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from demo.inside import build_reader, softmax
from trainer import checkpoint
from trainer.models import MODELS
from trainer.mxnet_shim import mx


@dataclass
class LoadedModel:
    spec: object  # its trainer.models.ModelSpec
    net: object = None  # gluon.SymbolBlock, or None when it could not be loaded
    metadata: dict = field(default_factory=dict)
    error: str = ""  # why `net` is None, with the command that fixes it
    checkpoint_id: str = ""  # trainer.checkpoint.checkpoint_id: which weights answered, stored with each label
    reader: object = None  # demo.inside.InsideReader of the same files, or None when `net` is None

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
        self._lock = threading.Lock()
        self.folder = Path(folder)
        self.models = {}
        self.load(folder)

    def load(self, folder=None):
        """(Re)load every registered model from `folder` (default: the current one). Never raises.

        Loading runs MXNet too, so it holds the lock: predictions wait for a reload, never race it.
        """
        folder = Path(folder) if folder is not None else self.folder
        loaded = {}
        with self._lock:
            for name, spec in MODELS.items():
                model = LoadedModel(spec)
                try:
                    model.net = checkpoint.load_network(folder, name)
                    model.reader = build_reader(folder, name)
                    model.metadata = checkpoint.read_metadata(folder, name)
                    model.checkpoint_id = checkpoint.checkpoint_id(folder, name)
                except checkpoint.CheckpointError as error:
                    model.net, model.reader, model.error = None, None, str(error)
                loaded[name] = model
            self.folder, self.models = folder, loaded
        return loaded

    def available(self):
        return [model for model in self.models.values() if model.net is not None]

    def predict(self, images):
        """images: float32 (1, 1, 28, 28) in [0, 1] -> {name: Prediction} for every loaded model."""
        results = {}
        with self._lock:
            batch = mx.nd.array(images)
            for model in self.available():
                started = time.perf_counter()
                logits = model.net(batch).asnumpy()[0]
                results[model.name] = Prediction(model.name, softmax(logits), (time.perf_counter() - started) * 1e3)
        return results

    def inside(self, images):
        """images: float32 (1, 1, 28, 28) in [0, 1] -> {name: demo.inside.Inside} for every loaded model.

        The readers were built by `load` from the same files as the networks, so they change together.
        """
        with self._lock:
            return {model.name: model.reader.read(images) for model in self.available()}
