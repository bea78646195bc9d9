"""Samples/second of 1, 2 and 4 local parameter-server workers against single-process training.

    MNIST_DIR=../shared/data/mnist python bench/dist_speed.py [--models mlp,lenet] [--workers 1,2,4]

Each configuration trains one epoch without augmentation through the real entry points
(trainer/train.py, trainer/launch.py). Throughput of a job = the sum of its workers' samples/second.
On one small machine every worker, server and the scheduler share the same cores: this shows the
parameter server's overhead, not the speed-up that adding machines brings (see README).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SPEED = re.compile(r"epoch\s+1/1: .*?([\d,]+) samples/s")


def run(command):
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=os.environ)
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return sum(float(speed.replace(",", "")) for speed in SPEED.findall(result.stdout))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default="mlp,lenet")
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--batch-size", type=int, default=128, help="per worker")
    parser.add_argument("--port", type=int, default=9191)
    args = parser.parse_args()
    print(f"{'model':<6} {'setup':<32} {'samples/s':>10} {'vs single':>10}")
    for model in args.models.split(","):
        with tempfile.TemporaryDirectory() as out_dir:
            train = ["python", "trainer/train.py", "--models", model, "--epochs", "1", "--no-augment",
                     "--batch-size", str(args.batch_size), "--out-dir", out_dir]
            single = run([sys.executable, *train[1:]])
            print(f"{model:<6} {'single process':<32} {single:>10,.0f} {1:>10.2f}", flush=True)
            for workers in map(int, args.workers.split(",")):
                speed = run([sys.executable, "trainer/launch.py", "--local", "--workers", str(workers), "--servers", "1",
                             "--port", str(args.port), "--", *train, "--kvstore", "dist_sync"])
                setup = f"{workers} worker{'s' if workers > 1 else ''} + 1 server (dist_sync)"
                print(f"{model:<6} {setup:<32} {speed:>10,.0f} {speed / single:>10.2f}", flush=True)
    print(f"\n({os.cpu_count()} CPU cores shared by every process. Where several workers beat one process here,"
          " one process was leaving cores idle; the parameter server's own cost shows in the 1-worker row.)")


if __name__ == "__main__":
    main()
