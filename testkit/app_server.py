"""One Gradio app in a process of its own, for the class benchmarks: its CPU time and memory are its own.

    python testkit/app_server.py --kind demo|noop|plain [--port P] [--drawings-db PATH]

Kinds:
  demo   the app itself (demo/app.py's build_app and launch_options).
  noop   the same page: build_app's Blocks, layout, events and launch settings unchanged, except that the
         /predict event's function (the BlockFunction whose api_name is "predict") is swapped for one that
         does no work and returns a fixed answer: the app's own answer for one real drawing, computed once
         at start-up, so the five outputs (two gr.Label, two Markdown lines, the HTML preview) have the
         same size and go through the same postprocessing. Same input, same outputs, queue bypassed.
  plain  a plain no-op Gradio app: a Blocks with one Textbox, the same launch settings (idle baseline).

It prints "READY <url> <pid>" on stdout once it serves, then serves until killed (SIGTERM, SIGINT).
On SIGUSR1 it writes what Gradio holds per session (`--introspect FILE`, JSON): see `holdings`.

The parent side is `ServerProcess`: start it, read its CPU seconds and RSS from /proc/PID, stop it.
"""
import argparse
import asyncio
import inspect
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

KINDS = ("demo", "noop", "plain")
# The drawing whose answer the no-op returns: a 7 of the hand-made pad digits, in the middle of a 400 px pad.
NOOP_DRAWING_DIGIT = 7


def noop_predict_answer(predict):
    """The app's own answer for one real drawing: what the no-op returns every time (same shape and size)."""
    from testkit.pad_digits import pad_value

    answer = predict(json.dumps(pad_value(NOOP_DRAWING_DIGIT)))
    return asyncio.run(answer) if inspect.isawaitable(answer) else answer


def swap_predict_for_noop(demo):
    """Swap the function of demo's "predict" event for a no-op returning the real answer to one drawing.

    Everything else (layout, the event's inputs, outputs, queue=False, trigger_mode, postprocessing) is
    the app's own. Returns the BlockFunction changed.
    """
    functions = [block_fn for block_fn in demo.fns.values() if block_fn.api_name == "predict"]
    if len(functions) != 1:
        raise RuntimeError(f"expected one event with api_name 'predict', found {len(functions)}")
    block_fn = functions[0]
    fixed = noop_predict_answer(block_fn.fn)

    def noop_predict(pad_value):
        return fixed

    async def async_noop_predict(pad_value):  # as the app's: Gradio runs a coroutine on its loop, no thread
        return fixed

    block_fn.fn = async_noop_predict if inspect.iscoroutinefunction(block_fn.fn) else noop_predict
    return block_fn


def build(kind, drawings_db):
    """(gr.Blocks, launch options) for `kind`."""
    import gradio as gr

    from demo import app

    if kind == "plain":
        with gr.Blocks(analytics_enabled=False) as demo:
            gr.Textbox(label="Nothing happens here")
        return demo.queue(max_size=app.QUEUE_SIZE, default_concurrency_limit=4), app.launch_options()
    state = app.build_app(app.Config(drawings_db=drawings_db))
    if kind == "noop":
        swap_predict_for_noop(state.demo)
    return state.demo, app.launch_options()


def holdings(demo):
    """What Gradio keeps per session and in its queue now (counts), for the soak benchmark."""
    server_app = demo.server_app
    holder = server_app.state_holder
    queue = demo._queue
    sessions = list(holder.session_data.values())
    return {
        "state_holder_sessions": len(holder.session_data),
        "state_holder_capacity": holder.capacity,
        "time_last_used": len(holder.time_last_used),
        "closed_sessions": sum(1 for session in sessions if session.is_closed),
        "config_values_per_session": (sum(len(session.config_values) for session in sessions) / len(sessions)
                                      if sessions else 0),
        "state_data_entries": sum(len(session.state_data) for session in sessions),
        "queue_pending_messages_per_session": len(queue.pending_messages_per_session),
        "queue_pending_event_ids_session": len(queue.pending_event_ids_session),
        "queue_event_ids_to_events": len(getattr(queue, "event_ids_to_events", {})),
        "queue_event_analytics": len(queue.event_analytics),
        "queue_process_time_per_fn": len(queue.process_time_per_fn),
        "iterators": len(server_app.iterators),
        "pending_streams": len(demo.pending_streams),
        "pending_diff_streams": len(getattr(demo, "pending_diff_streams", {})),
    }


