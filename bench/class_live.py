"""A class drawing at once, as browsers load the server: the app against a no-op app of the same shape.

    python bench/class_live.py                    # 30 students, 10 digits each, app then no-op (~2 min)
    python bench/class_live.py --students 100     # where it bends
    python bench/class_live.py --app-only --students 3 --digits 2

Each student is a browser tab of its own (its own session hash and HTTP connection) drawing real
pen-stroke digits from both development sets, mixed (testkit/class_strokes.py): 0.6-1.4 s of pen per
digit, short pen lifts between strokes, the growing drawing sent every 100 ms while the pen moves and
once more at each pen-up, exactly as demo/pad.js does. Gradio's page keeps one /predict in flight and replaces a waiting value
by the newest (trigger_mode="always_last"): so do the students. After the final answer the student
looks at it for 0.5-1.5 s, clears the pad ("" through /predict, as the Clear button) and draws the next.

The same load (same seed: same digits, same pen timings) runs back to back against
  (a) the demo, and (b) the no-op app: the demo's page with the /predict event's function swapped for
      one returning a fixed answer of the same size (testkit/app_server.py --kind noop),
each in a process of its own (its CPU time and RSS read from /proc). Requests go to POST
/gradio_api/run/predict as the page sends them (testkit/page_client.py), never through gradio_client.

Prints per app: pen-up -> final answer p50/p95, errors, requests per second, live updates per digit
(sent, and made by the pad), server CPU (% of a core) and RSS, the machine's load; then the p95 ratio
and, for the demo, whether every final answer is the one the idle app gives for that final drawing
(LeNet, computed here with the app's own read_pad and ModelStore) and LeNet's accuracy on the labels.
"""
import argparse
import asyncio
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import tempfile
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from testkit import class_strokes, devsets  # noqa: E402
from testkit.app_server import LoadMeter, ServerProcess, cpu_seconds  # noqa: E402
from testkit.page_client import Counters, PageEvents, PageSession, config_from_page, final_label  # noqa: E402

LOOK_S = (0.5, 1.5)  # looking at the answer before the next digit
START_SPREAD_S = 2.0  # students start within this many seconds
WARMUP_REQUESTS = 20
EXPECTED_MODEL = "lenet"


@dataclass
class Digit:
    student: int
    label: int
    sends: list  # [class_strokes.Send]
    posted: int = 0  # requests that left for this digit (live and pen-ups)
    live_posted: int = 0
    final_latency: float = None  # seconds, pen-up -> final answer
    final_answer: dict = None  # the /predict answer to the final drawing


@dataclass
class Load:
    kind: str
    digits: list = field(default_factory=list)
    request_seconds: list = field(default_factory=list)
    counters: Counters = field(default_factory=Counters)
    wall: float = 0.0
    server_cpu: float = 0.0  # seconds
    bench_cpu: float = 0.0
    machine_cores: float = 0.0
    rss_mb: float = 0.0
    rss_before_mb: float = 0.0
    threads: int = 0
    loadavg: str = ""


def percentile(values, q):
    return float(np.percentile(values, q)) if len(values) else float("nan")


async def post(session, load, text):
    """One /predict as the page sends it -> the answer (None on failure; failures counted, HTTP ones by the session)."""
    try:
        status, seconds, answer = await session.predict(text)
    except httpx.TimeoutException as error:
        load.counters.fail("timeout", error)
        return None
    except Exception as error:  # noqa: BLE001 - a benchmark counts every failure
        load.counters.fail(type(error).__name__, error)
        return None
    load.request_seconds.append(seconds)
    return answer if status == 200 else None


async def draw(session, load, digit, loop):
    """The pad's sends at their times; one request in flight, a waiting value replaced by the newest."""
    pending, runner = None, None
    final_done = asyncio.get_running_loop().create_future()
    pen_up = None

    async def run(send):
        nonlocal pending
        while send is not None:
            digit.posted += 1
            digit.live_posted += send.live
            answer = await post(session, load, send.text)
            if send.final and not final_done.done():
                final_done.set_result((loop.time(), answer))
            send, pending = pending, None

    started = loop.time()
    for send in digit.sends:
        delay = started + send.at - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if send.final:
            pen_up = loop.time()
        if runner is None or runner.done():
            runner = asyncio.ensure_future(run(send))
        else:
            pending = send  # Gradio's always_last: the newest value replaces the one waiting
    arrived, answer = await final_done
    await runner
    if answer is not None:
        digit.final_latency, digit.final_answer = arrived - pen_up, answer


