"""Canvas to MNIST tensor: numpy in, numpy out (scikit-image inside; no Gradio, no MXNet).

MNIST digits were made by scaling each digit to fit a 20x20 box (anti-aliased, keeping its aspect
ratio) and placing it in 28x28 with its centre of mass at the centre. People draw anywhere on a big
canvas, small or large, with a thin or fat brush; `ink_to_mnist` undoes all of that:

    ink (H, W) in [0, 1]
      -> find the digit on a shrunk copy            (cheap block mean; keeps latency flat for big canvases)
      -> crop it from the full-resolution ink        (tiny digits keep their detail), shrink to <= WORK_SIZE
      -> drop stray dots, on both copies            (small components, and blobs no wider than two strokes)
      -> re-stroke to MNIST's stroke width          (distance transforms on the binary ink)
      -> fit the longer side to 20 px, anti-aliased
      -> paste into 28x28 with the centre of mass at (14, 14), sub-pixel
      -> float32 (1, 1, 28, 28) in [0, 1]

The drawing pad sends strokes instead of pixels, and `strokes_to_mnist` takes the same steps on
vectors, where they are exact: the crop is the strokes' bounding box, the pen is redrawn at MNIST's
width relative to the digit, and the strokes are rasterised (`_line_cells`) straight into the 20x20 box,
4x supersampled, with no canvas resolution in the way. A phone photo of a digit on paper goes
through `photo_to_ink` first, which evens out the light and the paper's grey.
"""
import json
import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage import filters, measure, transform

from demo.i18n import SentenceError
from trainer.mnist import DIGIT_BOX, IMAGE_SIZE

SEARCH_SIZE = 256  # longest side of the shrunk canvas the digit is looked for on
WORK_SIZE = 128  # longest side of the cropped digit worked on: 6x MNIST's 20 px box
INK_THRESHOLD = 0.2  # ink above this counts as drawn (anti-aliased brush edges are fainter)
STRAY_DOT_FRACTION = 0.05  # components under 5 % of the largest one's area are stray dots ...
DOT_STROKES = 2.0  # ... and so are blobs at most two stroke widths across
MNIST_STROKE_RATIO = 0.12  # MNIST stroke width / digit height: ~2.4 px in the 20 px box
MNIST_CENTRE = 14.0  # MNIST's mean centre of mass, in pixel indices, on both axes
MAX_CANVAS_PIXELS = 4_000_000  # larger inputs are refused before any work ...
MAX_ASPECT = 20  # ... and so are pictures over 20 times longer than wide: no digit is that thin
# The pad's value: caps that bound the work a request can cause (a digit drawn by hand is a few
# strokes of a few hundred points: ~5 KB of JSON).
MAX_STROKES = 200
MAX_POINTS = 20_000
MAX_PAD_SIDE = 10_000  # pad width and height, in pad pixels
# A stroke may leave the pad (the pen keeps drawing outside it); what lies outside is clipped away, so a stored
# drawing keeps its points within this distance (the same drawing, in a bounded number of characters).
MAX_COORDINATE = 100_000
# Room for the largest drawing the caps admit, as received and as stored (PadDrawing.to_json): 20,000
# points of two numbers of at most 9 characters each ("-99999.99"), brackets and commas included.
MAX_PAD_VALUE_CHARS = 500_000
DEFAULT_BRUSH_SHARE = 0.04  # pen diameter as a share of the pad's longer side, when the value has none
SUPERSAMPLE = 4  # strokes are drawn at 4x the 20x20 box, then anti-aliased down
PAD_FORMAT = '{"width": W, "height": H, "strokes": [[[x, y], ...], ...]}'
STORED_DECIMALS = 2  # pad pixels are stored to 1/100: the pad itself sends tenths


class CanvasError(SentenceError, ValueError):
    """The input cannot be read as a drawing; the sentence says why."""


