"""A real browser draws digits with the mouse and a finger, and uses every tab, as a person would.

Needs Debian's Chromium (`apt-get install chromium`; .ci/run installs it). Playwright's own browser
download does not work here, so it drives /usr/bin/chromium. Screenshots go to test-artifacts/.
"""
from pathlib import Path

import pytest

from testkit import chromium
from testkit.chromium import PHONE, pad_box
from testkit.pad_digits import unit_strokes

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.skipif(not chromium.available(),
                                reason=f"no Chromium at {chromium.CHROMIUM}: apt-get install chromium (or set CHROMIUM)")


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(browser, app_url):
    """A desktop-sized page shared by the tests below, in order."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(app_url)
    wait_for_prompt(page)
    return page


def pad_points(box, stroke, margin=0.2):
    """Unit-box points -> page coordinates inside the pad, keeping `margin` of the pad free on each side."""
    return [(box["x"] + box["width"] * (margin + (1 - 2 * margin) * x),
             box["y"] + box["height"] * (margin + (1 - 2 * margin) * y)) for x, y in stroke[::2]]


def mouse_draw(page, digit, margin=0.2, pause_ms=0):
    """Draw `digit` with the mouse; `pause_ms` between moves draws at a hand's pace (the pad's live sends)."""
    box = pad_box(page)
    for stroke in unit_strokes(digit):
        points = pad_points(box, stroke, margin)
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point)
            if pause_ms:
                page.wait_for_timeout(pause_ms)
        page.mouse.up()


def touch_draw(page, finger, points):
    """One finger stroke through Chromium's DevTools protocol, as a phone sends it (several frames long)."""
    touches = [{"x": x, "y": y, "id": 1} for x, y in points]
    finger.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [touches[0]]})
    for touch in touches[1:]:
        finger.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [touch]})
        page.wait_for_timeout(8)
    finger.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def top_answer(page, label):
    """The big top class a gr.Label shows (its status tracker, invisible while an update runs, aside)."""
    return page.locator(f"{label} [data-testid=label-output-value]").inner_text().strip()


def wait_for_answer(page, digit, labels=("#mlp-label", "#lenet-label")):
    for label in labels:
        page.wait_for_function(f"""() => (document.querySelector('{label} [data-testid=label-output-value]')
                                         ?.innerText.trim() === '{digit}')""", timeout=30_000)


def wait_for_prompt(page):
    for label in ("#mlp-label", "#lenet-label"):
        page.wait_for_function(f"(document.querySelector('{label}')?.innerText || '').includes('Draw a digit')",
                               timeout=30_000)


def settled_seen_image(page, quiet_ms=500):
    """The 28x28 preview once updates have stopped (the last one, sent at pen-up, may trail a live one)."""
    source = None
    while True:
        page.wait_for_timeout(quiet_ms)
        latest = page.locator("#seen img").get_attribute("src")
        if latest == source:
            return source
        source = latest


def test_several_digits_in_a_row_with_clear_between(page):
    for index, digit in enumerate((7, 1, 0, 4, 3, 8)):
        mouse_draw(page, digit)
        wait_for_answer(page, digit)
        assert top_answer(page, "#lenet-label") == str(digit)
        assert top_answer(page, "#mlp-label") == str(digit)
        # Read out once, politely, after the pen lifted: "MLP reads 7, 99 %; LeNet reads 7, 100 %".
        page.wait_for_function(f"""(document.querySelector('#announcer [aria-live=polite]')?.textContent || '')
                                   .includes('LeNet reads {digit}, ')""", timeout=30_000)
        if index == 0:
            page.screenshot(path=str(ARTIFACTS / "draw.png"), full_page=True)
        page.get_by_role("button", name="Clear", exact=True).click()
        wait_for_prompt(page)  # every time, not only the first
        assert "%" not in page.locator("#lenet-label").inner_text()
        assert page.locator("#seen img").count() == 0


