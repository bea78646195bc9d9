"""A class that tries to break the app (issue #31), at full size, against `python demo/app.py` as the README starts it.

    python bench/hostile_class.py [--budget-mb 5] [--uploads 70]

Only the requests the page itself makes (POST /gradio_api/upload and /gradio_api/run/predict, the queue,
GET /), from one address, loopback only, every loop bounded. It prints, for each attack, what happened
and how long it took, and the server's memory (RSS):
  1. pictures of extreme shapes: 1,000,000 x 1 and 1 x 1,000,000 PNGs, one at a time, then four at once;
  2. guessing the teacher's key: 50 wrong keys from fresh sessions, 4 at a time, the right key in the
     middle of them and right after them (the teacher's /use_models call);
  3. the disk budget: labels of the largest drawing the caps admit, each from a fresh session, until the
     app refuses; the database's size on disk, WAL included; the teacher's export of what is stored;
  4. large uploads in flight (2000x2000 photos) while students label and load the page and the teacher
     unlocks: their answers' status codes and times.
tests/test_hostile_class.py checks the same things in small sizes.
"""
import argparse
import asyncio
import io
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import httpx
import numpy as np
import PIL.Image

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from demo.inline import png_bytes  # noqa: E402
from testkit.app_server import rss_mb, start_app  # noqa: E402
from testkit.page_client import HEADERS, PageSession, config_from_page, session_hash  # noqa: E402
from testkit.servers import free_port  # noqa: E402

KEY = "bench: the teacher's key, long enough"
API = "/gradio_api"


class App:
    """`python demo/app.py` in a process of its own, with the environment a hosted class has."""

    def __init__(self, folder, budget_mb):
        self.port = free_port()
        env = {**os.environ, "DEMO_TEACHER_KEY": KEY, "DEMO_DRAWINGS_DB": str(folder / "drawings.sqlite"),
               "DEMO_DRAWINGS_MAX_MB": str(budget_mb), "PYTHONUNBUFFERED": "1"}
        self.process, _ = start_app(["demo/app.py", "--port", str(self.port)], env)
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = folder / "drawings.sqlite"
        threading.Thread(target=lambda: [None for _ in self.process.stdout], daemon=True).start()  # drain the log
        config = config_from_page(httpx.get(self.url, timeout=60).text)
        self.fn = {dependency.get("api_name"): dependency["id"] for dependency in config["dependencies"]}

    def rss(self):
        return rss_mb(self.process.pid)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


class PeakMemory:
    """The server's largest RSS while a block runs, sampled every 20 ms."""

    def __init__(self, app):
        self.app, self.peak, self.running = app, app.rss(), True

    def __enter__(self):
        self.before = self.app.rss()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, self.app.rss())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def run_predict(client, app, api_name, data, session=None):
    """A queue=False event as the page calls it -> (status, seconds, JSON answer)."""
    body = {"data": data, "fn_index": app.fn[api_name], "session_hash": session or session_hash()}
    started = time.perf_counter()
    response = client.post(f"{app.url}{API}/run/predict?lang=en", content=json.dumps(body), headers=HEADERS)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    return response.status_code, time.perf_counter() - started, answer


