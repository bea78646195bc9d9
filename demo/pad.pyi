"""The drawing pad: a gr.HTML component whose value is the strokes drawn on it, as JSON text.

Built with Gradio's own mechanism for custom components without a build step (an `html_template`,
a `css_template` and `js_on_load`); the front end lives in pad.js and pad.css beside this file.
The value's format and limits are demo/preprocess.py's (`parse_pad_value`).
"""
from pathlib import Path

import gradio as gr

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

from gradio.events import Dependency

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
    from typing import Callable, Literal, Sequence, Any, TYPE_CHECKING
    from gradio.blocks import Block
    if TYPE_CHECKING:
        from gradio.components import Timer
        from gradio.components.base import Component