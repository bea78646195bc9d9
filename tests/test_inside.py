"""Inside the models, the maths: layers, logits, saliency and the /explain answer, from checkpoint files alone."""
import json
import shutil

import numpy as np
import pytest

from conftest import synthetic_digits
from demo import inside
from demo.inference import ModelStore
from trainer import checkpoint, train
from trainer.checkpoint import DEFAULT_FOLDER
from trainer.mxnet_shim import mx

SHAPES = {
    "lenet": [("conv1", (20, 24, 24)), ("conv2", (50, 8, 8)), ("dense", (500,)), ("logits", (10,))],
    "mlp": [("hidden1", (128,)), ("hidden2", (64,)), ("logits", (10,))],
}


def vertical_bar():
    """A drawn "1": a 3-pixel-wide vertical stroke, centred like MNIST."""
    image = np.zeros((1, 1, 28, 28), np.float32)
    image[0, 0, 4:24, 13:16] = 1.0
    return image


def dilated(mask, steps):
    grown = mask.copy()
    for _ in range(steps):
        previous = grown.copy()
        grown[1:] |= previous[:-1]
        grown[:-1] |= previous[1:]
        grown[:, 1:] |= previous[:, :-1]
        grown[:, :-1] |= previous[:, 1:]
    return grown


@pytest.fixture(scope="module")
def readers():
    return {name: inside.build_reader(DEFAULT_FOLDER, name) for name in SHAPES}


@pytest.mark.parametrize("name", SHAPES)
def test_layers_come_in_network_order_with_the_documented_shapes(readers, name):
    found = readers[name].read(vertical_bar())
    assert [(layer.name, layer.shape) for layer in found.layers] == SHAPES[name]
    assert all(layer.values.dtype == np.float32 for layer in found.layers)


@pytest.mark.parametrize("name", SHAPES)
def test_last_layer_is_what_the_plain_exported_network_returns(readers, name):
    network = checkpoint.load_network(DEFAULT_FOLDER, name)
    images = [vertical_bar(), *synthetic_digits(3, seed=5)[0][:, None]]
    for image in images:
        found = readers[name].read(image)
        expected = network(mx.nd.array(image)).asnumpy()[0]
        assert np.allclose(found.logits, expected, rtol=1e-5, atol=1e-5)
        assert found.predicted == int(expected.argmax())
        softmax = np.exp(expected - expected.max()) / np.exp(expected - expected.max()).sum()
        assert np.allclose(found.probabilities, softmax, atol=1e-6)
        assert found.probabilities.sum() == pytest.approx(1.0, abs=1e-6)


@pytest.mark.parametrize("name", SHAPES)
def test_saliency_of_a_drawn_one_lies_on_and_next_to_the_ink(readers, name):
    image = vertical_bar()
    found = readers[name].read(image)
    assert found.predicted == 1
    saliency = found.saliency[found.predicted]
    assert saliency.shape == (28, 28) and np.abs(saliency).sum() > 0
    near_ink = dilated(image[0, 0] > 0.5, 2)
    assert np.abs(saliency[near_ink]).sum() / np.abs(saliency).sum() > 0.7


@pytest.mark.parametrize("name", SHAPES)
def test_saliency_is_gradient_times_input_of_the_contrast(readers, name):
    """Scaling the image by (1 + eps) changes contrast_k by eps * sum(saliency_k), to first order."""
    network = checkpoint.load_network(DEFAULT_FOLDER, name)
    image, eps = synthetic_digits(1, seed=3)[0][:, None][0], 1e-3

    def contrast(x, k):
        logits = network(mx.nd.array(x)).asnumpy()[0].astype(np.float64)
        return logits[k] - np.delete(logits, k).mean()

    found = readers[name].read(image)
    for k in (found.predicted, (found.predicted + 3) % 10):
        change = contrast(image * (1 + eps), k) - contrast(image * (1 - eps), k)
        assert change / (2 * eps) == pytest.approx(found.saliency[k].sum(), rel=0.05, abs=1e-3)


def test_first_layer_weights_are_the_filters_and_the_templates(readers):
    params = mx.nd.load(str(checkpoint.checkpoint_paths(DEFAULT_FOLDER, "lenet").params))
    filters = readers["lenet"].weights["conv0_weight"]
    assert filters.shape == (20, 5, 5)
    assert np.array_equal(filters, params["arg:lenet_conv0_weight"].asnumpy()[:, 0])
    templates = readers["mlp"].weights["dense0_weight"]
    assert templates.shape == (128, 28, 28)
    assert np.array_equal(templates[7].ravel(), mx.nd.load(str(checkpoint.checkpoint_paths(
        DEFAULT_FOLDER, "mlp").params))["arg:mlp_dense0_weight"].asnumpy()[7])


