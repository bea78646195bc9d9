"""The "Our drawings" charts, tables and galleries, from the drawings people labelled (demo/drawings.py).

No Gradio here (demo/drawings_tab.py lays them out). Charts as in demo/curves.py: matplotlib draws shapes
and numbers, the words travel beside them (demo/inline.py's Chart); the galleries are HTML grids of the
28x28 inputs, each with its id, label and every model's reading as text.
"""
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from demo.curves import confusion_chart
from demo.drawings import StoreUnavailable, accuracy
from demo.i18n import ENGLISH
from demo.inline import Chart, chart_html, charts_html, inline_png

GALLERY_SIZE = 10  # drawings per gallery row


@dataclass
class DrawingsPage:
    """Everything the tab shows, as HTML and table rows; `message` is "" when all is well, else why the tab is (partly) empty."""

    message: str
    counts: str
    accuracy_headers: list
    accuracy_rows: list
    confusion: str
    latest: str
    misread: str


def accuracy_headers(language):
    return [language.t(f"drawings_tab.{column}") for column in ("model", "right", "drawings", "mnist")]


def accuracy_rows(matrices, models, language):
    """One row per model: its accuracy on our drawings next to its MNIST test accuracy (from metadata)."""
    rows = []
    for model in models:
        matrix = matrices.get(model.name)
        drawn = int(matrix.sum()) if matrix is not None else 0
        rows.append([model.name, language.percent(accuracy(matrix) if drawn else None), drawn,
                     language.percent(model.metadata.get("evaluation", {}).get("test_accuracy"))])
    return rows


def counts_chart(counts, language):
    """Drawings per digit, as bars: shows which digits the class still needs to draw."""
    figure = Figure(figsize=(5.4, 2.6), layout="constrained")
    axes = figure.subplots()
    bars = axes.bar(range(10), counts, color="#2ca02c")
    axes.bar_label(bars, fontsize=8)
    axes.set(xticks=range(10), ylim=(0, max(1, max(counts)) * 1.15))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: language.number(value)))
    total = language.number(sum(counts))
    return Chart(figure, language.t("drawings_tab.counts_title", count=total),
                 language.t("drawings_tab.counts_alt", count=total), x_label=language.t("drawings_tab.digit"),
                 y_label=language.t("drawings_tab.drawings"),
                 table=([language.t("drawings_tab.digit"), language.t("drawings_tab.drawings")], list(enumerate(counts))),
                 numbers_label=language.t("chart.numbers"))


def confusion_html(matrices, models, language):
    """Each model's mistakes on our drawings (rows: the label given, columns: what the model read)."""
    if not matrices:
        return f"<p>{language.t('drawings_tab.none_yet')}</p>"
    labels = {model.name: model.spec.label for model in models}
    charts = []
    for name, matrix in matrices.items():
        label = labels.get(name, name)
        title = language.t("drawings_tab.confusion_title", model=label, misread=language.number(int(matrix.sum() - matrix.trace())),
                           count=language.number(int(matrix.sum())))
        charts.append(confusion_chart(matrix, title, language.t("drawings_tab.confusion_alt", model=label), language))
    return charts_html(charts)


def gallery_html(drawings, title, empty_text, language):
    """One row of 28x28 inputs with their id, label and each model's reading (marked when a model misread it)."""
    items = []
    for drawing in drawings[:GALLERY_SIZE]:
        wrong = any(predicted != drawing.label for predicted in drawing.predictions.values())
        readings = ", ".join(language.t("drawings_tab.reads", model=model, digit=predicted)
                             for model, predicted in sorted(drawing.predictions.items()))
        caption = language.t("drawings_tab.caption", id=drawing.id, label=drawing.label)
        items.append(f'<figure class="{"misread" if wrong else ""}">{inline_png(drawing.image, f"{caption}; {readings}", 56)}'
                     f"<figcaption>{caption}<br>{readings}</figcaption></figure>")
    body = f'<div class="mistakes-grid">{"".join(items)}</div>' if items else f"<p>{empty_text}</p>"
    return f'<section class="drawings-gallery"><h4>{title}</h4>{body}</section>'


def drawings_page(store, models, language=ENGLISH):
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
        counts, matrices, latest, misread = [0] * 10, {}, [], {name: [] for name in names}
        message = error.sentence.render(language)
    labels = {model.name: model.spec.label for model in models}
    misread_html = "".join(gallery_html(drawings, language.t("drawings_tab.misread_by", model=labels.get(name, name)),
                                        language.t("drawings_tab.none_misread"), language)
                           for name, drawings in misread.items())
    return DrawingsPage(message, chart_html(counts_chart(counts, language)), accuracy_headers(language),
                        accuracy_rows(matrices, models, language), confusion_html(matrices, models, language),
                        gallery_html(latest, language.t("drawings_tab.latest"), language.t("drawings_tab.none_yet"), language),
                        misread_html)
