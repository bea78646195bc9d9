"""The development sets of real pen strokes, replayed as the drawing pad sends them: what tests and benchmarks share.

Two sets of real pen trajectories (y up, tablet units; see each data folder's README), found at
$PENDIGITS_DIR / $UNIPEN_DIR, else ../shared/data/<name> beside the repository, never copied into it:
pendigits (one lab, 30 writers) and unipen-dev (15 sites, 95 writers; its checked `quality` OK labels
are a subset of their own). Each record becomes the value the drawing pad sends: points in
millimetres (a site's `points_per_mm` may differ in x and y), y flipped to point down, the digit
normalised by its own bounding box, then placed on a 300-600 px pad at 25-90 % of its shorter side,
at a random position, with a random brush. Seeded: the same seed gives the same pads. For measuring
only, never for training.
"""
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from demo.preprocess import strokes_to_mnist
from trainer.mxnet_shim import mx

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
# Development set name -> (its strokes file, the environment variable naming its folder).
DATA_SETS = {"pendigits": ("pendigits-train-strokes.jsonl.gz", "PENDIGITS_DIR"),
             "unipen-dev": ("unipen-dev-strokes.jsonl.gz", "UNIPEN_DIR")}
PAD_SIDES = (300, 600)  # pad width and height, px
DIGIT_SHARE = (0.25, 0.90)  # digit's longer side / pad's shorter side
BRUSH_SHARE = (0.01, 0.06)  # pen diameter / pad's longer side


@dataclass
class Replayed:
    """A development set through the pad: images float32 (N, 1, 28, 28), labels int64 (N,), and
    subsets {"all": bool (N,), ...} that are reported separately (unipen-dev's checked labels: "OK")."""

    images: np.ndarray
    labels: np.ndarray
    subsets: dict


def default_folder(name):
    """$PENDIGITS_DIR / $UNIPEN_DIR, else ../shared/data/<name> beside the repository."""
    return Path(os.environ.get(DATA_SETS[name][1]) or SHARED_DATA / name).expanduser()


def data_sets(folders=None):
    """--data folders (None: each set's default folder) -> ({name: folder} of the sets found, [folders without one]).

    A folder is recognised by the strokes file it holds."""
    candidates = [(name, default_folder(name)) for name in DATA_SETS] if not folders else \
        [(name, Path(folder).expanduser()) for folder in folders for name in DATA_SETS]
    found = {name: folder for name, folder in candidates if (folder / DATA_SETS[name][0]).is_file()}
    empty = [folder for folder in dict.fromkeys(folder for _, folder in candidates) if folder not in found.values()]
    return found, empty


def add_data_argument(parser):
    """--data DIR, repeatable: the flag that chooses the development sets, for every script that replays them."""
    parser.add_argument("--data", action="append", default=None, metavar="DIR",
                        help="a pendigits or unipen-dev folder; repeat for both (default: both, from $PENDIGITS_DIR "
                             "and $UNIPEN_DIR, else ../shared/data/pendigits and ../shared/data/unipen-dev)")


def missing_data_message(folders):
    """One line: where no development set was found, and how to point at one."""
    return (f"no development set in {' or '.join(map(str, folders))} (neither "
            f"{' nor '.join(file for file, _ in DATA_SETS.values())}); give --data DIR or set "
            f"{' / '.join(variable for _, variable in DATA_SETS.values())}")


def load_records(name, folder, limit=None):
    """The records [{"label", "strokes", ...}, ...] of development set `name` in `folder`."""
    records = []
    with gzip.open(Path(folder) / DATA_SETS[name][0], "rt", encoding="utf-8") as lines:
        for line in lines:
            records.append(json.loads(line))
            if limit is not None and len(records) >= limit:
                break
    return records


def millimetres(record):
    """A record's strokes as float (n, 2) arrays in millimetres, x right and y up.

    unipen-dev gives each site's points per mm in x and y (site aga: 33.7 and 38.6, so its raw points
    squash every digit by 13 %); pendigits has square tablet pixels and no such field (scale 1).
    """
    per_mm = np.asarray(record.get("points_per_mm", (1.0, 1.0)), dtype=np.float64)
    return [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) / per_mm for stroke in record["strokes"]]


def replay(record, rng):
    """A record (strokes in tablet units, y up) -> the pad value a person drawing it would send.

    The points go to millimetres (square), the y axis is flipped (the pad's points down), the digit
    is scaled by its own bounding box so its longer side is a random share of the pad, and placed at a
    random spot fully inside the pad.
    """
    strokes = millimetres(record)
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


def replay_set(records, seed=0):
    """Records -> Replayed; the subset "OK" exists where the records carry UNIPEN's `quality` field."""
    images, labels = replay_all(records, seed)
    subsets = {"all": np.ones(len(labels), dtype=bool)}
    if records and "quality" in records[0]:
        subsets = {"OK": np.array([record["quality"] == "OK" for record in records]), **subsets}
    return Replayed(images, labels, subsets)


def load_and_replay(folders=None, limit=None, seed=0):
    """--data folders -> ({name: Replayed} for the sets found, [folders without one])."""
    found, empty = data_sets(folders)
    return {name: replay_set(load_records(name, folder, limit), seed) for name, folder in found.items()}, empty


def predict(net, images, batch_size=1000):
    """Predicted classes (N,) for float32 images (N, 1, 28, 28)."""
    return np.concatenate([net(mx.nd.array(images[start:start + batch_size])).argmax(axis=1).asnumpy()
                           for start in range(0, len(images), batch_size)]).astype(np.int64)
