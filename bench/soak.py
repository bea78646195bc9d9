"""Thousands of short visits, each a new browser session: does the server's memory level off?

    python bench/soak.py                      # 1,500 visits to the demo (~5 min)
    python bench/soak.py --with-noop          # then the same visits to the no-op app of the same page
    python bench/soak.py --visits 60 --every 20

A visit is what a person opening the page and drawing a few digits makes the server do
(testkit/page_client.py): GET / (the config comes inlined in it) and the theme's CSS (static assets are
left out: a browser caches them); the page's load events through the queue (queue/join, then the
session's event stream until they complete); 2-3 real pen-stroke digits (testkit/class_strokes.py), the
first with the relay the page sends at its first stroke, each as a few of its live updates and every
pen-up, one request in flight, without the person's pauses (cheap: what grows is per session, not per
second); then a tap on the keypad for the last digit (the label, queued, with the app's database on a
temporary file) and the cleared pad. Each visit has its own session hash and HTTP connection.

Every `--every` visits it prints the server's RSS (from /proc) and what Gradio holds (sessions in its
state holder, queue structures: testkit/app_server.py's `holdings`), then the growth from visit 500 to
visit 1,500 (a third of --visits to the end), failed requests, and the server's idle CPU before and
after the visits (Gradio walks every session it holds once a second).
"""
import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from testkit import class_strokes, devsets  # noqa: E402
from testkit.app_server import LoadMeter, ServerProcess  # noqa: E402
from testkit.page_client import Counters, PageSession  # noqa: E402


def thin(sends, live_per_digit):
    """Every pen-up and `live_per_digit` in-stroke updates spread over the digit (the page sends ~10)."""
    live = [index for index, send in enumerate(sends) if send.live]
    keep = set(np.linspace(0, len(live) - 1, live_per_digit).round().astype(int).tolist()) if live and live_per_digit else set()
    kept_live = {live[index] for index in keep}
    return [send for index, send in enumerate(sends) if not send.live or index in kept_live]


async def visit(url, digits, counters, rng, live_per_digit, label=True):
    """One visit; failures go to `counters`."""
    session = PageSession(url, rng=rng, counters=counters)
    try:
        await session.open_page()
        await session.load_events()
        for number, (digit_label, sends) in enumerate(digits):
            if number == 0:
                await session.first_stroke_relay()
            for send in thin(sends, live_per_digit):
                await session.predict(send.text)  # the session counts an answer other than 200 as a failure
            if number < len(digits) - 1:
                await session.predict("")  # Clear before the next digit
        if label and session.events.keypad_fn is not None:
            digit_label, sends = digits[-1]
            thanks = await session.keypad(sends[-1].text, digit_label)
            if not (thanks or "").startswith("Thank you"):
                counters.fail("label refused", thanks)
    except Exception as error:  # noqa: BLE001 - a soak counts every failure and goes on
        counters.fail(type(error).__name__, error)
    finally:
        await session.close()


def idle_cpu(server, seconds):
    """The server's CPU (% of a core) over `seconds` with nothing to do."""
    return server.cpu_percent(seconds) if seconds > 0 else float("nan")


def soak(kind, args, records, seed):
    counters, curve = Counters(), []
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        introspect = Path(folder) / "holdings.json"
        with ServerProcess(kind, drawings_db=str(Path(folder) / "drawings.sqlite"), introspect=introspect,
                           state_session_capacity=args.state_session_capacity) as server:
            # Warm-up: a few visits (imports, the models' first calls, caches), not counted in the curve's start.
            python_rng = random.Random(seed)
            for _ in range(args.warmup):
                digits = [class_strokes.digit_sends(record, rng) for record in class_strokes.pick_digits(records, 2, rng)]
                asyncio.run(visit(server.url, digits, Counters(), python_rng, args.live_per_digit))
            idle_before = idle_cpu(server, args.idle_seconds)

            def sample(done):
                holdings = server.holdings() or {}
                curve.append((done, server.rss_mb(), holdings))
                print(f"  visit {done:>6,}: RSS {curve[-1][1]:7.1f} MB; Gradio holds "
                      f"{holdings.get('state_holder_sessions', '?')} sessions "
                      f"(its queue keeps {holdings.get('queue_pending_event_ids_session', '?')} per-session event-id sets, "
                      f"{holdings.get('queue_event_analytics', '?')} event records); "
                      f"{counters.requests:,} requests, {counters.errors} failed", flush=True)

            sample(0)
            meter, cpu_before, started, done = LoadMeter(), server.cpu_seconds(), time.perf_counter(), 0

            async def batch(count):
                await asyncio.gather(*(visit(server.url,
                                             [class_strokes.digit_sends(record, rng)
                                              for record in class_strokes.pick_digits(records, int(rng.integers(2, 4)), rng)],
                                             counters, python_rng, args.live_per_digit)
                                       for _ in range(count)))

            while done < args.visits:
                step = min(args.every, args.visits - done)

                async def stretch(step=step):
                    left = step
                    while left:
                        now = min(args.concurrency, left)
                        await batch(now)
                        left -= now

                asyncio.run(stretch())
                done += step
                sample(done)
            wall = time.perf_counter() - started
            server_cpu = server.cpu_seconds() - cpu_before
            cores, loadavg = meter.cores(), LoadMeter.loadavg()
            idle_after = idle_cpu(server, args.idle_seconds)
            sessions_after = (curve[-1][2] or {}).get("state_holder_sessions", "?")
    return counters, curve, dict(wall=wall, server_cpu=server_cpu, cores=cores, loadavg=loadavg,
                                 idle_before=idle_before, idle_after=idle_after, sessions_after=sessions_after)


