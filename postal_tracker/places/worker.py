"""The geocoding pass in a daemon thread of the web process: woken after each booking made
through the desk's endpoints, and every `poll_s` anyway (bookings from the portal, addresses
left over from before a restart, misses due for a retry).

Several web processes each run one; at worst two ask for the same address at once, and the
cache keeps one answer. A booking never waits for it: `kick()` only sets an event.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from integrations.geocoding import make_geocoder
from postal_tracker.db import Database
from postal_tracker.places.service import PASS_LIMIT, geocode_pending, geocoder_settings
from postal_tracker.settings import Settings

log = logging.getLogger("postal_tracker.places")

POLL_S = 30.0


class GeocodingWorker:
    def __init__(self, db: Database, settings: Settings, *, poll_s: float = POLL_S) -> None:
        self.db = db
        self.settings = settings
        self.config = geocoder_settings(settings)  # refuses unusable settings at start-up
        self.poll_s = poll_s
        self.passes = 0
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def enabled(self) -> bool:
        return self.config is not None

    def start(self) -> GeocodingWorker:
        if self.enabled and self._thread is None:
            self._wake.set()  # a first pass at once: addresses booked before a restart
            self._thread = threading.Thread(target=self._run, name="geocoding", daemon=True)
            self._thread.start()
        return self

    def kick(self) -> None:
        """Ask for a pass soon (called after a booking has committed)."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.settings.geocoder_timeout * 2 + 2 if timeout is None else timeout)

    def _run(self) -> None:
        assert self.config is not None
        geocoder = make_geocoder(self.config)
        while not self._stop.is_set():
            self._wake.wait(self.poll_s)
            self._wake.clear()
            while not self._stop.is_set():
                try:
                    asked = geocode_pending(self.db, self.settings, geocoder, stop=self._stop)
                except Exception as exc:  # the thread must outlive a database hiccup
                    log.error("geocoding pass failed: %s", type(exc).__name__)
                    break
                finally:
                    self.passes += 1
                if asked < PASS_LIMIT:
                    break


def kick_geocoding(state: Any) -> None:
    """After a booking: wake the app's geocoding worker, if it has one."""
    worker = getattr(state, "geocoding", None)
    if worker is not None:
        worker.kick()
