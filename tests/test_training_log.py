import math
import re

from trainer.training_log import finished_epochs, format_epoch_lines, format_speed_line, parse_log

CLASSIC_TRAIN = re.compile(r".*?]\sTrain-accuracy=([\d\.]+)")
CLASSIC_VALIDATION = re.compile(r".*?]\sValidation-accuracy=([\d\.]+)")


def make_log(epochs):
    lines = ["2026-01-01 00:00:00 Start training mlp: {...}"]
    for epoch in range(1, epochs + 1):
        lines.append(format_speed_line(epoch, 100, 1234.5 * epoch, 0.5 + epoch / 100))
        lines += format_epoch_lines(epoch, 0.9 + epoch / 1000, 0.3 / epoch, 0.95 + epoch / 1000, 0.2 / epoch, 10.0 + epoch)
    return "\n".join(lines) + "\n"


def test_writer_and_parser_round_trip():
    records = parse_log(make_log(3))
    assert [record.epoch for record in records] == [1, 2, 3]
    assert math.isclose(records[1].train_accuracy, 0.902)
    assert math.isclose(records[2].train_loss, 0.1)
    assert math.isclose(records[0].validation_accuracy, 0.951)
    assert math.isclose(records[2].validation_loss, 0.2 / 3, rel_tol=1e-5)
    assert math.isclose(records[1].time_cost, 12.0)
    assert records[2].speeds == [(100, 3703.5, 0.53)]


def test_classic_regexes_find_every_epoch():
    text = make_log(4)
    assert [float(value) for value in CLASSIC_TRAIN.findall(text)] == [0.901, 0.902, 0.903, 0.904]
    assert len(CLASSIC_VALIDATION.findall(text)) == 4


def test_an_interrupted_epoch_is_parsed_but_not_finished():
    text = make_log(2) + format_speed_line(3, 100, 999.0, 0.7) + "\n"
    records = parse_log(text)
    assert [record.epoch for record in records] == [1, 2, 3]
    assert [record.epoch for record in finished_epochs(records)] == [1, 2]


def test_free_text_and_garbage_are_ignored():
    assert parse_log("hello\nEpoch[x] Train-accuracy=oops\n\x00\n") == []


def test_classic_regexes_on_the_shipped_logs_find_every_epoch():
    from trainer.checkpoint import DEFAULT_FOLDER, read_metadata

    for name in ("mlp", "lenet"):
        text = (DEFAULT_FOLDER / f"{name}.log").read_text()
        epochs = read_metadata(DEFAULT_FOLDER, name)["training"]["epochs"]
        assert len(CLASSIC_TRAIN.findall(text)) == epochs
        assert len(CLASSIC_VALIDATION.findall(text)) == epochs
        assert len(finished_epochs(parse_log(text))) == epochs
