from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import JSONBody

from postal_tracker.accounts.auth import BOOKERS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.booking import service
from postal_tracker.booking.schemas import (
    DossierView,
    PickupBooked,
    PickupRequest,
    ReturnBooked,
    ReturnOnlyBooked,
    ReturnRequest,
)
from postal_tracker.deps import DB, CurrentUser, IdempotencyKey, RowId, Rules
from postal_tracker.idempotency import run_once
from postal_tracker.places.worker import kick_geocoding


class BookingController(Controller):
    path = "/api/v1"
    tags = ["booking"]

    @post("/pickups", guards=[BOOKERS], sync_to_thread=True)
    def book_pickup(
        self, request: Request, db: DB, rules: Rules, user: CurrentUser, data: JSONBody[PickupRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> PickupBooked:  # fmt: skip
        """Book the collection of a dossier at the citizen's home (and later its return)."""
        answer = run_once(
            db, user.key, idempotency_key, "pickups", data.model_dump(mode="json"),
            lambda conn: service.book_pickup(
                conn, user, data, rules
            ),
        )  # fmt: skip
        kick_geocoding(request.app.state)  # committed: the address may now be geocoded, off this request
        return answer

    @post("/returns", guards=[BOOKERS], sync_to_thread=True)
    def book_return_only(
        self, request: Request, db: DB, rules: Rules, user: CurrentUser, data: JSONBody[ReturnRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> ReturnOnlyBooked:  # fmt: skip
        """A return-only dossier, for a citizen who applied at the desk or online."""
        answer = run_once(
            db, user.key, idempotency_key, "returns", data.model_dump(mode="json"),
            lambda conn: service.book_return_only(
                conn, user, data, rules
            ),
        )  # fmt: skip
        kick_geocoding(request.app.state)
        return answer

    @post("/dossiers/{dossier_id:int}/return", guards=[BOOKERS], sync_to_thread=True)
    def book_return(
        self, db: DB, rules: Rules, user: CurrentUser, dossier_id: RowId,
        idempotency_key: IdempotencyKey = None,
    ) -> ReturnBooked:  # fmt: skip
        """The result is ready at the desk: book the return leg with a new tracking number."""
        return run_once(
            db, user.key, idempotency_key, f"dossiers/{dossier_id}/return", {},
            lambda conn: service.book_return(
                conn, user, dossier_id, rules
            ),
        )  # fmt: skip

    @get("/dossiers/{dossier_id:int}", guards=[allow(Role.CLERK, Role.INTEGRATION)], sync_to_thread=True)
    def dossier(self, db: DB, rules: Rules, user: CurrentUser, dossier_id: RowId) -> DossierView:
        """A dossier with both legs."""
        return service.dossier_view(db, user, dossier_id, rules)
