"""Strokes, canvases and photos -> MNIST tensor, on synthetic drawings: pure numpy, no Gradio or MXNet involved."""
import json

import numpy as np
import pytest
from scipy import ndimage

from testkit.pad_digits import pad_value
from conftest import layer_with, seven
from demo.preprocess import (MAX_CANVAS_PIXELS, MAX_PAD_VALUE_CHARS, MAX_POINTS, MAX_STROKES, MNIST_CENTRE, CanvasError,
                             strokes_to_mnist, upload_to_mnist)


def canvas_to_mnist(image):
    """A stroke layer (ink in the alpha channel), as an uploaded drawing is read."""
    return upload_to_mnist(image)


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
    assert canvas_to_mnist(np.zeros((800, 800, 4), dtype=np.uint8)) is None
    assert canvas_to_mnist(np.full((800, 800, 3), 255, dtype=np.uint8)) is None


@pytest.mark.parametrize("placement", [
    dict(top=150, left=200, size=500),  # centred
    dict(top=10, left=10, size=150),  # top-left corner
    dict(top=600, left=590, size=180),  # bottom-right corner
    dict(top=380, left=380, size=40),  # tiny
    dict(top=40, left=40, size=720),  # huge: the pen reaches within 4 px of the edges
])
def test_position_and_size_do_not_matter(placement):
    reference = check_mnist_format(canvas_to_mnist((seven())))
    image = check_mnist_format(canvas_to_mnist((seven(**placement))))
    assert np.abs(image - reference).mean() < 0.04  # the same drawing, wherever and however large (a different digit: > 0.1)


@pytest.mark.parametrize("radius", [1.5, 90])  # 0.3 % and 18 % of the digit's height
def test_very_thin_and_very_thick_strokes_become_mnist_like(radius):
    image = check_mnist_format(canvas_to_mnist((seven(radius=radius))))
    ink_pixels = (image > 0.5).sum()
    assert 40 <= ink_pixels <= 180, ink_pixels  # MNIST digits have ~105 pixels above 0.5


def test_stray_dots_are_ignored():
    clean = canvas_to_mnist((seven()))
    dotted_layer = seven()
    dotted_layer[700:712, 60:72, 3] = 255  # a tap of the pen far from the digit
    dotted_layer[30:36, 740:746, 3] = 255
    np.testing.assert_array_equal(canvas_to_mnist((dotted_layer)), clean)


def test_any_canvas_shape_works():
    wide = layer_with((300, 1200), lines=[((50, 600, 250, 600), 10)])  # a '1' on a wide canvas
    image = check_mnist_format(canvas_to_mnist((wide)))
    assert image.shape == (28, 28)


def test_float_images_in_unit_range_are_accepted():
    layer = seven().astype(np.float32) / 255
    np.testing.assert_allclose(canvas_to_mnist(layer), canvas_to_mnist(seven()), atol=1e-6)


@pytest.mark.parametrize("bad", [np.zeros((5, 5, 2)), np.zeros((5,)), np.zeros((0, 10, 4)), np.zeros((4, 4, 4, 4))])
def test_malformed_arrays_are_a_clear_error(bad):
    with pytest.raises(CanvasError, match="expected a greyscale, RGB or RGBA image"):
        upload_to_mnist(bad)


def test_oversized_images_are_refused():
    side = int(np.sqrt(MAX_CANVAS_PIXELS)) + 10
    with pytest.raises(CanvasError, match="megapixels"):
        upload_to_mnist(np.zeros((side, side), dtype=np.uint8))


# ------------------------------------------------------------------------------------ pad strokes


def test_strokes_become_an_mnist_digit_wherever_and_however_large_they_are_drawn():
    reference = check_mnist_format(strokes_to_mnist(pad_value(7)))
    for size, centre, side in ((0.2, (0.15, 0.2), 400), (0.9, (0.5, 0.5), 400), (0.5, (0.7, 0.6), 1200)):
        image = check_mnist_format(strokes_to_mnist(pad_value(7, size=size, centre=centre, side=side)))
        assert np.abs(image - reference).mean() < 0.01, (size, centre, side)
    assert np.abs(check_mnist_format(strokes_to_mnist(pad_value(1))) - reference).mean() > 0.1  # another digit


def test_json_text_and_dict_give_the_same_tensor_and_the_pen_width_does_not_matter():
    value = pad_value(3)
    expected = strokes_to_mnist(value)
    np.testing.assert_array_equal(strokes_to_mnist(json.dumps(value)), expected)
    for brush in (2, 60):
        np.testing.assert_array_equal(strokes_to_mnist({**value, "brush": brush}), expected)
    minimal = {key: value[key] for key in ("width", "height", "strokes")}  # "brush" is optional
    np.testing.assert_array_equal(strokes_to_mnist(minimal), expected)


def test_the_pen_is_redrawn_at_mnist_width_and_the_image_is_upright():
    image = strokes_to_mnist(pad_value(7))[0, 0]
    assert 60 <= (image > 0.5).sum() <= 160  # MNIST digits have ~105 pixels above 0.5
    rows = np.flatnonzero(image.max(axis=1) > 0.5)
    assert image[rows[0]].sum() > 3 * image[rows[-1]].sum()  # the 7's bar is at the top (y points down)


