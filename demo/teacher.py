"""The teacher's key: who may change data or models for everyone (export, remove, fine-tune, switch models).

No Gradio here (demo/teacher_tab.py calls it for every page callback and API call). The key comes from
`--teacher-key` or DEMO_TEACHER_KEY (how a Hugging Face Space passes a secret); without one the
teacher's features are off. The key is compared in constant time and never logged, echoed or sent to
the page. A browser session that gave it stays unlocked, on the server, for UNLOCKED_SECONDS.

Wrong keys are slowed down per client address: the first FREE_TRIES are answered at once; after that
each further try must wait twice as long as the last (2 s, 4 s, 8 s, ... up to MAX_WAIT_SECONDS) and
is refused unchecked, with the wait, if it comes sooner. A person who mistyped loses nothing; a script
trying keys gets about 20 tries in the first hour.
"""
import hashlib
import hmac
import os
import time
from pathlib import Path

FREE_TRIES = 3
MAX_WAIT_SECONDS = 300.0
UNLOCKED_SECONDS = 12 * 3600  # a school day and then some
CLIENTS_KEPT = 10_000  # beyond this, clients whose last wrong key is older than an hour are forgotten


class Refused(Exception):
    """A teacher's action was refused; str(error) is a sentence for the page or the API caller."""


def _digest(key):
    return hashlib.sha256(str(key).encode("utf-8")).digest()  # equal lengths: compare_digest leaks nothing


class TeacherGate:
    def __init__(self, key, clock=time.monotonic):
        self.enabled = bool(key)
        self._digest = _digest(key) if key else None
        self.clock = clock
        self.failures = {}  # client -> (wrong keys so far, earliest time the next try is checked)
        self.sessions = {}  # browser session -> unlocked until

    def check_key(self, key, client):
        """Pass for the right key; raise Refused for no key, a wrong one, or a try that comes too soon."""
        if not self.enabled:
            raise Refused("The teacher's room is off: start the app with --teacher-key KEY "
                          "(or set DEMO_TEACHER_KEY; on a Hugging Face Space, as a secret).")
        now = self.clock()
        wrong, next_try = self.failures.get(client, (0, now))
        if now < next_try:
            raise Refused(f"Too many wrong keys: try again in {next_try - now:.0f} s.")
        if key and hmac.compare_digest(_digest(key), self._digest):
            self.failures.pop(client, None)
            return
        wrong += 1
        wait = 0.0 if wrong <= FREE_TRIES else min(MAX_WAIT_SECONDS, 2.0 ** (wrong - FREE_TRIES))
        self._forget_old_clients(now)
        self.failures[client] = (wrong, now + wait)
        raise Refused("That is not the teacher's key." + (f" Wait {wait:.0f} s before the next try." if wait else ""))

    def _forget_old_clients(self, now):
        if len(self.failures) >= CLIENTS_KEPT:
            self.failures = {client: entry for client, entry in self.failures.items() if entry[1] > now - 3600}

    def unlock(self, key, session, client):
        """The Teacher tab's Unlock: check the key, then remember this browser session as the teacher's."""
        self.check_key(key, client)
        self.sessions[session] = self.clock() + UNLOCKED_SECONDS

    def lock(self, session):
        self.sessions.pop(session, None)

    def is_unlocked(self, session):
        return self.enabled and self.sessions.get(session, 0) > self.clock()

    def require(self, session):
        """Every teacher callback of the page starts here: raise Refused unless this session is unlocked."""
        if not self.is_unlocked(session):
            raise Refused("Unlock the teacher's room with the teacher's key first.")


def database_note(path, configured, environ=os.environ):
    """Where the drawings live, for the teacher, with a warning where a restart would empty that place.

    path: the drawings database ("" when labelling is off); configured: chosen by a flag or
    DEMO_DRAWINGS_DB rather than left at the default.
    """
    if not path:
        return 'Labelling is switched off (--drawings-db "").'
    path = Path(path).resolve()
    if environ.get("SPACE_ID") and not str(path).startswith("/data/"):  # a Hugging Face Space
        return (f"⚠️ They live in `{path}`, on the Space's own disk, which every restart empties: set the "
                "Space variable `DEMO_DRAWINGS_DB=/data/drawings.sqlite` (its persistent storage).")
    if not configured:
        return (f"They live in `{path}`, the default place: on a hosted server, set `DEMO_DRAWINGS_DB` (or "
                "`--drawings-db`) to a disk that restarts and new copies of the app do not empty.")
    return f"They live in `{path}`."