def growth_after_warmup(curve, visits):
    """(the sample nearest a third of the visits, the last sample, RSS growth between them in MB)."""
    start = min(curve, key=lambda point: abs(point[0] - visits / 3))
    return start, curve[-1], curve[-1][1] - start[1]


def report(kind, args, counters, curve, figures):
    start, end, growth = growth_after_warmup(curve, args.visits)
    per_visit_kb = 1024 * growth / max(1, end[0] - start[0])
    return [
        f"{kind}: {end[0]:,} visits, {counters.requests:,} requests in {figures['wall']:.0f} s "
        f"({end[0] / figures['wall']:.1f} visits/s); failed requests: {counters.errors} ({counters.summary()})",
        f"  RSS growth from visit {start[0]:,} to visit {end[0]:,}: {growth:+.1f} MB ({per_visit_kb:+.1f} KB per visit); "
        f"whole curve {curve[0][1]:.0f} -> {end[1]:.0f} MB",
        f"  server CPU during the visits: {100 * figures['server_cpu'] / figures['wall']:.1f} % of a core "
        f"({1000 * figures['server_cpu'] / max(1, end[0]):.0f} ms per visit); machine {figures['cores']:.2f} of "
        f"{os.cpu_count()} cores busy, load average {figures['loadavg']}",
        f"  server idle CPU ({args.idle_seconds:.0f} s windows): {figures['idle_before']:.1f} % of a core before the visits, "
        f"{figures['idle_after']:.1f} % after (Gradio then holds {figures['sessions_after']} sessions)",
    ]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--visits", type=int, default=1500)
    parser.add_argument("--every", type=int, default=100, help="visits between two RSS samples")
    parser.add_argument("--concurrency", type=int, default=4, help="visits at once")
    parser.add_argument("--live-per-digit", type=int, default=3, help="in-stroke updates sent per digit")
    parser.add_argument("--warmup", type=int, default=10, help="visits before the first sample")
    parser.add_argument("--idle-seconds", type=float, default=10.0, help="idle CPU window before and after (0: skip)")
    parser.add_argument("--with-noop", action="store_true", help="then the same visits to the no-op app of the same page")
    parser.add_argument("--noop-only", action="store_true", help="only the no-op app")
    parser.add_argument("--state-session-capacity", type=int, default=None,
                        help="launch the server with this state_session_capacity (default: the app's own setting)")
    parser.add_argument("--seed", type=int, default=0)
    devsets.add_data_argument(parser)
    parser.add_argument("--max-growth-mb", type=float, default=None,
                        help="exit 1 when RSS grows more than this from a third of the visits to the end")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    sets = class_strokes.load_development_digits(args.data, limit=2000)
    if not sets:
        sets = {"pad": class_strokes.fallback_digits(200, np.random.default_rng(args.seed))}
    print(f"digits from: {', '.join(sets)}; {args.visits:,} visits, {args.concurrency} at once; "
          f"{os.cpu_count()} cores, load average before: {LoadMeter.loadavg()}", flush=True)
    kinds = ["noop"] if args.noop_only else ["demo", "noop"] if args.with_noop else ["demo"]
    ok = True
    for kind in kinds:
        print(f"{kind}:", flush=True)
        counters, curve, figures = soak(kind, args, sets, args.seed)
        lines = report(kind, args, counters, curve, figures)
        print("\n".join(lines), flush=True)
        ok &= counters.errors == 0
        if args.max_growth_mb is not None:
            ok &= growth_after_warmup(curve, args.visits)[2] <= args.max_growth_mb
    print("RESULT " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
