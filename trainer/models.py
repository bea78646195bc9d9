"""The networks and the registry of models: everything the trainer, the demo and the tests know about each one.

Every network takes float32 (N, 1, 28, 28) images in [0, 1] and returns (N, 10) logits. The MNIST
standardisation is the first layer, so exported checkpoints need no preprocessing beyond [0, 1].

Adding a model is one `ModelSpec` in MODELS plus its build function: the trainer trains it (with
its recipe), the Draw tab shows its answer, the curves tab its curves, and the inside view the
panels its spec lists.
"""
from dataclasses import dataclass
from typing import Callable

from trainer.mnist import NUM_CLASSES, PIXEL_MEAN, PIXEL_STD
from trainer.mxnet_shim import mx

nn = mx.gluon.nn


class Standardize(mx.gluon.HybridBlock):
    """(x - mean) / std with MNIST's constants; no parameters, so parameter counts stay the tutorials'."""

    def hybrid_forward(self, F, x):
        return (x - PIXEL_MEAN) / PIXEL_STD


class MaxPool2D(nn.MaxPool2D):
    """Gluon's MaxPool2D (NCHW in and out, same maths and gradient), computed in NHWC.

    Why: in MXNet 1.9.1 an NCHW max pool goes to oneDNN's reference kernel (simple_nchw): about 20 ms
    on LeNet's (128, 20, 24, 24) batch, the two pools a third of the training step. With layout NHWC
    MXNet uses its own kernel (a few ms), and each transpose costs under 1 ms (docs/experiments.md).
    """

    def __init__(self, pool_size=2, strides=2, **kwargs):
        super().__init__(pool_size=pool_size, strides=strides, layout="NHWC", **kwargs)

    def hybrid_forward(self, F, x):
        nhwc = F.transpose(x, axes=(0, 2, 3, 1))  # (N, C, H, W) -> (N, H, W, C)
        return F.transpose(super().hybrid_forward(F, nhwc), axes=(0, 3, 1, 2))  # -> (N, C, H/2, W/2)

    def __repr__(self):
        return super().__repr__().replace("layout=NHWC", "layout=NCHW, computed in NHWC")


def build_mlp():
    """MLP of the Gluon tutorial: 784 -> 128 -> 64 -> 10, ReLU (109,386 parameters)."""
    net = nn.HybridSequential(prefix="mlp_")
    with net.name_scope():
        net.add(
            Standardize(),
            nn.Flatten(),  # (N, 1, 28, 28) -> (N, 784)
            nn.Dense(128, activation="relu"),
            nn.Dense(64, activation="relu"),
            nn.Dense(NUM_CLASSES),
        )
    return net


def build_lenet():
    """LeNet of the Gluon tutorial, tanh activations (431,080 parameters)."""
    net = nn.HybridSequential(prefix="lenet_")
    with net.name_scope():
        net.add(
            Standardize(),
            nn.Conv2D(20, kernel_size=5, activation="tanh"),  # -> (N, 20, 24, 24)
            MaxPool2D(pool_size=2, strides=2),  # -> (N, 20, 12, 12)
            nn.Conv2D(50, kernel_size=5, activation="tanh"),  # -> (N, 50, 8, 8)
            MaxPool2D(pool_size=2, strides=2),  # -> (N, 50, 4, 4)
            nn.Flatten(),  # -> (N, 800)
            nn.Dense(500, activation="tanh"),
            nn.Dense(NUM_CLASSES),
        )
    return net


@dataclass(frozen=True)
class HiddenLayer:
    """A hidden layer the inside view reads: its name there (and in /explain), the end of its output's
    name in the exported graph (Gluon names it `<prefix><layer>_<op>_fwd_output`), its shape for one image."""

    name: str
    output: str
    shape: tuple


