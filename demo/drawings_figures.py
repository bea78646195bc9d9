"""The "Our drawings" figures and tables, from the drawings people labelled (demo/drawings.py).

No Gradio here (demo/drawings_tab.py lays them out), and matplotlib's object API only (no pyplot),
as in demo/curves.py.
"""
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure

from demo.curves import percent, plot_mistakes
from demo.drawings import StoreUnavailable, accuracy

ACCURACY_HEADERS = ["model", "right on our drawings", "drawings", "MNIST test accuracy"]
GALLERY_SIZE = 10  # drawings per gallery row


@dataclass
class DrawingsPage:
    """Everything the tab shows; `message` is "" when all is well, else why the tab is (partly) empty."""

    message: str
    counts: Figure
    accuracy_rows: list
    confusion: Figure
    latest: Figure
    misread: Figure


def accuracy_rows(matrices, models):
    """One row per model: its accuracy on our drawings next to its MNIST test accuracy (from metadata)."""
    rows = []
    for model in models:
        matrix = matrices.get(model.name, np.zeros((10, 10), dtype=np.int64))
        test_accuracy = model.metadata.get("evaluation", {}).get("test_accuracy")
        rows.append([model.name, percent(accuracy(matrix)), int(matrix.sum()), percent(test_accuracy)])
    return rows


def counts_figure(counts):
    """Drawings per digit, as bars: shows which digits the class still needs to draw."""
    figure = Figure(figsize=(7, 2.8), layout="constrained")
    axes = figure.subplots()
    bars = axes.bar(range(10), counts, color="tab:green")
    axes.bar_label(bars, fontsize=8)
    axes.set(title=f"{sum(counts):,} labelled drawings", xlabel="digit", ylabel="drawings", xticks=range(10))
    return figure


def confusion_figure(matrices):
    """Each model's mistakes on our drawings (rows: the label given, columns: what the model read)."""
    figure = Figure(figsize=(5.2 * max(1, len(matrices)), 4.8), layout="constrained")
    figure.suptitle("Mistakes on our drawings (rows: the digit drawn, columns: what the model read)")
    if not matrices:
        figure.text(0.5, 0.5, "no labelled drawings yet: draw a digit and tap its number", ha="center")
        return figure
    for axes, (name, matrix) in zip(np.atleast_1d(figure.subplots(1, len(matrices))), matrices.items()):
        plot_mistakes(axes, matrix, f"{name}: {matrix.sum() - matrix.trace()} misread of {matrix.sum():,}")
    return figure


def _gallery_row(figure, drawings, title, empty_text):
    axes_row = np.atleast_1d(figure.subplots(1, GALLERY_SIZE))
    figure.suptitle(title, fontsize=10)
    for axes in axes_row:
        axes.axis("off")
    if not drawings:
        axes_row[0].text(0, 0.5, empty_text, transform=axes_row[0].transAxes, va="center")
    for axes, drawing in zip(axes_row, drawings):
        axes.imshow(drawing.image, cmap="gray", vmin=0, vmax=255)
        wrong = any(predicted != drawing.label for predicted in drawing.predictions.values())
        read = "\n".join(f"{model} {predicted}" for model, predicted in sorted(drawing.predictions.items()))
        axes.set_title(f"#{drawing.id}: {drawing.label}\n{read}", fontsize=7, color="tab:red" if wrong else "black")


def gallery_figure(drawings, title, empty_text="none yet"):
    """One row of 28x28 inputs with their id, label and each model's reading (red when a model misread it)."""
    figure = Figure(figsize=(11, 1.9), layout="constrained")
    _gallery_row(figure, drawings[:GALLERY_SIZE], title, empty_text)
    return figure


def misread_figure(misread_by_model):
    """{model: [Drawing, ...]} -> one gallery row per model of the drawings it misread, newest first."""
    figure = Figure(figsize=(11, 1.9 * max(1, len(misread_by_model))), layout="constrained")
    rows = figure.subfigures(max(1, len(misread_by_model)), 1, squeeze=False)[:, 0]
    for row, (name, drawings) in zip(rows, misread_by_model.items()):
        _gallery_row(row, drawings[:GALLERY_SIZE], f"misread by {name}", "none misread yet")
    return figure


def drawings_page(store, models):
    """The whole tab from the store now. models: the app's loaded models (name, metadata). Never raises."""
    names = [model.name for model in models]
    try:
        if not store.enabled:
            raise StoreUnavailable(store.problem)
        counts, found = store.counts_per_digit(), store.confusion_matrices()
        # The page's models in the registry's order (as the table above), then any the database alone knows.
        matrices = {name: found.pop(name) for name in names if name in found} | found
        latest = store.latest(GALLERY_SIZE)
        misread = {name: store.misread(name, GALLERY_SIZE) for name in names}
        message = ""
    except StoreUnavailable as error:
        counts, matrices, latest, misread, message = [0] * 10, {}, [], {name: [] for name in names}, str(error)
    return DrawingsPage(message, counts_figure(counts), accuracy_rows(matrices, models), confusion_figure(matrices),
                        gallery_figure(latest, "the latest drawings"), misread_figure(misread))
