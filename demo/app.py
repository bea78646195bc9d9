"""Draw a digit, watch an MLP and a LeNet read it side by side.

    python demo/app.py                 # http://127.0.0.1:7860
    python demo/app.py --share         # plus a public gradio.live link (needs internet)
    gradio demo/app.py                 # reload mode while editing

Callbacks first, then the declarative layout; the models load once, from local files only.
"""
import argparse
import base64
import io
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python demo/app.py` or `gradio demo/app.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402

from demo import curves  # noqa: E402
from demo.inference import ModelStore  # noqa: E402
from demo.pad import DrawingPad  # noqa: E402
from demo.preprocess import MAX_CANVAS_PIXELS, CanvasError, strokes_to_mnist, upload_to_mnist  # noqa: E402
from trainer.checkpoint import DEFAULT_FOLDER  # noqa: E402
from trainer.models import MODELS  # noqa: E402

# Pillow refuses (raises at open, before decoding pixels) images above twice this many pixels.
PIL.Image.MAX_IMAGE_PIXELS = MAX_CANVAS_PIXELS // 2
MAX_UPLOAD = "5mb"
QUEUE_SIZE = 64
SEEN_SIZE_PX = 224  # "what the models see": the 28x28 input shown 8x enlarged, with crisp pixels
SEEN_PLACEHOLDER = '<p class="seen-empty">The 28x28 image the models receive appears here.</p>'
TITLES = {"mlp": "MLP (dense 128-64-10)", "lenet": "LeNet (2 conv + 2 dense)"}
PROMPT = "✏️ Draw a digit"
# Phones: a one-line header and thin margins, so the pad fills the width and both answers fit on one screen.
APP_CSS = """
@media (max-width: 640px) {
  #sketchpad { margin: 0 -24px; width: calc(100% + 48px) !important; }  /* into the page's 32 px side margins */
  #sketchpad .html-container { padding: 0 !important; }
  #intro p { display: none; }
  #intro h1 { font-size: 1.25rem !important; margin: 0 !important; }
}
"""

store = ModelStore(os.environ.get("DEMO_CHECKPOINTS", DEFAULT_FOLDER))


def model_info(model, prediction=None):
    """One line under a model's label: its speed and accuracy, or why it is unavailable."""
    if model.net is None:
        return f"**{TITLES[model.name]}** is unavailable: {model.error}"
    accuracy = model.metadata.get("evaluation", {}).get("test_accuracy")
    parts = [f"**{TITLES[model.name]}**"]
    if prediction is not None:
        parts.append(f"{prediction.milliseconds:.1f} ms")
    if accuracy is not None:
        parts.append(f"{100 * accuracy:.2f} % on the 10,000 MNIST test digits")
    return " · ".join(parts)


def input_preview(image):
    """The (1, 1, 28, 28) model input as an inline PNG, enlarged by the browser without smoothing.

    Inline (not a file in Gradio's cache): nothing is written to disk per prediction, and identical
    drawings from concurrent users cannot race on one cached file.
    """
    buffer = io.BytesIO()
    PIL.Image.fromarray((image[0, 0] * 255).round().astype(np.uint8)).save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (f'<img src="data:image/png;base64,{data}" width="{SEEN_SIZE_PX}" height="{SEEN_SIZE_PX}" '
            'style="image-rendering: pixelated" alt="the 28x28 image the models receive">')


def status_banner():
    problems = [model_info(model) for model in store.models.values() if model.net is None]
    return "\n\n".join(f"⚠️ {problem}" for problem in problems)


def answers(image):
    """A (1, 1, 28, 28) input, or None for a blank drawing -> (MLP label, LeNet label, MLP info, LeNet info, preview)."""
    if image is None:  # blank: a prompt, never a guess
        infos = [model_info(store.models[name]) for name in MODELS]
        return PROMPT, PROMPT, *infos, SEEN_PLACEHOLDER
    predictions = store.predict(image)
    labels, infos = [], []
    for name in MODELS:
        model, prediction = store.models[name], predictions.get(name)
        if prediction is None:
            labels.append("unavailable")
        else:
            labels.append({str(digit): float(p) for digit, p in enumerate(prediction.probabilities)})
        infos.append(model_info(model, prediction))
    return *labels, *infos, input_preview(image)


def predict(pad_value):
    """The pad's strokes (JSON text) -> both answers and the 28x28 input."""
    try:
        return answers(strokes_to_mnist(pad_value))
    except CanvasError as error:
        raise gr.Error(f"Could not read the drawing: {error}") from error


