"""The Draw tab: the pad, every model's answer while the stroke grows, the keypad that labels, a photo upload.

The callbacks read the app's ModelStore (demo/inference.py) and DrawingStore (demo/drawings.py);
`build` lays the tab out and wires it. Under it sits the inside view (demo/inside_panel.py).
"""
import asyncio

import gradio as gr
import numpy as np

from demo.drawings import DrawingError
from demo.inline import inline_png
from demo.inside_panel import InsidePanel
from demo.pad import SUGGEST_FROM_LABEL_JS, DigitKeypad, DrawingPad, read_pad
from demo.preprocess import CanvasError, upload_to_mnist
from trainer.models import MODELS

PROMPT = "✏️ Draw a digit"
SEEN_SIZE_PX = 224  # "what the models see": the 28x28 input shown 8x enlarged, with crisp pixels
SEEN_PLACEHOLDER = '<p class="seen-empty">The 28x28 image the models receive appears here.</p>'
TOP_CLASSES = 3  # shown under each answer
SUGGESTING_MODEL = list(MODELS)[-1]  # the keypad highlights this model's answer (the last, LeNet: the better reader)


def model_info(model, prediction=None):
    """One line under a model's answer: its speed and accuracy, or why it is unavailable."""
    if model.net is None:
        return f"**{model.spec.title}** is unavailable: {model.error}"
    evaluation = model.metadata.get("evaluation", {})
    parts = [f"**{model.spec.title}**"]
    if prediction is not None:
        parts.append(f"{prediction.milliseconds:.1f} ms")
    if evaluation.get("test_accuracy") is not None:
        parts.append(f"{100 * evaluation['test_accuracy']:.2f} % on the 10,000 MNIST test digits")
    if evaluation.get("extra_data"):  # the teacher switched to a fine-tuned run
        saved = model.metadata.get("training", {}).get("saved_at", "")
        parts.append(f"fine-tuned on {evaluation['extra_data']['drawings']} of our drawings, {saved[11:16]}")
    return " · ".join(parts)


def label_value(answer):
    """Probabilities (10,) -> a gr.Label's value as the page takes it: the top class and the top three; or a text."""
    if isinstance(answer, str):
        return {"label": answer, "confidences": None}
    top = np.argsort(-np.asarray(answer), kind="stable")[:TOP_CLASSES]
    return {"label": str(top[0]), "confidences": [{"label": str(digit), "confidence": float(answer[digit])}
                                                  for digit in top]}


def input_preview(image):
    """The (1, 1, 28, 28) model input, inline (nothing is written to disk per prediction), enlarged 8x."""
    pixels = (image[0, 0] * 255).round().astype(np.uint8)
    return inline_png(pixels, "the 28x28 image the models receive", SEEN_SIZE_PX)


