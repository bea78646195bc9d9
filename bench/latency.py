"""Latency of a prediction: in-process, and through the HTTP API under concurrent clients.

    MNIST_DIR=../shared/data/mnist python bench/latency.py [--requests 400 --clients 8]

In-process: preprocessing of an 800x800 canvas plus both models (the app's `predict`).
HTTP: the app's /predict endpoint against a no-op endpoint that takes the same Sketchpad input
(same upload and decoding), both served by this process, called by concurrent gradio_client clients.
"""
import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402

from bench.canvases import redraw  # noqa: E402
from demo import app  # noqa: E402
from demo.preprocess import canvas_to_mnist  # noqa: E402
from trainer import mnist  # noqa: E402


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
        pad = app.drawing_pad()
        result = gr.Textbox()
        pad.change(lambda value: "", pad, result, api_name="noop")
    return demo.queue(max_size=app.QUEUE_SIZE, default_concurrency_limit=4)


def http_latencies(url, endpoint, files, clients, requests):
    """Per-request seconds and error count, `clients` threads each with its own Client."""
    per_client = requests // clients

    def worker(offset):
        client = Client(url, verbose=False)
        durations, errors = [], 0
        for index in range(per_client):
            path = files[(offset * per_client + index) % len(files)]
            started = time.perf_counter()
            try:
                client.predict({"background": None, "layers": [handle_file(path)], "composite": handle_file(path)},
                               api_name=endpoint)
            except Exception:
                errors += 1
            durations.append(time.perf_counter() - started)
        return durations, errors

    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(worker, range(clients)))
    return [d for durations, _ in results for d in durations], sum(errors for _, errors in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--canvases", type=int, default=200, help="different redrawn test digits")
    parser.add_argument("--requests", type=int, default=400, help="HTTP requests per endpoint")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--data-dir", default=None, help="default: $MNIST_DIR")
    args = parser.parse_args()

    _, _, images, _ = mnist.load_mnist(mnist.resolve_data_dir(args.data_dir))
    rng = np.random.default_rng(0)
    layers = [redraw(images[index, 0], rng).layer for index in rng.permutation(len(images))[:args.canvases]]
    values = [{"background": None, "layers": [layer], "composite": None} for layer in layers]

    app.predict(values[0])  # warm-up
    print(f"in-process, {len(values)} canvases of 800x800 (2 passes):")
    print(f"  preprocessing only          {percentiles(timed(canvas_to_mnist, values * 2))}")
    print(f"  preprocessing + both models {percentiles(timed(app.predict, values * 2))}")

    with tempfile.TemporaryDirectory() as folder:
        files = []
        for index, layer in enumerate(layers):
            files.append(str(Path(folder) / f"canvas{index}.png"))
            PIL.Image.fromarray(layer).save(files[-1])
        servers = {"/noop": noop_demo(), "/predict": app.demo}
        for demo in servers.values():
            demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", max_file_size=app.MAX_UPLOAD)
        print(f"\nHTTP through gradio_client, {args.clients} concurrent clients, {args.requests} requests per endpoint:")
        medians = {}
        for endpoint, demo in servers.items():
            http_latencies(demo.local_url, endpoint, files, args.clients, args.clients * 2)  # warm-up
            durations, errors = http_latencies(demo.local_url, endpoint, files, args.clients, args.requests)
            medians[endpoint] = np.median(durations)
            print(f"  {endpoint:<9} {percentiles(durations)}   errors {errors}")
        print(f"  predict / no-op p50 ratio: {medians['/predict'] / medians['/noop']:.2f}")
        for demo in servers.values():
            demo.close()


if __name__ == "__main__":
    main()
