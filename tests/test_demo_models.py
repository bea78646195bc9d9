"""The demo's model store and predict callback, on the shipped checkpoints and on broken folders."""
import asyncio
import base64
import json
import io
import re
import shutil

import PIL.Image

import numpy as np
import pytest

from demo import app
from demo.draw_tab import DrawTab
from demo.i18n import ENGLISH
from demo.inference import ModelStore
from demo.preprocess import strokes_to_mnist
from testkit.canvases import redraw
from testkit.pad_digits import pad_value
from trainer import checkpoint
from trainer.checkpoint import DEFAULT_FOLDER
from trainer.mxnet_shim import mx
from trainer.train import evaluate


@pytest.fixture(scope="module")
def draw_tab():
    """The Draw tab's callbacks over the app's own models and drawings store."""
    return DrawTab(app.state.models, app.state.drawings)


def test_shipped_checkpoints_load_with_their_metadata():
    store = ModelStore(DEFAULT_FOLDER)
    for name in ("mlp", "lenet"):
        model = store.models[name]
        assert model.net is not None, model.error
        assert model.metadata["training"]["finished"]
        assert model.metadata["name"] == name


def test_shipped_checkpoints_reach_the_promised_test_accuracy(mnist_test_set):
    images, labels = mnist_test_set
    store = ModelStore(DEFAULT_FOLDER)
    # The MLP still meets issue #8's 99.0 % (above issue #22's 98.9 % floor); LeNet issue #22's 99.3 % floor.
    for name, required in (("mlp", 0.99), ("lenet", 0.993)):
        accuracy, _, _ = evaluate(store.models[name].net, images, labels, mx.cpu())
        assert accuracy >= required, (name, accuracy)
        assert accuracy == pytest.approx(store.models[name].metadata["evaluation"]["test_accuracy"], abs=1e-6)


def predict_picture(draw_tab, picture, folder):
    """The upload path as the page takes it: the picture saved as a PNG file, read by the Draw tab's callback."""
    path = folder / "picture.png"
    PIL.Image.fromarray(picture).save(path)
    return asyncio.run(draw_tab.predict_image(str(path)))


def test_predict_image_reads_mnist_digits_redrawn_on_a_large_canvas(mnist_test_set, draw_tab, tmp_path):
    images, labels = mnist_test_set
    rng = np.random.default_rng(2026)
    sample = rng.choice(len(labels), 300, replace=False)
    correct = {"mlp": 0, "lenet": 0}
    for index in sample:
        layer = redraw(images[index, 0], rng).layer
        mlp_label, lenet_label, *_ = predict_picture(draw_tab, layer, tmp_path)
        for name, label in (("mlp", mlp_label), ("lenet", lenet_label)):
            correct[name] += label["label"] == str(labels[index])
    assert correct["lenet"] / len(sample) >= 0.97, correct
    assert correct["mlp"] / len(sample) >= 0.93, correct


def test_blank_drawing_or_picture_shows_a_prompt_not_a_prediction(draw_tab, tmp_path):
    for mlp_label, lenet_label, _, _, seen in (asyncio.run(draw_tab.predict("")),
                                               predict_picture(draw_tab, np.zeros((800, 800, 4), np.uint8), tmp_path)):
        assert mlp_label == lenet_label == {"label": ENGLISH.t("answer.prompt"), "confidences": None}
        assert ENGLISH.t("ui.seen.empty") in seen and "<img" not in seen


def test_missing_checkpoints_are_reported_with_the_command_that_makes_them(tmp_path):
    store = ModelStore(tmp_path)
    assert store.available() == []
    assert "python trainer/train.py --models mlp" in store.models["mlp"].error
    assert store.predict(np.zeros((1, 1, 28, 28), np.float32)) == {}


def test_with_one_model_missing_the_other_still_predicts(tmp_path):
    for suffix in ("-symbol.json", "-0000.params", ".json", ".log"):
        shutil.copy(DEFAULT_FOLDER / f"lenet{suffix}", tmp_path)
    store = ModelStore(tmp_path)
    assert store.models["mlp"].net is None and store.models["lenet"].net is not None
    digit = np.zeros((1, 1, 28, 28), np.float32)
    digit[0, 0, 4:24, 13:15] = 1.0  # a '1'
    predictions = store.predict(digit)
    assert list(predictions) == ["lenet"]
    assert predictions["lenet"].probabilities.argmax() == 1
    assert predictions["lenet"].probabilities.sum() == pytest.approx(1.0, abs=1e-5)


