"""Batched data augmentation that makes MNIST look like digits people draw on a canvas.

Runs once per batch, so it never becomes the input pipeline's bottleneck. First, given the labels,
the writing styles people use and MNIST barely has (a flag or a base on a 1, a bar across a 7, a
tail curling left under a 9, a long slash through a 0, a 4 whose right stem starts low) are drawn or
erased in numpy on the few images concerned, and each restyled digit is re-fitted as MNIST's were
(the real strokes of the development sets, pendigits and unipen-dev, bench/real_strokes.py, are
where these styles come from and where they are measured). Then, as a handful of MXNet operators on
the training device, a random affine map (rotation, scale, aspect, shear, shift) through a bilinear
sampler and a random stroke thickness.
The affine ranges shrink over the last epochs (affine_strength); the styles stay to the end.
"""
import numpy as np
from scipy import ndimage

from trainer.mxnet_shim import mx

MAX_ROTATION_DEG = 15.0
SCALE_RANGE = (0.85, 1.15)
MAX_ASPECT_CHANGE = 0.12  # x and y scale differ by up to +-12 %
MAX_SHEAR = 0.2
MAX_SHIFT_PX = 2.5
# The affine ranges shrink over the last epochs, so training ends on digits as MNIST's are written
# (upright, centred), while the writing styles and pen widths stay: the models keep reading both.
ANNEAL_START = 0.6  # share of the epochs at full strength
FINAL_STRENGTH = 0.3  # share of every affine range left in the last epoch
STROKE_LEVEL_RANGE = (0.05, 0.45)  # blurred-ink level that becomes the stroke edge: low = thick, high = thin
STROKE_EDGE_SOFTNESS = 0.3  # blurred-ink range over which the new edge goes from black to white
KEEP_STROKE_PROBABILITY = 0.4  # share of images that keep their original strokes
# Writing styles: the share of its class's images that each one is given.
STYLE_PROBABILITY = {"one_flag": 0.4, "one_base": 0.2, "seven_bar": 0.4, "nine_tail": 0.4, "zero_slash": 0.25,
                     "four_short_stem": 0.3}
# A flag flatter than this is a 7's bar: after the rotation and shear that follow, flatter flags made
# the models read some of MNIST's short-topped 7s as 1s.
FLAG_MIN_DROP_DEG = 40.0
ZERO_SLASH_LENGTH = (1.2, 2.2)  # a slash through a 0, as a share of the ring's height ...
ZERO_SLASH_LEAN_DEG = (-10.0, 30.0)  # ... upright or leaning, degrees from the vertical (positive: like '/')
STYLE_PEN_RADIUS = (0.8, 1.4)  # px, as MNIST's strokes (2-3 px wide)
DIGIT_BOX_PX = 20.0  # a restyled digit is re-fitted as MNIST's were: longer side 20 px ...
MNIST_CENTRE_PX = 14.0  # ... centre of mass at (14, 14)
_BLUR_KERNEL = (np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 16).reshape(1, 1, 3, 3)


def affine_strength(epoch, epochs):
    """How much of the affine ranges epoch `epoch` (1-based) of `epochs` uses: all of them for the
    first ANNEAL_START share of the epochs, then linearly less, down to FINAL_STRENGTH in the last."""
    start = ANNEAL_START * epochs
    if epoch <= start or epochs <= 1:
        return 1.0
    return 1.0 - (1.0 - FINAL_STRENGTH) * (epoch - start) / (epochs - start)


