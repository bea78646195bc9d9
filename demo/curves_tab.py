"""The Training curves tab: how the models in use were trained, and every MNIST test digit they get wrong.

Charts and tables are demo/curves.py's, the mistakes gallery demo/mistakes.py's; everything is read from
the models the ModelStore (demo/inference.py) answers with, as they were loaded (their metadata and
logs together), so the table, the curves and the gallery always describe the same run, and a teacher's
switch to fine-tuned models (demo/teacher_tab.py) shows their curves here too.
"""
import gradio as gr

from demo import curves, i18n, mistakes
from demo.i18n_page import for_people, ui
from demo.inline import charts_html
from trainer import checkpoint
from trainer.models import MODELS


class CurvesTab:
    def __init__(self, models):
        self.models = models  # demo.inference.ModelStore

    def status_banner(self, language):
        return "\n\n".join("⚠️ " + language.t("answer.unavailable", model=language.model_title(model.spec), reason=model.error)
                           for model in self.models.models.values() if model.net is None)

    def gallery_models(self):
        """The models whose mistakes can be shown: those with a finished checkpoint (the last first: LeNet)."""
        return [model.name for model in self.models.models.values() if model.net is not None] or list(MODELS)

    def training_page(self, request: gr.Request = None):
        """Everything on the tab, from the models as loaded."""
        language = i18n.for_request(request)
        models = list(self.models.models.values())
        charts = curves.curves_charts({model.name: model.history for model in models}, language)
        curves_html = charts_html(charts) or f"<p>{language.t('curves.no_log')}</p>"
        confusion_html = charts_html(curves.confusion_charts(models, language)) or f"<p>{language.t('curves.no_run')}</p>"
        drawings_rows = curves.drawings_accuracy_rows(models, language)  # shown only for models fine-tuned on drawings
        names = self.gallery_models()
        return (self.status_banner(language),
                gr.Dataframe(curves.summary_rows(models, language), headers=curves.summary_headers(language)),
                curves_html, confusion_html,
                gr.Dataframe(drawings_rows, headers=curves.drawings_accuracy_headers(language), visible=bool(drawings_rows)),
                gr.Radio(choices=names, value=names[-1]))

    def reload(self, request: gr.Request = None):
        """Pick up checkpoints and logs a training run wrote while the app was running (the folder in use).

        Harmless to repeat: a reload already under way is joined, not started again (ModelStore.reload).
        """
        self.models.reload()
        return self.training_page(request)

    def mistakes_gallery(self, name, cell=mistakes.ALL, request: gr.Request = None):
        """The model's misread test digits for one confusion cell (or all): (cell dropdown, gallery HTML)."""
        language = i18n.for_request(request)
        try:
            found = checkpoint.read_mistakes(self.models.folder, name)
        except checkpoint.CheckpointError as error:
            return gr.Dropdown(choices=[(language.t("mistakes.none"), mistakes.ALL)], value=mistakes.ALL), f"<p>{error}</p>"
        choices = mistakes.cell_choices(found, language)
        cell = cell if cell in {value for _, value in choices} else mistakes.ALL
        return gr.Dropdown(choices=choices, value=cell), mistakes.gallery_html(found, cell, language)

    def build(self):
        """Lay the tab out inside the gr.Blocks being built and wire it; returns the gr.Tab."""
        with gr.Tab(ui("ui.tab.curves"), id="curves", elem_id="curves-tab") as tab:
            status = gr.Markdown()
            reload_button = gr.Button(ui("ui.curves.reload"), size="sm", elem_id="curves-reload")
            summary = gr.Dataframe(interactive=False, label=ui("ui.curves.models"), elem_id="summary")
            curve_plot = gr.HTML(elem_id="curves-plot")
            confusion_plot = gr.HTML(elem_id="confusion-plot")
            drawings_accuracy = gr.Dataframe(interactive=False, label=ui("ui.curves.finetuned"),
                                             elem_id="finetune-accuracy", visible=False)
            gr.Markdown(ui("ui.curves.mistakes_heading"))
            with gr.Row():
                model = gr.Radio(list(MODELS), value=list(MODELS)[-1], label=ui("ui.curves.model"), elem_id="mistakes-model")
                # allow_custom_value: its choices change per model, and Gradio checks a value against the
                # choices it remembers for the session, which it may have forgotten (mistakes_gallery checks).
                cell = gr.Dropdown([(ui("ui.curves.all_mistakes"), mistakes.ALL)], value=mistakes.ALL,
                                   allow_custom_value=True, label=ui("ui.curves.cell"), elem_id="mistakes-cell")
            gallery = gr.HTML(elem_id="mistakes-gallery")
        page = [status, summary, curve_plot, confusion_plot, drawings_accuracy, model]
        reload_button.click(for_people(self.reload), None, page, api_name="reload").then(
            for_people(self.mistakes_gallery), [model, cell], [cell, gallery], api_name=False)
        model.change(for_people(self.mistakes_gallery), model, [cell, gallery], api_name=False)
        cell.input(for_people(self.mistakes_gallery), [model, cell], [cell, gallery], api_name=False)
        # Drawn when the tab is opened, not with every page load: a visit that never opens it costs nothing here.
        tab.select(for_people(self.training_page), None, page, api_name=False).then(
            for_people(self.mistakes_gallery), [model, cell], [cell, gallery], api_name=False)
        return tab
