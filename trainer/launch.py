"""Start a distributed training job on MXNet's parameter server (KVStore 'dist_sync' / 'dist_async').

    # try it on one machine: 1 scheduler, 1 server, 2 workers on 127.0.0.1
    python trainer/launch.py --local --workers 2 --servers 1 -- python trainer/train.py --kvstore dist_sync

    # several machines: print the command to run on each host
    python trainer/launch.py --hosts node1,node2 --workers 2 --servers 2 -- python trainer/train.py --kvstore dist_sync

Every process learns its role from MXNet's standard DMLC_* variables. A scheduler or server is just
`import mxnet` with DMLC_ROLE set (MXNet then serves and exits); a worker is the training command.
If any process fails, or on Ctrl-C, every process this launcher started is stopped, and the message
names the role that failed.
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SERVER_COMMAND = [sys.executable, "-c", "import trainer.mxnet_shim"]  # serves until the workers finish
DEFAULT_PORT = 9091
STOP_GRACE_SECONDS = 5
SHUTDOWN_SECONDS = 30  # how long scheduler and servers may take to exit after the last worker


def role_environment(role, scheduler_host, port, servers, workers, node_host=None):
    environment = {
        "DMLC_ROLE": role,
        "DMLC_PS_ROOT_URI": scheduler_host,
        "DMLC_PS_ROOT_PORT": str(port),
        "DMLC_NUM_SERVER": str(servers),
        "DMLC_NUM_WORKER": str(workers),
    }
    if node_host:
        environment["DMLC_NODE_HOST"] = node_host
    return environment


def job_plan(command, scheduler_host, port, servers, workers, hosts=None, node_host=None):
    """[(name, host, environment, argv)]: the scheduler, the servers, then the workers, spread over hosts.

    node_host pins the address every process announces (127.0.0.1 for a job on this machine).
    """
    hosts = hosts or [scheduler_host]

    def environment(role):
        return role_environment(role, scheduler_host, port, servers, workers, node_host)

    plan = [("scheduler", scheduler_host, environment("scheduler"), SERVER_COMMAND)]
    plan += [(f"server {index}", hosts[index % len(hosts)], environment("server"), SERVER_COMMAND)
             for index in range(servers)]
    plan += [(f"worker {index}", hosts[index % len(hosts)], environment("worker"), command) for index in range(workers)]
    return plan


def print_host_commands(plan):
    """The commands to start by hand (or with ssh) on each host, from the repository folder."""
    for name, host, environment, argv in plan:
        assignments = " ".join(f"{key}={shlex.quote(value)}" for key, value in environment.items())
        print(f"# {name}, on {host}:\n{assignments} {shlex.join(['python' if a == sys.executable else a for a in argv])}")


class Job:
    """The processes of one local job; each runs in its own process group so nothing outlives the job."""

    def __init__(self):
        self.processes = {}  # name -> Popen

    def start(self, name, environment, argv):
        process = subprocess.Popen(
            argv, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO), **environment},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        self.processes[name] = process
        threading.Thread(target=self._relay, args=(name, process), daemon=True).start()
        print(f"launch: started {name} (pid {process.pid})", flush=True)

    @staticmethod
    def _relay(name, process):
        for line in process.stdout:
            print(f"[{name}] {line}", end="", flush=True)

    def running(self):
        return [name for name, process in self.processes.items() if process.poll() is None]

    def stop(self):
        """SIGTERM every process group still alive, then SIGKILL what is left after a grace period."""
        for signal_number, wait in ((signal.SIGTERM, STOP_GRACE_SECONDS), (signal.SIGKILL, STOP_GRACE_SECONDS)):
            for name in self.running():
                try:
                    os.killpg(self.processes[name].pid, signal_number)
                except ProcessLookupError:
                    pass
            deadline = time.time() + wait
            while self.running() and time.time() < deadline:
                time.sleep(0.1)


def describe_exit(code):
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def failed_processes(job):
    """The processes that ended badly. Exit code 0 is always fine: scheduler and servers exit 0 only
    after the job's final barrier, which can be a moment before the workers' processes end."""
    return [name for name, process in job.processes.items() if process.poll() not in (None, 0)]


def supervise(job, workers):
    """Wait for the job; return the launcher's exit code. Any failure stops everything."""
    worker_names = [f"worker {index}" for index in range(workers)]
    while True:
        time.sleep(0.2)
        failed = failed_processes(job)
        if failed:  # one failure usually takes others down within the same moment: name them all
            reasons = "; ".join(f"{name} (pid {job.processes[name].pid}) {describe_exit(job.processes[name].poll())}"
                                for name in failed)
            print(f"launch: {reasons}; stopping the job ({', '.join(job.running()) or 'nothing else'})",
                  file=sys.stderr, flush=True)
            job.stop()
            return 1
        if all(job.processes[name].poll() == 0 for name in worker_names):
            deadline = time.time() + SHUTDOWN_SECONDS
            while job.running() and time.time() < deadline:
                time.sleep(0.1)
            if job.running():
                print(f"launch: {', '.join(job.running())} did not exit after the workers finished; stopping them",
                      file=sys.stderr, flush=True)
                job.stop()
            print("launch: all workers finished", flush=True)
            return 0


def run_local(plan, workers):
    job = Job()

    def stop_on_sigterm(signal_number, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    # A shell starts background jobs (`... &`, as CI may) with SIGINT ignored; `kill -INT` should still stop the job.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        for name, _, environment, argv in plan:
            job.start(name, environment, argv)
        return supervise(job, workers)
    except KeyboardInterrupt:
        print(f"\nlaunch: interrupted; stopping {', '.join(job.running()) or 'nothing'}", file=sys.stderr, flush=True)
        job.stop()
        return 130


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                     usage="%(prog)s (--local | --hosts H1,H2,...) [options] -- COMMAND ...")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", action="store_true", help="run every process on this machine (127.0.0.1)")
    where.add_argument("--hosts", help="comma-separated hosts: print the command for each process instead")
    parser.add_argument("--workers", type=int, default=2, help="training processes (default: 2)")
    parser.add_argument("--servers", type=int, default=1, help="parameter-server processes (default: 1)")
    parser.add_argument("--scheduler-host", default=None, help="default: 127.0.0.1 with --local, else the first host")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"scheduler port (default: {DEFAULT_PORT})")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the worker command, after --")
    args = parser.parse_args(argv)
    args.command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not args.command:
        parser.error("give the worker command after --, e.g. -- python trainer/train.py --kvstore dist_sync")
    if args.workers < 1 or args.servers < 1:
        parser.error("--workers and --servers must be at least 1")
    if args.command[0] in ("python", "python3"):
        args.command = [sys.executable, *args.command[1:]]  # the interpreter running the launcher (its venv)
    return args


def main(argv=None):
    args = parse_args(argv)
    hosts = [host.strip() for host in args.hosts.split(",")] if args.hosts else None
    scheduler_host = args.scheduler_host or ("127.0.0.1" if args.local else hosts[0])
    if hosts:
        print_host_commands(job_plan(args.command, scheduler_host, args.port, args.servers, args.workers, hosts))
        return 0
    plan = job_plan(args.command, scheduler_host, args.port, args.servers, args.workers, node_host="127.0.0.1")
    return run_local(plan, args.workers)


if __name__ == "__main__":
    sys.exit(main())