def random_affine_matrices(rng, count, size=28, strength=1.0):
    """(count, 6) rows of GridGenerator's 'affine' theta: output coords -> input coords, in [-1, 1] units.

    strength in [0, 1] scales every range: 0 is the identity map.
    """
    angle = np.radians(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG, count)) * strength
    scale = 1 + (rng.uniform(*SCALE_RANGE, count) - 1) * strength
    aspect = rng.uniform(-MAX_ASPECT_CHANGE, MAX_ASPECT_CHANGE, count) * strength
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR, count) * strength
    shift = rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX, (count, 2)) * 2.0 / size * strength  # px -> normalised units
    cos, sin = np.cos(angle), np.sin(angle)
    # Sampling at (output / scale) zooms the digit by `scale`: theta = R @ Shear @ diag(1/sx, 1/sy).
    inverse_x, inverse_y = 1.0 / (scale * (1 + aspect)), 1.0 / (scale * (1 - aspect))
    theta = np.empty((count, 6), dtype=np.float32)
    theta[:, 0] = cos * inverse_x
    theta[:, 1] = (cos * shear - sin) * inverse_y
    theta[:, 2] = shift[:, 0]
    theta[:, 3] = sin * inverse_x
    theta[:, 4] = (sin * shear + cos) * inverse_y
    theta[:, 5] = shift[:, 1]
    return theta


def draw_segments(starts, ends, radius, size=28):
    """Straight pen strokes, anti-aliased, one per image.

    starts, ends: (k, 2) as (x, y) px; radius: (k,) px -> ink float32 (k, size, size) in [0, 1].
    """
    x, y = (axis.ravel().astype(np.float32) for axis in np.meshgrid(np.arange(size), np.arange(size)))  # (size*size,)
    start_x, start_y = (column[:, None].astype(np.float32) for column in starts.T)  # (k, 1)
    step_x, step_y = (column[:, None].astype(np.float32) for column in (ends - starts).T)
    along = ((x - start_x) * step_x + (y - start_y) * step_y) / np.maximum(step_x ** 2 + step_y ** 2, 1e-6)
    along = np.clip(along, 0.0, 1.0)  # (k, size*size): the nearest point of each segment, as a share of it
    distance = np.hypot(x - start_x - along * step_x, y - start_y - along * step_y)
    return np.clip(radius[:, None] + 0.5 - distance, 0.0, 1.0).reshape(-1, size, size).astype(np.float32)


def _ink_box(images):
    """images (k, 28, 28) -> top, bottom, left, right (k,) pixel indices of the ink (pixels above 0.5)."""
    rows, cols = (images > 0.5).any(axis=2), (images > 0.5).any(axis=1)
    last = images.shape[1] - 1
    return (rows.argmax(1), last - rows[:, ::-1].argmax(1), cols.argmax(1), last - cols[:, ::-1].argmax(1))


def _ink_x(images, rows):
    """x centre of the ink in row rows[i] of image i: images (k, 28, 28), rows (k,) -> (k,)."""
    line = images[np.arange(len(rows)), np.round(rows).astype(int)]  # (k, 28)
    return (line * np.arange(line.shape[1])).sum(1) / np.maximum(line.sum(1), 1e-6)


def _one_flag(images, rng):
    """A 1's upstroke: from the top of the stem down to the left, 25-65 degrees off the stem (clear of it)
    and at least FLAG_MIN_DROP_DEG below the horizontal, 25-75 % of its height long.
    """
    top, bottom, _, _ = _ink_box(images)
    start = np.column_stack((_ink_x(images, top), top))
    stem = np.column_stack((_ink_x(images, bottom), bottom)) - start
    steepest = np.radians(180 - FLAG_MIN_DROP_DEG)  # image angles: 90 points down, 180 left
    angle = np.minimum(np.arctan2(stem[:, 1], stem[:, 0]) + np.radians(rng.uniform(25, 65, len(top))), steepest)
    length = (bottom - top) * rng.uniform(0.25, 0.75, len(top))
    return images, start, start + np.column_stack((length * np.cos(angle), length * np.sin(angle)))


def _one_base(images, rng):
    """A 1's base: a short horizontal bar under the stem, reaching 5-35 % of the height to each side."""
    top, bottom, _, _ = _ink_box(images)
    left, right = ((bottom - top) * rng.uniform(0.05, 0.35, len(top)) for _ in range(2))
    x = _ink_x(images, bottom)
    return images, np.column_stack((x - left, bottom)), np.column_stack((x + right, bottom))