def test_explain_json_has_the_documented_format(readers):
    image = vertical_bar()
    explained = {name: reader.read(image) for name, reader in readers.items()}
    answer = json.loads(json.dumps(inside.inside_json(image, explained)))
    assert np.array_equal(np.array(answer["input"]), image[0, 0])
    for name, expected in SHAPES.items():
        model = answer[name]
        assert model["predicted"] == explained[name].predicted
        assert len(model["probabilities"]) == 10 and sum(model["probabilities"]) == pytest.approx(1, abs=1e-4)
        assert [(layer["name"], tuple(layer["shape"])) for layer in model["layers"]] == expected
        for layer in model["layers"]:
            assert np.array(layer["values"]).shape == tuple(layer["shape"])
        assert np.allclose(model["layers"][-1]["values"], explained[name].logits, atol=1e-5)
        assert np.allclose(model["saliency"], explained[name].saliency[explained[name].predicted], atol=1e-5)


def test_a_symbol_without_the_expected_layers_is_a_clear_error(tmp_path):
    for kind in ("symbol", "params"):
        source = getattr(checkpoint.checkpoint_paths(DEFAULT_FOLDER, "mlp"), kind)
        shutil.copy(source, getattr(checkpoint.checkpoint_paths(tmp_path, "lenet"), kind))
    with pytest.raises(checkpoint.CheckpointError, match="is not a lenet network.*conv0_tanh_fwd_output"):
        inside.build_reader(tmp_path, "lenet")


def test_a_layer_of_the_wrong_size_is_a_clear_error(tmp_path):
    nn = mx.gluon.nn
    narrow = nn.HybridSequential(prefix="mlp_")
    with narrow.name_scope():
        narrow.add(nn.Flatten(), nn.Dense(32, activation="relu"), nn.Dense(64, activation="relu"), nn.Dense(10))
    narrow.initialize()
    narrow.hybridize()
    narrow(mx.nd.zeros((1, 1, 28, 28)))
    checkpoint.export_network(narrow, tmp_path, "mlp")
    with pytest.raises(checkpoint.CheckpointError, match=r"hidden1 has shape \(32,\) per image, expected \(128,\)"):
        inside.build_reader(tmp_path, "mlp")


def test_missing_or_corrupt_files_are_clear_errors(tmp_path):
    with pytest.raises(checkpoint.CheckpointError, match="mlp-symbol.json is missing"):
        inside.build_reader(tmp_path, "mlp")
    paths = checkpoint.checkpoint_paths(tmp_path, "mlp")
    shutil.copy(checkpoint.checkpoint_paths(DEFAULT_FOLDER, "mlp").symbol, paths.symbol)
    paths.params.write_bytes(b"\x00garbage")
    with pytest.raises(checkpoint.CheckpointError, match="could not be inspected.*--models mlp"):
        inside.build_reader(tmp_path, "mlp")


@pytest.mark.parametrize("name", SHAPES)
def test_checkpoints_the_trainer_writes_can_be_inspected(tmp_path, name):
    train_x, train_y = synthetic_digits(600, seed=1)
    test_x, test_y = synthetic_digits(100, seed=2)
    settings = train.Settings(model=name, epochs=1, batch_size=32, lr=3e-3, weight_decay=0.0, warmup_epochs=0,
                              seed=7, augment=False, validation_size=100, dry_run=True)
    train.train_model(settings, (train_x, train_y, test_x, test_y), tmp_path, [mx.cpu()], show_progress=False)
    found = inside.build_reader(tmp_path, name).read(test_x[:1])
    expected = checkpoint.load_network(tmp_path, name)(mx.nd.array(test_x[:1])).asnumpy()[0]
    assert [(layer.name, layer.shape) for layer in found.layers] == SHAPES[name]
    assert np.allclose(found.logits, expected, rtol=1e-5, atol=1e-5)


def test_the_model_store_explains_every_loaded_model_and_skips_broken_ones(tmp_path):
    for kind in ("symbol", "params"):
        shutil.copy(getattr(checkpoint.checkpoint_paths(DEFAULT_FOLDER, "lenet"), kind),
                    getattr(checkpoint.checkpoint_paths(tmp_path, "lenet"), kind))
    shutil.copy(checkpoint.checkpoint_paths(DEFAULT_FOLDER, "lenet").metadata, tmp_path)
    store = ModelStore(tmp_path)
    explained = store.inside(vertical_bar())
    assert list(explained) == ["lenet"] and "mlp-symbol.json is missing" in store.models["mlp"].error
    predicted = store.predict(vertical_bar())["lenet"].probabilities
    assert np.allclose(explained["lenet"].probabilities, predicted, atol=1e-6)
