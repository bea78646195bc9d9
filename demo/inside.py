"""Inside the models, the maths: hidden activations, learned weights and saliency maps, from the checkpoint files alone.

Numpy and MXNet only (no Gradio; demo/inside_pictures.py draws what this computes). An `InsideReader`
is built once per loaded checkpoint from `NAME-symbol.json` and `NAME-0000.params`: it picks the
hidden layers its registry entry names (trainer/models.py) out of the exported graph and wraps
them, with the logits, in one `gluon.SymbolBlock`.

MXNet is not thread-safe: call `InsideReader.read` from one thread at a time (`ModelStore.inside` runs
it on the app's one MXNet thread).
"""
from dataclasses import dataclass

import numpy as np

from trainer import checkpoint
from trainer.mnist import IMAGE_SIZE, NUM_CLASSES
from trainer.models import MODELS
from trainer.mxnet_shim import mx

LOGITS = "logits"  # the last layer of every model: the symbol's own output
JSON_DECIMALS = 6  # float32 holds ~7 significant digits; this halves the JSON without changing any answer


def softmax(logits):
    """Probabilities from logits along the last axis (shifted by the maximum, so exp never overflows)."""
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class Layer:
    name: str
    values: np.ndarray  # one image's activations, float32, e.g. (20, 24, 24)

    @property
    def shape(self):
        return self.values.shape


@dataclass(frozen=True)
class Inside:
    """What one network did with one image."""

    layers: list  # [Layer, ...] in network order; the last is the 10 logits
    probabilities: np.ndarray  # (10,), softmax of the logits
    saliency: np.ndarray  # (10, 28, 28): saliency[k] is the evidence map for class k

    @property
    def logits(self):
        return self.layers[-1].values

    @property
    def predicted(self):
        return int(self.logits.argmax())

    def layer(self, name):
        return next(layer.values for layer in self.layers if layer.name == name)


def _contrast_weights():
    """(10, 10) matrix W with row k = one-hot(k) - mean over the other classes.

    logits @ W[k] is "logit k minus the mean of the other nine": softmax ignores anything that
    raises all logits together, so this is the part of the score that actually decides the answer.
    """
    others = np.full((NUM_CLASSES, NUM_CLASSES), -1.0 / (NUM_CLASSES - 1), dtype=np.float32)
    np.fill_diagonal(others, 1.0)
    return others