def predict_image(picture):
    """An uploaded drawing or photo of a digit on paper (numpy image) -> both answers and the 28x28 input."""
    if picture is None:
        return answers(None)
    try:
        return answers(upload_to_mnist(picture))
    except CanvasError as error:
        raise gr.Error(f"Could not read the picture: {error}") from error


def training_page():
    """Everything on the curves tab, from what is on disk now."""
    models = list(store.models.values())
    histories = curves.read_histories(store.folder, MODELS)
    return (status_banner(), curves.summary_rows(models), curves.curves_figure(histories),
            curves.confusion_figure(models))


def blank_answers():
    """What the Draw tab shows before anything is drawn (the models' notes depend on what loaded)."""
    return answers(None)


def reload_checkpoints():
    """Pick up checkpoints and logs a training run wrote while the app was running."""
    store.load()
    return training_page()


# delete_cache: every hour, drop uploaded pictures older than an hour.
with gr.Blocks(title="Draw a digit: MLP vs LeNet", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
    gr.Markdown("# Draw a digit, watch two networks read it\n"
                "Two networks trained on MNIST with Apache MXNet read your drawing as you draw.", elem_id="intro")
    status = gr.Markdown()
    with gr.Tab("Draw"):
        with gr.Row():
            with gr.Column(scale=3, min_width=300):
                pad = DrawingPad(elem_id="sketchpad")
            with gr.Column(scale=2, min_width=300):
                with gr.Row(equal_height=True):
                    with gr.Column(min_width=140):
                        mlp_label = gr.Label(PROMPT, label="MLP", num_top_classes=3, elem_id="mlp-label")
                    with gr.Column(min_width=140):
                        lenet_label = gr.Label(PROMPT, label="LeNet", num_top_classes=3, elem_id="lenet-label")
                mlp_info = gr.Markdown()
                lenet_info = gr.Markdown()
                gr.Markdown("**What the models see** (28x28, enlarged): your strokes cropped, scaled into a "
                            "20x20 box and centred by their centre of mass, the way MNIST itself was made.")
                seen = gr.HTML(SEEN_PLACEHOLDER, elem_id="seen")
                with gr.Accordion("Or try a digit written on paper (upload a photo or a picture)", open=False):
                    picture = gr.Image(type="numpy", image_mode="RGBA", sources=["upload", "clipboard"],
                                       label="A photo of one digit on paper", elem_id="picture")
    with gr.Tab("Training curves"):
        reload_button = gr.Button("Reload checkpoints and logs", size="sm")
        summary = gr.Dataframe(headers=curves.SUMMARY_HEADERS, interactive=False, label="Models", elem_id="summary")
        curve_plot = gr.Plot(show_label=False, elem_id="curves-plot")
        confusion_plot = gr.Plot(show_label=False, elem_id="confusion-plot")

    answer_outputs = [mlp_label, lenet_label, mlp_info, lenet_info, seen]
    # always_last: while a stroke grows, a newer drawing replaces any update still waiting in line.
    pad.change(predict, pad, answer_outputs, api_name="predict", show_progress="hidden", trigger_mode="always_last")
    picture.change(predict_image, picture, answer_outputs, api_name="predict_image", show_progress="hidden")
    reload_button.click(reload_checkpoints, None, [status, summary, curve_plot, confusion_plot], api_name="reload")
    demo.load(training_page, None, [status, summary, curve_plot, confusion_plot], api_name=False)
    demo.load(blank_answers, None, answer_outputs, api_name=False)

demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=4)


def launch_options(args):
    """What `demo.launch` gets: the safety settings are not optional."""
    return dict(server_name=args.host, server_port=args.port, share=args.share, max_file_size=MAX_UPLOAD,
                show_error=True, ssr_mode=False, css=APP_CSS)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Draw a digit and watch MLP and LeNet read it.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    # Hosting platforms (Hugging Face Spaces) say where to listen through Gradio's own variables.
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="0.0.0.0 to serve your local network")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs internet)")
    parser.add_argument("--checkpoints", default=str(store.folder), help="folder written by trainer/train.py")
    args = parser.parse_args(argv)
    if Path(args.checkpoints).resolve() != store.folder.resolve():  # the default folder loaded at import
        store.load(args.checkpoints)
    for model in store.models.values():
        print(f"{model.name}: {'loaded' if model.net is not None else model.error}")
    demo.launch(**launch_options(args))


if __name__ == "__main__":
    main()
