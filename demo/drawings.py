"""The drawings people labelled: an SQLite store the app writes, and the commands that read it.

    python demo/drawings.py summary --db drawings/drawings.sqlite
    python demo/drawings.py export  --db drawings/drawings.sqlite --out drawings/export
    python demo/drawings.py delete  --db drawings/drawings.sqlite --id 42

A drawing is stored with its label, the pad's raw strokes, the 28x28 input the models saw, each
model's answer (probabilities and checkpoint id), the time and an anonymous session id. `export`
writes MNIST's own IDX files (trainer/mnist.py), which `trainer/train.py --extra-data` reads;
`export_zip` packs them for the teacher's download.

Guarantees: one connection, used by one thread at a time (a lock), every label in its own
transaction, WAL journal with synchronous=FULL: when `add` returns, the row is on disk and survives
the server being killed (SIGKILL) or the machine losing power. (WAL with NORMAL would survive a
killed process but could lose the last commits on power loss; FULL costs one fsync per label, a few
milliseconds, which people clicking a digit never notice.) Nothing here raises anything but
DrawingError (a human message) for bad input, abuse or an unusable database. Removing drawings is
offered to whoever runs the server (the CLI) and to the teacher (behind the key, demo/teacher_tab.py).
"""
import argparse
import json
import sqlite3
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as `python demo/drawings.py`: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.i18n import Sentence, SentenceError  # noqa: E402
from demo.preprocess import CanvasError, PadDrawing, parse_pad_value  # noqa: E402
from trainer import extra_data, mnist  # noqa: E402

