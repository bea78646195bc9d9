// The answers' announcer (js_on_load of demo/pad.py's AnswerAnnouncer): a polite live region that reads
// every model's answer once the drawing is complete for now (pen up, Undo, Clear, an upload), in the
// page's language: "MLP reads 7, 98 %; LeNet reads 7, 99 %". Live updates while a stroke grows are not
// read (they would interrupt each other); the last answer to arrive after the drawing is complete is.
const QUIET_MS = 400;  // the answer to the final drawing is the last to arrive: wait for quiet, then speak
const region = element.querySelector("[aria-live]");
const names = JSON.parse(props.value || "[]");
const percent = new Intl.NumberFormat(document.documentElement.lang || "en", { style: "percent" });
let waiting = false;
let timer = null;
let latest = null;

function sentence(answers) {
  return answers.map((answer, index) => {
    if (!answer || !answer.confidences || !answer.confidences.length) return answer && answer.label ? answer.label : "";
    return window.digitDemo.text("client.announce.model", {
      model: names[index] || "", digit: answer.label, percent: percent.format(answer.confidences[0].confidence),
    });
  }).filter((part, index, parts) => part && parts.indexOf(part) === index).join("; ");
}

function speak() {
  waiting = false;
  if (!latest) return;
  region.textContent = "";  // the same words twice in a row are read again only after a change
  setTimeout(() => { region.textContent = sentence(latest); }, 50);
}

window.addEventListener("digit-demo-final", () => {
  waiting = true;
  clearTimeout(timer);
  timer = setTimeout(speak, QUIET_MS);
});
window.digitDemo.answered = (answers) => {
  latest = answers;
  if (!waiting) return;
  clearTimeout(timer);
  timer = setTimeout(speak, QUIET_MS);
};