def _seven_bar(images, rng):
    """A 7's crossbar: across the stem, 40-75 % of the way down, slightly tilted."""
    top, bottom, _, _ = _ink_box(images)
    row = top + (bottom - top) * rng.uniform(0.4, 0.75, len(top))
    half, tilt = (bottom - top) * rng.uniform(0.15, 0.35, len(top)), rng.uniform(-0.15, 0.15, len(top))
    centre = np.column_stack((_ink_x(images, row), row))
    offset = np.column_stack((half * np.cos(tilt), half * np.sin(tilt)))
    return images, centre - offset, centre + offset


def _nine_tail(images, rng):
    """A 9's tail curling left, like a g: from the stem's foot a bend down-left, then a stroke left and up.

    Returns two strokes per image, (2k, 2) starts and ends: the bend, then the curl.
    """
    top, bottom, left, right = _ink_box(images)
    count, width = len(top), right - left + 1
    foot = np.column_stack((_ink_x(images, bottom), bottom))
    bend = foot + np.column_stack((-width * rng.uniform(0.2, 0.4, count), rng.uniform(0, 2, count)))
    length, angle = width * rng.uniform(0.3, 0.8, count), np.radians(rng.uniform(5, 50, count))
    curl = bend + np.column_stack((-length * np.cos(angle), -length * np.sin(angle)))
    return images, np.concatenate((foot, bend)), np.concatenate((bend, curl))


def _zoom_about(images, centres, zoom):
    """Shrink or grow each image about a point, bilinear: images (k, 28, 28), centres and zoom (k, 2) as (x, y)
    -> (k, 28, 28); output pixel p shows input point centre + (p - centre) / zoom, zero outside the image."""
    k, height, width = images.shape
    index, y, x = np.meshgrid(np.arange(k), np.arange(height), np.arange(width), indexing="ij")  # (k, 28, 28) each
    source_x = centres[:, 0, None, None] + (x - centres[:, 0, None, None]) / zoom[:, 0, None, None]
    source_y = centres[:, 1, None, None] + (y - centres[:, 1, None, None]) / zoom[:, 1, None, None]
    return ndimage.map_coordinates(images, (index, source_y, source_x), order=1, cval=0.0).astype(np.float32)


def _zero_slash(images, rng):
    """A slashed 0 (Ø): a long stroke through the ring, upright or leaning like '/', ZERO_SLASH_LENGTH times
    the ring's height, often reaching well past the ring at both ends.

    The ring is first shrunk about its centre so that ring and slash fit in the height the ring had:
    the re-fit into the 20 px box then sees a small ring, as it does for a real Ø.
    """
    top, bottom, left, right = _ink_box(images)
    count, height = len(top), bottom - top + 1
    centre = np.column_stack(((left + right) / 2, (top + bottom) / 2))
    lean = np.radians(rng.uniform(*ZERO_SLASH_LEAN_DEG, count))  # from the vertical, positive: top to the right
    length = height * rng.uniform(*ZERO_SLASH_LENGTH, count)
    shift = height * rng.uniform(-0.1, 0.1, count)  # the slash's middle, along it, off the ring's centre
    shrink = np.minimum(1.0, height / (length * np.cos(lean) + 2 * np.abs(shift)))  # (k,)
    images = _zoom_about(images, centre, np.column_stack((shrink, shrink)))
    # A shrunk ring's strokes shrink with it; a pen draws both at one width: the thinnest get 1 px wider.
    thin = shrink < 0.7
    images[thin] = ndimage.grey_dilation(images[thin], size=(1, 2, 2))
    direction = np.column_stack((np.sin(lean), -np.cos(lean)))  # unit vector up along the slash, (x, y) px
    middle = centre + (shrink * shift)[:, None] * direction
    half = (shrink * length / 2)[:, None] * direction
    return images, middle + half, middle - half


