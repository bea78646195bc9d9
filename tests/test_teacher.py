"""The teacher's room: the key, and every teacher endpoint refused without it; export, removal, fine-tune, switching."""
import json
import os
import signal
import time
import urllib.request
import zipfile

import numpy as np
import pytest
from gradio_client import Client

from conftest import run_script, write_synthetic_idx
from demo.app import Config, build_app, launch_options
from demo.drawings import DrawingStore
from demo.finetune import SHIPPED, FineTuneError, FineTuner
from demo.preprocess import strokes_to_mnist
from demo.teacher import KEY_CHECKS_PER_SECOND, MIN_KEY_LENGTH, Refused, TeacherGate, key_problem
from testkit import servers
from testkit.pad_digits import pad_value
from trainer import checkpoint, mnist

KEY = "correct horse battery staple"
QUICK_RUN = ("--dry-run", "--validation-size", "100")  # a fine-tune of 3 batches per model: the code path, quickly
NO_LIMIT = dict(burst=10**9, hourly=10**9, server_burst=10**9)


def write_tiny_mnist(folder, train=600, test=200):
    """The four MNIST IDX files, holding synthetic digits (class k: a bar at row 3 + 2k)."""
    for prefix, count, seed in (("train", train, 1), ("t10k", test, 2)):
        write_synthetic_idx(folder, prefix, count, seed)
    return folder


def fill(store, count=30, seed=0):
    """`count` labelled pad drawings, as the keypad stores them."""
    from demo.drawings import RateLimit

    store.limiter.limit = RateLimit(**NO_LIMIT)
    rng = np.random.default_rng(seed)
    for index in range(count):
        digit = index % 10
        value = json.dumps(pad_value(digit, rng))
        store.add(digit, value, strokes_to_mnist(value), {"lenet": np.eye(10)[digit]}, {"lenet": "x"}, f"s{index}")


# -------------------------------------------------------------------------------------------- the key


def test_every_try_waits_its_turn_and_the_right_key_unlocks_a_browser():
    now = [100.0]
    gate = TeacherGate(KEY, clock=lambda: now[0])
    turns = [gate.turn() for _ in range(5)]  # five tries arriving at once, from anyone: spaced by the budget
    assert turns == [100.0 + index / KEY_CHECKS_PER_SECOND for index in range(5)]
    with pytest.raises(Refused, match="not the teacher's key"):
        gate.check_key("a guess")
    gate.check_key(KEY)  # every key is checked at its turn: the right one always passes, after any number of wrong
    now[0] = 200.0
    assert gate.turn() == 200.0  # an idle turnstile lets the next try through at once

    with pytest.raises(Refused, match="Unlock"):
        gate.require("teacher")
    browser_pass = gate.unlock(KEY, "teacher")
    gate.require("teacher")
    with pytest.raises(Refused):
        gate.require("student")  # unlocking is per page session ...
    assert KEY not in browser_pass and gate.restore(browser_pass, "teacher, reloaded")  # ... and its browser
    gate.require("teacher, reloaded")
    assert not gate.restore("a made-up pass", "student")
    gate.lock("teacher, reloaded", browser_pass)
    assert not gate.restore(browser_pass, "teacher, again")
    now[0] += 13 * 3600
    with pytest.raises(Refused):
        gate.require("teacher")  # 12 hours at most


def test_a_key_too_short_to_resist_guessing_is_refused_with_one_that_would_do():
    problem = key_problem("letmein")
    assert problem is not None and f"at least {MIN_KEY_LENGTH} characters" in str(problem)
    example = str(problem).rsplit(" ", 1)[-1]
    assert len(example) >= MIN_KEY_LENGTH and key_problem(example) is None
    with pytest.raises(ValueError):
        TeacherGate("letmein")
    assert key_problem(KEY) is None and key_problem(None) is None


def test_without_a_key_the_teachers_room_is_off():
    gate = TeacherGate(None)
    assert not gate.enabled
    with pytest.raises(Refused, match="--teacher-key"):
        gate.check_key("")
    with pytest.raises(Refused):
        gate.unlock("anything", "session")


# -------------------------------------------------------------------------------------- the runs


@pytest.fixture(scope="module")
def tiny_mnist(tmp_path_factory):
    return write_tiny_mnist(tmp_path_factory.mktemp("tiny-mnist"))


