"""What the booking handlers receive by injection: `dependencies=BOOKING` on a controller gives
its handlers `booking: Booking`."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency, Provide

from postal_tracker.booking.service import BookingService
from postal_tracker.deps import DB, Rules
from postal_tracker.places.worker import kick_geocoding


def provide_booking_service(db: DB, rules: Rules, state: State) -> BookingService:
    # After a booking has committed, its address may be geocoded, off the request.
    return BookingService(db, rules, on_booked=lambda: kick_geocoding(state))


Booking = NamedDependency[BookingService]
BOOKING = {"booking": Provide(provide_booking_service, sync_to_thread=False)}
