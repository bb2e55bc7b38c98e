from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from postal_tracker.accounts.auth import BOOKERS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.booking.deps import BOOKING, Booking
from postal_tracker.booking.schemas import (
    DossierView,
    PickupBooked,
    PickupRequest,
    ReturnBooked,
    ReturnOnlyBooked,
    ReturnRequest,
)
from postal_tracker.deps import CurrentUser, IdempotencyKey, RowId


class BookingController(Controller):
    path = "/api/v1"
    tags = ["booking"]
    dependencies = BOOKING

    @post("/pickups", guards=[BOOKERS], sync_to_thread=True)
    def book_pickup(
        self, booking: Booking, user: CurrentUser, data: JSONBody[PickupRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> PickupBooked:  # fmt: skip
        """Book the collection of a dossier at the citizen's home (and later its return)."""
        return booking.book_pickup(user, data, idempotency_key)

    @post("/returns", guards=[BOOKERS], sync_to_thread=True)
    def book_return_only(
        self, booking: Booking, user: CurrentUser, data: JSONBody[ReturnRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> ReturnOnlyBooked:  # fmt: skip
        """A return-only dossier, for a citizen who applied at the desk or online."""
        return booking.book_return_only(user, data, idempotency_key)

    @post("/dossiers/{dossier_id:int}/return", guards=[BOOKERS], sync_to_thread=True)
    def book_return(
        self, booking: Booking, user: CurrentUser, dossier_id: RowId, idempotency_key: IdempotencyKey = None
    ) -> ReturnBooked:
        """The result is ready at the desk: book the return leg with a new tracking number."""
        return booking.book_return(user, dossier_id, idempotency_key)

    @get("/dossiers/{dossier_id:int}", guards=[allow(Role.CLERK, Role.INTEGRATION)], sync_to_thread=True)
    def dossier(self, booking: Booking, user: CurrentUser, dossier_id: RowId) -> DossierView:
        """A dossier with both legs."""
        return booking.dossier(user, dossier_id)
