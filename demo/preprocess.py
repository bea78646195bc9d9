"""Canvas to MNIST tensor: numpy in, numpy out (scikit-image inside; no Gradio, no MXNet).

MNIST digits were made by scaling each digit to fit a 20x20 box (anti-aliased, keeping its aspect
ratio) and placing it in 28x28 with its centre of mass at the centre. People draw anywhere on a big
canvas, small or large, with a thin or fat brush; `canvas_to_mnist` undoes all of that:

    ink (H, W) in [0, 1]
      -> find the digit on a shrunk copy            (cheap block mean; keeps latency flat for big canvases)
      -> crop it from the full-resolution ink        (tiny digits keep their detail), shrink to <= WORK_SIZE
      -> drop stray dots, on both copies            (small components, and blobs no wider than two strokes)
      -> re-stroke to MNIST's stroke width          (distance transforms on the binary ink)
      -> fit the longer side to 20 px, anti-aliased
      -> paste into 28x28 with the centre of mass at (14, 14), sub-pixel
      -> float32 (1, 1, 28, 28) in [0, 1]
"""
import numpy as np
from scipy import ndimage
from skimage import draw, measure, transform

from trainer.mnist import DIGIT_BOX, IMAGE_SIZE

SEARCH_SIZE = 256  # longest side of the shrunk canvas the digit is looked for on
WORK_SIZE = 128  # longest side of the cropped digit worked on: 6x MNIST's 20 px box
INK_THRESHOLD = 0.2  # ink above this counts as drawn (anti-aliased brush edges are fainter)
STRAY_DOT_FRACTION = 0.05  # components under 5 % of the largest one's area are stray dots ...
DOT_STROKES = 2.0  # ... and so are blobs at most two stroke widths across
MNIST_STROKE_RATIO = 0.12  # MNIST stroke width / digit height: ~2.4 px in the 20 px box
MNIST_CENTRE = 14.0  # MNIST's mean centre of mass, in pixel indices, on both axes
MAX_CANVAS_PIXELS = 4_000_000  # larger inputs are refused before any work
MAX_STROKE_POINTS = 20_000  # stroke lists (the /explain API) with more points are refused
PEN_RADIUS = 0.0175  # stroke lists are drawn with the Sketchpad's pen: 28 px wide on 800 px


class CanvasError(ValueError):
    """The input cannot be read as a drawing; the message says why."""


def image_to_ink(image):
    """An image as a drawing: RGBA -> alpha (what the brush laid down); RGB or grey -> darkness.

    image: uint8 or float array, (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA. Returns float32 (H, W) in [0, 1].
    A fully opaque RGBA image (a flattened composite, a photo) is read by its darkness, like RGB.
    """
    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)) or min(array.shape[:2]) < 1:
        raise CanvasError(f"expected a greyscale, RGB or RGBA image, got an array of shape {array.shape}")
    if array.shape[0] * array.shape[1] > MAX_CANVAS_PIXELS:
        raise CanvasError(f"image of {array.shape[1]}x{array.shape[0]} px is larger than "
                          f"{MAX_CANVAS_PIXELS // 1_000_000} megapixels")
    scale = 255.0 if array.dtype == np.uint8 or array.max(initial=0) > 1.0 else 1.0
    array = array.astype(np.float32) / scale
    if array.ndim == 2:
        return 1.0 - array
    if array.shape[2] == 4 and array[:, :, 3].min() < 1.0:
        return array[:, :, 3]  # a stroke layer: the brush lays down alpha, whatever its colour
    return 1.0 - array[:, :, :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # opaque: darkness


def editor_value_to_ink(value):
    """A Sketchpad value {"background", "layers", "composite"} (numpy images) -> ink (H, W), or None if empty.

    The layers' alpha is the ink; when no layer has any, the composite's darkness is used (for API callers
    that send only a flat image).
    """
    if value is None:
        return None
    if not isinstance(value, dict):
        return image_to_ink(value)
    layers = [layer for layer in (value.get("layers") or []) if layer is not None]
    if layers:
        inks = [image_to_ink(layer) for layer in layers]
        if len({ink.shape for ink in inks}) == 1:
            ink = np.max(inks, axis=0)
            if ink.max() > INK_THRESHOLD:
                return ink
    if value.get("composite") is not None:
        return image_to_ink(value["composite"])
    return None


def _shrink(ink, longest_side):
    """Block-average so the longer side is at most `longest_side`; returns (image, factor)."""
    factor = int(np.ceil(max(ink.shape) / longest_side))
    return (ink, 1) if factor <= 1 else (measure.block_reduce(ink, (factor, factor), np.mean), factor)


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


def strokes_to_ink(pad):
    """{"width": W, "height": H, "strokes": [[[x, y], ...], ...]} (pixels, origin top left) -> ink (H, W).

    Each stroke is a polyline drawn with a round pen of the Sketchpad's relative width; the pen width
    hardly matters, since `ink_to_mnist` redraws the strokes at MNIST's width anyway.
    """
    try:
        width, height = int(pad["width"]), int(pad["height"])
        strokes = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in pad["strokes"]]
    except (KeyError, TypeError, ValueError) as error:
        raise CanvasError('expected {"width": W, "height": H, "strokes": [[[x, y], ...], ...]}'
                          f" ({type(error).__name__}: {error})") from None
    if not (0 < width and 0 < height and width * height <= MAX_CANVAS_PIXELS):
        raise CanvasError(f"a canvas of {width}x{height} px is not between 1 px and "
                          f"{MAX_CANVAS_PIXELS // 1_000_000} megapixels")
    if sum(len(stroke) for stroke in strokes) > MAX_STROKE_POINTS:
        raise CanvasError(f"more than {MAX_STROKE_POINTS:,} stroke points")
    centre_line = np.zeros((height, width), dtype=bool)
    for stroke in strokes:
        points = np.clip(np.round(stroke[:, ::-1]), 0, [height - 1, width - 1]).astype(int)  # (row, col)
        for (row0, col0), (row1, col1) in zip(points, points[1:] if len(points) > 1 else points):
            centre_line[draw.line(row0, col0, row1, col1)] = True
    if not centre_line.any():
        return np.zeros((height, width), dtype=np.float32)
    radius = max(1.0, PEN_RADIUS * max(width, height))
    return (ndimage.distance_transform_edt(~centre_line) <= radius).astype(np.float32)


def ink_to_mnist(ink):
    """ink (H, W) in [0, 1] -> float32 (1, 1, 28, 28) in [0, 1], or None when nothing is drawn."""
    digit_ink = _find_digit(np.asarray(ink, dtype=np.float32))
    mask = None if digit_ink is None else _digit_mask(digit_ink)
    if mask is None:
        return None
    digit = _fit_box(_restroke(_crop(mask)))
    return _place_by_centre_of_mass(digit)[np.newaxis, np.newaxis]


def canvas_to_mnist(value):
    """A Sketchpad value or a plain image -> float32 (1, 1, 28, 28) in [0, 1], or None for a blank canvas."""
    ink = editor_value_to_ink(value)
    return None if ink is None else ink_to_mnist(ink)
