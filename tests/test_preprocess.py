"""Canvas -> MNIST tensor on synthetic canvases: pure numpy, no Gradio or MXNet involved."""
import numpy as np
import pytest
from scipy import ndimage

from conftest import layer_with, seven
from demo.preprocess import (MAX_CANVAS_PIXELS, MNIST_CENTRE, CanvasError, canvas_to_mnist, image_to_ink, ink_to_mnist,
                             strokes_to_ink)


def editor_value(layer):
    return {"background": None, "layers": [layer], "composite": None}


def check_mnist_format(tensor):
    assert tensor.shape == (1, 1, 28, 28) and tensor.dtype == np.float32
    assert tensor.min() >= 0.0 and 0.95 < tensor.max() <= 1.0  # strokes peak near full white, like MNIST
    image = tensor[0, 0]
    rows, cols = np.flatnonzero(image.max(axis=1) > 0.05), np.flatnonzero(image.max(axis=0) > 0.05)
    box = (rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    assert max(box) in (20, 21), box  # longer side fitted to 20 px (+1 when the sub-pixel shift straddles)
    centre = ndimage.center_of_mass(image)
    assert abs(centre[0] - MNIST_CENTRE) <= 0.1 and abs(centre[1] - MNIST_CENTRE) <= 0.1, centre
    return image


def test_blank_canvas_gives_none():
    assert canvas_to_mnist(editor_value(np.zeros((800, 800, 4), dtype=np.uint8))) is None
    assert canvas_to_mnist(None) is None
    assert canvas_to_mnist({"background": None, "layers": [], "composite": None}) is None


@pytest.mark.parametrize("placement", [
    dict(top=150, left=200, size=500),  # centred
    dict(top=10, left=10, size=150),  # top-left corner
    dict(top=600, left=590, size=180),  # bottom-right corner
    dict(top=380, left=380, size=40),  # tiny
    dict(top=40, left=40, size=720),  # huge: the pen reaches within 4 px of the edges
])
def test_position_and_size_do_not_matter(placement):
    reference = check_mnist_format(canvas_to_mnist(editor_value(seven())))
    image = check_mnist_format(canvas_to_mnist(editor_value(seven(**placement))))
    assert np.abs(image - reference).mean() < 0.04  # the same drawing, wherever and however large (a different digit: > 0.1)


@pytest.mark.parametrize("radius", [1.5, 90])  # 0.3 % and 18 % of the digit's height
def test_very_thin_and_very_thick_strokes_become_mnist_like(radius):
    image = check_mnist_format(canvas_to_mnist(editor_value(seven(radius=radius))))
    ink_pixels = (image > 0.5).sum()
    assert 40 <= ink_pixels <= 180, ink_pixels  # MNIST digits have ~105 pixels above 0.5


def test_stray_dots_are_ignored():
    clean = canvas_to_mnist(editor_value(seven()))
    dotted_layer = seven()
    dotted_layer[700:712, 60:72, 3] = 255  # a tap of the pen far from the digit
    dotted_layer[30:36, 740:746, 3] = 255
    np.testing.assert_array_equal(canvas_to_mnist(editor_value(dotted_layer)), clean)


def test_rgb_greyscale_and_composite_inputs_match_the_alpha_layer():
    layer = seven()
    expected = canvas_to_mnist(editor_value(layer))
    ink = layer[..., 3]
    rgb = np.repeat((255 - ink)[..., None], 3, axis=2)  # black on white, no alpha
    grey = 255 - ink
    opaque_rgba = np.dstack([rgb, np.full(ink.shape, 255, np.uint8)])
    for image in (rgb, grey, opaque_rgba, grey[..., None]):
        np.testing.assert_allclose(canvas_to_mnist(image), expected, atol=1e-6)
    only_composite = {"background": None, "layers": [np.zeros_like(layer)], "composite": rgb}
    np.testing.assert_allclose(canvas_to_mnist(only_composite), expected, atol=1e-6)


def test_any_canvas_shape_works():
    wide = layer_with((300, 1200), lines=[((50, 600, 250, 600), 10)])  # a '1' on a wide canvas
    image = check_mnist_format(canvas_to_mnist(editor_value(wide)))
    assert image.shape == (28, 28)


def test_float_images_in_unit_range_are_accepted():
    layer = seven().astype(np.float32) / 255
    np.testing.assert_allclose(canvas_to_mnist(layer), canvas_to_mnist(seven()), atol=1e-6)


@pytest.mark.parametrize("bad", [np.zeros((5, 5, 2)), np.zeros((5,)), np.zeros((0, 10, 4)), np.zeros((4, 4, 4, 4))])
def test_malformed_arrays_are_a_clear_error(bad):
    with pytest.raises(CanvasError, match="expected a greyscale, RGB or RGBA image"):
        image_to_ink(bad)


def test_oversized_images_are_refused():
    side = int(np.sqrt(MAX_CANVAS_PIXELS)) + 10
    with pytest.raises(CanvasError, match="megapixels"):
        image_to_ink(np.zeros((side, side), dtype=np.uint8))


def test_a_stroke_list_reads_like_the_same_drawing_on_the_sketchpad():
    # seven(): a bar from (x 200, y 150) to (600, 150), then a diagonal to (350, 650), pen radius 25 px
    pad = {"width": 800, "height": 800, "strokes": [[[200, 150], [600, 150], [350, 650]]]}
    from_strokes = ink_to_mnist(strokes_to_ink(pad))
    from_layer = canvas_to_mnist({"background": None, "layers": [seven()], "composite": None})
    assert from_strokes.shape == (1, 1, 28, 28)
    assert np.abs(from_strokes - from_layer).mean() < 0.05
    assert ink_to_mnist(strokes_to_ink({"width": 800, "height": 800, "strokes": []})) is None


@pytest.mark.parametrize("pad, message", [
    ({"width": 800, "strokes": []}, "expected"),
    ({"width": 800, "height": 800, "strokes": [[[1, 2, 3]]]}, "expected"),
    ({"width": 5000, "height": 5000, "strokes": []}, "megapixels"),
    ({"width": 100, "height": 100, "strokes": [[[1, 1]] * 30_000]}, "stroke points"),
])
def test_malformed_stroke_lists_are_clear_errors(pad, message):
    with pytest.raises(CanvasError, match=message):
        strokes_to_ink(pad)
