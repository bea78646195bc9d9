"""How well do the models read real people's handwriting, replayed as strokes on the drawing pad?

    python bench/real_strokes.py [--checkpoints checkpoints/] [--data ../shared/data/pendigits] [--limit N]

Each pendigits record (pen trajectories from 30 writers, y up, tablet pixels; see the data's README)
becomes the value the drawing pad sends: y flipped to point down, the digit normalised by its own
bounding box, then placed on a 300-600 px pad at 25-90 % of its shorter side, at a random position,
with a random brush. That value goes through the demo's own `strokes_to_mnist`, then through each
model, in batches. Seeded: the same flags give the same numbers.
"""
import argparse
import gzip
import json
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from demo.preprocess import strokes_to_mnist  # noqa: E402
from trainer import checkpoint  # noqa: E402
from trainer.models import MODELS  # noqa: E402
from trainer.mxnet_shim import mx  # noqa: E402

DATA_FILE = "pendigits-train-strokes.jsonl.gz"
DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "pendigits"
PAD_SIDES = (300, 600)  # pad width and height, px
DIGIT_SHARE = (0.25, 0.90)  # digit's longer side / pad's shorter side
BRUSH_SHARE = (0.01, 0.06)  # pen diameter / pad's longer side


def data_folder(flag_value=None):
    """--data, else $PENDIGITS_DIR, else ../shared/data/pendigits next to the repository."""
    return Path(flag_value or os.environ.get("PENDIGITS_DIR") or DEFAULT_DATA).expanduser()


def add_data_arguments(parser):
    """The flags that choose the development set: --data and --limit (shared by the benches that replay it)."""
    parser.add_argument("--data", default=None,
                        help="pendigits folder (default: $PENDIGITS_DIR, else ../shared/data/pendigits)")
    parser.add_argument("--limit", type=int, default=None, help="replay only the first N real digits")


def missing_data_message(folder):
    return f"no pendigits strokes at {Path(folder) / DATA_FILE}; give --data DIR or set PENDIGITS_DIR"


def load_records(folder, limit=None):
    """The pendigits records [{"label", "writer", "strokes"}, ...] from `folder`, or None if the file is absent."""
    path = Path(folder) / DATA_FILE
    if not path.is_file():
        return None
    records = []
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            records.append(json.loads(line))
            if limit is not None and len(records) >= limit:
                break
    return records


def replay(record, rng):
    """A pendigits record (strokes in tablet pixels, y up) -> the pad value a person drawing it would send.

    The y axis is flipped (the pad's points down), the digit is scaled by its own bounding box so its
    longer side is a random share of the pad, and placed at a random spot fully inside the pad.
    """
    strokes = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in record["strokes"]]
    every_point = np.concatenate(strokes)
    low, high = every_point.min(axis=0), every_point.max(axis=0)
    width, height = (float(side) for side in rng.integers(PAD_SIDES[0], PAD_SIDES[1] + 1, 2))
    size = rng.uniform(*DIGIT_SHARE) * min(width, height)
    scale = size / max(float((high - low).max()), 1e-6)
    extent = (high - low) * scale
    left = rng.uniform(0, width - extent[0])
    top = rng.uniform(0, height - extent[1])
    pad_strokes = [np.column_stack((left + (stroke[:, 0] - low[0]) * scale,
                                    top + (high[1] - stroke[:, 1]) * scale)).round(1).tolist()
                   for stroke in strokes]
    return {"width": width, "height": height, "strokes": pad_strokes,
            "brush": round(rng.uniform(*BRUSH_SHARE) * max(width, height), 1)}


def replay_all(records, seed=0):
    """Records -> (images float32 (N, 1, 28, 28) through the pad's preprocessing, labels int64 (N,))."""
    rng = np.random.default_rng(seed)
    images = np.concatenate([strokes_to_mnist(replay(record, rng)) for record in records])
    return images, np.array([record["label"] for record in records], dtype=np.int64)


def predict(net, images, batch_size=1000):
    """Predicted classes (N,) for float32 images (N, 1, 28, 28)."""
    return np.concatenate([net(mx.nd.array(images[start:start + batch_size])).argmax(axis=1).asnumpy()
                           for start in range(0, len(images), batch_size)]).astype(np.int64)


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

    folder = data_folder(args.data)
    records = load_records(folder, args.limit)
    if records is None:
        print(missing_data_message(folder))
        return 0
    warnings.filterwarnings("ignore", message="Cannot decide type")  # MXNet, on every exported network it loads
    started = time.time()
    images, labels = replay_all(records, args.seed)
    print(f"replayed {len(labels):,} real digits through the pad's preprocessing in {time.time() - started:.0f} s")
    for name in MODELS:
        try:
            net = checkpoint.load_network(args.checkpoints, name)
        except checkpoint.CheckpointError as error:
            print(f"{name:<6} skipped: {error}")
            continue
        print("\n".join(report(name, labels, predict(net, images))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
