"""The teacher's key: who may change data or models for everyone (export, remove, fine-tune, switch models).

No Gradio here (demo/teacher_tab.py calls it for every page callback and API call). The key comes from
`--teacher-key` or DEMO_TEACHER_KEY (how a Hugging Face Space passes a secret); without one the
teacher's features are off. The key is compared in constant time and never logged, echoed or sent to
the page.

Guessing is bounded for everyone together, never per client (behind a Space's proxy the whole class is
one address, and session ids are the client's to choose): every try waits for its turn at a turnstile
that lets KEY_CHECKS_PER_SECOND tries through, then its key is checked. So a script gets at most that
many guesses a second whatever it sends, and nobody is ever locked out: the right key is checked at its
turn, a few seconds at most behind a guesser's handful of tries in flight. A key of MIN_KEY_LENGTH
characters makes a year of guessing hopeless (2 a second are 63 million a year; 12 random letters and
digits are 3 x 10^21 keys), and shorter keys are refused when the app starts.

An unlocked browser gets a random pass (never the key) that it keeps for UNLOCKED_SECONDS: a reload of
the page finds the room open; Lock ends it.
"""
import hashlib
import hmac
import os
import secrets
import threading
import time
from pathlib import Path

from demo.i18n import Sentence, SentenceError

KEY_CHECKS_PER_SECOND = 2.0
MIN_KEY_LENGTH = 12
UNLOCKED_SECONDS = 12 * 3600  # a school day and then some
PASSES_KEPT = 1_000  # unlocked browsers remembered; beyond this, expired passes are forgotten


class Refused(SentenceError):
    """A teacher's action was refused; the sentence is for the page or the API caller."""


def _digest(key):
    return hashlib.sha256(str(key).encode("utf-8")).digest()  # equal lengths: compare_digest leaks nothing


def key_problem(key):
    """Why `key` cannot guard the teacher's room (a Sentence), or None when it can (or there is none)."""
    if key and len(key) < MIN_KEY_LENGTH:
        return Sentence("teacher.key_too_short", length=MIN_KEY_LENGTH, example=secrets.token_urlsafe(12))
    return None


class TeacherGate:
    def __init__(self, key, clock=time.monotonic):
        if key_problem(key):
            raise ValueError(str(key_problem(key)))
        self.enabled = bool(key)
        self._digest = _digest(key) if key else None
        self.clock = clock
        self._lock = threading.Lock()
        self._next_turn = 0.0  # clock time of the turnstile's next free turn
        self.passes = {}  # browser pass or session -> unlocked until

    # ------------------------------------------------------------------------------ the turnstile

    def turn(self):
        """Reserve the next turn at the turnstile: returns the clock time at which this try may be checked."""
        with self._lock:
            turn = max(self.clock(), self._next_turn)
            self._next_turn = turn + 1.0 / KEY_CHECKS_PER_SECOND
            return turn

    def check_key(self, key):
        """At a try's turn: pass for the right key; raise Refused for a wrong one, or when the room is off."""
        if not self.enabled:
            raise Refused("teacher.off")
        if not (key and hmac.compare_digest(_digest(key), self._digest)):
            raise Refused("teacher.wrong_key")

    # ----------------------------------------------------------------------- unlocked browsers

    def unlock(self, key, session):
        """At a try's turn: check the key, then remember the page session as the teacher's; returns a new pass
        for the browser to keep (it unlocks a later page of the same browser, see `restore`)."""
        self.check_key(key)
        until = self.clock() + UNLOCKED_SECONDS
        browser_pass = secrets.token_urlsafe(24)
        with self._lock:
            self._forget_expired()
            self.passes[session] = self.passes[browser_pass] = until
        return browser_pass

    def restore(self, browser_pass, session):
        """A page of a browser that was unlocked (its pass still valid): unlock this page session too."""
        with self._lock:
            until = self.passes.get(browser_pass, 0) if browser_pass else 0
            if self.enabled and until > self.clock():
                self.passes[session] = until
                return True
        return False

    def lock(self, session, browser_pass=None):
        with self._lock:
            self.passes.pop(session, None)
            self.passes.pop(browser_pass, None)

    def is_unlocked(self, session):
        return self.enabled and self.passes.get(session, 0) > self.clock()

    def require(self, session):
        """Every teacher callback of the page starts here: raise Refused unless this page session is unlocked."""
        if not self.is_unlocked(session):
            raise Refused("teacher.unlock_first")

    def _forget_expired(self):
        if len(self.passes) >= PASSES_KEPT:
            now = self.clock()
            self.passes = {name: until for name, until in self.passes.items() if until > now}


def database_note(path, configured, environ=os.environ):
    """Where the drawings live, for the teacher (a Sentence), with a warning where a restart would empty that place.

    path: the drawings database ("" when labelling is off); configured: chosen by a flag or
    DEMO_DRAWINGS_DB rather than left at the default.
    """
    if not path:
        return Sentence("teacher.db_off")
    path = Path(path).resolve()
    if environ.get("SPACE_ID") and not str(path).startswith("/data/"):  # a Hugging Face Space
        return Sentence("teacher.db_space", path=path)
    if not configured:
        return Sentence("teacher.db_default", path=path)
    return Sentence("teacher.db_here", path=path)