@pytest.fixture
def filled_store(tmp_path):
    store = DrawingStore(tmp_path / "drawings.sqlite")
    fill(store)
    yield store
    store.close()


def wait_for(tuner, name, timeout=300):
    deadline = time.time() + timeout
    while tuner.is_running() and time.time() < deadline:
        time.sleep(0.5)
    return tuner.record(name)


def test_a_fine_tune_runs_the_trainer_on_the_drawings_and_can_be_switched_to(filled_store, tmp_path, tiny_mnist):
    tuner = FineTuner(tmp_path / "runs", checkpoint.DEFAULT_FOLDER, tiny_mnist, trainer_flags=QUICK_RUN)
    name = tuner.start(filled_store, checkpoint.DEFAULT_FOLDER)
    with pytest.raises(FineTuneError, match="already running"):
        tuner.start(filled_store, checkpoint.DEFAULT_FOLDER)
    record = wait_for(tuner, name)
    assert record.state == "finished", record.message
    assert record.message.startswith(f"run {name}: fine-tuned on 30 drawings")
    assert "MLP: our 6 held-out drawings" in record.message and "LeNet:" in record.message
    assert tuner.progress(name)[0] == 1.0
    assert mnist.read_idx(tmp_path / "runs" / name / "export" / "train-labels-idx1-ubyte.gz").tolist() == \
        [index % 10 for index in range(30)]
    metadata = checkpoint.read_metadata(tmp_path / "runs" / name, "lenet")
    assert metadata["training"]["init_from"] == str(checkpoint.DEFAULT_FOLDER)

    assert tuner.in_use() == SHIPPED
    assert tuner.use(name) == tmp_path / "runs" / name and tuner.in_use() == name
    assert FineTuner(tmp_path / "runs", checkpoint.DEFAULT_FOLDER).in_use() == name  # survives a restart
    assert tuner.use(SHIPPED) == checkpoint.DEFAULT_FOLDER and tuner.in_use() == SHIPPED
    with pytest.raises(FineTuneError, match="no run '../etc'"):
        tuner.use("../etc")


def test_too_few_drawings_or_no_mnist_is_said_before_anything_starts(tmp_path, tiny_mnist):
    store = DrawingStore(tmp_path / "drawings.sqlite")
    fill(store, count=4)
    with pytest.raises(FineTuneError, match="at least 10 labelled drawings; there are 4"):
        FineTuner(tmp_path / "runs", data_dir=tiny_mnist).start(store, checkpoint.DEFAULT_FOLDER)
    fill(store, count=10, seed=1)
    with pytest.raises(FineTuneError, match="needs MNIST on this server.*MNIST_DIR"):
        FineTuner(tmp_path / "runs", data_dir=tmp_path / "nowhere").start(store, checkpoint.DEFAULT_FOLDER)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_broken_or_killed_run_says_why_and_cannot_be_used(filled_store, tmp_path, tiny_mnist):
    broken = tmp_path / "broken-mnist"
    broken.mkdir()
    for name in mnist.MNIST_FILES:
        (broken / name).write_bytes(b"not an IDX file")
    tuner = FineTuner(tmp_path / "runs", data_dir=broken, trainer_flags=QUICK_RUN)
    record = wait_for(tuner, tuner.start(filled_store, checkpoint.DEFAULT_FOLDER))
    assert record.state == "failed" and "MNIST" in record.message, record.message
    with pytest.raises(FineTuneError, match="failed.*only a finished run"):
        tuner.use(record.name)

    time.sleep(1.1)  # run names are the start time, to the second
    slow = FineTuner(tmp_path / "runs", data_dir=tiny_mnist, trainer_flags=("--epochs", "500", "--validation-size", "100"))
    name = slow.start(filled_store, checkpoint.DEFAULT_FOLDER)
    deadline = time.time() + 120
    while "training" not in (tmp_path / "runs" / name / "console.txt").read_text() and time.time() < deadline:
        time.sleep(0.2)
    os.killpg(slow._process.pid, signal.SIGKILL)
    record = wait_for(slow, name)
    assert record.state == "failed" and "SIGKILL" in record.message
    assert slow.in_use() == SHIPPED


