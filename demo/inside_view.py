"""The "Inside the models" view as HTML: each model's internals (demo/internals.py) drawn as panels
(demo/inside_plots.py), every panel one inline PNG (demo/inline.py) with a caption for students.
"""
import numpy as np

from demo import inside_plots
from demo.inline import inline_png
from trainer.models import MODELS

PLACEHOLDER = '<p class="inside-empty">Draw a digit to see what every layer does with it.</p>'


def figure(panel, key, title=None):
    caption = inside_plots.CAPTIONS[key]
    heading = f"<strong>{title}</strong><br>" if title else ""
    return f'<figure class="inside-panel">{inline_png(panel, key)}<figcaption>{heading}{caption}</figcaption></figure>'


def model_html(model, internals, image, why_not=None):
    """One model's column. internals: demo.internals.Internals or None (blank drawing); image: (28, 28) or None.

    why_not: a digit to explain beside the answer ("why not 9?"), or None.
    """
    if model.inspector is None:
        return f"<p>{model.error}</p>"
    weights = model.inspector.first_layer
    panels = (inside_plots.lenet_panels(internals, weights) if model.name == "lenet"
              else inside_plots.mlp_panels(internals, weights, image))
    parts = [figure(panel, key) for key, panel in panels.items()]
    if internals is not None:
        targets = [internals.predicted] + ([why_not] if why_not is not None and why_not != internals.predicted else [])
        for target in targets:
            verb = "Why" if target == internals.predicted else "Why not"
            parts.append(figure(inside_plots.saliency_panel(internals.saliency[target], image), "saliency",
                                f"{verb} {target}? ({100 * internals.probabilities[target]:.1f} %)"))
    return "".join(parts)


def inside_html(models, image, explained, why_not=None):
    """One HTML column per registered model. image: (1, 1, 28, 28) or None; explained: {name: Internals}."""
    if image is None:
        return tuple(PLACEHOLDER for _ in MODELS)
    plain = np.asarray(image)[0, 0]
    return tuple(model_html(models[name], explained.get(name), plain, why_not) for name in MODELS)