@dataclass(frozen=True)
class Panel:
    """One picture of the inside view (demo/inside_pictures.py draws it by `kind`).

    kind: "maps" (a layer's feature maps, tanh range), "units" (a layer's units, one square each, tanh
    range), "relu_units" (the same, scaled to the most active unit), "filters" (first-layer conv
    weights) or "templates" (first-layer dense weights as 28x28 pictures, most active units first).
    layer: a HiddenLayer name; weight: the end of a parameter's name; grid: (rows, cols) of cells;
    scale: screen pixels per value.
    """

    key: str
    kind: str
    caption: str
    layer: str = None
    weight: str = None
    grid: tuple = (1, 1)
    scale: int = 1


@dataclass(frozen=True)
class ModelSpec:
    name: str  # registry key, file prefix (NAME-symbol.json, ...) and --models value
    title: str  # heading in the app, e.g. "LeNet (2 conv + 2 dense)"
    label: str  # short name over its answer, e.g. "LeNet"
    colour: str  # its curves' matplotlib colour
    build: Callable  # () -> a fresh, uninitialised HybridSequential
    epochs: int  # the default recipe: epochs and peak learning rate
    lr: float
    hidden_layers: tuple = ()  # HiddenLayer, in network order; the logits always follow
    panels: tuple = ()  # Panel, top to bottom; the outputs and "why this answer" always follow


LENET_PANELS = (
    Panel("conv1", "maps", "LeNet, first convolution: 20 feature maps (24x24). Each map lights up (yellow) where "
          "its 5x5 filter finds its pattern in your drawing, e.g. an edge at one angle.",
          layer="conv1", grid=(4, 5), scale=3),
    Panel("filters", "filters", "The 20 learned 5x5 filters of that first layer. Red weights reward ink, blue ones "
          "punish it; each filter is a small stroke detector the network found by itself.",
          weight="conv0_weight", grid=(4, 5), scale=12),
    Panel("conv2", "maps", "LeNet, second convolution: 50 maps (8x8) that combine the first maps into bigger parts "
          "such as curves, loops and corners.", layer="conv2", grid=(5, 10), scale=6),
    Panel("dense", "units", "LeNet's 500 hidden units (one square each, 20 rows of 25): the digit described as 500 "
          "numbers between -1 (dark) and +1 (yellow).", layer="dense", grid=(20, 25), scale=12),
)
MLP_PANELS = (
    Panel("hidden1", "relu_units", "MLP, first hidden layer: 128 units (one square each). Yellow = strongly active, "
          "dark = off (ReLU units are never negative).", layer="hidden1", grid=(8, 16), scale=14),
    Panel("hidden2", "relu_units", "MLP, second hidden layer: 64 units that combine the 128 before them.",
          layer="hidden2", grid=(4, 16), scale=14),
    Panel("templates", "templates", "What the 8 most active first-layer MLP units look for, most active first: each "
          "unit's 784 incoming weights shown as a 28x28 picture (red = ink wanted here, blue = ink unwanted), with "
          "your digit's outline on top. The bar below shows how active the unit is.",
          layer="hidden1", weight="dense0_weight", grid=(1, 8), scale=4),
)

MODELS = {
    spec.name: spec for spec in (
        ModelSpec("mlp", "MLP (dense 128-64-10)", "MLP", "tab:blue", build_mlp, epochs=60, lr=2e-3,
                  hidden_layers=(HiddenLayer("hidden1", "dense0_relu_fwd_output", (128,)),
                                 HiddenLayer("hidden2", "dense1_relu_fwd_output", (64,))),
                  panels=MLP_PANELS),
        ModelSpec("lenet", "LeNet (2 conv + 2 dense)", "LeNet", "tab:orange", build_lenet, epochs=30, lr=1e-3,
                  hidden_layers=(HiddenLayer("conv1", "conv0_tanh_fwd_output", (20, 24, 24)),
                                 HiddenLayer("conv2", "conv1_tanh_fwd_output", (50, 8, 8)),
                                 HiddenLayer("dense", "dense0_tanh_fwd_output", (500,))),
                  panels=LENET_PANELS),
    )
}


def build_model(name):
    """A fresh, uninitialised network by registry name."""
    try:
        return MODELS[name].build()
    except KeyError:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(MODELS)}") from None


def count_parameters(net):
    """Number of scalar parameters (the network must be initialised and have seen one input)."""
    return sum(param.data().size for param in net.collect_params().values())
