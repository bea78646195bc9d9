"""The "Our drawings" tab: how many digits people labelled, how well each model reads them, the latest and the misread.

Figures and tables are demo/drawings_figures.py's, read from the app's DrawingStore (demo/drawings.py).
While the tab is open it refreshes itself every few seconds (a projector view for the teacher); on
every other tab its timer is off, so a page left open costs the server nothing here.
"""
import gradio as gr

from demo import drawings_figures

TITLE = "Our drawings"
REFRESH_SECONDS = 10


class DrawingsTab:
    def __init__(self, models, drawings):
        self.models = models  # demo.inference.ModelStore: names and MNIST accuracies beside ours
        self.drawings = drawings  # demo.drawings.DrawingStore

    def page(self):
        page = drawings_figures.drawings_page(self.drawings, list(self.models.models.values()))
        return page.message, page.counts, page.accuracy_rows, page.confusion, page.latest, page.misread

    @staticmethod
    def timer_for(event: gr.SelectData):
        """The refresh timer ticks only while this tab is the one selected."""
        return gr.Timer(active=event.value == TITLE)

    def build(self, tabs):
        """Lay the tab out inside `tabs` (the page's gr.Tabs) and wire it; returns the gr.Tab."""
        with gr.Tab(TITLE) as tab:
            refresh_button = gr.Button("Refresh", size="sm")
            timer = gr.Timer(REFRESH_SECONDS, active=False)
            message = gr.Markdown()
            counts = gr.Plot(show_label=False, elem_id="drawings-counts")
            accuracy = gr.Dataframe(headers=drawings_figures.ACCURACY_HEADERS, interactive=False,
                                    label="How well the models read us", elem_id="drawings-accuracy")
            confusion = gr.Plot(show_label=False)
            latest = gr.Plot(show_label=False, elem_id="drawings-latest")
            misread = gr.Plot(show_label=False)
        outputs = [message, counts, accuracy, confusion, latest, misread]
        refresh_button.click(self.page, None, outputs, api_name=False)
        tab.select(self.page, None, outputs, api_name=False)
        tabs.select(self.timer_for, None, timer, api_name=False)
        timer.tick(self.page, None, outputs, api_name=False, show_progress="hidden")
        return tab
