"""Every student in the room (issue #30), in a real browser: the page in each language, right to left in
Arabic, WCAG 2.1 AA as axe-core checks it, and a keyboard-only path through a student's and a teacher's work.

Needs Debian's Chromium (testkit/chromium.py) and axe-playwright-python (it ships axe-core; nothing is
downloaded). The fonts a screenshot needs for Chinese (fonts-noto-cjk) are not needed: the checks read the
page's text, not its pixels.
"""
import json
import re

import pytest

from demo import i18n
from demo.app import Config, build_app, launch_options
from test_browser import mouse_draw, wait_for_answer
from test_teacher import KEY, fill, write_tiny_mnist
from testkit import chromium, servers
from testkit.chromium import PHONE

pytestmark = pytest.mark.skipif(not chromium.available(), reason=f"no Chromium at {chromium.CHROMIUM}")
QUICK_RUN = ("--dry-run", "--validation-size", "100")
TABS = ("draw", "curves", "drawings", "teacher")
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def class_url(tmp_path_factory):
    """The app as a class has it: the teacher's room on, drawings in the store, a quick fine-tune."""
    folder = tmp_path_factory.mktemp("class")
    tiny = write_tiny_mnist(folder / "mnist")
    app = build_app(Config(drawings_db=str(folder / "drawings.sqlite"), teacher_key=KEY, drawings_db_configured=True,
                           finetune_flags=QUICK_RUN, mnist_dir=str(tiny)))
    fill(app.drawings, count=12)
    yield servers.launch(app.demo, **launch_options()), app
    app.demo.close()
    app.tuner.stop()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = chromium.launch(playwright)
        yield launched
        launched.close()


def open_page(browser, url, locale="en-US", viewport=None, query=""):
    context = browser.new_context(locale=locale, viewport=viewport or {"width": 1280, "height": 1000},
                                  accept_downloads=True)
    page = context.new_page()
    page.goto(url + query)
    page.wait_for_function("(document.querySelector('#lenet-label')?.innerText || '').includes('✏')", timeout=30_000)
    return page


def open_tab(page, index):
    """Open a tab and wait until its own refresh (tables, charts) has arrived and settled: while it runs, Gradio
    dims its outputs (.pending, opacity 0.2, then a 0.15 s fade back), which axe reads as low contrast. Settled
    means no .pending for a whole second, so a refresh that has not started yet, or a chained one, still counts."""
    page.get_by_role("tab").nth(index).click()
    page.evaluate("window.lastPending = performance.now()")
    page.wait_for_function("""() => {
        if (document.querySelector('.pending')) window.lastPending = performance.now();
        return performance.now() - window.lastPending > 1000;
    }""", polling=50, timeout=30_000)


def english_fragments(language):
    """Pieces of the app's English that a page in `language` must not show: every English text the language
    translates differently, cut at its placeholders and Markdown, the pieces of three words or more."""
    english = i18n.ENGLISH.strings
    fragments = set()
    for key, text in english.items():
        if language.strings[key] == text:
            continue
        for piece in re.split(r"\{\w+\}|\*\*|`|#+ |\n", text):
            piece = piece.strip(" .,:;()")
            if len(piece.split()) >= 3:
                fragments.add(piece)
    return fragments


def page_words(page):
    """What a person sees or hears: the visible text, and the pictures' and controls' names."""
    return page.evaluate("""() => [document.body.innerText,
        ...[...document.querySelectorAll('[alt], [aria-label]')].filter((e) => e.offsetParent !== null)
            .map((e) => e.getAttribute('alt') || e.getAttribute('aria-label'))].join('\\n')""")


