"""Debian's Chromium (apt-get install chromium), driven by Playwright for Python.

Playwright's own browser download does not work here, so it drives /usr/bin/chromium (or $CHROMIUM),
as root in a container with a closed network: no sandbox, and nothing that phones home.
"""
import os
from pathlib import Path

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


def available():
    return Path(CHROMIUM).exists()


def launch(playwright):
    """A headless Chromium browser from a sync_playwright() context."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def pad_box(page):
    """The pad canvas's box once the pad is sized and listening and the layout has stopped moving
    (on a loaded machine the page can still shift after the first answers' prompt appears)."""
    page.wait_for_selector("#sketchpad[data-ready=true], #sketchpad [data-ready=true]", state="attached", timeout=30_000)
    canvas, box = page.locator("#sketchpad canvas"), None
    while box != (box := canvas.bounding_box()):
        page.wait_for_timeout(200)
    return box
