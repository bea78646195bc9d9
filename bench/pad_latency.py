"""Pen-up to both answers settled, in real Chromium, for ten digits drawn with the mouse.

    python bench/pad_latency.py [--digits 10]

The page records when the pen lifts (pointerup on the pad) and when the answers or the 28x28 preview
last changed; "settled" is the last change after pen-up, once nothing changed for a second (0 when
the live updates during the stroke had already shown the final answer). Needs
Debian's Chromium at /usr/bin/chromium (or $CHROMIUM).
"""
import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DEMO_DRAWINGS_DB", "")  # a benchmark labels nothing: no database

import numpy as np  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from demo import app  # noqa: E402
from testkit import chromium, servers  # noqa: E402
from testkit.pad_digits import unit_strokes  # noqa: E402

WATCH_JS = """() => {
  window.penUp = 0; window.lastChange = 0;
  document.querySelector('#sketchpad canvas').addEventListener('pointerup', () => { window.penUp = performance.now(); }, true);
  // Changes of the answers and the preview themselves; the (invisible) progress timers inside them do not count.
  const inTracker = (node) => (node.nodeType === 1 ? node : node.parentElement)?.closest('[data-testid=status-tracker]');
  const observer = new MutationObserver((records) => {
    if (records.some((record) => !inTracker(record.target))) window.lastChange = performance.now();
  });
  for (const id of ['#mlp-label', '#lenet-label', '#seen'])
    observer.observe(document.querySelector(id), {subtree: true, childList: true, characterData: true, attributes: true});
}"""
QUIET_MS = 1000


def draw(page, digit):
    """A person's pace: ~60 pointer samples per second along each stroke."""
    box = page.locator("#sketchpad canvas").bounding_box()
    for stroke in unit_strokes(digit):
        points = [(box["x"] + box["width"] * (0.2 + 0.6 * x), box["y"] + box["height"] * (0.2 + 0.6 * y)) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1::2]:
            page.mouse.move(*point)
            page.wait_for_timeout(16)
        page.mouse.up()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--digits", type=int, default=10)
    args = parser.parse_args()
    url = servers.launch(app.demo, **app.launch_options())
    settled = []
    with sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url)
        page.wait_for_function("(document.querySelector('#lenet-label')?.innerText || '').includes('Draw a digit')")
        page.wait_for_selector("#sketchpad canvas")
        page.evaluate(WATCH_JS)
        for index in range(args.digits):
            digit = index % 10
            draw(page, digit)
            page.wait_for_function(f"performance.now() - Math.max(window.lastChange, window.penUp) > {QUIET_MS}",
                                   polling=50, timeout=30_000)
            pen_up, last_change = page.evaluate("[window.penUp, window.lastChange]")
            answer = page.locator("#lenet-label [data-testid=label-output-value]").inner_text().strip()
            settled.append(max(0.0, last_change - pen_up))
            print(f"  digit {digit}: LeNet reads {answer}, settled {settled[-1]:6.1f} ms after pen-up")
            page.get_by_role("button", name="Clear", exact=True).click()
            page.wait_for_function(f"performance.now() - window.lastChange > {QUIET_MS}", polling=50, timeout=30_000)
        browser.close()
    app.demo.close()
    print(f"pen-up to both answers settled, {len(settled)} digits: median {np.median(settled):.1f} ms, "
          f"max {np.max(settled):.1f} ms")


if __name__ == "__main__":
    main()
