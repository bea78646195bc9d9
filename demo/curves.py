"""The "Training curves" figures and tables: plots from the training logs, tables and confusion matrices from the metadata.

No Gradio here (demo/curves_tab.py lays them out). Figures are built with matplotlib's object API
(no pyplot), so nothing accumulates in a global registry.
"""
import numpy as np
from matplotlib.figure import Figure

from trainer import checkpoint
from trainer.models import MODELS
from trainer.training_log import finished_epochs, parse_log

SUMMARY_HEADERS = ["model", "test accuracy", "epochs", "training time", "parameters", "status"]


def read_histories(folder, names):
    """{name: [EpochRecord, ...]} for every model whose log exists (an unreadable log counts as empty)."""
    histories = {}
    for name in names:
        path = checkpoint.checkpoint_paths(folder, name).log
        try:
            histories[name] = finished_epochs(parse_log(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            histories[name] = []
    return histories


def curves_figure(histories):
    """Accuracy and loss per epoch, train (dashed) and validation (solid), one colour per model."""
    figure = Figure(figsize=(11, 4.2), layout="constrained")
    accuracy_axes, loss_axes = figure.subplots(1, 2)
    for name, records in histories.items():
        if not records:
            continue
        epochs = [record.epoch for record in records]
        colour = MODELS[name].colour if name in MODELS else None
        accuracy_axes.plot(epochs, [100 * r.train_accuracy for r in records], "--", color=colour, label=f"{name} train")
        accuracy_axes.plot(epochs, [100 * r.validation_accuracy for r in records], "-", color=colour, label=f"{name} validation")
        loss_axes.plot(epochs, [r.train_loss for r in records], "--", color=colour, label=f"{name} train")
        loss_axes.plot(epochs, [r.validation_loss for r in records], "-", color=colour, label=f"{name} validation")
    figure.suptitle("Training curves: dashed = train (on augmented digits), solid = validation (5,000 held-out)")
    accuracy_axes.set(title="Accuracy", xlabel="epoch", ylabel="accuracy (%)")
    loss_axes.set(title="Loss (cross-entropy)", xlabel="epoch", ylabel="loss", yscale="log")
    for axes in (accuracy_axes, loss_axes):
        axes.grid(alpha=0.3)
        if axes.has_data():
            axes.legend(fontsize=8)
        else:
            axes.text(0.5, 0.5, "no training log yet:\nrun python trainer/train.py", ha="center", va="center",
                      transform=axes.transAxes)
    if accuracy_axes.has_data():
        # Augmented training accuracy starts low; zoom on the part where the models differ.
        lowest = min(100 * r.validation_accuracy for records in histories.values() for r in records)
        accuracy_axes.set_ylim(max(lowest - 2, 80), 100)
    return figure


def finetune_figure(histories, batches_per_epoch):
    """A fine-tune as it runs, one colour per model: running train accuracy every 100 batches (dashed),
    then after each epoch the accuracy on the held-out drawings (circles) and on validation (solid).

    histories: {name: [EpochRecord]} parsed from the logs being written, unfinished epochs included.
    """
    figure = Figure(figsize=(11, 3.6), layout="constrained")
    axes = figure.subplots()
    for name, records in histories.items():
        colour = MODELS[name].colour if name in MODELS else None
        steps = [(record.epoch - 1 + batch / batches_per_epoch, 100 * accuracy)
                 for record in records for batch, _, accuracy in record.speeds]
        if steps:
            axes.plot(*zip(*steps), "--", color=colour, alpha=0.7, label=f"{name} train (running)")
        finished = finished_epochs(records)
        if finished:
            axes.plot([r.epoch for r in finished], [100 * r.validation_accuracy for r in finished], "-", color=colour,
                      label=f"{name} validation (MNIST)")
            axes.plot([r.epoch for r in finished], [100 * r.drawings_accuracy for r in finished], "o", color=colour,
                      markersize=8, label=f"{name} our held-out drawings")
    axes.set(title="Learning our drawings", xlabel="epoch", ylabel="accuracy (%)")
    axes.grid(alpha=0.3)
    if axes.has_data():
        axes.legend(fontsize=8, loc="lower right")
    else:
        axes.text(0.5, 0.5, "the curves appear after the first 100 batches", ha="center", va="center",
                  transform=axes.transAxes)
    return figure


def confusion_figure(models):
    """One test-set confusion matrix per model with metadata (rows: true digit, columns: predicted)."""
    with_matrix = [m for m in models if m.metadata.get("evaluation", {}).get("test_confusion_matrix")]
    figure = Figure(figsize=(5.2 * max(1, len(with_matrix)), 4.8), layout="constrained")
    figure.suptitle("Test-set mistakes (rows: true digit, columns: predicted; the diagonal is left out)")
    if not with_matrix:
        figure.text(0.5, 0.5, "no finished training run yet: run python trainer/train.py", ha="center")
        return figure
    for axes, model in zip(np.atleast_1d(figure.subplots(1, len(with_matrix))), with_matrix):
        matrix = np.array(model.metadata["evaluation"]["test_confusion_matrix"])
        plot_mistakes(axes, matrix, f"{model.name}: {matrix.sum() - matrix.trace()} test errors of {matrix.sum():,}")
    return figure


def plot_mistakes(axes, matrix, title):
    """A confusion matrix's off-diagonal counts, shaded and written in (the diagonal would drown every mistake)."""
    errors_only = matrix - np.diag(np.diag(matrix))
    axes.imshow(errors_only, cmap="Reds")
    for (true, predicted), count in np.ndenumerate(matrix):
        if count and true != predicted:
            axes.text(predicted, true, str(count), ha="center", va="center", fontsize=7)
    axes.set(title=title, xlabel="predicted", ylabel="true digit", xticks=range(10), yticks=range(10))


def percent(value):
    """A share in [0, 1] (or None) as the tables show it: "99.45 %" (or "-")."""
    return f"{100 * value:.2f} %" if value is not None else "-"


def summary_rows(models):
    """One table row per model, from its metadata (or why it is missing)."""
    rows = []
    for model in models:
        training = model.metadata.get("training", {})
        accuracy = model.metadata.get("evaluation", {}).get("test_accuracy")
        status = "ready" if model.net is not None else model.error
        if model.net is not None and not training.get("finished", True):
            status = f"training: epoch {training.get('epochs_completed')}/{training.get('epochs')}"
        rows.append([
            model.name,
            percent(accuracy),
            training.get("epochs_completed", "-"),
            f"{training['seconds'] / 60:.1f} min" if "seconds" in training else "-",
            f"{model.metadata['parameters']:,}" if "parameters" in model.metadata else "-",
            status,
        ])
    return rows


DRAWINGS_ACCURACY_HEADERS = ["model", "our drawings", "held out", "accuracy before", "accuracy after",
                             "MNIST test accuracy"]


def drawings_accuracy_rows(models):
    """One row per model fine-tuned with `trainer/train.py --extra-data`: accuracy on the held-out drawings
    people labelled, with the starting weights and after training, next to MNIST test accuracy (did it forget?)."""
    rows = []
    for model in models:
        evaluation = model.metadata.get("evaluation", {})
        extra = evaluation.get("extra_data")
        if not extra:
            continue
        rows.append([model.name, extra["drawings"], extra["held_out"],
                     *(percent(value) for value in (extra["accuracy_before"], extra["accuracy_after"],
                                                    evaluation.get("test_accuracy")))])
    return rows
