"""How far do a recipe's results move with the seed alone? Compare recipes on a spread, not on one run.

    MNIST_DIR=../shared/data/mnist python bench/seed_spread.py [--seeds 42,1,2] [--models lenet] [TRAIN FLAGS]
    MNIST_DIR=../shared/data/mnist python bench/seed_spread.py --epochs 10          # the README's spread

Trains the same recipe once per seed (trainer/train.py with every other flag passed through, into a
temporary folder), then prints each run's MNIST test errors (10,000 images) and real-handwriting
errors (the development sets replayed on the pad, testkit/devsets.py: pendigits, unipen-dev's
checked labels and all of it), and their mean and standard deviation. The seed decides the initial
weights, the validation split, the batch order and the augmentation; the replay of the real strokes
is the same for every run.
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench import real_strokes  # noqa: E402
from testkit import devsets  # noqa: E402
from trainer import checkpoint, train  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     epilog="Every other flag goes to trainer/train.py (e.g. --epochs 10).")
    parser.add_argument("--seeds", default="42,1,2", help="comma-separated training seeds (default: 42,1,2)")
    parser.add_argument("--models", default="lenet", help="comma-separated, as trainer/train.py (default: lenet)")
    real_strokes.add_data_arguments(parser)
    args, train_flags = parser.parse_known_args(argv)
    try:
        args.seeds = [int(seed) for seed in args.seeds.split(",")]
    except ValueError:
        parser.error(f"--seeds {args.seeds!r}: expected integers such as 42,1,2")
    train_flags = ["--models", args.models, *train_flags]
    args.models = train.parse_args(train_flags).models  # the trainer's own checks, before any work
    return args, train_flags


def spread_lines(name, runs):
    """runs: [(seed, MNIST test errors, {"pendigits all": errors, ...})] -> printable lines with mean and deviation."""
    lines = [f"{name:<6} seed {seed:>4}: MNIST test errors {mnist_errors:>4}"
             + "".join(f", {subset} {errors:>4}" for subset, errors in real.items())
             for seed, mnist_errors, real in runs]
    columns = {"MNIST test": [mnist_errors for _, mnist_errors, _ in runs]}
    for _, _, real in runs:
        for subset, errors in real.items():
            columns.setdefault(subset, []).append(errors)
    for label, column in columns.items():
        values = np.array(column, dtype=np.float64)
        lines.append(f"{name:<6} {label} errors: mean {values.mean():.1f}, standard deviation "
                     f"{values.std(ddof=1) if len(values) > 1 else 0.0:.1f}, range {values.min():.0f}-{values.max():.0f}"
                     f" over {len(values)} seeds")
    return lines


def main(argv=None):
    args, train_flags = parse_args(argv)
    replayed, empty = devsets.load_and_replay(args.data, args.limit)
    if empty:
        print(f"{devsets.missing_data_message(empty)}: measuring {', '.join(['MNIST', *replayed])}")
    runs = {name: [] for name in args.models}
    for seed in args.seeds:
        with tempfile.TemporaryDirectory(prefix=f"seed-{seed}-") as out_dir:
            started = time.time()
            status = train.main([*train_flags, "--seed", str(seed), "--out-dir", out_dir])
            if status != 0:
                return status
            print(f"seed {seed}: trained in {(time.time() - started) / 60:.1f} min", flush=True)
            for name in args.models:
                mnist_errors = checkpoint.read_metadata(out_dir, name)["evaluation"]["test_errors"]
                real = real_strokes.errors_by_subset(checkpoint.load_network(out_dir, name), replayed)
                runs[name].append((seed, mnist_errors, real))
    for name, model_runs in runs.items():
        print("\n".join(spread_lines(name, model_runs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
