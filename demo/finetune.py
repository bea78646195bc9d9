"""Fine-tuning on the drawings people labelled, from the app: one run at a time, in a low-priority process.

No Gradio here (demo/teacher_tab.py shows it). A run is a folder RUNS/<name>/ (the name is its start
time, e.g. 20261203-104233), beside the drawings database, never inside checkpoints/:

    export/        the drawings as `python demo/drawings.py export` writes them
    NAME-*         the trainer's checkpoint files, logs and metadata (trainer/checkpoint.py), per model
    console.txt    the trainer's console output
    run.json       what the run is: base models, drawings, state (running, finished, failed) and why

The process is the trainer itself, `python trainer/train.py --init-from BASE --extra-data export
--epochs 3 --lr 2e-4 --out-dir RUN` (the same code path as a shell user's fine-tune), at nice 10 with
one compute thread, so that students drawing meanwhile keep getting quick answers.
RUNS/in-use.json names the run whose models answer everyone (absent: the shipped ones).
"""
import atexit
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from demo import i18n
from demo.drawings import export, skipped_note
from demo.i18n import Sentence, SentenceError
from trainer import checkpoint, extra_data, mnist
from trainer.models import MODELS
from trainer.train import BATCH_SIZE, VALIDATION_SIZE
from trainer.training_log import finished_epochs, parse_log

REPO = Path(__file__).resolve().parent.parent
TRAINER_FLAGS = ("--epochs", "3", "--lr", "2e-4")
NICENESS = 10
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
              "MXNET_CPU_WORKER_NTHREADS": "1"}
SHIPPED = "shipped"
# MNIST's 60,000 training images less the validation ones, plus the drawings' share, in the trainer's
# default batches: what a fine-tune's epoch takes.
BATCHES_PER_EPOCH = (60_000 - VALIDATION_SIZE) / (1 - extra_data.SHARE) / BATCH_SIZE
IN_USE_FILE = "in-use.json"


class FineTuneError(SentenceError):
    """A fine-tune cannot start, or a run cannot be used; its sentence is for the teacher."""


@dataclass
class RunRecord:
    """run.json: what a run is and how it ended."""

    name: str
    base: str  # the checkpoint folder it started from
    drawings: int
    started: float
    state: str = "running"  # running, finished or failed
    ended: float = None
    message: str = ""  # why it failed, or its summary once finished (English, as the trainer's console)
    failure: dict = None  # the app's own reason it failed, as a Sentence's {"key", "values"} (any language)
    skipped: list = field(default_factory=list)  # drawings left out of its export: their strokes unreadable


def _write_json(path, value):
    checkpoint.atomic_write(path, json.dumps(value, indent=2) + "\n")


