"""Hand-made stroke digits, as the drawing pad sends them, for tests and benchmarks.

Each digit is a few pen strokes in a unit box (x right, y down); `pad_value` places one on a pad at
a given (or random) size and position and returns the pad's value: {"width", "height", "brush", "strokes"}.
"""
import numpy as np

PAD_SIDE = 400  # a desktop pad is ~576 px, a phone's ~374 px
SAMPLES_PER_UNIT = 40  # points per unit of path length: a pen sampled at ~100 Hz


def _ellipse(cx, cy, rx, ry, start=-np.pi / 2, turns=1.05):
    angles = start + np.linspace(0, 2 * np.pi * turns, 25)
    return list(zip(cx + rx * np.cos(angles), cy + ry * np.sin(angles)))


# Key points of each stroke, in the unit box; the pen passes through them in order.
DIGITS = {
    0: [_ellipse(0.5, 0.5, 0.33, 0.5)],
    1: [[(0.45, 0.0), (0.5, 1.0)]],
    2: [[(0.12, 0.25), (0.25, 0.05), (0.5, 0.0), (0.75, 0.07), (0.85, 0.28), (0.72, 0.52), (0.45, 0.75),
         (0.12, 1.0), (0.9, 1.0)]],
    3: [[(0.15, 0.1), (0.45, 0.0), (0.78, 0.1), (0.8, 0.32), (0.45, 0.47), (0.82, 0.6), (0.85, 0.87), (0.5, 1.0),
         (0.15, 0.9)]],
    4: [[(0.2, 0.0), (0.1, 0.58), (0.9, 0.58)], [(0.68, 0.1), (0.68, 1.0)]],
    5: [[(0.82, 0.0), (0.28, 0.0), (0.22, 0.45), (0.55, 0.38), (0.82, 0.55), (0.82, 0.85), (0.5, 1.0), (0.15, 0.9)]],
    6: [[(0.72, 0.0), (0.38, 0.22), (0.17, 0.6), (0.22, 0.9), (0.5, 1.0), (0.8, 0.85), (0.8, 0.62), (0.5, 0.5),
         (0.2, 0.66)]],
    7: [[(0.1, 0.0), (0.9, 0.0), (0.4, 1.0)]],
    8: [[(0.8, 0.15), (0.5, 0.0), (0.2, 0.15), (0.25, 0.35), (0.75, 0.6), (0.8, 0.85), (0.5, 1.0), (0.2, 0.85),
         (0.25, 0.6), (0.75, 0.35), (0.8, 0.15)]],
    9: [[(0.8, 0.22), (0.5, 0.0), (0.2, 0.18), (0.25, 0.42), (0.55, 0.48), (0.8, 0.3), (0.8, 0.22), (0.75, 1.0)]],
}


def resample(points, count):
    """A polyline -> `count` points evenly spaced along it (a pen moving at constant speed)."""
    points = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(points) == 1 or count == 1:
        return np.repeat(points[:1], count, axis=0)
    lengths = np.r_[0, np.cumsum(np.hypot(*np.diff(points, axis=0).T))]
    if lengths[-1] == 0:
        return np.repeat(points[:1], count, axis=0)
    positions = np.linspace(0, lengths[-1], count)
    return np.column_stack([np.interp(positions, lengths, points[:, 0]), np.interp(positions, lengths, points[:, 1])])


def unit_strokes(digit):
    """The digit's strokes as (n, 2) arrays in the unit box: a point every 1/SAMPLES_PER_UNIT of path length."""
    strokes = [np.asarray(stroke, dtype=np.float64) for stroke in DIGITS[digit]]
    return [resample(stroke, max(2, int(np.hypot(*np.diff(stroke, axis=0).T).sum() * SAMPLES_PER_UNIT)))
            for stroke in strokes]


def pad_value(digit, rng=None, size=0.6, centre=(0.5, 0.5), side=PAD_SIDE, brush_share=0.05):
    """The pad's value for `digit`, `size` of the pad tall at `centre`; with `rng`, random size, place and wobble."""
    if rng is not None:
        size = rng.uniform(0.3, 0.85)
        centre = rng.uniform(size / 2, 1 - size / 2, 2)
    strokes = []
    for stroke in unit_strokes(digit):
        if rng is not None:
            stroke = stroke + rng.normal(0, 0.008, stroke.shape)  # a hand is not a ruler
        xy = (stroke - 0.5) * size * side + np.asarray(centre) * side
        strokes.append(np.round(xy, 1).tolist())
    return {"width": side, "height": side, "brush": round(brush_share * side, 1), "strokes": strokes}
