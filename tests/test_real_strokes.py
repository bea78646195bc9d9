"""bench/real_strokes.py: the replay of pendigits records on the drawing pad, and the benchmark script;
bench/seed_spread.py, which runs it over several training seeds."""
import numpy as np
import pytest

from bench import real_strokes, seed_spread
from conftest import run_script
from demo.preprocess import strokes_to_mnist
from trainer import checkpoint

# The shipped checkpoints' accuracy on the whole development set (README, Results), rounded down.
MLP_FLOOR, LENET_FLOOR = 0.97, 0.98
# A pendigits-style "7", tablet pixels with y pointing up: the bar at the top (high y), then the stem down.
SEVEN_Y_UP = {"label": 7, "strokes": [[[100, 400], [200, 400], [300, 400], [250, 250], [200, 100]]]}


@pytest.fixture(scope="module")
def pendigits():
    """The first 400 real digits, or skip when the development set is not on this machine."""
    records = real_strokes.load_records(real_strokes.data_folder(), limit=400)
    if records is None:
        pytest.skip(f"no pendigits strokes in {real_strokes.data_folder()} (set PENDIGITS_DIR)")
    return records


def test_replay_puts_a_y_up_seven_upright_with_its_bar_at_the_top():
    for seed in range(5):
        image = strokes_to_mnist(real_strokes.replay(SEVEN_Y_UP, np.random.default_rng(seed)))[0, 0]
        ink_rows = np.flatnonzero(image.max(axis=1) > 0.5)
        top_width = (image[ink_rows[0]:ink_rows[0] + 3] > 0.5).any(axis=0).sum()
        bottom_width = (image[ink_rows[-1] - 2:ink_rows[-1] + 1] > 0.5).any(axis=0).sum()
        assert top_width > 2 * bottom_width  # the wide bar is on top, the stem's narrow foot at the bottom


def test_replay_is_a_valid_pad_value_with_the_digit_inside_the_pad():
    rng = np.random.default_rng(0)
    for _ in range(20):
        value = real_strokes.replay(SEVEN_Y_UP, rng)
        points = np.concatenate([np.array(stroke) for stroke in value["strokes"]])
        assert real_strokes.PAD_SIDES[0] <= min(value["width"], value["height"]) <= real_strokes.PAD_SIDES[1]
        assert points.min() >= 0 and (points.max(axis=0) <= [value["width"], value["height"]]).all()
        share = np.ptp(points, axis=0).max() / min(value["width"], value["height"])
        assert real_strokes.DIGIT_SHARE[0] - 0.01 <= share <= real_strokes.DIGIT_SHARE[1] + 0.01
        assert value["brush"] > 0


def test_replay_is_seeded():
    first = real_strokes.replay_all([SEVEN_Y_UP] * 3, seed=4)[0]
    np.testing.assert_array_equal(first, real_strokes.replay_all([SEVEN_Y_UP] * 3, seed=4)[0])


def test_the_shipped_lenet_reads_real_digits_far_better_upright_than_flipped(pendigits):
    flipped = [{**record, "strokes": [[[x, -y] for x, y in stroke] for stroke in record["strokes"]]}
               for record in pendigits]
    net = checkpoint.load_network(checkpoint.DEFAULT_FOLDER, "lenet")
    upright_x, labels = real_strokes.replay_all(pendigits)
    flipped_x, _ = real_strokes.replay_all(flipped)
    upright = (real_strokes.predict(net, upright_x) == labels).mean()
    upside_down = (real_strokes.predict(net, flipped_x) == labels).mean()
    assert upright > 0.9 and upright > upside_down + 0.3


def test_the_shipped_models_read_real_handwriting_as_the_readme_says(pendigits):
    """The whole development set, replayed as bench/real_strokes.py does by default (seed 0)."""
    records = real_strokes.load_records(real_strokes.data_folder())
    images, labels = real_strokes.replay_all(records)
    for name, required in (("mlp", MLP_FLOOR), ("lenet", LENET_FLOOR)):
        net = checkpoint.load_network(checkpoint.DEFAULT_FOLDER, name)
        accuracy = (real_strokes.predict(net, images) == labels).mean()
        assert accuracy >= required, (name, accuracy)


def test_benchmark_prints_accuracy_per_class_and_confusions(pendigits):
    result = run_script("bench/real_strokes.py", "--limit", "200")
    assert result.returncode == 0, result.stderr
    for name in ("mlp", "lenet"):
        assert f"\n{name}" in "\n" + result.stdout
    assert "per class: 0:" in result.stdout and "confusions (true->predicted count)" in result.stdout


def test_benchmark_says_so_and_exits_cleanly_without_the_data(tmp_path):
    result = run_script("bench/real_strokes.py", "--data", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no pendigits strokes" in result.stdout and "PENDIGITS_DIR" in result.stdout


def test_seed_spread_reports_each_seed_and_the_mean_and_deviation():
    lines = seed_spread.spread_lines("lenet", [(42, 56, 155), (1, 58, 125), (2, 60, None)])
    assert lines[0] == "lenet  seed   42: MNIST test errors   56, real-handwriting errors  155"
    assert lines[2] == "lenet  seed    2: MNIST test errors   60"  # no development set for that run
    assert "mean 58.0, standard deviation 2.0, range 56-60 over 3 seeds" in lines[3]
    assert "mean 140.0, standard deviation 21.2, range 125-155 over 2 seeds" in lines[4]


def test_seed_spread_trains_one_run_per_seed(mnist_dir):
    result = run_script("bench/seed_spread.py", "--seeds", "3,4", "--limit", "40", "--dry-run", "--data-dir", mnist_dir,
                        timeout=600)
    assert result.returncode == 0, result.stderr
    assert "seed 3: trained" in result.stdout and "seed 4: trained" in result.stdout
    assert "lenet  MNIST test errors: mean" in result.stdout and "over 2 seeds" in result.stdout
