"""What a prediction costs the server: in-process, and through the HTTP API for one client and for a class.

    python bench/latency.py [--requests 600 --clients 30]

In-process: the pad's strokes -> MNIST tensor -> both models -> preview (the app's `predict`).
HTTP: the app's /predict against a no-op Gradio endpoint taking the same input (the pad's JSON text),
both served by this process: first one client alone, then `--clients` concurrent gradio_client clients.
Also: the server's memory and Gradio's temporary files before and after the load (nothing may grow).
"""
import argparse
import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEMO_DRAWINGS_DB", "")  # a benchmark labels nothing: no database

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
from gradio_client import Client  # noqa: E402

from testkit.pad_digits import pad_value  # noqa: E402
from demo import app  # noqa: E402
from demo.draw_tab import DrawTab  # noqa: E402
from demo.pad import DrawingPad  # noqa: E402
from demo.preprocess import MAX_POINTS, CanvasError, strokes_to_mnist  # noqa: E402


def percentiles(seconds):
    milliseconds = 1000 * np.asarray(seconds)
    return f"p50 {np.percentile(milliseconds, 50):7.2f} ms   p95 {np.percentile(milliseconds, 95):7.2f} ms"


def timed(function, values):
    durations = []
    for value in values:
        started = time.perf_counter()
        function(value)
        durations.append(time.perf_counter() - started)
    return durations


def noop_demo():
    with gr.Blocks(analytics_enabled=False) as demo:
        pad = DrawingPad()
        result = gr.Textbox()
        pad.change(lambda value: "", pad, result, api_name="noop", trigger_mode="always_last", queue=False)  # as /predict
    return demo.queue(max_size=app.QUEUE_SIZE, default_concurrency_limit=4)


def http_latencies(url, endpoint, values, clients, requests):
    """Per-request seconds and the error count, `clients` threads each with its own Client."""
    per_client = max(1, requests // clients)

    def worker(offset):
        client = Client(url, verbose=False)
        durations, errors = [], 0
        for index in range(per_client):
            started = time.perf_counter()
            try:
                client.predict(values[(offset * per_client + index) % len(values)], api_name=endpoint)
            except Exception:
                errors += 1
            durations.append(time.perf_counter() - started)
        client.close()  # the memory measured below is then the server's, not finished clients'
        return durations, errors

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(worker, range(clients)))
    return [d for durations, _ in results for d in durations], sum(errors for _, errors in results)


def resident_mb():
    """This process's resident memory now (server and clients: both live here)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def cache_files():
    folder = Path(gr.utils.get_upload_folder())
    return sum(1 for path in folder.rglob("*") if path.is_file()) if folder.exists() else 0


def rejection_time(value):
    started = time.perf_counter()
    try:
        strokes_to_mnist(value)
    except CanvasError:
        pass
    return 1000 * (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drawings", type=int, default=200, help="different stroke drawings")
    parser.add_argument("--requests", type=int, default=600, help="HTTP requests per endpoint under load")
    parser.add_argument("--clients", type=int, default=30, help="concurrent clients: a class")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    values = [pad_value(int(rng.integers(10)), rng) for _ in range(args.drawings)]
    texts = [json.dumps(value) for value in values]
    print(f"a drawing is {np.mean([len(text) for text in texts]) / 1024:.1f} KB of JSON on average")
    predict = DrawTab(app.state.models, app.state.drawings).predict
    predict(texts[0])  # warm-up
    print(f"in-process, {len(texts)} stroke drawings (2 passes):")
    print(f"  strokes -> 28x28 only               {percentiles(timed(strokes_to_mnist, texts * 2))}")
    print(f"  + both models + preview (predict)   {percentiles(timed(predict, texts * 2))}")
    flood = json.dumps({"width": 400, "height": 400, "strokes": [[[1, 2]] * 300_000]})
    print(f"  refusing {len(flood) / 1e6:.1f} MB of JSON (300,000 points): {rejection_time(flood):.2f} ms; "
          f"{MAX_POINTS + 1:,} points: {rejection_time({'width': 9, 'height': 9, 'strokes': [[[1, 2]] * (MAX_POINTS + 1)]}):.2f} ms")

    servers = {"/noop": noop_demo(), "/predict": app.demo}
    for demo in servers.values():
        demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", max_file_size=app.MAX_UPLOAD)
    files_before, memory = cache_files(), [resident_mb()]
    for clients, requests in ((1, 200), (args.clients, args.requests), (args.clients, args.requests)):
        print(f"\nHTTP through gradio_client, {clients} concurrent client(s), {requests} requests per endpoint:")
        medians, tails = {}, {}
        for endpoint, demo in servers.items():
            http_latencies(demo.local_url, endpoint, texts, clients, clients * 2)  # warm-up
            durations, errors = http_latencies(demo.local_url, endpoint, texts, clients, requests)
            medians[endpoint], tails[endpoint] = np.median(durations), np.percentile(durations, 95)
            print(f"  {endpoint:<9} {percentiles(durations)}   errors {errors}")
        print(f"  predict - no-op p50: {1000 * (medians['/predict'] - medians['/noop']):.2f} ms; "
              f"p95 ratio {tails['/predict'] / tails['/noop']:.2f}")
        memory.append(resident_mb())
    print(f"\nresident memory after each round: {' -> '.join(f'{mb:.0f}' for mb in memory)} MB; "
          f"files in Gradio's cache {files_before} -> {cache_files()}")
    for demo in servers.values():
        demo.close()


if __name__ == "__main__":
    main()
