"""The trainer end to end: files it writes, resume, and the errors users see for bad flags."""
import json
import re
from dataclasses import replace

import numpy as np
import pytest

from conftest import run_script, write_synthetic_idx
from trainer import checkpoint, extra_data, train
from trainer.mxnet_shim import mx
from trainer.training_log import parse_log

CLASSIC_TRAIN = re.compile(r".*?]\sTrain-accuracy=([\d\.]+)")


def small_settings(name, **changes):
    settings = train.Settings(model=name, epochs=2, batch_size=32, lr=3e-3, weight_decay=0.0, warmup_epochs=0.5,
                              seed=7, augment=False, validation_size=200)
    return replace(settings, **changes)


def load_exported(folder, name):
    """Load with plain Gluon, as the issue promises: no project code involved."""
    return mx.gluon.SymbolBlock.imports(f"{folder}/{name}-symbol.json", ["data"], f"{folder}/{name}-0000.params")


def params_of(folder, name):
    return {key: value.asnumpy() for key, value in mx.nd.load(f"{folder}/{name}-0000.params").items()}


@pytest.mark.parametrize("name", ["mlp", "lenet"])
def test_training_writes_a_self_describing_checkpoint_that_gluon_loads(tmp_path, synthetic_data, name):
    metadata = train.train_model(small_settings(name), synthetic_data, tmp_path, [mx.cpu()], show_progress=False)
    files = sorted(path.name for path in tmp_path.iterdir())
    assert files == sorted([f"{name}-symbol.json", f"{name}-0000.params", f"{name}.json", f"{name}.log",
                            f"{name}-mistakes.npz"])

    on_disk = json.loads((tmp_path / f"{name}.json").read_text())
    assert on_disk == metadata
    assert on_disk["parameters"] == {"mlp": 109_386, "lenet": 431_080}[name]
    assert on_disk["training"]["finished"] and on_disk["training"]["epochs_completed"] == 2
    assert on_disk["training"]["seed"] == 7 and on_disk["training"]["mxnet_version"] == "1.9.1"
    matrix = np.array(on_disk["evaluation"]["test_confusion_matrix"])
    assert matrix.shape == (10, 10) and matrix.sum() == 300
    assert np.isclose(np.trace(matrix) / 300, on_disk["evaluation"]["test_accuracy"])

    test_x, test_y = synthetic_data[2], synthetic_data[3]
    logits = load_exported(tmp_path, name)(mx.nd.array(test_x)).asnumpy()
    assert logits.shape == (300, 10)
    assert (logits.argmax(axis=1) == test_y).mean() > 0.5  # learned the synthetic bars, far above chance

    mistakes = checkpoint.read_mistakes(tmp_path, name)
    wrong = np.flatnonzero(logits.argmax(axis=1) != test_y)
    assert len(mistakes) == on_disk["evaluation"]["test_errors"] and np.array_equal(mistakes.indices, wrong)
    assert np.array_equal(mistakes.labels, test_y[wrong]) and np.array_equal(mistakes.predicted, logits[wrong].argmax(1))
    assert np.array_equal(mistakes.images, (test_x[wrong, 0] * 255).round().astype(np.uint8))
    assert ((mistakes.confidence > 0.1) & (mistakes.confidence <= 1)).all()  # the largest of 10 probabilities

    log_text = (tmp_path / f"{name}.log").read_text()
    assert len(CLASSIC_TRAIN.findall(log_text)) == 2
    assert [record.epoch for record in parse_log(log_text)] == [1, 2]


def test_resume_after_an_interruption_matches_an_uninterrupted_run(tmp_path, synthetic_data, monkeypatch):
    settings = small_settings("mlp", epochs=3)
    train.train_model(settings, synthetic_data, tmp_path / "straight", [mx.cpu()], show_progress=False)

    real_train_epoch = train.train_epoch

    def interrupted_in_epoch_3(run, images, labels, epoch):
        if epoch == 3:
            raise KeyboardInterrupt
        return real_train_epoch(run, images, labels, epoch)

    monkeypatch.setattr(train, "train_epoch", interrupted_in_epoch_3)
    with pytest.raises(KeyboardInterrupt):
        train.train_model(settings, synthetic_data, tmp_path / "resumed", [mx.cpu()], show_progress=False)
    paths = checkpoint.checkpoint_paths(tmp_path / "resumed", "mlp")
    assert paths.resume.is_file()
    assert json.loads(paths.metadata.read_text())["training"]["epochs_completed"] == 2
    load_exported(paths.symbol.parent, "mlp")  # the last finished epoch is a usable checkpoint

    monkeypatch.setattr(train, "train_epoch", real_train_epoch)
    metadata = train.train_model(settings, synthetic_data, tmp_path / "resumed", [mx.cpu()], resume=True,
                                 show_progress=False)
    assert metadata["training"]["epochs_completed"] == 3 and not paths.resume.exists()
    assert [record.epoch for record in parse_log(paths.log.read_text())] == [1, 2, 3]
    straight, resumed = params_of(tmp_path / "straight", "mlp"), params_of(tmp_path / "resumed", "mlp")
    for key in straight:
        np.testing.assert_allclose(resumed[key], straight[key], rtol=1e-5, atol=1e-6)


