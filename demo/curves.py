"""The "Training curves" charts and tables: curves from the training logs, tables and confusion matrices from the metadata.

No Gradio here (demo/curves_tab.py lays them out). Figures are built with matplotlib's object API
(no pyplot), so nothing accumulates in a global registry; they draw shapes and numbers only, and their
words (titles, axes, legends) travel beside them in the visitor's language (demo/inline.py's Chart).
"""
import numpy as np
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from demo.i18n import ENGLISH
from demo.inline import Chart
from trainer import checkpoint
from trainer.models import MODELS
from trainer.training_log import finished_epochs, parse_log

MARKER = dict(marker="o", markersize=3)  # every epoch a dot: a one-epoch run is a visible point, not nothing


def read_history(folder, name):
    """A model's finished epochs from its log in `folder` ([] when there is none or it cannot be read)."""
    path = checkpoint.checkpoint_paths(folder, name).log
    try:
        return finished_epochs(parse_log(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return []


def colour_of(name):
    return to_hex(MODELS[name].colour) if name in MODELS else "#555555"


def _epoch_axis(axes, language):
    """Whole epochs on the x axis, with room around a run of one epoch; numbers the language's way."""
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.grid(alpha=0.3)
    if axes.has_data():
        low, high = axes.dataLim.x0, axes.dataLim.x1
        if high - low < 2:
            axes.set_xlim(low - 1, high + 1)
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: language.number(value, 0 if value == int(value) else 1)))


def _figure(width=5.4, height=3.4):
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.subplots()


def curves_charts(histories, language):
    """[accuracy Chart, loss Chart] per epoch, train (dashed) and validation (solid), one colour per model;
    [] when no model has a finished epoch yet."""
    drawn = {name: records for name, records in histories.items() if records}
    if not drawn:
        return []
    (accuracy_figure, accuracy_axes), (loss_figure, loss_axes) = _figure(), _figure()
    legend, rows = [], []
    for name, records in drawn.items():
        epochs, colour = [record.epoch for record in records], colour_of(name)
        label = MODELS[name].label if name in MODELS else name
        accuracy_axes.plot(epochs, [100 * r.train_accuracy for r in records], "--", color=colour, **MARKER)
        accuracy_axes.plot(epochs, [100 * r.validation_accuracy for r in records], "-", color=colour, **MARKER)
        loss_axes.plot(epochs, [r.train_loss for r in records], "--", color=colour, **MARKER)
        loss_axes.plot(epochs, [r.validation_loss for r in records], "-", color=colour, **MARKER)
        legend += [(language.t("curves.train", model=label), colour, "dashed"),
                   (language.t("curves.validation", model=label), colour, "solid")]
        rows += [[label, record.epoch, language.percent(record.train_accuracy), language.percent(record.validation_accuracy),
                  language.number(record.train_loss, 4), language.number(record.validation_loss, 4)] for record in records]
    # Augmented training accuracy starts low; zoom on the part where the models differ.
    lowest = min(100 * r.validation_accuracy for records in drawn.values() for r in records)
    accuracy_axes.set_ylim(max(lowest - 2, 80) if lowest > 82 else None, 100.5)
    loss_axes.set_yscale("log")
    for axes in (accuracy_axes, loss_axes):
        _epoch_axis(axes, language)
    loss_axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: language.number(value, 3)))
    headers = [language.t("curves.model"), language.t("curves.epoch"), language.t("curves.train_accuracy"),
               language.t("curves.validation_accuracy"), language.t("curves.train_loss"), language.t("curves.validation_loss")]
    common = dict(x_label=language.t("curves.epoch"), legend=tuple(legend), numbers_label=language.t("chart.numbers"))
    return [Chart(accuracy_figure, language.t("curves.accuracy_title"), language.t("curves.accuracy_alt"),
                  y_label=language.t("curves.accuracy_axis"), table=(headers, rows), **common),
            Chart(loss_figure, language.t("curves.loss_title"), language.t("curves.loss_alt"),
                  y_label=language.t("curves.loss_axis"), **common)]


