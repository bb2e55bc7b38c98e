from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from postal_tracker.deps import DB
from postal_tracker.tracking import service


class TrackingController(Controller):
    """Public endpoints: no login, rate limited per client address (see app.py)."""

    path = "/api/v1/track"
    tags = ["public"]
    opt = {"public": True}

    @get("/{tracking_no:str}", sync_to_thread=True)
    def track(
        self, db: DB, tracking_no: FromPath[str],
        phone_last4: Annotated[str | None, QueryParameter(max_length=8)] = None,
    ) -> dict:  # fmt: skip
        """A parcel's status and timeline; with the right `phone_last4`, the masked name and hamlet."""
        with db.read() as conn:
            return service.public_view(conn, tracking_no, phone_last4)