_NO_STROKE = np.zeros((0, 2))  # what a style that only erases draws


def _four_short_stem(images, rng):
    """A 4 whose right stem starts low, as written in one stroke: erase the stem above 20-45 % of the height.

    The stem is the rightmost ink in that row, when it lies in the right half of the digit (else the
    image is left alone). images (k, 28, 28) -> a copy with the ink above that row, from the stem rightwards, removed.
    """
    top, bottom, left, right = _ink_box(images)
    cut = np.round(top + (bottom - top) * rng.uniform(0.2, 0.45, len(top))).astype(int)
    row_ink = images[np.arange(len(cut)), cut] > 0.5  # (k, 28)
    stem = images.shape[2] - 1 - row_ink[:, ::-1].argmax(1)
    stem = np.where(row_ink.any(1) & (stem > (left + right) / 2), stem - 1.5, images.shape[2])
    rows, cols = np.arange(images.shape[1]), np.arange(images.shape[2])
    erase = (rows[None, :, None] < cut[:, None, None]) & (cols[None, None, :] > stem[:, None, None])
    return np.where(erase, 0.0, images).astype(np.float32), _NO_STROKE, _NO_STROKE


# Style name -> (the digit it is for, its function: images (k, 28, 28), rng -> (images (k, 28, 28), starts, ends)),
# where starts and ends (s * k, 2) are the s new pen strokes of each image, stroke-major, as (x, y) px.
_STYLES = {"four_short_stem": (4, _four_short_stem), "one_flag": (1, _one_flag), "one_base": (1, _one_base),
           "seven_bar": (7, _seven_bar), "nine_tail": (9, _nine_tail), "zero_slash": (0, _zero_slash)}


