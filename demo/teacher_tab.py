"""The Teacher tab: the class's drawings taken home, tidied and learned from, behind the teacher's key.

Everything here changes data or models for everyone, so every call is checked on the server: page
callbacks need a browser session unlocked with the key (demo/teacher.py), API endpoints take the key
as their first input. The work itself is demo/drawings.py's (export, removal) and demo/finetune.py's
(runs, switching the models that answer); this module lays the tab out and wires it.
"""
import tempfile
import time
from pathlib import Path

import gradio as gr

from demo import curves
from demo.drawings import DrawingError, export_zip
from demo.finetune import BATCHES_PER_EPOCH, SHIPPED, FineTuneError
from demo.picker import DrawingPicker, picker_value, selected_ids
from demo.teacher import Refused

TITLE = "Teacher"
POLL_SECONDS = 2.0  # the fine-tune's progress and curves, while the tab is open and a run is going
PICKER_LIMIT = 120  # drawings shown for removal at once, newest first
EXPORTS = Path(tempfile.gettempdir()) / "digit-demo-exports"
FILTERS = [("all digits", "")] + [(f"labelled {digit}", str(digit)) for digit in range(10)]


def client_of(request):
    """Who is trying keys: the client's address (behind a proxy, the proxy's: then all tries count together)."""
    return getattr(request.client, "host", None) or "unknown"