def serve(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kind", choices=KINDS, default="demo")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--drawings-db", default="", help='the app\'s SQLite file; "" (default) switches labelling off')
    parser.add_argument("--introspect", default=None, help="on SIGUSR1, write Gradio's per-session holdings here")
    parser.add_argument("--state-session-capacity", type=int, default=None,
                        help="launch(state_session_capacity=N): sessions Gradio keeps (default: the app's own setting)")
    parser.add_argument("--queue-poll-ms", type=float, default=None,
                        help="set Gradio's queue poll interval when idle (its private Queue.sleep_when_free; 1 ms)")
    args = parser.parse_args(argv)

    from testkit import servers

    demo, options = build(args.kind, args.drawings_db)
    if args.state_session_capacity is not None:
        options = {**options, "state_session_capacity": args.state_session_capacity}
    url = servers.launch(demo, port=args.port, **{**options, "share": False})
    if args.queue_poll_ms is not None:
        demo._queue.sleep_when_free = args.queue_poll_ms / 1000
    if args.introspect:
        def write_holdings(*_):
            Path(args.introspect).write_text(json.dumps(holdings(demo)))
        signal.signal(signal.SIGUSR1, write_holdings)
    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    print(f"READY {url} {os.getpid()}", flush=True)
    # As `demo.launch()` blocks in production (demo/app.py's main): Gradio's own block_thread loop.
    demo.block_thread()
    return 0


def start_app(arguments, env=None, timeout=120):
    """`python ARGUMENTS` (demo/app.py and its flags), as a person starts the app, in a process of its own ->
    (the process, the lines it printed up to its "Running on" line, that one included; fewer if it ended).

    Its output goes on into the pipe: read or drain it while it runs; stop it with terminate().
    """
    process = subprocess.Popen([sys.executable, *arguments], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    printed, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline and not (printed and printed[-1].startswith("Running on")):
        line = process.stdout.readline()
        if not line:
            break
        printed.append(line)
    return process, printed


def clock_ticks():
    return os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU seconds of process `pid` so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / clock_ticks()  # utime, stime (fields 14, 15 of stat)


def _status_number(pid, name):
    """The first number of line `name:` in /proc/PID/status, or None."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    return None


def rss_mb(pid):
    """Resident memory of process `pid` now, MB."""
    kilobytes = _status_number(pid, "VmRSS")
    return float("nan") if kilobytes is None else kilobytes / 1024


def machine_busy():
    """(busy, total) jiffies of the whole machine so far, from /proc/stat."""
    with open("/proc/stat") as stat:
        values = [int(value) for value in stat.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


def threads(pid):
    """Threads of process `pid` now."""
    return _status_number(pid, "Threads") or 0


class LoadMeter:
    """The whole machine's CPU use over a window, in cores (of os.cpu_count()), and the load average."""

    def __init__(self):
        self.start = machine_busy()

    def cores(self):
        busy, total = machine_busy()
        share = (busy - self.start[0]) / max(1, total - self.start[1])
        return share * os.cpu_count()

    @staticmethod
    def loadavg():
        with open("/proc/loadavg") as loadavg:
            return " ".join(loadavg.read().split()[:3])


class ServerProcess:
    """testkit/app_server.py in a subprocess: `url`, `pid`, `cpu_seconds()`, `rss_mb()`, `holdings()`, `stop()`."""

    def __init__(self, kind, drawings_db="", introspect=None, queue_poll_ms=None, env=None, timeout=120,
                 state_session_capacity=None):
        command = [sys.executable, str(Path(__file__).resolve()), "--kind", kind, "--drawings-db", drawings_db]
        if state_session_capacity is not None:
            command += ["--state-session-capacity", str(state_session_capacity)]
        if introspect:
            command += ["--introspect", str(introspect)]
        if queue_poll_ms is not None:
            command += ["--queue-poll-ms", str(queue_poll_ms)]
        self.kind, self.introspect = kind, introspect
        self.process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        env={**os.environ, **(env or {})})
        self.url = None
        self._stderr_lines = []
        threading.Thread(target=self._drain_stderr, daemon=True).start()
        deadline = time.monotonic() + timeout
        while self.url is None:
            line = self.process.stdout.readline()
            if not line:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the {kind} server did not start:\n" + "".join(self._stderr_lines[-30:]))
                continue
            if line.startswith("READY "):
                self.url = line.split()[1].rstrip("/")
        self.pid = self.process.pid

    def _drain_stderr(self):
        for line in self.process.stderr:
            self._stderr_lines.append(line)
            del self._stderr_lines[:-200]

    def cpu_seconds(self):
        return cpu_seconds(self.pid)

    def cpu_percent(self, seconds):
        """% of a core the server uses over the next `seconds` (this call sleeps that long)."""
        before = self.cpu_seconds()
        time.sleep(seconds)
        return 100 * (self.cpu_seconds() - before) / seconds

    def rss_mb(self):
        return rss_mb(self.pid)

    def threads(self):
        return threads(self.pid)

    def holdings(self, timeout=5.0):
        """Ask the server (SIGUSR1) what Gradio holds now; None without --introspect."""
        if not self.introspect:
            return None
        path = Path(self.introspect)
        path.unlink(missing_ok=True)
        os.kill(self.pid, signal.SIGUSR1)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if path.is_file():
                try:
                    return json.loads(path.read_text())
                except ValueError:
                    pass  # being written
            time.sleep(0.05)
        return None

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    sys.exit(serve())
