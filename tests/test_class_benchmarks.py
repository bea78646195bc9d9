"""The class benchmarks (bench/class_live.py, bench/soak.py, bench/idle.py) and their parts: each runs here
in a small size so that it cannot rot, and the requests they send are checked against a real page's."""
import asyncio
import inspect
import json
import re

import numpy as np
import pytest

from conftest import run_script
from testkit import chromium, class_strokes
from testkit.pad_digits import pad_value
from testkit.page_client import PageEvents, config_from_page, final_label

TWO_STROKE_FOUR = {"label": 4, "strokes": [[[100, 400], [80, 200], [300, 200]], [[250, 380], [250, 50]]]}  # y up


def sends_of(record=TWO_STROKE_FOUR, seed=0):
    return class_strokes.digit_sends(record, np.random.default_rng(seed))[1]


# --- the pad's sends (what demo/pad.js does while a digit is drawn) ---------------------------------

def test_live_updates_leave_at_most_every_100_ms_and_every_pen_up_sends_once_more():
    for seed in range(20):
        sends = sends_of(seed=seed)
        live = [send.at for send in sends if send.live]
        assert np.all(np.diff(live) >= class_strokes.SEND_EVERY_S - 1e-9)
        assert sum(not send.live for send in sends) == len(TWO_STROKE_FOUR["strokes"])  # one per pen-up
        assert [send.final for send in sends].count(True) == 1 and sends[-1].final and not sends[-1].live
        assert np.all(np.diff([send.at for send in sends]) >= 0)


def test_a_digit_takes_a_persons_time_and_sends_about_ten_updates():
    durations, counts = [], []
    for seed in range(30):
        sends = sends_of(seed=seed)
        durations.append(sends[-1].at)
        counts.append(len(sends))
    assert 0.6 <= min(durations) and max(durations) <= 1.4 + 0.3  # pen-down time plus one pen lift
    assert 6 <= np.mean(counts) <= 18


def test_every_send_is_the_pads_json_and_nothing_more():
    for send in sends_of():
        assert set(json.loads(send.text)) == {"width", "height", "brush", "strokes"}


def test_the_final_send_is_the_whole_drawing_and_each_update_a_prefix_of_it():
    sends = sends_of()
    final = json.loads(sends[-1].text)
    points = [point for stroke in final["strokes"] for point in stroke]
    assert len(final["strokes"]) == 2 and set(final) == {"width", "height", "brush", "strokes"}
    for send in sends:
        drawn = [point for stroke in json.loads(send.text)["strokes"] for point in stroke]
        assert drawn == points[:len(drawn)]
    assert ".0," not in sends[-1].text and ".0]" not in sends[-1].text  # numbers as JSON.stringify writes them


def test_the_drawn_digit_is_still_read_as_itself():
    """The benchmarks' own digits (without the development sets), drawn at a person's pace, read as themselves."""
    from demo.preprocess import strokes_to_mnist
    from testkit import devsets
    from trainer import checkpoint
    net = checkpoint.load_network(checkpoint.DEFAULT_FOLDER, "lenet")
    rng = np.random.default_rng(1)
    records = class_strokes.fallback_digits(10, rng)
    finals = [class_strokes.digit_sends(record, rng)[1][-1].text for record in records]
    images = np.concatenate([strokes_to_mnist(final) for final in finals])
    assert devsets.predict(net, images).tolist() == [record["label"] for record in records]


def test_the_class_draws_unipens_checked_digits_only(tmp_path):
    import gzip

    from testkit import devsets

    record = {"label": 1, "quality": "OK", "points_per_mm": [10, 20], "strokes": [[[100, 200], [100, 400]]]}
    with gzip.open(tmp_path / devsets.DATA_SETS["unipen-dev"][0], "wt") as out:
        out.write(json.dumps(record) + "\n" + json.dumps(record | {"quality": "?"}) + "\n")
    sets = class_strokes.load_development_digits([tmp_path])
    assert list(sets) == ["unipen-dev"] and len(sets["unipen-dev"]) == 1
    assert class_strokes.load_development_digits([tmp_path / "absent"]) == {}


# --- the page's events, found in the app's config ------------------------------------------------------

@pytest.fixture(scope="module")
def demo_config():
    from demo import app
    return app.demo.config