DEFAULT_DB = Path(__file__).resolve().parent.parent / "drawings" / "drawings.sqlite"
DEFAULT_MAX_DRAWINGS = 100_000
# The disk the database may take, WAL included (a drawing stores ~2-6 KB: 100,000 of them fit); a small
# Space's persistent storage is 20 GB. Past it, students are thanked and told the collection is full.
DEFAULT_MAX_MB = 500
WAL_PAGES = 256  # checkpoint the write-ahead log every 256 pages (1 MB) and cut it back to that size
MAX_SESSION_CHARS = 64
MAX_MODELS = 8
SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS drawings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,  -- AUTOINCREMENT: a deleted drawing's id is never reused
    created REAL NOT NULL,                 -- Unix time, seconds
    session TEXT NOT NULL,                 -- anonymous per-browser-session id
    label INTEGER NOT NULL CHECK (label BETWEEN 0 AND 9),
    image BLOB NOT NULL CHECK (length(image) = 784),  -- the 28x28 model input, uint8, white on black
    strokes TEXT NOT NULL                  -- the pad's value, JSON, as received
);
CREATE INDEX IF NOT EXISTS drawings_by_session ON drawings (session);
CREATE TABLE IF NOT EXISTS answers (
    drawing INTEGER NOT NULL REFERENCES drawings (id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    checkpoint TEXT NOT NULL,              -- trainer.checkpoint.checkpoint_id of the weights that answered
    prediction INTEGER NOT NULL CHECK (prediction BETWEEN 0 AND 9),
    probabilities TEXT NOT NULL,           -- JSON list of 10 floats
    PRIMARY KEY (drawing, model)
);
"""


class DrawingError(SentenceError):
    """A drawing was not stored (or the drawings cannot be read); its sentence is for the person or the operator."""


class Refused(DrawingError):
    """The request itself is wrong or too much: a bad label or drawing, too fast, or the store is full."""


class StoreUnavailable(DrawingError):
    """The database cannot be opened or written; drawing and predicting are unaffected."""


@dataclass(frozen=True)
class Saved:
    """What a person is told after labelling: the new row's id and running counts."""

    id: int
    session_count: int  # drawings this browser session has labelled
    total: int  # drawings in the store


@dataclass(frozen=True)
class Drawing:
    id: int
    created: float
    label: int
    image: np.ndarray = field(repr=False)  # uint8 (28, 28), white digit on black
    predictions: dict = field(default_factory=dict)  # {model: predicted digit}


class TokenBucket:
    """Allow bursts up to `capacity`, refilled at `per_second`: steady human rates pass, scripts run dry."""

    def __init__(self, capacity, per_second, now):
        self.capacity, self.per_second = capacity, per_second
        self.tokens, self.updated = float(capacity), now

    def take(self, now):
        """Spend one token if there is one; return whether there was."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def full_at(self):
        return self.updated + (self.capacity - self.tokens) / self.per_second


@dataclass(frozen=True)
class RateLimit:
    """Per browser session: a burst of 3 refilled at 2 a second (a person labelling one digit a second
    never waits; a script clicking 10 a second gets 3, then 2 a second), and 1,200 an hour in the long run
    (bucket of 1,200: a person at one a second can go on for half an hour without a pause).
    For the whole server: 60 a second, bursts of 120, so rotating session ids gains little
    (30 people labelling at once need about 30 a second at most)."""

    burst: int = 3
    burst_per_second: float = 2.0
    hourly: int = 1200
    server_burst: int = 120
    server_per_second: float = 60.0


class RateLimiter:
    """Token buckets per session and for the server, with an injectable clock (time.monotonic)."""

    IDLE_SESSIONS_KEPT = 1_000  # beyond this, the sessions whose buckets are full again are forgotten (no limit lost)

    def __init__(self, limit=RateLimit(), clock=time.monotonic):
        self.limit, self.clock = limit, clock
        self.sessions = {}  # session -> (burst bucket, hourly bucket)
        self.server = TokenBucket(limit.server_burst, limit.server_per_second, clock())

    def check(self, session):
        """Spend one label's worth of every bucket concerned, or raise Refused("slow down: ...")."""
        now = self.clock()
        if session not in self.sessions:
            self._forget_idle(now)
            self.sessions[session] = (TokenBucket(self.limit.burst, self.limit.burst_per_second, now),
                                      TokenBucket(self.limit.hourly, self.limit.hourly / 3600, now))
        burst, hourly = self.sessions[session]
        if not hourly.take(now):
            raise Refused("drawings.slow_hour", count=self.limit.hourly)
        if not burst.take(now):
            hourly.tokens += 1  # a refused label costs nothing
            raise Refused("drawings.slow_burst", count=self.limit.burst)
        if not self.server.take(now):
            burst.tokens, hourly.tokens = burst.tokens + 1, hourly.tokens + 1
            raise Refused("drawings.slow_server")

    def _forget_idle(self, now):
        if len(self.sessions) >= self.IDLE_SESSIONS_KEPT:
            self.sessions = {key: buckets for key, buckets in self.sessions.items()
                             if max(bucket.full_at() for bucket in buckets) > now}


def _label(value):
    """An int 0-9 (numpy ints too); bools, floats and strings such as "7" or "7x" are refused."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or not 0 <= value <= 9:
        raise Refused("drawings.bad_label", value=f"{value!r:.20}")
    return int(value)


def _pad_text(drawing):
    """A PadDrawing, or the pad's value as JSON text or a dict (read by the same parser, with the same caps)
    -> the text stored: the known fields alone, re-serialised (PadDrawing.to_json)."""
    if isinstance(drawing, (str, dict)):
        try:
            drawing = parse_pad_value(drawing)
        except CanvasError as error:
            raise Refused("drawings.unreadable", reason=error.sentence) from None
    if drawing is None or not isinstance(drawing, PadDrawing):
        raise Refused("drawings.not_pad_text")
    if not drawing.strokes:
        raise Refused("drawings.no_strokes")
    return drawing.to_json()


def _image_bytes(image):
    """float (28, 28) or (1, 1, 28, 28) in [0, 1] -> 784 uint8 bytes (round(255 x)); a blank image is refused."""
    try:
        array = np.asarray(image, dtype=np.float64).reshape(mnist.IMAGE_SIZE, mnist.IMAGE_SIZE)
    except (TypeError, ValueError):
        raise Refused("drawings.image_shape") from None
    if not np.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise Refused("drawings.image_range")
    pixels = np.round(array * 255).astype(np.uint8)
    if not pixels.any():
        raise Refused("drawings.blank")
    return pixels.tobytes()


def _answers(answers, checkpoints):
    """{model: probabilities (10,)} and {model: checkpoint id} -> [(model, checkpoint, prediction, probabilities JSON)]."""
    if not isinstance(answers, dict) or not 1 <= len(answers) <= MAX_MODELS:
        raise Refused("drawings.no_answers")
    rows = []
    for model, probabilities in answers.items():
        values = np.asarray(probabilities, dtype=np.float64).ravel()
        if not isinstance(model, str) or not model or len(model) > 32 or values.shape != (10,) or not np.isfinite(values).all():
            raise Refused("drawings.bad_answer", model=f"{model!r:.40}")
        checkpoint = str((checkpoints or {}).get(model, ""))[:80]
        rows.append((model, checkpoint, int(values.argmax()), json.dumps([round(float(v), 6) for v in values])))
    return rows


@contextmanager
def _transaction(connection):
    """BEGIN IMMEDIATE ... COMMIT, ROLLBACK on any error. IMMEDIATE takes the write lock first, so the
    size check and the insert of one label see the same table even with another process writing."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


def _describe(error):
    return str(error).splitlines()[0] if str(error) else type(error).__name__


class DrawingStore:
    """The labelled drawings of one SQLite file. Thread-safe: one connection, one writer at a time.

    DrawingStore("") is switched off; so is a store whose file cannot be opened or written (for
    example a read-only folder or a file that is not a database). Then `problem` says why (a Sentence
    for the page), and `add` raises StoreUnavailable with it; nothing else is affected.
    The database and its write-ahead log together stay within `max_mb`: past it, `add` refuses (Refused
    "the collection is full") and nothing already stored is touched.
    """

    def __init__(self, path=DEFAULT_DB, max_drawings=DEFAULT_MAX_DRAWINGS, rate_limit=RateLimit(),
                 clock=time.monotonic, create=True, max_mb=DEFAULT_MAX_MB):
        self.path = Path(path) if str(path) else None
        self.max_drawings = max_drawings
        self.max_bytes = int(max_mb * 1_000_000)
        self.limiter = RateLimiter(rate_limit, clock)
        self._lock = threading.Lock()
        self._connection = None
        self.problem = None
        if self.path is None:
            self.problem = Sentence("drawings.off")
            return
        try:
            self._connection = self._open(create)
        except (sqlite3.Error, OSError) as error:
            self.problem = Sentence("drawings.unusable", path=self.path, reason=_describe(error))

    @property
    def enabled(self):
        return self._connection is not None

    def _open(self, create):
        if not create and not self.path.is_file():
            raise OSError("no such file (it is made when the app stores its first label)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit transactions; every write below says BEGIN IMMEDIATE ... COMMIT.
        connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=FULL")
            connection.execute("PRAGMA foreign_keys=ON")
            # The log is folded into the database every WAL_PAGES pages and cut back to that size, so the
            # disk the store takes is the database's pages plus about a megabyte.
            connection.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
            connection.execute(f"PRAGMA journal_size_limit={WAL_PAGES * 4096}")
            # A write transaction at once: a read-only file or folder fails here, before anyone labels.
            connection.executescript(f"BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")
        except BaseException:
            connection.close()
            raise
        return connection

    def _bytes_used(self):
        """The database's pages in use (free pages are reused first) plus its write-ahead log, in bytes."""
        page_size, pages, free = (self._connection.execute(f"PRAGMA {name}").fetchone()[0]
                                  for name in ("page_size", "page_count", "freelist_count"))
        wal = self.path.with_name(self.path.name + "-wal")
        return (pages - free) * page_size + (wal.stat().st_size if wal.exists() else 0)

    def usage(self):
        """(bytes used, bytes allowed): the teacher's room shows it."""
        if not self.enabled:
            raise StoreUnavailable(self.problem)
        with self._lock:
            return self._bytes_used(), self.max_bytes

    def add(self, label, drawing, image, answers, checkpoints, session_id, now=None):
        """Store one labelled drawing; return Saved, or raise Refused / StoreUnavailable (a sentence to show).

        label: int 0-9. drawing: demo.preprocess.PadDrawing, or the pad's value as JSON text or a dict: only its
        known fields are stored (PadDrawing.to_json). image: the model input, float (28, 28) or (1, 1, 28, 28) in
        [0, 1]. answers: {model: probabilities (10,)}. checkpoints: {model: trainer.checkpoint.checkpoint_id}.
        session_id: any string (cut to 64 chars). When it returns, the row is committed to disk.
        """
        label, pad_json = _label(label), _pad_text(drawing)
        image_bytes, answer_rows = _image_bytes(image), _answers(answers, checkpoints)
        session = str(session_id or "anonymous")[:MAX_SESSION_CHARS]
        if not self.enabled:
            raise StoreUnavailable(self.problem)
        # What the row adds to the disk: its pages in the database and their copy in the log, and a page of slack.
        incoming = 2 * (len(pad_json) + len(image_bytes) + sum(len(row[3]) + 100 for row in answer_rows)) + 8192
        with self._lock:
            self.limiter.check(session)
            try:
                if self._bytes_used() + incoming > self.max_bytes:
                    raise Refused("drawings.disk_full")
                with _transaction(self._connection):
                    total = self._connection.execute("SELECT COUNT(*) FROM drawings").fetchone()[0]
                    if total >= self.max_drawings:
                        raise Refused("drawings.full", count=self.max_drawings)
                    drawing = self._connection.execute(
                        "INSERT INTO drawings (created, session, label, image, strokes) VALUES (?, ?, ?, ?, ?)",
                        (time.time() if now is None else now, session, label, image_bytes, pad_json)).lastrowid
                    self._connection.executemany(
                        "INSERT INTO answers (drawing, model, checkpoint, prediction, probabilities) VALUES (?, ?, ?, ?, ?)",
                        [(drawing, *row) for row in answer_rows])
                    mine = self._connection.execute("SELECT COUNT(*) FROM drawings WHERE session = ?", (session,)).fetchone()[0]
            except (sqlite3.Error, OSError) as error:
                raise StoreUnavailable("drawings.write_failed", path=self.path, reason=_describe(error)) from error
        return Saved(drawing, mine, total + 1)

    def _read(self, sql, parameters=()):
        if not self.enabled:
            raise StoreUnavailable(self.problem)
        with self._lock:
            try:
                return self._connection.execute(sql, parameters).fetchall()
            except sqlite3.Error as error:
                raise StoreUnavailable("drawings.read_failed", path=self.path, reason=_describe(error)) from error

    def count(self):
        return self._read("SELECT COUNT(*) FROM drawings")[0][0]

    def counts_per_digit(self):
        """[drawings labelled 0, ..., drawings labelled 9]."""
        counts = [0] * mnist.NUM_CLASSES
        for label, count in self._read("SELECT label, COUNT(*) FROM drawings GROUP BY label"):
            counts[label] = count
        return counts

    def confusion_matrices(self):
        """{model: int64 (10, 10) counts, matrix[label][prediction]} over every drawing that model answered."""
        matrices = {}
        for model, label, prediction, count in self._read(
                "SELECT model, label, prediction, COUNT(*) FROM answers JOIN drawings ON drawings.id = answers.drawing "
                "GROUP BY model, label, prediction ORDER BY model"):
            matrices.setdefault(model, np.zeros((mnist.NUM_CLASSES,) * 2, dtype=np.int64))[label, prediction] = count
        return matrices

    def latest(self, limit=20, label=None):
        """The newest drawings (labelled `label`, if given), newest first."""
        return self._drawings("", (), limit) if label is None else self._drawings("WHERE label = ?", (int(label),), limit)

    def misread(self, model, limit=20):
        """The newest drawings `model` read as another digit than their label, newest first."""
        return self._drawings("WHERE id IN (SELECT drawing FROM answers JOIN drawings ON drawings.id = answers.drawing "
                              "WHERE model = ? AND prediction != label)", (model,), limit)

    def _drawings(self, where, parameters, limit):
        rows = self._read(f"SELECT id, created, label, image FROM drawings {where} ORDER BY id DESC LIMIT ?",
                          (*parameters, int(limit)))
        if not rows:
            return []
        ids = [row[0] for row in rows]
        predictions = {}
        for drawing, model, prediction in self._read(
                f"SELECT drawing, model, prediction FROM answers WHERE drawing IN ({','.join('?' * len(ids))})", ids):
            predictions.setdefault(drawing, {})[model] = prediction
        return [Drawing(id, created, label, np.frombuffer(image, dtype=np.uint8).reshape(28, 28), predictions.get(id, {}))
                for id, created, label, image in rows]

    def export_rows(self):
        """[(id, created, label, image uint8 (28, 28), pad JSON text)], oldest first."""
        return [(id, created, label, np.frombuffer(image, dtype=np.uint8).reshape(28, 28), strokes)
                for id, created, label, image, strokes in
                self._read("SELECT id, created, label, image, strokes FROM drawings ORDER BY id")]

    def delete(self, drawing_id):
        """Remove one drawing and its answers; return whether it existed."""
        try:
            return self.delete_many([drawing_id]) == 1
        except Refused:  # no such id
            return False

    def delete_many(self, drawing_ids=None):
        """Remove the given drawings (all of them for None) and their answers, in one transaction.

        All or nothing: if an id names no drawing, nothing is removed and Refused names it. Returns how
        many were removed. For the teacher (demo/teacher_tab.py) and the operator's CLI only.
        """
        if not self.enabled:
            raise StoreUnavailable(self.problem)
        ids = None if drawing_ids is None else sorted({int(drawing_id) for drawing_id in drawing_ids})
        with self._lock:
            try:
                with _transaction(self._connection):
                    if ids is None:
                        return self._connection.execute("DELETE FROM drawings").rowcount
                    found = {row[0] for row in self._connection.execute(
                        f"SELECT id FROM drawings WHERE id IN ({','.join('?' * len(ids))})", ids)}
                    missing = [drawing_id for drawing_id in ids if drawing_id not in found]
                    if missing:
                        raise Refused("drawings.no_such_ids", ids=", ".join(map(str, missing[:10]))
                                      + (" ..." if len(missing) > 10 else ""))
                    return self._connection.executemany("DELETE FROM drawings WHERE id = ?",
                                                        [(drawing_id,) for drawing_id in ids]).rowcount
            except sqlite3.Error as error:
                raise StoreUnavailable("drawings.delete_failed", path=self.path, reason=_describe(error)) from error

    def close(self):
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


# ------------------------------------------------------------------------------------------ commands


def accuracy(matrix):
    """Share of the diagonal in a confusion matrix, or None without drawings."""
    return float(np.trace(matrix) / matrix.sum()) if matrix.sum() else None


@dataclass(frozen=True)
class Exported:
    count: int  # drawings written
    skipped: list  # ids of rows that could not be read (an old database stored whatever arrived), left out


def skipped_note(skipped, language):
    """The drawings an export left out (`Exported.skipped`), named for the teacher in `language`; "" for none."""
    return language.t("teacher.export_skipped", ids=", ".join(f"#{drawing}" for drawing in skipped)) if skipped else ""


def _readable(rows):
    """Export rows -> (rows whose drawing reads under today's rules, its strokes re-serialised; ids of the others)."""
    kept, skipped = [], []
    for drawing, created, label, image, pad_json in rows:
        try:
            kept.append((drawing, created, label, image, json.loads(parse_pad_value(pad_json).to_json())))
        except (CanvasError, AttributeError):  # AttributeError: an empty value parses to None
            skipped.append(drawing)
    return kept, skipped


def export(store, out_dir):
    """Write MNIST-format train-images/labels-idx*-ubyte.gz and strokes.jsonl (line i = image i) -> Exported.

    A row whose strokes cannot be read is left out and named in Exported.skipped; the others are written.
    """
    rows, skipped = _readable(store.export_rows())
    if not rows:
        raise DrawingError("drawings.nothing_to_export", path=store.path)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    images_path, labels_path = (out_dir / name for name in extra_data.FILES)
    mnist.write_idx(images_path, np.stack([image for _, _, _, image, _ in rows]))
    mnist.write_idx(labels_path, np.array([label for _, _, label, _, _ in rows], dtype=np.uint8))
    with open(out_dir / "strokes.jsonl", "w", encoding="utf-8") as lines:
        for drawing, created, label, _, pad in rows:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(created))
            lines.write(json.dumps({"id": drawing, "label": label, "created": stamp, "pad": pad}) + "\n")
    return Exported(len(rows), skipped)


EXPORT_README = """The drawings people labelled in the digit demo, in MNIST's own format.

train-images-idx3-ubyte.gz  {count} images, 28x28 uint8, white digit on black, fitted and centred the way
                            MNIST's were: exactly the inputs the models saw (read with any MNIST reader).
train-labels-idx1-ubyte.gz  their {count} labels, 0-9, as the people who drew them said.
strokes.jsonl               line i: image i's id, label, time (UTC) and the pad's raw strokes
                            ({{"width", "height", "brush", "strokes": [[[x, y], ...], ...]}}, pad pixels, y down).
{skipped}
Fine-tune on them:  python trainer/train.py --extra-data THIS_FOLDER --init-from checkpoints --epochs 3 --lr 2e-4
Exported {stamp}.
"""


def export_zip(store, path):
    """One zip of what `export` writes, plus a README.txt, all inside one folder named like the zip -> Exported."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="drawings-export-") as folder:
        exported = export(store, folder)
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        skipped = (f"\nLeft out, their strokes unreadable: drawings {', '.join(map(str, exported.skipped))}.\n"
                   if exported.skipped else "")
        Path(folder, "README.txt").write_text(EXPORT_README.format(count=exported.count, stamp=stamp, skipped=skipped),
                                              encoding="utf-8")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in (*extra_data.FILES, "strokes.jsonl", "README.txt"):
                archive.write(Path(folder, name), f"{path.stem}/{name}")
    return exported


def summary_lines(store):
    counts = store.counts_per_digit()
    lines = [f"{sum(counts)} drawings in {store.path}",
             "per digit: " + ", ".join(f"{digit}: {count}" for digit, count in enumerate(counts))]
    for model, matrix in store.confusion_matrices().items():
        lines.append(f"{model}: {100 * accuracy(matrix):.1f} % right ({np.trace(matrix)} of {matrix.sum()})")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description="Summarise, export or delete the labelled drawings.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("summary", "drawings per digit and each model's accuracy on them"),
                       ("export", "MNIST IDX files + strokes.jsonl, for trainer/train.py --extra-data"),
                       ("delete", "remove one drawing (for whoever runs the server)")):
        command = commands.add_parser(name, help=text, description=text)
        command.add_argument("--db", default=str(DEFAULT_DB), help="the app's --drawings-db (default: %(default)s)")
        if name == "export":
            command.add_argument("--out", required=True, help="folder to write (created if needed)")
        if name == "delete":
            command.add_argument("--id", type=int, required=True, help="the drawing's id (see the app's Our drawings tab)")
    args = parser.parse_args(argv)
    store = DrawingStore(args.db, create=False)
    try:
        if not store.enabled:
            raise StoreUnavailable(store.problem)
        if args.command == "summary":
            print("\n".join(summary_lines(store)))
        elif args.command == "export":
            exported = export(store, args.out)
            if exported.skipped:
                print(f"left out (strokes unreadable): drawings {', '.join(map(str, exported.skipped))}")
            print(f"exported {exported.count} drawings to {args.out}; fine-tune with "
                  f"python trainer/train.py --extra-data {args.out} --init-from checkpoints --epochs 3 --lr 2e-4")
        elif not store.delete(args.id):
            raise DrawingError("drawings.no_such_ids", ids=str(args.id))
        else:
            print(f"deleted drawing {args.id}")
    except (DrawingError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
