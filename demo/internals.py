"""Inside the networks: hidden activations, learned weights and saliency maps, from the checkpoint files alone.

Numpy and MXNet only (no Gradio). An `Inspector` is built once per loaded checkpoint from
`NAME-symbol.json` and `NAME-0000.params`: it picks the activation outputs of the hidden layers out
of the exported graph by name and wraps them, with the logits, in one `gluon.SymbolBlock`.

MXNet is not thread-safe: call `Inspector.inspect` under the app's MXNet lock (`ModelStore.explain`
does that for the demo).
"""
from dataclasses import dataclass

import numpy as np

from trainer import checkpoint
from trainer.mnist import IMAGE_SIZE, NUM_CLASSES
from trainer.mxnet_shim import mx

# The hidden layers shown for each architecture, in order: (display name, end of the internal output's
# name in the exported symbol, shape for one image). Gluon names an output `<prefix><layer>_<op>_fwd_output`;
# matching the end keeps any prefix working. The logits (the symbol's own output) always come last.
HIDDEN_LAYERS = {
    "lenet": (
        ("conv1", "conv0_tanh_fwd_output", (20, 24, 24)),
        ("conv2", "conv1_tanh_fwd_output", (50, 8, 8)),
        ("dense", "dense0_tanh_fwd_output", (500,)),
    ),
    "mlp": (
        ("hidden1", "dense0_relu_fwd_output", (128,)),
        ("hidden2", "dense1_relu_fwd_output", (64,)),
    ),
}
# The first layer's weights, by the end of their parameter name: what `Inspector.first_layer` holds.
FIRST_LAYER_WEIGHT = {"lenet": "conv0_weight", "mlp": "dense0_weight"}
LOGITS = "logits"
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
class Internals:
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


def _contrast_weights():
    """(10, 10) matrix W with row k = one-hot(k) - mean over the other classes.

    logits @ W[k] is "logit k minus the mean of the other nine": softmax ignores anything that
    raises all logits together, so this is the part of the score that actually decides the answer.
    """
    others = np.full((NUM_CLASSES, NUM_CLASSES), -1.0 / (NUM_CLASSES - 1), dtype=np.float32)
    np.fill_diagonal(others, 1.0)
    return others


class Inspector:
    """One network's internals, from its exported symbol and parameters (built once per checkpoint)."""

    def __init__(self, symbol_file, params_file, name, device=None):
        """Raise CheckpointError, naming the missing layer, if the symbol is not one of the known architectures."""
        if name not in HIDDEN_LAYERS:
            raise ValueError(f"no layer list for model {name!r}; known: {', '.join(HIDDEN_LAYERS)}")
        self.name = name
        self.device = device or mx.cpu()
        network = mx.sym.load(str(symbol_file))
        internals = network.get_internals()
        outputs, self.layer_names = [], []
        for display_name, suffix, shape in HIDDEN_LAYERS[name]:
            matches = [output for output in internals.list_outputs() if output.endswith(suffix)]
            if len(matches) != 1:
                raise checkpoint.CheckpointError(
                    f"{symbol_file} is not a {name} network written by trainer/train.py: it has "
                    f"{'no' if not matches else len(matches)} internal output ending in {suffix!r}")
            outputs.append(internals[matches[0]])
            self.layer_names.append(display_name)
        outputs.append(network)
        self.layer_names.append(LOGITS)
        self._check_shapes(outputs, [shape for _, _, shape in HIDDEN_LAYERS[name]] + [(NUM_CLASSES,)], symbol_file)
        self._block = mx.gluon.SymbolBlock(outputs=mx.sym.Group(outputs), inputs=mx.sym.var(checkpoint.INPUT_NAME))
        self._block.collect_params().load(str(params_file), ctx=self.device, allow_missing=False, ignore_extra=False)
        self._block.collect_params().setattr("grad_req", "null")  # gradients for the input only
        self._block.hybridize()
        self._contrast = mx.nd.array(_contrast_weights(), ctx=self.device)
        self.first_layer = self._first_layer_weights()  # read once, here: later readers need neither MXNet nor the lock

    def _check_shapes(self, outputs, expected, symbol_file):
        for output, layer_name, shape in zip(outputs, self.layer_names, expected):
            _, (found, *_), _ = output.infer_shape(**{checkpoint.INPUT_NAME: (1, 1, IMAGE_SIZE, IMAGE_SIZE)})
            if tuple(found[1:]) != shape:
                raise checkpoint.CheckpointError(
                    f"{symbol_file}: layer {layer_name} has shape {tuple(found[1:])} per image, expected {shape}")

    def _first_layer_weights(self):
        """LeNet: the 20 conv filters (20, 5, 5). MLP: each first-layer unit's incoming weights as an image (128, 28, 28)."""
        suffix = FIRST_LAYER_WEIGHT[self.name]
        weights = next(p for key, p in self._block.collect_params().items() if key.endswith(suffix))
        values = weights.data().asnumpy()  # LeNet (20, 1, 5, 5); MLP (128, 784)
        side = values.shape[-1] if values.ndim == 4 else IMAGE_SIZE
        return values.reshape(len(values), side, side)

    def inspect(self, image):
        """image float32 (1, 1, 28, 28) in [0, 1] -> Internals, with saliency maps for all ten classes.

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
        return Internals(layers, softmax(layers[-1].values), saliency)


def build_inspector(folder, name, device=None):
    """The Inspector of model `name` in a checkpoint folder, or CheckpointError saying which file to remake."""
    paths = checkpoint.checkpoint_paths(folder, name)
    for path in (paths.symbol, paths.params):
        if not path.is_file():
            raise checkpoint.CheckpointError(
                f"{path} is missing; run `{checkpoint.train_command(name, folder)}` to make it")
    try:
        return Inspector(paths.symbol, paths.params, name, device)
    except checkpoint.CheckpointError:
        raise
    except Exception as error:  # MXNetError, JSON errors: the files are unusable
        raise checkpoint.CheckpointError(
            f"{paths.symbol.name} / {paths.params.name} in {folder} could not be inspected "
            f"({str(error).splitlines()[0] if str(error) else type(error).__name__}); "
            f"run `{checkpoint.train_command(name, folder)}` to remake them") from error


def _rounded(values):
    return np.round(np.asarray(values, dtype=np.float64), JSON_DECIMALS).tolist()


def model_json(internals):
    """One model's part of the /explain answer (see `explain_json`)."""
    return {
        "predicted": internals.predicted,
        "probabilities": _rounded(internals.probabilities),
        "layers": [{"name": layer.name, "shape": list(layer.shape), "values": _rounded(layer.values)}
                   for layer in internals.layers],
        "saliency": _rounded(internals.saliency[internals.predicted]),
    }


def explain_json(image, explained):
    """The /explain answer: {"input": 28x28, NAME: {"predicted", "probabilities", "layers", "saliency"}, ...}.

    image: float32 (1, 1, 28, 28) in [0, 1]; explained: {name: Internals} (models that could not be
    loaded are absent). Values are nested lists, rounded to JSON_DECIMALS places; the last layer is
    the 10 logits and "saliency" is the map of the predicted class.
    """
    answer = {"input": _rounded(np.asarray(image).reshape(IMAGE_SIZE, IMAGE_SIZE))}
    answer.update({name: model_json(internals) for name, internals in explained.items()})
    return answer
