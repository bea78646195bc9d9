"""The Draw tab's own components: the drawing pad, the digit keypad, the thank-you line and the answers'
announcer (gr.HTML components), and the picture upload (a gr.Image that leaves reading the file to the app).

Built with Gradio's own mechanism for custom components without a build step (an `html_template`,
a `css_template` and `js_on_load`); the front ends live in pad.js, pad.css and keypad.css beside this
file, and their words come from the page's language (window.digitDemo, demo/page_language.js). The pad's
value is the strokes drawn on it, as JSON text; its format and limits are demo/preprocess.py's
(`parse_pad_value`), read by `read_pad`.

The pad tells the rest of the page what the person does, as window events: "digit-demo-drawing" when a
stroke starts (the thank-you line clears), "digit-demo-final" when the drawing is complete for now (pen
up, Undo, Clear; an upload too), after which the announcer reads the answers out once.
"""
import json
from pathlib import Path

import gradio as gr

from demo.preprocess import drawing_to_mnist, parse_pad_value

HERE = Path(__file__).resolve().parent

PAD_HTML = """
<div class="pad">
  <div class="pad-surface">
    <canvas tabindex="0" role="img" aria-label="${window.digitDemo.text('client.pad.label')}"></canvas>
    <p class="pad-hint">${window.digitDemo.text('client.pad.hint')}</p>
  </div>
  <div class="pad-tools">
    <button type="button" data-action="undo" aria-keyshortcuts="Control+Z" disabled>${window.digitDemo.text('client.pad.undo')}</button>
    <button type="button" data-action="clear" aria-keyshortcuts="Escape" disabled>${window.digitDemo.text('client.pad.clear')}</button>
  </div>
</div>
"""


class DrawingPad(gr.HTML):
    """A square pad for mouse, pen and finger; its value is `{"width", "height", "brush", "strokes"}` as JSON text."""

    def __init__(self, **kwargs):
        super().__init__(
            value="",
            html_template=PAD_HTML,
            css_template=(HERE / "pad.css").read_text(encoding="utf-8"),
            js_on_load=(HERE / "pad.js").read_text(encoding="utf-8"),
            apply_default_css=False,
            **kwargs,
        )

    def api_info(self):
        return {"type": "string", "description": 'JSON text: {"width": W, "height": H, "strokes": [[[x, y], ...], ...]}'}


# The keypad under the answers: one tap on the digit you drew. Its value is the digit to highlight
# (the models' top answer, set in the browser when an answer arrives); a tap triggers `click` with
# {"digit": d}, which the app stores with the drawing. The digits stay in 0-9 order in every language.
KEYPAD_HTML = """
<div class="keypad" role="group" dir="ltr" aria-label="${window.digitDemo.text('client.keypad.label')}">
  ${[0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((digit) => `<button type="button" data-digit="${digit}"
     class="${String(digit) === String(value) ? 'suggested' : ''}">${digit}</button>`).join("")}
</div>
"""
KEYPAD_JS = """
element.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-digit]");
  if (button) trigger("click", { digit: Number(button.dataset.digit) });
});
"""
# Runs in the browser when LeNet's answer changes: its top class becomes the highlighted digit.
SUGGEST_FROM_LABEL_JS = "(answer) => (answer && answer.confidences && answer.confidences.length) ? answer.label : ''"


class DigitKeypad(gr.HTML):
    """Ten buttons, 0-9; the value is the digit shown as suggested ("" for none)."""

    def __init__(self, **kwargs):
        super().__init__(value="", html_template=KEYPAD_HTML, css_template=(HERE / "keypad.css").read_text(encoding="utf-8"),
                         js_on_load=KEYPAD_JS, apply_default_css=False, **kwargs)


class ThanksLine(gr.HTML):
    """The thank-you after a label: set by the server, cleared in the browser when the next stroke starts."""

    def __init__(self, **kwargs):
        super().__init__(value="", html_template='<p class="thanks" role="status">${value}</p>', apply_default_css=False,
                         js_on_load='window.addEventListener("digit-demo-drawing", () => { props.value = ""; });',
                         **kwargs)


# The announcer: a polite live region that reads every model's answer once the drawing is complete for now.
ANNOUNCER_HTML = '<p class="visually-hidden" aria-live="polite" aria-atomic="true"></p>'
ANNOUNCER_JS = (HERE / "announce.js").read_text(encoding="utf-8")
# Runs in the browser whenever an answer changes (every live update): the announcer decides when to speak.
ANSWERED_JS = "(...answers) => window.digitDemo.answered(answers)"
FINAL_JS = "() => window.dispatchEvent(new Event('digit-demo-final'))"


class AnswerAnnouncer(gr.HTML):
    """Reads the answers out to a screen reader, once after pen-up (or an upload), in the page's language.
    value: JSON list of the models' names, in the order their answers are given to ANSWERED_JS."""

    def __init__(self, model_names, **kwargs):
        super().__init__(value=json.dumps(list(model_names)), html_template=ANNOUNCER_HTML, js_on_load=ANNOUNCER_JS,
                         apply_default_css=False, **kwargs)


class PictureInput(gr.Image):
    """An upload of a picture, handed to the callback as its file's path, unopened: demo/uploads.py reads it (its
    size from the header first), so that a file that is not a picture, or a huge one, gets the app's sentence.
    (gr.Image would open it itself first, and a file it cannot open becomes a traceback and a bare "Error".)"""

    is_template = True  # the page shows it with Gradio's own Image front end

    def preprocess(self, payload):
        if payload is None or payload.path is None:  # nothing, or a picture sent inline as a data URL
            return super().preprocess(payload)
        return str(payload.path)  # in Gradio's upload folder: checked before any callback runs


def read_pad(value):
    """The pad's value -> (PadDrawing or None, (1, 1, 28, 28) input or None when blank); CanvasError if malformed.

    The one place the app reads a drawing: the answers, the inside view and labelling all call it.
    """
    drawing = parse_pad_value(value)
    return drawing, drawing_to_mnist(drawing)
