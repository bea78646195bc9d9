"""Draw a digit, watch an MLP and a LeNet read it side by side.

    python demo/app.py                 # http://127.0.0.1:7860
    python demo/app.py --share         # plus a public gradio.live link (needs internet)
    gradio demo/app.py                 # reload mode while editing

Callbacks first, then the declarative layout; the models load once, from local files only.
"""
import argparse
import os
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python demo/app.py` or `gradio demo/app.py`: make the repo importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import numpy as np  # noqa: E402
import PIL.Image  # noqa: E402

from demo import curves, drawings_view, inside_view, mistakes  # noqa: E402
from demo.inline import inline_png  # noqa: E402
from demo.drawings import DEFAULT_DB, DEFAULT_MAX_DRAWINGS, DrawingError, DrawingStore  # noqa: E402
from demo.inference import ModelStore  # noqa: E402
from demo.internals import explain_json  # noqa: E402
from demo.pad import SUGGEST_FROM_LABEL_JS, DigitKeypad, DrawingPad  # noqa: E402
from demo.preprocess import MAX_CANVAS_PIXELS, CanvasError, strokes_to_mnist, upload_to_mnist  # noqa: E402
from trainer import checkpoint  # noqa: E402
from trainer.models import MODELS  # noqa: E402

# Pillow refuses (raises at open, before decoding pixels) images above twice this many pixels.
PIL.Image.MAX_IMAGE_PIXELS = MAX_CANVAS_PIXELS // 2
MAX_UPLOAD = "5mb"
QUEUE_SIZE = 64
SEEN_SIZE_PX = 224  # "what the models see": the 28x28 input shown 8x enlarged, with crisp pixels
SEEN_PLACEHOLDER = '<p class="seen-empty">The 28x28 image the models receive appears here.</p>'
TITLES = {"mlp": "MLP (dense 128-64-10)", "lenet": "LeNet (2 conv + 2 dense)"}
PROMPT = "✏️ Draw a digit"
DRAWINGS_REFRESH_SECONDS = 10  # "Our drawings" follows the class's labels while it is open
RELAY_WHILE_OPEN_JS = "(drawing, open, relayed) => open ? drawing : relayed"
WHY_NOT_CHOICES = [("the answer only", "")] + [(f"why not {digit}?", str(digit)) for digit in range(10)]
APP_CSS = """
#inside figure { margin: 0 0 14px; }
#inside figcaption { font-size: 0.85rem; color: var(--body-text-color-subdued); }
.mistakes-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(96px, 1fr)); gap: 8px; }
.mistakes-grid figure { margin: 0; text-align: center; }
.mistakes-grid figcaption { font-size: 0.75rem; }
/* Phones: a one-line header and thin margins, so the pad fills the width and both answers fit on one screen. */
@media (max-width: 640px) {
  #sketchpad { margin: 0 -24px; width: calc(100% + 48px) !important; }  /* into the page's 32 px side margins */
  #sketchpad .html-container { padding: 0 !important; }
  #intro p { display: none; }
  #intro h1 { font-size: 1.1rem !important; margin: 0 !important; }
}
"""

store = ModelStore(os.environ.get("DEMO_CHECKPOINTS", checkpoint.DEFAULT_FOLDER))
# Imported (tests, `gradio demo/app.py`), the store is the environment's; run as a script, main() opens the
# one its flags name, so that no default database is created for a run that asked for another.
drawings_store = DrawingStore(os.environ.get("DEMO_DRAWINGS_DB", DEFAULT_DB)) if __name__ != "__main__" else None


# ------------------------------------------------------------------------------------------ Draw tab


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
    """The (1, 1, 28, 28) model input, inline (nothing is written to disk per prediction), enlarged 8x."""
    pixels = (image[0, 0] * 255).round().astype(np.uint8)
    return inline_png(pixels, "the 28x28 image the models receive", SEEN_SIZE_PX)


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


def read_pad(pad_value):
    """The pad's value -> (1, 1, 28, 28) input or None when blank; a malformed value is an error for the page."""
    try:
        return strokes_to_mnist(pad_value)
    except CanvasError as error:
        raise gr.Error(f"Could not read the drawing: {error}") from error


def predict(pad_value):
    """The pad's strokes (JSON text) -> both answers and the 28x28 input."""
    return answers(read_pad(pad_value))


def predict_image(picture):
    """An uploaded drawing or photo of a digit on paper (numpy image) -> both answers and the 28x28 input."""
    if picture is None:
        return answers(None)
    try:
        return answers(upload_to_mnist(picture))
    except CanvasError as error:
        raise gr.Error(f"Could not read the picture: {error}") from error


def blank_answers():
    """What the Draw tab shows before anything is drawn (the models' notes depend on what loaded)."""
    return answers(None)


def inside(pad_value, why_not):
    """The "Inside the models" columns for the drawing (the pad's value, relayed while the panel is open)."""
    image = read_pad(pad_value)
    explained = store.explain(image) if image is not None else {}
    return inside_view.inside_html(store.models, image, explained, int(why_not) if why_not else None)


def explain(pad_value: str) -> dict:
    """The pad's value (JSON text) -> every layer's values, probabilities and saliency of both models, as JSON."""
    image = read_pad(pad_value)
    if image is None:
        raise gr.Error("The drawing is blank: draw a digit first")
    return explain_json(image, store.explain(image))


def save_label(pad_value, digit, session):
    """Store a drawing with the digit its author says it is; return the thank-you line (gr.Error if refused)."""
    if not drawings_store.enabled:
        raise gr.Error(drawings_store.problem)
    image = read_pad(pad_value)
    if image is None:
        raise gr.Error("Draw a digit first, then tap its number.")
    predictions = store.predict(image)
    try:
        saved = drawings_store.add(
            digit, pad_value, image,
            answers={name: prediction.probabilities for name, prediction in predictions.items()},
            checkpoints={name: store.models[name].checkpoint_id for name in predictions},
            session_id=session)
    except DrawingError as error:  # a bad label, too fast, full, or the database failed
        raise gr.Error(str(error)) from error
    return (f"Thank you! Saved as a {digit}. You have labelled {saved.session_count}; "
            f"the class {saved.total:,}.")


def label(pad_value: str, digit: int, request: gr.Request) -> str:
    """Store the pad's drawing (JSON text) as the given digit (0-9); returns a confirmation."""
    return save_label(pad_value, digit, request.session_hash)


def label_from_keypad(pad_value, event: gr.EventData, request: gr.Request):
    """A tap on the keypad: store the drawing, thank the person and clear the pad for the next digit."""
    return save_label(pad_value, event.digit, request.session_hash), ""


def labelling_note():
    return drawings_store.problem or "Which digit did you draw? One tap saves it for the class (anonymously)."


# --------------------------------------------------------------------------------- Training curves tab


def status_banner():
    problems = [model_info(model) for model in store.models.values() if model.net is None]
    return "\n\n".join(f"⚠️ {problem}" for problem in problems)


def training_page():
    """Everything on the curves tab, from what is on disk now."""
    models = list(store.models.values())
    histories = curves.read_histories(store.folder, MODELS)
    return (status_banner(), curves.summary_rows(models), curves.curves_figure(histories),
            curves.confusion_figure(models), curves.class_accuracy_rows(models))


def reload_checkpoints():
    """Pick up checkpoints and logs a training run wrote while the app was running."""
    store.load()
    return training_page()


def mistakes_gallery(name, cell=mistakes.ALL):
    """The model's misread test digits for one confusion cell (or all): (cell dropdown, gallery HTML)."""
    try:
        found = checkpoint.read_mistakes(store.folder, name)
    except checkpoint.CheckpointError as error:
        return gr.Dropdown(choices=[("all", mistakes.ALL)], value=mistakes.ALL), f"<p>{error}</p>"
    choices = mistakes.cell_choices(found)
    cell = cell if cell in {value for _, value in choices} else mistakes.ALL
    return gr.Dropdown(choices=choices, value=cell), mistakes.gallery_html(found, cell)


# ---------------------------------------------------------------------------------- Our drawings tab


def drawings_page():
    page = drawings_view.drawings_page(drawings_store, list(store.models.values()))
    return page.message, page.counts, page.accuracy_rows, page.confusion, page.latest, page.misread


# ------------------------------------------------------------------------------------------- layout

# delete_cache: every hour, drop uploaded pictures older than an hour.
with gr.Blocks(title="Draw a digit: MLP vs LeNet", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
    gr.Markdown("# Draw a digit, watch two networks read it\n"
                "Two networks trained on MNIST with Apache MXNet read your drawing as you draw.", elem_id="intro")
    status = gr.Markdown()
    # The pad's value reaches the inside view only while its panel is open, relayed in the browser:
    # a closed panel costs the server nothing per stroke.
    inside_open = gr.Checkbox(False, visible=False)
    inside_drawing = gr.Textbox(visible=False)
    with gr.Tab("Draw") as draw_tab:
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
                label_note = gr.Markdown(elem_id="label-note")
                keypad = DigitKeypad(elem_id="keypad")
                thanks = gr.Markdown(elem_id="thanks")
                gr.Markdown("**What the models see** (28x28, enlarged): your strokes cropped, scaled into a "
                            "20x20 box and centred by their centre of mass, the way MNIST itself was made.")
                seen = gr.HTML(SEEN_PLACEHOLDER, elem_id="seen")
                with gr.Accordion("Or try a digit written on paper (upload a photo or a picture)", open=False):
                    picture = gr.Image(type="numpy", image_mode="RGBA", sources=["upload", "clipboard"],
                                       label="A photo of one digit on paper", elem_id="picture")
        with gr.Accordion("Inside the models: what every layer does with your drawing, and why they answered",
                          open=False, elem_id="inside") as inside_panel:
            why_not = gr.Dropdown(WHY_NOT_CHOICES, value="", label="Also explain another digit", elem_id="why-not")
            with gr.Row():
                with gr.Column(min_width=300):
                    gr.Markdown(f"### {TITLES['mlp']}")
                    mlp_inside = gr.HTML(inside_view.PLACEHOLDER, elem_id="mlp-inside")
                with gr.Column(min_width=300):
                    gr.Markdown(f"### {TITLES['lenet']}")
                    lenet_inside = gr.HTML(inside_view.PLACEHOLDER, elem_id="lenet-inside")
    with gr.Tab("Training curves") as training_tab:
        reload_button = gr.Button("Reload checkpoints and logs", size="sm")
        summary = gr.Dataframe(headers=curves.SUMMARY_HEADERS, interactive=False, label="Models", elem_id="summary")
        curve_plot = gr.Plot(show_label=False, elem_id="curves-plot")
        confusion_plot = gr.Plot(show_label=False, elem_id="confusion-plot")
        class_accuracy = gr.Dataframe(headers=curves.CLASS_ACCURACY_HEADERS, interactive=False,
                                      label="Fine-tuned on the class's drawings (--extra-data)", elem_id="class-accuracy")
        gr.Markdown("### Mistakes: the MNIST test digits each model gets wrong")
        with gr.Row():
            mistakes_model = gr.Radio(list(MODELS), value="lenet", label="Model", elem_id="mistakes-model")
            mistakes_cell = gr.Dropdown([("all", mistakes.ALL)], value=mistakes.ALL,
                                        label="Confusion cell (true → predicted)", elem_id="mistakes-cell")
        mistakes_shown = gr.HTML(elem_id="mistakes-gallery")
    with gr.Tab("Our drawings") as drawings_tab:
        refresh_button = gr.Button("Refresh", size="sm")
        drawings_timer = gr.Timer(DRAWINGS_REFRESH_SECONDS, active=False)  # ticks only while this tab is open
        drawings_message = gr.Markdown()
        counts_plot = gr.Plot(show_label=False, elem_id="drawings-counts")
        drawings_accuracy = gr.Dataframe(headers=drawings_view.ACCURACY_HEADERS, interactive=False,
                                         label="How well the models read us", elem_id="drawings-accuracy")
        drawings_confusion = gr.Plot(show_label=False)
        latest_plot = gr.Plot(show_label=False, elem_id="drawings-latest")
        misread_plot = gr.Plot(show_label=False)

    answer_outputs = [mlp_label, lenet_label, mlp_info, lenet_info, seen]
    training_outputs = [status, summary, curve_plot, confusion_plot, class_accuracy]
    drawings_outputs = [drawings_message, counts_plot, drawings_accuracy, drawings_confusion, latest_plot, misread_plot]
    mistakes_outputs = [mistakes_cell, mistakes_shown]
    # always_last: while a stroke grows, a newer drawing replaces any update still waiting in line.
    pad.change(predict, pad, answer_outputs, api_name="predict", show_progress="hidden", trigger_mode="always_last",
               queue=False)
    pad.change(None, [pad, inside_open, inside_drawing], inside_drawing, js=RELAY_WHILE_OPEN_JS)
    inside_panel.expand(None, pad, [inside_open, inside_drawing], js="(drawing) => [true, drawing]")
    inside_panel.collapse(None, None, inside_open, js="() => false")
    inside_drawing.change(inside, [inside_drawing, why_not], [mlp_inside, lenet_inside], api_name=False,
                          show_progress="hidden", trigger_mode="always_last")
    why_not.change(inside, [inside_drawing, why_not], [mlp_inside, lenet_inside], api_name=False)
    picture.change(predict_image, picture, answer_outputs, api_name="predict_image", show_progress="hidden")
    lenet_label.change(None, lenet_label, keypad, js=SUGGEST_FROM_LABEL_JS)  # in the browser: no round trip
    keypad.click(label_from_keypad, pad, [thanks, pad], api_name=False)
    gr.api(label, api_name="label")
    gr.api(explain, api_name="explain")
    reload_button.click(reload_checkpoints, None, training_outputs, api_name="reload").then(
        mistakes_gallery, [mistakes_model, mistakes_cell], mistakes_outputs, api_name=False)
    mistakes_model.change(mistakes_gallery, mistakes_model, mistakes_outputs, api_name=False)
    mistakes_cell.input(mistakes_gallery, [mistakes_model, mistakes_cell], mistakes_outputs, api_name=False)
    refresh_button.click(drawings_page, None, drawings_outputs, api_name=False)
    drawings_tab.select(drawings_page, None, drawings_outputs, api_name=False).then(
        lambda: gr.Timer(active=True), None, drawings_timer, api_name=False)
    for other_tab in (draw_tab, training_tab):
        other_tab.select(lambda: gr.Timer(active=False), None, drawings_timer, api_name=False)
    drawings_timer.tick(drawings_page, None, drawings_outputs, api_name=False, show_progress="hidden")
    demo.load(training_page, None, training_outputs, api_name=False)
    demo.load(mistakes_gallery, mistakes_model, mistakes_outputs, api_name=False)
    demo.load(blank_answers, None, answer_outputs, api_name=False)
    demo.load(labelling_note, None, label_note, api_name=False)

demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=4)


def launch_options(args):
    """What `demo.launch` gets: the safety settings are not optional."""
    return dict(server_name=args.host, server_port=args.port, share=args.share, max_file_size=MAX_UPLOAD,
                show_error=True, ssr_mode=False, css=APP_CSS)


def main(argv=None):
    global drawings_store
    parser = argparse.ArgumentParser(description="Draw a digit and watch MLP and LeNet read it.",
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    # Hosting platforms (Hugging Face Spaces) say where to listen through Gradio's own variables.
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
                        help="0.0.0.0 to serve your local network")
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--share", action="store_true", help="also open a public gradio.live link (needs internet)")
    parser.add_argument("--checkpoints", default=str(store.folder), help="folder written by trainer/train.py")
    parser.add_argument("--drawings-db", default=os.environ.get("DEMO_DRAWINGS_DB", str(DEFAULT_DB)),
                        help='SQLite file for the labelled drawings; "" switches labelling off')
    parser.add_argument("--drawings-max", type=int, default=DEFAULT_MAX_DRAWINGS, help="most drawings kept")
    args = parser.parse_args(argv)
    if Path(args.checkpoints).resolve() != store.folder.resolve():  # the default folder loaded at import
        store.load(args.checkpoints)
    drawings_store = DrawingStore(args.drawings_db, max_drawings=args.drawings_max)
    for model in store.models.values():
        print(f"{model.name}: {'loaded' if model.net is not None else model.error}")
    print(f"drawings: {drawings_store.problem or drawings_store.path}")
    demo.launch(**launch_options(args))


if __name__ == "__main__":
    main()
