"""MNIST test digits redrawn the way people draw on the demo's canvas, for benchmarks and tests.

The digit's skeleton is the path a pen took; it is re-stroked with a round pen of random width, at a
random size and position on a large transparent canvas, sometimes with stray dots: the RGBA layer the
Sketchpad sends, with the ink in the alpha channel.
"""
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage import morphology, transform

CANVAS_SIZE = 800
SIZE_RANGE = (0.1, 0.85)  # digit height as a share of the canvas: 80 to 680 px
PEN_RANGE = (0.015, 0.1)  # pen radius as a share of the digit height: hairline to marker
STRAY_DOT_PROBABILITY = 0.25
WORK_HEIGHT = 160  # resolution the strokes are rendered at before scaling to the canvas


@dataclass
class Redrawn:
    layer: np.ndarray  # (CANVAS_SIZE, CANVAS_SIZE, 4) uint8, black ink with alpha
    height_px: int
    pen_radius_px: float
    stray_dots: int


def _pen_strokes(digit, height, pen_radius):
    """28x28 digit in [0, 1] -> boolean strokes of a pen of `pen_radius` px, `height` px tall."""
    work_scale = WORK_HEIGHT / 20  # MNIST digits are 20 px tall inside their 28x28 frame
    upscaled = transform.resize(digit, (round(28 * work_scale),) * 2, order=1)
    path = morphology.skeletonize(upscaled > 0.4)
    rows, cols = np.nonzero(path)
    if len(rows) == 0:
        return np.zeros((1, 1), dtype=bool)
    path = path[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    radius_at_work = pen_radius * WORK_HEIGHT / height
    padding = int(np.ceil(radius_at_work)) + 1
    strokes = ndimage.distance_transform_edt(~np.pad(path, padding)) <= radius_at_work
    scale = height / WORK_HEIGHT
    out_shape = tuple(max(1, round(side * scale)) for side in strokes.shape)
    return transform.resize(strokes.astype(np.float32), out_shape, order=1) > 0.5


def redraw(digit, rng, canvas_size=CANVAS_SIZE):
    """Redraw one 28x28 digit (values in [0, 1]) on a canvas; random size, place, pen and stray dots."""
    height = int(rng.uniform(*SIZE_RANGE) * canvas_size)
    pen_radius = max(1.0, rng.uniform(*PEN_RANGE) * height)
    strokes = _pen_strokes(np.asarray(digit, dtype=np.float32).reshape(28, 28), height, pen_radius)
    strokes = strokes[:canvas_size, :canvas_size]
    ink = np.zeros((canvas_size, canvas_size), dtype=bool)
    top = rng.integers(0, canvas_size - strokes.shape[0] + 1)
    left = rng.integers(0, canvas_size - strokes.shape[1] + 1)
    ink[top:top + strokes.shape[0], left:left + strokes.shape[1]] = strokes
    dots = int(rng.random() < STRAY_DOT_PROBABILITY) * int(rng.integers(1, 3))
    for _ in range(dots):  # a tap of the pen somewhere on the canvas
        centre = rng.integers(0, canvas_size, 2)
        yy, xx = np.ogrid[:canvas_size, :canvas_size]
        ink |= (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= min(pen_radius, 12) ** 2
    layer = np.zeros((canvas_size, canvas_size, 4), dtype=np.uint8)
    layer[..., 3] = ink * 255
    return Redrawn(layer, height, pen_radius, dots)