def test_page_events_found_in_the_apps_config(demo_config):
    events = PageEvents.from_config(demo_config)
    dependencies = {dependency["id"]: dependency for dependency in demo_config["dependencies"]}
    assert dependencies[events.predict_fn]["api_name"] == "predict"
    assert dependencies[events.predict_fn]["queue"] is False
    assert events.load and all("load" in [t[1] for t in dependencies[fn]["targets"]] for fn, _ in events.load)
    assert events.keypad_fn is not None and events.relay_fn is not None


def test_final_label_reads_a_label_and_says_none_for_a_skipped_output():
    answer = {"data": [{"label": "7", "confidences": [{"label": "7", "confidence": 0.9}]}, {"__type__": "update"}]}
    assert final_label(answer, 0) == ("7", {"7": 0.9})
    assert final_label(answer, 1) == (None, None)
    assert final_label({"data": []}, 0) == (None, None)


# --- the no-op app and the profile's breakdown --------------------------------------------------------

def test_noop_predict_answers_like_the_app_for_its_drawing_and_the_same_whatever_is_drawn():
    from testkit.app_server import NOOP_DRAWING_DIGIT, swap_predict_for_noop
    from demo import app
    state = app.build_app(app.Config(drawings_db=""))
    block_fn = [f for f in state.demo.fns.values() if f.api_name == "predict"][0]
    real = asyncio.run(block_fn.fn(json.dumps(pad_value(NOOP_DRAWING_DIGIT))))
    swap_predict_for_noop(state.demo)
    assert inspect.iscoroutinefunction(block_fn.fn)  # as the app's: run on Gradio's loop, no worker thread
    fixed = asyncio.run(block_fn.fn(json.dumps(pad_value(1))))
    assert fixed == asyncio.run(block_fn.fn("")) and len(fixed) == len(block_fn.outputs) == 5
    assert fixed[:2] == real[:2] and fixed[-1] == real[-1] and fixed[-1].startswith("<img")  # labels, preview
    for line, real_line in zip(fixed[2:4], real[2:4]):  # the model lines: the same but for their milliseconds
        assert re.sub(r"[\d.]+ ms", "ms", line) == re.sub(r"[\d.]+ ms", "ms", real_line)


@pytest.mark.parametrize("stack, category, is_cpu", [
    ("run (threading.py:1);WorkerThread.run (anyio/_backends/_asyncio.py:1113);Queue.get (queue.py:171);"
     "Condition.wait (threading.py:327)", "idle: worker threads waiting", False),
    ("BaseEventLoop._run_once (asyncio/base_events.py:1884);EpollSelector.select (selectors.py:468)",
     "idle: event loop waiting (epoll)", False),
    ("DrawTab.predict (demo/draw_tab.py:60);DrawTab.answers (demo/draw_tab.py:52);ModelStore.predict (demo/inference.py:75)",
     "waiting: the models' lock", False),
    ("DrawTab.answers (demo/draw_tab.py:54);input_preview (demo/draw_tab.py:37);_encode_tile (PIL/ImageFile.py:693)",
     "our preview", True),
    ("ModelStore.predict (demo/inference.py:78);NDArray.asnumpy (mxnet/ndarray/ndarray.py:2568)", "MXNet", True),
    ("h11_impl.py;RequestResponseCycle.run_asgi (uvicorn/protocols/http/h11_impl.py:407);"
     "APIRoute.matches (fastapi/routing.py:1355)", "Starlette / FastAPI", True),
    ("Blocks.postprocess_data (gradio/blocks.py:2357);run_sync (anyio/to_thread.py:65)", "thread hops", True),
])
def test_profile_breakdown_sorts_stacks(tmp_path, stack, category, is_cpu):
    """bench/profile_breakdown.py on a py-spy record of one stack: it lands in its category, as CPU or as a wait."""
    (tmp_path / "profile.txt").write_text(f"{stack} 7\n")
    result = run_script("bench/profile_breakdown.py", tmp_path / "profile.txt")
    assert result.returncode == 0, result.stderr
    cpu_lines = [line for line in result.stdout.splitlines() if line.startswith(" ")]
    waits = result.stdout.split("waiting (not CPU): ", 1)[-1]
    if is_cpu:
        assert any(category in line and "100.0 %" in line for line in cpu_lines), result.stdout
    else:
        assert category.split(": ", 1)[-1] in waits and waits.rstrip().endswith(" 7"), result.stdout


