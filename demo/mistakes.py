"""The mistakes gallery: the test digits a model gets wrong, from its NAME-mistakes.npz (never from MNIST itself).

Read the file with `trainer.checkpoint.read_mistakes(folder, name)` (CheckpointError says which command
makes a missing one); these functions turn it into a dropdown of confusion cells and gallery items, in
the visitor's language (demo/i18n.py).
"""
from collections import Counter

import numpy as np

from demo.i18n import ENGLISH
from demo.inline import inline_png

ALL = "all"


def cell_key(true, predicted):
    """The dropdown value of one confusion cell, e.g. "4>9"."""
    return f"{true}>{predicted}"


def cell_choices(mistakes, language=ENGLISH):
    """Dropdown (label, value) pairs: every mistake first, then each (true, predicted) cell, most frequent first."""
    counts = Counter(zip(mistakes.labels.tolist(), mistakes.predicted.tolist()))
    cells = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(language.t("mistakes.all", count=language.number(len(mistakes))), ALL)] + [
        (language.t("mistakes.cell", true=true, predicted=predicted, count=language.number(count)), cell_key(true, predicted))
        for (true, predicted), count in cells]


def gallery_items(mistakes, cell=ALL, language=ENGLISH):
    """[(uint8 (28, 28) image, "true 4 → predicted 9 (87 %)"), ...] for one cell, or ALL.

    Most confident first: a mistake made with confidence tells the most about what the model learned.
    """
    chosen = np.ones(len(mistakes), dtype=bool)
    if cell != ALL:
        true, predicted = (int(part) for part in cell.split(">"))
        chosen = (mistakes.labels == true) & (mistakes.predicted == predicted)
    order = np.flatnonzero(chosen)[np.argsort(-mistakes.confidence[chosen], kind="stable")]
    return [(mistakes.images[index],
             language.t("mistakes.caption", true=int(mistakes.labels[index]), predicted=int(mistakes.predicted[index]),
                        confidence=language.percent(float(mistakes.confidence[index]), 0)))
            for index in order]


def gallery_html(mistakes, cell=ALL, language=ENGLISH):
    """The gallery as HTML: a grid of inline 28x28 images (shown 3x, crisp) with their captions."""
    figures = [f'<figure>{inline_png(image, caption, width=84)}<figcaption>{caption}</figcaption></figure>'
               for image, caption in gallery_items(mistakes, cell, language)]
    return f'<div class="mistakes-grid">{"".join(figures)}</div>'
