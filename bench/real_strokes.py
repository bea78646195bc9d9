"""How well do the models read real people's handwriting, replayed as strokes on the drawing pad?

    python bench/real_strokes.py [--checkpoints checkpoints/] [--data DIR ...] [--limit N]

Both development sets (pendigits; unipen-dev, its checked `quality` OK labels and all, reported
apart), replayed as the pad sends them (testkit/devsets.py), through the demo's own
`strokes_to_mnist`, then through each model, in batches. Seeded: the same flags give the same numbers.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from testkit.devsets import add_data_argument, load_and_replay, missing_data_message, predict  # noqa: E402
from trainer import checkpoint  # noqa: E402
from trainer.models import MODELS  # noqa: E402


def add_data_arguments(parser):
    """The flags that choose the development sets: --data and --limit (shared by the benches that replay them)."""
    add_data_argument(parser)
    parser.add_argument("--limit", type=int, default=None, help="replay only the first N digits of each set")


def errors_by_subset(net, replayed):
    """{"pendigits all": errors, "unipen-dev OK": errors, ...} of one network on replayed sets {name: Replayed}."""
    counts = {}
    for name, data in replayed.items():
        wrong = predict(net, data.images) != data.labels
        counts.update({f"{name} {subset}": int(wrong[mask].sum()) for subset, mask in data.subsets.items()})
    return counts


def report(name, labels, predicted, top=8):
    """Accuracy, per-class accuracy and the most frequent confusions, as printable lines."""
    matrix = np.zeros((10, 10), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    per_class = matrix.diagonal() / np.maximum(1, matrix.sum(axis=1))
    errors = matrix.copy()
    np.fill_diagonal(errors, 0)
    worst = np.argsort(errors, axis=None)[::-1][:top]
    confusions = ", ".join(f"{true}->{guess} {errors[true, guess]}"
                           for true, guess in zip(*np.unravel_index(worst, errors.shape)) if errors[true, guess])
    return [f"{name:<6} {100 * (predicted == labels).mean():6.2f}%  ({(predicted != labels).sum()} errors"
            f" in {len(labels)})",
            "       per class: " + " ".join(f"{digit}:{100 * share:5.1f}" for digit, share in enumerate(per_class)),
            "       confusions (true->predicted count): " + (confusions or "none")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoints", default=str(checkpoint.DEFAULT_FOLDER))
    add_data_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="seeds pad sizes, positions and brushes")
    args = parser.parse_args(argv)

    started = time.time()
    replayed, empty = load_and_replay(args.data, args.limit, args.seed)
    if empty:
        print(missing_data_message(empty))
    if not replayed:
        return 0
    print(f"replayed {', '.join(f'{len(data.labels):,} {name}' for name, data in replayed.items())} real digits"
          f" through the pad's preprocessing in {time.time() - started:.0f} s")
    for name in MODELS:
        try:
            net = checkpoint.load_network(args.checkpoints, name)
        except checkpoint.CheckpointError as error:
            print(f"{name:<6} skipped: {error}")
            continue
        for set_name, data in replayed.items():
            predicted = predict(net, data.images)
            for subset, mask in data.subsets.items():
                print("\n".join(report(f"{name} {set_name} {subset}", data.labels[mask], predicted[mask])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