# --- the page itself: our requests are the page's ---------------------------------------------------

@pytest.mark.skipif(not chromium.available(), reason=f"no Chromium at {chromium.CHROMIUM}")
def test_the_benchmarks_send_what_the_page_sends(app_url):
    """A real page in Chromium: its load events, its /predict bodies and headers are what page_client sends."""
    sync_api = pytest.importorskip("playwright.sync_api")
    import httpx

    from test_browser import mouse_draw
    requests = []
    events = PageEvents.from_config(config_from_page(httpx.get(app_url).text))
    with sync_api.sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.on("request", lambda request: requests.append(request))
        page.goto(app_url)
        mouse_draw(page, 7, pause_ms=20)
        page.wait_for_timeout(1500)
        browser.close()
    predicts = [r for r in requests if r.method == "POST" and r.url.endswith("/gradio_api/run/predict?lang=en")]
    joins = [json.loads(r.post_data) for r in requests if r.method == "POST" and "/gradio_api/queue/join" in r.url]
    assert predicts, [r.url for r in requests]
    body = json.loads(predicts[-1].post_data)
    assert set(body) == {"data", "fn_index", "trigger_id", "session_hash"}  # what PageSession.predict sends
    assert (body["fn_index"], body["trigger_id"]) == (events.predict_fn, events.predict_trigger)
    assert predicts[-1].headers.get("x-gradio-user") == "app"
    assert re.fullmatch(r"[0-9a-z]{8,12}", body["session_hash"])
    value = json.loads(body["data"][0])
    assert set(value) == {"width", "height", "brush", "strokes"}
    loads = sorted((join["fn_index"], join["trigger_id"]) for join in joins if join["data"] == [])
    assert loads == sorted(events.load)
    relays = [join for join in joins if join["fn_index"] == events.relay_fn]
    assert len(relays) <= 1 and all(join["trigger_id"] == events.relay_trigger for join in relays)


# --- the benchmarks, small ---------------------------------------------------------------------------

def test_class_live_runs_small_with_no_errors_and_exact_final_answers():
    result = run_script("bench/class_live.py", "--students", "2", "--digits", "2", timeout=400)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for kind in ("demo", "noop"):
        assert re.search(rf"^{kind}: 2 students x 2 digits = 4 digits, \d+ requests in", out, re.M), out
    assert len(re.findall(r"pen-up -> final answer: p50 [\d.]+ ms, p95 [\d.]+ ms", out)) == 2
    assert len(re.findall(r"^  errors: 0 \(none\)$", out, re.M)) == 2
    assert re.search(r"server CPU: [\d.]+ % of a core", out) and "live updates per digit" in out and "the pad made while the pen moved" in out
    assert re.search(r"p95 pen-up -> final answer, demo / no-op: [\d.]+", out)
    assert "4 of 4 answered (0 not" in out and "RESULT ok" in out


def test_soak_runs_small_and_reports_its_rss_curve():
    result = run_script("bench/soak.py", "--visits", "24", "--every", "8", "--warmup", "1", "--idle-seconds", "1",
                        timeout=400)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert len(re.findall(r"^  visit +[\d,]+: RSS +[\d.]+ MB; Gradio holds \d+ sessions", out, re.M)) == 4, out
    assert re.search(r"failed requests: 0 \(none\)", out)
    assert re.search(r"RSS growth from visit 8 to visit 24: [+-][\d.]+ MB", out)
    sessions = [int(n) for n in re.findall(r"Gradio holds (\d+) sessions", out)]
    assert sessions == sorted(sessions) and sessions[-1] >= 24  # every visit a new session, none dropped yet
    assert "RESULT ok" in out


def test_idle_runs_small_for_the_app_and_a_plain_gradio_app():
    args = ["bench/idle.py", "--seconds", "2", "--settle", "1"]
    if not chromium.available():
        args.append("--no-page")
    result = run_script(*args, timeout=400)
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for kind in ("demo", "plain"):
        assert re.search(rf"^{kind}: page closed [\d.]+ % of a core", out, re.M), out
    assert re.search(r"demo - plain, page closed: [+-][\d.]+ points", out)
    if chromium.available():
        assert len(re.findall(r"one idle page open [\d.]+ %", out)) == 2
