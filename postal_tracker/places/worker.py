"""The geocoding pass in a daemon thread of the web process: woken after each booking made
through the desk's endpoints, and every `poll_s` anyway (bookings from the portal, addresses
left over from before a restart, misses due for a retry).

Several web processes each run one; at worst two ask for the same address at once, and the
cache keeps one answer. A booking never waits for it: `kick()` only sets an event.
"""

from __future__ import annotations

import logging
from typing import Any

from integrations.geocoding import make_geocoder
from postal_tracker.background import BackgroundLoop
from postal_tracker.db import Database
from postal_tracker.places.service import PASS_LIMIT, geocode_pending, geocoder_settings
from postal_tracker.settings import GeocodingSection

log = logging.getLogger("postal_tracker.places")

POLL_S = 30.0


class GeocodingWorker(BackgroundLoop):
    name = "geocoding"

    def __init__(self, db: Database, settings: GeocodingSection, *, poll_s: float = POLL_S) -> None:
        super().__init__(poll_s, stop_timeout_s=settings.timeout * 2 + 2)
        self.db = db
        self.settings = settings
        self.config = geocoder_settings(settings)  # refuses unusable settings at start-up

    @property
    def enabled(self) -> bool:
        return self.config is not None

    def start(self) -> GeocodingWorker:
        # The first round runs at once: addresses booked before a restart.
        if self.config is not None and self._thread is None:
            self._geocoder = make_geocoder(self.config)
            super().start()
        return self

    def work(self) -> bool:
        return geocode_pending(self.db, self.settings, self._geocoder, stop=self._stop) >= PASS_LIMIT


def kick_geocoding(state: Any) -> None:
    """After a booking: wake the app's geocoding worker, if it has one."""
    worker = getattr(state, "geocoding", None)
    if worker is not None:
        worker.kick()
