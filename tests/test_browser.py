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
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, app_url):
    """A desktop-sized page shared by the tests below, in order: draw, clear, curves."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(app_url)
    return page


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


def test_drawing_with_a_finger_on_a_phone(browser, app_url):
    """Touch events, as a phone sends them, dispatched through Chromium's DevTools protocol."""
    phone = browser.new_context(viewport={"width": 412, "height": 915}, has_touch=True, is_mobile=True)
    page = phone.new_page()
    page.goto(app_url)
    page.wait_for_selector('#sketchpad button[aria-label="Brush"]')
    page.wait_for_function("document.querySelector('#lenet-label').innerText.includes('Draw a digit')")
    box = page.locator("#sketchpad canvas").first.bounding_box()
    finger = phone.new_cdp_session(page)
    # A '1' down the middle. On a phone the square drawing area sits in the middle of a taller canvas
    # element, and a stroke must start inside the drawing area.
    x, middle, side = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, min(box["width"], box["height"])
    points = [{"x": x, "y": middle + side * (step / 20 - 0.5) * 0.6, "id": 1} for step in range(21)]
    finger.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [points[0]]})
    for point in points[1:]:
        finger.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
        page.wait_for_timeout(16)  # a finger moves over several frames
    finger.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    page.wait_for_function("/%/.test(document.querySelector('#lenet-label').innerText)", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "phone.png"), full_page=True)
    assert re.search(r"\b1\b", page.locator("#lenet-label").inner_text().split("\n")[1])
    phone.close()


def test_training_curves_tab_shows_the_plots(page):
    page.get_by_role("tab", name="Training curves").click()
    for plot in ("#curves-plot", "#confusion-plot"):
        page.wait_for_selector(f"{plot} img", timeout=30_000)
    page.wait_for_function("document.querySelector('#summary').innerText.includes('lenet')", timeout=30_000)
    assert "99." in page.locator("#summary").inner_text()  # the test accuracies from the metadata
    page.screenshot(path=str(ARTIFACTS / "curves.png"), full_page=True)