@pytest.mark.parametrize("code", [code for code in i18n.LANGUAGES if code != "en"])
def test_no_english_word_of_the_apps_own_is_left_on_any_tab(browser, class_url, code):
    url, _ = class_url
    language = i18n.LANGUAGES[code]
    page = open_page(browser, url, locale=language.browser_codes[0])
    assert page.evaluate("document.documentElement.lang") == language.browser_codes[0]
    assert page.title() == language.t("client.title")
    mouse_draw(page, 7)
    wait_for_answer(page, 7, labels=("#lenet-label",))
    page.locator("#inside").get_by_role("button").first.click()  # open the inside view
    page.wait_for_selector("#lenet-inside figure img", timeout=30_000)
    page.locator("#upload").get_by_role("button").first.click()  # and the upload
    seen = {}
    seen["draw"] = page_words(page)
    for index, name in enumerate(TABS[1:], start=1):
        open_tab(page, index)
        seen[name] = page_words(page)
    fragments = english_fragments(language)
    left = {tab: sorted(fragment for fragment in fragments if fragment in words) for tab, words in seen.items()}
    assert not any(left.values()), left
    # The server's own sentences are in the language too: the models' lines, the thank-you.
    draw = seen["draw"]
    assert language.t("answer.test_accuracy", accuracy="", count=language.number(10_000)).strip() in draw
    page.context.close()


def test_the_answers_and_messages_come_in_the_chosen_language(browser, class_url):
    url, app = class_url
    german = i18n.LANGUAGES["de"]
    page = open_page(browser, url, query="?lang=de")  # a shared link wins over the browser's English
    assert page.evaluate("document.documentElement.lang") == "de"
    assert page.get_by_role("tab").first.inner_text() == german.t("ui.tab.draw")  # Gradio's static texts too
    mouse_draw(page, 7)
    wait_for_answer(page, 7, labels=("#lenet-label",))
    page.wait_for_function("""(document.querySelector('#announcer [aria-live]')?.textContent || '')
                              .includes('LeNet liest 7')""", timeout=30_000)
    page.locator("#keypad button.suggested").click()
    thanks = german.t("label.thanks", digit=7, mine="X", total="Y").split("X")[0]
    page.wait_for_function(f"document.querySelector('#thanks').innerText.includes({thanks!r})", timeout=30_000)
    assert "99,45 %" in page.locator("#lenet-info").inner_text()  # numbers written the German way
    page.context.close()


def test_the_language_menu_switches_and_the_choice_stays_with_the_browser(browser, class_url):
    url, _ = class_url
    page = open_page(browser, url, query="?lang=es")
    assert page.get_by_role("tab").first.inner_text() == i18n.LANGUAGES["es"].t("ui.tab.draw")
    page.locator("#language-menu select").select_option("fr")
    page.wait_for_url(re.compile(r"lang=fr"), timeout=30_000)
    page.wait_for_function("(document.querySelector('#lenet-label')?.innerText || '').includes('✏')", timeout=30_000)
    assert page.get_by_role("tab").first.inner_text() == i18n.LANGUAGES["fr"].t("ui.tab.draw")
    page.goto(url)  # no ?lang= in the link: the choice made in the menu
    page.wait_for_url(re.compile(r"lang=fr"), timeout=30_000)
    page.context.close()


def test_arabic_reads_right_to_left_while_the_pad_digits_and_pictures_do_not_mirror(browser, class_url):
    url, _ = class_url
    page = open_page(browser, url, locale="ar")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('#intro .prose')).direction") == "rtl"
    keys = [box["x"] for box in (button.bounding_box() for button in page.locator("#keypad button").all())]
    assert keys[:5] == sorted(keys[:5])  # 0, 1, 2, ... from left to right, as digits are written everywhere
    canvas = page.locator("#sketchpad canvas")
    assert canvas.evaluate("(c) => getComputedStyle(c).transform") == "none"
    mouse_draw(page, 7)  # a 7 drawn left to right is read as a 7: nothing in the pad is mirrored
    wait_for_answer(page, 7)
    page.context.close()


@pytest.mark.parametrize("code", ["en", "ar"])
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 1000}, PHONE], ids=["desktop", "phone"])
def test_axe_finds_nothing_critical_or_serious_on_any_tab(browser, class_url, code, viewport):
    from axe_playwright_python.sync_playwright import Axe

    url, _ = class_url
    page = open_page(browser, url, locale=i18n.LANGUAGES[code].browser_codes[0], viewport=viewport)

    def serious():
        results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
        return [(violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]][:3])
                for violation in results.response["violations"] if violation["impact"] in ("critical", "serious")]

    found = {"draw, before drawing": serious()}
    mouse_draw(page, 3)
    wait_for_answer(page, 3, labels=("#lenet-label",))
    page.locator("#inside").get_by_role("button").first.click()  # everything the Draw tab can show, open
    page.wait_for_selector("#lenet-inside figure img", timeout=30_000)
    page.locator("#upload").get_by_role("button").first.click()
    for index, name in enumerate(TABS):
        if index:
            open_tab(page, index)
        found[name] = serious()
    assert not any(found.values()), json.dumps(found, indent=1)
    page.context.close()


