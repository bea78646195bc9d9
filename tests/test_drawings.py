"""The labelled-drawings store: durability, concurrency, abuse, and the export the trainer reads."""
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import REPO, run_script
from demo import drawings
from demo.drawings import DrawingStore, RateLimit, RateLimiter, Refused, StoreUnavailable
from trainer import extra_data, mnist

NO_LIMIT = RateLimit(burst=10**9, hourly=10**9, server_burst=10**9)


def pad_json(strokes=1):
    return json.dumps({"width": 800, "height": 800, "brush": 28,
                       "strokes": [[[100 + i, 200], [300 + i, 400]] for i in range(strokes)]})


def digit_image(seed):
    """A non-blank float32 (28, 28) model input in [0, 1], different for every seed."""
    image = np.random.default_rng(seed).uniform(0, 1, (28, 28)).astype(np.float32)
    image[image < 0.5] = 0
    return image


def answers(predicted=7):
    return {"mlp": np.eye(10)[predicted], "lenet": np.full(10, 0.1)}


CHECKPOINTS = {"mlp": "328ea7519de4 (2026-11-21 10:03:40)", "lenet": "32f1bf6b0fe6"}


def label(store, digit, seed=0, session="s", **changes):
    arguments = dict(label=digit, drawing=pad_json(), image=digit_image(seed), answers=answers(),
                     checkpoints=CHECKPOINTS, session_id=session)
    return store.add(**{**arguments, **changes})


@pytest.fixture
def store(tmp_path):
    opened = DrawingStore(tmp_path / "drawings" / "drawings.sqlite", rate_limit=NO_LIMIT)
    yield opened
    opened.close()


def test_labels_round_trip_through_the_mnist_format_export(store, tmp_path):
    images = [np.random.default_rng(seed).uniform(0, 1, (1, 1, 28, 28)).astype(np.float32) for seed in range(12)]
    digits = [seed % 10 for seed in range(12)]
    for digit, image in zip(digits, images):
        label(store, digit, image=image)

    assert drawings.export(store, tmp_path / "export") == drawings.Exported(12, [])
    exported_images = mnist.read_idx(tmp_path / "export" / "train-images-idx3-ubyte.gz")
    exported_labels = mnist.read_idx(tmp_path / "export" / "train-labels-idx1-ubyte.gz")
    assert exported_images.dtype == np.uint8 and exported_images.shape == (12, 28, 28)
    np.testing.assert_array_equal(exported_images, np.round(np.concatenate(images)[:, 0] * 255).astype(np.uint8))
    np.testing.assert_array_equal(exported_labels, digits)
    lines = [json.loads(line) for line in (tmp_path / "export" / "strokes.jsonl").read_text().splitlines()]
    assert [line["label"] for line in lines] == digits and lines[0]["pad"] == json.loads(pad_json())

    extra_images, extra_labels = extra_data.load(tmp_path / "export")  # what trainer/train.py --extra-data reads
    assert extra_images.shape == (12, 1, 28, 28) and list(extra_labels) == digits


def test_idx_files_match_mnists_own_header(tmp_path):
    mnist.write_idx(tmp_path / "images.gz", np.zeros((3, 28, 28), dtype=np.uint8))
    mnist.write_idx(tmp_path / "labels.gz", np.arange(3, dtype=np.uint8))
    import gzip
    assert gzip.open(tmp_path / "images.gz").read(16) == bytes.fromhex("00000803" "00000003" "0000001c" "0000001c")
    assert gzip.open(tmp_path / "labels.gz").read(8) == bytes.fromhex("00000801" "00000003")
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    with pytest.raises(mnist.DataError, match="bad.gz"):
        mnist.read_idx(tmp_path / "bad.gz")


