"""Drawing the "Inside the models" view: every panel is one RGB uint8 image, built with numpy.

No MXNet, no Gradio: functions take the arrays `demo.internals` computes and return (H, W, 3) uint8
images, ready for `gr.Image` or a PNG. Numpy instead of matplotlib figures because a panel must cost
well under a millisecond (the view is redrawn after every stroke) and a grid of 50 feature maps must be
one image, not 50 plots; matplotlib only lends its colour maps. Pixels are enlarged by repetition, so
every network unit is a crisp square. Pass None for the internals (blank canvas) to get the same panel
as a grey placeholder, so the page keeps its layout.
"""
from functools import cache

import matplotlib
import numpy as np

from trainer.mnist import NUM_CLASSES

CAPTIONS = {
    "conv1": "LeNet, first convolution: 20 feature maps (24x24). Each map lights up (yellow) where its "
             "5x5 filter finds its pattern in your drawing, e.g. an edge at one angle.",
    "filters": "The 20 learned 5x5 filters of that first layer. Red weights reward ink, blue ones punish it; "
               "each filter is a small stroke detector the network found by itself.",
    "conv2": "LeNet, second convolution: 50 maps (8x8) that combine the first maps into bigger parts "
             "such as curves, loops and corners.",
    "dense": "LeNet's 500 hidden units (one square each, 20 rows of 25): the digit described as 500 "
             "numbers between -1 (dark) and +1 (yellow).",
    "hidden1": "MLP, first hidden layer: 128 units (one square each). Yellow = strongly active, dark = off "
               "(ReLU units are never negative).",
    "hidden2": "MLP, second hidden layer: 64 units that combine the 128 before them.",
    "templates": "What the 8 most active first-layer MLP units look for, most active first: each unit's "
                 "784 incoming weights shown as a 28x28 picture (red = ink wanted here, blue = ink unwanted), "
                 "with your digit's outline on top. The bar below shows how active the unit is.",
    "outputs": "Left: the 10 scores (logits) the network gives, above or below zero. Right: the same scores "
               "turned into probabilities by softmax. Orange is the answer.",
    "saliency": "Why this answer: red strokes pushed the network towards the digit, blue strokes pushed it "
                "away (towards the other digits). Computed from the gradient of its score with respect to "
                "each pixel, times the pixel.",
}

ACTIVITY_MAP, SIGNED_MAP = "viridis", "RdBu_r"  # activation levels; signed evidence (red = for, blue = against)
BACKGROUND, EMPTY_CELL, OUTLINE = 255, 225, (40, 40, 40)
ANSWER, OTHER = (255, 140, 0), (120, 140, 170)
TEMPLATES_SHOWN = 8
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


def _empty_cells(count, height, width):
    return np.full((count, height, width, 3), EMPTY_CELL, dtype=np.uint8)


def map_grid(maps, rows, cols, factor, low=-1.0, high=1.0, shape=None):
    """Activation maps (N, h, w) -> one grid image; maps None gives the empty grid of `shape` (N, h, w)."""
    count, height, width = shape if maps is None else maps.shape
    if maps is None:
        cells = _empty_cells(count, height * factor, width * factor)
    else:
        cells = colourize(enlarge_each(maps, factor), ACTIVITY_MAP, low, high)
    return tile(cells, rows, cols)


def unit_strip(values, rows, cols, factor, low, high):
    """A layer's units (rows * cols,) as a rows x cols heat map, one square per unit; None gives grey."""
    if values is None:
        return np.full((rows * factor, cols * factor, 3), EMPTY_CELL, dtype=np.uint8)
    return enlarge(colourize(np.asarray(values).reshape(rows, cols), ACTIVITY_MAP, low, high), factor)


def relu_strip(values, rows, cols, factor=14):
    """ReLU units (never negative) as a heat map scaled to the layer's most active unit; None gives grey."""
    high = 1.0 if values is None else float(values.max()) or 1.0
    return unit_strip(values, rows, cols, factor, 0.0, high)


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
    if saliency is None:
        return np.full((28 * factor, 28 * factor, 3), EMPTY_CELL, dtype=np.uint8)
    return with_outline(enlarge(symmetric(saliency), factor), image, factor)