def _unit_range_image(image):
    """uint8 or float image, (H, W) grey, (H, W, 1|3) or (H, W, 4) RGBA -> float32 in [0, 1], after checking shape and size."""
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or min(array.shape[:2]) < 1:
        raise CanvasError("canvas.image_shape", shape=str(array.shape))
    check_picture_size(array.shape[1], array.shape[0])
    scale = 255.0 if array.dtype == np.uint8 or array.max(initial=0) > 1.0 else 1.0
    return array.astype(np.float32) / scale


def check_picture_size(width, height):
    """Refuse, before any work, a picture too large or too thin to hold a digit (CanvasError)."""
    if width * height > MAX_CANVAS_PIXELS:
        raise CanvasError("canvas.too_large", width=width, height=height, megapixels=MAX_CANVAS_PIXELS // 1_000_000)
    if max(width, height) > MAX_ASPECT * min(width, height):
        raise CanvasError("canvas.too_thin", width=width, height=height, ratio=MAX_ASPECT)


def _is_stroke_layer(image):
    """An RGBA image (in [0, 1]) with some transparency: the brush laid down alpha, whatever its colour."""
    return image.ndim == 3 and image.shape[2] == 4 and image[:, :, 3].min() < 1.0


def _darkness(image):
    """1 - luminance of a grey or RGB(A) image in [0, 1]."""
    if image.ndim == 2:
        return 1.0 - image
    return 1.0 - image[:, :, :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _shrink(ink, longest_side):
    """Block-average so the longer side is at most `longest_side`; returns (image, factor).

    A block never spans more than an axis has (block_reduce pads every axis up to a whole block): the
    work stays that of the pixels given, whatever the picture's shape.
    """
    factor = int(np.ceil(max(ink.shape) / longest_side))
    if factor <= 1:
        return ink, 1
    return measure.block_reduce(ink, tuple(min(factor, side) for side in ink.shape), np.mean), factor


def _digit_mask(ink):
    """Binary ink without stray dots, or None if nothing is drawn.

    A stray dot (a tap of the pen) is a component either tiny next to the largest one, or a blob no
    wider than two strokes; the separate pieces of real digits (a 5's bar, a 4's stem) are elongated.
    """
    mask = ink > INK_THRESHOLD
    components, count = ndimage.label(mask, structure=np.ones((3, 3)))
    if count == 0:
        return None
    areas = np.bincount(components.ravel())[1:]
    largest = int(areas.argmax()) + 1
    stroke = _stroke_width(components == largest)
    keep = [largest]
    for label, box in enumerate(ndimage.find_objects(components), start=1):
        extent = max(box[0].stop - box[0].start, box[1].stop - box[1].start)
        if label != largest and areas[label - 1] >= STRAY_DOT_FRACTION * areas.max() and extent > DOT_STROKES * stroke:
            keep.append(label)
    return np.isin(components, keep)


def _bounds(mask):
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def _crop(mask):
    top, bottom, left, right = _bounds(mask)
    return mask[top:bottom, left:right]


def _find_digit(ink):
    """The digit's ink, cropped from full resolution and shrunk to at most WORK_SIZE, or None if blank."""
    small, factor = _shrink(ink, SEARCH_SIZE)
    mask = _digit_mask(small)
    if mask is None:
        return None
    top, bottom, left, right = (edge * factor for edge in _bounds(mask))
    return _shrink(ink[top:bottom, left:right], WORK_SIZE)[0]


def _stroke_width(mask):
    """Mean stroke width of a binary drawing: for long strokes, area ~ length * width and edge ~ 2 * length."""
    edge = mask & ~ndimage.binary_erosion(mask)
    return 2.0 * mask.sum() / max(1, edge.sum())


def _restroke(mask):
    """Thicken hairlines and thin fat strokes to MNIST's width relative to the digit's size."""
    target = MNIST_STROKE_RATIO * max(mask.shape)
    width = _stroke_width(mask)
    if width < target:
        padding = int(np.ceil(target))
        padded = np.pad(mask, padding)
        return _crop(ndimage.distance_transform_edt(~padded) <= (target - width) / 2)
    if width > target:
        thinned = ndimage.distance_transform_edt(mask) > (width - target) / 2
        return _crop(thinned) if thinned.any() else mask
    return mask


def _fit_box(mask):
    """Binary crop -> float image whose longer side is DIGIT_BOX px, anti-aliased, aspect kept."""
    height, width = mask.shape
    scale = DIGIT_BOX / max(height, width)
    size = (max(1, round(height * scale)), max(1, round(width * scale)))
    fitted = transform.resize(mask.astype(np.float32), size, order=1, anti_aliasing=scale < 1, preserve_range=True)
    return np.clip(fitted / max(fitted.max(), 1e-6), 0.0, 1.0)  # strokes peak at full white, like MNIST


def _place_by_centre_of_mass(digit):
    """Paste the digit into 28x28 so its centre of mass lands on MNIST_CENTRE (sub-pixel, box kept in frame)."""
    height, width = digit.shape
    centre_y, centre_x = ndimage.center_of_mass(digit)
    top = np.clip(MNIST_CENTRE - centre_y, 0, IMAGE_SIZE - height)
    left = np.clip(MNIST_CENTRE - centre_x, 0, IMAGE_SIZE - width)
    image = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    whole_top, whole_left = int(top), int(left)
    image[whole_top:whole_top + height, whole_left:whole_left + width] = digit
    # The fractional part of the offset, bilinear: 28x28 -> 28x28, the centre of mass moves onto the centre.
    return ndimage.shift(image, (top - whole_top, left - whole_left), order=1, mode="constant")


def ink_to_mnist(ink):
    """ink (H, W) in [0, 1] -> float32 (1, 1, 28, 28) in [0, 1], or None when nothing is drawn."""
    digit_ink = _find_digit(np.asarray(ink, dtype=np.float32))
    mask = None if digit_ink is None else _digit_mask(digit_ink)
    if mask is None:
        return None
    digit = _fit_box(_restroke(_crop(mask)))
    return _place_by_centre_of_mass(digit)[np.newaxis, np.newaxis]


# ------------------------------------------------------------------------------------ pad strokes


def _number(value, name, low, high):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CanvasError("canvas.number", name=name, value=f"{value!r:.40}")
    if not low < value <= high:
        raise CanvasError("canvas.range", name=name, low=low, high=high, value=f"{value:g}")
    return float(value)


def _stroke_array(stroke, index):
    """A stroke [[x, y], ...] -> float64 (n, 2), or CanvasError saying what is wrong with it."""
    if not isinstance(stroke, list):
        raise CanvasError("canvas.stroke_list", index=index)
    if any(isinstance(number, (bool, str)) for point in stroke if isinstance(point, list) for number in point):
        raise CanvasError("canvas.stroke_pairs", index=index)  # numpy would read True as 1 and "5" as 5
    try:
        points = np.array(stroke, dtype=np.float64)
    except (TypeError, ValueError, RecursionError):
        raise CanvasError("canvas.stroke_pairs", index=index) from None
    if len(stroke) and (points.ndim != 2 or points.shape[1] != 2):
        raise CanvasError("canvas.stroke_pairs", index=index)
    if not np.isfinite(points).all():
        raise CanvasError("canvas.stroke_finite", index=index)
    return points.reshape(-1, 2)


@dataclass(frozen=True)
class PadDrawing:
    """The pad's value, parsed: its size and pen, and the strokes in pad pixels."""

    width: float
    height: float
    brush: float
    strokes: list  # [(n, 2) float64 arrays of x, y]; empty for a cleared pad

    def to_json(self):
        """The drawing as stored with a label: these fields alone, numbers only, whatever else arrived.

        Its size is bounded by the caps (MAX_POINTS points of two short numbers each), not by the request.
        """
        return json.dumps({"width": round(self.width, STORED_DECIMALS), "height": round(self.height, STORED_DECIMALS),
                           "brush": round(self.brush, STORED_DECIMALS),
                           "strokes": [np.clip(np.round(stroke, STORED_DECIMALS), -MAX_COORDINATE, MAX_COORDINATE).tolist()
                                       for stroke in self.strokes]},
                          separators=(",", ":"))


def parse_pad_value(value):
    """The pad's value (JSON text or dict) -> PadDrawing, or None for None and "".

    The one parser of the pad's value: predicting, the inside view and labelling all read it here.
    Only the known fields are read (width, height, brush, strokes); anything malformed or over the caps
    raises CanvasError with a sentence for a person; the caps are checked before any per-point work.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        if len(value) > MAX_PAD_VALUE_CHARS:
            raise CanvasError("canvas.too_long", length=len(value), max=MAX_PAD_VALUE_CHARS)
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):  # RecursionError: brackets thousands deep (3.13 reads ~10,000)
            raise CanvasError("canvas.not_json") from None
    if not isinstance(value, dict) or not isinstance(value.get("strokes"), list):
        raise CanvasError("canvas.form", format=PAD_FORMAT)
    width = _number(value.get("width"), "width", 0, MAX_PAD_SIDE)
    height = _number(value.get("height"), "height", 0, MAX_PAD_SIDE)
    brush = value.get("brush")
    brush = DEFAULT_BRUSH_SHARE * max(width, height) if brush is None else _number(brush, "brush", 0, MAX_PAD_SIDE)
    strokes = value["strokes"]
    if len(strokes) > MAX_STROKES:
        raise CanvasError("canvas.strokes", count=len(strokes), max=MAX_STROKES)
    points = sum(len(stroke) if isinstance(stroke, list) else 0 for stroke in strokes)
    if points > MAX_POINTS:
        raise CanvasError("canvas.points", count=points, max=MAX_POINTS)
    return PadDrawing(width, height, brush, [_stroke_array(stroke, index) for index, stroke in enumerate(strokes)])


def _inside_runs(points, width, height):
    """Split a stroke where it leaves the pad: the pad shows only what is inside it, and so do we."""
    inside = (points[:, 0] >= 0) & (points[:, 0] <= width) & (points[:, 1] >= 0) & (points[:, 1] <= height)
    edges = np.flatnonzero(np.diff(np.concatenate(([0], inside.astype(np.int8), [0]))))
    return [points[start:stop] for start, stop in zip(edges[::2], edges[1::2])]


def _without_taps(strokes, brush):
    """Drop taps of the pen (a stroke whose ink is at most two pens wide), unless nothing else is drawn."""
    extents = [np.ptp(stroke, axis=0).max() for stroke in strokes]
    kept = [stroke for stroke, extent in zip(strokes, extents) if extent + brush > DOT_STROKES * brush]
    return kept or [strokes[int(np.argmax(extents))]]


def _render_strokes(strokes):
    """Centre lines (pad units) -> binary ink, longer side 20 x SUPERSAMPLE px, pen at MNIST's relative width.

    The pen is redrawn, whatever the user's was: MNIST's width is a share of the digit's size, and
    the ink's longer side L + pen must make pen = MNIST_STROKE_RATIO * (L + pen).
    """
    every_point = np.concatenate(strokes)
    low = every_point.min(axis=0)
    longest = max(float(np.ptp(every_point, axis=0).max()), 1e-6)
    pen = MNIST_STROKE_RATIO / (1 - MNIST_STROKE_RATIO) * longest
    scale = DIGIT_BOX * SUPERSAMPLE / (longest + pen)  # pad units -> grid pixels
    margin = pen * scale / 2 + 1
    extent = np.ptp(every_point, axis=0) * scale + 2 * margin
    grid = np.zeros((int(np.ceil(extent[1])) + 1, int(np.ceil(extent[0])) + 1), dtype=bool)  # (rows=y, cols=x)
    cells = np.concatenate([_line_cells(np.round((stroke - low) * scale + margin).astype(np.int64))
                            for stroke in strokes])  # (k, 2) x, y
    grid[cells[:, 1], cells[:, 0]] = True
    return _crop(ndimage.distance_transform_edt(~grid) <= pen * scale / 2)


def _line_cells(points):
    """Integer polyline (n, 2) -> every grid cell on its segments, (k, 2) x, y, all segments at once.

    Each segment of length L (in cells, the longer axis) is stepped in L equal steps and rounded: the
    cells a line-drawing algorithm visits, without a Python loop over the segments.
    """
    starts, steps = points[:-1], np.diff(points, axis=0)  # (s, 2) each
    lengths = np.abs(steps).max(axis=1)
    if not len(lengths):
        return points
    owner = np.repeat(np.arange(len(lengths)), lengths + 1)  # one row per visited cell
    position = np.arange(len(owner)) - np.repeat(np.cumsum(lengths + 1) - (lengths + 1), lengths + 1)
    share = position / np.maximum(lengths, 1)[owner]  # 0 .. 1 along the segment
    return starts[owner] + np.round(share[:, None] * steps[owner]).astype(np.int64)


def drawing_to_mnist(drawing):
    """A PadDrawing (or None) -> float32 (1, 1, 28, 28) in [0, 1], or None when nothing is drawn inside the pad."""
    if drawing is None:
        return None
    strokes = [run for stroke in drawing.strokes for run in _inside_runs(stroke, drawing.width, drawing.height)]
    if not strokes:  # nothing drawn, or only outside the pad
        return None
    digit = _fit_box(_render_strokes(_without_taps(strokes, drawing.brush)))
    return _place_by_centre_of_mass(digit)[np.newaxis, np.newaxis]


def strokes_to_mnist(value):
    """The pad's value -> float32 (1, 1, 28, 28) in [0, 1], or None for a blank drawing (CanvasError if malformed)."""
    return drawing_to_mnist(parse_pad_value(value))


# ------------------------------------------------------------------------------------ paper photos


PAPER_SMOOTHING = 0.2  # the paper's light is estimated over 20 % of the photo's longer side


def photo_to_ink(luminance):
    """A photo of dark ink on paper, (H, W) luminance in [0, 1] -> ink (H, W) in [0, 1].

    Uneven light and grey paper: the paper's local brightness is the photo with the ink closed away
    (a grey closing wider than a stroke), smoothed; ink is how much darker than its paper a pixel is,
    scaled so the darkest strokes are 1, with paper grain below Otsu's threshold cut to 0.
    """
    small, factor = _shrink(luminance, SEARCH_SIZE)
    size = max(3, int(PAPER_SMOOTHING * max(small.shape)))
    paper = ndimage.gaussian_filter(ndimage.grey_closing(small, size=(size, size)), size / 2)
    paper = transform.resize(paper, luminance.shape, order=1) if factor > 1 else paper
    darkness = np.clip(paper - luminance, 0.0, 1.0)
    if darkness.max() < 0.1:  # an even image: no ink
        return np.zeros_like(luminance)
    darkness /= np.percentile(darkness[darkness > 0.5 * darkness.max()], 90)
    threshold = filters.threshold_otsu(darkness)
    return np.clip((darkness - threshold) / max(1 - threshold, 1e-6), 0.0, 1.0).astype(np.float32)


def upload_to_mnist(image):
    """An uploaded picture -> float32 (1, 1, 28, 28) in [0, 1], or None when it holds no ink.

    A stroke layer (ink in the alpha channel) is read as drawn; anything opaque is treated as ink on
    paper, which also covers a clean drawing with dark ink on a light background.
    """
    unit = _unit_range_image(image)
    ink = unit[:, :, 3] if _is_stroke_layer(unit) else photo_to_ink(1.0 - _darkness(unit))
    return ink_to_mnist(ink)
