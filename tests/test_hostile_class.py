"""A class that tries to break it (issue #31), in small sizes: bounded work for odd pictures and drawings, a
teacher never locked out, only clean drawings stored, a disk budget, a lane for uploads, quiet errors.

bench/hostile_class.py runs the same attacks at full size against the app started as the README says.
"""
import json
import sqlite3
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import PIL.Image
import pytest
from gradio_client import Client, handle_file

from demo import preprocess
from demo.app import Config, build_app, launch_options
from demo.drawings import DrawingStore, RateLimit, Refused, export
from demo.i18n import ENGLISH
from demo.inline import png_bytes
from demo.preprocess import CanvasError, parse_pad_value, upload_to_mnist
from demo.uploads import LaneFull, UploadLane, read_picture
from testkit import servers
from testkit.pad_digits import pad_value

KEY = "correct horse battery staple"
NO_LIMIT = RateLimit(burst=10**9, hourly=10**9, server_burst=10**9)


@pytest.fixture(scope="module")
def hosted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    app = build_app(Config(drawings_db=str(folder / "drawings.sqlite"), teacher_key=KEY, drawings_db_configured=True))
    app.drawings.limiter.limit = NO_LIMIT
    url = servers.launch(app.demo, **launch_options())
    yield app, url
    app.demo.close()


# ------------------------------------------------------------------------------------------- pictures


