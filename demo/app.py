"""Draw a digit, watch an MLP and a LeNet read it side by side.

    python demo/app.py                 # http://127.0.0.1:7860
    python demo/app.py --share         # plus a public gradio.live link (needs internet)
    gradio demo/app.py                 # reload mode while editing

The app's state (the models, loaded once from local files, the drawings database, the teacher's
key and fine-tune runs), the tabs composed into one page (each tab is a module of its own:
draw_tab, curves_tab, drawings_tab, teacher_tab) in the visitor's language (demo/i18n.py), and the
launch with its safety settings.
"""
import argparse
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python demo/app.py` or `gradio demo/app.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")  # Gradio's record of queued events (10,000 by default)
# Before MXNet is imported: the app makes many one-drawing passes, and OpenMP's extra threads would only
# spin against the server's own threads for the cores (one thread: ~3.5 instead of ~4.6 ms a drawing).
os.environ.setdefault("OMP_NUM_THREADS", "1")

import gradio as gr  # noqa: E402
import PIL.Image  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from demo.curves_tab import CurvesTab  # noqa: E402
from demo.draw_tab import DrawTab  # noqa: E402
from demo.drawings import DEFAULT_DB, DEFAULT_MAX_DRAWINGS, DEFAULT_MAX_MB, DrawingStore  # noqa: E402
from demo.drawings_tab import DrawingsTab  # noqa: E402
from demo.finetune import TRAINER_FLAGS, FineTuner  # noqa: E402
from demo.i18n_page import HeadFirst, gradio_i18n, head, language_menu, ui  # noqa: E402
from demo.inference import ModelStore  # noqa: E402
from demo.request_limits import BodyLimit  # noqa: E402
from demo.teacher import TeacherGate, database_note, key_problem  # noqa: E402
from demo.teacher_tab import TeacherTab  # noqa: E402
from trainer import checkpoint  # noqa: E402
from trainer.train import interrupt_on_sigterm  # noqa: E402

HERE = Path(__file__).resolve().parent
# Every picture is checked from its header (demo/uploads.read_picture) before a pixel is decoded, so Pillow's
# own check, which Gradio's upload handling would turn into a traceback instead of a sentence, is not needed.
PIL.Image.MAX_IMAGE_PIXELS = None
MAX_UPLOAD = "5mb"
QUEUE_SIZE = 64
# Gradio keeps what each browser session changed on the page (~100 KB) for this many sessions, the
# newest; no callback needs an older session's page state (the keypad's count comes from the database),
# so a term of visitors does not pile up.
SESSIONS_KEPT = 200
QUEUE_POLL_SECONDS = 0.02


@dataclass
class Config:
    """What the app serves: flags when run as a script, environment variables when imported."""

    checkpoints: str = str(checkpoint.DEFAULT_FOLDER)  # the shipped models
    drawings_db: str = str(DEFAULT_DB)
    drawings_max: int = DEFAULT_MAX_DRAWINGS
    drawings_max_mb: float = DEFAULT_MAX_MB  # the drawings database's disk budget, its write-ahead log included
    teacher_key: str = field(default=None, repr=False)  # never logged, echoed or sent to the page
    drawings_db_configured: bool = False  # chosen by a flag or DEMO_DRAWINGS_DB, not the default
    finetune_flags: tuple = TRAINER_FLAGS  # what the teacher's fine-tune adds to the trainer's command
    mnist_dir: str = None  # MNIST for the fine-tune (checked before it starts); None: the trainer's rule ($MNIST_DIR)

    @classmethod
    def from_environment(cls):
        return cls(os.environ.get("DEMO_CHECKPOINTS", cls.checkpoints), os.environ.get("DEMO_DRAWINGS_DB", cls.drawings_db),
                   drawings_max_mb=float(os.environ.get("DEMO_DRAWINGS_MAX_MB", DEFAULT_MAX_MB)),
                   teacher_key=os.environ.get("DEMO_TEACHER_KEY") or None,
                   drawings_db_configured="DEMO_DRAWINGS_DB" in os.environ)


@dataclass
class AppState:
    """Everything the callbacks share: opened once per process."""

    models: ModelStore
    drawings: DrawingStore
    gate: TeacherGate
    tuner: FineTuner = None  # None without a drawings database: runs live beside it
    demo: gr.Blocks = None


def open_state(config):
    """The models (the teacher's choice, else the shipped ones), the drawings, the key and the runs."""
    problem = key_problem(config.teacher_key)
    if problem:  # a short key would fall to guessing: refuse to start, and say what to do
        raise SystemExit(f"error: {problem}")
    drawings = DrawingStore(config.drawings_db, max_drawings=config.drawings_max, max_mb=config.drawings_max_mb)
    tuner = (FineTuner(Path(config.drawings_db).parent / "runs", config.checkpoints, config.mnist_dir,
                       trainer_flags=config.finetune_flags)
             if drawings.enabled else None)
    models = ModelStore(tuner.folder_of(tuner.in_use()) if tuner else config.checkpoints)
    return AppState(models, drawings, TeacherGate(config.teacher_key), tuner)


