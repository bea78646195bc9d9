"""The Draw tab: the pad, every model's answer while the stroke grows, the keypad that labels, a photo upload.

The callbacks read the app's ModelStore (demo/inference.py) and DrawingStore (demo/drawings.py) and
answer in the visitor's language (demo/i18n.py); `build` lays the tab out and wires it. Under it sits
the inside view (demo/inside_panel.py).
"""
import asyncio

import gradio as gr
import numpy as np

from demo import i18n
from demo.drawings import DrawingError
from demo.i18n import ENGLISH, Sentence, SentenceError
from demo.i18n_page import for_people, ui
from demo.inline import inline_png
from demo.inside_panel import InsidePanel
from demo.pad import (ANSWERED_JS, FINAL_JS, SUGGEST_FROM_LABEL_JS, AnswerAnnouncer, DigitKeypad, DrawingPad,
                      PictureInput, ThanksLine, read_pad)
from demo.preprocess import CanvasError, upload_to_mnist
from demo.uploads import UploadLane, read_picture
from trainer.models import MODELS

SEEN_SIZE_PX = 224  # "what the models see": the 28x28 input shown 8x enlarged, with crisp pixels
TOP_CLASSES = 3  # shown under each answer
SUGGESTING_MODEL = list(MODELS)[-1]  # the keypad highlights this model's answer (the last, LeNet: the better reader)
MNIST_TEST_DIGITS = 10_000


def model_info(model, prediction=None, language=ENGLISH):
    """One line under a model's answer: its speed and accuracy, or why it is unavailable."""
    title = language.model_title(model.spec)
    if model.net is None:
        return language.t("answer.unavailable", model=title, reason=model.error)
    evaluation = model.metadata.get("evaluation", {})
    parts = [f"**{title}**"]
    if prediction is not None:
        parts.append(language.t("answer.milliseconds", ms=language.number(prediction.milliseconds, 1)))
    if evaluation.get("test_accuracy") is not None:
        parts.append(language.t("answer.test_accuracy", accuracy=language.percent(evaluation["test_accuracy"]),
                                count=language.number(MNIST_TEST_DIGITS)))
    if evaluation.get("extra_data"):  # the teacher switched to a fine-tuned run
        saved = model.metadata.get("training", {}).get("saved_at", "")
        parts.append(language.t("answer.finetuned", count=language.number(evaluation["extra_data"]["drawings"]),
                                time=saved[11:16]))
    return " · ".join(parts)


def label_value(answer):
    """Probabilities (10,) -> a gr.Label's value as the page takes it: the top class and the top three; or a text."""
    if isinstance(answer, str):
        return {"label": answer, "confidences": None}
    top = np.argsort(-np.asarray(answer), kind="stable")[:TOP_CLASSES]
    return {"label": str(top[0]), "confidences": [{"label": str(digit), "confidence": float(answer[digit])}
                                                  for digit in top]}


def input_preview(image, language=ENGLISH):
    """The (1, 1, 28, 28) model input, inline (nothing is written to disk per prediction), enlarged 8x."""
    pixels = (image[0, 0] * 255).round().astype(np.uint8)
    return inline_png(pixels, language.t("answer.seen_alt"), SEEN_SIZE_PX)


def seen_message(text, alert=False):
    return f'<p class="seen-empty"{" role=alert" if alert else ""}>{text}</p>'