class InsideReader:
    """One network's inside, from its exported symbol and parameters (built once per checkpoint)."""

    def __init__(self, symbol_file, params_file, spec, device=None):
        """Raise CheckpointError, naming the missing layer, if the symbol lacks a hidden layer `spec` lists."""
        self.spec = spec
        self.device = device or mx.cpu()
        network = mx.sym.load(str(symbol_file))
        graph = network.get_internals()
        outputs = []
        for layer in spec.hidden_layers:  # matching the end of the name keeps any prefix working
            matches = [output for output in graph.list_outputs() if output.endswith(layer.output)]
            if len(matches) != 1:
                raise checkpoint.CheckpointError(
                    f"{symbol_file} is not a {spec.name} network written by trainer/train.py: it has "
                    f"{'no' if not matches else len(matches)} internal output ending in {layer.output!r}")
            outputs.append(graph[matches[0]])
        outputs.append(network)
        self.layer_names = [layer.name for layer in spec.hidden_layers] + [LOGITS]
        self._check_shapes(outputs, [layer.shape for layer in spec.hidden_layers] + [(NUM_CLASSES,)], symbol_file)
        self._block = mx.gluon.SymbolBlock(outputs=mx.sym.Group(outputs), inputs=mx.sym.var(checkpoint.INPUT_NAME))
        self._block.collect_params().load(str(params_file), ctx=self.device, allow_missing=False, ignore_extra=False)
        self._block.collect_params().setattr("grad_req", "null")  # gradients for the input only
        self._block.hybridize()
        self._contrast = mx.nd.array(_contrast_weights(), ctx=self.device)
        # Read once, here: the pictures drawn from them later need neither MXNet nor the lock.
        self.weights = {panel.weight: self._weights_as_images(panel.weight) for panel in spec.panels if panel.weight}

    def _check_shapes(self, outputs, expected, symbol_file):
        for output, layer_name, shape in zip(outputs, self.layer_names, expected):
            _, (found, *_), _ = output.infer_shape(**{checkpoint.INPUT_NAME: (1, 1, IMAGE_SIZE, IMAGE_SIZE)})
            if tuple(found[1:]) != shape:
                raise checkpoint.CheckpointError(
                    f"{symbol_file}: layer {layer_name} has shape {tuple(found[1:])} per image, expected {shape}")

    def _weights_as_images(self, suffix):
        """A first layer's weights, one small image per unit: conv (20, 1, 5, 5) -> (20, 5, 5); dense (128, 784) -> (128, 28, 28)."""
        weights = next(p for key, p in self._block.collect_params().items() if key.endswith(suffix))
        values = weights.data().asnumpy()
        side = values.shape[-1] if values.ndim == 4 else IMAGE_SIZE
        return values.reshape(len(values), side, side)

    def read(self, image):
        """image float32 (1, 1, 28, 28) in [0, 1] -> Inside, with saliency maps for all ten classes.

        Saliency is gradient x input: d(contrast_k)/d(pixel) * pixel, where contrast_k is logit k minus
        the mean of the other nine logits. The contrast, not the bare logit, because softmax ignores a
        shift common to all logits (e.g. "more ink raises every score"): the map shows what speaks for
        k against the other digits. Not log-softmax either: its gradient fades to zero once the model
        is confident, exactly when students want to see why. Times the input, so the map lives on the
        strokes: positive (red) pixels pushed towards k, negative (blue) ones away from it. Black
        pixels are 0, the network's "no ink", so they get no credit for the answer or against it.

        The image is repeated ten times, (10, 1, 28, 28), and row k's contrast towards class k is
        summed: one forward and one backward give all ten maps, since rows do not interact.
        """
        image = np.asarray(image, dtype=np.float32).reshape(1, 1, IMAGE_SIZE, IMAGE_SIZE)
        batch = mx.nd.array(np.repeat(image, NUM_CLASSES, axis=0), ctx=self.device)  # (10, 1, 28, 28)
        batch.attach_grad()
        with mx.autograd.record():
            outputs = self._block(batch)
            contrast = (outputs[-1] * self._contrast).sum()  # sum over k of contrast_k(row k)
        contrast.backward()
        saliency = (batch.grad * batch).asnumpy()[:, 0]  # (10, 28, 28)
        layers = [Layer(name, output[0].asnumpy()) for name, output in zip(self.layer_names, outputs)]
        return Inside(layers, softmax(layers[-1].values), saliency)


def build_reader(folder, name, device=None):
    """The InsideReader of model `name` in a checkpoint folder, or CheckpointError saying which file to remake."""
    paths = checkpoint.checkpoint_paths(folder, name)
    for path in (paths.symbol, paths.params):
        if not path.is_file():
            raise checkpoint.CheckpointError(
                f"{path} is missing; run `{checkpoint.train_command(name, folder)}` to make it")
    try:
        return InsideReader(paths.symbol, paths.params, MODELS[name], device)
    except checkpoint.CheckpointError:
        raise
    except Exception as error:  # MXNetError, JSON errors: the files are unusable
        raise checkpoint.CheckpointError(
            f"{paths.symbol.name} / {paths.params.name} in {folder} could not be inspected "
            f"({str(error).splitlines()[0] if str(error) else type(error).__name__}); "
            f"run `{checkpoint.train_command(name, folder)}` to remake them") from error


def _rounded(values):
    return np.round(np.asarray(values, dtype=np.float64), JSON_DECIMALS).tolist()


def model_json(inside):
    """One model's part of the /explain answer (see `inside_json`)."""
    return {
        "predicted": inside.predicted,
        "probabilities": _rounded(inside.probabilities),
        "layers": [{"name": layer.name, "shape": list(layer.shape), "values": _rounded(layer.values)}
                   for layer in inside.layers],
        "saliency": _rounded(inside.saliency[inside.predicted]),
    }


def inside_json(image, insides):
    """The /explain answer: {"input": 28x28, NAME: {"predicted", "probabilities", "layers", "saliency"}, ...}.

    image: float32 (1, 1, 28, 28) in [0, 1]; insides: {name: Inside} (models that could not be
    loaded are absent). Values are nested lists, rounded to JSON_DECIMALS places; the last layer is
    the 10 logits and "saliency" is the map of the predicted class.
    """
    answer = {"input": _rounded(np.asarray(image).reshape(IMAGE_SIZE, IMAGE_SIZE))}
    answer.update({name: model_json(inside) for name, inside in insides.items()})
    return answer
