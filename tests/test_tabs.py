"""Each tab is built by its own module: a page with only that tab renders, with its components."""
import json
import urllib.request

import gradio as gr
import pytest

from demo import app
from demo.curves_tab import CurvesTab
from demo.draw_tab import DrawTab
from demo.drawings_tab import DrawingsTab
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
