"""A third model is one registry entry plus its network: the trainer, the answers, the curves and the inside view follow."""
import asyncio
import json

import numpy as np
import pytest

from demo import curves
from demo.draw_tab import DrawTab
from demo.drawings import DrawingStore
from demo.i18n import ENGLISH
from demo.inference import ModelStore
from demo.inline import chart_html
from testkit.pad_digits import pad_value
from trainer import train
from trainer.models import MODELS, HiddenLayer, ModelSpec, Panel, Standardize, nn


def build_tiny():
    """784 -> 16 -> 10: a student's first model."""
    net = nn.HybridSequential(prefix="tiny_")
    with net.name_scope():
        net.add(Standardize(), nn.Flatten(), nn.Dense(16, activation="relu"), nn.Dense(10))
    return net


TINY = ModelSpec("tiny", "Tiny (dense 16-10)", "Tiny", "tab:green", build_tiny, epochs=2, lr=1e-3,
                 hidden_layers=(HiddenLayer("hidden", "dense0_relu_fwd_output", (16,)),),
                 panels=(Panel("hidden", "relu_units", "16 hidden units", layer="hidden", grid=(2, 8), scale=14),
                         Panel("templates", "templates", "what 4 of them look for", layer="hidden",
                               weight="dense0_weight", grid=(1, 4), scale=4)))


@pytest.fixture
def tiny_registered(monkeypatch):
    monkeypatch.setitem(MODELS, "tiny", TINY)


@pytest.fixture
def tiny_trained(tiny_registered, tmp_path, mnist_dir):
    """The trainer's own dry run of the third model, as `python trainer/train.py --dry-run --models tiny` runs it."""
    assert train.main(["--dry-run", "--models", "tiny", "--data-dir", str(mnist_dir), "--out-dir", str(tmp_path)]) == 0
    return tmp_path


def test_the_trainer_takes_every_registered_model_by_default(tiny_registered):
    assert train.parse_args([]).models == ["mlp", "lenet", "tiny"]
    settings = train.settings_for("tiny", train.parse_args([]))
    assert (settings.epochs, settings.lr) == (2, 1e-3)  # the registry's recipe


def test_a_third_model_trains_answers_and_shows_its_curves_and_inside(tiny_trained, tmp_path):
    store = ModelStore(tiny_trained)  # the folder holds the tiny model only: the other two report why not
    assert store.models["tiny"].net is not None and store.models["lenet"].net is None
    assert store.models["tiny"].metadata["parameters"] == 784 * 16 + 16 + 16 * 10 + 10

    outputs = asyncio.run(DrawTab(store, DrawingStore("")).predict(json.dumps(pad_value(7))))
    assert len(outputs) == 2 * len(MODELS) + 1  # every model's label and line, then the preview
    tiny_label = outputs[list(MODELS).index("tiny")]
    assert tiny_label["label"] in "0123456789" and len(tiny_label["confidences"]) == 3

    histories = {name: model.history for name, model in store.models.items()}  # read with the checkpoints
    assert [record.epoch for record in histories["tiny"]] == [1] and histories["lenet"] == []
    accuracy, loss = curves.curves_charts(histories, ENGLISH)
    assert ("Tiny validation (5,000 held-out digits)", "#2ca02c", "solid") in accuracy.legend  # tab:green
    assert [line.get_color() for line in accuracy.figure.axes[0].get_lines()] == ["#2ca02c", "#2ca02c"]
    assert chart_html(accuracy).count("<img") == 1  # draws every artist: fails on a broken figure
    assert [row[0] for row in curves.summary_rows(list(store.models.values()), ENGLISH)] == ["mlp", "lenet", "tiny"]

    columns = DrawTab(store, DrawingStore("")).inside.columns(json.dumps(pad_value(7)), "3")
    assert len(columns) == 3 and "mlp-symbol.json is missing" in columns[0]
    assert columns[2].count("<figure") == 5  # hidden, templates, outputs, why, why not 3
    explained = DrawTab(store, DrawingStore("")).inside.explain(json.dumps(pad_value(7)))
    assert [layer["shape"] for layer in explained["tiny"]["layers"]] == [[16], [10]]
    assert np.array(explained["tiny"]["saliency"]).shape == (28, 28)