def finetune_chart(histories, batches_per_epoch, language):
    """A fine-tune as it runs, one colour per model: running train accuracy every 100 batches (dashed), then
    after each epoch the accuracy on the held-out drawings (dots) and on validation (solid).

    histories: {name: [EpochRecord]} parsed from the logs being written, unfinished epochs included.
    """
    figure, axes = _figure()
    legend, rows = [], []
    for name, records in histories.items():
        colour, label = colour_of(name), MODELS[name].label if name in MODELS else name
        steps = [(record.epoch - 1 + batch / batches_per_epoch, 100 * accuracy)
                 for record in records for batch, _, accuracy in record.speeds]
        if steps:
            axes.plot(*zip(*steps), "--", color=colour, alpha=0.7)
            legend.append((language.t("finetune.chart_running", model=label), colour, "dashed"))
        finished = finished_epochs(records)
        if finished:
            axes.plot([r.epoch for r in finished], [100 * r.validation_accuracy for r in finished], "-", color=colour, **MARKER)
            axes.plot([r.epoch for r in finished], [100 * r.drawings_accuracy for r in finished], "o", color=colour,
                      markersize=8)
            legend += [(language.t("finetune.chart_validation", model=label), colour, "solid"),
                       (language.t("finetune.chart_drawings", model=label), colour, "dot")]
            rows += [[label, r.epoch, language.percent(r.validation_accuracy), language.percent(r.drawings_accuracy)]
                     for r in finished]
    _epoch_axis(axes, language)
    headers = [language.t("curves.model"), language.t("curves.epoch"), language.t("curves.validation_accuracy"),
               language.t("finetune.chart_drawings_column")]
    alt = language.t("finetune.chart_alt" if axes.has_data() else "finetune.chart_empty")
    return Chart(figure, language.t("finetune.chart_title"), alt, x_label=language.t("curves.epoch"),
                 y_label=language.t("curves.accuracy_axis"), legend=tuple(legend), table=(headers, rows) if rows else None,
                 numbers_label=language.t("chart.numbers"))


def plot_mistakes(axes, matrix):
    """A confusion matrix's off-diagonal counts, shaded and written in (the diagonal would drown every mistake)."""
    errors_only = matrix - np.diag(np.diag(matrix))
    axes.imshow(errors_only, cmap="Reds")
    for (true, predicted), count in np.ndenumerate(matrix):
        if count and true != predicted:
            axes.text(predicted, true, str(count), ha="center", va="center", fontsize=7)
    axes.set(xticks=range(10), yticks=range(10))


def confusion_chart(matrix, title, alt, language):
    """One confusion matrix's mistakes (rows: true digit, columns: predicted), its numbers as a table."""
    figure, axes = _figure(5.4, 4.6)
    plot_mistakes(axes, matrix)
    rows = [[true, *(count if true != predicted else "" for predicted, count in enumerate(row))]
            for true, row in enumerate(np.asarray(matrix).tolist())]
    return Chart(figure, title, alt, x_label=language.t("confusion.predicted"), y_label=language.t("confusion.true"),
                 table=([language.t("confusion.corner"), *range(10)], rows), numbers_label=language.t("chart.numbers"))


def confusion_charts(models, language):
    """One test-set confusion matrix per model with metadata."""
    charts = []
    for model in models:
        matrix = model.metadata.get("evaluation", {}).get("test_confusion_matrix")
        if matrix:
            matrix = np.array(matrix)
            errors = int(matrix.sum() - matrix.trace())
            charts.append(confusion_chart(matrix, language.t("curves.confusion_title", model=model.spec.label,
                                                             errors=language.number(errors), count=language.number(int(matrix.sum()))),
                                          language.t("curves.confusion_alt", model=model.spec.label), language))
    return charts


def summary_headers(language=ENGLISH):
    return [language.t(f"curves.summary.{column}") for column in ("model", "accuracy", "epochs", "time", "parameters", "status")]


def summary_rows(models, language=ENGLISH):
    """One table row per model, from its metadata (or why it is missing)."""
    rows = []
    for model in models:
        training = model.metadata.get("training", {})
        accuracy = model.metadata.get("evaluation", {}).get("test_accuracy")
        status = language.t("curves.ready") if model.net is not None else model.error
        if model.net is not None and not training.get("finished", True):
            status = language.t("curves.training", done=training.get("epochs_completed"), total=training.get("epochs"))
        rows.append([
            model.name,
            language.percent(accuracy),
            training.get("epochs_completed", "-"),
            language.t("curves.minutes", minutes=language.number(training["seconds"] / 60, 1)) if "seconds" in training else "-",
            language.number(model.metadata["parameters"]) if "parameters" in model.metadata else "-",
            status,
        ])
    return rows


def drawings_accuracy_headers(language=ENGLISH):
    return [language.t(f"curves.drawings.{column}") for column in ("model", "drawings", "held_out", "before", "after", "mnist")]


def drawings_accuracy_rows(models, language=ENGLISH):
    """One row per model fine-tuned with `trainer/train.py --extra-data`: accuracy on the held-out drawings
    people labelled, with the starting weights and after training, next to MNIST test accuracy (did it forget?)."""
    rows = []
    for model in models:
        evaluation = model.metadata.get("evaluation", {})
        extra = evaluation.get("extra_data")
        if not extra:
            continue
        rows.append([model.name, extra["drawings"], extra["held_out"],
                     *(language.percent(value) for value in (extra["accuracy_before"], extra["accuracy_after"],
                                                             evaluation.get("test_accuracy")))])
    return rows
