"""The training log format: written by the trainer, parsed by the demo's curves tab.

Lines follow what MXNet's own `Module.fit` and `Speedometer` print, so classic parsers such as
`re.findall(r'.*?]\\sTrain-accuracy=([\\d\\.]+)', text)` keep working:

    2026-11-21 10:00:00 Epoch[1] Batch [100] Speed: 3187.52 samples/sec accuracy=0.912109
    2026-11-21 10:00:17 Epoch[1] Train-accuracy=0.934512
    2026-11-21 10:00:17 Epoch[1] Train-loss=0.215870
    2026-11-21 10:00:17 Epoch[1] Validation-accuracy=0.975200
    2026-11-21 10:00:17 Epoch[1] Validation-loss=0.081234
    2026-11-21 10:00:17 Epoch[1] Time cost=17.342
    2026-11-21 10:00:17 Epoch[1] Drawings-accuracy=0.912500

Epochs count from 1. The last line appears with `--extra-data` only: the accuracy on the held-out
drawings people labelled. Any other line (a header, a note) is free text that parsers skip.
"""
import re
import time
from dataclasses import dataclass, field

EPOCH_METRICS = ("Train-accuracy", "Train-loss", "Validation-accuracy", "Validation-loss", "Time cost")
DRAWINGS_METRIC = "Drawings-accuracy"
_METRICS = (*EPOCH_METRICS, DRAWINGS_METRIC)  # every metric a line may carry
_METRIC_LINE = re.compile(r"Epoch\[(\d+)\]\s(" + "|".join(_METRICS) + r")=([-+\d.eE]+|nan|inf)")
_SPEED_LINE = re.compile(r"Epoch\[(\d+)\]\sBatch\s\[(\d+)\]\sSpeed:\s([\d.]+)\ssamples/sec\saccuracy=([\d.]+)")


def _stamp(now=None):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))


def format_speed_line(epoch, batch, samples_per_sec, accuracy, now=None):
    return f"{_stamp(now)} Epoch[{epoch}] Batch [{batch}] Speed: {samples_per_sec:.2f} samples/sec accuracy={accuracy:.6f}"


def format_epoch_lines(epoch, train_accuracy, train_loss, validation_accuracy, validation_loss, time_cost, now=None):
    stamp = _stamp(now)
    values = (train_accuracy, train_loss, validation_accuracy, validation_loss)
    lines = [f"{stamp} Epoch[{epoch}] {name}={value:.6f}" for name, value in zip(EPOCH_METRICS, values)]
    lines.append(f"{stamp} Epoch[{epoch}] Time cost={time_cost:.3f}")
    return lines


def format_drawings_accuracy_line(epoch, accuracy, now=None):
    return f"{_stamp(now)} Epoch[{epoch}] {DRAWINGS_METRIC}={accuracy:.6f}"


@dataclass
class EpochRecord:
    epoch: int
    train_accuracy: float = float("nan")
    train_loss: float = float("nan")
    validation_accuracy: float = float("nan")
    validation_loss: float = float("nan")
    time_cost: float = float("nan")
    drawings_accuracy: float = float("nan")  # --extra-data runs only
    speeds: list = field(default_factory=list)  # [(batch, samples_per_sec, running_accuracy), ...]


_FIELD_OF_METRIC = dict(zip(_METRICS, ("train_accuracy", "train_loss", "validation_accuracy", "validation_loss",
                                       "time_cost", "drawings_accuracy")))


def parse_log(text):
    """Log text -> list of EpochRecord, one per epoch that has at least one metric line, in epoch order.

    Only epochs with a `Time cost` line are finished; a partial last epoch (an interrupted run)
    is still returned with NaN for what it lacks.
    """
    records = {}
    for line in text.splitlines():
        speed = _SPEED_LINE.search(line)
        if speed:
            epoch, batch, rate, accuracy = speed.groups()
            record = records.setdefault(int(epoch), EpochRecord(int(epoch)))
            record.speeds.append((int(batch), float(rate), float(accuracy)))
            continue
        metric = _METRIC_LINE.search(line)
        if metric:
            epoch, name, value = metric.groups()
            record = records.setdefault(int(epoch), EpochRecord(int(epoch)))
            setattr(record, _FIELD_OF_METRIC[name], float(value))
    return [records[epoch] for epoch in sorted(records)]


def finished_epochs(records):
    """The records of epochs that ran to their end (they carry a time cost)."""
    return [record for record in records if record.time_cost == record.time_cost]  # NaN != NaN
