"""The development sets (pendigits, unipen-dev) replayed on the drawing pad (testkit/devsets.py), the
benchmark that reads them with the models (bench/real_strokes.py) and the one that does so over several
training seeds (bench/seed_spread.py)."""
import re

import numpy as np
import pytest

from conftest import run_script
from testkit import devsets
from demo.preprocess import strokes_to_mnist
from trainer import checkpoint

# The shipped checkpoints' accuracy (README, Results), rounded down: pendigits all, unipen-dev's checked labels.
MLP_FLOOR, LENET_FLOOR = 0.97, 0.98
UNIPEN_OK_FLOOR = 0.97
# A pendigits-style "7", tablet pixels with y pointing up: the bar at the top (high y), then the stem down.
SEVEN_Y_UP = {"label": 7, "strokes": [[[100, 400], [200, 400], [300, 400], [250, 250], [200, 100]]]}
AGA_PER_MM = [33.728, 38.555]  # unipen-dev's one anisotropic site: points per mm in x and y
AGA_ZERO = "unipen-1a/aga/annzchrl.dat#172"  # a 0 written at that site


def development_set(name, limit=None):
    """A development set's records from ../shared/data/<name> (or its environment variable), or skip without it."""
    found, _ = devsets.data_sets()
    if name not in found:
        pytest.skip(f"no {name} strokes in {devsets.default_folder(name)} (set {devsets.DATA_SETS[name][1]})")
    return devsets.load_records(name, found[name], limit)


@pytest.fixture(scope="module")
def pendigits():
    """The first 400 real digits, or skip when the development set is not on this machine."""
    return development_set("pendigits", limit=400)


@pytest.fixture(scope="module")
def unipen():
    """All of unipen-dev, or skip when it is not on this machine."""
    return development_set("unipen-dev")


def pad_aspect(value):
    """Height / width of the strokes in a pad value."""
    points = np.concatenate([np.array(stroke) for stroke in value["strokes"]])
    return np.ptp(points[:, 1]) / np.ptp(points[:, 0])


def test_replay_puts_a_y_up_seven_upright_with_its_bar_at_the_top():
    for seed in range(5):
        image = strokes_to_mnist(devsets.replay(SEVEN_Y_UP, np.random.default_rng(seed)))[0, 0]
        ink_rows = np.flatnonzero(image.max(axis=1) > 0.5)
        top_width = (image[ink_rows[0]:ink_rows[0] + 3] > 0.5).any(axis=0).sum()
        bottom_width = (image[ink_rows[-1] - 2:ink_rows[-1] + 1] > 0.5).any(axis=0).sum()
        assert top_width > 2 * bottom_width  # the wide bar is on top, the stem's narrow foot at the bottom


def test_replay_is_a_valid_pad_value_with_the_digit_inside_the_pad():
    rng = np.random.default_rng(0)
    for _ in range(20):
        value = devsets.replay(SEVEN_Y_UP, rng)
        points = np.concatenate([np.array(stroke) for stroke in value["strokes"]])
        assert devsets.PAD_SIDES[0] <= min(value["width"], value["height"]) <= devsets.PAD_SIDES[1]
        assert points.min() >= 0 and (points.max(axis=0) <= [value["width"], value["height"]]).all()
        share = np.ptp(points, axis=0).max() / min(value["width"], value["height"])
        assert devsets.DIGIT_SHARE[0] - 0.01 <= share <= devsets.DIGIT_SHARE[1] + 0.01
        assert value["brush"] > 0


def test_replay_is_seeded():
    first = devsets.replay_all([SEVEN_Y_UP] * 3, seed=4)[0]
    np.testing.assert_array_equal(first, devsets.replay_all([SEVEN_Y_UP] * 3, seed=4)[0])


def test_replay_corrects_a_sites_anisotropic_points():
    """A circle 10 mm across, recorded at aga's resolution (more points per mm in y), comes out round."""
    angles = np.linspace(0, 2 * np.pi, 60)
    millimetres = np.column_stack((10 + 5 * np.cos(angles), 10 + 5 * np.sin(angles)))
    record = {"label": 0, "points_per_mm": AGA_PER_MM, "strokes": [(millimetres * AGA_PER_MM).round().tolist()]}
    value = devsets.replay(record, np.random.default_rng(0))
    assert pad_aspect(value) == pytest.approx(1.0, abs=0.02)
    raw = devsets.replay({**record, "points_per_mm": [1, 1]}, np.random.default_rng(0))
    assert pad_aspect(raw) == pytest.approx(AGA_PER_MM[1] / AGA_PER_MM[0], abs=0.02)  # 14 % too tall uncorrected


def test_replay_of_a_known_aga_digit_keeps_its_shape_in_millimetres(unipen):
    record = next(record for record in unipen if record["id"] == AGA_ZERO)
    assert record["points_per_mm"] == pytest.approx(AGA_PER_MM, abs=0.01) and record["label"] == 0
    points = np.concatenate([np.array(stroke, dtype=float) for stroke in record["strokes"]])
    written = np.ptp(points[:, 1]) / AGA_PER_MM[1] / (np.ptp(points[:, 0]) / AGA_PER_MM[0])  # height / width in mm
    for seed in range(3):
        assert pad_aspect(devsets.replay(record, np.random.default_rng(seed))) == pytest.approx(written, rel=0.02)
    raw_points = np.ptp(points[:, 1]) / np.ptp(points[:, 0])
    assert abs(raw_points / written - 1) > 0.1  # uncorrected, the tablet's points would have squashed it


