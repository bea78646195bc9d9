"""The app's words in the class's language: one JSON file per language in demo/locales/, read once.

No Gradio here. Each file maps keys to sentences with `{name}` placeholders; `_language` describes the
language itself (its name in its own words, direction, number format, and the locale codes browsers and
Gradio use for it). English (en.json) is the reference: every key exists there, and any key a language
lacks falls back to English, never to the key. Keys name their use:

    ui.*       static text of the page, translated in the browser by Gradio's gr.I18n (static_texts)
    client.*   words the app's own JavaScript shows (the pad, the keypad, the language menu), in the page
    anything else: sentences the server builds for a visitor (answers, messages, figures), via `Language.t`

Who gets which language: the link's ?lang= (a teacher shares one for the whole class; the language menu
sets it), else the browser's languages (Accept-Language), else English. demo/page_language.js does the
same in the browser before Gradio starts, so the page and the server agree.
"""
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

LOCALES = Path(__file__).resolve().parent / "locales"
REFERENCE = "en"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Texts whose English lives in the model registry (trainer/models.py): a language file may translate them.
REGISTRY_PREFIXES = ("model.", "inside.panel.")


@dataclass(frozen=True)
class Language:
    code: str  # the file's name: en, es, fr, de, pt, zh, ar
    name: str  # in its own words: "Deutsch"
    direction: str  # "ltr" or "rtl"
    decimal: str  # "." or ","
    group: str  # thousands: "," "." or a narrow no-break space
    percent_format: str  # "{number} %", "{number}%" ...
    browser_codes: tuple  # the codes browsers and Gradio give it, most specific first: ("pt-BR", "pt")
    strings: dict = field(repr=False)  # every key: this language's sentence, else English's

    def t(self, key, **values):
        """The sentence `key` with its placeholders filled (values are shown as they are given)."""
        return self.strings[key].format_map(values)

    def model_title(self, spec):
        """A registry model's title (trainer/models.py's ModelSpec) in this language, else its English."""
        return self.get(model_title_key(spec.name), spec.title)

    def get(self, key, english):
        """A text that lives outside the language files in English (a registry model's title or captions):
        this language's translation of it under `key`, else the English given."""
        return self.strings.get(key, english)

    def number(self, value, decimals=0):
        """1234.5 -> "1,234.5" / "1.234,5" / "1 234,5", as the language writes numbers."""
        text = f"{value:,.{decimals}f}"
        return text.translate({ord(","): "\0", ord("."): self.decimal}).replace("\0", self.group)

    def percent(self, share, decimals=2):
        """A share in [0, 1] (or None) -> "99.45 %" / "99,45 %"; "-" for None."""
        return "-" if share is None else self.percent_format.format(number=self.number(100 * share, decimals))


def model_title_key(name):
    """The key under which a language file may translate the title of the registry's model `name`."""
    return f"model.{name}.title"


class Sentence:
    """Something to tell a person, in whichever language they read: a key and the values for its placeholders.

    Values are shown the language's way: ints with its digit grouping, Sentences in the same language;
    anything else as str().
    """

    def __init__(self, key, **values):
        self.key, self.values = key, values

    def render(self, language=None):
        language = language or ENGLISH
        return language.t(self.key, **{name: _show(value, language) for name, value in self.values.items()})

    def __str__(self):
        return self.render(ENGLISH)

    def __repr__(self):
        return f"Sentence({self.key!r}, {self.values!r})"


def _show(value, language):
    if isinstance(value, Sentence):
        return value.render(language)
    if isinstance(value, int) and not isinstance(value, bool):
        return language.number(value)
    return str(value)


class SentenceError(Exception):
    """An error whose message is a Sentence: str() is English (logs, the command line); the page shows
    `sentence.render(visitor's language)`."""

    def __init__(self, key, **values):
        self.sentence = key if isinstance(key, Sentence) else Sentence(key, **values)
        super().__init__(str(self.sentence))


def _read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def load(folder=LOCALES):
    """{code: Language} from FOLDER/*.json, each completed with English."""
    files = {path.stem: _read(path) for path in sorted(Path(folder).glob("*.json"))}
    english = {key: text for key, text in files[REFERENCE].items() if not key.startswith("_")}
    languages = {}
    for code, entries in files.items():
        about = entries["_language"]
        own = {key: text for key, text in entries.items() if key in english or key.startswith(REGISTRY_PREFIXES)}
        languages[code] = Language(code, about["name"], about.get("direction", "ltr"), about["decimal"], about["group"],
                                   about["percent"], tuple(about.get("browser_codes", [code])), {**english, **own})
    return languages


LANGUAGES = load()
ENGLISH = LANGUAGES[REFERENCE]


def placeholders(text):
    return set(PLACEHOLDER.findall(text))


def match(code):
    """A language code as a link or a browser gives it ("de", "de-AT", "pt_BR", "zh-Hans-CN") -> our code, or None."""
    code = str(code or "").strip().replace("_", "-").lower()
    if not code:
        return None
    for language in LANGUAGES.values():
        if code in (browser.lower() for browser in language.browser_codes):
            return language.code
    base = code.split("-")[0]
    return base if base in LANGUAGES else None


def from_accept_language(header):
    """The browser's preferred languages (an Accept-Language header) -> our best code, or None."""
    ranked = []
    for position, part in enumerate(str(header or "").split(",")[:20]):
        code, _, quality = part.strip().partition(";q=")
        try:
            weight = float(quality) if quality else 1.0
        except ValueError:
            weight = 0.0
        ranked.append((-weight, position, code))
    return next((found for _, _, code in sorted(ranked) if (found := match(code))), None)


def choose(link_lang=None, accept_language=None):
    """The visitor's Language: the link's ?lang=, else the browser's languages, else English."""
    return LANGUAGES[match(link_lang) or from_accept_language(accept_language) or REFERENCE]


def for_request(request):
    """The Language of a Gradio request (its page's ?lang= and Accept-Language); English without one."""
    if request is None:
        return ENGLISH
    params = getattr(request, "query_params", None) or {}
    headers = getattr(request, "headers", None) or {}
    return choose(params.get("lang"), headers.get("accept-language"))


def keys_with_prefix(prefix):
    return [key for key in ENGLISH.strings if key.startswith(prefix)]


def client_texts():
    """What the page's own JavaScript needs: {code: {"name", "dir", "codes", "texts": {client.* key: text}}}."""
    return {code: {"name": language.name, "dir": language.direction, "codes": list(language.browser_codes),
                   "texts": {key: language.strings[key] for key in keys_with_prefix("client.")}}
            for code, language in LANGUAGES.items()}


def static_texts(registry_texts=None):
    """{browser code: {key: text}} for gr.I18n: the ui.* texts, and the registry's (`registry_texts`: {key:
    English}, a model's title say), under every code a browser may report for each language.

    Gradio's own key common.complete (what its status region announces) is given too: Gradio ships no
    text for it and would read out the key.
    """
    texts = {}
    for language in LANGUAGES.values():
        strings = {key: language.strings[key] for key in keys_with_prefix("ui.")}
        strings.update({key: language.get(key, english) for key, english in (registry_texts or {}).items()})
        strings["common.complete"] = language.strings["status.complete"]
        for code in language.browser_codes:
            texts[code] = strings
    return texts
