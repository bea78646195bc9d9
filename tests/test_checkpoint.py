import os

import numpy as np
import pytest

from trainer import checkpoint


def test_atomic_write_replaces_the_whole_file(tmp_path):
    target = tmp_path / "model.json"
    checkpoint.atomic_write(target, "old")
    checkpoint.atomic_write(target, "new")
    assert target.read_text() == "new"
    assert os.listdir(tmp_path) == ["model.json"]


def test_a_write_interrupted_midway_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "mlp-0000.params"
    target.write_bytes(b"previous checkpoint")
    with pytest.raises(KeyboardInterrupt):
        with checkpoint.atomic_path(target) as temporary:
            temporary.write_bytes(b"half of a new chec")
            raise KeyboardInterrupt  # the user pressed Ctrl-C in the middle of the write
    assert target.read_bytes() == b"previous checkpoint"
    assert os.listdir(tmp_path) == ["mlp-0000.params"]  # no temporary file left behind


def test_missing_checkpoint_names_the_file_and_the_command(tmp_path):
    with pytest.raises(checkpoint.CheckpointError) as error:
        checkpoint.load_network(tmp_path, "lenet")
    assert "lenet-symbol.json" in str(error.value)
    assert f"python trainer/train.py --models lenet --out-dir {tmp_path}" in str(error.value)


def test_the_fix_for_the_default_folder_needs_no_out_dir():
    assert checkpoint.train_command("mlp") == "python trainer/train.py --models mlp"


def test_corrupt_checkpoint_is_a_clear_error(tmp_path):
    paths = checkpoint.checkpoint_paths(tmp_path, "mlp")
    paths.symbol.write_text('{"nodes": [')  # truncated JSON
    paths.params.write_bytes(b"\x00garbage")
    with pytest.raises(checkpoint.CheckpointError) as error:
        checkpoint.load_network(tmp_path, "mlp")
    assert "could not be loaded" in str(error.value)
    assert "python trainer/train.py --models mlp" in str(error.value)


def test_corrupt_metadata_is_a_clear_error(tmp_path):
    checkpoint.checkpoint_paths(tmp_path, "mlp").metadata.write_text("{not json")
    with pytest.raises(checkpoint.CheckpointError, match="not readable JSON"):
        checkpoint.read_metadata(tmp_path, "mlp")


def test_checkpoint_id_names_the_weights_and_when_they_were_saved(tmp_path):
    paths = checkpoint.checkpoint_paths(tmp_path, "mlp")
    paths.params.write_bytes(b"weights")
    bare = checkpoint.checkpoint_id(tmp_path, "mlp")
    assert len(bare) == 12 and int(bare, 16) >= 0  # no metadata: the hash alone
    checkpoint.write_metadata(tmp_path, "mlp", {"training": {"saved_at": "2026-11-21 10:03:40"}})
    assert checkpoint.checkpoint_id(tmp_path, "mlp") == f"{bare} (2026-11-21 10:03:40)"
    paths.params.write_bytes(b"other weights")
    assert not checkpoint.checkpoint_id(tmp_path, "mlp").startswith(bare)
    with pytest.raises(checkpoint.CheckpointError, match="lenet-0000.params"):
        checkpoint.checkpoint_id(tmp_path, "lenet")


def some_mistakes(count=3):
    rng = np.random.default_rng(0)
    return checkpoint.Mistakes(
        images=rng.integers(0, 256, (count, 28, 28)).astype(np.uint8),
        labels=np.arange(count), predicted=(np.arange(count) + 1) % 10,
        confidence=np.linspace(0.5, 0.9, count).astype(np.float32), indices=np.arange(count) * 7)


def test_mistakes_round_trip(tmp_path):
    written = some_mistakes()
    checkpoint.write_mistakes(tmp_path, "lenet", written)
    read = checkpoint.read_mistakes(tmp_path, "lenet")
    assert len(read) == 3 and os.listdir(tmp_path) == ["lenet-mistakes.npz"]
    for key in checkpoint.MISTAKE_FIELDS:
        assert np.array_equal(getattr(read, key), getattr(written, key)), key
        assert getattr(read, key).dtype == checkpoint.MISTAKE_FIELDS[key], key


def test_missing_mistakes_say_which_command_makes_them(tmp_path):
    with pytest.raises(checkpoint.CheckpointError, match="lenet-mistakes.npz is missing.*python trainer/train.py --models lenet"):
        checkpoint.read_mistakes(tmp_path, "lenet")


def test_corrupt_or_malformed_mistakes_are_clear_errors(tmp_path):
    path = checkpoint.checkpoint_paths(tmp_path, "mlp").mistakes
    checkpoint.write_mistakes(tmp_path, "mlp", some_mistakes())
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.raises(checkpoint.CheckpointError, match="mlp-mistakes.npz is unreadable.*--models mlp"):
        checkpoint.read_mistakes(tmp_path, "mlp")
    wrong_length = some_mistakes()
    np.savez(path, **{key: getattr(wrong_length, key) for key in checkpoint.MISTAKE_FIELDS} | {"labels": np.arange(2)})
    with pytest.raises(checkpoint.CheckpointError, match="malformed .*different lengths images 3, labels 2"):
        checkpoint.read_mistakes(tmp_path, "mlp")
    np.savez(path, **{key: getattr(wrong_length, key) for key in checkpoint.MISTAKE_FIELDS} | {"images": np.zeros((3, 28, 28))})
    with pytest.raises(checkpoint.CheckpointError, match="images is float64, not uint8"):
        checkpoint.read_mistakes(tmp_path, "mlp")
