"""Inside the models, the pictures: one RGB image each, sized by the registry's grids, colours that mean what the captions say."""
import numpy as np
import pytest

from demo import inside_pictures
from demo.inside import Inside, Layer, softmax
from trainer.models import MODELS

RED, BLUE = 0, 2  # RGB channels


def fake_inside(shapes, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Layer(name, rng.uniform(-1, 1, shape).astype(np.float32)) for name, shape in shapes]
    logits = layers[-1].values
    return Inside(layers, softmax(logits), rng.normal(0, 0.1, (10, 28, 28)).astype(np.float32))


LENET = [("conv1", (20, 24, 24)), ("conv2", (50, 8, 8)), ("dense", (500,)), ("logits", (10,))]
MLP = [("hidden1", (128,)), ("hidden2", (64,)), ("logits", (10,))]


def drawn_image():
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0
    return image


def panels_of(name, found, weights, image):
    panels = {key: picture for key, _, picture in inside_pictures.model_panels(MODELS[name], found, weights, image)}
    for key, picture in panels.items():
        assert picture.dtype == np.uint8 and picture.ndim == 3 and picture.shape[2] == 3, key
    return panels


def test_lenet_panels_have_the_sizes_of_their_grids():
    weights = {"conv0_weight": np.random.default_rng(1).normal(size=(20, 5, 5)).astype(np.float32)}
    panels = panels_of("lenet", fake_inside(LENET), weights, drawn_image())
    assert list(panels) == ["conv1", "filters", "conv2", "dense", "outputs"]
    assert panels["conv1"].shape == (4 * 72 + 3 * 2, 5 * 72 + 4 * 2, 3)  # 4x5 grid of 24x24 maps, 3x enlarged
    assert panels["conv2"].shape == (5 * 48 + 4 * 2, 10 * 48 + 9 * 2, 3)  # 5x10 grid of 8x8 maps, 6x enlarged
    assert panels["dense"].shape[:2] == (20 * 12, 25 * 12)
    assert panels["filters"].shape[:2] == (4 * 60 + 3 * 4, 5 * 60 + 4 * 4)  # 4x5 grid of 5x5 filters, 12x enlarged


def test_mlp_panels_have_the_sizes_of_their_grids():
    weights = {"dense0_weight": np.random.default_rng(2).normal(size=(128, 28, 28)).astype(np.float32)}
    panels = panels_of("mlp", fake_inside(MLP), weights, drawn_image())
    assert list(panels) == ["hidden1", "hidden2", "templates", "outputs"]
    assert panels["hidden1"].shape[:2] == (8 * 14, 16 * 14)
    assert panels["templates"].shape[:2] == (112 + 6, 8 * 112 + 7 * 6)  # the 8 most active units, 4x, bars below


def test_templates_show_the_most_active_units_first_with_the_input_outlined():
    templates = np.zeros((128, 28, 28), np.float32)
    hidden = np.zeros(128, np.float32)
    hidden[[5, 9]] = [1.0, 2.0]
    templates[9, :, :14] = 1.0  # unit 9, the most active, wants ink on the left half
    panel = inside_pictures.templates_panel(hidden, templates, drawn_image(), shown=2, factor=4)
    first = panel[:112, :112].astype(int)
    assert first[50, 20, RED] > first[50, 20, BLUE] + 50 and first[50, 90].min() > 200  # red left, white right
    assert (first == inside_pictures.OUTLINE).all(axis=2).sum() > 0


def test_saliency_is_red_for_and_blue_against_with_a_symmetric_scale():
    saliency = np.zeros((28, 28), np.float32)
    saliency[5, 14], saliency[20, 14] = 0.5, -0.1
    panel = inside_pictures.saliency_panel(saliency, drawn_image()).astype(int)
    assert panel.shape == (224, 224, 3)
    for_pixel, against_pixel, zero_pixel = panel[5 * 8 + 4, 14 * 8 + 4], panel[20 * 8 + 4, 14 * 8 + 4], panel[4, 4]
    assert for_pixel[RED] > for_pixel[BLUE] + 50
    assert against_pixel[BLUE] > against_pixel[RED] + 10
    assert against_pixel[BLUE] - against_pixel[RED] < for_pixel[RED] - for_pixel[BLUE]  # weaker, so paler
    assert zero_pixel.min() > 230  # zero is white


def test_outputs_panel_marks_the_answer_in_orange():
    logits = np.arange(10, dtype=np.float32) - 3
    panel = inside_pictures.outputs_panel(logits, softmax(logits))
    orange = (panel == inside_pictures.ANSWER).all(axis=2)
    columns = np.flatnonzero(orange.any(axis=0))
    assert columns.min() > panel.shape[1] * 0.4  # class 9, the last bar of the logits chart, and of the probabilities


@pytest.mark.parametrize("values", [np.zeros(128, np.float32), np.full(128, 3.0, np.float32)])
def test_constant_activations_do_not_divide_by_zero(values):
    panel = inside_pictures.relu_strip(values, 8, 16)
    assert panel.shape == (112, 224, 3)
