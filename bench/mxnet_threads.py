"""What MXNet keeps per thread that calls it: the server's RSS under a class and over a term.

    python bench/mxnet_threads.py [--threads 60]

Gradio runs each event's function on an AnyIO worker thread (up to 40 at once; a worker idle for 10 s
exits, and a new one starts when the next request comes). Here `--threads` short-lived threads, one after
another, make one ModelStore.predict each, as those workers do, then the long-lived main thread makes 20
more; it prints the RSS after each part. Measured on the shipped checkpoints (MXNet 1.9.1): about 5 MB
per new thread, never given back when the thread exits (OMP_NUM_THREADS=1, MXNET_ENGINE_TYPE=NaiveEngine,
MXNET_MKLDNN_ENABLED=0 and MALLOC_ARENA_MAX=2 change nothing). Calling MXNet from one long-lived thread
keeps it to one thread's worth.
"""
import argparse
import json
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.inference import ModelStore  # noqa: E402
from demo.pad import read_pad  # noqa: E402
from testkit.app_server import rss_mb  # noqa: E402
from testkit.pad_digits import pad_value  # noqa: E402
from trainer import checkpoint  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=60)
    parser.add_argument("--checkpoints", default=str(checkpoint.DEFAULT_FOLDER))
    args = parser.parse_args(argv)
    models = ModelStore(args.checkpoints)
    image = read_pad(json.dumps(pad_value(7)))[1]
    for _ in range(20):
        models.predict(image)  # this thread's share, and the models' first calls
    start = rss_mb(os.getpid())
    for _ in range(args.threads):  # one after another: only one extra thread alive at any time
        thread = threading.Thread(target=models.predict, args=(image,))
        thread.start()
        thread.join()
    sequential = rss_mb(os.getpid())
    print(f"{args.threads} short-lived threads, one MXNet call each, one at a time: RSS {start:.0f} -> {sequential:.0f} MB "
          f"({1024 * (sequential - start) / args.threads:.0f} KB per thread; {threading.active_count()} thread alive now)")
    for _ in range(20):
        models.predict(image)
    same_thread = rss_mb(os.getpid())
    print(f"then 20 more calls from the same long-lived thread: RSS {sequential:.0f} -> {same_thread:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