def test_devices_default_to_cpu_and_a_missing_gpu_is_a_clear_error():
    if mx.context.num_gpus() == 0:
        assert train.pick_devices(None) == [mx.cpu()]
        with pytest.raises(train.UsageError, match="GPU 0 is not present"):
            train.pick_devices("0")
    assert train.pick_devices("cpu") == [mx.cpu()]
    with pytest.raises(train.UsageError, match="expected GPU numbers"):
        train.pick_devices("zero")


def test_cli_rejects_an_unknown_model_listing_the_valid_ones():
    result = run_script("trainer/train.py", "--models", "mlp,resnet", "--dry-run")
    assert result.returncode == 2
    assert "unknown model 'resnet'" in result.stderr and "mlp, lenet" in result.stderr


@pytest.mark.parametrize("size, message", [("0", "--validation-size must be at least 1"),
                                           ("60000", "MNIST has 60000 training images")])
def test_cli_rejects_a_validation_size_that_leaves_nothing_to_validate_or_train_on(tmp_path, mnist_dir, size, message):
    result = run_script("trainer/train.py", "--dry-run", "--validation-size", size, "--out-dir", tmp_path,
                        env_extra={"MNIST_DIR": str(mnist_dir)})
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.glob("*.params"))


def test_cli_missing_data_dir_fails_fast_without_network(tmp_path):
    result = run_script("trainer/train.py", "--dry-run", "--data-dir", tmp_path / "nowhere", "--out-dir", tmp_path)
    assert result.returncode == 2
    assert "MNIST not found" in result.stderr and "train-images-idx3-ubyte.gz" in result.stderr
    assert not list(tmp_path.glob("*.params"))


@pytest.mark.skipif(mx.context.num_gpus() > 0, reason="this machine has a GPU")
def test_cli_gpu_on_a_cpu_machine_is_a_clear_error(tmp_path, mnist_dir):
    result = run_script("trainer/train.py", "--dry-run", "--gpus", "0", "--out-dir", tmp_path)
    assert result.returncode == 2
    assert "GPU 0 is not present" in result.stderr and "Traceback" not in result.stderr


def test_cli_dry_run_on_real_mnist_writes_loadable_checkpoints(tmp_path, mnist_dir, mnist_test_set):
    result = run_script("trainer/train.py", "--dry-run", "--out-dir", tmp_path, env_extra={"MNIST_DIR": str(mnist_dir)})
    assert result.returncode == 0, result.stderr
    test_x, test_y = mnist_test_set
    for name in ("mlp", "lenet"):
        for suffix in ("-symbol.json", "-0000.params", ".json", ".log", "-mistakes.npz"):
            assert (tmp_path / f"{name}{suffix}").is_file()
        logits = load_exported(tmp_path, name)(mx.nd.array(test_x[:8])).asnumpy()
        assert logits.shape == (8, 10) and np.isfinite(logits).all()
        assert "Epoch[1] Train-accuracy=" in (tmp_path / f"{name}.log").read_text()
        mistakes = checkpoint.read_mistakes(tmp_path, name)  # a 3-batch model makes plenty
        assert len(mistakes) == json.loads((tmp_path / f"{name}.json").read_text())["evaluation"]["test_errors"] > 0
        assert np.array_equal(mistakes.images, (test_x[mistakes.indices, 0] * 255).round().astype(np.uint8))
        assert np.array_equal(mistakes.labels, test_y[mistakes.indices])


def test_epoch_metrics_equal_an_independent_evaluation_when_weights_stay_fixed(synthetic_data):
    images, labels = synthetic_data[0][:640], synthetic_data[1][:640]  # 20 full batches of 32
    settings = small_settings("mlp", lr=0.0, epochs=1)  # learning rate 0: the network never changes
    net = train.create_network(settings, [mx.cpu()])
    trainer = train.create_trainer(net, settings, train.steps_per_epoch(len(labels), settings))
    accuracy, loss, _ = train.train_epoch(train.Run(settings, net, trainer, [mx.cpu()]), images, labels, 1)
    expected_accuracy, expected_loss, _ = train.evaluate(net, images, labels, mx.cpu())
    assert accuracy == pytest.approx(expected_accuracy, abs=1e-9)
    assert loss == pytest.approx(expected_loss, rel=1e-5)


def test_sigterm_during_a_checkpoint_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "mlp.json"
    target.write_text("previous")
    script = (
        "import os, signal, sys\n"
        "from trainer import checkpoint, train\n"
        "train.interrupt_on_sigterm()\n"
        "try:\n"
        f"    with checkpoint.atomic_path({str(target)!r}) as temporary:\n"
        "        temporary.write_text('half')\n"
        "        os.kill(os.getpid(), signal.SIGTERM)  # as `kill` or the launcher would\n"
        "        temporary.write_text('half, then the rest')\n"
        "except KeyboardInterrupt:\n"
        "    sys.exit(130)\n"
    )
    result = run_script("-c", script)
    assert result.returncode == 130, result.stderr
    assert target.read_text() == "previous"
    assert [path.name for path in tmp_path.iterdir()] == ["mlp.json"]


