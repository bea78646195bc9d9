"""What a newcomer meets first: which computers and Pythons run it, and the sentence where one cannot."""
import subprocess
import sys

import pytest

from conftest import REPO
from trainer.mxnet_shim import SUPPORTED_PYTHONS, _Version, unsupported_reason


@pytest.mark.parametrize("version, system, machine, expected", [
    ((3, 11), "Linux", "x86_64", None),
    ((3, 10), "Linux", "aarch64", None),
    ((3, 13), "Darwin", "x86_64", None),
    ((3, 12), "Windows", "AMD64", "no Windows build: use WSL 2"),
    ((3, 12), "Darwin", "arm64", "no build for Apple silicon: run the container"),
    ((3, 12), "Linux", "armv7l", "Linux (x86-64, aarch64) and Intel Macs only, not Linux armv7l"),
    ((3, 9), "Linux", "x86_64", "Python 3.9 is too old"),
    ((3, 14), "Linux", "x86_64", "Python 3.14 is too new"),
])
def test_the_sentence_for_each_computer_and_python(version, system, machine, expected):
    reason = unsupported_reason(version, system, machine)
    if expected is None:
        assert reason is None
    else:
        assert expected in reason and "\n" not in reason and reason.endswith(".")


def test_supported_pythons_are_the_ones_ci_runs():
    assert SUPPORTED_PYTHONS == ((3, 10), (3, 13))


def test_the_distutils_stand_in_orders_numpy_versions_as_mxnet_needs():
    assert _Version("1.26.4") >= _Version("1.17") and _Version("1.26.4") >= _Version("1.6.0")
    assert _Version("1.16.6") < _Version("1.17") and _Version("1.17.0rc1") == _Version("1.17")
    assert _Version("2.0.0") > _Version("1.26.4")


@pytest.mark.parametrize("entry_point", ["trainer/train.py", "demo/app.py"])
def test_without_mxnet_each_entry_point_says_one_sentence_not_a_traceback(entry_point):
    """Where pip skipped MXNet (Windows, Apple silicon), starting the app or the trainer explains what to do."""
    pretend_windows = ("import gradio, platform, runpy, sys; platform.system = lambda: 'Windows'; sys.modules['mxnet'] = None; "
                       f"sys.argv = [{entry_point!r}]; runpy.run_path({entry_point!r}, run_name='__main__')")
    result = subprocess.run([sys.executable, "-c", pretend_windows], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: MXNet 1.9.1 has no Windows build: use WSL 2")


@pytest.mark.parametrize("command", [
    ["trainer/train.py", "--help"], ["trainer/launch.py", "--help"], ["demo/app.py", "--help"],
    ["demo/drawings.py", "--help"], ["demo/drawings.py", "summary", "--help"], ["demo/drawings.py", "export", "--help"],
    ["demo/drawings.py", "delete", "--help"],
])
def test_help_of_every_command_works(command):
    result = subprocess.run([sys.executable, *command], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-1500:]
    assert result.stdout.startswith("usage:") and "Traceback" not in result.stderr


def test_the_apps_help_names_the_port_and_the_disk_budget():
    result = subprocess.run([sys.executable, "demo/app.py", "--help"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert "--port PORT" in result.stdout and "7860" in result.stdout and "--drawings-max-mb" in result.stdout


def test_a_first_training_run_keeps_the_finished_models_it_replaces(tmp_path, mnist_dir):
    """`trainer/train.py` into a folder of finished checkpoints (as checkpoints/ ships): the old model is kept in
    replaced/, and when the new one reads MNIST worse the run says how to bring the old one back."""
    import shutil

    from trainer import checkpoint

    folder = tmp_path / "checkpoints"
    shutil.copytree(checkpoint.DEFAULT_FOLDER, folder)
    shipped = (folder / "mlp-0000.params").read_bytes()
    result = subprocess.run([sys.executable, "trainer/train.py", "--dry-run", "--models", "mlp", "--data-dir", str(mnist_dir),
                             "--out-dir", str(folder)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-1500:]
    assert (folder / "replaced" / "mlp-0000.params").read_bytes() == shipped
    assert (folder / "mlp-0000.params").read_bytes() != shipped
    assert f"this run replaces it, and keeps it in {folder / 'replaced'}/" in result.stdout
    assert f"to bring it back: cp {folder / 'replaced'}/mlp[-.]* {folder}/" in result.stdout
    assert not (folder / "replaced" / "lenet-0000.params").exists()  # only what the run replaced
    restored = subprocess.run(f"cp {folder / 'replaced'}/mlp[-.]* {folder}/", shell=True)
    assert restored.returncode == 0 and (folder / "mlp-0000.params").read_bytes() == shipped


def test_the_app_starts_quietly_and_names_its_own_flags(tmp_path):
    """No harmless warnings from MXNet, and the app's own line about --share instead of Gradio's `share=True`."""
    from testkit.app_server import start_app
    from testkit.servers import free_port

    port = free_port()
    app, lines = start_app(["demo/app.py", "--port", str(port), "--drawings-db", str(tmp_path / "d.sqlite")])
    app.terminate()
    app.wait(timeout=30)
    printed = "".join(lines)
    assert f"Running on http://127.0.0.1:{port}/ (add --share for a public link" in printed, printed
    assert "Warning" not in printed and "share=True" not in printed and "Cannot decide type" not in printed, printed