def test_real_mnist_reads_with_the_same_reader(mnist_dir):
    labels = mnist.read_idx(mnist_dir / "t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,) and list(labels[:5]) == [7, 2, 1, 0, 4]
    assert mnist.read_idx(mnist_dir / "t10k-images-idx3-ubyte.gz").shape == (10000, 28, 28)


def test_thirty_people_labelling_at_once_lose_nothing(tmp_path):
    ticks = itertools.count(step=1.0)  # every label a second after the last: no rate limit in the way
    store = DrawingStore(tmp_path / "class.sqlite", clock=lambda: next(ticks))
    start = threading.Barrier(30)
    saved, errors = [], []

    def person(number):
        start.wait()
        for drawing in range(10):
            try:
                saved.append(label(store, drawing, seed=number * 100 + drawing, session=f"person-{number}").id)
            except Exception as error:  # collected, so a failure shows up in the assertion below
                errors.append(error)

    threads = [threading.Thread(target=person, args=(number,)) for number in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store.close()
    assert errors == []
    reopened = DrawingStore(tmp_path / "class.sqlite")
    assert len(set(saved)) == 300 and reopened.count() == 300
    assert sorted(drawing.id for drawing in reopened.latest(limit=1000)) == sorted(saved)
    assert reopened.counts_per_digit() == [30] * 10


BURST_SCRIPT = """
import json, sys
import numpy as np
from demo.drawings import DrawingStore, RateLimit
store = DrawingStore(sys.argv[1], rate_limit=RateLimit(burst=10**9, hourly=10**9, server_burst=10**9))
pad = json.dumps({"width": 800, "height": 800, "brush": 28, "strokes": [[[1, 2], [3, 4]]]})
image = np.full((28, 28), 0.5, dtype=np.float32)
for number in range(100000):
    saved = store.add(number % 10, pad, image, {"mlp": np.eye(10)[1]}, {"mlp": "x"}, "burst")
    print(saved.id, flush=True)  # acknowledged: add() has returned, so the commit is on disk
"""


def test_every_acknowledged_label_survives_sigkill(tmp_path):
    database = tmp_path / "drawings.sqlite"
    writer = subprocess.Popen([sys.executable, "-c", BURST_SCRIPT, str(database)], cwd=REPO, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    acknowledged = []
    try:
        for line in writer.stdout:
            acknowledged.append(int(line))
            if len(acknowledged) == 60:
                break
    finally:
        writer.send_signal(signal.SIGKILL)  # mid-burst: it is inside add() or about to be
        writer.wait(timeout=30)
    assert len(acknowledged) == 60, writer.stderr.read()
    acknowledged += [int(line) for line in writer.stdout.read().splitlines() if line.strip().isdigit()]
    reopened = DrawingStore(database)
    stored = {drawing.id for drawing in reopened.latest(limit=100000)}
    assert set(acknowledged) <= stored
    assert reopened.count() >= len(acknowledged)


def test_an_unusable_database_switches_labelling_off_with_a_clear_message(tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    unwritable = DrawingStore(tmp_path / "a-file" / "drawings.sqlite")
    corrupt_path = tmp_path / "corrupt.sqlite"
    corrupt_path.write_bytes(os.urandom(8192))
    corrupt = DrawingStore(corrupt_path)
    switched_off = DrawingStore("")
    for store, reason in ((unwritable, "a-file"), (corrupt, "not a database"), (switched_off, '--drawings-db ""')):
        assert not store.enabled and reason in str(store.problem) and "switched off" in str(store.problem)
        with pytest.raises(StoreUnavailable, match="switched off"):
            label(store, 3)
        with pytest.raises(StoreUnavailable):
            store.counts_per_digit()
    assert corrupt_path.read_bytes() != b"" and len(corrupt_path.read_bytes()) == 8192  # left as it was


def test_a_person_is_never_slowed_but_a_script_is():
    now = [0.0]
    person = RateLimiter(clock=lambda: now[0])
    rng = np.random.default_rng(0)
    for _ in range(900):  # 15 minutes at about one label a second, unevenly
        now[0] += rng.uniform(0.5, 1.5)
        person.check("person")

    now[0] = 0.0
    script = RateLimiter(clock=lambda: now[0])
    accepted = 0
    for click in range(100):  # ten labels a second for ten seconds
        now[0] += 0.1
        try:
            script.check("script")
            accepted += 1
        except Refused as refused:
            assert str(refused).startswith("Slow down:")
        if click == 3:
            assert accepted == 3  # the 4th within 0.4 s is refused
    assert 20 <= accepted <= 23  # a burst of 3, then 2 a second

    accepted, refusals = 0, set()
    for _ in range(int(2 * 3600 * 1.9)):  # two hours at 1.9 a second: under the burst limit, over the hourly one
        now[0] += 1 / 1.9
        try:
            script.check("steady script")
            accepted += 1
        except Refused as refused:
            refusals.add(str(refused))
    assert 2 * 1200 <= accepted <= 3 * 1200 + 10  # 1,200 an hour plus the first hour's bucket of 1,200
    assert any("within the hour" in refusal for refusal in refusals)


def test_the_store_refuses_a_fast_session_and_says_so(tmp_path):
    now = [0.0]
    store = DrawingStore(tmp_path / "d.sqlite", clock=lambda: now[0])
    for seed in range(3):
        label(store, 1, seed=seed)
    with pytest.raises(Refused, match="Slow down"):
        label(store, 1, seed=3)
    label(store, 1, seed=4, session="another person")
    now[0] += 1.0
    assert label(store, 1, seed=5).session_count == 4


def test_the_size_cap_is_a_clear_message_and_deleting_makes_room(tmp_path):
    store = DrawingStore(tmp_path / "d.sqlite", max_drawings=3, rate_limit=NO_LIMIT)
    ids = [label(store, digit, seed=digit).id for digit in range(3)]
    with pytest.raises(Refused, match="full"):
        label(store, 4)
    assert store.delete(ids[0]) and not store.delete(ids[0])
    assert label(store, 4).total == 3


@pytest.mark.parametrize("bad", [True, False, "7", "7x", 7.0, -1, 10, None, [7]])
def test_labels_are_the_ints_zero_to_nine(store, bad):
    with pytest.raises(Refused, match="digit 0-9"):
        label(store, bad)
    assert store.count() == 0


def test_blank_oversized_or_malformed_drawings_are_refused(store):
    refused = [
        dict(image=np.zeros((28, 28), dtype=np.float32)),
        dict(image=np.full((28, 28), 1 / 1000, dtype=np.float32)),  # rounds to all-zero bytes: blank
        dict(image=np.full((28, 28), 2.0, dtype=np.float32)),
        dict(image=np.ones((14, 14), dtype=np.float32)),
        dict(drawing=json.dumps({"strokes": [[[1, 2]]] * 60000})),  # over the pad value's 500,000 characters
        dict(drawing=json.dumps({"width": 800, "height": 800, "strokes": []})),
        dict(drawing="{not json"),
        dict(drawing={"strokes": [[[1, 2]]]}),  # a dict, not the JSON text
        dict(answers={"mlp": [0.5, 0.5]}),
    ]
    for changes in refused:
        with pytest.raises(Refused):
            label(store, 7, **changes)
    assert store.count() == 0
    assert label(store, np.int64(7), image=digit_image(1)[None, None]).total == 1  # (1, 1, 28, 28) and numpy ints work


def test_session_ids_are_stored_as_plain_data(store):
    hostile = "x'); DROP TABLE drawings; --" * 10
    label(store, 5, session=hostile)
    assert store.count() == 1 and label(store, 5, session=hostile).session_count == 2


def test_stats_for_our_drawings_tab(store):
    label(store, 7, seed=1, answers={"mlp": np.eye(10)[7], "lenet": np.eye(10)[1]})
    label(store, 3, seed=2, answers={"mlp": np.eye(10)[8], "lenet": np.eye(10)[3]})
    matrices = store.confusion_matrices()
    assert matrices["mlp"][7, 7] == 1 and matrices["mlp"][3, 8] == 1
    assert drawings.accuracy(matrices["lenet"]) == 0.5
    assert [drawing.label for drawing in store.latest()] == [3, 7]
    assert [drawing.id for drawing in store.misread("lenet")] == [1]
    assert store.misread("mlp")[0].predictions == {"mlp": 8, "lenet": 3}


def test_cli_summary_export_and_delete(store, tmp_path):
    for seed in range(3):
        label(store, seed, seed=seed)
    database = str(store.path)
    result = run_script("demo/drawings.py", "summary", "--db", database)
    assert result.returncode == 0 and "3 drawings" in result.stdout and "mlp: " in result.stdout
    result = run_script("demo/drawings.py", "export", "--db", database, "--out", tmp_path / "out")
    assert result.returncode == 0 and (tmp_path / "out" / "train-labels-idx1-ubyte.gz").is_file()
    assert run_script("demo/drawings.py", "delete", "--db", database, "--id", "2").returncode == 0
    assert store.count() == 2
    missing = run_script("demo/drawings.py", "delete", "--db", database, "--id", "2")
    assert missing.returncode == 2 and "no drawing has the id 2" in missing.stderr
    nowhere = run_script("demo/drawings.py", "export", "--db", tmp_path / "nowhere.sqlite", "--out", tmp_path / "x")
    assert nowhere.returncode == 2 and "nowhere.sqlite" in nowhere.stderr and "Traceback" not in nowhere.stderr
    assert not (tmp_path / "nowhere.sqlite").exists()


def test_our_drawings_page_has_counts_accuracies_and_galleries(store, tmp_path):
    from types import SimpleNamespace

    from demo.drawings_figures import drawings_page

    models = [SimpleNamespace(name="mlp", spec=SimpleNamespace(label="MLP"), metadata={"evaluation": {"test_accuracy": 0.9903}}),
              SimpleNamespace(name="lenet", spec=SimpleNamespace(label="LeNet"), metadata={})]
    label(store, 7, seed=1, answers={"mlp": np.eye(10)[7], "lenet": np.eye(10)[1]})
    label(store, 3, seed=2, answers={"mlp": np.eye(10)[3], "lenet": np.eye(10)[3]})
    page = drawings_page(store, models)
    assert page.message == ""
    assert page.accuracy_rows == [["mlp", "100.00 %", 2, "99.03 %"], ["lenet", "50.00 %", 2, "-"]]
    titles = re.findall(r"<figcaption>([^<]*)</figcaption>", page.confusion)
    assert [title.split(" (")[0] for title in titles] == ["MLP: 0 misread of 2", "LeNet: 1 misread of 2"]  # table's order
    assert page.counts.count("<img") == 1 and "2 labelled drawings" in page.counts
    assert page.latest.count("<img") == 2 and "#2: 3" in page.latest
    assert page.misread.count("<img") == 1 and 'class="misread"' in page.misread  # LeNet read the 7 as a 1

    off = drawings_page(DrawingStore(""), models)
    assert "switched off" in off.message and off.accuracy_rows[0][1] == "-"
    assert "<img" not in off.latest and "<img" not in off.misread
