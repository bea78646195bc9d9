"""The running app through its HTTP API, as gradio_client users (and the browser) reach it."""
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from gradio_client import Client, handle_file

from conftest import save_png, seven
from demo import app


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def sketch(path):
    """The Sketchpad's value as the browser sends it: one stroke layer, and the composite."""
    return {"background": None, "layers": [handle_file(path)], "composite": handle_file(path)}


def predict(client, path):
    return client.predict(sketch(path), api_name="/predict")


def assert_server_still_reads_a_seven(client, tmp_path):
    mlp, lenet, *_ = predict(client, save_png(seven(), tmp_path / "seven.png"))
    assert mlp["label"] == "7" and lenet["label"] == "7"


def test_predict_returns_both_labels_in_order_with_probabilities(client, tmp_path):
    mlp, lenet, mlp_info, lenet_info, seen = predict(client, save_png(seven(), tmp_path / "seven.png"))
    for label in (mlp, lenet):
        assert label["label"] == "7"
        confidences = label["confidences"]
        assert confidences[0]["label"] == "7" and confidences[0]["confidence"] > 0.5
        assert [c["confidence"] for c in confidences] == sorted((c["confidence"] for c in confidences), reverse=True)
    assert "MLP" in mlp_info and "ms" in mlp_info and "LeNet" in lenet_info
    assert seen.startswith('<img src="data:image/png;base64,')  # the 28x28 input, inline


def test_concurrent_clients_sending_the_same_drawing_all_get_answers(app_url, tmp_path):
    path = save_png(seven(), tmp_path / "seven.png")

    def four_predictions(_):
        client = Client(app_url, verbose=False)
        return [predict(client, path)[1]["label"] for _ in range(4)]

    with ThreadPoolExecutor(8) as pool:
        answers = [label for labels in pool.map(four_predictions, range(8)) for label in labels]
    assert answers == ["7"] * 32


def test_blank_canvas_returns_the_prompt(client, tmp_path):
    mlp, lenet, *_ = predict(client, save_png(np.zeros((800, 800, 4), np.uint8), tmp_path / "blank.png"))
    assert mlp["label"] == lenet["label"] == app.PROMPT
    assert not mlp.get("confidences")


def test_malformed_file_is_an_error_and_the_server_stays_up(client, tmp_path):
    bogus = tmp_path / "drawing.png"
    bogus.write_bytes(b"this is not an image")
    with pytest.raises(Exception):
        predict(client, str(bogus))
    assert_server_still_reads_a_seven(client, tmp_path)


def test_image_above_the_megapixel_limit_is_refused_and_the_server_stays_up(client, tmp_path):
    huge = np.zeros((2100, 2100, 4), np.uint8)  # 4.4 megapixels, a few KB as PNG: a decompression-bomb shape
    huge[800:1200, 1000:1040, 3] = 255
    with pytest.raises(Exception):
        predict(client, save_png(huge, tmp_path / "huge.png"))
    assert_server_still_reads_a_seven(client, tmp_path)


def test_upload_above_the_file_size_limit_is_refused(client, tmp_path):
    noise = np.random.default_rng(0).integers(0, 256, (1500, 1500, 4), dtype=np.uint8)  # ~9 MB PNG
    with pytest.raises(Exception):
        predict(client, save_png(noise, tmp_path / "noise.png"))
    assert_server_still_reads_a_seven(client, tmp_path)


@pytest.mark.parametrize("path", ["/etc/passwd", "checkpoints/mlp.json", "demo/app.py"])
def test_files_outside_what_the_app_serves_are_not_reachable(app_url, path):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(f"{app_url.rstrip('/')}/gradio_api/file={path}", timeout=10)
    assert error.value.code in (403, 404)


def test_reload_endpoint_returns_the_training_page(client):
    banner, summary, curves, confusion = client.predict(api_name="/reload")
    rows = summary["data"]
    assert [row[0] for row in rows] == ["mlp", "lenet"]
    assert all(row[-1] == "ready" for row in rows)
    assert curves and confusion