def test_undo_removes_the_last_stroke_by_button_and_by_keyboard(page):
    mouse_draw(page, 1)
    wait_for_answer(page, 1)
    one = settled_seen_image(page)
    box = pad_box(page)
    for undo in (lambda: page.get_by_role("button", name="Undo", exact=True).click(),
                 lambda: page.keyboard.press("Control+z")):
        page.mouse.move(box["x"] + box["width"] * 0.25, box["y"] + box["height"] * 0.25)  # a bar across the top
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.55, box["y"] + box["height"] * 0.22, steps=8)
        page.mouse.up()
        page.wait_for_function(f"document.querySelector('#seen img').src !== {one!r}", timeout=30_000)
        undo()
        page.wait_for_function(f"document.querySelector('#seen img').src === {one!r}", timeout=30_000)
        wait_for_answer(page, 1)
    page.locator("#sketchpad canvas").focus()
    page.keyboard.press("Escape")  # clears, from the keyboard
    wait_for_prompt(page)


def test_inside_the_models_updates_with_the_drawing(page):
    page.get_by_text("Inside the models", exact=False).first.click()
    page.wait_for_selector("#mlp-inside .inside-empty")
    mouse_draw(page, 2)
    wait_for_answer(page, 2)
    for column in ("#mlp-inside", "#lenet-inside"):
        page.wait_for_function(f"document.querySelectorAll('{column} figure img').length >= 4", timeout=30_000)
        assert "Why 2?" in page.locator(column).inner_text()
    before = page.locator("#lenet-inside").inner_html()
    page.locator("#why-not input").click()
    page.get_by_role("option", name="3", exact=True).click()
    page.wait_for_function("document.querySelector('#lenet-inside').innerText.includes('Why not 3?')", timeout=30_000)
    assert page.locator("#lenet-inside").inner_html() != before
    page.locator("#inside").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "inside.png"), full_page=True)
    page.get_by_role("button", name="Clear", exact=True).click()
    page.wait_for_selector("#lenet-inside .inside-empty", timeout=30_000)
    page.get_by_text("Inside the models", exact=False).first.click()  # closed again: no more work per stroke


def test_tapping_the_digit_stores_the_drawing_and_clears_the_pad(page):
    from demo import app

    before = app.state.drawings.count()
    mouse_draw(page, 6)
    wait_for_answer(page, 6, labels=("#lenet-label",))
    page.wait_for_selector("#keypad button.suggested", timeout=30_000)
    assert page.locator("#keypad button.suggested").inner_text() == "6"  # the models' answer, pre-selected
    page.locator("#keypad button.suggested").click()
    page.wait_for_function("document.querySelector('#thanks').innerText.includes('Thank you')", timeout=30_000)
    assert "Saved as a 6" in page.locator("#thanks").inner_text()
    wait_for_prompt(page)  # the pad cleared itself for the next digit
    page.wait_for_function("document.querySelector('#sketchpad [data-action=clear]').disabled", timeout=30_000)
    assert app.state.drawings.count() == before + 1
    page.get_by_role("tab", name="Our drawings").click()
    page.wait_for_function("document.querySelector('#drawings-accuracy').innerText.includes('lenet')", timeout=30_000)
    page.wait_for_selector("#drawings-latest img", timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "drawings.png"), full_page=True)
    page.get_by_role("tab", name="Draw", exact=True).click()


def test_training_curves_tab_shows_the_plots_and_the_mistakes(page):
    page.get_by_role("tab", name="Training curves").click()
    for plot in ("#curves-plot", "#confusion-plot"):
        page.wait_for_selector(f"{plot} img", timeout=30_000)
    page.wait_for_function("document.querySelector('#summary').innerText.includes('lenet')", timeout=30_000)
    assert "99." in page.locator("#summary").inner_text()  # the test accuracies from the metadata
    page.wait_for_function("document.querySelector('#mistakes-gallery').innerText.trim().length > 0", timeout=30_000)
    gallery = page.locator("#mistakes-gallery").inner_text()
    assert "predicted" in gallery or "python trainer/train.py" in gallery  # the digits, or how to make them
    page.screenshot(path=str(ARTIFACTS / "curves.png"), full_page=True)
    page.get_by_role("tab", name="Draw", exact=True).click()


