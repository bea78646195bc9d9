"""Data-parallel training on MXNet's parameter server, started by trainer/launch.py on 127.0.0.1."""
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO, run_script
from testkit.servers import free_port
from trainer.mxnet_shim import mx

STARTED = re.compile(r"launch: started (\w+ ?\d*) \(pid (\d+)\)")
# Launch slots ("[worker 1]") and KVStore ranks differ: the scheduler gives ranks as workers connect.
DIGEST = re.compile(r"\[(worker \d)\] mlp \(rank \d of 2 workers\): final parameters sha256 ([0-9a-f]{64})")
RANK_0 = re.compile(r"\[(worker \d)\] mlp \(rank 0 of 2 workers\)")


def launch_command(out_dir, *train_flags, kvstore="dist_sync"):
    return [sys.executable, "trainer/launch.py", "--local", "--workers", "2", "--servers", "1",
            "--port", str(free_port()), "--", "python", "trainer/train.py", "--kvstore", kvstore,
            "--models", "mlp", "--no-augment", "--out-dir", str(out_dir), *train_flags]


def pids_in(output):
    return {name: int(pid) for name, pid in STARTED.findall(output)}


def assert_all_gone(pids):
    for name, pid in pids.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # raises once the process no longer exists


def test_two_workers_end_with_identical_weights_and_rank_0_alone_writes(tmp_path, mnist_dir, mnist_test_set):
    result = subprocess.run(launch_command(tmp_path, "--epochs", "1", "--batch-size", "256"), cwd=REPO,
                            env={**os.environ, "MNIST_DIR": str(mnist_dir)}, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    digests = dict(DIGEST.findall(result.stdout))
    assert set(digests) == {"worker 0", "worker 1"}, result.stdout[-2000:]
    assert digests["worker 0"] == digests["worker 1"]

    assert sorted(path.name for path in tmp_path.iterdir()) == ["mlp-0000.params", "mlp-mistakes.npz", "mlp-symbol.json", "mlp.json", "mlp.log"]
    written_by = {line[1:].split("]")[0] for line in result.stdout.splitlines() if "wrote " in line}
    assert len(written_by) == 1 and written_by == set(RANK_0.findall(result.stdout))  # one writer: rank 0
    metadata = json.loads((tmp_path / "mlp.json").read_text())
    assert metadata["training"]["kvstore"] == "dist_sync"
    assert (metadata["training"]["workers"], metadata["training"]["servers"]) == (2, 1)

    images, labels = mnist_test_set
    net = mx.gluon.SymbolBlock.imports(str(tmp_path / "mlp-symbol.json"), ["data"], str(tmp_path / "mlp-0000.params"))
    accuracy = (net(mx.nd.array(images[:2000])).asnumpy().argmax(axis=1) == labels[:2000]).mean()
    assert accuracy > 0.8, accuracy  # chance is 0.1
    assert_all_gone(pids_in(result.stdout))


def test_an_asynchronous_job_trains_and_rank_0_writes(tmp_path, mnist_dir):
    result = subprocess.run(launch_command(tmp_path, "--dry-run", kvstore="dist_async"), cwd=REPO,
                            env={**os.environ, "MNIST_DIR": str(mnist_dir)}, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    metadata = json.loads((tmp_path / "mlp.json").read_text())
    assert metadata["training"]["kvstore"] == "dist_async" and metadata["training"]["finished"]
    assert len(DIGEST.findall(result.stdout)) == 2  # both workers finished


def start_long_job(out_dir, mnist_dir, epochs=500):
    """A job far longer than any test (an unaugmented MLP epoch takes well under a second), returned
    once its first epoch is done: (launcher process, {name: pid})."""
    launcher = subprocess.Popen(launch_command(out_dir, "--epochs", str(epochs)), cwd=REPO,
                                env={**os.environ, "MNIST_DIR": str(mnist_dir)},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen, deadline = [], time.time() + 120
    while time.time() < deadline and f"epoch {1:>2}/{epochs}" not in (seen[-1] if seen else ""):
        seen.append(launcher.stdout.readline())
    return launcher, pids_in("".join(seen))


def test_a_killed_worker_stops_the_whole_job_cleanly(tmp_path, mnist_dir):
    launcher, pids = start_long_job(tmp_path, mnist_dir)
    os.kill(pids["worker 1"], signal.SIGKILL)
    _, errors = launcher.communicate(timeout=60)

    assert launcher.returncode != 0
    assert f"worker 1 (pid {pids['worker 1']}) was killed by SIGKILL" in errors and "stopping the job" in errors
    assert_all_gone(pids)
    assert not [path.name for path in tmp_path.iterdir() if path.name.startswith(".")]  # no temporary files
    for metadata in tmp_path.glob("*.json"):
        json.loads(metadata.read_text())  # whatever was written is whole


def test_ctrl_c_on_the_launcher_stops_every_process(tmp_path, mnist_dir):
    launcher, pids = start_long_job(tmp_path, mnist_dir)
    launcher.send_signal(signal.SIGINT)
    _, errors = launcher.communicate(timeout=60)
    assert launcher.returncode == 130
    assert "launch: interrupted; stopping" in errors
    assert_all_gone(pids)


def test_dist_kvstore_outside_a_launched_job_is_a_clear_error():
    result = run_script("trainer/train.py", "--kvstore", "dist_sync", "--dry-run")
    assert result.returncode == 2
    assert "trainer/launch.py" in result.stderr


def test_resume_is_refused_for_distributed_training():
    result = run_script("trainer/train.py", "--kvstore", "dist_async", "--resume")
    assert result.returncode == 2 and "single-process training only" in result.stderr


def test_hosts_mode_prints_one_command_per_process():
    result = run_script("trainer/launch.py", "--hosts", "node1,node2", "--workers", "2", "--servers", "2", "--",
                        "python", "trainer/train.py", "--kvstore", "dist_sync")
    assert result.returncode == 0
    lines = [line for line in result.stdout.splitlines() if line.startswith("DMLC_ROLE=")]
    assert len(lines) == 5  # scheduler, 2 servers, 2 workers
    assert all("DMLC_PS_ROOT_URI=node1" in line and "DMLC_NUM_WORKER=2" in line for line in lines)
    assert sum("trainer/train.py --kvstore dist_sync" in line for line in lines) == 2
    assert "# worker 1, on node2:" in result.stdout
