"""The Teacher tab: the class's drawings taken home, tidied and learned from, behind the teacher's key.

Everything here changes data or models for everyone, so every call is checked on the server: page
callbacks need a page session unlocked with the key (demo/teacher.py), API endpoints take the key as
their first input. Every try of a key waits for its turn at the gate's turnstile, on the event loop and
outside Gradio's queue (queue=False, async), so that guessing can neither take threads nor fill the
queue that students' labels and page loads use. The work itself is demo/drawings.py's (export, removal)
and demo/finetune.py's (runs, switching the models that answer); this module lays the tab out and wires it.
"""
import asyncio
import tempfile
import time
from pathlib import Path

import gradio as gr

from demo import curves, i18n
from demo.drawings import export_zip, skipped_note
from demo.finetune import BATCHES_PER_EPOCH, SHIPPED
from demo.i18n import Sentence
from demo.i18n_page import for_people, ui
from demo.inline import chart_html
from demo.picker import DrawingPicker, picker_value, selected_ids
from demo.teacher import Refused

TAB_ID = "teacher"
POLL_SECONDS = 2.0  # the fine-tune's progress and curves, while the tab is open and a run is going
PICKER_LIMIT = 120  # drawings shown for removal at once, newest first
EXPORTS = Path(tempfile.gettempdir()) / "digit-demo-exports"
LOCKED = "locked"  # the browser's pass once Lock is pressed (a browser keeps no empty value)
# After the download callback returns the zip, the browser fetches it at once: one click, one file.
SAVE_FILE_JS = """(file) => {
  if (!file || !file.url) return;
  const link = Object.assign(document.createElement("a"), { href: file.url, download: file.orig_name || "drawings.zip" });
  document.body.appendChild(link);
  link.click();
  link.remove();
}"""