def build_app(config):
    """Open the state `config` names and compose the page; returns the AppState (its `demo` is the gr.Blocks)."""
    app = open_state(config)
    # delete_cache: every hour, drop uploaded pictures and downloads older than an hour.
    with gr.Blocks(title="Draw a digit: MLP vs LeNet", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        with gr.Row(elem_id="header"):
            gr.Markdown(ui("ui.intro"), elem_id="intro")
            language_menu()
        # overflow_behavior="wrap": on a phone every tab's name stays in sight, on two rows if need be, instead
        # of hiding behind Gradio's "More tabs" menu.
        with gr.Tabs(overflow_behavior="wrap") as tabs:
            DrawTab(app.models, app.drawings).build()
            CurvesTab(app.models).build()
            DrawingsTab(app.models, app.drawings).build(tabs)
            TeacherTab(app.gate, app.models, app.drawings, app.tuner,
                       database_note(config.drawings_db, config.drawings_db_configured)).build(tabs)
    app.demo = demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=4)
    # Gradio's queue looks for work every 1 ms: ~10 % of a core on an idle server, every 20 ms ~3 %. Only
    # queued events (page loads, labels, the teacher's) may wait those 20 ms, never /predict. A private
    # attribute of the pinned Gradio: tests/test_sessions.py checks it is still there.
    app.demo._queue.sleep_when_free = QUEUE_POLL_SECONDS
    return app


def launch_options(host="127.0.0.1", port=7860, share=False):
    """What `demo.launch` gets: the safety settings are not optional."""
    return dict(server_name=host, server_port=port, share=share, max_file_size=MAX_UPLOAD,
                show_error=False,  # students see the app's own sentences (gr.Error), never an exception's text
                ssr_mode=False, css=(HERE / "app.css").read_text(encoding="utf-8"),
                i18n=gradio_i18n(), footer_links=["api", "gradio"],
                app_kwargs={"middleware": [Middleware(BodyLimit), Middleware(HeadFirst, html=head())]},
                state_session_capacity=SESSIONS_KEPT,
                run_history=False)  # no drawing or answer is kept in the visitor's browser storage


def parse_args(argv=None):
    defaults = Config.from_environment()
    parser = argparse.ArgumentParser(description="Draw a digit and watch MLP and LeNet read it.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    # Hosting platforms (Hugging Face Spaces) say where to listen through Gradio's own variables.
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="0.0.0.0 to serve your local network")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
                        help="the port to serve on ($GRADIO_SERVER_PORT where set)")
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs internet)")
    parser.add_argument("--checkpoints", default=defaults.checkpoints, help="folder written by trainer/train.py")
    parser.add_argument("--drawings-db", default=defaults.drawings_db,
                        help='SQLite file for the labelled drawings; "" switches labelling off')
    parser.add_argument("--drawings-max", type=int, default=DEFAULT_MAX_DRAWINGS, help="most drawings kept")
    parser.add_argument("--drawings-max-mb", type=float, default=defaults.drawings_max_mb,
                        help="disk budget of the drawings database in MB, its log included ($DEMO_DRAWINGS_MAX_MB where "
                             "set); past it, students are thanked and told the collection is full")
    parser.add_argument("--teacher-key", default=None,
                        help="turns the Teacher tab on, 12 characters at least ($DEMO_TEACHER_KEY where set; prefer it: "
                             "a flag shows in `ps`)")
    args = parser.parse_args(argv)
    configured = args.drawings_db != defaults.drawings_db or defaults.drawings_db_configured
    return args, Config(args.checkpoints, args.drawings_db, args.drawings_max, args.drawings_max_mb,
                        args.teacher_key or defaults.teacher_key, configured)


def main(argv=None):
    args, config = parse_args(argv)
    interrupt_on_sigterm()  # `docker stop` (the app is the container's first process) ends it like Ctrl-C
    logging.basicConfig(format="%(asctime)s %(name)s %(levelname)s %(message)s")  # others' warnings and worse
    logging.getLogger("demo").setLevel(logging.INFO)  # the app's own: each kind of refusal once, failures
    app = build_app(config)
    for model in app.models.models.values():
        print(f"{model.name}: {'loaded' if model.net is not None else model.error}")
    print(f"drawings: {app.drawings.problem or app.drawings.path}")
    print(f"teacher's room: {'on' if app.gate.enabled else 'off (no --teacher-key or DEMO_TEACHER_KEY)'}")
    # quiet: Gradio's own lines would advise `share=True` in code; ours name the flag.
    app.demo.launch(**launch_options(args.host, args.port, args.share), prevent_thread_lock=True, quiet=True)
    hints = [] if app.demo.share_url else ["--share for a public link"]
    hints += ["--host 0.0.0.0 for your network"] if args.host == "127.0.0.1" else []
    print(f"Running on {app.demo.local_url}" + (f" and {app.demo.share_url}" if app.demo.share_url else "")
          + (f" (add {', '.join(hints)})" if hints else ""), flush=True)
    app.demo.block_thread()


if __name__ == "__main__":
    main()
else:  # imported: by the tests, by `gradio demo/app.py` (reload mode), which looks for `demo`
    state = build_app(Config.from_environment())
    demo = state.demo
