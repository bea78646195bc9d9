"""Draw a digit, watch an MLP and a LeNet read it side by side.

    python demo/app.py                 # http://127.0.0.1:7860
    python demo/app.py --share         # plus a public gradio.live link (needs internet)
    gradio demo/app.py                 # reload mode while editing

The app's state (the models, loaded once from local files, and the drawings database), the tabs
composed into one page (each tab is a module of its own: draw_tab, curves_tab, drawings_tab), and
the launch with its safety settings.
"""
import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python demo/app.py` or `gradio demo/app.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import PIL.Image  # noqa: E402

from demo.curves_tab import CurvesTab  # noqa: E402
from demo.draw_tab import DrawTab  # noqa: E402
from demo.drawings import DEFAULT_DB, DEFAULT_MAX_DRAWINGS, DrawingStore  # noqa: E402
from demo.drawings_tab import DrawingsTab  # noqa: E402
from demo.inference import ModelStore  # noqa: E402
from demo.preprocess import MAX_CANVAS_PIXELS  # noqa: E402
from trainer import checkpoint  # noqa: E402

HERE = Path(__file__).resolve().parent
# Pillow refuses (raises at open, before decoding pixels) images above twice this many pixels.
PIL.Image.MAX_IMAGE_PIXELS = MAX_CANVAS_PIXELS // 2
MAX_UPLOAD = "5mb"
QUEUE_SIZE = 64


@dataclass
class Config:
    """What the app serves: flags when run as a script, environment variables when imported."""

    checkpoints: str = str(checkpoint.DEFAULT_FOLDER)
    drawings_db: str = str(DEFAULT_DB)
    drawings_max: int = DEFAULT_MAX_DRAWINGS

    @classmethod
    def from_environment(cls):
        return cls(os.environ.get("DEMO_CHECKPOINTS", cls.checkpoints), os.environ.get("DEMO_DRAWINGS_DB", cls.drawings_db))


@dataclass
class AppState:
    """Everything the callbacks share: opened once per process."""

    models: ModelStore
    drawings: DrawingStore
    demo: gr.Blocks = None


def build_app(config):
    """Open the state `config` names and compose the page; returns the AppState (its `demo` is the gr.Blocks)."""
    app = AppState(ModelStore(config.checkpoints), DrawingStore(config.drawings_db, max_drawings=config.drawings_max))
    # delete_cache: every hour, drop uploaded pictures older than an hour.
    with gr.Blocks(title="Draw a digit: MLP vs LeNet", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        gr.Markdown("# Draw a digit, watch two networks read it\n"
                    "Two networks trained on MNIST with Apache MXNet read your drawing as you draw.", elem_id="intro")
        with gr.Tabs() as tabs:
            DrawTab(app.models, app.drawings).build()
            CurvesTab(app.models).build()
            DrawingsTab(app.models, app.drawings).build(tabs)
    app.demo = demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=4)
    return app


def launch_options(host="127.0.0.1", port=7860, share=False):
    """What `demo.launch` gets: the safety settings are not optional."""
    return dict(server_name=host, server_port=port, share=share, max_file_size=MAX_UPLOAD, show_error=True,
                ssr_mode=False, css=(HERE / "app.css").read_text(encoding="utf-8"))


def parse_args(argv=None):
    defaults = Config.from_environment()
    parser = argparse.ArgumentParser(description="Draw a digit and watch MLP and LeNet read it.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    # Hosting platforms (Hugging Face Spaces) say where to listen through Gradio's own variables.
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="0.0.0.0 to serve your local network")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs internet)")
    parser.add_argument("--checkpoints", default=defaults.checkpoints, help="folder written by trainer/train.py")
    parser.add_argument("--drawings-db", default=defaults.drawings_db,
                        help='SQLite file for the labelled drawings; "" switches labelling off')
    parser.add_argument("--drawings-max", type=int, default=DEFAULT_MAX_DRAWINGS, help="most drawings kept")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    app = build_app(Config(args.checkpoints, args.drawings_db, args.drawings_max))
    for model in app.models.models.values():
        print(f"{model.name}: {'loaded' if model.net is not None else model.error}")
    print(f"drawings: {app.drawings.problem or app.drawings.path}")
    app.demo.launch(**launch_options(args.host, args.port, args.share))


if __name__ == "__main__":
    main()
else:  # imported: by the tests, by `gradio demo/app.py` (reload mode), which looks for `demo`
    state = build_app(Config.from_environment())
    demo = state.demo