class TeacherTab:
    def __init__(self, gate, models, drawings, tuner, database_note=None):
        self.gate = gate  # demo.teacher.TeacherGate
        self.models = models  # demo.inference.ModelStore: `use` switches what it answers with
        self.drawings = drawings  # demo.drawings.DrawingStore
        self.tuner = tuner  # demo.finetune.FineTuner, or None without a database to keep runs beside
        self.database_note = database_note or Sentence("teacher.db_off")  # where the drawings live

    # ------------------------------------------------------------------------------------ the gates

    def _session(self, request):
        """Page callbacks: this page session must have been unlocked with the key (Refused otherwise)."""
        self.gate.require(request.session_hash)

    async def _turn(self):
        """Wait for this try's turn at the gate's turnstile (on the event loop: no thread is held)."""
        await asyncio.sleep(max(0.0, self.gate.turn() - self.gate.clock()))

    async def _key(self, key):
        """API endpoints: the key, at its turn, every call."""
        await self._turn()
        self.gate.check_key(key)

    # ------------------------------------------------------------------------ the work, once gated

    def export(self, language):
        """The drawings as one zip (IDX files, strokes, README, in one folder) -> (its path, a note on rows left out)."""
        EXPORTS.mkdir(parents=True, exist_ok=True)
        for old in EXPORTS.glob("drawings-*.zip"):  # Gradio serves its own copy; keep no older ones here
            old.unlink(missing_ok=True)
        path = EXPORTS / f"drawings-{time.strftime('%Y%m%d-%H%M%S')}.zip"
        return str(path), skipped_note(export_zip(self.drawings, path).skipped, language)

    def remove(self, which, language):
        """which: "all", or drawing ids as comma-separated text -> a sentence with the new count."""
        try:
            ids = None if which.strip().lower() == "all" else [int(part) for part in which.split(",") if part.strip()]
        except (ValueError, AttributeError):
            raise Refused("teacher.remove_which", value=f"{which!r:.60}") from None
        if ids == []:
            raise Refused("teacher.remove_say_which")
        removed = self.drawings.delete_many(ids)
        return language.t("teacher.removed", removed=language.number(removed), left=language.number(self.drawings.count()))

    def runs(self):
        """The fine-tune runs (demo/finetune.FineTuner); Refused where the app keeps none."""
        if self.tuner is None:
            raise Refused("teacher.no_runs_folder")
        return self.tuner

    def start(self):
        """Start a fine-tune from the models answering now; returns the run's name."""
        return self.runs().start(self.drawings, self.models.folder)

    def use(self, run, language):
        """Make a finished run's models (or the shipped ones) answer everyone, from their next drawing on."""
        folder = self.tuner.use(run or SHIPPED) if self.tuner else self.models.folder
        self.models.load(folder)  # one swap under the models' lock: no drawing sees half of it
        return language.t("teacher.now_answering", models=self.in_use(language))

    def in_use(self, language):
        name = self.tuner.in_use() if self.tuner else SHIPPED
        if name == SHIPPED:
            return language.t("teacher.models_shipped")
        return language.t("teacher.models_run", name=name, count=language.number(self.tuner.record(name).drawings))

    def overview(self, language):
        count = self.drawings.count() if self.drawings.enabled else 0
        lines = [language.t("teacher.overview", count=language.number(count), where=self.database_note.render(language),
                            models=self.in_use(language))]
        if self.drawings.enabled:
            used, allowed = self.drawings.usage()
            key = "teacher.storage_full" if used >= 0.98 * allowed else "teacher.storage"
            lines.append(language.t(key, used=language.number(used / 1e6, 1), budget=language.number(allowed / 1e6, 0)))
        return "\n\n".join(lines)

    def run_status(self, record, going, share, language):
        if going:
            return language.t("teacher.run_learning", name=record.name, percent=language.percent(share, 0))
        if record.state == "finished":
            return language.t("teacher.run_finished", name=record.name, summary=self.tuner.summary(record, language))
        return language.t("teacher.run_failed", name=record.name, reason=self.tuner.reason(record, language))

    def watch(self, language=i18n.ENGLISH):
        """(status, progress bar, curves, run choices, is a run going) for the newest run."""
        records = self.tuner.records() if self.tuner else []
        going = self.tuner is not None and self.tuner.is_running()
        if not records:
            return language.t("teacher.no_finetune_yet"), "", gr.HTML(visible=False), self.run_choices(records, language), False
        share, histories = self.tuner.progress(records[0].name)
        bar = (f'<progress max="1" value="{share:.3f}" style="width: 100%" '
               f'aria-label="{language.t("teacher.progress")}"></progress>') if going else ""
        figure = chart_html(curves.finetune_chart(histories, BATCHES_PER_EPOCH, language))
        return (self.run_status(records[0], going, share, language), bar, gr.HTML(figure, visible=True),
                self.run_choices(records, language), going)

    def run_choices(self, records, language):
        """The choice of models to answer with: the shipped ones and every finished run of `records`."""
        finished = [record for record in records if record.state == "finished"]
        choices = [(language.t("teacher.models_shipped"), SHIPPED)] + [
            (language.t("teacher.run_choice", name=record.name, count=language.number(record.drawings)), record.name)
            for record in finished]
        return gr.Radio(choices=choices, value=self.tuner.in_use() if self.tuner else SHIPPED)

    def picker(self, label_filter):
        label = int(label_filter) if label_filter else None
        return picker_value(self.drawings.latest(PICKER_LIMIT, label) if self.drawings.enabled else [])

    # ------------------------------------------------------------------------------ page callbacks

    async def unlock(self, key, request: gr.Request):
        """-> (key box emptied, message, lock form shown?, room shown?, the browser's new pass)."""
        language = i18n.for_request(request)
        await self._turn()
        try:
            browser_pass = self.gate.unlock(key, request.session_hash)
        except Refused as error:
            return "", error.sentence.render(language), gr.Column(visible=True), gr.Column(visible=False), gr.skip()
        return "", "", gr.Column(visible=False), gr.Column(visible=True), browser_pass

    def lock(self, browser_pass, request: gr.Request):
        self.gate.lock(request.session_hash, browser_pass)
        return gr.Column(visible=True), gr.Column(visible=False), LOCKED

    def refresh(self, label_filter, browser_pass, request: gr.Request):
        """Everything in the room, from the database and the runs now; a browser unlocked before opens it
        again (its pass). Nothing while locked."""
        if not (self.gate.is_unlocked(request.session_hash) or self.gate.restore(browser_pass, request.session_hash)):
            return (gr.skip(),) * 9
        language = i18n.for_request(request)
        status, bar, figure, choices, going = self.watch(language)
        return (gr.Column(visible=False), gr.Column(visible=True), self.overview(language), self.picker(label_filter),
                status, bar, figure, choices, gr.Timer(active=going))

    def download(self, request: gr.Request):
        self._session(request)
        return self.export(i18n.for_request(request))

    def show(self, label_filter, request: gr.Request):
        self._session(request)
        return self.picker(label_filter)

    def ask_selected(self, picked, request: gr.Request):
        """Remove the selected, first step -> (what is pending, the question, confirmation shown)."""
        self._session(request)
        language = i18n.for_request(request)
        ids = selected_ids(picked)
        if not ids:
            raise Refused("teacher.select_first")
        listed = ", ".join(f"#{drawing_id}" for drawing_id in ids[:12]) + (" ..." if len(ids) > 12 else "")
        return (",".join(map(str, ids)), language.t("teacher.ask_selected", count=language.number(len(ids)), ids=listed),
                gr.Row(visible=True))

    def ask_all(self, request: gr.Request):
        self._session(request)
        language = i18n.for_request(request)
        return "all", language.t("teacher.ask_all", count=language.number(self.drawings.count())), gr.Row(visible=True)

    def confirm(self, pending, label_filter, request: gr.Request):
        """Remove, second step -> (message, confirmation hidden, picker, overview)."""
        self._session(request)
        language = i18n.for_request(request)
        return self.remove(pending, language), gr.Row(visible=False), self.picker(label_filter), self.overview(language)

    def begin(self, request: gr.Request):
        self._session(request)
        return i18n.for_request(request).t("teacher.run_started", name=self.start()), gr.Timer(active=True)

    def tick(self, request: gr.Request):
        self._session(request)
        status, bar, figure, choices, going = self.watch(i18n.for_request(request))
        return status, bar, figure, choices, gr.Timer(active=going)

    def switch(self, run, request: gr.Request):
        self._session(request)
        language = i18n.for_request(request)
        return self.use(run, language), self.overview(language)

    def timer_for(self, event: gr.SelectData):
        """The progress timer ticks only while this tab is open and a run is going."""
        return gr.Timer(active=getattr(event, "id", None) == TAB_ID and self.tuner is not None and self.tuner.is_running())

    # ------------------------------------------------------------------- API endpoints (key first)

    async def export_drawings(self, key, request: gr.Request):
        await self._key(key)
        return (await asyncio.to_thread(self.export, i18n.for_request(request)))[0]

    async def delete_drawings(self, key, which, request: gr.Request):
        await self._key(key)
        return await asyncio.to_thread(self.remove, which, i18n.for_request(request))

    async def finetune(self, key, request: gr.Request):
        """Start a fine-tune -> "run NAME started"; /finetune_status follows it."""
        await self._key(key)
        return i18n.for_request(request).t("teacher.run_started", name=await asyncio.to_thread(self.start))

    async def finetune_status(self, key, run, request: gr.Request):
        """A run's progress while it learns, then its summary (or why it failed)."""
        await self._key(key)
        language = i18n.for_request(request)
        record = self.runs().existing(run)
        going = self.tuner.is_running() and record.state == "running"
        return self.run_status(record, going, self.tuner.progress(record.name)[0], language)

    async def use_models(self, key, run, request: gr.Request):
        await self._key(key)
        return await asyncio.to_thread(self.use, run, i18n.for_request(request))

    # ------------------------------------------------------------------------------------- layout

    def build(self, tabs):
        """Lay the tab out inside `tabs` (the page's gr.Tabs) and wire it; returns the gr.Tab."""
        with gr.Tab(ui("ui.tab.teacher"), id=TAB_ID, elem_id="teacher-tab") as tab:
            if not self.gate.enabled:
                gr.Markdown(ui("ui.teacher.off"), elem_id="teacher-off")
            browser_pass = gr.BrowserState("", storage_key="digit-demo-teacher-pass")
            with gr.Column(visible=self.gate.enabled, elem_id="teacher-lock") as form:
                key = gr.Textbox(type="password", label=ui("ui.teacher.key"), elem_id="teacher-key")
                unlock = gr.Button(ui("ui.teacher.unlock"), variant="primary", elem_id="teacher-unlock")
                refusal = gr.Markdown(elem_id="teacher-refusal")
            with gr.Column(visible=False, elem_id="teacher-room") as room:
                overview = gr.Markdown(elem_id="teacher-overview")
                label_filter, picker = self._build_drawings(overview)
                status, bar, figure, choices, timer = self._build_learning(overview)
                lock = gr.Button(ui("ui.teacher.lock"), size="sm", elem_id="teacher-lock-again")
            self._build_api()
        refreshed = [form, room, overview, picker, status, bar, figure, choices, timer]
        for submitted in (unlock.click, key.submit):
            submitted(self.unlock, key, [key, refusal, form, room, browser_pass], api_name=False, queue=False).then(
                for_people(self.refresh), [label_filter, browser_pass], refreshed, api_name=False)
        lock.click(self.lock, browser_pass, [form, room, browser_pass], api_name=False)
        tab.select(for_people(self.refresh), [label_filter, browser_pass], refreshed, api_name=False)
        tabs.select(self.timer_for, None, timer, api_name=False)
        return tab

    def _build_drawings(self, overview):
        """Download and removal; returns (the filter, the picker) that a refresh fills."""
        gr.Markdown(ui("ui.teacher.drawings_heading"))
        download = gr.Button(ui("ui.teacher.download"), elem_id="teacher-download")
        file = gr.File(visible=False, elem_id="teacher-file")
        download_note = gr.Markdown(elem_id="teacher-download-note")
        gr.Markdown(ui("ui.teacher.remove_how"))
        label_filter = gr.Dropdown([(ui("ui.teacher.filter_all"), "")] + [(str(digit), str(digit)) for digit in range(10)],
                                   value="", label=ui("ui.teacher.filter"), elem_id="teacher-filter")
        picker = DrawingPicker(elem_id="teacher-picker")
        with gr.Row():
            remove_selected = gr.Button(ui("ui.teacher.remove_selected"), elem_id="teacher-remove")
            remove_all = gr.Button(ui("ui.teacher.remove_all"), variant="stop", elem_id="teacher-remove-all")
        pending = gr.Textbox(visible=False)
        with gr.Row(visible=False, elem_id="teacher-confirm") as confirmation:
            question = gr.Markdown()
            yes = gr.Button(ui("ui.teacher.yes_remove"), variant="stop", elem_id="teacher-yes")
            cancel = gr.Button(ui("ui.teacher.cancel"), elem_id="teacher-cancel")
        removed = gr.Markdown(elem_id="teacher-removed")
        download.click(for_people(self.download), None, [file, download_note], api_name=False).then(
            None, file, None, js=SAVE_FILE_JS)
        label_filter.change(for_people(self.show), label_filter, picker, api_name=False)
        remove_selected.click(for_people(self.ask_selected), picker, [pending, question, confirmation], api_name=False)
        remove_all.click(for_people(self.ask_all), None, [pending, question, confirmation], api_name=False)
        yes.click(for_people(self.confirm), [pending, label_filter], [removed, confirmation, picker, overview], api_name=False)
        cancel.click(lambda: gr.Row(visible=False), None, confirmation, api_name=False)
        return label_filter, picker

    def _build_learning(self, overview):
        """Fine-tuning and switching; returns (status, bar, curves, run choices, timer) that a refresh fills."""
        gr.Markdown(ui("ui.teacher.learn_heading"))
        gr.Markdown(ui("ui.teacher.learn_how"))
        start = gr.Button(ui("ui.teacher.start"), variant="primary", elem_id="teacher-start")
        status = gr.Markdown(elem_id="teacher-status")
        bar = gr.HTML(elem_id="teacher-progress")
        figure = gr.HTML(visible=False, elem_id="teacher-curves")
        timer = gr.Timer(POLL_SECONDS, active=False)
        gr.Markdown(ui("ui.teacher.models_heading"))
        # Radio buttons: a handful of runs, each in sight, chosen with the arrow keys as well as a tap. `use` checks
        # the run itself (Gradio checks a value only against the choices it remembers for the session).
        choices = gr.Radio([], label=ui("ui.teacher.models"), elem_id="teacher-runs")
        use = gr.Button(ui("ui.teacher.use"), elem_id="teacher-use")
        switched = gr.Markdown(elem_id="teacher-switched")
        start.click(for_people(self.begin), None, [status, timer], api_name=False)
        timer.tick(for_people(self.tick), None, [status, bar, figure, choices, timer], api_name=False, show_progress="hidden")
        use.click(for_people(self.switch), choices, [switched, overview], api_name=False)
        return status, bar, figure, choices, timer

    def _build_api(self):
        """The API endpoints (the key first), on hidden components the page never uses; outside the queue."""
        with gr.Row(visible=False):
            key, which, run = gr.Textbox(label="key"), gr.Textbox(label="which"), gr.Textbox(label="run")
            file, text = gr.File(label="drawings"), gr.Textbox(label="message")
            api_only = gr.Button()
        for name, inputs, output in (("export_drawings", [key], file), ("delete_drawings", [key, which], text),
                                     ("finetune", [key], text), ("finetune_status", [key, run], text),
                                     ("use_models", [key, run], text)):
            api_only.click(for_people(getattr(self, name)), inputs, output, api_name=name, queue=False)