@pytest.mark.parametrize("shape", [(200_000, 1), (1, 200_000)])
def test_a_picture_of_an_extreme_shape_costs_what_its_pixels_cost(shape):
    """The shrink never pads the thin side up to the shrink factor: memory follows the pixels, not the shape."""
    ink = np.zeros(shape, dtype=np.float32)
    ink.flat[len(ink.flat) // 2:len(ink.flat) // 2 + 500] = 1.0
    tracemalloc.start()
    try:
        preprocess.ink_to_mnist(ink)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20e6, f"{peak / 1e6:.0f} MB for {shape}"  # the picture itself is 0.8 MB


@pytest.mark.parametrize("size", [(200_000, 1), (1, 200_000)])
def test_a_picture_too_thin_for_a_digit_is_refused_from_its_header(tmp_path, size):
    path = tmp_path / "thin.png"
    PIL.Image.new("L", size, 255).save(path)
    started = time.perf_counter()
    with pytest.raises(CanvasError, match="times longer than it is wide"):
        read_picture(path)
    assert time.perf_counter() - started < 0.5
    with pytest.raises(CanvasError, match="times longer"):
        upload_to_mnist(np.full((size[1], size[0]), 255, np.uint8))


def test_an_extreme_picture_uploaded_to_the_app_gets_a_sentence_and_the_server_stays_up(hosted, tmp_path):
    app, url = hosted
    client = Client(url, verbose=False)
    path = tmp_path / "thin.png"
    PIL.Image.new("RGB", (200_000, 1), (255, 255, 255)).save(path)
    *_, seen = client.predict(handle_file(str(path)), api_name="/predict_image")
    assert "Could not read the picture: the picture is 200,000x1 px" in seen
    mlp, lenet, *_ = client.predict(json.dumps(pad_value(7)), api_name="/predict")
    assert lenet["label"] == "7"


def test_the_upload_lane_refuses_beyond_its_places_at_once_and_lets_one_page_read_one_picture():
    import asyncio

    lane = UploadLane(running=1, waiting=1, per_session=1, per_address=2)
    outcome = []

    async def upload(session, address, seconds):
        try:
            async with lane.enter(session, address):
                await asyncio.sleep(seconds)
            outcome.append((session, "read"))
        except LaneFull as refused:
            outcome.append((session, refused.sentence.key))

    async def class_at_once():
        await asyncio.gather(upload("a", "school", 0.2), upload("a", "school", 0.2), upload("b", "school", 0.2),
                             upload("c", "school", 0.2), upload("d", "home", 0.2))

    asyncio.run(class_at_once())
    assert sorted(outcome) == [("a", "read"), ("a", "uploads.one_at_a_time"), ("b", "read"),
                               ("c", "uploads.busy"), ("d", "uploads.busy")]


def test_large_uploads_in_flight_leave_labels_and_page_loads_answering(hosted, tmp_path):
    """Uploads run outside Gradio's queue, in their own lane: however many arrive, the queue stays free."""
    app, url = hosted
    picture = np.full((1400, 1400, 3), 235, np.uint8)
    picture[300:1100, 650:750] = 20  # a big 1
    path = tmp_path / "big.png"
    path.write_bytes(png_bytes(picture))
    statuses, answers = [], []

    def upload(_):
        client = Client(url, verbose=False)
        answers.append(client.predict(handle_file(str(path)), api_name="/predict_image")[-1])

    def student(index):
        client = Client(url, verbose=False)
        statuses.append(httpx.get(url, timeout=30).status_code)
        statuses.append("labelled" if "Thank you" in client.predict(json.dumps(pad_value(index % 10)), index % 10,
                                                                     api_name="/label") else "refused")

    with ThreadPoolExecutor(24) as pool:
        uploads = [pool.submit(upload, index) for index in range(16)]
        time.sleep(0.5)
        students = [pool.submit(student, index) for index in range(6)]
        for future in students + uploads:
            future.result()
    assert statuses.count(200) == 6 and statuses.count("labelled") == 6, statuses
    read = [answer for answer in answers if answer.startswith("<img")]
    busy = [answer for answer in answers if "reading other pictures" in answer or "One picture at a time" in answer]
    assert read and len(read) + len(busy) == 16, answers


# ------------------------------------------------------------------------------------------- drawings


@pytest.mark.parametrize("hostile", [
    {"width": 400, "height": 400, "strokes": [[[1, 2], [30, 40]]], "extra": {"deep": "x"}, "brush": 12},
    {"width": 400, "height": 400, "strokes": [[[1, 2], [30, 40]]], "nested": json.loads("[" * 900 + "]" * 900)},
])
def test_a_drawing_with_extra_keys_is_stored_with_its_known_fields_alone(tmp_path, hostile):
    store = DrawingStore(tmp_path / "d.sqlite", rate_limit=NO_LIMIT)
    image = np.zeros((28, 28), np.float32)
    image[10:18, 12:16] = 1
    store.add(1, hostile, image, {"lenet": np.eye(10)[1]}, {"lenet": "x"}, "s")
    stored = json.loads(store.export_rows()[0][4])
    assert set(stored) == {"width", "height", "brush", "strokes"} and stored["strokes"] == [[[1, 2], [30, 40]]]


@pytest.mark.parametrize("hostile, message", [
    ('{"width": 400, "height": 400, "strokes": [[["1", "2"], [30, 40]]]}', "number pairs"),
    ('{"width": "400", "height": 400, "strokes": [[[1, 2]]]}', "finite number"),
    ('{"width": 400, "height": 400, "strokes": [[[NaN, 2], [3, 4]]]}', "not a finite number"),
    ('{"width": 400, "height": 400, "strokes": [[[true, 2], [3, 4]]]}', "number pairs"),
    # Brackets thousands deep: json stops at its recursion limit (3.10-3.12), or, from 3.13 on, reads up to
    # about 10,000 levels and the strokes' own check refuses them.
    ('{"width": 400, "height": 400, "strokes": ' + "[" * 5000 + "]" * 5000 + "}", "not valid JSON|number pairs"),
])
def test_a_drawing_with_strings_nan_or_deep_nesting_is_refused(hostile, message):
    with pytest.raises(CanvasError, match=message):
        parse_pad_value(hostile)


def test_an_old_database_with_an_unreadable_row_exports_the_rest_and_names_it(tmp_path):
    store = DrawingStore(tmp_path / "d.sqlite", rate_limit=NO_LIMIT)
    image = np.zeros((28, 28), np.float32)
    image[10:18, 12:16] = 1
    for index in range(3):
        store.add(1, json.dumps(pad_value(1)), image, {"lenet": np.eye(10)[1]}, {"lenet": "x"}, f"s{index}")
    deep = '{"width": 400, "height": 400, "strokes": [' + "[" * 3000 + "]" * 3000 + "]}"
    with sqlite3.connect(tmp_path / "d.sqlite") as old_version:  # what the app stored before it re-serialised
        old_version.execute("UPDATE drawings SET strokes = ? WHERE id = 2", (deep,))
    exported = export(store, tmp_path / "export")
    assert exported.count == 2 and exported.skipped == [2]


def test_the_disk_budget_stops_labels_with_a_friendly_sentence_and_keeps_what_is_stored(tmp_path):
    path = tmp_path / "d.sqlite"
    store = DrawingStore(path, rate_limit=NO_LIMIT, max_mb=3)
    image = np.zeros((28, 28), np.float32)
    image[10:18, 12:16] = 1
    largest = {"width": 400, "height": 400, "strokes": [[[round(i * 0.37, 1), round(i * 0.61, 1)] for i in range(20_000)]]}
    stored, refused = 0, None
    for session in range(100):  # fresh sessions: rate limits are not what stops them
        try:
            store.add(1, largest, image, {"lenet": np.eye(10)[1]}, {"lenet": "x"}, f"session {session}")
            stored += 1
        except Refused as error:
            refused = error
            break
    assert refused is not None and "disk budget" in str(refused) and str(refused).startswith("Thank you!")
    on_disk = sum(file.stat().st_size for file in tmp_path.glob("d.sqlite*"))
    assert stored >= 5 and on_disk <= 3e6 + 1.1e6, (stored, on_disk)
    assert export(store, tmp_path / "export").count == stored


def test_a_request_body_over_the_cap_is_refused_before_it_is_read(hosted):
    app, url = hosted
    response = httpx.post(f"{url.rstrip('/')}/gradio_api/run/predict", content=b"x" * 3_000_000,
                          headers={"content-type": "application/json"}, timeout=30)
    assert response.status_code == 413 and "larger than 2 MB" in response.text


# ---------------------------------------------------------------------------------------- the teacher


def test_guessing_never_locks_the_teacher_out_and_stays_within_the_budget(hosted):
    """Wrong keys from fresh sessions, 4 at a time; the right key in the middle of them and right after them."""
    from demo.teacher import KEY_CHECKS_PER_SECOND

    app, url = hosted
    answered, unlocked = [], []

    def guess(index):
        try:
            Client(url, verbose=False).predict(f"guess {index}", "shipped", api_name="/use_models")
        except Exception as error:
            assert "not the teacher's key" in str(error)
            answered.append(time.monotonic())

    def teacher():
        started = time.monotonic()
        Client(url, verbose=False).predict(KEY, "shipped", api_name="/use_models")
        unlocked.append(time.monotonic() - started)

    with ThreadPoolExecutor(5) as pool:
        guesses = [pool.submit(guess, index) for index in range(12)]
        time.sleep(1.5)
        teacher()  # in the middle of the guessing
        for future in guesses:
            future.result()
    teacher()  # right after it
    assert len(answered) == 12 and all(seconds < 5 for seconds in unlocked), unlocked
    answered.sort()
    spacing = np.diff(answered)
    assert spacing.sum() >= (len(answered) - 2) / KEY_CHECKS_PER_SECOND * 0.9, spacing  # no faster than the budget


def test_anyone_may_reload_any_number_of_times_and_unchanged_files_load_nothing(hosted):
    app, _ = hosted
    loads = []
    original = app.models.load
    app.models.load = lambda folder=None: loads.append(folder) or original(folder)
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: app.models.reload(), range(24)))
    finally:
        app.models.load = original
    assert loads == []


