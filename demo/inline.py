"""Images sent inside the page's HTML as data URIs, never as files.

Nothing is written to Gradio's cache per update (a class drawing live would fill it), identical
images from concurrent users cannot race on one cached file, the browser makes no extra requests,
and pixels stay crisp squares when enlarged (PNG, no smoothing).
"""
import base64
import io

import PIL.Image


def png_data_uri(image):
    """uint8 (H, W) grey or (H, W, 3) RGB -> "data:image/png;base64,..."."""
    buffer = io.BytesIO()
    PIL.Image.fromarray(image).save(buffer, format="PNG", compress_level=1)  # fast; these PNGs are small anyway
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def inline_png(image, alt, width=None):
    """uint8 (H, W) grey or (H, W, 3) RGB -> an <img> carrying the PNG itself, drawn without smoothing."""
    size = f' width="{width}" height="{width}"' if width else ""
    return (f'<img src="{png_data_uri(image)}"{size} alt="{alt}" '
            'style="image-rendering: pixelated; max-width: 100%">')
