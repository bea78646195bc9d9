"""The running app through its HTTP API, as gradio_client users (and the browser) reach it."""
import json
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from gradio_client import Client, handle_file

from conftest import save_png, seven
from demo import app
from demo.i18n import ENGLISH
from demo.preprocess import MAX_POINTS
from testkit.pad_digits import pad_value


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def predict(client, value):
    return client.predict(json.dumps(value), api_name="/predict")


def assert_server_still_reads_a_seven(client):
    mlp, lenet, *_ = predict(client, pad_value(7))
    assert mlp["label"] == "7" and lenet["label"] == "7"


@pytest.mark.parametrize("digit", [0, 1, 4, 7])
def test_predict_reads_strokes_sent_as_json_text(client, digit):
    mlp, lenet, mlp_info, lenet_info, seen = predict(client, pad_value(digit))
    for label in (mlp, lenet):
        assert label["label"] == str(digit)
        confidences = label["confidences"]
        assert confidences[0]["label"] == str(digit) and confidences[0]["confidence"] > 0.5
        assert [c["confidence"] for c in confidences] == sorted((c["confidence"] for c in confidences), reverse=True)
    assert "MLP" in mlp_info and "ms" in mlp_info and "LeNet" in lenet_info
    assert seen.startswith('<img src="data:image/png;base64,')  # the 28x28 input, inline


def test_predict_also_takes_the_value_as_a_dict(client):
    mlp, lenet, *_ = client.predict(pad_value(3), api_name="/predict")
    assert mlp["label"] == lenet["label"] == "3"


def test_blank_and_cleared_drawings_return_the_prompt(client):
    for blank in ("", json.dumps({"width": 400, "height": 400, "strokes": []})):
        mlp, lenet, *_ = client.predict(blank, api_name="/predict")
        assert mlp["label"] == lenet["label"] == ENGLISH.t("answer.prompt")
        assert not mlp.get("confidences")


@pytest.mark.parametrize("bad, message", [
    ("{not json", "not valid JSON"),
    (json.dumps({"width": -5, "height": 400, "strokes": [[[1, 2]]]}), "width must be above 0"),
    ('{"width": 400, "height": 400, "strokes": [[[NaN, 1]]]}', "not a finite number"),
    (json.dumps({"width": 400, "height": 400, "strokes": [[[1, 2]] * (MAX_POINTS + 1)]}), "at most 20,000"),
    (json.dumps({"width": 400, "height": 400, "strokes": [[[1, 2]]] * 5000}), "at most 200 are accepted"),
])
def test_malformed_drawings_get_a_clear_message_and_the_server_stays_up(client, bad, message):
    with pytest.raises(Exception, match=message):
        client.predict(bad, api_name="/predict")
    assert_server_still_reads_a_seven(client)


def test_concurrent_clients_all_get_their_own_answers(app_url):
    def predictions(offset):
        client = Client(app_url, verbose=False)
        return [(digit, predict(client, pad_value(digit))[1]["label"]) for digit in (offset % 10, (offset + 3) % 10)]

    with ThreadPoolExecutor(8) as pool:
        answers = [pair for pairs in pool.map(predictions, range(16)) for pair in pairs]
    assert all(label == str(digit) for digit, label in answers), answers


def test_predict_image_reads_a_drawing_and_a_photo_of_paper(client, tmp_path):
    ink = seven()[..., 3] / 255.0
    light = 0.55 + 0.35 * np.linspace(0, 1, 800)[None, :]
    photo = (255 * np.clip(light * (1 - 0.7 * ink), 0, 1)).astype(np.uint8)
    for picture in (seven(), np.dstack([photo] * 3)):
        mlp, lenet, *_ = client.predict(handle_file(save_png(picture, tmp_path / "digit.png")), api_name="/predict_image")
        assert mlp["label"] == lenet["label"] == "7"


def test_malformed_file_is_said_where_the_answer_would_be_and_the_server_stays_up(client, tmp_path):
    bogus = tmp_path / "drawing.png"
    bogus.write_bytes(b"this is not an image")
    mlp, lenet, *_, seen = client.predict(handle_file(str(bogus)), api_name="/predict_image")
    assert mlp["label"] == lenet["label"] == ENGLISH.t("answer.prompt")
    assert "Could not read the picture: the file is not a picture" in seen and 'role=alert' in seen
    assert_server_still_reads_a_seven(client)