def export_folder(folder, count=60, seed=3):
    """A folder like `demo/drawings.py export` writes, holding synthetic digits."""
    write_synthetic_idx(folder, "train", count, seed)
    return folder


def test_extra_data_joins_training_with_its_own_held_out_split(tmp_path, synthetic_data):
    from types import SimpleNamespace

    from demo.curves import drawings_accuracy_rows

    folder = export_folder(tmp_path / "export")
    settings = small_settings("mlp", extra_data=str(folder))
    metadata = train.train_model(settings, synthetic_data, tmp_path / "out", [mx.cpu()], show_progress=False,
                                 extra=extra_data.load(folder))
    extra = metadata["evaluation"]["extra_data"]
    assert (extra["drawings"], extra["trained_on"], extra["held_out"]) == (60, 48, 12)
    assert 0 <= extra["accuracy_before"] <= 1 and extra["accuracy_after"] > 0.5  # the bars are learnable
    assert metadata["training"]["extra_data"] == str(folder)
    mixed_x, mixed_y = extra_data.mix_in(np.zeros((1000, 1, 28, 28)), np.zeros(1000), np.ones((48, 1, 28, 28)), np.ones(48))
    assert mixed_y.sum() == round(1000 / 9) and len(mixed_x) == len(mixed_y)  # 10 % of every epoch

    log_text = (tmp_path / "out" / "mlp.log").read_text()
    assert log_text.count("Drawings-accuracy=") == 2
    records = parse_log(log_text)
    assert [record.epoch for record in records] == [1, 2]
    assert records[-1].drawings_accuracy == pytest.approx(extra["accuracy_after"], abs=1e-6)
    rows = drawings_accuracy_rows([SimpleNamespace(name="mlp", metadata=metadata)])
    assert rows == [["mlp", 60, 12, f"{100 * extra['accuracy_before']:.2f} %", f"{100 * extra['accuracy_after']:.2f} %",
                     f"{100 * metadata['evaluation']['test_accuracy']:.2f} %"]]


def test_init_from_starts_from_the_checkpoint_weights(tmp_path, synthetic_data):
    train.train_model(small_settings("mlp"), synthetic_data, tmp_path / "start", [mx.cpu()], show_progress=False)
    folder = export_folder(tmp_path / "export")
    frozen = small_settings("mlp", lr=0.0, init_from=str(tmp_path / "start"), extra_data=str(folder))
    metadata = train.train_model(frozen, synthetic_data, tmp_path / "tuned", [mx.cpu()], show_progress=False,
                                 extra=extra_data.load(folder))

    start, tuned = params_of(tmp_path / "start", "mlp"), params_of(tmp_path / "tuned", "mlp")
    assert start.keys() == tuned.keys()
    for key in start:  # learning rate 0: the run ends with exactly the weights it loaded
        np.testing.assert_array_equal(tuned[key], start[key])
    _, _, held_x, held_y = extra_data.split(*extra_data.load(folder), seed=frozen.seed)
    expected = (load_exported(tmp_path / "start", "mlp")(mx.nd.array(held_x)).asnumpy().argmax(axis=1) == held_y).mean()
    assert metadata["evaluation"]["extra_data"]["accuracy_before"] == pytest.approx(expected, abs=1e-6)


def test_cli_dry_run_with_extra_data_and_init_from_on_real_mnist(tmp_path, mnist_dir):
    folder = export_folder(tmp_path / "export")
    result = run_script("trainer/train.py", "--dry-run", "--models", "mlp", "--extra-data", folder,
                        "--init-from", checkpoint.DEFAULT_FOLDER, "--out-dir", tmp_path / "out",
                        env_extra={"MNIST_DIR": str(mnist_dir)})
    assert result.returncode == 0, result.stderr
    extra = json.loads((tmp_path / "out" / "mlp.json").read_text())["evaluation"]["extra_data"]
    assert extra["held_out"] == 12 and extra["accuracy_before"] is not None and extra["accuracy_after"] is not None


def test_cli_missing_or_corrupt_extra_data_and_init_from_are_one_line_errors(tmp_path):
    corrupt = export_folder(tmp_path / "corrupt")
    (corrupt / "train-labels-idx1-ubyte.gz").write_bytes(b"\x1f\x8b garbage")
    cases = [(["--extra-data", tmp_path / "nowhere"], "no such folder"),
             (["--extra-data", corrupt], "train-labels-idx1-ubyte.gz"),
             (["--init-from", tmp_path / "nowhere"], "mlp-0000.params is missing")]
    for flags, message in cases:
        result = run_script("trainer/train.py", "--dry-run", "--models", "mlp", *flags, "--out-dir", tmp_path / "out")
        assert result.returncode == 2 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
