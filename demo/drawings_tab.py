"""The "Our drawings" tab: how many digits people labelled, how well each model reads them, the latest and the misread.

Charts, tables and galleries are demo/drawings_figures.py's, read from the app's DrawingStore
(demo/drawings.py). While the tab is open it refreshes itself every few seconds (a projector view for the
teacher); on every other tab its timer is off, so a page left open costs the server nothing here.
"""
import gradio as gr

from demo import drawings_figures, i18n
from demo.i18n_page import for_people, ui

TAB_ID = "drawings"
REFRESH_SECONDS = 10


class DrawingsTab:
    def __init__(self, models, drawings):
        self.models = models  # demo.inference.ModelStore: names and MNIST accuracies beside ours
        self.drawings = drawings  # demo.drawings.DrawingStore

    def page(self, request: gr.Request = None):
        language = i18n.for_request(request)
        page = drawings_figures.drawings_page(self.drawings, list(self.models.models.values()), language)
        return (page.message, page.counts, gr.Dataframe(page.accuracy_rows, headers=page.accuracy_headers),
                page.confusion, page.latest, page.misread)

    @staticmethod
    def timer_for(event: gr.SelectData):
        """The refresh timer ticks only while this tab is the one selected."""
        return gr.Timer(active=getattr(event, "id", None) == TAB_ID)  # the tab's id: its label is in the page's language

    def build(self, tabs):
        """Lay the tab out inside `tabs` (the page's gr.Tabs) and wire it; returns the gr.Tab."""
        with gr.Tab(ui("ui.tab.drawings"), id=TAB_ID, elem_id="drawings-tab") as tab:
            refresh_button = gr.Button(ui("ui.drawings.refresh"), size="sm", elem_id="drawings-refresh")
            timer = gr.Timer(REFRESH_SECONDS, active=False)
            message = gr.Markdown()
            counts = gr.HTML(elem_id="drawings-counts")
            accuracy = gr.Dataframe(interactive=False, label=ui("ui.drawings.accuracy"), elem_id="drawings-accuracy")
            confusion = gr.HTML(elem_id="drawings-confusion")
            latest = gr.HTML(elem_id="drawings-latest")
            misread = gr.HTML(elem_id="drawings-misread")
        outputs = [message, counts, accuracy, confusion, latest, misread]
        refresh_button.click(for_people(self.page), None, outputs, api_name=False)
        tab.select(for_people(self.page), None, outputs, api_name=False)
        tabs.select(self.timer_for, None, timer, api_name=False)
        timer.tick(for_people(self.page), None, outputs, api_name=False, show_progress="hidden")
        return tab
