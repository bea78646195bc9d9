"""What the "Inside the models" view adds to an update, in-process, on stroke drawings.

    python bench/explain_latency.py [--drawings 200]

An update without the view is the Draw tab's `DrawTab.predict` (strokes -> 28x28 -> both models -> preview).
With the view open, the page also runs `InsidePanel.columns` for the same drawing: internals and saliency
of both models, every panel drawn and encoded as the inline PNGs the browser receives (with and without a
"why not" digit). Also the /explain endpoint's work: `InsidePanel.explain` plus serialising its JSON.
"""
import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEMO_DRAWINGS_DB", "")  # a benchmark labels nothing: no database

import numpy as np  # noqa: E402

from demo import app  # noqa: E402
from demo.draw_tab import DrawTab  # noqa: E402
from testkit.pad_digits import pad_value  # noqa: E402


def timed(function, values):
    durations = []
    for value in values:
        started = time.perf_counter()
        function(value)
        durations.append(1000 * (time.perf_counter() - started))
    return np.asarray(durations)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--drawings", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    drawings = [json.dumps(pad_value(int(rng.integers(10)), rng)) for _ in range(args.drawings)]
    draw_tab = DrawTab(app.state.models, app.state.drawings)
    inside = draw_tab.inside
    inside.columns(drawings[0], "3")  # warm-up
    rows = {
        "update without the view (predict)": timed(lambda drawing: asyncio.run(draw_tab.predict(drawing)), drawings),
        "inside view (added per update)": timed(lambda drawing: inside.columns(drawing, ""), drawings),
        "inside view with a 'why not' digit": timed(lambda drawing: inside.columns(drawing, "3"), drawings),
        "/explain (JSON)": timed(lambda drawing: json.dumps(inside.explain(drawing)), drawings),
    }
    print(f"{args.drawings} stroke drawings, per update:")
    for name, durations in rows.items():
        print(f"  {name:<38} p50 {np.percentile(durations, 50):6.2f} ms   p95 {np.percentile(durations, 95):6.2f} ms")
    sizes = [sum(len(html) for html in inside.columns(drawing, "3")) for drawing in drawings[:20]]
    print(f"  inside view sent to the browser: {np.mean(sizes) / 1024:.0f} KB per update")


if __name__ == "__main__":
    main()
