// The teacher's drawing picker (js_on_load of demo/picker.py's DrawingPicker; Gradio passes element, props).
// A tap selects or unselects one drawing: its id goes into or out of the value's "selected" list, and
// setting props.value re-renders the grid from the template with the new selection.
element.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-id]");
  if (!button || !props.value) return;
  const data = JSON.parse(props.value);
  const id = Number(button.dataset.id);
  data.selected = data.selected.includes(id) ? data.selected.filter((chosen) => chosen !== id) : [...data.selected, id];
  props.value = JSON.stringify(data);
});
