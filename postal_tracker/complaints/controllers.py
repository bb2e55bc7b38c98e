from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from postal_tracker.accounts.auth import DESK
from postal_tracker.complaints.deps import COMPLAINTS, Complaints
from postal_tracker.complaints.schemas import (
    ComplaintFiled,
    ComplaintPage,
    ComplaintResolution,
    ComplaintStatus,
    ComplaintView,
    DeskComplaintRequest,
)
from postal_tracker.deps import CurrentUser, IdempotencyKey, Offset, RowId


class ComplaintController(Controller):
    """The desk's complaints (clerk, supervisor), of its own commune only."""

    path = "/api/v1/complaints"
    tags = ["complaints"]
    guards = [DESK]
    dependencies = COMPLAINTS

    @post("/", sync_to_thread=True)
    def file(
        self, complaints: Complaints, user: CurrentUser, data: JSONBody[DeskComplaintRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> ComplaintFiled:  # fmt: skip
        """File a complaint for a citizen at the desk: within 6 months of booking, due in 5 working days."""
        return complaints.file(user, data.tracking_no, data.kind, data.text, idempotency_key)

    @get("/", sync_to_thread=True)
    def list(
        self, complaints: Complaints, user: CurrentUser, status: FromQuery[ComplaintStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Offset = 0,
    ) -> ComplaintPage:  # fmt: skip
        """The commune's complaints, the soonest due first."""
        return complaints.complaints(user, status, limit, offset)

    @get("/{complaint_id:int}", sync_to_thread=True)
    def detail(self, complaints: Complaints, user: CurrentUser, complaint_id: RowId) -> ComplaintView:
        return complaints.detail(user, complaint_id)

    @patch("/{complaint_id:int}", sync_to_thread=True)
    def resolve(
        self, complaints: Complaints, user: CurrentUser, complaint_id: RowId, data: JSONBody[ComplaintResolution]
    ) -> ComplaintView:
        """Resolve a complaint with what was done and any compensation paid (once)."""
        return complaints.resolve(user, complaint_id, data.resolution, data.compensation_vnd)