def test_unipen_replay_reports_its_checked_labels_apart():
    records = [{"label": 1, "quality": quality, "points_per_mm": [1, 1], "strokes": [[[0, 0], [0, 50]]]}
               for quality in ("OK", "?", "OK")]
    replayed = devsets.replay_set(records)
    np.testing.assert_array_equal(replayed.subsets["OK"], [True, False, True])
    assert replayed.subsets["all"].all() and replayed.images.shape == (3, 1, 28, 28)
    assert list(devsets.replay_set([SEVEN_Y_UP]).subsets) == ["all"]  # pendigits has no quality field


def test_the_shipped_lenet_reads_real_digits_far_better_upright_than_flipped(pendigits):
    flipped = [{**record, "strokes": [[[x, -y] for x, y in stroke] for stroke in record["strokes"]]}
               for record in pendigits]
    net = checkpoint.load_network(checkpoint.DEFAULT_FOLDER, "lenet")
    upright_x, labels = devsets.replay_all(pendigits)
    flipped_x, _ = devsets.replay_all(flipped)
    upright = (devsets.predict(net, upright_x) == labels).mean()
    upside_down = (devsets.predict(net, flipped_x) == labels).mean()
    assert upright > 0.9 and upright > upside_down + 0.3


def test_the_shipped_models_read_real_handwriting_as_the_readme_says(pendigits):
    """The whole development set, replayed as bench/real_strokes.py does by default (seed 0)."""
    images, labels = devsets.replay_all(development_set("pendigits"))
    for name, required in (("mlp", MLP_FLOOR), ("lenet", LENET_FLOOR)):
        net = checkpoint.load_network(checkpoint.DEFAULT_FOLDER, name)
        accuracy = (devsets.predict(net, images) == labels).mean()
        assert accuracy >= required, (name, accuracy)


def test_the_shipped_models_read_unipens_checked_digits_as_the_readme_says(unipen):
    replayed = devsets.replay_set(unipen)
    checked = replayed.subsets["OK"]
    assert checked.sum() == 1101
    for name in ("mlp", "lenet"):
        predicted = devsets.predict(checkpoint.load_network(checkpoint.DEFAULT_FOLDER, name), replayed.images)
        accuracy = (predicted == replayed.labels)[checked].mean()
        assert accuracy >= UNIPEN_OK_FLOOR, (name, accuracy)


def test_benchmark_prints_each_set_apart_with_accuracy_per_class_and_confusions(pendigits, unipen):
    result = run_script("bench/real_strokes.py", "--limit", "200")
    assert result.returncode == 0, result.stderr
    for name in ("mlp", "lenet"):
        for subset in ("pendigits all", "unipen-dev OK", "unipen-dev all"):
            assert f"\n{name} {subset} " in "\n" + result.stdout
    assert "per class: 0:" in result.stdout and "confusions (true->predicted count)" in result.stdout


def test_benchmark_reads_the_one_set_given_by_data(unipen):
    result = run_script("bench/real_strokes.py", "--limit", "50", "--data", devsets.data_sets()[0]["unipen-dev"])
    assert result.returncode == 0, result.stderr
    assert "\nlenet unipen-dev OK " in result.stdout and "pendigits" not in result.stdout


def test_benchmark_says_so_in_one_line_and_exits_cleanly_without_the_data(tmp_path):
    result = run_script("bench/real_strokes.py", "--data", tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("\n") == 1 and "no development set" in result.stdout
    assert "PENDIGITS_DIR" in result.stdout and "UNIPEN_DIR" in result.stdout


def test_seed_spread_trains_one_run_per_seed(mnist_dir):
    result = run_script("bench/seed_spread.py", "--seeds", "3,4", "--limit", "40", "--dry-run", "--data-dir", mnist_dir,
                        timeout=600)
    assert result.returncode == 0, result.stderr
    assert "seed 3: trained" in result.stdout and "seed 4: trained" in result.stdout
    assert "lenet  MNIST test errors: mean" in result.stdout and "over 2 seeds" in result.stdout
    for subset in ("pendigits all", "unipen-dev OK", "unipen-dev all"):
        if subset.split()[0] in devsets.data_sets()[0]:
            assert f"lenet  {subset} errors: mean" in result.stdout
    # Each summary is the mean, standard deviation and range of the per-seed numbers printed above it.
    per_seed = [dict((name.strip(), int(count)) for name, count in re.findall(r"([A-Za-z -]+?)\s+(\d+)(?:,|$)", line))
                for line in re.findall(r"lenet  seed +\d+: (.*)", result.stdout)]
    for name, mean, deviation, low, high in re.findall(
            r"lenet  (.+?) errors: mean ([\d.]+), standard deviation ([\d.]+), range (\d+)-(\d+) over 2 seeds",
            result.stdout):
        values = [run[f"{name} errors" if name == "MNIST test" else name] for run in per_seed]
        assert float(mean) == pytest.approx(np.mean(values), abs=0.05)
        assert float(deviation) == pytest.approx(np.std(values, ddof=1), abs=0.05)
        assert (int(low), int(high)) == (min(values), max(values))
