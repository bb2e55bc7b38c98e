from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, Field

from postal_tracker.accounts.auth import DESK, SCANNERS
from postal_tracker.deps import CurrentUser, IdempotencyKey, Offset, RowId
from postal_tracker.errors import PROBLEM_JSON
from postal_tracker.scanning.deps import SCANS, Scanning
from postal_tracker.scanning.schemas import (
    BatchAnswer,
    ExceptionResolved,
    HandoverRecorded,
    HandoverRequest,
    ResolveRequest,
    ScanAccepted,
    ScanExceptionPage,
    ScanRefused,
)


class ScanBatch(BaseModel):
    # Items stay raw here: a malformed scan must be recorded and refused on its own,
    # never make the whole batch fail validation.
    scans: Annotated[list[Any], Field(max_length=1000)]


def _refused(description: str) -> ResponseSpec:
    return ResponseSpec(ScanRefused, description=description, media_type=PROBLEM_JSON)


SCAN_RESPONSES = {
    200: ResponseSpec(ScanAccepted, description="A `scan_id` seen before: the first answer, `duplicate: true`"),
    404: _refused("Unknown tracking number (the scan is kept as an exception)"),
    409: _refused("The status forbids this event: `current_status` and `allowed_events` say what is possible"),
    422: _refused("An invalid field, a wrong check digit or a scan time in the future; `errors` name the fields"),
}


class ScanController(Controller):
    path = "/api/v1"
    tags = ["scans"]
    guards = [SCANNERS]
    dependencies = SCANS

    @post("/scans", responses=SCAN_RESPONSES, sync_to_thread=True)
    def scan(self, scanning: Scanning, user: CurrentUser, data: JSONBody[Any]) -> Response[ScanAccepted]:
        """Record one hand-over scan; the same `scan_id` again returns the first result."""
        outcome = scanning.scan(user, data)
        media_type = PROBLEM_JSON if outcome.http_status >= 400 else "application/json"
        # Response[Any]: the return type documents the accepted answer; a refusal is problem
        # details, documented in SCAN_RESPONSES.
        answer: Response[Any] = Response(outcome.body, status_code=outcome.http_status, media_type=media_type)
        return answer

    @post("/scans/batch", status_code=200, sync_to_thread=True)
    def batch(self, scanning: Scanning, user: CurrentUser, data: JSONBody[ScanBatch]) -> BatchAnswer:
        """An offline scanner's queue, applied in order of scan time."""
        return scanning.batch(user, data.scans)

    @get("/scans/exceptions", guards=[DESK], sync_to_thread=True)
    def exceptions(
        self, scanning: Scanning, user: CurrentUser, resolved: FromQuery[bool] = False,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Offset = 0,
    ) -> ScanExceptionPage:  # fmt: skip
        """Refused scans with their reasons, for the desk to resolve."""
        return scanning.exceptions(user, resolved=resolved, limit=limit, offset=offset)

    @post("/scans/exceptions/{exception_id:int}/resolve", status_code=200, guards=[DESK], sync_to_thread=True)
    def resolve(
        self, scanning: Scanning, user: CurrentUser, exception_id: RowId, data: JSONBody[ResolveRequest]
    ) -> ExceptionResolved:
        return scanning.resolve(user, exception_id, data.note)

    @post("/handovers", sync_to_thread=True)
    def handover(
        self, scanning: Scanning, user: CurrentUser, data: JSONBody[HandoverRequest],
        idempotency_key: IdempotencyKey = None,
    ) -> HandoverRecorded:  # fmt: skip
        """Hand many parcels over between postman and desk at once: all of them, or none."""
        return scanning.handover(user, data, idempotency_key)
