"""The two networks, shared by the trainer (which builds them) and the tests.

Both take float32 (N, 1, 28, 28) images in [0, 1] and return (N, 10) logits. The MNIST
standardisation is the first layer, so exported checkpoints need no preprocessing beyond [0, 1].
"""
from trainer.mnist import PIXEL_MEAN, PIXEL_STD, NUM_CLASSES
from trainer.mxnet_shim import mx

nn = mx.gluon.nn


class Standardize(mx.gluon.HybridBlock):
    """(x - mean) / std with MNIST's constants; no parameters, so parameter counts stay the tutorials'."""

    def hybrid_forward(self, F, x):
        return (x - PIXEL_MEAN) / PIXEL_STD


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
            nn.MaxPool2D(pool_size=2, strides=2),  # -> (N, 20, 12, 12)
            nn.Conv2D(50, kernel_size=5, activation="tanh"),  # -> (N, 50, 8, 8)
            nn.MaxPool2D(pool_size=2, strides=2),  # -> (N, 50, 4, 4)
            nn.Flatten(),  # -> (N, 800)
            nn.Dense(500, activation="tanh"),
            nn.Dense(NUM_CLASSES),
        )
    return net


MODELS = {"mlp": build_mlp, "lenet": build_lenet}


def build_model(name):
    """A fresh, uninitialised network by registry name."""
    try:
        return MODELS[name]()
    except KeyError:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(MODELS)}") from None


def count_parameters(net):
    """Number of scalar parameters (the network must be initialised and have seen one input)."""
    return sum(param.data().size for param in net.collect_params().values())