class DrawTab:
    def __init__(self, models, drawings):
        self.models = models  # demo.inference.ModelStore
        self.drawings = drawings  # demo.drawings.DrawingStore
        self.inside = InsidePanel(models)

    def answers(self, image, predictions=None):
        """A (1, 1, 28, 28) input, or None for a blank drawing -> (every model's label, every model's line, preview).

        predictions: the models' {name: Prediction} for it, asked for here when not given. The values are
        what the page shows, as Gradio would have made them (the events run with postprocess=False:
        each output processed on a worker thread of its own costs more than the answer).
        """
        models = self.models.models
        if image is None:  # blank: a prompt, never a guess
            return *(label_value(PROMPT) for _ in MODELS), *(model_info(models[name]) for name in MODELS), SEEN_PLACEHOLDER
        predictions = self.models.predict(image) if predictions is None else predictions
        labels = [label_value(predictions[name].probabilities if name in predictions else "unavailable")
                  for name in MODELS]
        infos = [model_info(models[name], predictions.get(name)) for name in MODELS]
        return *labels, *infos, input_preview(image)

    async def predict(self, pad_value):
        """The pad's strokes (JSON text) -> every model's answer and line, and the 28x28 input.

        A coroutine, so that Gradio runs it on its event loop instead of handing it to a worker thread
        (under a class's load, the hand-offs between threads cost more than the answer): the drawing is
        read here (~1 ms) and only the models' part waits for their thread.
        """
        image = read_pad(pad_value)[1]
        predictions = None if image is None else await asyncio.wrap_future(self.models.submit(image))
        return self.answers(image, predictions)

    def predict_image(self, picture):
        """An uploaded drawing or photo of a digit on paper (numpy image) -> the same as `predict`."""
        if picture is None:
            return self.answers(None)
        try:
            return self.answers(upload_to_mnist(picture))
        except CanvasError as error:
            raise gr.Error(f"Could not read the picture: {error}") from error

    def save_label(self, pad_value, digit, session):
        """Store a drawing with the digit its author says it is; return the thank-you line (gr.Error if refused)."""
        if not self.drawings.enabled:
            raise gr.Error(self.drawings.problem)
        drawing, image = read_pad(pad_value)
        if image is None:
            raise gr.Error("Draw a digit first, then tap its number.")
        predictions = self.models.predict(image)
        try:
            saved = self.drawings.add(
                digit, drawing, image,
                answers={name: prediction.probabilities for name, prediction in predictions.items()},
                checkpoints={name: self.models.models[name].checkpoint_id for name in predictions},
                session_id=session)
        except DrawingError as error:  # a bad label, too fast, full, or the database failed
            raise gr.Error(str(error)) from error
        return (f"Thank you! Saved as a {digit}. You have labelled {saved.session_count}; "
                f"the class {saved.total:,}.")

    def label(self, pad_value: str, digit: int, request: gr.Request) -> str:
        """Store the pad's drawing (JSON text) as the given digit (0-9); returns a confirmation."""
        return self.save_label(pad_value, digit, request.session_hash)

    def label_from_keypad(self, pad_value, event: gr.EventData, request: gr.Request):
        """A tap on the keypad: store the drawing, thank the person and clear the pad for the next digit."""
        return self.save_label(pad_value, event.digit, request.session_hash), ""

    def labelling_note(self):
        return self.drawings.problem or "Which digit did you draw? One tap saves it for the class, anonymously."

    def build(self):
        """Lay the tab out inside the gr.Blocks being built and wire it; returns the gr.Tab."""
        with gr.Tab("Draw") as tab:
            with gr.Row():
                with gr.Column(scale=3, min_width=300):
                    pad = DrawingPad(elem_id="sketchpad")
                with gr.Column(scale=2, min_width=300):
                    with gr.Row(equal_height=True):
                        labels = {}
                        for spec in MODELS.values():
                            with gr.Column(min_width=100):
                                labels[spec.name] = gr.Label(PROMPT, label=spec.label, num_top_classes=TOP_CLASSES,
                                                             elem_id=f"{spec.name}-label", elem_classes="answer")
                    # Right under the answers: on a phone (the answers compact) the thumb finds the digits
                    # on the first screen, right after drawing.
                    gr.Markdown(self.labelling_note, elem_id="label-note")
                    keypad = DigitKeypad(elem_id="keypad")
                    thanks = gr.Markdown(elem_id="thanks")
                    # Callable values are computed at every page load: the lines follow what is loaded now.
                    infos = [gr.Markdown(lambda name=name: model_info(self.models.models[name])) for name in MODELS]
                    gr.Markdown("**What the models see** (28x28, enlarged): your strokes cropped, scaled into a "
                                "20x20 box and centred by their centre of mass, the way MNIST itself was made.")
                    seen = gr.HTML(SEEN_PLACEHOLDER, elem_id="seen")
                    with gr.Accordion("Or try a digit written on paper (upload a photo or a picture)", open=False):
                        picture = gr.Image(type="numpy", image_mode="RGBA", sources=["upload", "clipboard"],
                                           label="A photo of one digit on paper", elem_id="picture")
            self.inside.build(pad)
            gr.api(self.label, api_name="label")  # an API-only endpoint: a (hidden) component of this tab
        answers = [*labels.values(), *infos, seen]
        # always_last: while a stroke grows, a newer drawing replaces any update still waiting in line.
        # queue=False: a few ms of work, so a pen-up's answer never waits behind queue round trips.
        # preprocess/postprocess=False: the pad's value is taken and the answers are sent as they are.
        pad.change(self.predict, pad, answers, api_name="predict", show_progress="hidden",
                   trigger_mode="always_last", queue=False, preprocess=False, postprocess=False)
        picture.change(self.predict_image, picture, answers, api_name="predict_image", show_progress="hidden",
                       postprocess=False)
        labels[SUGGESTING_MODEL].change(None, labels[SUGGESTING_MODEL], keypad, js=SUGGEST_FROM_LABEL_JS)
        keypad.click(self.label_from_keypad, pad, [thanks, pad], api_name=False)
        return tab