class FineTuner:
    def __init__(self, runs_folder, shipped_folder=checkpoint.DEFAULT_FOLDER, data_dir=None,
                 trainer_flags=TRAINER_FLAGS):
        self.folder = Path(runs_folder)
        self.shipped = Path(shipped_folder)
        self.data_dir = data_dir  # MNIST for the trainer: --data-dir, else its own rule ($MNIST_DIR, download)
        self.trainer_flags = tuple(trainer_flags)
        self._lock = threading.Lock()
        self._process = None
        self._finisher = None  # the thread that waits for the run's trainer and records how it ended
        self._mark_interrupted_runs()
        atexit.register(self.stop)  # a run outliving its server would never be recorded

    # ------------------------------------------------------------------------------------------ runs

    def record(self, name):
        """The RunRecord of run `name`, or None if there is no such run (or `name` is not a run's name: a path)."""
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            return None
        try:
            return RunRecord(**json.loads((self.folder / name / "run.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def existing(self, name):
        """The RunRecord of run `name`; FineTuneError naming the runs there are when there is no such run."""
        record = self.record(name)
        if record is None:
            raise FineTuneError("finetune.no_run", name=f"{name!r:.40}",
                                runs=", ".join(r.name for r in self.records()) or "-")
        return record

    def records(self):
        """Every run, newest first."""
        if not self.folder.is_dir():
            return []
        found = [self.record(path.name) for path in self.folder.iterdir() if path.is_dir()]
        return sorted((record for record in found if record), key=lambda record: record.started, reverse=True)

    def _save(self, record):
        _write_json(self.folder / record.name / "run.json", asdict(record))

    def _mark_interrupted_runs(self):
        """A run left "running" by a server that stopped will never finish: say so."""
        for record in self.records():
            if record.state == "running":
                record.state, record.ended = "failed", time.time()
                self._fail(record, Sentence("finetune.interrupted"))
                self._save(record)

    def is_running(self):
        """Whether a run started by this server is in progress: until how it ended is recorded, not only until its
        trainer exits (in between, its record would still say "running")."""
        finisher = self._finisher
        return finisher is not None and finisher.is_alive()

    # --------------------------------------------------------------------------------------- starting

    def start(self, store, base_folder):
        """Export the drawings in `store` and start the trainer on them from `base_folder`'s weights.

        Returns the run's name; raises FineTuneError (a sentence for the teacher) if a run is already
        in progress, there are too few drawings, or MNIST is not on this server.
        """
        with self._lock:
            if self.is_running():
                raise FineTuneError("finetune.already_running")
            self._check_mnist()
            name = time.strftime("%Y%m%d-%H%M%S")
            folder = self.folder / name
            if folder.exists():
                raise FineTuneError("finetune.too_recent")
            count = store.count()
            if count < extra_data.MIN_DRAWINGS:
                raise FineTuneError("finetune.too_few", min=extra_data.MIN_DRAWINGS, count=count)
            exported = export(store, folder / "export")
            if exported.count < extra_data.MIN_DRAWINGS:
                raise FineTuneError("finetune.too_few", min=extra_data.MIN_DRAWINGS, count=exported.count)
            record = RunRecord(name, str(base_folder), exported.count, time.time(), skipped=exported.skipped)
            self._save(record)
            self._process = self._launch(folder, base_folder)
            self._finisher = threading.Thread(target=self._finish, args=(self._process, record), daemon=True)
            self._finisher.start()
        return name

    def _check_mnist(self):
        folder = mnist.resolve_data_dir(self.data_dir)
        missing = [name for name in mnist.MNIST_FILES if folder is not None and not (folder / name).is_file()]
        if missing:
            raise FineTuneError("finetune.needs_mnist", folder=folder, missing=", ".join(missing))

    def _launch(self, folder, base_folder):
        command = [sys.executable, str(REPO / "trainer" / "train.py"), "--init-from", str(base_folder),
                   "--extra-data", str(folder / "export"), "--out-dir", str(folder), *self.trainer_flags]
        if self.data_dir:
            command += ["--data-dir", str(self.data_dir)]
        with open(folder / "console.txt", "w", encoding="utf-8") as console:  # the child keeps its own copy
            process = subprocess.Popen(command, cwd=REPO, stdout=console, stderr=subprocess.STDOUT,
                                       env={**os.environ, **ONE_THREAD, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        # Lower its priority at once, before it has started any thread of its own (they inherit it).
        # (preexec_fn would do it in the child, but is unsafe in a server with threads.)
        os.setpriority(os.PRIO_PROCESS, process.pid, NICENESS)
        return process

    def _finish(self, process, record):
        """Wait for the trainer; record how it ended."""
        code = process.wait()
        record.ended = time.time()
        if code == 0:
            record.state, record.message = "finished", self.summary(record)
        elif code < 0:
            record.state = "failed"
            self._fail(record, Sentence("finetune.stopped", signal=signal.Signals(-code).name))
        else:
            record.state, record.message = "failed", self._trainer_error(record.name, code)
        self._save(record)

    @staticmethod
    def _fail(record, sentence):
        record.message, record.failure = str(sentence), {"key": sentence.key, "values": sentence.values}

    def _trainer_error(self, name, code):
        """The trainer's own error, with the lines that explain it (every mirror tried, say): its console's words."""
        lines = [line for line in self._console(name).splitlines() if line.strip()]
        starts = [index for index, line in enumerate(lines) if line.startswith("error:")]
        if starts:
            return "\n".join(lines[starts[-1]:]).removeprefix("error: ")
        return (lines or [f"the trainer exited with code {code}"])[-1]

    @staticmethod
    def reason(record, language=i18n.ENGLISH):
        """Why a run failed, in `language` where the reason is the app's own (the trainer's words stay its own)."""
        if record.failure:
            return Sentence(record.failure["key"], **record.failure["values"]).render(language)
        return record.message

    def _console(self, name):
        try:
            return (self.folder / name / "console.txt").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def stop(self):
        """Stop the run in progress (the server is shutting down, or a test ends)."""
        with self._lock:
            process = self._process
            if process is not None and process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)

    # --------------------------------------------------------------------------------------- watching

    def progress(self, name):
        """(share of the run's epochs done, {model: [EpochRecord]}) from the logs as they are written."""
        histories, done = {}, 0.0
        for model in MODELS:
            log = checkpoint.checkpoint_paths(self.folder / name, model).log
            text = log.read_text(encoding="utf-8", errors="replace") if log.is_file() else ""
            history = histories[model] = parse_log(text)
            finished = finished_epochs(history)
            done += len(finished) + sum(_partial(record) for record in history if record not in finished)
        return min(1.0, done / (len(MODELS) * self.epochs_per_model())), histories

    def epochs_per_model(self):
        flags = self.trainer_flags
        return 1 if "--dry-run" in flags else int(flags[flags.index("--epochs") + 1])

    def summary(self, record, language=i18n.ENGLISH):
        """One line per model: accuracy on the held-out drawings and on MNIST test, before and after."""
        folder = self.folder / record.name
        minutes = ((record.ended or time.time()) - record.started) / 60
        lines = [language.t("finetune.summary", name=record.name, count=language.number(record.drawings),
                            minutes=language.number(minutes, 1))]
        if record.skipped:
            lines.append(skipped_note(record.skipped, language))
        for name, spec in MODELS.items():
            try:
                evaluation = checkpoint.read_metadata(folder, name)["evaluation"]
                before = checkpoint.read_metadata(record.base, name).get("evaluation", {}).get("test_accuracy")
            except checkpoint.CheckpointError:
                continue
            held = evaluation.get("extra_data", {})
            lines.append(language.t("finetune.summary_model", model=spec.label, held=language.number(held.get("held_out", 0)),
                                    before=language.percent(held.get("accuracy_before")),
                                    after=language.percent(held.get("accuracy_after")),
                                    mnist_before=language.percent(before),
                                    mnist_after=language.percent(evaluation.get("test_accuracy"))))
        return "\n".join(lines)

    # -------------------------------------------------------------------------------------- switching

    def in_use(self):
        """The name of the run whose models answer, or SHIPPED."""
        try:
            name = json.loads((self.folder / IN_USE_FILE).read_text(encoding="utf-8"))["run"]
        except (OSError, ValueError, KeyError, TypeError):
            return SHIPPED
        record = self.record(name) if name != SHIPPED else None
        return name if record is not None and record.state == "finished" else SHIPPED

    def folder_of(self, name):
        """The checkpoint folder of a finished run (or of the shipped models); FineTuneError otherwise."""
        if name == SHIPPED:
            return self.shipped
        record = self.existing(name)
        if record.state != "finished":
            raise FineTuneError("finetune.not_finished", name=name, state=Sentence(f"finetune.state.{record.state}"))
        return self.folder / name

    def use(self, name):
        """Make run `name` (or SHIPPED) the models that answer; returns their folder. Written atomically."""
        folder = self.folder_of(name)
        _write_json(self.folder / IN_USE_FILE, {"run": name, "since": time.strftime("%Y-%m-%d %H:%M:%S")})
        return folder


def _partial(record):
    """How far into an unfinished epoch its speed lines (every 100 batches) say it is."""
    return min(0.95, record.speeds[-1][0] / BATCHES_PER_EPOCH) if record.speeds else 0.0