def test_drawing_with_a_finger_on_a_phone(browser, app_url):
    """390x844 with touch: strokes starting at the pad's very edges count, nothing scrolls, answers stay in view."""
    phone = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=3)
    page = phone.new_page()
    page.goto(app_url)
    wait_for_prompt(page)
    finger = phone.new_cdp_session(page)
    box = pad_box(page)
    assert box["width"] >= 0.9 * PHONE["width"] and box["width"] == pytest.approx(box["height"], abs=1)
    scroll = page.evaluate("[window.scrollX, window.scrollY]")
    x = box["x"] + box["width"] * 0.5
    # A '1' from 2 % below the pad's top edge to 2 % above its bottom edge.
    touch_draw(page, finger, [(x, box["y"] + box["height"] * (0.02 + 0.96 * step / 30)) for step in range(31)])
    wait_for_answer(page, 1)
    assert page.evaluate("[window.scrollX, window.scrollY]") == scroll  # the finger drew; the page did not move
    for label in ("#mlp-label", "#lenet-label"):
        answer = page.locator(label).bounding_box()
        assert answer["y"] + 60 <= PHONE["height"], (label, answer)  # the top answer is on the first screen
    tabs = page.get_by_role("tab")
    assert tabs.count() == 4 and page.locator(".overflow-menu:visible").count() == 0  # every tab in sight
    for index in range(4):
        tab = tabs.nth(index).bounding_box()
        assert tab["x"] >= 0 and tab["x"] + tab["width"] <= PHONE["width"] and tab["y"] + tab["height"] <= PHONE["height"]
    for key in page.locator("#keypad button").all():  # a fingertip each: WCAG's enhanced 44x44
        size = key.bounding_box()
        assert size["width"] >= 44 and size["height"] >= 44, size
    page.screenshot(path=str(ARTIFACTS / "phone.png"))
    # A finger takes a moment to move from the pad to Clear; a tap within ~0.3 s of a drag's end is
    # taken by Chrome as part of that gesture and gives no click.
    page.wait_for_timeout(600)
    page.get_by_role("button", name="Clear", exact=True).tap()
    wait_for_prompt(page)
    # A '7' whose bar starts at the pad's left edge, drawn after Clear: the second digit counts too.
    bar = [(box["x"] + box["width"] * (0.02 + 0.7 * step / 20), box["y"] + box["height"] * 0.1) for step in range(21)]
    stem = [(box["x"] + box["width"] * (0.72 - 0.35 * step / 25), box["y"] + box["height"] * (0.1 + 0.85 * step / 25))
            for step in range(1, 26)]
    touch_draw(page, finger, bar + stem)
    wait_for_answer(page, 7, labels=("#lenet-label",))
    assert page.evaluate("[window.scrollX, window.scrollY]") == scroll
    label_with_the_thumb(page, 7)
    # And once more, without Clear: the keypad cleared the pad for the next digit, and the thank-you goes
    # as the next stroke starts.
    touch_draw(page, finger, [(x, box["y"] + box["height"] * (0.1 + 0.8 * step / 30)) for step in range(31)])
    assert page.locator("#thanks").inner_text().strip() == ""
    wait_for_answer(page, 1, labels=("#lenet-label",))
    label_with_the_thumb(page, 1)
    assert page.evaluate("[window.scrollX, window.scrollY]") == scroll
    phone.close()


def label_with_the_thumb(page, digit):
    """The keypad is on the first screen, under the answers: one tap on the suggested digit stores the drawing."""
    from demo import app

    keypad = page.locator("#keypad").bounding_box()
    assert keypad["y"] + keypad["height"] <= PHONE["height"], keypad  # no scrolling to label
    before = app.state.drawings.count()
    page.wait_for_selector("#keypad button.suggested", timeout=30_000)
    assert page.locator("#keypad button.suggested").inner_text() == str(digit)
    page.wait_for_timeout(600)  # a finger's way from the pad to the keypad (see Clear above)
    page.locator("#keypad button.suggested").tap()
    page.wait_for_function(f"document.querySelector('#thanks').innerText.includes('Saved as a {digit}.')",
                           timeout=30_000)
    wait_for_prompt(page)
    assert app.state.drawings.count() == before + 1
