"""The languages: every file complete, placeholders kept, numbers written each language's way, the choice of language."""
import json

import pytest

from demo import i18n
from demo.i18n import LANGUAGES, LOCALES, Sentence, placeholders
from trainer.models import MODELS

SHIPPED = ("en", "es", "fr", "de", "pt", "zh", "ar")


def registry_english():
    """{key: English} of the registry's texts (model titles, inside-view captions) that language files translate."""
    texts = {}
    for name, spec in MODELS.items():
        texts[f"model.{name}.title"] = spec.title
        texts.update({f"inside.panel.{name}.{panel.key}": panel.caption for panel in spec.panels})
    return texts


def test_at_least_seven_languages_ship_one_right_to_left_and_one_in_chinese_characters():
    assert set(SHIPPED) <= set(LANGUAGES)
    assert LANGUAGES["ar"].direction == "rtl" and all(LANGUAGES[code].direction == "ltr" for code in SHIPPED if code != "ar")
    assert any("\u4e00" <= character <= "\u9fff" for character in LANGUAGES["zh"].t("ui.tab.draw"))


@pytest.mark.parametrize("code", [code for code in SHIPPED if code != "en"])
def test_every_key_is_translated_with_the_same_placeholders(code):
    english = json.loads((LOCALES / "en.json").read_text(encoding="utf-8"))
    own = json.loads((LOCALES / f"{code}.json").read_text(encoding="utf-8"))
    expected = {key: text for key, text in english.items() if not key.startswith("_")} | registry_english()
    missing = sorted(set(expected) - set(own))
    unknown = sorted(set(own) - set(expected) - {"_language"})
    assert not missing and not unknown, f"{code}.json: missing {missing[:10]}, unknown {unknown[:10]}"
    changed = [key for key, text in expected.items() if placeholders(own[key]) != placeholders(text)]
    assert not changed, f"{code}.json: placeholders differ in {changed[:10]}"
    untranslated = [key for key, text in expected.items() if own[key] == text and any(c.isalpha() for c in text)
                    and not key.startswith("model.")]
    assert len(untranslated) <= 6, f"{code}.json: still English: {untranslated}"  # a few are names (MNIST, ...)


@pytest.mark.parametrize("code", SHIPPED)
def test_each_language_describes_itself(code):
    about = json.loads((LOCALES / f"{code}.json").read_text(encoding="utf-8"))["_language"]
    assert about["name"] and about["direction"] in ("ltr", "rtl") and "{number}" in about["percent"]
    assert about["decimal"] != about["group"] and about["browser_codes"]


@pytest.mark.parametrize("code, share, expected", [
    ("en", 0.9945, "99.45 %"), ("de", 0.9945, "99,45 %"), ("fr", 0.9945, "99,45\u202f%"),
    ("es", 0.9945, "99,45 %"), ("pt", 0.9945, "99,45%"), ("zh", 0.9945, "99.45%"), ("ar", 0.9945, "99.45٪"),
])
def test_numbers_are_written_the_languages_way(code, share, expected):
    assert LANGUAGES[code].percent(share) == expected


def test_thousands_are_grouped_the_languages_way():
    assert LANGUAGES["en"].number(12345) == "12,345" and LANGUAGES["de"].number(12345) == "12.345"
    assert LANGUAGES["de"].number(1234.56, 1) == "1.234,6"


@pytest.mark.parametrize("link, header, expected", [
    ("es", "de-DE,de;q=0.9", "es"),  # a link's ?lang= wins
    (None, "de-DE,de;q=0.9,en;q=0.8", "de"),
    (None, "pt-BR", "pt"), (None, "zh-TW,zh;q=0.9", "zh"), (None, "ar-EG", "ar"),
    (None, "sw,fr;q=0.5", "fr"),  # the first language we have
    (None, "fr;q=0.2,es;q=0.9", "es"),  # by quality, not position
    ("xx", "ja", "en"), (None, None, "en"), ("", "", "en"),
])
def test_the_language_is_the_links_else_the_browsers_else_english(link, header, expected):
    assert i18n.choose(link, header).code == expected


