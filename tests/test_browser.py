"""A real browser draws a digit with the mouse and sees both models answer; then opens the curves tab.

Needs Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Playwright's own browser
download does not work here, so it drives /usr/bin/chromium. Screenshots go to test-artifacts/.
"""
import os
import re
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
# As root in a container, with a closed network: no sandbox, and nothing that phones home.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"no Chromium at {CHROMIUM}: apt-get install chromium (or set CHROMIUM)")


@pytest.fixture(scope="module")
def page(app_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(app_url)
        yield page
        browser.close()


def draw_seven(page):
    """Mouse strokes on the sketchpad: a top bar, then the diagonal."""
    canvas = page.locator("#sketchpad canvas").first
    box = canvas.bounding_box()

    def at(fx, fy):
        return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

    for start, end in ((at(0.3, 0.25), at(0.7, 0.25)), (at(0.7, 0.25), at(0.45, 0.8))):
        page.mouse.move(*start)
        page.mouse.down()
        for step in range(1, 16):
            page.mouse.move(start[0] + (end[0] - start[0]) * step / 15, start[1] + (end[1] - start[1]) * step / 15)
        page.mouse.up()


def test_drawing_with_the_mouse_shows_both_predictions(page):
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_selector('#sketchpad button[aria-label="Brush"]')
    page.wait_for_function("document.querySelector('#mlp-label').innerText.includes('Draw a digit')")
    draw_seven(page)
    for label in ("#mlp-label", "#lenet-label"):  # live: no button pressed
        page.wait_for_function(f"/%/.test(document.querySelector('{label}').innerText)", timeout=30_000)
    page.wait_for_selector("#seen img", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "draw.png"), full_page=True)
    for label in ("#mlp-label", "#lenet-label"):
        text = page.locator(label).inner_text()
        assert re.search(r"\b7\b", text.split("\n")[1] if "\n" in text else text), text


def test_clear_returns_to_the_prompt(page):
    page.get_by_role("button", name="Clear", exact=True).click()
    page.wait_for_function("document.querySelector('#mlp-label').innerText.includes('Draw a digit')", timeout=30_000)
    assert "%" not in page.locator("#lenet-label").inner_text()


def test_training_curves_tab_shows_the_plots(page):
    page.get_by_role("tab", name="Training curves").click()
    for plot in ("#curves-plot", "#confusion-plot"):
        page.wait_for_selector(f"{plot} img", timeout=30_000)
    page.wait_for_function("document.querySelector('#summary').innerText.includes('lenet')", timeout=30_000)
    assert "99." in page.locator("#summary").inner_text()  # the test accuracies from the metadata
    page.screenshot(path=str(ARTIFACTS / "curves.png"), full_page=True)