# -------------------------------------------------------------------------------------------- errors


def test_errors_reach_people_as_one_sentence_and_the_log_once(hosted, capfd):
    app, url = hosted
    client = Client(url, verbose=False)
    capfd.readouterr()
    for _ in range(20):
        with pytest.raises(Exception, match="The drawing cannot be read: the drawing is not valid JSON"):
            client.predict("{not json", 3, api_name="/label")
    original = app.models.predict
    app.models.predict = lambda image: (_ for _ in ()).throw(MemoryError("Unable to allocate 233. GiB for an array"))
    try:
        for _ in range(5):
            with pytest.raises(Exception) as raised:
                client.predict(json.dumps(pad_value(3)), 3, api_name="/label")
            assert "233" not in str(raised.value) and ENGLISH.t("error.unexpected") in str(raised.value)
    finally:
        app.models.predict = original
    logged = capfd.readouterr()
    log = logged.out + logged.err
    assert log.count("Traceback") <= 1, log[-3000:]


def test_the_largest_drawing_the_caps_admit_is_stored_in_a_form_the_caps_admit_again():
    from demo.preprocess import MAX_PAD_VALUE_CHARS, MAX_POINTS

    worst = {"width": 10_000, "height": 10_000, "brush": 9_999.99,
             "strokes": [[[-1e300, 1e300], [-99999.991, 99999.991]] * (MAX_POINTS // 2)]}
    stored = parse_pad_value(worst).to_json()
    assert len(stored) <= MAX_PAD_VALUE_CHARS and parse_pad_value(stored).to_json() == stored
