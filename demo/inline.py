"""Images sent inside the page's HTML as data URIs, never as files: pictures of arrays, and charts.

Nothing is written to Gradio's cache per update (a class drawing live would fill it), identical
images from concurrent users cannot race on one cached file, the browser makes no extra requests,
and pixels stay crisp squares when enlarged (PNG, no smoothing).
"""
import base64
import html
import io
from dataclasses import dataclass

import PIL.Image
from matplotlib.figure import Figure


def png_bytes(image):
    """uint8 (H, W) grey, (H, W, 3) RGB or (H, W, 4) RGBA -> the bytes of a PNG file."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(image).save(buffer, format="PNG", compress_level=1)  # fast; these PNGs are small anyway
    return buffer.getvalue()


def data_uri(png):
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def png_data_uri(image):
    """uint8 (H, W) grey or (H, W, 3) RGB -> "data:image/png;base64,..."."""
    return data_uri(png_bytes(image))


def inline_png(image, alt, width=None):
    """uint8 (H, W) grey or (H, W, 3) RGB -> an <img> carrying the PNG itself, drawn without smoothing."""
    size = f' width="{width}" height="{width}"' if width else ""
    return (f'<img src="{png_data_uri(image)}"{size} alt="{html.escape(alt)}" '
            'style="image-rendering: pixelated; max-width: 100%">')


# ------------------------------------------------------------------------------------------ charts


@dataclass(frozen=True)
class Chart:
    """A matplotlib figure and its words, kept apart: the figure draws shapes and numbers only (no font can
    write every language, and matplotlib shapes no Arabic); its words are HTML around it, in the page's
    language and direction, readable by a screen reader, with the numbers as a table."""

    figure: Figure
    title: str
    alt: str  # what the picture shows, in a sentence
    x_label: str = ""
    y_label: str = ""
    legend: tuple = ()  # (text, colour, "solid" | "dashed" | "dot")
    table: tuple = None  # (headers, rows): the numbers drawn
    numbers_label: str = "numbers"  # the table's disclosure


def figure_png_uri(figure, dpi=100):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return data_uri(buffer.getvalue())


def table_html(headers, rows):
    head = "".join(f"<th scope=\"col\">{html.escape(str(cell))}</th>" for cell in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="chart-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart_html(chart):
    """The chart as the page shows it: title, axis names and legend as text, the picture (with its alt), the numbers."""
    legend = "".join(f'<li><span class="swatch {style}" style="border-color: {colour}"></span>{html.escape(text)}</li>'
                     for text, colour, style in chart.legend)
    numbers = (f'<details><summary>{html.escape(chart.numbers_label)}</summary>{table_html(*chart.table)}</details>'
               if chart.table else "")
    return (f'<figure class="chart"><figcaption>{html.escape(chart.title)}</figcaption>'
            + (f'<ul class="chart-legend">{legend}</ul>' if legend else "")
            + (f'<div class="chart-y">{html.escape(chart.y_label)}</div>' if chart.y_label else "")
            + f'<img src="{figure_png_uri(chart.figure)}" alt="{html.escape(chart.alt)}">'
            + (f'<div class="chart-x">{html.escape(chart.x_label)}</div>' if chart.x_label else "")
            + numbers + "</figure>")


def charts_html(charts):
    """Several charts side by side where the page is wide enough; "" for none."""
    return f'<div class="charts">{"".join(chart_html(chart) for chart in charts)}</div>' if charts else ""
