"""What the booking handlers receive by injection: `dependencies=BOOKING` on a controller gives
its handlers `booking: Booking`."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from postal_tracker.booking.service import BookingService
from postal_tracker.deps import DB, AppSettings
from postal_tracker.places.worker import kick_geocoding


def provide_booking_service(db: DB, settings: AppSettings, state: State) -> BookingService:
    return BookingService(
        db, service_indicator=settings.service_indicator, max_attempts=settings.max_delivery_attempts,
        # Committed: the address may now be geocoded, off this request.
        on_booked=lambda: kick_geocoding(state),
    )  # fmt: skip


Booking = NamedDependency[BookingService]
BOOKING = {"booking": Provide(provide_booking_service, sync_to_thread=False)}
