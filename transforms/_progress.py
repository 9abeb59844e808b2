"""Progress lines for long local runs: a worker says how far it got, at most every few seconds."""

from __future__ import annotations

import logging
import os
import time

logger = logging.getLogger(__name__)


class Progress:
    """Counts items and logs `<what>: N done (R/s)` when `every` seconds have passed since the last line.

    One per DoFn instance (created in `setup`), so each worker reports its own share; cheap enough to
    call per element (one clock read).
    """

    def __init__(self, what: str, every: float = 10.0) -> None:
        self.what = what
        self.every = every
        self.count = 0
        self.started = self.last = time.monotonic()

    def tick(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = self.count / (now - self.started)
            logger.info("%s: %d done (%.1f/s, worker pid %d)", self.what, self.count, rate, os.getpid())
