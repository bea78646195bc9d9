"""Each tab is built by its own module: a page with only that tab renders, with its components."""
import json
import urllib.request

import gradio as gr
import pytest

from demo import app, curves
from demo.curves_tab import CurvesTab
from demo.draw_tab import DrawTab
from demo.drawings_tab import DrawingsTab
from demo.i18n import ENGLISH
from testkit import servers

TABS = {
    "draw": (lambda tabs: DrawTab(app.state.models, app.state.drawings).build(), ["sketchpad", "keypad", "lenet-inside"]),
    "curves": (lambda tabs: CurvesTab(app.state.models).build(), ["curves-plot", "mistakes-gallery"]),
    "drawings": (lambda tabs: DrawingsTab(app.state.models, app.state.drawings).build(tabs), ["drawings-counts"]),
}


@pytest.mark.parametrize("name", TABS)
def test_a_page_with_only_this_tab_renders(name):
    build, elem_ids = TABS[name]
    with gr.Blocks() as page:
        with gr.Tabs() as tabs:
            build(tabs)
    url = servers.launch(page)
    try:
        html = urllib.request.urlopen(url, timeout=30).read().decode()
        config = json.loads(urllib.request.urlopen(f"{url.rstrip('/')}/config", timeout=30).read())
    finally:
        page.close()
    assert "<html" in html.lower()
    rendered = {component.get("props", {}).get("elem_id") for component in config["components"]}
    assert set(elem_ids) <= rendered, rendered


def test_the_curves_tab_shows_the_drawings_table_only_for_models_fine_tuned_on_drawings():
    tab = CurvesTab(app.state.models)
    assert tab.training_page()[4].visible is False  # the shipped models: trained on MNIST alone
    model = app.state.models.models["mlp"]
    extra = {"drawings": 60, "held_out": 12, "accuracy_before": 0.5, "accuracy_after": 0.9}
    original = model.metadata
    model.metadata = {**original, "evaluation": {**original.get("evaluation", {}), "extra_data": extra}}
    try:
        table = tab.training_page()[4]
    finally:
        model.metadata = original
    assert table.visible is True and [row[:3] for row in table.value["data"]] == [["mlp", 60, 12]]


def test_a_folder_with_one_model_after_one_epoch_shows_that_model_everywhere(tmp_path, mnist_dir):
    """A student's first run (`--models mlp --epochs 1`, here its dry run) in a folder of its own: its one epoch is
    a visible point, the gallery opens on it, and the table and curves keep showing what was loaded until Reload."""
    from demo.inference import ModelStore
    from trainer import train

    assert train.main(["--dry-run", "--models", "mlp", "--data-dir", str(mnist_dir), "--out-dir", str(tmp_path)]) == 0
    tab = CurvesTab(ModelStore(tmp_path))
    banner, summary, curves_html, confusion_html, _, gallery_model = tab.training_page()
    assert "LeNet" in banner and [row[0] for row in summary.value["data"]] == ["mlp", "lenet"]
    assert curves_html.count("<img") == 2 and "MLP validation" in curves_html  # the one epoch, drawn
    assert confusion_html.count("<img") == 1 and "MLP: " in confusion_html  # its title is text: never cut off
    assert gallery_model.choices == [("mlp", "mlp")] and gallery_model.value == "mlp"
    accuracy = curves.curves_charts({name: model.history for name, model in tab.models.models.items()}, ENGLISH)[0]
    axes = accuracy.figure.axes[0]
    assert axes.get_lines()[0].get_marker() == "o" and axes.get_xlim()[0] < 1 < axes.get_xlim()[1]

    log = tmp_path / "mlp.log"
    log.write_text(log.read_text() + log.read_text().replace("Epoch[1]", "Epoch[2]"))  # a second epoch lands on disk
    assert tab.training_page()[2] == curves_html  # the curves still describe the models answering ...
    assert tab.reload()[2] != curves_html  # ... until Reload loads the new files, table and curves together


def test_the_curves_tab_names_a_missing_model_in_the_page_language(tmp_path):
    from demo.i18n import LANGUAGES
    from demo.inference import ModelStore
    from trainer.models import MODELS

    german = LANGUAGES["de"]
    banner = CurvesTab(ModelStore(tmp_path)).status_banner(german)  # an empty folder: no model is there
    for spec in MODELS.values():
        assert german.model_title(spec) in banner and german.model_title(spec) != spec.title
