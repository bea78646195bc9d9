"""Inside the models, on the page: the panel under the Draw tab that shows every layer of every model.

The maths is demo/inside.py's, the pictures demo/inside_pictures.py's; this module turns them into
one HTML column per model (each picture an inline PNG with a caption for students, in the visitor's
language) and builds the accordion. The pad's value reaches the panel only while it is open, relayed
in the browser, so a closed panel costs the server nothing per stroke.
"""
import gradio as gr
import numpy as np

from demo import i18n, inside_pictures
from demo.i18n import ENGLISH
from demo.i18n_page import for_people, ui
from demo.inline import inline_png
from demo.inside import inside_json
from demo.pad import read_pad
from trainer.models import MODELS

RELAY_WHILE_OPEN_JS = "(drawing, open, relayed) => open ? drawing : relayed"


def placeholder(language=ENGLISH):
    return f'<p class="inside-empty">{language.t("ui.inside.empty")}</p>'


def figure(picture, alt, caption, title=None):
    heading = f"<strong>{title}</strong><br>" if title else ""
    return f'<figure class="inside-panel">{inline_png(picture, alt)}<figcaption>{heading}{caption}</figcaption></figure>'


def model_html(model, inside, image, why_not=None, language=ENGLISH):
    """One model's column. model: demo.inference.LoadedModel; inside: demo.inside.Inside; image: (28, 28).

    why_not: a digit to explain beside the answer ("why not 9?"), or None.
    """
    if model.reader is None:
        return f"<p>{model.error}</p>"
    title = language.model_title(model.spec)
    parts = [figure(picture, language.t("inside.panel_alt", model=title, caption=caption.split(":")[0]), caption)
             for key, caption, picture in inside_pictures.model_panels(model.spec, inside, model.reader.weights, image,
                                                                        language)]
    targets = [inside.predicted] + ([why_not] if why_not is not None and why_not != inside.predicted else [])
    for target in targets:
        verb = "inside.why" if target == inside.predicted else "inside.why_not"
        heading = language.t(verb, digit=target, percent=language.percent(float(inside.probabilities[target]), 1))
        parts.append(figure(inside_pictures.saliency_panel(inside.saliency[target], image),
                            language.t("inside.saliency_alt", model=title, heading=heading),
                            language.t("inside.saliency_caption"), heading))
    return "".join(parts)


def columns_html(models, image, insides, why_not=None, language=ENGLISH):
    """One HTML column per registered model. image: (1, 1, 28, 28) or None (blank); insides: {name: Inside}."""
    if image is None:
        return tuple(placeholder(language) for _ in MODELS)
    plain = np.asarray(image)[0, 0]
    return tuple(model_html(models.models[name], insides.get(name), plain, why_not, language) if name in insides
                 else f"<p>{models.models[name].error}</p>" for name in MODELS)


class InsidePanel:
    """The accordion and its callbacks, over the app's ModelStore (demo/inference.py)."""

    def __init__(self, models):
        self.models = models

    def columns(self, pad_value, why_not, request: gr.Request = None):
        """The columns for the drawing (the pad's value, relayed while the panel is open)."""
        image = read_pad(pad_value)[1]
        insides = self.models.inside(image) if image is not None else {}
        return columns_html(self.models, image, insides, int(why_not) if why_not else None, i18n.for_request(request))

    def explain(self, pad_value: str) -> dict:
        """The pad's value (JSON text) -> every layer's values, probabilities and saliency of every model, as JSON."""
        image = read_pad(pad_value)[1]
        if image is None:
            raise i18n.SentenceError("inside.blank")
        return inside_json(image, self.models.inside(image))

    def build(self, pad):
        """The accordion under the pad's row; `pad` is the Draw tab's DrawingPad."""
        with gr.Accordion(ui("ui.inside.accordion"), open=False, elem_id="inside") as accordion:
            is_open = gr.Checkbox(False, visible=False)
            relayed = gr.Textbox(visible=False)
            # The digits stand for themselves in every language: "why not 3?" is the menu's label and a digit.
            why_not = gr.Dropdown([(ui("ui.inside.answer_only"), "")] + [(str(digit), str(digit)) for digit in range(10)],
                                  value="", label=ui("ui.inside.why_not"), elem_id="why-not")
            with gr.Row():
                columns = []
                for spec in MODELS.values():
                    with gr.Column(min_width=300):
                        gr.Markdown(ui(i18n.model_title_key(spec.name)), elem_classes="model-title")
                        columns.append(gr.HTML(ui("ui.inside.empty"), elem_id=f"{spec.name}-inside"))
        pad.change(None, [pad, is_open, relayed], relayed, js=RELAY_WHILE_OPEN_JS)
        accordion.expand(None, pad, [is_open, relayed], js="(drawing) => [true, drawing]")
        accordion.collapse(None, None, is_open, js="() => false")
        relayed.change(for_people(self.columns), [relayed, why_not], columns, api_name=False, show_progress="hidden",
                       trigger_mode="always_last")
        why_not.change(for_people(self.columns), [relayed, why_not], columns, api_name=False)
        gr.api(for_people(self.explain), api_name="explain")
