from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from postal_tracker.complaints import service as complaints
from postal_tracker.complaints.schemas import CitizenComplaintRequest, ComplaintFiled
from postal_tracker.deps import DB, IdempotencyKey
from postal_tracker.idempotency import run_once
from postal_tracker.tracking import service
from postal_tracker.tracking.schemas import FeedbackGiven, FeedbackRequest, PublicTracking


class TrackingController(Controller):
    """Public endpoints: no login, rate limited per client address (see app.py)."""

    path = "/api/v1/track"
    tags = ["public"]
    opt = {"public": True}

    @get("/{tracking_no:str}", sync_to_thread=True)
    def track(
        self, db: DB, tracking_no: FromPath[str],
        phone_last4: Annotated[str | None, QueryParameter(max_length=8)] = None,
    ) -> PublicTracking:  # fmt: skip
        """A parcel's status and timeline; with the right `phone_last4`, the masked name and hamlet."""
        with db.read() as conn:
            return service.public_view(conn, tracking_no, phone_last4)

    @post("/{tracking_no:str}/feedback", sync_to_thread=True)
    def feedback(self, db: DB, tracking_no: FromPath[str], data: JSONBody[FeedbackRequest]) -> FeedbackGiven:
        """Rate a delivered result (1 to 5), once per parcel, with the phone's last 4 digits."""
        return service.give_feedback(db, tracking_no, data.phone_last4, data.rating, data.comment)

    @post("/{tracking_no:str}/complaints", sync_to_thread=True)
    def complain(
        self, db: DB, tracking_no: FromPath[str], data: JSONBody[CitizenComplaintRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> ComplaintFiled:  # fmt: skip
        """File a complaint about this parcel (late, lost, damaged, staff, other) with the phone's
        last 4 digits: within 6 months of booking; the desk answers by `due_on` (5 working days)."""
        return run_once(
            db, f"track:{tracking_no.upper()}"[:64], idempotency_key, "track-complaints",
            {"tracking_no": tracking_no, **data.model_dump(mode="json")},
            lambda conn: complaints.file_by_citizen(conn, tracking_no, data.phone_last4, data.kind, data.text),
        )  # fmt: skip
