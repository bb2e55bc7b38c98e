from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from postal_tracker.complaints.schemas import CitizenComplaintRequest, ComplaintFiled
from postal_tracker.deps import IdempotencyKey
from postal_tracker.tracking.deps import TRACKING, Tracking
from postal_tracker.tracking.schemas import FeedbackGiven, FeedbackRequest, PublicTracking


class TrackingController(Controller):
    """Public endpoints: no login, rate limited per client address (see app.py)."""

    path = "/api/v1/track"
    tags = ["public"]
    opt = {"public": True}
    dependencies = TRACKING

    @get("/{tracking_no:str}", sync_to_thread=True)
    def track(
        self, tracking: Tracking, tracking_no: FromPath[str],
        phone_last4: Annotated[str | None, QueryParameter(max_length=8)] = None,
    ) -> PublicTracking:  # fmt: skip
        """A parcel's status and timeline; with the right `phone_last4`, the masked name and hamlet."""
        return tracking.track(tracking_no, phone_last4)

    @post("/{tracking_no:str}/feedback", sync_to_thread=True)
    def feedback(
        self, tracking: Tracking, tracking_no: FromPath[str], data: JSONBody[FeedbackRequest]
    ) -> FeedbackGiven:
        """Rate a delivered result (1 to 5), once per parcel, with the phone's last 4 digits."""
        return tracking.give_feedback(tracking_no, data.phone_last4, data.rating, data.comment)

    @post("/{tracking_no:str}/complaints", sync_to_thread=True)
    def complain(
        self, tracking: Tracking, tracking_no: FromPath[str], data: JSONBody[CitizenComplaintRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> ComplaintFiled:  # fmt: skip
        """File a complaint about this parcel (late, lost, damaged, staff, other) with the phone's
        last 4 digits: within 6 months of booking; the desk answers by `due_on` (5 working days)."""
        return tracking.complain(tracking_no, data.phone_last4, data.kind, data.text, idempotency_key)