class DrawTab:
    def __init__(self, models, drawings):
        self.models = models  # demo.inference.ModelStore
        self.drawings = drawings  # demo.drawings.DrawingStore
        self.inside = InsidePanel(models)
        self.uploads = UploadLane()

    def answers(self, image, predictions=None, language=ENGLISH, problem=None):
        """A (1, 1, 28, 28) input, or None for a blank drawing -> (every model's label, every model's line, preview).

        predictions: the models' {name: Prediction} for it, asked for here when not given. problem: a Sentence
        to show instead of the preview (a picture that could not be read). The values are what the page shows,
        as Gradio would have made them (the events run with postprocess=False: each output processed on a
        worker thread of its own costs more than the answer).
        """
        models = self.models.models
        if image is None:  # blank: a prompt, never a guess
            seen = (seen_message(problem.render(language), alert=True) if problem
                    else seen_message(language.t("ui.seen.empty")))
            return (*(label_value(language.t("answer.prompt")) for _ in MODELS),
                    *(model_info(models[name], language=language) for name in MODELS), seen)
        predictions = self.models.predict(image) if predictions is None else predictions
        labels = [label_value(predictions[name].probabilities if name in predictions else language.t("answer.none"))
                  for name in MODELS]
        infos = [model_info(models[name], predictions.get(name), language) for name in MODELS]
        return *labels, *infos, input_preview(image, language)

    async def predict(self, pad_value, request: gr.Request = None):
        """The pad's strokes (JSON text) -> every model's answer and line, and the 28x28 input.

        A coroutine, so that Gradio runs it on its event loop instead of handing it to a worker thread
        (under a class's load, the hand-offs between threads cost more than the answer): the drawing is
        read here (~1 ms) and only the models' part waits for their thread.
        """
        image = read_pad(pad_value)[1]
        predictions = None if image is None else await asyncio.wrap_future(self.models.submit(image))
        return self.answers(image, predictions, i18n.for_request(request))

    async def predict_image(self, picture, request: gr.Request = None):
        """An uploaded drawing or photo of a digit on paper (its file) -> the same as `predict`.

        Read in the upload lane (demo/uploads.py); a picture that cannot be read, or a lane that is full,
        is said where the 28x28 input would be shown (this event runs outside the queue, where Gradio shows
        no error message).
        """
        language = i18n.for_request(request)
        if picture is None:
            return self.answers(None, language=language)
        session = getattr(request, "session_hash", None) or "api"
        address = getattr(getattr(request, "client", None), "host", None) or "unknown"
        try:
            async with self.uploads.enter(session, address):
                image = await asyncio.to_thread(lambda: upload_to_mnist(read_picture(picture)))
                predictions = None if image is None else await asyncio.wrap_future(self.models.submit(image))
        except SentenceError as error:
            return self.answers(None, language=language, problem=Sentence("error.picture", reason=error.sentence))
        return self.answers(image, predictions, language)

    def save_label(self, pad_value, digit, session, language):
        """Store a drawing with the digit its author says it is; return the thank-you line (a SentenceError if refused)."""
        if not self.drawings.enabled:
            raise DrawingError(self.drawings.problem)
        try:
            drawing, image = read_pad(pad_value)
        except CanvasError as error:
            raise DrawingError("drawings.unreadable", reason=error.sentence) from None
        if image is None:
            raise DrawingError("label.draw_first")
        predictions = self.models.predict(image)
        saved = self.drawings.add(
            digit, drawing, image,
            answers={name: prediction.probabilities for name, prediction in predictions.items()},
            checkpoints={name: self.models.models[name].checkpoint_id for name in predictions},
            session_id=session)
        return language.t("label.thanks", digit=digit, mine=language.number(saved.session_count),
                          total=language.number(saved.total))

    def label(self, pad_value: str, digit: int, request: gr.Request) -> str:
        """Store the pad's drawing (JSON text) as the given digit (0-9); returns a confirmation."""
        return self.save_label(pad_value, digit, request.session_hash, i18n.for_request(request))

    def label_from_keypad(self, pad_value, event: gr.EventData, request: gr.Request):
        """A tap on the keypad: store the drawing, thank the person and clear the pad for the next digit."""
        return self.save_label(pad_value, event.digit, request.session_hash, i18n.for_request(request)), ""

    def on_load(self, request: gr.Request):
        """What the tab shows before anything is drawn, in the visitor's language: the prompts, the models' lines,
        the keypad's question (or why labelling is off)."""
        language = i18n.for_request(request)
        *labels_and_infos, _ = self.answers(None, language=language)
        note = self.drawings.problem.render(language) if self.drawings.problem else language.t("label.note")
        return *labels_and_infos, note

    def build(self):
        """Lay the tab out inside the gr.Blocks being built and wire it; returns the gr.Tab."""
        with gr.Tab(ui("ui.tab.draw"), id="draw", elem_id="draw-tab") as tab:
            with gr.Row():
                with gr.Column(scale=3, min_width=300):
                    pad = DrawingPad(elem_id="sketchpad")
                with gr.Column(scale=2, min_width=300):
                    with gr.Row(equal_height=True):
                        labels = {}
                        for spec in MODELS.values():
                            with gr.Column(min_width=100):
                                labels[spec.name] = gr.Label(None, label=spec.label, num_top_classes=TOP_CLASSES,
                                                             elem_id=f"{spec.name}-label", elem_classes="answer")
                    # Right under the answers: on a phone (the answers compact) the thumb finds the digits
                    # on the first screen, right after drawing.
                    note = gr.Markdown(elem_id="label-note")
                    keypad = DigitKeypad(elem_id="keypad")
                    thanks = ThanksLine(elem_id="thanks")
                    AnswerAnnouncer([spec.label for spec in MODELS.values()], elem_id="announcer")
                    infos = [gr.Markdown(elem_id=f"{name}-info") for name in MODELS]
                    gr.Markdown(ui("ui.seen.heading"))
                    seen = gr.HTML(ui("ui.seen.empty"), elem_id="seen")
                    with gr.Accordion(ui("ui.upload.accordion"), open=False, elem_id="upload"):
                        picture = PictureInput(type="filepath", image_mode=None, sources=["upload", "clipboard"],
                                           label=ui("ui.upload.label"), elem_id="picture")
            self.inside.build(pad)
            gr.api(for_people(self.label), api_name="label")  # an API-only endpoint: a (hidden) component of this tab
        answers = [*labels.values(), *infos, seen]
        gr.on(None, self.on_load, None, [*labels.values(), *infos, note], api_name=False, show_progress="hidden",
              postprocess=False)
        # always_last: while a stroke grows, a newer drawing replaces any update still waiting in line.
        # queue=False: a few ms of work, so a pen-up's answer never waits behind queue round trips.
        # preprocess/postprocess=False: the pad's value is taken and the answers are sent as they are.
        pad.change(for_people(self.predict), pad, answers, api_name="predict", show_progress="hidden",
                   trigger_mode="always_last", queue=False, preprocess=False, postprocess=False)
        picture.change(None, None, None, js=FINAL_JS)  # the answers to a picture are read out once they arrive
        picture.change(for_people(self.predict_image), picture, answers, api_name="predict_image",
                       show_progress="hidden", queue=False, postprocess=False)
        labels[SUGGESTING_MODEL].change(None, labels[SUGGESTING_MODEL], keypad, js=SUGGEST_FROM_LABEL_JS)
        gr.on([label.change for label in labels.values()], None, list(labels.values()), None, js=ANSWERED_JS)
        keypad.click(for_people(self.label_from_keypad), pad, [thanks, pad], api_name=False)
        return tab