def _draw_digit(canvas, digit, top, centre, scale=2):
    glyph = enlarge(GLYPHS[digit], scale)
    left = centre - glyph.shape[1] // 2
    canvas[top:top + glyph.shape[0], left:left + glyph.shape[1]][glyph] = 0


def bar_chart(values, highlight, low, high, height=100, bar=14, gap=6):
    """Ten vertical bars from the zero line (values between low <= 0 <= high), labelled 0-9 underneath.

    values None draws only the axis and the labels.
    """
    width = NUM_CLASSES * (bar + gap) + gap
    chart = np.full((height + 16, width, 3), BACKGROUND, dtype=np.uint8)
    zero = int(round(height * high / (high - low)))  # row of the zero line
    for digit in range(NUM_CLASSES):
        left = gap + digit * (bar + gap)
        if values is not None:
            end = int(round(zero - height * values[digit] / (high - low)))
            top, bottom = min(zero, end), max(zero, end)
            chart[top:max(bottom, top + 1), left:left + bar] = ANSWER if digit == highlight else OTHER
        _draw_digit(chart, digit, height + 4, left + bar // 2)
    chart[min(zero, height - 1), :] = OUTLINE
    return chart


def outputs_panel(logits, probabilities):
    """Logits (signed bars) and softmax probabilities (0-1 bars) side by side; the answer in orange."""
    extent = 1.0 if logits is None else float(np.abs(logits).max()) or 1.0
    answer = None if logits is None else int(np.argmax(logits))
    left, right = bar_chart(logits, answer, -extent, extent), bar_chart(probabilities, answer, 0, 1)
    spacer = np.full((left.shape[0], 20, 3), BACKGROUND, dtype=np.uint8)
    return np.hstack([left, spacer, right])


def _layer(internals, name):
    return None if internals is None else next(layer.values for layer in internals.layers if layer.name == name)


def lenet_panels(internals, filters):
    """LeNet's panels, keyed as CAPTIONS: internals (demo.internals.Internals or None), filters (20, 5, 5)."""
    return {
        "conv1": map_grid(_layer(internals, "conv1"), 4, 5, 3, shape=(20, 24, 24)),
        "filters": tile(enlarge_each(symmetric(filters), 12), 4, 5, gap=4),
        "conv2": map_grid(_layer(internals, "conv2"), 5, 10, 6, shape=(50, 8, 8)),
        "dense": unit_strip(_layer(internals, "dense"), 20, 25, 12, -1.0, 1.0),
        "outputs": outputs_panel(_layer(internals, "logits"), None if internals is None else internals.probabilities),
    }


def templates_panel(hidden, templates, image, shown=TEMPLATES_SHOWN, factor=4):
    """The `shown` most active units' 28x28 incoming weights (most active first), input outlined,
    each above a bar as long as the unit's activation relative to the most active one."""
    side = 28 * factor
    if hidden is None:
        return tile(_empty_cells(shown, side + 6, side), 1, shown, gap=6)
    order = np.argsort(hidden)[::-1][:shown]
    strongest = float(hidden[order[0]]) or 1.0
    cells = np.full((shown, side + 6, side, 3), BACKGROUND, dtype=np.uint8)
    for cell, unit in zip(cells, order):
        cell[:side] = with_outline(enlarge(symmetric(templates[unit]), factor), image, factor)
        cell[side + 2:, :int(round(side * max(hidden[unit], 0) / strongest))] = ANSWER
    return tile(cells, 1, shown, gap=6)


def mlp_panels(internals, templates, image):
    """The MLP's panels, keyed as CAPTIONS: internals (or None), templates (128, 28, 28), image (28, 28) or None."""
    hidden1 = _layer(internals, "hidden1")
    return {
        "hidden1": relu_strip(hidden1, 8, 16),
        "hidden2": relu_strip(_layer(internals, "hidden2"), 4, 16),
        "templates": templates_panel(hidden1, templates, image),
        "outputs": outputs_panel(_layer(internals, "logits"), None if internals is None else internals.probabilities),
    }