def test_a_run_counts_as_running_until_how_it_ended_is_recorded(filled_store, tmp_path, monkeypatch):
    """Between the trainer's exit and its record's update the run is still running: a status read then never
    finds a run that is neither going nor ended."""
    broken = tmp_path / "broken-mnist"
    broken.mkdir()
    for name in mnist.MNIST_FILES:
        (broken / name).write_bytes(b"not an IDX file")
    tuner = FineTuner(tmp_path / "runs", data_dir=broken, trainer_flags=QUICK_RUN)
    read_error = tuner._trainer_error
    monkeypatch.setattr(tuner, "_trainer_error", lambda name, code: (time.sleep(1.5), read_error(name, code))[1])
    record = wait_for(tuner, tuner.start(filled_store, checkpoint.DEFAULT_FOLDER))
    assert record.state == "failed" and "MNIST" in record.message, record


def test_a_fine_tune_without_mnist_dir_downloads_it_or_says_why_on_the_teacher_tab(filled_store, tmp_path,
                                                                                    monkeypatch, mnist_dir):
    """On a hosted Space there is no MNIST_DIR: the trainer's download (trainer/mnist_download.py) serves the
    fine-tune too, and when every mirror fails its whole message reaches the Teacher tab."""
    from demo.teacher_tab import TeacherTab
    from testkit.mnist_mirrors import MirrorServer

    monkeypatch.delenv("MNIST_DIR", raising=False)
    monkeypatch.setenv("MXNET_HOME", str(tmp_path / "mx"))
    real = {name: (mnist_dir / name).read_bytes() for name in mnist.MNIST_FILES}
    with MirrorServer(real) as server:
        monkeypatch.setenv("MNIST_MIRRORS", f"{server.base('dead')} {server.base('corrupt')}")
        tuner = FineTuner(tmp_path / "runs", trainer_flags=QUICK_RUN)
        record = wait_for(tuner, tuner.start(filled_store, checkpoint.DEFAULT_FOLDER))
        assert record.state == "failed", record.message
        assert f"{server.base('dead')}train-images-idx3-ubyte.gz: HTTP 403" in record.message
        assert f"{server.base('corrupt')}train-images-idx3-ubyte.gz: corrupt" in record.message
        assert "MNIST_DIR" in record.message
        status = TeacherTab(TeacherGate(KEY), None, filled_store, tuner).watch()[0]
        assert f"{server.base('dead')}train-images-idx3-ubyte.gz: HTTP 403" in status

        time.sleep(1.1)  # run names are the start time, to the second
        monkeypatch.setenv("MNIST_MIRRORS", f"{server.base('dead')} {server.base('good')}")
        record = wait_for(tuner, tuner.start(filled_store, checkpoint.DEFAULT_FOLDER))
        assert record.state == "finished", record.message
    assert sorted(path.name for path in (tmp_path / "mx" / "datasets" / "mnist").iterdir()) == sorted(mnist.MNIST_FILES)


# --------------------------------------------------------------------------------- the app, by API


@pytest.fixture(scope="module")
def teacher_app(tmp_path_factory, tiny_mnist):
    folder = tmp_path_factory.mktemp("teacher-app")
    app = build_app(Config(drawings_db=str(folder / "drawings.sqlite"), teacher_key=KEY, drawings_db_configured=True,
                           finetune_flags=QUICK_RUN, mnist_dir=str(tiny_mnist)))
    fill(app.drawings)
    url = servers.launch(app.demo, **launch_options())
    yield app, url
    app.demo.close()
    app.tuner.stop()


def state_of(app):
    """What a refused call must leave as it was: the drawings, the runs, the models answering."""
    runs = sorted(path.name for path in app.tuner.folder.iterdir()) if app.tuner.folder.exists() else []
    return [row[0] for row in app.drawings.export_rows()], runs, app.tuner.in_use(), app.models.folder


CALLS = [("/export_drawings", ()), ("/delete_drawings", ("all",)), ("/finetune", ()), ("/finetune_status", ("x",)),
         ("/use_models", (SHIPPED,))]


def test_every_teacher_endpoint_refuses_no_key_and_a_wrong_key_and_changes_nothing(teacher_app):
    app, url = teacher_app
    client = Client(url, verbose=False)
    before = state_of(app)
    for key in ("", "not the key"):
        for endpoint, arguments in CALLS:
            with pytest.raises(Exception, match="not the teacher's key"):
                client.predict(key, *arguments, api_name=endpoint)
    assert state_of(app) == before
    page = urllib.request.urlopen(url, timeout=30).read().decode()
    config = urllib.request.urlopen(f"{url.rstrip('/')}/config", timeout=30).read().decode()
    assert KEY not in page and KEY not in config  # the key never reaches the page