def add_writing_styles(images, labels, rng):
    """Give each style to a random STYLE_PROBABILITY share of its class's images: ink erased, the digit
    shrunk, or strokes drawn.

    images: float32 (N, 1, 28, 28) in [0, 1]; labels: (N,) ints. Returns a copy (same shape and range)
    and which images changed, bool (N,). Every pen stroke of the batch is drawn in one vectorised call.
    """
    images, changed = images.copy(), np.zeros(len(labels), dtype=bool)
    strokes = []  # (image index, start, end) per stroke: (s * k,), (s * k, 2), (s * k, 2)
    for style, (digit, change) in _STYLES.items():
        chosen = np.flatnonzero((labels == digit) & (rng.random(len(labels)) < STYLE_PROBABILITY[style]))
        if not len(chosen):
            continue
        changed[chosen] = True
        images[chosen, 0], starts, ends = change(images[chosen, 0], rng)
        strokes.append((np.tile(chosen, len(starts) // len(chosen)), starts, ends))
    if strokes:
        owners, starts, ends = (np.concatenate(parts) for parts in zip(*strokes))
        radius = rng.uniform(*STYLE_PEN_RADIUS, len(labels))[owners]  # one pen per image
        np.maximum.at(images[:, 0], owners, draw_segments(starts, ends, radius))
    return images, changed


def refit_like_mnist(theta, images):
    """Compose affine rows with the map that fits each digit as MNIST (and the demo) do.

    A stroke added or erased moves a digit's bounding box and centre of mass; MNIST's preprocessing
    (and demo/preprocess.py) would have scaled its longer side to 20 px and put its centre of mass
    at (14, 14), so the digit is re-fitted that way before the random affine map.
    theta: (k, 6) GridGenerator rows (output -> input, [-1, 1] units); images: (k, 28, 28) -> (k, 6).
    """
    size, last = images.shape[-1], images.shape[-1] - 1
    rows, cols = (images > 0.05).any(axis=2), (images > 0.05).any(axis=1)  # (k, size) each
    height = last - rows[:, ::-1].argmax(1) - rows.argmax(1) + 1
    width = last - cols[:, ::-1].argmax(1) - cols.argmax(1) + 1
    zoom = DIGIT_BOX_PX / np.maximum(height, width)  # (k,)
    mass = np.maximum(images.sum(axis=(1, 2)), 1e-6)[:, None]
    centre = np.column_stack(((images.sum(axis=1) * np.arange(size)).sum(1),
                              (images.sum(axis=2) * np.arange(size)).sum(1))) / mass  # (k, 2): x, y in px

    def unit(pixels):
        return (pixels - last / 2) * 2 / last

    refitted = theta.copy()
    refitted[:, [0, 1, 3, 4]] /= zoom[:, None]
    refitted[:, [2, 5]] = (theta[:, [2, 5]] - unit(MNIST_CENTRE_PX)) / zoom[:, None] + unit(centre)
    return refitted.astype(np.float32)


def augment_batch(images, rng, labels=None, device=None, strength=1.0):
    """images: float32 numpy (N, 1, 28, 28) in [0, 1] -> a randomly distorted copy, an NDArray on `device`
    (default: the CPU), same shape and range.

    labels: int numpy (N,), or None for no class-specific writing styles.
    strength: share of the affine ranges used (affine_strength); styles and stroke thickness keep theirs.
    """
    count, _, height, width = images.shape
    device = device or mx.cpu()
    theta = random_affine_matrices(rng, count, height, strength)
    if labels is not None:
        images, changed = add_writing_styles(images, np.asarray(labels, dtype=np.int64), rng)
        theta[changed] = refit_like_mnist(theta[changed], images[changed, 0])
    images = mx.nd.array(images, ctx=device)
    theta = mx.nd.array(theta, ctx=device)
    grid = mx.nd.GridGenerator(theta, transform_type="affine", target_shape=(height, width))  # (N, 2, 28, 28)
    warped = mx.nd.BilinearSampler(images, grid)  # zeros (background) outside the source image

    # Stroke thickness: redraw the digit as a level set of its blurred image. A low level keeps
    # the faint halo around strokes (thicker), a high one keeps only their cores (thinner).
    blurred = mx.nd.Convolution(warped, mx.nd.array(_BLUR_KERNEL, ctx=device), kernel=(3, 3), pad=(1, 1),
                                num_filter=1, no_bias=True)
    level = mx.nd.array(rng.uniform(*STROKE_LEVEL_RANGE, (count, 1, 1, 1)), ctx=device)
    restroked = mx.nd.clip((blurred - level) / STROKE_EDGE_SOFTNESS, 0.0, 1.0)
    keep = mx.nd.array(rng.random((count, 1, 1, 1)) < KEEP_STROKE_PROBABILITY, ctx=device)
    return keep * warped + (1 - keep) * restroked


def describe():
    """The augmentation settings, for the checkpoint metadata."""
    return {
        "rotation_deg": MAX_ROTATION_DEG,
        "scale": list(SCALE_RANGE),
        "aspect": MAX_ASPECT_CHANGE,
        "shear": MAX_SHEAR,
        "shift_px": MAX_SHIFT_PX,
        "affine_anneal": {"full_strength_share_of_epochs": ANNEAL_START, "final_strength": FINAL_STRENGTH},
        "stroke_level": list(STROKE_LEVEL_RANGE),
        "stroke_edge_softness": STROKE_EDGE_SOFTNESS,
        "keep_stroke_probability": KEEP_STROKE_PROBABILITY,
        "writing_styles": dict(STYLE_PROBABILITY),
        "one_flag_min_drop_deg": FLAG_MIN_DROP_DEG,
        "zero_slash": {"length_share_of_ring": list(ZERO_SLASH_LENGTH), "lean_deg": list(ZERO_SLASH_LEAN_DEG)},
        "style_pen_radius_px": list(STYLE_PEN_RADIUS),
        "restyled_refit": {"box_px": DIGIT_BOX_PX, "centre_of_mass_px": MNIST_CENTRE_PX},
    }
