"""Inside the models, the pictures: every panel is one RGB uint8 image, built with numpy.

No MXNet, no Gradio: functions take the arrays demo/inside.py computes and return (H, W, 3) uint8
images, ready for a PNG. Numpy instead of matplotlib figures because a panel must cost well under a
millisecond (the view is redrawn after every stroke) and a grid of 50 feature maps must be one image,
not 50 plots; matplotlib only lends its colour maps. Pixels are enlarged by repetition, so every
network unit is a crisp square. Which panels a model has, and their captions, is its registry
entry's (trainer/models.py); `model_panels` draws them by their kind.
"""
from functools import cache

import matplotlib
import numpy as np

from demo.i18n import ENGLISH
from trainer.mnist import IMAGE_SIZE, NUM_CLASSES

ACTIVITY_MAP, SIGNED_MAP = "viridis", "RdBu_r"  # activation levels; signed evidence (red = for, blue = against)
BACKGROUND, OUTLINE = 255, (40, 40, 40)
ANSWER, OTHER = (255, 140, 0), (120, 140, 170)
SALIENCY_SCALE = 8  # 28x28 -> 224x224, as the "what the models see" preview

# 3x5 pixel digits for the bar charts' axis labels (no font rendering needed).
GLYPHS = np.array([[int(bit) for bit in row] for glyph in (
    "111 101 101 101 111", "010 110 010 010 111", "111 001 111 100 111", "111 001 111 001 111",
    "101 101 111 001 001", "111 100 111 001 111", "111 100 111 101 111", "111 001 001 001 001",
    "111 101 111 101 111", "111 101 111 001 111") for row in glyph.split()], dtype=bool).reshape(10, 5, 3)