def test_the_teacher_exports_removes_fine_tunes_and_switches_by_api(teacher_app, tmp_path):
    app, url = teacher_app
    client = Client(url, verbose=False)
    stored = app.drawings.export_rows()
    with zipfile.ZipFile(client.predict(KEY, api_name="/export_drawings")) as archive:
        folders = {name.split("/")[0] for name in archive.namelist()}
        assert len(folders) == 1 and folders.pop().startswith("drawings-")  # unpacks into one folder
        assert sorted(name.split("/")[1] for name in archive.namelist()) == [
            "README.txt", "strokes.jsonl", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"]
        archive.extractall(tmp_path)
    (unpacked,) = tmp_path.glob("drawings-*")
    assert mnist.read_idx(unpacked / "train-labels-idx1-ubyte.gz").tolist() == [row[2] for row in stored]
    np.testing.assert_array_equal(mnist.read_idx(unpacked / "train-images-idx3-ubyte.gz"), [row[3] for row in stored])

    with pytest.raises(Exception, match="Nothing was removed: no drawing has the id 999999"):
        client.predict(KEY, f"{stored[0][0]},999999", api_name="/delete_drawings")
    assert app.drawings.count() == len(stored)
    assert client.predict(KEY, str(stored[0][0]), api_name="/delete_drawings") == \
        f"1 removed; {len(stored) - 1} drawings left."

    started = client.predict(KEY, api_name="/finetune")
    run = started.removeprefix("Run ").removesuffix(" started.")
    assert started.startswith("Run 20"), started
    deadline = time.time() + 300
    while "is learning" in (status := client.predict(KEY, run, api_name="/finetune_status")) and time.time() < deadline:
        time.sleep(1)
    assert status.startswith(f"Run {run} finished") and "LeNet: our" in status and "MNIST test" in status, status
    assert client.predict(KEY, run, api_name="/use_models").startswith("Now answering everyone: the models of run")
    assert app.models.folder == app.tuner.folder / run
    _, lenet, _, lenet_line, _ = client.predict(json.dumps(pad_value(7)), api_name="/predict")
    assert "fine-tuned on 29 of our drawings" in lenet_line
    client.predict(api_name="/reload")  # anyone may reload: it re-reads the models in use, never undoes the choice
    assert app.models.folder == app.tuner.folder / run
    assert client.predict(KEY, SHIPPED, api_name="/use_models") == "Now answering everyone: the shipped models."
    assert app.models.folder == checkpoint.DEFAULT_FOLDER


def test_the_teacher_is_told_where_the_drawings_live_and_when_a_restart_empties_it(tmp_path):
    from demo.teacher import database_note

    space = {"SPACE_ID": "school/digits"}
    assert "every restart empties" in str(database_note("drawings/drawings.sqlite", True, space))
    assert "DEMO_DRAWINGS_DB=/data/drawings.sqlite" in str(database_note("drawings/drawings.sqlite", False, space))
    assert "⚠️" not in str(database_note("/data/drawings.sqlite", True, space))
    assert "the default place" in str(database_note(tmp_path / "d.sqlite", False, {}))
    assert str(database_note(tmp_path / "d.sqlite", True, {})) == f"They live in `{(tmp_path / 'd.sqlite').resolve()}`."
    assert "switched off" in str(database_note("", False, {}))


def test_the_readmes_api_tour_runs_as_written_and_leaves_the_drawings_as_they_were(teacher_app):
    """examples/api_tour.py, the README's HTTP API example: every call, the teacher's with a fine-tune too."""
    app, url = teacher_app
    before = app.drawings.count()
    result = run_script("examples/api_tour.py", url, "--teacher-key", KEY, "--finetune", timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    lines = result.stdout
    assert "/predict: MLP reads 7, LeNet reads 7" in lines
    assert "/predict_image (examples/digit_on_paper.jpg): MLP reads 4, LeNet reads 4" in lines
    assert "/label: Thank you! Saved as a 7." in lines and "/delete_drawings: 1 removed" in lines
    assert "/finetune_status: Run " in lines and "finished" in lines and "Now answering everyone: the shipped models." in lines
    assert app.drawings.count() == before and app.tuner.in_use() == SHIPPED
