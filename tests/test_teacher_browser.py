"""The teacher's room in a real browser: unlock, download, remove a drawing, fine-tune with live curves, switch, draw, switch back.

Needs Debian's Chromium (testkit/chromium.py). A fine-tune here is the trainer's real code path on tiny
synthetic MNIST files, two short epochs, so that its curves appear and move within seconds.
"""
import re
import zipfile

import pytest

from demo.app import Config, build_app, launch_options
from test_browser import ARTIFACTS, mouse_draw, wait_for_answer
from test_teacher import KEY, fill, write_tiny_mnist
from testkit import chromium, servers

pytestmark = pytest.mark.skipif(not chromium.available(), reason=f"no Chromium at {chromium.CHROMIUM}")
FLAGS = ("--epochs", "2", "--batch-size", "16", "--validation-size", "100")


@pytest.fixture(scope="module")
def teacher_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("teacher-browser")
    tiny = write_tiny_mnist(folder / "mnist", train=2000, test=200)
    app = build_app(Config(drawings_db=str(folder / "drawings.sqlite"), teacher_key=KEY, drawings_db_configured=True,
                           finetune_flags=FLAGS, mnist_dir=str(tiny)))
    fill(app.drawings)
    yield servers.launch(app.demo, **launch_options())
    app.demo.close()
    app.tuner.stop()


@pytest.fixture(scope="module")
def page(teacher_url):
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = chromium.launch(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, accept_downloads=True)
        page.goto(teacher_url)
        yield page
        browser.close()


def text_of(page, selector):
    return page.locator(selector).inner_text()


def wait_for_text(page, selector, text, timeout=60_000):
    page.wait_for_function(f"(document.querySelector({selector!r})?.innerText || '').includes({text!r})",
                           timeout=timeout)


def test_a_wrong_key_is_refused_and_the_right_one_opens_the_room(page):
    page.get_by_role("tab", name="Teacher").click()
    page.locator("#teacher-key input").fill("a guess")
    page.locator("#teacher-unlock").click()
    wait_for_text(page, "#teacher-refusal", "not the teacher's key")
    assert not page.locator("#teacher-room").is_visible()
    assert page.locator("#teacher-key input").input_value() == ""  # the key never stays on the page
    page.locator("#teacher-key input").fill(KEY)
    page.locator("#teacher-key input").press("Enter")
    wait_for_text(page, "#teacher-overview", "30 drawings")
    assert page.locator("#teacher-picker button").count() == 30


def test_the_teacher_downloads_the_drawings_in_one_click_twice(page, tmp_path):
    for attempt in range(2):  # a button that works once is a bug
        with page.expect_download(timeout=60_000) as download:
            page.locator("#teacher-download").click()
        path = tmp_path / f"drawings-{attempt}.zip"
        download.value.save_as(path)
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        folder = names[0].split("/")[0]
        assert folder.startswith("drawings-") and all(name.startswith(folder + "/") for name in names)
        assert {f"{folder}/train-images-idx3-ubyte.gz", f"{folder}/README.txt"} <= set(names)


def test_the_unlock_lasts_across_a_reload_until_lock(page, teacher_url):
    page.reload()
    page.get_by_role("tab", name="Teacher").click()
    wait_for_text(page, "#teacher-overview", "30 drawings")  # no key asked again: this browser was unlocked
    assert not page.locator("#teacher-lock").is_visible()


def test_the_teacher_removes_one_drawing_after_confirming(page):
    first = page.locator("#teacher-picker button").first
    removed_id = first.get_attribute("data-id")
    first.click()
    page.wait_for_selector("#teacher-picker button.selected")
    page.locator("#teacher-remove").click()
    wait_for_text(page, "#teacher-confirm", f"#{removed_id}")
    page.locator("#teacher-yes").click()
    wait_for_text(page, "#teacher-removed", "1 removed; 29 drawings left.")
    wait_for_text(page, "#teacher-overview", "29 drawings")
    assert page.locator(f"#teacher-picker button[data-id='{removed_id}']").count() == 0
    assert not page.locator("#teacher-confirm").is_visible()


def test_a_fine_tune_shows_its_curves_moving_then_its_summary(page):
    page.locator("#teacher-start").click()
    wait_for_text(page, "#teacher-status", "started")
    page.wait_for_selector("#teacher-curves img", timeout=120_000)
    first = page.locator("#teacher-curves img").get_attribute("src")
    page.wait_for_function(f"document.querySelector('#teacher-curves img')?.src !== {first!r}", timeout=120_000)
    page.screenshot(path=str(ARTIFACTS / "teacher.png"), full_page=True)
    wait_for_text(page, "#teacher-status", "finished", timeout=300_000)
    assert "held-out drawings" in text_of(page, "#teacher-status") and "MNIST test" in text_of(page, "#teacher-status")


def test_the_teacher_switches_everyone_to_the_run_and_back(page):
    page.locator("#teacher-runs").get_by_role("radio", name=re.compile("run 20")).first.check()
    page.locator("#teacher-use").click()
    wait_for_text(page, "#teacher-switched", "Now answering everyone: the models of run")
    page.get_by_role("tab", name="Draw", exact=True).click()
    mouse_draw(page, 7)
    wait_for_answer(page, 7, labels=("#lenet-label",))
    page.wait_for_function("document.body.innerText.includes('fine-tuned on 29 of our drawings')", timeout=30_000)
    page.get_by_role("button", name="Clear", exact=True).click()
    page.get_by_role("tab", name="Teacher").click()
    page.locator("#teacher-runs").get_by_role("radio", name="the shipped models").check()
    page.locator("#teacher-use").click()
    wait_for_text(page, "#teacher-switched", "Now answering everyone: the shipped models.")


def test_lock_ends_the_unlock_for_this_browser(page):
    page.locator("#teacher-lock-again").click()
    page.wait_for_selector("#teacher-key input", state="visible", timeout=30_000)
    page.reload()
    page.get_by_role("tab", name="Teacher").click()
    page.wait_for_selector("#teacher-key input", state="visible", timeout=30_000)
    page.wait_for_timeout(1500)  # the tab's refresh has run: the room stays closed
    assert not page.locator("#teacher-room").is_visible()