@cache
def _palette(name):
    """(256, 3) uint8 lookup table of a matplotlib colour map."""
    return (matplotlib.colormaps[name](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(np.uint8)


def colourize(values, name, low, high):
    """Float array (...) -> (..., 3) uint8 through colour map `name`, `low`..`high` spanning it."""
    position = (np.asarray(values, dtype=np.float32) - low) / max(high - low, 1e-12)
    return _palette(name)[np.clip(position * 255, 0, 255).round().astype(np.intp)]


def symmetric(values, name=SIGNED_MAP):
    """Signed values on a diverging map with 0 in the middle (white), scaled by the largest magnitude."""
    extent = float(np.abs(values).max()) or 1.0
    return colourize(values, name, -extent, extent)


def enlarge(image, factor):
    """(H, W[, 3]) -> (H * factor, W * factor[, 3]) by repeating pixels: crisp squares, no smoothing."""
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def enlarge_each(cells, factor):
    """(N, h, w, ...) -> (N, h * factor, w * factor, ...): `enlarge` for a stack of cells."""
    return cells.repeat(factor, axis=1).repeat(factor, axis=2)


def tile(cells, rows, cols, gap=2):
    """(N, h, w, 3) uint8 cells -> one (rows * (h + gap) - gap, cols * (w + gap) - gap, 3) grid, row by row."""
    count, height, width, _ = cells.shape
    grid = np.full((rows * (height + gap) - gap, cols * (width + gap) - gap, 3), BACKGROUND, dtype=np.uint8)
    for index in range(count):
        row, col = divmod(index, cols)
        grid[row * (height + gap):row * (height + gap) + height, col * (width + gap):col * (width + gap) + width] = cells[index]
    return grid


def map_grid(maps, rows, cols, factor, low=-1.0, high=1.0):
    """Activation maps (N, h, w) -> one grid image of rows x cols maps, each enlarged `factor` times."""
    return tile(colourize(enlarge_each(maps, factor), ACTIVITY_MAP, low, high), rows, cols)


def unit_strip(values, rows, cols, factor, low, high):
    """A layer's units (rows * cols,) as a rows x cols heat map, one square per unit."""
    return enlarge(colourize(np.asarray(values).reshape(rows, cols), ACTIVITY_MAP, low, high), factor)


def relu_strip(values, rows, cols, factor=14):
    """ReLU units (never negative) as a heat map scaled to the layer's most active unit."""
    return unit_strip(values, rows, cols, factor, 0.0, float(values.max()) or 1.0)


def filters_grid(filters, rows, cols, factor):
    """First-layer filters (N, k, k) -> a grid of them on the signed map (red rewards ink, blue punishes it)."""
    return tile(enlarge_each(symmetric(filters), factor), rows, cols, gap=4)


def ink_outline(image, factor):
    """The (28 * factor)^2 pixels just outside the ink of a (28, 28) image (ink: value > 0.5), as a bool mask.

    Outside, not on, the strokes: the outline never hides the values drawn under the ink.
    """
    ink = enlarge(np.asarray(image) > 0.5, factor)
    grown = ink.copy()
    grown[1:] |= ink[:-1]
    grown[:-1] |= ink[1:]
    grown[:, 1:] |= ink[:, :-1]
    grown[:, :-1] |= ink[:, 1:]
    return grown & ~ink


def with_outline(picture, image, factor):
    """Draw the outline of `image`'s ink on an RGB `picture` of (28 * factor)^2 pixels (a copy)."""
    picture = picture.copy()
    picture[ink_outline(image, factor)] = OUTLINE
    return picture


def saliency_panel(saliency, image, factor=SALIENCY_SCALE):
    """A (28, 28) signed saliency map -> (224, 224, 3): red for, blue against, white 0, ink outlined."""
    return with_outline(enlarge(symmetric(saliency), factor), image, factor)


def _draw_digit(canvas, digit, top, centre, scale=2):
    glyph = enlarge(GLYPHS[digit], scale)
    left = centre - glyph.shape[1] // 2
    canvas[top:top + glyph.shape[0], left:left + glyph.shape[1]][glyph] = 0


def bar_chart(values, highlight, low, high, height=100, bar=14, gap=6):
    """Ten vertical bars from the zero line (values between low <= 0 <= high), labelled 0-9 underneath."""
    width = NUM_CLASSES * (bar + gap) + gap
    chart = np.full((height + 16, width, 3), BACKGROUND, dtype=np.uint8)
    zero = int(round(height * high / (high - low)))  # row of the zero line
    for digit in range(NUM_CLASSES):
        left = gap + digit * (bar + gap)
        end = int(round(zero - height * values[digit] / (high - low)))
        top, bottom = min(zero, end), max(zero, end)
        chart[top:max(bottom, top + 1), left:left + bar] = ANSWER if digit == highlight else OTHER
        _draw_digit(chart, digit, height + 4, left + bar // 2)
    chart[min(zero, height - 1), :] = OUTLINE
    return chart


def outputs_panel(logits, probabilities):
    """Logits (signed bars) and softmax probabilities (0-1 bars) side by side; the answer in orange."""
    extent = float(np.abs(logits).max()) or 1.0
    answer = int(np.argmax(logits))
    left, right = bar_chart(logits, answer, -extent, extent), bar_chart(probabilities, answer, 0, 1)
    spacer = np.full((left.shape[0], 20, 3), BACKGROUND, dtype=np.uint8)
    return np.hstack([left, spacer, right])


def templates_panel(hidden, templates, image, shown=8, factor=4):
    """The `shown` most active units' 28x28 incoming weights (most active first), input outlined,
    each above a bar as long as the unit's activation relative to the most active one."""
    side = IMAGE_SIZE * factor
    order = np.argsort(hidden)[::-1][:shown]
    strongest = float(hidden[order[0]]) or 1.0
    cells = np.full((shown, side + 6, side, 3), BACKGROUND, dtype=np.uint8)
    for cell, unit in zip(cells, order):
        cell[:side] = with_outline(enlarge(symmetric(templates[unit]), factor), image, factor)
        cell[side + 2:, :int(round(side * max(hidden[unit], 0) / strongest))] = ANSWER
    return tile(cells, 1, shown, gap=6)


def panel_picture(panel, inside, weights, image):
    """One registry Panel (trainer/models.py) drawn by its kind. inside: demo.inside.Inside; weights:
    {parameter suffix: (units, h, w)} (InsideReader.weights); image: the (28, 28) input."""
    rows, cols = panel.grid
    values = inside.layer(panel.layer) if panel.layer else None
    if panel.kind == "maps":
        return map_grid(values, rows, cols, panel.scale)
    if panel.kind == "units":
        return unit_strip(values, rows, cols, panel.scale, -1.0, 1.0)
    if panel.kind == "relu_units":
        return relu_strip(values, rows, cols, panel.scale)
    if panel.kind == "filters":
        return filters_grid(weights[panel.weight], rows, cols, panel.scale)
    if panel.kind == "templates":
        return templates_panel(values, weights[panel.weight], image, shown=rows * cols, factor=panel.scale)
    raise ValueError(f"panel {panel.key!r}: unknown kind {panel.kind!r}")


def model_panels(spec, inside, weights, image, language=ENGLISH):
    """[(key, caption, picture)] of one model: its registry panels, then its outputs; captions in `language`
    (a registry panel's own English caption where the language has none for it)."""
    panels = [(panel.key, language.get(f"inside.panel.{spec.name}.{panel.key}", panel.caption),
               panel_picture(panel, inside, weights, image)) for panel in spec.panels]
    return panels + [("outputs", language.t("inside.outputs_caption"), outputs_panel(inside.logits, inside.probabilities))]
