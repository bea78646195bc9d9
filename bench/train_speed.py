"""Trainer throughput against a bare forward/backward/step loop over the same in-memory tensors.

    python bench/train_speed.py            # both models, synthetic images (no MNIST needed)

The ratio (trainer / bare) shows what the trainer's input pipeline, metrics and logging cost;
with augmentation on, the extra cost of augmenting every batch is printed too. For LeNet, the bare
loop also runs with Gluon's own MaxPool2D instead of trainer/models.py's NHWC one, timed in the
same turns, to show what that pooling saves (docs/experiments.md, "Training cost").
"""
import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from trainer import train  # noqa: E402
from trainer.models import MaxPool2D  # noqa: E402
from trainer.mxnet_shim import mx  # noqa: E402

GLUON_POOLING = "bare loop, Gluon's pooling"


def bare_loop(net, trainer, images, labels, batch_size):
    """The least a training loop can do: slice, forward, loss, backward, step (all hybridized, as the trainer)."""
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    loss_fn.hybridize(static_alloc=True, static_shape=True)
    for start in range(0, len(labels) - batch_size + 1, batch_size):
        x, y = images[start:start + batch_size], labels[start:start + batch_size]
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(batch_size)
    mx.nd.waitall()


def samples_per_second(runs, samples, repeats):
    """{name: best samples/s} for named runs, timed in turns (run A, run B, run A, ...) after one warm-up
    each, so that the machine's drift during the benchmark affects every run alike."""
    best = {name: float("inf") for name in runs}
    for name, run in runs.items():
        run()
    for _ in range(repeats):
        for name, run in runs.items():
            mx.nd.waitall()
            started = time.perf_counter()
            run()
            mx.nd.waitall()
            best[name] = min(best[name], time.perf_counter() - started)
    return {name: samples / seconds for name, seconds in best.items()}


def with_gluons_pooling(net):
    """The same (initialised) layers, with Gluon's MaxPool2D where the network has the NHWC one."""
    gluon_net = mx.gluon.nn.HybridSequential(prefix=net.prefix)
    for layer in net:
        gluon_net.add(mx.gluon.nn.MaxPool2D(pool_size=2, strides=2) if isinstance(layer, MaxPool2D) else layer)
    return train.hybridized(gluon_net)


def measure(name, images_np, labels_np, batch_size, repeats):
    device = mx.cpu()
    settings = train.Settings(model=name, epochs=1, batch_size=batch_size, lr=1e-3, weight_decay=0.0,
                              warmup_epochs=0.0, seed=0, augment=False, validation_size=0)
    images, labels = mx.nd.array(images_np), mx.nd.array(labels_np, dtype="float32")
    samples = (len(labels_np) // batch_size) * batch_size
    steps = train.steps_per_epoch(len(labels_np), settings)
    runs = {}
    for label, augment in (("trainer", False), ("trainer+augment", True)):
        net = train.create_network(settings, [device])
        trainer = train.create_trainer(net, settings, steps)
        run_settings = replace(settings, augment=augment)
        run = train.Run(run_settings, net, trainer, [device])
        runs[label] = lambda run=run: train.train_epoch(run, images_np, labels_np, 1)
    bare_net = train.create_network(settings, [device])
    bare_trainer = train.create_trainer(bare_net, settings, steps)
    runs["bare"] = lambda: bare_loop(bare_net, bare_trainer, images, labels, batch_size)
    if any(isinstance(layer, MaxPool2D) for layer in bare_net):
        gluon_net = with_gluons_pooling(train.create_network(settings, [device]))
        gluon_trainer = train.create_trainer(gluon_net, settings, steps)
        runs[GLUON_POOLING] = lambda: bare_loop(gluon_net, gluon_trainer, images, labels, batch_size)
    return samples_per_second(runs, samples, repeats)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mlp-samples", type=int, default=55_000, help="one epoch of the 55,000 training images")
    parser.add_argument("--lenet-samples", type=int, default=6_400)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'model':<6} {'bare loop':>12} {'trainer':>12} {'ratio':>6} {'with augment':>13} {'augment cost':>13}")
    for name, count in (("mlp", args.mlp_samples), ("lenet", args.lenet_samples)):
        images = rng.random((count, 1, 28, 28), dtype=np.float32)
        labels = rng.integers(0, 10, count).astype(np.int32)
        speed = measure(name, images, labels, args.batch_size, args.repeats)
        ratio = speed["trainer"] / speed["bare"]
        cost = 1 - speed["trainer+augment"] / speed["trainer"]
        print(f"{name:<6} {speed['bare']:>10,.0f}/s {speed['trainer']:>10,.0f}/s {ratio:>6.2f}"
              f" {speed['trainer+augment']:>11,.0f}/s {cost:>12.0%}", flush=True)
        if GLUON_POOLING in speed:
            print(f"{'':<6} {speed[GLUON_POOLING]:>10,.0f}/s  (bare loop with Gluon's MaxPool2D instead of the NHWC one)",
                  flush=True)
    print(f"(samples/second, best of {args.repeats}, batch {args.batch_size}, {mx.cpu()};"
          " augment cost = share of trainer throughput spent augmenting)")


if __name__ == "__main__":
    main()
