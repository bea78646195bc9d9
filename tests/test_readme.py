"""Every command and code block of the README, run as written (issue #32), with three adjustments a test needs:
the app runs on a free port, a training run is a --dry-run into a temporary folder (the README's run takes
28 minutes and writes checkpoints/), and /path/to/mnist is MNIST_DIR. The install-and-test lines are what
CI itself runs; their last command (the app) is started here.
"""
import os
import re
import shlex
import subprocess
import sys

import pytest

from conftest import REPO
from demo.app import Config, build_app, launch_options
from test_teacher import KEY, QUICK_RUN, fill, write_tiny_mnist
from testkit import servers
from testkit.app_server import start_app
from testkit.servers import free_port

README = (REPO / "README.md").read_text(encoding="utf-8")


def blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def commands():
    """Every command line of the README's bash blocks: (environment assignments, words)."""
    found = []
    for block in blocks("bash"):
        for line in block.splitlines():
            line = line.split("  #")[0].strip()
            if not line:
                continue
            last = line.split("&&")[-1].strip()  # venv && pip install && the command: CI runs the first two
            words = shlex.split(last)
            env = dict(word.split("=", 1) for word in words if re.fullmatch(r"[A-Z_]+=\S+", word))
            found.append((env, [word for word in words if not re.fullmatch(r"[A-Z_]+=\S+", word)]))
    return found


@pytest.fixture(scope="module")
def running_app(tmp_path_factory):
    """The app as a class has it, with the teacher's room on and a quick fine-tune."""
    folder = tmp_path_factory.mktemp("readme")
    app = build_app(Config(drawings_db=str(folder / "drawings.sqlite"), teacher_key=KEY, drawings_db_configured=True,
                           finetune_flags=QUICK_RUN, mnist_dir=str(write_tiny_mnist(folder / "mnist"))))
    fill(app.drawings, count=12)
    yield servers.launch(app.demo, **launch_options())
    app.demo.close()
    app.tuner.stop()


def test_the_readme_has_the_commands_this_test_knows():
    scripts = sorted({words[1] for _, words in commands() if words[0].endswith("python") and words[1] != "-m"})
    assert scripts == ["demo/app.py", "examples/api_tour.py", "trainer/train.py"], scripts
    assert [words for _, words in commands() if words[1] == "-m"] == [[".venv/bin/python", "-m", "pytest"]]  # CI's own


@pytest.mark.parametrize("env, words", [command for command in commands() if command[1][1:2] == ["trainer/train.py"]],
                         ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_each_training_command_runs(env, words, mnist_dir, tmp_path):
    env = {key: value.replace("/path/to/mnist", str(mnist_dir)) for key, value in env.items()}
    result = subprocess.run([sys.executable, *words[1:], "--dry-run", "--out-dir", str(tmp_path)], cwd=REPO,
                            env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "lenet-0000.params").is_file()


def test_the_demo_command_starts_the_app(tmp_path):
    (words,) = [words for _, words in commands() if words[1:2] == ["demo/app.py"]]
    port = free_port()
    app, printed = start_app([*words[1:], "--port", str(port), "--drawings-db", str(tmp_path / "d.sqlite")])
    app.terminate()
    app.wait(timeout=30)
    assert printed and printed[-1].startswith(f"Running on http://127.0.0.1:{port}/"), printed


@pytest.mark.parametrize("env, words", [command for command in commands() if command[1][1:2] == ["examples/api_tour.py"]],
                         ids=lambda value: " ".join(value) if isinstance(value, list) else None)
def test_each_api_tour_command_runs(env, words, running_app):
    shell = {**os.environ, **env, "DEMO_TEACHER_KEY": KEY}
    words = [re.sub(r"\$(\w+)", lambda variable: shell[variable.group(1)], word) for word in words]  # as a shell would
    result = subprocess.run([sys.executable, words[1], running_app, *words[2:]], cwd=REPO, capture_output=True,
                            text=True, timeout=600, env=shell)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "/predict: MLP reads 7, LeNet reads 7" in result.stdout


def test_the_python_block_runs(running_app):
    (code,) = blocks("python")
    namespace = {}
    exec(compile(code.replace("http://127.0.0.1:7860/", running_app), "README.md", "exec"), namespace)
    assert namespace["lenet"]["label"] == "7"
