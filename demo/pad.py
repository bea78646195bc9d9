"""The drawing pad and the digit keypad: gr.HTML components; the pad's value is the strokes drawn on it, as JSON text.

Built with Gradio's own mechanism for custom components without a build step (an `html_template`,
a `css_template` and `js_on_load`); the front ends live in pad.js, pad.css and keypad.css beside this
file. The value's format and limits are demo/preprocess.py's (`parse_pad_value`), read by `read_pad`.
"""
from pathlib import Path

import gradio as gr

from demo.preprocess import CanvasError, drawing_to_mnist, parse_pad_value

HERE = Path(__file__).resolve().parent

PAD_HTML = """
<div class="pad">
  <div class="pad-surface">
    <canvas tabindex="0" role="img"
            aria-label="Drawing pad: draw one digit. Ctrl+Z undoes the last stroke, Escape clears."></canvas>
    <p class="pad-hint">Draw one digit, 0 to 9</p>
  </div>
  <div class="pad-tools">
    <button type="button" data-action="undo" aria-keyshortcuts="Control+Z" disabled>Undo</button>
    <button type="button" data-action="clear" aria-keyshortcuts="Escape" disabled>Clear</button>
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
# {"digit": d}, which the app stores with the drawing.
KEYPAD_HTML = """
<div class="keypad" role="group" aria-label="Which digit did you draw? One tap saves it.">
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


def read_pad(value):
    """The pad's value -> (PadDrawing or None, (1, 1, 28, 28) input or None when blank); gr.Error if malformed.

    The one place the app reads a drawing: the answers, the inside view and labelling all call it.
    """
    try:
        drawing = parse_pad_value(value)
        return drawing, drawing_to_mnist(drawing)
    except CanvasError as error:
        raise gr.Error(f"Could not read the drawing: {error}") from error
