"""What the "Inside the models" view adds to each update, in-process, on preprocessed 28x28 digits.

    MNIST_DIR=../shared/data/mnist python bench/explain_latency.py [--digits 200]

(a) the current predict path: one (1, 1, 28, 28) image through both models (`ModelStore.predict`);
(b) (a) plus the view: internals and saliency of both models (`ModelStore.explain`), every panel drawn,
    two saliency maps per model (the answer and one "why not"), each panel encoded as the PNG the
    browser receives. Also the parts of (b) and the /explain JSON alone. Without MNIST_DIR it says so
    and uses synthetic digits.
"""
import argparse
import io
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402

from demo import inside_plots  # noqa: E402
from demo.inference import ModelStore  # noqa: E402
from demo.internals import explain_json  # noqa: E402
from tests.conftest import synthetic_digits  # noqa: E402
from trainer import mnist  # noqa: E402


def milliseconds(durations):
    return 1000 * np.asarray(durations)


def summary(durations):
    values = milliseconds(durations)
    return f"p50 {np.percentile(values, 50):6.2f} ms   p95 {np.percentile(values, 95):6.2f} ms"


def digits(count, data_dir):
    folder = mnist.resolve_data_dir(data_dir)
    if folder is None:
        print("MNIST_DIR is not set: using synthetic digits (bars), timings are still representative")
        return synthetic_digits(count)[0][:, None]
    _, _, images, _ = mnist.load_mnist(folder)
    chosen = np.random.default_rng(0).choice(len(images), count, replace=False)
    return images[chosen][:, None]  # (count, 1, 1, 28, 28): one model input each


def draw_panels(store, image, explained):
    """Every image the view shows for one drawing: {key: (H, W, 3) uint8}."""
    plain = image[0, 0]
    panels = {}
    for name, found in explained.items():
        weights = store.models[name].inspector.first_layer
        drawn = (inside_plots.lenet_panels(found, weights) if name == "lenet"
                 else inside_plots.mlp_panels(found, weights, plain))
        panels.update({f"{name}.{key}": panel for key, panel in drawn.items()})
        why_not = (found.predicted + 1) % 10
        for target in (found.predicted, why_not):
            panels[f"{name}.saliency{target}"] = inside_plots.saliency_panel(found.saliency[target], plain)
    return panels


def png_bytes(panels):
    sizes = []
    for panel in panels.values():
        buffer = io.BytesIO()
        PIL.Image.fromarray(panel).save(buffer, format="PNG", compress_level=1)
        sizes.append(buffer.tell())
    return sum(sizes)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digits", type=int, default=200)
    parser.add_argument("--data-dir", default=None, help="default: $MNIST_DIR")
    args = parser.parse_args()

    store = ModelStore()
    images = digits(args.digits, args.data_dir)
    for image in images[:5]:  # warm-up: MXNet builds its cached graphs on the first calls
        store.predict(image)
        store.explain(image)

    times = {key: [] for key in ("predict", "explain", "draw", "png", "total", "json")}
    png_sizes = []
    for image in images:
        started = time.perf_counter()
        store.predict(image)
        predicted = time.perf_counter()
        explained = store.explain(image)
        inspected = time.perf_counter()
        panels = draw_panels(store, image, explained)
        drawn = time.perf_counter()
        png_sizes.append(png_bytes(panels))
        encoded = time.perf_counter()
        json.dumps(explain_json(image, explained))
        serialised = time.perf_counter()
        for key, duration in (("predict", predicted - started), ("explain", inspected - predicted),
                              ("draw", drawn - inspected), ("png", encoded - drawn),
                              ("total", encoded - started), ("json", serialised - encoded)):
            times[key].append(duration)

    added = np.asarray(times["total"]) - np.asarray(times["predict"])
    print(f"{len(images)} digits, {len(panels)} panels per update, {np.mean(png_sizes) / 1024:.0f} KiB of PNG")
    print(f"(a) predict, both models                       {summary(times['predict'])}")
    print(f"(b) predict + internals + panels + PNG         {summary(times['total'])}")
    print(f"    added by the view (b - a)                  {summary(added)}")
    print(f"      internals + saliency, both models        {summary(times['explain'])}")
    print(f"      drawing the panels                       {summary(times['draw'])}")
    print(f"      encoding them as PNG                     {summary(times['png'])}")
    print(f"/explain JSON (explain_json + json.dumps)      {summary(times['json'])}")


if __name__ == "__main__":
    main()