def test_corrupt_checkpoint_is_reported_and_reload_picks_up_a_fixed_one(tmp_path):
    for suffix in ("-symbol.json", "-0000.params", ".json"):
        shutil.copy(DEFAULT_FOLDER / f"mlp{suffix}", tmp_path)
    (tmp_path / "mlp-0000.params").write_bytes(b"truncated")
    store = ModelStore(tmp_path)
    assert store.models["mlp"].net is None and "could not be loaded" in store.models["mlp"].error
    shutil.copy(DEFAULT_FOLDER / "mlp-0000.params", tmp_path)  # e.g. a training run finished meanwhile
    store.load()
    assert store.models["mlp"].net is not None


def test_answers_are_the_top_three_classes_as_the_label_shows_them(draw_tab):
    value = json.dumps(pad_value(4))
    label = asyncio.run(draw_tab.predict(value))[1]
    probabilities = app.state.models.predict(strokes_to_mnist(value))["lenet"].probabilities
    top = np.argsort(-probabilities)[:3]
    assert label == {"label": str(top[0]), "confidences": [{"label": str(digit), "confidence": float(probabilities[digit])}
                                                            for digit in top]}


def test_concurrent_drawings_are_answered_together_and_each_gets_its_own_answer():
    from concurrent.futures import ThreadPoolExecutor

    store = ModelStore(DEFAULT_FOLDER)
    rng = np.random.default_rng(3)
    images = [strokes_to_mnist(pad_value(digit % 10, rng)) for digit in range(40)]
    alone = [store.predict(image) for image in images]
    with ThreadPoolExecutor(20) as pool:
        together = list(pool.map(store.predict, images))
    for one, many in zip(alone, together):
        for name in one:
            np.testing.assert_allclose(many[name].probabilities, one[name].probabilities, atol=1e-5)


def test_what_the_model_sees_is_the_preprocessed_input_enlarged(draw_tab):
    value = pad_value(5, np.random.default_rng(0))
    seen = asyncio.run(draw_tab.predict(value))[-1]
    encoded = re.search(r'src="data:image/png;base64,([^"]+)"', seen).group(1)
    shown = np.asarray(PIL.Image.open(io.BytesIO(base64.b64decode(encoded))))
    expected = strokes_to_mnist(value)[0, 0]
    assert shown.shape == (28, 28)
    np.testing.assert_array_equal(shown, (expected * 255).round().astype(np.uint8))


def test_metadata_of_the_shipped_checkpoints_matches_the_files():
    for name in ("mlp", "lenet"):
        metadata = checkpoint.read_metadata(DEFAULT_FOLDER, name)
        for key in ("symbol", "params", "log"):
            assert (DEFAULT_FOLDER / metadata["files"][key]).is_file()


@pytest.mark.parametrize("database", ["garbage", "off"])
def test_a_broken_or_switched_off_database_is_a_message_and_predictions_still_work(tmp_path, database):
    from demo.drawings import DrawingError, DrawingStore

    path = tmp_path / "drawings.sqlite"
    path.write_bytes(b"not a database " * 1000)
    tab = DrawTab(app.state.models, DrawingStore(path if database == "garbage" else ""))
    expected = "cannot be used" if database == "garbage" else "switched off"
    assert expected in tab.on_load(None)[-1]  # the keypad's note says why
    drawing = json.dumps(pad_value(3))
    with pytest.raises(DrawingError, match=expected):
        tab.save_label(drawing, 3, "a session", ENGLISH)
    mlp_label, lenet_label, *_ = asyncio.run(tab.predict(drawing))
    assert lenet_label["label"] == "3" and mlp_label["label"] == "3"


def test_the_mistakes_gallery_lists_exactly_the_test_errors_the_metadata_counts():
    from demo import mistakes

    for name in ("mlp", "lenet"):
        found = checkpoint.read_mistakes(DEFAULT_FOLDER, name)
        evaluation = checkpoint.read_metadata(DEFAULT_FOLDER, name)["evaluation"]
        assert len(found) == evaluation["test_errors"]
        matrix = np.array(evaluation["test_confusion_matrix"])
        for true, predicted in zip(found.labels, found.predicted):
            assert true != predicted
        counted = np.zeros((10, 10), np.int64)
        np.add.at(counted, (found.labels, found.predicted), 1)
        np.testing.assert_array_equal(counted, matrix - np.diag(np.diag(matrix)))  # cell by cell
        assert mistakes.gallery_html(found).count("<figure>") == len(found)
        true, predicted = found.labels[0], found.predicted[0]
        assert mistakes.gallery_html(found, f"{true}>{predicted}").count("<figure>") == counted[true, predicted]