def press_tab_to(page, selector, limit=80):
    """Tab until the focus is on `selector` (or inside it), as a keyboard user moves; its focus must be visible."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement?.closest({selector!r}) !== null"):
            visible = page.evaluate("""() => { const style = getComputedStyle(document.activeElement);
                return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 || style.boxShadow !== 'none'; }""")
            assert visible, f"no visible focus on {selector}"
            return
    raise AssertionError(f"Tab never reached {selector}")


def choose_with_keys(page, group, text):
    """Tab to the radio button of `group` that reads `text` and take it with Space; returns its label.
    (Gradio gives each of its radio buttons a name of its own: each is a stop of Tab, not of the arrow keys.)"""
    for _ in range(12):
        press_tab_to(page, f"{group} input[type=radio]")
        label = page.evaluate("document.activeElement.closest('label').innerText.trim()")
        if text in label:
            page.keyboard.press("Space")
            page.wait_for_function("document.activeElement.checked === true", timeout=10_000)
            return label
    raise AssertionError(f"no {text!r} in {group}")


def test_a_keyboard_alone_labels_a_drawing_and_runs_the_teachers_room(browser, class_url, tmp_path):
    """Everything but drawing itself: label, upload, the inside view, unlock, download, remove, fine-tune, switch."""
    url, app = class_url
    page = open_page(browser, url)
    mouse_draw(page, 4)  # drawing itself is the one thing done with a pointer
    wait_for_answer(page, 4, labels=("#lenet-label",))
    before = app.drawings.count()
    press_tab_to(page, "#keypad button.suggested")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#thanks').innerText.includes('Saved as a 4')", timeout=30_000)
    assert app.drawings.count() == before + 1

    press_tab_to(page, "#inside button")  # the inside view opens from the keyboard ...
    page.keyboard.press("Enter")
    press_tab_to(page, "#upload button")  # ... and so does the upload, with the system's file chooser
    page.keyboard.press("Enter")
    with page.expect_file_chooser() as chooser:
        press_tab_to(page, "#picture button, #picture [role=button], #picture input")
        page.keyboard.press("Enter")
    chooser.value.set_files("examples/digit_on_paper.jpg")
    wait_for_answer(page, 4, labels=("#lenet-label",))

    press_tab_to(page, "#teacher-tab-button")
    page.keyboard.press("Enter")
    press_tab_to(page, "#teacher-key input")
    page.keyboard.type(KEY)
    page.keyboard.press("Enter")
    page.wait_for_selector("#teacher-room", state="visible", timeout=30_000)
    press_tab_to(page, "#teacher-download")
    with page.expect_download(timeout=60_000) as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".zip")
    press_tab_to(page, "#teacher-picker button")
    page.keyboard.press("Enter")  # selects that drawing
    page.wait_for_selector("#teacher-picker button.selected", timeout=30_000)
    press_tab_to(page, "#teacher-remove")
    page.keyboard.press("Enter")
    press_tab_to(page, "#teacher-yes")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#teacher-removed').innerText.includes('removed')", timeout=30_000)
    assert app.drawings.count() == before
    press_tab_to(page, "#teacher-start")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#teacher-status').innerText.includes('finished')", timeout=300_000)
    run_label = choose_with_keys(page, "#teacher-runs", "run ")
    press_tab_to(page, "#teacher-use")
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelector('#teacher-switched').innerText.includes({run_label!r})", timeout=30_000)
    choose_with_keys(page, "#teacher-runs", "the shipped models")
    press_tab_to(page, "#teacher-use")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#teacher-switched').innerText.includes('the shipped models')",
                           timeout=30_000)
    press_tab_to(page, "#teacher-lock-again")
    page.keyboard.press("Enter")
    page.wait_for_selector("#teacher-key input", state="visible", timeout=30_000)
    page.context.close()
