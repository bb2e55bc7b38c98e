"""A loop of rounds in a daemon thread (or in the foreground): the outbox delivery and the
geocoding pass both run on it.

A round says whether there may be more to do at once; when not, the loop sleeps `poll_s` or
until `kick()`. A failing round (a database hiccup) is logged by type and the loop goes on.
"""

from __future__ import annotations

import logging
import threading
from typing import Self

log = logging.getLogger("postal_tracker")


class BackgroundLoop:
    name = "background"

    def __init__(self, poll_s: float, stop_timeout_s: float) -> None:
        self.poll_s = poll_s
        self.stop_timeout_s = stop_timeout_s
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def work(self) -> bool:
        """One round; True when there may be more to do straight away."""
        raise NotImplementedError

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = self.work()
            except Exception as exc:  # the loop must outlive a database hiccup
                log.error("%s round failed: %s", self.name, type(exc).__name__)
                busy = False
            if not busy:
                self._wake.wait(self.poll_s)
                self._wake.clear()

    def start(self) -> Self:
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._thread.start()
        return self

    def kick(self) -> None:
        """Ask for a round soon."""
        self._wake.set()

    def request_stop(self) -> None:
        """Ask the loop to end after its current step (also from a signal handler)."""
        self._stop.set()
        self._wake.set()

    def stop(self) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(self.stop_timeout_s)