def test_taps_of_the_pen_and_strokes_outside_the_pad_are_ignored():
    value = pad_value(7)
    expected = strokes_to_mnist(value)
    tapped = {**value, "strokes": value["strokes"] + [[[30.0, 370.0]], [[380.0, 20.0], [381.0, 21.0]]]}
    np.testing.assert_array_equal(strokes_to_mnist(tapped), expected)
    outside = {**value, "strokes": value["strokes"] + [[[-50.0, -50.0], [-10.0, -200.0]], [[500.0, 10.0], [900.0, 90.0]]]}
    np.testing.assert_array_equal(strokes_to_mnist(outside), expected)


def test_a_stroke_that_leaves_the_pad_keeps_only_its_parts_inside():
    leaving = {"width": 400, "height": 400, "strokes": [[[200.0, 100.0], [200.0, 300.0], [200.0, 600.0], [260.0, 700.0]]]}
    inside = {"width": 400, "height": 400, "strokes": [[[200.0, 100.0], [200.0, 300.0]]]}
    np.testing.assert_array_equal(strokes_to_mnist(leaving), strokes_to_mnist(inside))


@pytest.mark.parametrize("blank", [None, "", "  ", {"width": 400, "height": 400, "strokes": []},
                                   '{"width": 400, "height": 400, "strokes": [[]]}',
                                   {"width": 400, "height": 400, "strokes": [[[-5, -5], [-1, -9]]]}])
def test_blank_drawings_give_none(blank):
    assert strokes_to_mnist(blank) is None


@pytest.mark.parametrize("bad, message", [
    ("{not json", "not valid JSON"),
    ("[1, 2, 3]", "expected a drawing of the form"),
    ({"width": 400, "height": 400}, "expected a drawing of the form"),
    ({"width": 400, "height": 400, "strokes": "abc"}, "expected a drawing of the form"),
    ({"width": "400", "height": 400, "strokes": []}, "width must be a finite number"),
    ({"width": True, "height": 400, "strokes": []}, "width must be a finite number"),
    ({"width": 0, "height": 400, "strokes": []}, "width must be above 0"),
    ({"width": 400, "height": -3, "strokes": []}, "height must be above 0"),
    ({"width": 1e9, "height": 400, "strokes": []}, "at most 10,000"),
    ({"width": 400, "height": 400, "brush": float("nan"), "strokes": []}, "brush must be a finite number"),
    ('{"width": 400, "height": 400, "strokes": [[[NaN, 3]]]}', "not a finite number"),
    ('{"width": 400, "height": 400, "strokes": [[[1e999, 3]]]}', "not a finite number"),
    ({"width": 400, "height": 400, "strokes": [[[1, 2, 3]]]}, "number pairs"),
    ({"width": 400, "height": 400, "strokes": [[[1, 2], [3]]]}, "number pairs"),
    ({"width": 400, "height": 400, "strokes": [[["a", "b"]]]}, "number pairs"),
    ({"width": 400, "height": 400, "strokes": [{"x": 1}]}, "stroke 0 must be a list"),
    ({"width": 400, "height": 400, "strokes": [[[1, 2]]] * (MAX_STROKES + 1)}, f"at most {MAX_STROKES} are accepted"),
    ({"width": 400, "height": 400, "strokes": [[[1, 2]] * (MAX_POINTS + 1)]}, f"at most {MAX_POINTS:,} are accepted"),
    ("x" * (MAX_PAD_VALUE_CHARS + 1), "characters of JSON"),
])
def test_malformed_drawings_are_a_clear_error(bad, message):
    with pytest.raises(CanvasError, match=message):
        strokes_to_mnist(bad)


def test_absurd_but_finite_coordinates_are_clipped_to_the_pad():
    value = pad_value(1)
    absurd = {**value, "strokes": value["strokes"] + [[[1e300, -1e300], [-1e300, 1e300]]]}
    np.testing.assert_array_equal(strokes_to_mnist(absurd), strokes_to_mnist(value))


# ------------------------------------------------------------------------------------ uploads


def test_a_photo_of_paper_in_uneven_light_reads_like_the_clean_drawing():
    ink = seven()[..., 3] / 255.0
    clean = upload_to_mnist(seven())  # a stroke layer: ink in the alpha channel
    light = 0.5 + 0.4 * np.linspace(0, 1, 800)[None, :] * np.linspace(0.7, 1, 800)[:, None]  # a lamp to the right
    grain = np.random.default_rng(0).normal(0, 0.03, ink.shape)
    photo = np.clip(light * (1 - 0.7 * ink) + grain, 0, 1)
    for picture in ((photo * 255).astype(np.uint8), np.dstack([photo] * 3), (255 * (1 - ink)).astype(np.uint8)):
        image = check_mnist_format(upload_to_mnist(picture))
        assert np.abs(image - clean[0, 0]).mean() < 0.05
    assert upload_to_mnist(np.full((300, 300, 3), 180, np.uint8)) is None  # blank grey paper
