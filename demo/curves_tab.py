"""The Training curves tab: how the models in use were trained, and every MNIST test digit they get wrong.

Figures and tables are demo/curves.py's, the mistakes gallery demo/mistakes.py's; everything is read
from the checkpoint folder the ModelStore (demo/inference.py) answers from, so a teacher's switch to
fine-tuned models (demo/teacher_tab.py) shows their curves here too.
"""
import gradio as gr

from demo import curves, mistakes
from trainer import checkpoint
from trainer.models import MODELS


class CurvesTab:
    def __init__(self, models):
        self.models = models  # demo.inference.ModelStore

    def status_banner(self):
        return "\n\n".join(f"⚠️ {model.spec.title} is unavailable: {model.error}"
                           for model in self.models.models.values() if model.net is None)

    def training_page(self):
        """Everything on the tab, from what is on disk now."""
        models = list(self.models.models.values())
        histories = curves.read_histories(self.models.folder, MODELS)
        drawings_rows = curves.drawings_accuracy_rows(models)  # shown only for models fine-tuned on drawings
        return (self.status_banner(), curves.summary_rows(models), curves.curves_figure(histories),
                curves.confusion_figure(models), gr.Dataframe(drawings_rows, visible=bool(drawings_rows)))

    def reload(self):
        """Pick up checkpoints and logs a training run wrote while the app was running (the folder in use)."""
        self.models.load()
        return self.training_page()

    def mistakes_gallery(self, name, cell=mistakes.ALL):
        """The model's misread test digits for one confusion cell (or all): (cell dropdown, gallery HTML)."""
        try:
            found = checkpoint.read_mistakes(self.models.folder, name)
        except checkpoint.CheckpointError as error:
            return gr.Dropdown(choices=[("all", mistakes.ALL)], value=mistakes.ALL), f"<p>{error}</p>"
        choices = mistakes.cell_choices(found)
        cell = cell if cell in {value for _, value in choices} else mistakes.ALL
        return gr.Dropdown(choices=choices, value=cell), mistakes.gallery_html(found, cell)

    def build(self):
        """Lay the tab out inside the gr.Blocks being built and wire it; returns the gr.Tab."""
        with gr.Tab("Training curves") as tab:
            status = gr.Markdown()
            reload_button = gr.Button("Reload checkpoints and logs", size="sm")
            summary = gr.Dataframe(headers=curves.SUMMARY_HEADERS, interactive=False, label="Models", elem_id="summary")
            curve_plot = gr.Plot(show_label=False, elem_id="curves-plot")
            confusion_plot = gr.Plot(show_label=False, elem_id="confusion-plot")
            drawings_accuracy = gr.Dataframe(headers=curves.DRAWINGS_ACCURACY_HEADERS, interactive=False,
                                             label="Fine-tuned on our drawings (--extra-data)", elem_id="finetune-accuracy",
                                             visible=False)
            gr.Markdown("### Mistakes: the MNIST test digits each model gets wrong")
            with gr.Row():
                model = gr.Radio(list(MODELS), value=list(MODELS)[-1], label="Model", elem_id="mistakes-model")
                # allow_custom_value: its choices change per model, and Gradio checks a value against the
                # choices it remembers for the session, which it may have forgotten (mistakes_gallery checks).
                cell = gr.Dropdown([("all", mistakes.ALL)], value=mistakes.ALL, allow_custom_value=True,
                                   label="Confusion cell (true → predicted)", elem_id="mistakes-cell")
            gallery = gr.HTML(elem_id="mistakes-gallery")
        page = [status, summary, curve_plot, confusion_plot, drawings_accuracy]
        reload_button.click(self.reload, None, page, api_name="reload").then(
            self.mistakes_gallery, [model, cell], [cell, gallery], api_name=False)
        model.change(self.mistakes_gallery, model, [cell, gallery], api_name=False)
        cell.input(self.mistakes_gallery, [model, cell], [cell, gallery], api_name=False)
        # Drawn when the tab is opened, not with every page load: a visit that never opens it costs nothing here.
        tab.select(self.training_page, None, page, api_name=False).then(
            self.mistakes_gallery, [model, cell], [cell, gallery], api_name=False)
        return tab