class TeacherTab:
    def __init__(self, gate, models, drawings, tuner, database_note=""):
        self.gate = gate  # demo.teacher.TeacherGate
        self.models = models  # demo.inference.ModelStore: `use` switches what it answers with
        self.drawings = drawings  # demo.drawings.DrawingStore
        self.tuner = tuner  # demo.finetune.FineTuner, or None without a database to keep runs beside
        self.database_note = database_note  # where the drawings live, and whether a restart empties it

    # ------------------------------------------------------------------------------------ the gates

    def _session(self, request):
        """Page callbacks: this browser session must have been unlocked with the key."""
        try:
            self.gate.require(request.session_hash)
        except Refused as error:
            raise gr.Error(str(error)) from None

    def _key(self, key, request):
        """API endpoints: the key, every call (wrong keys are slowed down per client)."""
        try:
            self.gate.check_key(key, client_of(request))
        except Refused as error:
            raise gr.Error(str(error)) from None

    # ------------------------------------------------------------------------ the work, once gated

    def export(self):
        """The drawings as one zip (IDX files, strokes, README) -> its path."""
        EXPORTS.mkdir(parents=True, exist_ok=True)
        for old in EXPORTS.glob("drawings-*.zip"):  # Gradio serves its own copy; keep no older ones here
            old.unlink(missing_ok=True)
        path = EXPORTS / f"drawings-{time.strftime('%Y%m%d-%H%M%S')}.zip"
        try:
            export_zip(self.drawings, path)
        except DrawingError as error:
            raise gr.Error(str(error)) from None
        return str(path)

    def remove(self, which):
        """which: "all", or drawing ids as comma-separated text -> a sentence with the new count."""
        try:
            ids = None if which.strip().lower() == "all" else [int(part) for part in which.split(",") if part.strip()]
        except (ValueError, AttributeError):
            raise gr.Error(f'{which!r:.60} is neither "all" nor drawing ids such as 12,15.') from None
        if ids == []:
            raise gr.Error('Say which drawings: "all", or their ids separated by commas, such as 12,15.')
        try:
            removed = self.drawings.delete_many(ids)
            return f"Removed {removed} drawing{'s' * (removed != 1)}; {self.drawings.count():,} left."
        except DrawingError as error:
            raise gr.Error(str(error)) from None

    def start(self):
        """Start a fine-tune from the models answering now; returns the run's name."""
        if self.tuner is None:
            raise gr.Error('Fine-tuning keeps its runs beside the drawings database, and this app has none '
                           '(--drawings-db "").')
        try:
            return self.tuner.start(self.drawings, self.models.folder)
        except FineTuneError as error:
            raise gr.Error(str(error)) from None

    def use(self, run):
        """Make a finished run's models (or the shipped ones) answer everyone, from their next drawing on."""
        try:
            folder = self.tuner.use(run or SHIPPED) if self.tuner else self.models.folder
        except FineTuneError as error:
            raise gr.Error(str(error)) from None
        self.models.load(folder)  # one swap under the models' lock: no drawing sees half of it
        return f"Now answering everyone: {self.in_use()}."

    def in_use(self):
        name = self.tuner.in_use() if self.tuner else SHIPPED
        if name == SHIPPED:
            return "the shipped models"
        return f"the models of run {name} ({self.tuner.record(name).drawings} drawings)"

    def overview(self):
        count = self.drawings.count() if self.drawings.enabled else 0
        return (f"**{count:,} drawings** labelled so far. {self.database_note}\n\n"
                f"Models answering everyone: **{self.in_use()}**.")

    def watch(self):
        """(status, progress bar, curves, run choices, is a run going) for the newest run."""
        records = self.tuner.records() if self.tuner else []
        going = self.tuner is not None and self.tuner.is_running()
        if not records:
            return "No fine-tune yet.", "", gr.Plot(visible=False), self.run_choices(records), False
        share, histories = self.tuner.progress(records[0].name)
        status = (f"Run {records[0].name} is learning: {100 * share:.0f} %." if going
                  else f"Run {records[0].name} {records[0].state}: {records[0].message}")
        bar = f'<progress max="1" value="{share:.3f}" style="width: 100%"></progress>' if going else ""
        figure = gr.Plot(curves.finetune_figure(histories, BATCHES_PER_EPOCH), visible=True)
        return status, bar, figure, self.run_choices(records), going

    def run_choices(self, records):
        """The dropdown of models to answer with: the shipped ones and every finished run of `records`."""
        finished = [record for record in records if record.state == "finished"]
        choices = [("the shipped models", SHIPPED)] + [
            (f"run {record.name} ({record.drawings} drawings)", record.name) for record in finished]
        return gr.Dropdown(choices=choices, value=self.tuner.in_use() if self.tuner else SHIPPED)

    def picker(self, label_filter):
        label = int(label_filter) if label_filter else None
        return picker_value(self.drawings.latest(PICKER_LIMIT, label) if self.drawings.enabled else [])

    # ------------------------------------------------------------------------------ page callbacks

    def unlock(self, key, request: gr.Request):
        """-> (key box emptied, message, lock form shown?, room shown?)."""
        try:
            self.gate.unlock(key, request.session_hash, client_of(request))
        except Refused as error:
            return "", str(error), gr.Column(visible=True), gr.Column(visible=False)
        return "", "", gr.Column(visible=False), gr.Column(visible=True)

    def lock(self, request: gr.Request):
        self.gate.lock(request.session_hash)
        return gr.Column(visible=True), gr.Column(visible=False)

    def refresh(self, label_filter, request: gr.Request):
        """Everything in the room, from the database and the runs now (nothing while locked)."""
        if not self.gate.is_unlocked(request.session_hash):
            return (gr.skip(),) * 7
        status, bar, figure, choices, going = self.watch()
        return self.overview(), self.picker(label_filter), status, bar, figure, choices, gr.Timer(active=going)

    def download(self, request: gr.Request):
        self._session(request)
        return gr.File(value=self.export(), visible=True)

    def show(self, label_filter, request: gr.Request):
        self._session(request)
        return self.picker(label_filter)

    def ask_selected(self, picked, request: gr.Request):
        """Remove the selected, first step -> (what is pending, the question, confirmation shown)."""
        self._session(request)
        ids = selected_ids(picked)
        if not ids:
            raise gr.Error("Tap the drawings to remove first (they turn red).")
        listed = ", ".join(f"#{drawing_id}" for drawing_id in ids[:12]) + (" ..." if len(ids) > 12 else "")
        return (",".join(map(str, ids)), f"Remove **{len(ids)} drawing{'s' * (len(ids) != 1)}** ({listed})? "
                "This cannot be undone.", gr.Row(visible=True))

    def ask_all(self, request: gr.Request):
        self._session(request)
        return "all", f"Remove **all {self.drawings.count():,} drawings**? This cannot be undone.", gr.Row(visible=True)

    def confirm(self, pending, label_filter, request: gr.Request):
        """Remove, second step -> (message, confirmation hidden, picker, overview)."""
        self._session(request)
        return self.remove(pending), gr.Row(visible=False), self.picker(label_filter), self.overview()

    def begin(self, request: gr.Request):
        self._session(request)
        return f"Run {self.start()} started.", gr.Timer(active=True)

    def tick(self, request: gr.Request):
        self._session(request)
        status, bar, figure, choices, going = self.watch()
        return status, bar, figure, choices, gr.Timer(active=going)

    def switch(self, run, request: gr.Request):
        self._session(request)
        return self.use(run), self.overview()

    def timer_for(self, event: gr.SelectData):
        """The progress timer ticks only while this tab is open and a run is going."""
        return gr.Timer(active=event.value == TITLE and self.tuner is not None and self.tuner.is_running())

    # ------------------------------------------------------------------- API endpoints (key first)

    def export_drawings(self, key, request: gr.Request):
        self._key(key, request)
        return self.export()

    def delete_drawings(self, key, which, request: gr.Request):
        self._key(key, request)
        return self.remove(which)

    def finetune(self, key, request: gr.Request):
        """Start a fine-tune and follow it to the end: progress lines, then the run's summary."""
        self._key(key, request)
        name = self.start()
        yield f"run {name} started"
        while self.tuner.is_running():
            time.sleep(POLL_SECONDS)
            yield f"run {name}: {100 * self.tuner.progress(name)[0]:.0f} %"
        record = self.tuner.record(name)
        yield record.message if record.state == "finished" else f"run {name} failed: {record.message}"

    def use_models(self, key, run, request: gr.Request):
        self._key(key, request)
        return self.use(run)

    # ------------------------------------------------------------------------------------- layout

    def build(self, tabs):
        """Lay the tab out inside `tabs` (the page's gr.Tabs) and wire it; returns the gr.Tab."""
        with gr.Tab(TITLE) as tab:
            if not self.gate.enabled:
                gr.Markdown("The teacher's room is off. Start the app with `--teacher-key KEY` (or set "
                            "`DEMO_TEACHER_KEY`; on a Hugging Face Space, as a secret) to turn it on.",
                            elem_id="teacher-off")
            with gr.Column(visible=self.gate.enabled, elem_id="teacher-lock") as form:
                key = gr.Textbox(type="password", label="Teacher key", elem_id="teacher-key")
                unlock = gr.Button("Unlock", variant="primary", elem_id="teacher-unlock")
                refusal = gr.Markdown(elem_id="teacher-refusal")
            with gr.Column(visible=False, elem_id="teacher-room") as room:
                overview = gr.Markdown(elem_id="teacher-overview")
                label_filter, picker = self._build_drawings(overview)
                status, bar, figure, choices, timer = self._build_learning(overview)
                lock = gr.Button("Lock the teacher's room", size="sm", elem_id="teacher-lock-again")
            self._build_api()
        refreshed = [overview, picker, status, bar, figure, choices, timer]
        for submitted in (unlock.click, key.submit):
            submitted(self.unlock, key, [key, refusal, form, room], api_name=False).then(
                self.refresh, label_filter, refreshed, api_name=False)
        lock.click(self.lock, None, [form, room], api_name=False)
        tab.select(self.refresh, label_filter, refreshed, api_name=False)
        tabs.select(self.timer_for, None, timer, api_name=False)
        return tab

    def _build_drawings(self, overview):
        """Download and removal; returns (the filter, the picker) that a refresh fills."""
        gr.Markdown("### The class's drawings")
        download = gr.Button("Download all drawings (zip)", elem_id="teacher-download")
        file = gr.File(label="The drawings in MNIST's format, with their strokes", interactive=False,
                       visible=False, elem_id="teacher-file")
        gr.Markdown("To remove drawings, tap them (they turn red), then **Remove the selected**.")
        label_filter = gr.Dropdown(FILTERS, value="", label="Show", elem_id="teacher-filter")
        picker = DrawingPicker(elem_id="teacher-picker")
        with gr.Row():
            remove_selected = gr.Button("Remove the selected", elem_id="teacher-remove")
            remove_all = gr.Button("Remove all drawings", variant="stop", elem_id="teacher-remove-all")
        pending = gr.Textbox(visible=False)
        with gr.Row(visible=False, elem_id="teacher-confirm") as confirmation:
            question = gr.Markdown()
            yes = gr.Button("Yes, remove them", variant="stop", elem_id="teacher-yes")
            cancel = gr.Button("Cancel", elem_id="teacher-cancel")
        removed = gr.Markdown(elem_id="teacher-removed")
        download.click(self.download, None, file, api_name=False)
        label_filter.change(self.show, label_filter, picker, api_name=False)
        remove_selected.click(self.ask_selected, picker, [pending, question, confirmation], api_name=False)
        remove_all.click(self.ask_all, None, [pending, question, confirmation], api_name=False)
        yes.click(self.confirm, [pending, label_filter], [removed, confirmation, picker, overview], api_name=False)
        cancel.click(lambda: gr.Row(visible=False), None, confirmation, api_name=False)
        return label_filter, picker

    def _build_learning(self, overview):
        """Fine-tuning and switching; returns (status, bar, curves, run choices, timer) that a refresh fills."""
        gr.Markdown("### Teach the models our drawings")
        gr.Markdown("Both models learn from the drawings for 3 epochs, mixed with MNIST so that they keep what "
                    "they knew; a fifth of the drawings is held out to show what they learned. It takes a few "
                    "minutes, runs beside the class's drawing, and changes nothing until you choose to use it.")
        start = gr.Button("Teach the models our drawings", variant="primary", elem_id="teacher-start")
        status = gr.Markdown(elem_id="teacher-status")
        bar = gr.HTML(elem_id="teacher-progress")
        figure = gr.Plot(show_label=False, visible=False, elem_id="teacher-curves")
        timer = gr.Timer(POLL_SECONDS, active=False)
        gr.Markdown("### The models that answer everyone")
        # allow_custom_value: the runs change, and Gradio checks a value against the choices it remembers for
        # the session, which it may have forgotten; `use` checks the run itself.
        choices = gr.Dropdown([], label="Models", allow_custom_value=True, elem_id="teacher-runs")
        use = gr.Button("Use these models", elem_id="teacher-use")
        switched = gr.Markdown(elem_id="teacher-switched")
        start.click(self.begin, None, [status, timer], api_name=False)
        timer.tick(self.tick, None, [status, bar, figure, choices, timer], api_name=False, show_progress="hidden")
        use.click(self.switch, choices, [switched, overview], api_name=False)
        return status, bar, figure, choices, timer

    def _build_api(self):
        """The four API endpoints (the key first), on hidden components the page never uses."""
        with gr.Row(visible=False):
            key, which, run = gr.Textbox(label="key"), gr.Textbox(label="which"), gr.Textbox(label="run")
            file, text = gr.File(label="drawings"), gr.Textbox(label="message")
            api_only = gr.Button()
        api_only.click(self.export_drawings, key, file, api_name="export_drawings")
        api_only.click(self.delete_drawings, [key, which], text, api_name="delete_drawings")
        api_only.click(self.finetune, key, text, api_name="finetune", concurrency_limit=1, concurrency_id="finetune")
        api_only.click(self.use_models, [key, run], text, api_name="use_models")