def test_a_key_missing_in_a_language_falls_back_to_english_never_to_the_key(tmp_path):
    (tmp_path / "en.json").write_text(json.dumps({"_language": {"name": "English", "decimal": ".", "group": ",",
                                                                "percent": "{number} %"},
                                                  "a.one": "One {n}", "a.two": "Two"}), encoding="utf-8")
    (tmp_path / "xx.json").write_text(json.dumps({"_language": {"name": "X", "decimal": ",", "group": ".",
                                                                "percent": "{number} %"}, "a.one": "Eins {n}"}),
                                      encoding="utf-8")
    languages = i18n.load(tmp_path)
    assert languages["xx"].t("a.one", n=1) == "Eins 1" and languages["xx"].t("a.two") == "Two"


def test_a_sentence_renders_its_values_in_the_language():
    sentence = Sentence("drawings.full", count=100000)
    assert str(sentence).startswith("Thank you!") and "100,000" in str(sentence)
    assert "100.000" in sentence.render(LANGUAGES["de"]) and sentence.render(LANGUAGES["de"]) != str(sentence)


# ------------------------------------------------------- what the server says, in a second language

GERMAN = LANGUAGES["de"]


def test_the_answers_and_the_models_lines_come_in_the_visitors_language():
    import asyncio
    from types import SimpleNamespace

    from demo import app
    from demo.draw_tab import DrawTab
    from testkit.pad_digits import pad_value

    tab = DrawTab(app.state.models, app.state.drawings)
    german = SimpleNamespace(query_params={"lang": "de"}, headers={})
    mlp, lenet, mlp_line, lenet_line, seen = asyncio.run(tab.predict(json.dumps(pad_value(7)), german))
    assert lenet["label"] == "7"
    assert "Testziffern" in lenet_line and "99,45 %" in lenet_line and "MNIST test digits" not in lenet_line
    assert f'alt="{GERMAN.t("answer.seen_alt")}"' in seen
    blank = tab.answers(None, language=GERMAN)
    assert blank[0]["label"] == GERMAN.t("answer.prompt") != i18n.ENGLISH.t("answer.prompt")


def test_refusals_and_failures_reach_a_visitor_as_one_sentence_in_their_language():
    import gradio as gr

    from demo.i18n_page import for_people
    from demo.preprocess import parse_pad_value

    german = gr.Request(query_params={"lang": "de"}, headers={})  # what Gradio passes a callback

    def read(value, request: gr.Request):
        return parse_pad_value(value)

    def broken(request: gr.Request):
        raise MemoryError("Unable to allocate 233. GiB")

    with pytest.raises(gr.Error) as refused:
        for_people(read)("{not json", german)
    assert refused.value.message == GERMAN.t("canvas.not_json") != i18n.ENGLISH.t("canvas.not_json")
    with pytest.raises(gr.Error) as failed:
        for_people(broken)(german)
    assert failed.value.message == GERMAN.t("error.unexpected") and "233" not in failed.value.message


def test_the_teachers_room_speaks_the_teachers_language(tmp_path):
    from demo.drawings import DrawingStore
    from demo.teacher import Refused, TeacherGate
    from demo.teacher_tab import TeacherTab
    from test_teacher import KEY, fill

    store = DrawingStore(tmp_path / "d.sqlite")
    fill(store, count=3)
    tab = TeacherTab(TeacherGate(KEY), None, store, None)
    overview = tab.overview(GERMAN)
    assert "Zeichnungen" in overview and "drawings labelled" not in overview
    first = store.latest(1)[0].id
    assert tab.remove(str(first), GERMAN) == GERMAN.t("teacher.removed", removed="1", left="2")
    with pytest.raises(Refused) as refused:
        tab.remove("12x", GERMAN)
    assert refused.value.sentence.render(GERMAN) == GERMAN.t("teacher.remove_which", value="'12x'")
    assert tab.watch(GERMAN)[0] == GERMAN.t("teacher.no_finetune_yet")
