"""Inside the models, on the page: the panel under the Draw tab that shows every layer of every model.

The maths is demo/inside.py's, the pictures demo/inside_pictures.py's; this module turns them into
one HTML column per model (each picture an inline PNG with a caption for students) and builds the
accordion. The pad's value reaches the panel only while it is open, relayed in the browser, so a
closed panel costs the server nothing per stroke.
"""
import gradio as gr
import numpy as np

from demo import inside_pictures
from demo.inline import inline_png
from demo.inside import inside_json
from demo.pad import read_pad
from trainer.models import MODELS

PLACEHOLDER = '<p class="inside-empty">Draw a digit to see what every layer does with it.</p>'
WHY_NOT_CHOICES = [("the answer only", "")] + [(f"why not {digit}?", str(digit)) for digit in range(10)]
RELAY_WHILE_OPEN_JS = "(drawing, open, relayed) => open ? drawing : relayed"


def figure(picture, alt, caption, title=None):
    heading = f"<strong>{title}</strong><br>" if title else ""
    return f'<figure class="inside-panel">{inline_png(picture, alt)}<figcaption>{heading}{caption}</figcaption></figure>'


def model_html(model, inside, image, why_not=None):
    """One model's column. model: demo.inference.LoadedModel; inside: demo.inside.Inside; image: (28, 28).

    why_not: a digit to explain beside the answer ("why not 9?"), or None.
    """
    if model.reader is None:
        return f"<p>{model.error}</p>"
    parts = [figure(picture, key, caption)
             for key, caption, picture in inside_pictures.model_panels(model.spec, inside, model.reader.weights, image)]
    targets = [inside.predicted] + ([why_not] if why_not is not None and why_not != inside.predicted else [])
    for target in targets:
        verb = "Why" if target == inside.predicted else "Why not"
        parts.append(figure(inside_pictures.saliency_panel(inside.saliency[target], image), "saliency",
                            inside_pictures.SALIENCY_CAPTION,
                            f"{verb} {target}? ({100 * inside.probabilities[target]:.1f} %)"))
    return "".join(parts)


def columns_html(models, image, insides, why_not=None):
    """One HTML column per registered model. image: (1, 1, 28, 28) or None (blank); insides: {name: Inside}."""
    if image is None:
        return tuple(PLACEHOLDER for _ in MODELS)
    plain = np.asarray(image)[0, 0]
    return tuple(model_html(models.models[name], insides.get(name), plain, why_not) if name in insides
                 else f"<p>{models.models[name].error}</p>" for name in MODELS)


class InsidePanel:
    """The accordion and its callbacks, over the app's ModelStore (demo/inference.py)."""

    def __init__(self, models):
        self.models = models

    def columns(self, pad_value, why_not):
        """The columns for the drawing (the pad's value, relayed while the panel is open)."""
        image = read_pad(pad_value)[1]
        insides = self.models.inside(image) if image is not None else {}
        return columns_html(self.models, image, insides, int(why_not) if why_not else None)

    def explain(self, pad_value: str) -> dict:
        """The pad's value (JSON text) -> every layer's values, probabilities and saliency of every model, as JSON."""
        image = read_pad(pad_value)[1]
        if image is None:
            raise gr.Error("The drawing is blank: draw a digit first")
        return inside_json(image, self.models.inside(image))

    def build(self, pad):
        """The accordion under the pad's row; `pad` is the Draw tab's DrawingPad."""
        with gr.Accordion("Inside the models: what every layer does with your drawing, and why they answered",
                          open=False, elem_id="inside") as accordion:
            is_open = gr.Checkbox(False, visible=False)
            relayed = gr.Textbox(visible=False)
            why_not = gr.Dropdown(WHY_NOT_CHOICES, value="", label="Also explain another digit", elem_id="why-not")
            with gr.Row():
                columns = []
                for spec in MODELS.values():
                    with gr.Column(min_width=300):
                        gr.Markdown(f"### {spec.title}")
                        columns.append(gr.HTML(PLACEHOLDER, elem_id=f"{spec.name}-inside"))
        pad.change(None, [pad, is_open, relayed], relayed, js=RELAY_WHILE_OPEN_JS)
        accordion.expand(None, pad, [is_open, relayed], js="(drawing) => [true, drawing]")
        accordion.collapse(None, None, is_open, js="() => false")
        relayed.change(self.columns, [relayed, why_not], columns, api_name=False, show_progress="hidden",
                       trigger_mode="always_last")
        why_not.change(self.columns, [relayed, why_not], columns, api_name=False)
        gr.api(self.explain, api_name="explain")
