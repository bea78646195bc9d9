"""The page's side of the languages (demo/i18n.py): Gradio's static texts, the head script, the language
menu, and the one way callbacks tell people what went wrong.

- `ui(key)`: a static text of the layout (a tab's name, a button), translated in the browser by gr.I18n.
- `head()` (put first in the page by the HeadFirst middleware): runs before Gradio starts: picks the
  language (?lang=, else the one chosen before, else the browser's), keeps it in the link (so every call
  the page makes carries it to the server), tells Gradio (its locale follows navigator.language), sets
  <html lang dir> and gives the app's own JavaScript its words (`window.digitDemo.text(key)`).
- `for_people`: wraps a callback so that a refusal (a SentenceError) reaches the person as one sentence
  in their language, and anything unexpected as a plain "something went wrong", its details logged once
  per kind instead of a traceback per request.
"""
import contextlib
import functools
import inspect
import json
import logging
import threading
from pathlib import Path

import gradio as gr
from gradio.i18n import I18nData

from demo import i18n
from trainer.models import MODELS

HERE = Path(__file__).resolve().parent
log = logging.getLogger("demo")


def registry_texts():
    """{key: English} of the texts the model registry holds (trainer/models.py) that the page shows as they are."""
    return {i18n.model_title_key(name): spec.title for name, spec in MODELS.items()}


def ui(key):
    """A static text of the layout: the browser shows it in the page's language (gr.I18n)."""
    if not (key.startswith("ui.") and key in i18n.ENGLISH.strings) and key not in registry_texts():
        raise KeyError(f"{key!r} is neither a ui.* key of demo/locales/en.json nor a registry text")
    return I18nData(key)


def gradio_i18n():
    return gr.I18n(**i18n.static_texts(registry_texts()))


def head():
    """The <script> that chooses the page's language before Gradio starts (demo/page_language.js)."""
    texts = json.dumps(i18n.client_texts(), ensure_ascii=False).replace("</", "<\\/")
    script = (HERE / "page_language.js").read_text(encoding="utf-8")
    return f"<script>\nconst DIGIT_DEMO_LANGUAGES = {texts};\n{script}</script>"


class HeadFirst:
    """ASGI middleware that puts `html` first in the <head> of every page the app serves.

    Gradio's own `head` option inserts its HTML from JavaScript once the page has started, after Gradio
    chose its locale from the browser; the page's language must be chosen before (`head`). Pages sent
    compressed or in pieces Gradio does not make here pass unchanged.
    """

    def __init__(self, app, html):
        self.app, self.html = app, html.encode("utf-8")

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET":
            return await self.app(scope, receive, send)
        held, body = None, []

        async def rewrite(message):
            nonlocal held
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or [])
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    held = message  # sent with the new length once the whole page is here
                    return
            elif held is not None:
                body.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                page = b"".join(body).replace(b"<head>", b"<head>" + self.html, 1)
                headers = [(name, value) for name, value in held.get("headers", []) if name != b"content-length"]
                await send({**held, "headers": headers + [(b"content-length", str(len(page)).encode())]})
                message = {"type": "http.response.body", "body": page}
            await send(message)

        await self.app(scope, receive, rewrite)


LANGUAGE_MENU_HTML = """
<label class="language-menu"><span data-text="client.language"></span>
  <select aria-label="${window.digitDemo.text('client.language')}">${Object.entries(DIGIT_DEMO_LANGUAGES).map(([code, language]) =>
    `<option value="${code}" lang="${code}" ${code === window.digitDemo.lang ? "selected" : ""}>${language.name}</option>`).join("")}
  </select></label>
"""
LANGUAGE_MENU_JS = """
element.querySelector("[data-text]").textContent = window.digitDemo.text("client.language");
element.querySelector("select").addEventListener("change", (event) => window.digitDemo.switchTo(event.target.value));
"""


def language_menu():
    """The visible way to switch: a menu of the languages, each named in its own words (reloads the page)."""
    return gr.HTML(html_template=LANGUAGE_MENU_HTML, js_on_load=LANGUAGE_MENU_JS, apply_default_css=False,
                   elem_id="language-menu")


# ------------------------------------------------------------------------------ errors shown to people


_logged_kinds = set()
_logged_lock = threading.Lock()


def _first_time(kind):
    with _logged_lock:
        if kind in _logged_kinds:
            return False
        _logged_kinds.add(kind)
        return True


def shown(error, language):
    """An exception -> the gr.Error a person sees: a refusal's sentence, or a plain apology (details logged once)."""
    if isinstance(error, gr.Error):  # already a sentence for the page: shown, not logged as a traceback
        error.print_exception = False
        return error
    if isinstance(error, i18n.SentenceError):
        if _first_time(("refused", error.sentence.key)):
            log.info("refused (logged once for this kind): %s", error)
        return gr.Error(error.sentence.render(language), print_exception=False)
    if _first_time(("failed", type(error).__name__, str(error)[:40])):
        log.error("unexpected error (logged once for this kind)", exc_info=error)
    return gr.Error(language.t("error.unexpected"), print_exception=False)


def _request_of(arguments):
    return next((value for value in arguments if isinstance(value, gr.Request)), None)


def for_people(callback):
    """Wrap a Gradio callback (plain or coroutine) so that every error reaches people as `shown` says.

    The signature is kept (Gradio reads it to pass gr.Request and event data).
    """
    @contextlib.contextmanager
    def told_to_people(args, kwargs):
        try:
            yield
        except Exception as error:
            raise shown(error, i18n.for_request(_request_of([*args, *kwargs.values()]))) from None

    if inspect.iscoroutinefunction(callback):
        @functools.wraps(callback)
        async def wrapped(*args, **kwargs):
            with told_to_people(args, kwargs):
                return await callback(*args, **kwargs)
    else:
        @functools.wraps(callback)
        def wrapped(*args, **kwargs):
            with told_to_people(args, kwargs):
                return callback(*args, **kwargs)
    return wrapped
