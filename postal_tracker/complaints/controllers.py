from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.params import FromQuery, JSONBody, QueryParameter

from postal_tracker.accounts.auth import DESK
from postal_tracker.complaints import service
from postal_tracker.complaints.schemas import (
    ComplaintFiled,
    ComplaintPage,
    ComplaintResolution,
    ComplaintStatus,
    ComplaintView,
    DeskComplaintRequest,
)
from postal_tracker.deps import DB, CurrentUser, IdempotencyKey, Offset, RowId
from postal_tracker.idempotency import run_once


class ComplaintController(Controller):
    """The desk's complaints (clerk, supervisor), of its own commune only."""

    path = "/api/v1/complaints"
    tags = ["complaints"]
    guards = [DESK]

    @post("/", sync_to_thread=True)
    def file(
        self, db: DB, user: CurrentUser, data: JSONBody[DeskComplaintRequest], idempotency_key: IdempotencyKey = None
    ) -> ComplaintFiled:
        """File a complaint for a citizen at the desk: within 6 months of booking, due in 5 working days."""
        return run_once(
            db, user.key, idempotency_key, "complaints", data.model_dump(mode="json"),
            lambda conn: service.file_at_desk(conn, user, data.tracking_no, data.kind, data.text),
        )  # fmt: skip

    @get("/", sync_to_thread=True)
    def list(
        self, db: DB, user: CurrentUser, status: FromQuery[ComplaintStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Offset = 0,
    ) -> ComplaintPage:  # fmt: skip
        """The commune's complaints, the soonest due first."""
        return service.list_complaints(db, user, status, limit, offset)

    @get("/{complaint_id:int}", sync_to_thread=True)
    def detail(self, db: DB, user: CurrentUser, complaint_id: RowId) -> ComplaintView:
        return service.get_complaint(db, user, complaint_id)

    @patch("/{complaint_id:int}", sync_to_thread=True)
    def resolve(
        self, db: DB, user: CurrentUser, complaint_id: RowId, data: JSONBody[ComplaintResolution]
    ) -> ComplaintView:
        """Resolve a complaint with what was done and any compensation paid (once)."""
        return service.resolve(db, user, complaint_id, data.resolution, data.compensation_vnd)
