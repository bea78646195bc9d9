// The drawing pad (js_on_load of demo/pad.py's DrawingPad; Gradio passes element, trigger, props, watch).
// Its value is the strokes, never pixels: props.value = JSON text of
//   {"width": W, "height": H, "brush": D, "strokes": [[[x, y], ...], ...]}  (pad pixels, origin top-left, y down)
// and setting props.value fires the component's change event, which runs the predictions.
// It tells the page what happens as window events (demo/pad.py): "digit-demo-drawing" when a stroke
// starts, "digit-demo-final" when the drawing is complete for now (pen up, Undo, Clear).
const SEND_EVERY_MS = 100;  // live answers while a stroke is drawn, at most this often; always once more on pen-up
const BRUSH_SHARE = 0.05;   // pen diameter as a share of the pad's side
const canvas = element.querySelector("canvas");
const pen = canvas.getContext("2d");
const hint = element.querySelector(".pad-hint");
const undoButton = element.querySelector("[data-action=undo]");
const clearButton = element.querySelector("[data-action=clear]");

let strokes = [];      // finished strokes, [[x, y], ...] each
let current = null;    // the stroke being drawn
let pointerId = null;  // the one pointer drawing it: a second finger or a palm is ignored
let side = 0;          // the pad's size in CSS pixels (it is square)
let lastSent = 0;
let sendTimer = null;

const round1 = (number) => Math.round(number * 10) / 10;
const tell = (name) => window.dispatchEvent(new Event(name));
const brush = () => BRUSH_SHARE * side;

function drawStroke(points) {
  pen.beginPath();
  pen.moveTo(points[0][0], points[0][1]);
  if (points.length === 1) {
    pen.lineTo(points[0][0] + 0.01, points[0][1]);  // a tap: a zero-length line draws a round dot
  }
  // Quadratic curves through the midpoints: smooth, and still passing near every sample.
  for (let i = 1; i < points.length - 1; i++) {
    const [x, y] = points[i];
    const [nextX, nextY] = points[i + 1];
    pen.quadraticCurveTo(x, y, (x + nextX) / 2, (y + nextY) / 2);
  }
  if (points.length > 1) pen.lineTo(...points[points.length - 1]);
  pen.stroke();
}

function redraw() {
  pen.clearRect(0, 0, side, side);
  pen.lineWidth = brush();
  for (const stroke of strokes) drawStroke(stroke);
  if (current) drawStroke(current);
  const empty = !strokes.length && !current;
  hint.hidden = !empty;
  undoButton.disabled = clearButton.disabled = empty;
}

// The canvas's backing store follows its CSS size times the device's pixel ratio (sharp on phones);
// strokes kept so far are rescaled, so turning a phone keeps the drawing.
function resize() {
  const newSide = canvas.getBoundingClientRect().width;
  if (!newSide || newSide === side) return;
  if (side) {
    const factor = newSide / side;
    const rescale = (stroke) => stroke.map(([x, y]) => [x * factor, y * factor]);
    strokes = strokes.map(rescale);
    if (current) current = rescale(current);
  }
  side = newSide;
  const ratio = window.devicePixelRatio || 1;
  canvas.width = canvas.height = Math.round(side * ratio);
  pen.setTransform(ratio, 0, 0, ratio, 0, 0);
  pen.lineCap = pen.lineJoin = "round";
  pen.strokeStyle = "#111";
  redraw();
  element.dataset.ready = "true";  // sized and listening: tests and scripts wait for this before drawing
}
new ResizeObserver(resize).observe(canvas);

function send() {
  clearTimeout(sendTimer);
  sendTimer = null;
  lastSent = performance.now();
  const drawn = current ? [...strokes, current] : strokes;
  props.value = drawn.length ? JSON.stringify({
    width: round1(side), height: round1(side), brush: round1(brush()),
    strokes: drawn.map((stroke) => stroke.map(([x, y]) => [round1(x), round1(y)])),
  }) : "";
}

// Throttle, not debounce: while the pen moves, an update leaves every SEND_EVERY_MS (the server
// keeps only the latest pending one), so the answers follow the stroke as it grows.
function sendSoon() {
  const wait = SEND_EVERY_MS - (performance.now() - lastSent);
  if (wait <= 0) send();
  else if (!sendTimer) sendTimer = setTimeout(send, wait);
}

function padPoint(event) {
  const box = canvas.getBoundingClientRect();
  return [(event.clientX - box.left) * side / box.width, (event.clientY - box.top) * side / box.height];
}

canvas.addEventListener("pointerdown", (event) => {
  if (current || (event.pointerType === "mouse" && event.button !== 0)) return;
  event.preventDefault();
  canvas.focus({ preventScroll: true, focusVisible: false });  // keys work next; no focus ring for a pointer
  // Capture: the stroke keeps its pointer when it leaves the pad, and ends cleanly wherever the pen lifts.
  canvas.setPointerCapture(event.pointerId);
  pointerId = event.pointerId;
  current = [padPoint(event)];
  redraw();
  tell("digit-demo-drawing");
  sendSoon();
});

canvas.addEventListener("pointermove", (event) => {
  if (!current || event.pointerId !== pointerId) return;
  // Coalesced events: every sample the pen or finger produced since the last frame, not one per frame.
  const samples = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
  for (const sample of samples.length ? samples : [event]) current.push(padPoint(sample));
  redraw();
  sendSoon();
});

function endStroke(event) {
  if (!current || event.pointerId !== pointerId) return;
  strokes.push(current);
  current = pointerId = null;
  redraw();
  send();
  tell("digit-demo-final");
}
canvas.addEventListener("pointerup", endStroke);
canvas.addEventListener("pointercancel", endStroke);
canvas.addEventListener("lostpointercapture", endStroke);

function undo() {
  if (current) return;
  strokes.pop();
  redraw();
  send();
  tell("digit-demo-final");
}

function clear() {
  strokes = [];
  current = pointerId = null;
  redraw();
  send();
  tell("digit-demo-final");
}

undoButton.addEventListener("click", undo);
clearButton.addEventListener("click", clear);
// Keyboard: the buttons take Tab and Enter; on the pad, Ctrl+Z (Cmd+Z) undoes and Escape or Delete clears.
element.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z") undo();
  else if (event.target === canvas && ["Escape", "Delete", "Backspace"].includes(event.key)) clear();
  else return;
  event.preventDefault();
});

// The server may reset the pad (after a digit is labelled): an empty value clears the strokes.
watch("value", () => {
  if (!props.value && (strokes.length || current)) {
    strokes = [];
    current = pointerId = null;
    redraw();
  }
});
