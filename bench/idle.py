"""What an idle server costs: its CPU with no page open, then with one idle page open in Chromium.

    python bench/idle.py                       # the demo and a plain no-op Gradio app, 60 s windows (~5 min)
    python bench/idle.py --seconds 10 --apps demo
    python bench/idle.py --queue-poll-ms 20    # the same with Gradio's queue polling every 20 ms when idle

Each app runs in a process of its own (testkit/app_server.py: `demo`, the app; `plain`, a Blocks with one
Textbox; `noop`, the demo's page with a no-op /predict), launched with the demo's launch settings and
blocking as `demo.launch()` does. Its CPU time comes from /proc/PID/stat over the window: first with no
page open, then with one page open in Debian's Chromium (headless, Playwright), loaded and left alone
(no drawing; the Draw tab, as a visitor leaves it). Prints % of a core for each, the difference app -
plain, and the machine's load (the windows are quiet for the server, not for the machine).

What Gradio 6.31 does on its own while idle (read in its source): the queue's processing loop wakes
every 1 ms to look for work (Queue.start_processing, sleep_when_free = 0.001), its progress loop every
10 ms, `_delete_state` walks every session it holds once a second, uvicorn's main loop ticks every
0.1 s and so does the main thread blocked in `block_thread`. --queue-poll-ms changes the first
(a private attribute, set after launch): queued events (page loads, labels) then wait up to that long.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from testkit.app_server import KINDS, LoadMeter, ServerProcess  # noqa: E402
from testkit import chromium  # noqa: E402

PAGE_READY = {  # what the page shows once it is loaded and its load events answered
    "demo": "#sketchpad [data-ready=true], #sketchpad[data-ready=true]",
    "noop": "#sketchpad [data-ready=true], #sketchpad[data-ready=true]",
    "plain": "textarea",
}


def window(server, seconds):
    """(% of a core the server used, machine cores busy) over `seconds`."""
    meter = LoadMeter()
    return server.cpu_percent(seconds), meter.cores()


def measure(kind, seconds, settle, queue_poll_ms=None, page=True):
    """{"closed": (% core, machine cores), "open": ...} for the `kind` app."""
    results = {}
    with ServerProcess(kind, queue_poll_ms=queue_poll_ms) as server:
        time.sleep(settle)
        results["closed"] = window(server, seconds)
        if page and chromium.available():
            from playwright.sync_api import sync_playwright
            with sync_playwright() as playwright:
                browser = chromium.launch(playwright)
                tab = browser.new_page(viewport={"width": 1280, "height": 1000})
                tab.goto(server.url)
                tab.wait_for_selector(PAGE_READY[kind], state="attached", timeout=60_000)
                time.sleep(settle)  # the page's load events answered, the layout settled
                results["open"] = window(server, seconds)
                browser.close()
        results["rss_mb"] = server.rss_mb()
    return results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="each window")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds before a window starts")
    parser.add_argument("--apps", nargs="+", choices=KINDS, default=["demo", "plain"])
    parser.add_argument("--no-page", action="store_true", help="only the window with no page open")
    parser.add_argument("--queue-poll-ms", type=float, default=None,
                        help="Gradio's queue poll interval when idle (default: Gradio's own, 1 ms)")
    parser.add_argument("--max-above-plain", type=float, default=None,
                        help="exit 1 if an app's page-closed idle CPU is more than this many points above plain's")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if not args.no_page and not chromium.available():
        print(f"no Chromium at {chromium.CHROMIUM}: page-open windows skipped")
    print(f"idle windows of {args.seconds:.0f} s; queue poll "
          f"{'Gradio default (1 ms)' if args.queue_poll_ms is None else f'{args.queue_poll_ms:g} ms'}; "
          f"load average before: {LoadMeter.loadavg()}", flush=True)
    results = {}
    for kind in args.apps:
        results[kind] = measure(kind, args.seconds, args.settle, args.queue_poll_ms, page=not args.no_page)
        parts = [f"{kind}: page closed {results[kind]['closed'][0]:.1f} % of a core "
                 f"(machine {results[kind]['closed'][1]:.2f} cores busy)"]
        if "open" in results[kind]:
            parts.append(f"one idle page open {results[kind]['open'][0]:.1f} % "
                         f"(machine {results[kind]['open'][1]:.2f} cores busy)")
        print("; ".join(parts) + f"; RSS {results[kind]['rss_mb']:.0f} MB", flush=True)
    ok = True
    if "plain" in results:
        for kind in results:
            if kind == "plain":
                continue
            for state in ("closed", "open"):
                if state in results[kind] and state in results["plain"]:
                    above = results[kind][state][0] - results["plain"][state][0]
                    print(f"{kind} - plain, page {state}: {above:+.1f} points of a core")
                    if state == "closed" and args.max_above_plain is not None:
                        ok &= above <= args.max_above_plain
    print(f"load average after: {LoadMeter.loadavg()}")
    print("RESULT " + ("ok" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
