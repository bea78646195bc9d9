"""Real pen-stroke digits drawn at a person's pace on the pad, and what the pad sends while they are drawn.

Digits come from both development sets, mixed (pendigits: 30 writers; UNIPEN: 95 writers at 15 sites),
read from ../shared/data (or $PENDIGITS_DIR / $UNIPEN_DIR); never copied into the repository. Each record
becomes the pad's value with testkit/devsets.py's `replay` (in millimetres, y flipped, normalised by its
bounding box, a random pad size, place and brush).

`pad_timeline` gives the pen a time: each digit's pen-down time is 0.6-1.4 s, shared by its strokes in
proportion to their length, with 0.1-0.3 s pen lifts between strokes; the pen reports points at
`sample_hz` (a browser's pointer events). `pad_sends` then does what demo/pad.js does with them: the growing
drawing at most every 100 ms while the pen moves (a throttle, not a debounce), and once more at every
pen-up.
"""
import json
from dataclasses import dataclass

import numpy as np

from testkit import devsets
from testkit.pad_digits import resample

SEND_EVERY_S = 0.100  # demo/pad.js SEND_EVERY_MS
PEN_DOWN_S = (0.6, 1.4)  # a digit's writing time
PEN_LIFT_S = (0.1, 0.3)  # between two strokes of a digit
SAMPLE_HZ = 60  # pointer events per second reaching the pad


def load_development_digits(folders=None, limit=None):
    """{"pendigits": [...], "unipen-dev": [...]} (unipen-dev's checked `quality` OK labels), each present only
    when its file is; {} when neither is. folders: --data's (None: testkit/devsets.py's defaults)."""
    sets = {}
    for name, folder in devsets.data_sets(folders)[0].items():
        records = devsets.load_records(name, folder)
        sets[name] = [record for record in records if record.get("quality", "OK") == "OK"][:limit]
    return sets


def pick_digits(sets, count, rng):
    """`count` records, each from one of the sets at random (equal chances), then a random record of it."""
    names = sorted(sets)
    picked = []
    for _ in range(count):
        records = sets[names[int(rng.integers(len(names)))]]
        picked.append(records[int(rng.integers(len(records)))])
    return picked


@dataclass
class Send:
    at: float  # seconds after the digit's first pen-down
    text: str  # the pad's value, JSON text as the page sends it
    live: bool  # an in-stroke update (True) or a pen-up (False)
    final: bool = False  # the digit's last pen-up


def pad_timeline(pad_value, rng, sample_hz=SAMPLE_HZ):
    """The pad's strokes with a time per point: [(times (n,), points (n, 2))] per stroke, from 0 s."""
    strokes = [np.asarray(stroke, dtype=np.float64).reshape(-1, 2) for stroke in pad_value["strokes"]]
    lengths = np.array([np.hypot(*np.diff(stroke, axis=0).T).sum() if len(stroke) > 1 else 0.0 for stroke in strokes])
    pen_down = rng.uniform(*PEN_DOWN_S)
    shares = (lengths + 0.05 * lengths.sum() + 1e-9) / (lengths + 0.05 * lengths.sum() + 1e-9).sum()
    timeline, start = [], 0.0
    for index, (stroke, share) in enumerate(zip(strokes, shares)):
        duration = pen_down * share
        count = max(2, int(round(duration * sample_hz)) + 1)
        timeline.append((start + np.linspace(0, duration, count), resample(stroke, count)))
        start += duration + (rng.uniform(*PEN_LIFT_S) if index < len(strokes) - 1 else 0)
    return timeline


def _js_number(number):
    """A number as JavaScript's JSON.stringify writes it: 128, not 128.0."""
    number = round(float(number), 1)
    return int(number) if number.is_integer() else number


def pad_text(pad_value, strokes):
    """The pad's value as demo/pad.js sends it: JSON.stringify of width, height, brush, strokes (0.1 px)."""
    value = {"width": _js_number(pad_value["width"]), "height": _js_number(pad_value["height"]),
             "brush": _js_number(pad_value["brush"]),
             "strokes": [[[_js_number(x), _js_number(y)] for x, y in np.round(stroke, 1).tolist()] for stroke in strokes]}
    return json.dumps(value, separators=(",", ":"))


def pad_sends(pad_value, timeline, every=SEND_EVERY_S):
    """What demo/pad.js sends while the timeline is drawn: [Send], in time order.

    pointerdown and every pointermove call sendSoon (send now if `every` has passed since the last send,
    else once at last + every, with whatever has been drawn by then); pointerup sends at once.
    """
    sends, last_sent, timer = [], -np.inf, None
    finished = []  # strokes done

    def live_snapshot(times, points, until):
        current = points[times <= until + 1e-12]
        drawn = finished + ([current] if len(current) else [])
        return Send(float(until), pad_text(pad_value, drawn), live=True)

    for times, points in timeline:
        for time_ in times:  # pointerdown, then pointermoves
            if timer is not None and timer <= time_:
                sends.append(live_snapshot(times, points, timer))
                last_sent, timer = timer, None
            if time_ - last_sent >= every:
                sends.append(live_snapshot(times, points, time_))
                last_sent, timer = time_, None
            elif timer is None:
                timer = last_sent + every
        timer = None  # pointerup: clearTimeout, send now
        up = float(times[-1])
        finished.append(points)
        sends.append(Send(up, pad_text(pad_value, finished), False))
        last_sent = up
    sends[-1].final = True
    return sends


def digit_sends(record, rng, sample_hz=SAMPLE_HZ):
    """A development-set record -> (label, [Send]) for one digit drawn at a person's pace."""
    pad_value = devsets.replay(record, rng)
    return int(record["label"]), pad_sends(pad_value, pad_timeline(pad_value, rng, sample_hz))


def fallback_digits(count, rng):
    """Without the development sets: the hand-made pad digits of testkit/pad_digits.py, as records."""
    from testkit.pad_digits import pad_value

    records = []
    for _ in range(count):
        digit = int(rng.integers(10))
        value = pad_value(digit, rng)
        # as a record: y up, so that replay's flip gives the pad's orientation back
        records.append({"label": digit, "strokes": [[[x, -y] for x, y in stroke] for stroke in value["strokes"]]})
    return records
