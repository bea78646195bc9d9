"""The teacher's drawing picker: a grid of drawings, one tap to select or unselect each (with its id).

A gr.HTML component (as demo/pad.py's): its value is JSON text of
    {"drawings": [{"id": 12, "label": 7, "src": "data:image/png;base64,..."}, ...], "selected": [12, ...]}
The server sets the drawings (nothing selected); taps change "selected" in the browser (picker.js), and
the teacher's Remove button sends the value back, from which `selected_ids` reads the choice.
"""
import json
from pathlib import Path

import gradio as gr

from demo.inline import png_data_uri

HERE = Path(__file__).resolve().parent
PICKER_HTML = """
<div class="picker" role="group" aria-label="${window.digitDemo.text('client.picker.label')}">
  ${(() => {
    const data = value ? JSON.parse(value) : { drawings: [], selected: [] };
    if (!data.drawings.length) return `<p class="picker-empty">${window.digitDemo.text('client.picker.empty')}</p>`;
    return data.drawings.map((drawing) => {
      const chosen = data.selected.includes(drawing.id);
      const name = window.digitDemo.text('client.picker.item', { id: drawing.id, label: drawing.label });
      return `<button type="button" data-id="${drawing.id}" aria-pressed="${chosen}" class="${chosen ? 'selected' : ''}">
        <img src="${drawing.src}" width="56" height="56" alt="${name}">
        <span>#${drawing.id}: ${drawing.label}</span></button>`;
    }).join("");
  })()}
</div>
"""


class DrawingPicker(gr.HTML):
    def __init__(self, **kwargs):
        super().__init__(value="", html_template=PICKER_HTML,
                         css_template=(HERE / "picker.css").read_text(encoding="utf-8"),
                         js_on_load=(HERE / "picker.js").read_text(encoding="utf-8"), apply_default_css=False, **kwargs)


def picker_value(drawings):
    """[demo.drawings.Drawing] -> the picker's value, nothing selected."""
    items = [{"id": drawing.id, "label": drawing.label, "src": png_data_uri(drawing.image)} for drawing in drawings]
    return json.dumps({"drawings": items, "selected": []})


def selected_ids(value):
    """The picker's value (JSON text) -> the selected drawing ids, as ints; [] for anything malformed."""
    try:
        selected = json.loads(value or "{}").get("selected", [])
    except (ValueError, AttributeError):
        return []
    return sorted({int(drawing_id) for drawing_id in selected
                   if isinstance(drawing_id, int) and not isinstance(drawing_id, bool)})
