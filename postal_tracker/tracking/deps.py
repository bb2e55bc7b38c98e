"""What the tracking handlers (API and page) receive by injection: `dependencies=TRACKING` on a
controller gives its handlers `tracking: Tracking`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB
from postal_tracker.tracking.service import TrackingService


def provide_tracking_service(db: DB) -> TrackingService:
    return TrackingService(db)


Tracking = NamedDependency[TrackingService]
TRACKING = {"tracking": Provide(provide_tracking_service, sync_to_thread=False)}
