"""The "Inside the models" panels: one RGB image each, same size for a blank canvas, colours that mean what the captions say."""
import numpy as np
import pytest

from demo import inside_plots
from demo.internals import Internals, Layer, softmax

RED, BLUE = 0, 2  # RGB channels


def fake_internals(shapes, seed=0):
    rng = np.random.default_rng(seed)
    layers = [Layer(name, rng.uniform(-1, 1, shape).astype(np.float32)) for name, shape in shapes]
    logits = layers[-1].values
    return Internals(layers, softmax(logits), rng.normal(0, 0.1, (10, 28, 28)).astype(np.float32))


LENET = [("conv1", (20, 24, 24)), ("conv2", (50, 8, 8)), ("dense", (500,)), ("logits", (10,))]
MLP = [("hidden1", (128,)), ("hidden2", (64,)), ("logits", (10,))]


def drawn_image():
    image = np.zeros((28, 28), np.float32)
    image[4:24, 13:16] = 1.0
    return image


def check_panels(panels, blank):
    assert set(panels) <= set(inside_plots.CAPTIONS)
    for key, panel in panels.items():
        assert panel.dtype == np.uint8 and panel.ndim == 3 and panel.shape[2] == 3, key
        assert panel.shape == blank[key].shape, key  # the page keeps its layout when the canvas is cleared


def test_lenet_panels_have_fixed_sizes_for_a_drawing_and_for_a_blank_canvas():
    filters = np.random.default_rng(1).normal(size=(20, 5, 5)).astype(np.float32)
    panels = inside_plots.lenet_panels(fake_internals(LENET), filters)
    blank = inside_plots.lenet_panels(None, filters)
    check_panels(panels, blank)
    assert panels["conv1"].shape == (4 * 72 + 3 * 2, 5 * 72 + 4 * 2, 3)  # 4x5 grid of 24x24 maps, 3x enlarged
    assert panels["conv2"].shape == (5 * 48 + 4 * 2, 10 * 48 + 9 * 2, 3)  # 5x10 grid of 8x8 maps, 6x enlarged
    assert panels["dense"].shape[:2] == (20 * 12, 25 * 12)
    assert len(np.unique(blank["conv1"].reshape(-1, 3), axis=0)) == 2  # empty cells and gaps only


def test_mlp_panels_have_fixed_sizes_for_a_drawing_and_for_a_blank_canvas():
    templates = np.random.default_rng(2).normal(size=(128, 28, 28)).astype(np.float32)
    panels = inside_plots.mlp_panels(fake_internals(MLP), templates, drawn_image())
    check_panels(panels, inside_plots.mlp_panels(None, templates, None))
    assert panels["hidden1"].shape[:2] == (8 * 14, 16 * 14)


def test_templates_show_the_most_active_units_first_with_the_input_outlined():
    templates = np.zeros((128, 28, 28), np.float32)
    hidden = np.zeros(128, np.float32)
    hidden[[5, 9]] = [1.0, 2.0]
    templates[9, :, :14] = 1.0  # unit 9, the most active, wants ink on the left half
    panel = inside_plots.templates_panel(hidden, templates, drawn_image(), shown=2, factor=4)
    first = panel[:112, :112].astype(int)
    assert first[50, 20, RED] > first[50, 20, BLUE] + 50 and first[50, 90].min() > 200  # red left, white right
    assert (first == inside_plots.OUTLINE).all(axis=2).sum() > 0


def test_saliency_is_red_for_and_blue_against_with_a_symmetric_scale():
    saliency = np.zeros((28, 28), np.float32)
    saliency[5, 14], saliency[20, 14] = 0.5, -0.1
    panel = inside_plots.saliency_panel(saliency, drawn_image()).astype(int)
    assert panel.shape == (224, 224, 3)
    for_pixel, against_pixel, zero_pixel = panel[5 * 8 + 4, 14 * 8 + 4], panel[20 * 8 + 4, 14 * 8 + 4], panel[4, 4]
    assert for_pixel[RED] > for_pixel[BLUE] + 50
    assert against_pixel[BLUE] > against_pixel[RED] + 10
    assert against_pixel[BLUE] - against_pixel[RED] < for_pixel[RED] - for_pixel[BLUE]  # weaker, so paler
    assert zero_pixel.min() > 230  # zero is white
    assert inside_plots.saliency_panel(None, None).shape == (224, 224, 3)


def test_outputs_panel_marks_the_answer_in_orange():
    logits = np.arange(10, dtype=np.float32) - 3
    panel = inside_plots.outputs_panel(logits, softmax(logits))
    assert panel.shape == inside_plots.outputs_panel(None, None).shape
    orange = (panel == inside_plots.ANSWER).all(axis=2)
    columns = np.flatnonzero(orange.any(axis=0))
    assert columns.min() > panel.shape[1] * 0.4  # class 9, the last bar of the logits chart, and of the probabilities


@pytest.mark.parametrize("values", [np.zeros(128, np.float32), np.full(128, 3.0, np.float32)])
def test_constant_activations_do_not_divide_by_zero(values):
    panel = inside_plots.relu_strip(values, 8, 16)
    assert panel.shape == (112, 224, 3)
