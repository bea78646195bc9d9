"""Batched data augmentation that makes MNIST look like digits people draw on a canvas.

Runs as a handful of MXNet operators on the training device, one call per batch, so it never
becomes the input pipeline's bottleneck: a random affine map (rotation, scale, aspect, shear,
shift) through a bilinear sampler, then a random stroke thickness.
"""
import numpy as np

from trainer.mxnet_shim import mx

MAX_ROTATION_DEG = 15.0
SCALE_RANGE = (0.85, 1.15)
MAX_ASPECT_CHANGE = 0.12  # x and y scale differ by up to +-12 %
MAX_SHEAR = 0.2
MAX_SHIFT_PX = 2.5
STROKE_LEVEL_RANGE = (0.05, 0.45)  # blurred-ink level that becomes the stroke edge: low = thick, high = thin
STROKE_EDGE_SOFTNESS = 0.3  # blurred-ink range over which the new edge goes from black to white
KEEP_STROKE_PROBABILITY = 0.4  # share of images that keep their original strokes
_BLUR_KERNEL = (np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=np.float32) / 16).reshape(1, 1, 3, 3)


def random_affine_matrices(rng, count, size=28):
    """(count, 6) rows of GridGenerator's 'affine' theta: output coords -> input coords, in [-1, 1] units."""
    angle = np.radians(rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG, count))
    scale = rng.uniform(*SCALE_RANGE, count)
    aspect = rng.uniform(-MAX_ASPECT_CHANGE, MAX_ASPECT_CHANGE, count)
    shear = rng.uniform(-MAX_SHEAR, MAX_SHEAR, count)
    shift = rng.uniform(-MAX_SHIFT_PX, MAX_SHIFT_PX, (count, 2)) * 2.0 / size  # pixels -> normalised units
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


def augment_batch(images, rng):
    """images: NDArray (N, 1, 28, 28) in [0, 1] -> a randomly distorted copy, same shape and range."""
    count, _, height, width = images.shape
    device = images.context
    theta = mx.nd.array(random_affine_matrices(rng, count, height), ctx=device)
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
        "stroke_level": list(STROKE_LEVEL_RANGE),
        "stroke_edge_softness": STROKE_EDGE_SOFTNESS,
        "keep_stroke_probability": KEEP_STROKE_PROBABILITY,
    }