def test_image_above_the_megapixel_limit_is_refused_and_the_server_stays_up(client, tmp_path):
    huge = np.zeros((2100, 2100, 4), np.uint8)  # 4.4 megapixels, a few KB as PNG: a decompression-bomb shape
    huge[800:1200, 1000:1040, 3] = 255
    *_, seen = client.predict(handle_file(save_png(huge, tmp_path / "huge.png")), api_name="/predict_image")
    assert "the picture is 2,100x2,100 px, larger than 4 megapixels" in seen
    assert_server_still_reads_a_seven(client)


def test_upload_above_the_file_size_limit_is_refused(client, tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (1500, 1500, 4), dtype=np.uint8)  # ~9 MB PNG
    with pytest.raises(Exception):
        client.predict(handle_file(save_png(noise, tmp_path / "noise.png")), api_name="/predict_image")
    assert_server_still_reads_a_seven(client)


@pytest.mark.parametrize("path", ["/etc/passwd", "checkpoints/mlp.json", "demo/app.py"])
def test_files_outside_what_the_app_serves_are_not_reachable(app_url, path):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{app_url.rstrip('/')}/gradio_api/file={path}", timeout=10)
    assert error.value.code in (403, 404)


def test_reload_endpoint_returns_the_training_page(client):
    banner, summary, curves, confusion, class_accuracy, gallery_model = client.predict(api_name="/reload")
    rows = summary["value"]["data"]  # an update of the table: its headers are in the caller's language
    assert [row[0] for row in rows] == ["mlp", "lenet"]
    assert all(row[-1] == "ready" for row in rows)
    assert curves and confusion


def test_explain_returns_every_layer_and_agrees_with_predict(client):
    value = json.dumps(pad_value(4))
    explained = client.predict(value, api_name="/explain")
    mlp, lenet, *_ = client.predict(value, api_name="/predict")
    assert np.array(explained["input"]).shape == (28, 28)
    shapes = {"mlp": [[128], [64], [10]], "lenet": [[20, 24, 24], [50, 8, 8], [500], [10]]}
    for name, label in (("mlp", mlp), ("lenet", lenet)):
        model = explained[name]
        assert [layer["shape"] for layer in model["layers"]] == shapes[name]
        assert model["predicted"] == int(label["label"]) == 4
        logits = np.array(model["layers"][-1]["values"])
        softmax = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        np.testing.assert_allclose(softmax, model["probabilities"], atol=1e-5)
        confidence = {c["label"]: c["confidence"] for c in label["confidences"]}["4"]
        assert model["probabilities"][4] == pytest.approx(confidence, abs=1e-5)
        assert np.array(model["saliency"]).shape == (28, 28)
    with pytest.raises(Exception, match="blank"):
        client.predict("", api_name="/explain")


def test_label_stores_the_drawing_and_counts_it(client):
    before = app.state.drawings.count()
    reply = client.predict(json.dumps(pad_value(2)), 2, api_name="/label")
    assert "Thank you" in reply and "Saved as a 2" in reply
    assert app.state.drawings.count() == before + 1
    latest = app.state.drawings.latest(1)[0]
    assert latest.label == 2 and latest.predictions == {"mlp": 2, "lenet": 2}
    for bad_digit in (11, -1):
        with pytest.raises(Exception, match="0 to 9|0-9"):
            client.predict(json.dumps(pad_value(2)), bad_digit, api_name="/label")
    with pytest.raises(Exception, match="Draw a digit first"):
        client.predict("", 5, api_name="/label")
    assert app.state.drawings.count() == before + 1


def test_a_session_labelling_faster_than_a_person_is_slowed(app_url):
    client = Client(app_url, verbose=False)  # a session of its own
    replies = []
    for _ in range(8):
        try:
            replies.append(client.predict(json.dumps(pad_value(1)), 1, api_name="/label"))
        except Exception as error:
            replies.append(str(error))
    assert any("Thank you" in reply for reply in replies)
    assert any("Slow down" in reply for reply in replies), replies
    time.sleep(1.0)  # a person's pace again
    assert "Thank you" in client.predict(json.dumps(pad_value(1)), 1, api_name="/label")