def upload(client, app, content, name="picture.png"):
    """POST /gradio_api/upload as the page's Image component does -> the file's payload for an event."""
    response = client.post(f"{app.url}{API}/upload", files={"files": (name, content, "application/octet-stream")})
    response.raise_for_status()
    return {"path": response.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def said(answer):
    """The picture's answer as the page shows it: the top label, or the sentence where the input would be."""
    if not isinstance(answer, dict) or "data" not in answer:
        return f"error {answer}"
    seen = answer["data"][-1]
    return "read" if str(seen).startswith("<img") else seen.split(">", 1)[-1].split("</p>")[0][:90]


def extreme_pictures(app):
    print("\n1. Pictures of extreme shapes (PNG, white with a black stroke)")
    pictures = {}
    for shape in ((1, 1_000_000), (1_000_000, 1)):
        array = np.full((*shape, 3), 255, np.uint8)
        array.reshape(-1, 3)[len(array.reshape(-1, 3)) // 2:][:2000] = 0
        pictures[f"{shape[1]:,} x {shape[0]:,}"] = png_bytes(array)
    with httpx.Client(timeout=60) as client:
        for name, content in pictures.items():
            with PeakMemory(app) as memory:
                started = time.perf_counter()
                status, _, answer = run_predict(client, app, "predict_image", [upload(client, app, content, "thin.png")])
                seconds = time.perf_counter() - started
            print(f"   {name}: HTTP {status} in {seconds:.2f} s ({said(answer)}); "
                  f"RSS {memory.before:.0f} -> peak {memory.peak:.0f} MB")

    def one(content):
        with httpx.Client(timeout=60) as client:
            started = time.perf_counter()
            status, _, answer = run_predict(client, app, "predict_image", [upload(client, app, content, "thin.png")])
            return status, time.perf_counter() - started, said(answer)

    with PeakMemory(app) as memory:
        results = []
        threads = [threading.Thread(target=lambda content=content: results.append(one(content)))
                   for content in list(pictures.values()) * 2]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    print(f"   four at once: {', '.join(f'HTTP {status} {seconds:.2f} s' for status, seconds, _ in results)}; "
          f"RSS {memory.before:.0f} -> peak {memory.peak:.0f} MB (+{memory.peak - memory.before:.0f})")


def guessing(app):
    print("\n2. Guessing the teacher's key: 50 wrong keys from fresh sessions, 4 at a time")
    answered, unlocked = [], []

    def guesses(first):
        with httpx.Client(timeout=120) as client:
            for index in range(first, 50, 4):
                status, _, answer = run_predict(client, app, "use_models", [f"guess {index}", "shipped"])
                assert status != 200 and "not the teacher's key" in json.dumps(answer), answer
                answered.append(time.monotonic())

    def teacher(when):
        with httpx.Client(timeout=120) as client:
            status, seconds, answer = run_predict(client, app, "use_models", [KEY, "shipped"])
            unlocked.append((when, status, seconds, answer["data"][0] if status == 200 else answer))

    started = time.monotonic()
    threads = [threading.Thread(target=guesses, args=(first,)) for first in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(5)
    teacher("in the middle")
    for thread in threads:
        thread.join()
    teacher("right after")
    span = max(answered) - started
    for when, status, seconds, said_back in unlocked:
        print(f"   the right key {when}: HTTP {status} in {seconds:.2f} s ({said_back})")
    print(f"   50 wrong keys answered over {span:.1f} s: {len(answered) / span:.2f} a second "
          f"(the budget: {2.0:.1f} a second for everyone together)")


async def label_largest(app, count):
    """Labels of the largest drawing the caps admit, each from a fresh page session."""
    largest = json.dumps({"width": 400, "height": 400,
                          "strokes": [[[round(i * 0.017, 2), round(i * 0.013, 2)] for i in range(20_000)]]})
    outcomes = []
    for _ in range(count):
        page = PageSession(app.url)
        page.events = None
        try:
            results = await page.queued([(app.fn["label"], None, [largest, 1], None)])
            message = next(iter(results.values()))
            outcomes.append(message.get("output", {}).get("data", [None])[0] if message.get("success")
                            else message.get("output", {}).get("error"))
        finally:
            await page.close()
        if outcomes[-1] and not str(outcomes[-1]).startswith("Thank you! Saved"):
            break
    return outcomes


def disk_budget(app, budget_mb):
    print(f"\n3. The disk budget ({budget_mb} MB): the largest drawings the caps admit, each from a fresh session")
    outcomes = asyncio.run(label_largest(app, 200))
    stored = sum(1 for outcome in outcomes if str(outcome).startswith("Thank you! Saved"))
    on_disk = sum(path.stat().st_size for path in app.db.parent.glob(app.db.name + "*"))
    print(f"   stored {stored}, then: {outcomes[-1]}")
    print(f"   on disk: {on_disk / 1e6:.2f} MB (database and its WAL) against the {budget_mb} MB budget")
    with httpx.Client(timeout=120) as client:
        status, seconds, answer = run_predict(client, app, "export_drawings", [KEY])
        path = answer["data"][0]["path"] if status == 200 else None
    if path:
        with zipfile.ZipFile(path) as archive:
            lines = [name for name in archive.namelist() if name.endswith("strokes.jsonl")]
            exported = len(archive.read(lines[0]).decode().splitlines())
        print(f"   the teacher's export: HTTP {status} in {seconds:.1f} s, {exported} drawings")


def uploads_in_flight(app, count):
    print(f"\n4. {count} large uploads in flight (2000x2000 photos) while students label and load the page")
    buffer = io.BytesIO()  # a phone's photo of a digit on paper: examples/digit_on_paper.jpg at 2000x2000
    PIL.Image.open(REPO / "examples" / "digit_on_paper.jpg").resize((2000, 2000)).save(buffer, format="JPEG", quality=92)
    with httpx.Client(timeout=120) as client:
        payloads = [upload(client, app, buffer.getvalue(), f"photo{index}.jpg") for index in range(count)]
    answers, others = [], []

    def send(payload):
        with httpx.Client(timeout=120) as client:
            status, seconds, answer = run_predict(client, app, "predict_image", [payload])
            answers.append((status, seconds, said(answer)))

    async def students():
        async def one(index):
            started = time.perf_counter()
            page = PageSession(app.url)
            try:
                await page.open_page()
                results = await page.queued([(app.fn["label"], None, [json.dumps({"width": 400, "height": 400,
                                              "strokes": [[[200, 50], [205, 350]]]}), 1], None)])
                ok = all(message.get("success") for message in results.values())
                others.append(("label and page load", "ok" if ok else "failed", time.perf_counter() - started))
            except httpx.HTTPStatusError as error:
                others.append(("label and page load", f"HTTP {error.response.status_code}", time.perf_counter() - started))
            finally:
                await page.close()
        await asyncio.gather(*(one(index) for index in range(10)))

    threads = [threading.Thread(target=send, args=(payload,)) for payload in payloads]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    asyncio.run(students())
    with httpx.Client(timeout=120) as client:
        status, seconds, _ = run_predict(client, app, "use_models", [KEY, "shipped"])
        others.append(("the teacher's key", f"HTTP {status}", seconds))
    for thread in threads:
        thread.join()
    kinds = {}
    for status, _, outcome in answers:
        kind = f"HTTP {status}: " + ("read" if outcome == "read" else outcome[:60])
        kinds[kind] = kinds.get(kind, 0) + 1
    for kind, number in sorted(kinds.items()):
        print(f"   uploads {kind}: {number}")
    slowest = max(seconds for _, seconds, _ in answers)
    print(f"   the slowest upload's answer: {slowest:.1f} s")
    for what, outcome, seconds in others:
        print(f"   {what}: {outcome} in {seconds:.2f} s")
    print(f"   any 503 (queue full): {any('503' in str(outcome) for _, outcome, _ in others)}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget-mb", type=float, default=5.0, help="DEMO_DRAWINGS_MAX_MB for the run (default: 5)")
    parser.add_argument("--uploads", type=int, default=70, help="large uploads in flight at once (default: 70)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hostile-class-") as folder:
        app = App(Path(folder), args.budget_mb)
        try:
            print(f"app: python demo/app.py on {app.url}, RSS {app.rss():.0f} MB at start")
            extreme_pictures(app)
            guessing(app)
            uploads_in_flight(app, args.uploads)
            disk_budget(app, args.budget_mb)
            print(f"\nRSS at the end: {app.rss():.0f} MB")
        finally:
            app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
