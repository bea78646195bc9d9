"""A class's fine-tune, as the teacher's room runs it: how long it takes and what it changes.

    MNIST_DIR=../shared/data/mnist python bench/finetune_class.py [--writers 8] [--hard]

A simulated class: the digits of some pendigits writers (real pen strokes, testkit/devsets.py)
replayed on the pad and labelled into a fresh drawings database, as students would with the keypad.
Then the teacher's fine-tune (demo/finetune.py: the trainer in a low-priority process, --epochs 3
--lr 2e-4 from the shipped models) runs on them, and the benchmark prints its wall time and, per
model, the accuracy on the held-out fifth of the class's drawings and on MNIST test, before and after.
The development set stands in for a class here only: the models it makes are thrown away.
--hard picks the writers the shipped LeNet reads worst (a class whose handwriting MNIST lacks).
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from testkit import devsets  # noqa: E402
from demo.drawings import DrawingStore, RateLimit  # noqa: E402
from demo.finetune import FineTuner  # noqa: E402
from demo.preprocess import strokes_to_mnist  # noqa: E402
from trainer import checkpoint, mnist  # noqa: E402

UNLIMITED = RateLimit(burst=10**9, hourly=10**9, server_burst=10**9)


def choose_writers(records, count, hard, seed):
    """`count` writers: the ones the shipped LeNet misreads most (hard), or a random draw."""
    writers = sorted({record["writer"] for record in records})
    if not hard:
        return list(np.random.default_rng(seed).choice(writers, count, replace=False))
    images, labels = devsets.replay_all(records, seed)
    wrong = devsets.predict(checkpoint.load_network(checkpoint.DEFAULT_FOLDER, "lenet"), images) != labels
    errors = {writer: wrong[[r["writer"] == writer for r in records]].mean() for writer in writers}
    return sorted(writers, key=errors.get, reverse=True)[:count]


def label_drawings(records, store, rng):
    """Replay the records on the pad and store them as drawings labelled by 30 students; returns the count."""
    for index, record in enumerate(records):
        value = json.dumps(devsets.replay(record, rng))
        store.add(record["label"], value, strokes_to_mnist(value), {"lenet": np.full(10, 0.1)}, {"lenet": "bench"},
                  f"student-{index % 30}")
    return store.count()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=None, help="the pendigits folder (default: testkit/devsets.py's)")
    parser.add_argument("--writers", type=int, default=8, help="writers in the simulated class (~250 digits each)")
    parser.add_argument("--hard", action="store_true", help="the writers the shipped LeNet reads worst")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    found, empty = devsets.data_sets([args.data] if args.data else None)
    if "pendigits" not in found:
        print(devsets.missing_data_message(empty))
        return 0
    records = devsets.load_records("pendigits", found["pendigits"])
    data_dir = mnist.resolve_data_dir()
    if data_dir is None:
        print("set MNIST_DIR: the fine-tune trains on MNIST too")
        return 0
    writers = choose_writers(records, args.writers, args.hard, args.seed)
    with tempfile.TemporaryDirectory(prefix="finetune-class-") as scratch:
        store = DrawingStore(Path(scratch) / "drawings.sqlite", rate_limit=UNLIMITED)
        count = label_drawings([r for r in records if r["writer"] in writers], store, np.random.default_rng(args.seed))
        print(f"a class of {len(writers)} writers{' (the hardest)' if args.hard else ''}: {count} labelled drawings")
        tuner = FineTuner(Path(scratch) / "runs", checkpoint.DEFAULT_FOLDER, data_dir)
        started = time.time()
        name = tuner.start(store, checkpoint.DEFAULT_FOLDER)
        while tuner.is_running():
            time.sleep(1)
        record = tuner.record(name)
        print(f"{record.state} in {(time.time() - started) / 60:.1f} min of wall time")
        print(record.message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