async def student(index, url, events, digits, load, seed, timeout):
    rng = random.Random(seed * 1000 + index)
    session = PageSession(url, events, rng=rng, timeout=timeout, counters=load.counters)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.sleep(rng.uniform(0, START_SPREAD_S))
        for digit in digits:
            await draw(session, load, digit, loop)
            await asyncio.sleep(rng.uniform(*LOOK_S))
            await post(session, load, "")  # Clear: the pad's value becomes "", and /predict answers the prompt
    finally:
        await session.close()


async def page_events(url):
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        return PageEvents.from_config(config_from_page((await client.get("/")).text))


async def warm_up(url, events, count=WARMUP_REQUESTS):
    """A few answers before the measurement (the models' first calls), from a session of its own."""
    session = PageSession(url, events)
    try:
        rng = np.random.default_rng(12345)
        from testkit.pad_digits import pad_value
        for _ in range(count):
            value = pad_value(int(rng.integers(10)), rng)
            await session.predict(class_strokes.pad_text(value, value["strokes"]))
    finally:
        await session.close()


def start_py_spy(pid, output, rate=100, gil=False):
    """py-spy recording `pid` into `output` (collapsed stacks: --format raw), or None if py-spy is missing."""
    executable = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(executable).exists():
        print("py-spy is not installed (pip install py-spy): no profile")
        return None
    return subprocess.Popen([executable, "record", "--pid", str(pid), "--output", str(output), "--format", "raw",
                             "--rate", str(rate), "--threads"] + (["--gil"] if gil else []),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def stop_py_spy(spy):
    if spy is None:
        return
    spy.send_signal(signal.SIGINT)
    try:
        spy.wait(timeout=30)
    except subprocess.TimeoutExpired:
        spy.kill()


def run_load(kind, work, seed, timeout, profile=None, gil=False, env=None):
    """Start the `kind` server, put the class's load on it, stop it; returns the Load.
    profile: a file for py-spy's collapsed stacks of the server under the load (None: no profile)."""
    load = Load(kind)
    with ServerProcess(kind, env=env) as server:
        events = asyncio.run(page_events(server.url))
        asyncio.run(warm_up(server.url, events))
        load.rss_before_mb = server.rss_mb()
        per_student = [[Digit(index, label, sends) for label, sends in digits] for index, digits in enumerate(work)]
        load.digits = [digit for digits in per_student for digit in digits]
        spy = start_py_spy(server.pid, profile, gil=gil) if profile else None
        meter, cpu_before, bench_before = LoadMeter(), server.cpu_seconds(), cpu_seconds(os.getpid())
        started = time.perf_counter()

        async def everyone():
            await asyncio.gather(*(student(index, server.url, events, digits, load, seed, timeout)
                                   for index, digits in enumerate(per_student)))

        asyncio.run(everyone())
        load.wall = time.perf_counter() - started
        load.server_cpu = server.cpu_seconds() - cpu_before
        load.bench_cpu = cpu_seconds(os.getpid()) - bench_before
        load.machine_cores = meter.cores()
        load.loadavg = LoadMeter.loadavg()
        load.rss_mb = server.rss_mb()
        load.threads = server.threads()
        stop_py_spy(spy)
    return load


def report(load, students, digits_each):
    finals = [digit.final_latency * 1000 for digit in load.digits if digit.final_latency is not None]
    made = np.mean([sum(send.live for send in digit.sends) for digit in load.digits])  # in-stroke updates
    live = np.mean([digit.live_posted for digit in load.digits])
    posted = np.mean([digit.posted for digit in load.digits])
    requests = len(load.request_seconds) + load.counters.errors
    return [
        f"{load.kind}: {students} students x {digits_each} digits = {len(load.digits)} digits, "
        f"{requests} requests in {load.wall:.1f} s: {requests / load.wall:.1f} requests/s",
        f"  pen-up -> final answer: p50 {percentile(finals, 50):.1f} ms, p95 {percentile(finals, 95):.1f} ms, "
        f"max {max(finals, default=float('nan')):.1f} ms ({len(finals)} of {len(load.digits)} digits answered)",
        f"  every request: p50 {percentile(load.request_seconds, 50) * 1000:.1f} ms, "
        f"p95 {percentile(load.request_seconds, 95) * 1000:.1f} ms",
        f"  live updates per digit: {live:.2f} sent (of {made:.2f} the pad made while the pen moved); "
        f"{posted:.2f} requests per digit with the pen-ups",
        f"  errors: {load.counters.errors} ({load.counters.summary()})",
        f"  server CPU: {100 * load.server_cpu / load.wall:.1f} % of a core "
        f"({1000 * load.server_cpu / max(1, requests):.2f} ms per request); "
        f"RSS {load.rss_before_mb:.0f} -> {load.rss_mb:.0f} MB, {load.threads} threads",
        f"  machine: {load.machine_cores:.2f} of {os.cpu_count()} cores busy during the run "
        f"(this benchmark process: {100 * load.bench_cpu / load.wall:.1f} % of a core); "
        f"load average {load.loadavg}",
    ]


def expected_answers(texts, checkpoints):
    """{final drawing text: (LeNet's label, {label: confidence})} from the app's own code, idle, in this process."""
    from demo.inference import ModelStore
    from demo.pad import read_pad

    models = ModelStore(checkpoints)
    expected = {}
    for text in texts:
        if text in expected:
            continue
        probabilities = models.predict(read_pad(text)[1])[EXPECTED_MODEL].probabilities
        confidences = {str(digit): float(p) for digit, p in enumerate(probabilities)}
        expected[text] = (max(confidences, key=confidences.get), confidences)
    return expected


def correctness(load, checkpoints):
    """Lines: final answers equal to the idle app's for the same drawing; LeNet's accuracy on the labels."""
    from trainer.models import MODELS
    position = list(MODELS).index(EXPECTED_MODEL)
    finals = [digit.sends[-1].text for digit in load.digits]
    expected = expected_answers(finals, checkpoints)
    same, right_live, right_idle, answered, mismatches = 0, 0, 0, 0, []
    for digit in load.digits:
        label_idle, confidences_idle = expected[digit.sends[-1].text]
        right_idle += label_idle == str(digit.label)
        if digit.final_answer is None:
            continue
        answered += 1
        label, confidences = final_label(digit.final_answer, position)
        right_live += label == str(digit.label)
        equal = (label == label_idle and confidences is not None
                 and all(abs(confidences_idle[key] - value) <= 1e-5 for key, value in confidences.items()))
        same += equal
        if not equal and len(mismatches) < 3:
            mismatches.append(f"student {digit.student}: got {label}, idle app says {label_idle}"
                              + (" with other confidences" if label == label_idle else ""))
    lines = [f"  final answers equal to the idle app's for the same final drawing: {same} of {answered} answered "
             f"({len(load.digits) - same} not: wrong, stale or missing)" + (f"; e.g. {'; '.join(mismatches)}" if mismatches else ""),
             f"  LeNet's accuracy on the true labels: {100 * right_live / max(1, answered):.1f} % of final answers "
             f"(the idle app on the same drawings: {100 * right_idle / max(1, len(load.digits)):.1f} %)"]
    return lines, same == len(load.digits)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--students", type=int, default=30, help="concurrent students (100: where it bends)")
    parser.add_argument("--digits", type=int, default=10, help="digits per student")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--app-only", action="store_true", help="only the demo, no no-op comparison")
    parser.add_argument("--finetune", action="store_true",
                        help="a teacher's fine-tune runs beside each load (needs MNIST_DIR)")
    parser.add_argument("--noop-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--sample-hz", type=float, default=class_strokes.SAMPLE_HZ, help="pen points per second")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as timed out")
    devsets.add_data_argument(parser)
    parser.add_argument("--checkpoints", default=None, help="the app's checkpoints (for the expected answers)")
    parser.add_argument("--py-spy", default=None, metavar="FILE",
                        help="record the demo server under the load with py-spy into FILE (collapsed stacks; "
                             "bench/profile_breakdown.py FILE sorts them into where the CPU goes)")
    parser.add_argument("--py-spy-gil", action="store_true",
                        help="with --py-spy: sample only the thread holding the GIL (Python's own CPU)")
    parser.add_argument("--server-env", action="append", default=[], metavar="NAME=VALUE",
                        help="an environment variable for the servers (both), e.g. MALLOC_ARENA_MAX=2; repeatable")
    return parser.parse_args(argv)


@contextmanager
def finetune_beside(records, rng, drawings=300):
    """A teacher's fine-tune running beside the load, started as the Teacher tab starts it (demo/finetune.py:
    the trainer in a process of its own at nice 10, one thread) on `drawings` of the records as a class's."""
    from bench.finetune_class import UNLIMITED, label_drawings
    from demo.drawings import DrawingStore
    from demo.finetune import FineTuner
    from trainer import checkpoint, mnist

    with tempfile.TemporaryDirectory(prefix="class-live-finetune-") as folder:
        store = DrawingStore(Path(folder) / "drawings.sqlite", rate_limit=UNLIMITED)
        label_drawings([records[index] for index in rng.choice(len(records), drawings, replace=False)], store, rng)
        tuner = FineTuner(Path(folder) / "runs", checkpoint.DEFAULT_FOLDER, mnist.resolve_data_dir())
        tuner.start(store, checkpoint.DEFAULT_FOLDER)
        time.sleep(15)  # past its start-up (MNIST loaded, the first epoch going)
        try:
            yield
        finally:
            running = tuner.is_running()
            tuner.stop()
            print(f"  a teacher's fine-tune ran beside it: {'the whole time' if running else 'NOT the whole time'}")


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    sets = class_strokes.load_development_digits(args.data)
    if sets:
        source = ", ".join(f"{name} {len(records):,}" for name, records in sets.items())
    else:
        source = "the development sets are absent: hand-made pad digits (testkit/pad_digits.py)"
        sets = {"pad": class_strokes.fallback_digits(200, rng)}
    work = [[class_strokes.digit_sends(record, rng, args.sample_hz)
             for record in class_strokes.pick_digits(sets, args.digits, rng)] for _ in range(args.students)]
    print(f"digits from: {source}; "
          f"{os.cpu_count()} cores, load average before: {LoadMeter.loadavg()}", flush=True)
    env = dict(setting.split("=", 1) for setting in args.server_env)
    if env:
        print(f"server environment: {' '.join(args.server_env)}")
    kinds = ["noop"] if args.noop_only else ["demo"] if args.app_only else ["demo", "noop"]
    loads, ok = {}, True
    for kind in kinds:
        beside = finetune_beside([r for records in sets.values() for r in records], rng) if args.finetune else nullcontext()
        with beside:
            loads[kind] = run_load(kind, work, args.seed, args.timeout, args.py_spy if kind == "demo" else None,
                                   args.py_spy_gil, env)
        print("\n".join(report(loads[kind], args.students, args.digits)), flush=True)
        ok &= loads[kind].counters.errors == 0
    if "demo" in loads and "noop" in loads:
        tails = {kind: percentile([d.final_latency for d in load.digits if d.final_latency is not None], 95)
                 for kind, load in loads.items()}
        print(f"p95 pen-up -> final answer, demo / no-op: {tails['demo'] / tails['noop']:.2f}")
    if "demo" in loads:
        from trainer import checkpoint
        lines, all_same = correctness(loads["demo"], args.checkpoints or str(checkpoint.DEFAULT_FOLDER))
        print("demo correctness (LeNet):\n" + "\n".join(lines))
        ok &= all_same
    print("RESULT " + ("ok: no errors, every final answer right for its drawing" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
