"""Pictures people upload: read with bounded work, in a lane of their own that cannot starve anyone else.

No Gradio here. A picture's header is read first and the picture refused (CanvasError) before any pixel
is decoded when it is too large or too thin to hold a digit (demo/preprocess.py's caps). Reading and
preprocessing a big photo costs up to a second of a core, so pictures go through an UploadLane: at
most RUNNING at once for everyone, a few more waiting (on the event loop, holding no thread), at most
PER_SESSION of one page and PER_ADDRESS of one address in the lane; anything beyond is refused at once
with a sentence, never queued where students' labels, page loads and the teacher's unlock wait.
"""
import asyncio
from collections import Counter
from contextlib import asynccontextmanager

import numpy as np
import PIL.Image
import PIL.ImageOps

from demo.i18n import SentenceError
from demo.preprocess import MAX_CANVAS_PIXELS, CanvasError, check_picture_size

RUNNING = 2  # pictures read at once: the machine's cores
WAITING = 6  # more may wait for their turn, each for at most WAIT_SECONDS
WAIT_SECONDS = 10.0
PER_SESSION = 1  # a page reads one picture at a time
PER_ADDRESS = 4  # behind a proxy the whole class is one address: it still leaves others room


class LaneFull(SentenceError):
    """A picture was refused at once: too many are being read (for everyone, this page or this address)."""


def read_picture(path):
    """A picture file -> uint8 (H, W, 4) RGBA, turned upright as its camera meant (EXIF); CanvasError if it cannot
    be a digit's picture. The size is checked from the header, before a pixel is decoded."""
    try:
        with PIL.Image.open(path) as picture:
            check_picture_size(*picture.size)
            upright = PIL.ImageOps.exif_transpose(picture)
            return np.asarray(upright.convert("RGBA"))
    except CanvasError:
        raise
    except PIL.Image.DecompressionBombError:
        raise CanvasError("canvas.too_large_unknown", megapixels=MAX_CANVAS_PIXELS // 1_000_000) from None
    except (PIL.UnidentifiedImageError, OSError, ValueError, SyntaxError):  # not a picture, or a damaged one
        raise CanvasError("canvas.not_picture") from None


class UploadLane:
    def __init__(self, running=RUNNING, waiting=WAITING, per_session=PER_SESSION, per_address=PER_ADDRESS):
        self.running, self.capacity = running, running + waiting
        self.per_session, self.per_address = per_session, per_address
        self._slots = None  # asyncio.Semaphore, made on the event loop that first uses it
        self._inside = 0
        self._sessions, self._addresses = Counter(), Counter()

    @asynccontextmanager
    async def enter(self, session, address):
        """Hold a place in the lane while the body runs; LaneFull at once when there is none."""
        if self._sessions[session] >= self.per_session:
            raise LaneFull("uploads.one_at_a_time")
        if self._inside >= self.capacity or self._addresses[address] >= self.per_address:
            raise LaneFull("uploads.busy")  # behind a proxy, one address is the whole class: not "you"
        self._slots = self._slots or asyncio.Semaphore(self.running)
        self._inside += 1
        self._sessions[session] += 1
        self._addresses[address] += 1
        try:
            await asyncio.wait_for(self._slots.acquire(), WAIT_SECONDS)
        except asyncio.TimeoutError:
            self._leave(session, address)
            raise LaneFull("uploads.busy") from None
        try:
            yield
        finally:
            self._slots.release()
            self._leave(session, address)

    def _leave(self, session, address):
        self._inside -= 1
        for counter, key in ((self._sessions, session), (self._addresses, address)):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]
