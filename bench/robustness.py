"""Do the shipped models still read MNIST test digits when they are drawn the way people draw?

    MNIST_DIR=../shared/data/mnist python bench/robustness.py [--count 10000]

Clean: the 10,000 test images as they are. Redrawn: the same digits re-stroked with a random pen
on an 800x800 canvas at a random size and place, sometimes with stray dots (testkit/canvases.py),
then sent through the demo's own preprocessing and models.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from testkit.canvases import redraw  # noqa: E402
from demo.inference import ModelStore  # noqa: E402
from demo.preprocess import upload_to_mnist  # noqa: E402
from trainer import checkpoint, mnist  # noqa: E402
from trainer.mxnet_shim import mx  # noqa: E402
from trainer.train import evaluate  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="test digits to redraw")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", default=None, help="default: $MNIST_DIR")
    parser.add_argument("--checkpoints", default=str(checkpoint.DEFAULT_FOLDER))
    args = parser.parse_args()

    _, _, images, labels = mnist.load_mnist(mnist.resolve_data_dir(args.data_dir))
    store = ModelStore(args.checkpoints)
    names = [model.name for model in store.available()]
    rng = np.random.default_rng(args.seed)
    chosen = rng.permutation(len(labels))[:args.count]

    redrawn_inputs, conditions, started = [], [], time.time()
    for index in chosen:
        drawing = redraw(images[index, 0], rng)
        redrawn_inputs.append(upload_to_mnist(drawing.layer))  # a stroke layer: ink in the alpha channel
        conditions.append((drawing.height_px, drawing.pen_radius_px / drawing.height_px, drawing.stray_dots))
    redrawn = np.concatenate(redrawn_inputs)
    heights, pens, dots = (np.array(column) for column in zip(*conditions))
    print(f"redrew and preprocessed {len(chosen):,} test digits in {time.time() - started:.0f} s")

    groups = {
        "small (< 200 px)": heights < 200, "large (>= 450 px)": heights >= 450,
        "thin pen (< 4 %)": pens < 0.04, "thick pen (>= 7 %)": pens >= 0.07, "with stray dots": dots > 0,
    }
    print(f"\n{'model':<7} {'clean':>8} {'redrawn':>8} {'drop':>7}   " + "   ".join(groups))
    for name in names:
        net = store.models[name].net
        clean, _, _ = evaluate(net, images[chosen], labels[chosen], mx.cpu())
        _, _, probabilities = evaluate(net, redrawn, labels[chosen], mx.cpu())
        correct = probabilities.argmax(axis=1) == labels[chosen]
        by_group = "   ".join(f"{100 * correct[mask].mean():>{len(group)}.2f}" for group, mask in groups.items())
        print(f"{name:<7} {100 * clean:>7.2f}% {100 * correct.mean():>7.2f}% {100 * (clean - correct.mean()):>6.2f}"
              f"   {by_group}")
    print("\n(accuracy in %, drop in percentage points; groups by digit height on the 800 px canvas and by pen"
          " radius as a share of that height)")


if __name__ == "__main__":
    main()
