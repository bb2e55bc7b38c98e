"""A scan as a handheld scanner sends it (contract: API.md, Scans)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field

from postal_tracker.booking.schemas import Text
from postal_tracker.lifecycle import Event, Reason

ScanEvent = Literal[tuple(e.value for e in Event if e is not Event.BOOKED)]  # type: ignore[valid-type]


class Location(BaseModel):
    kind: Literal["hamlet", "post_office", "desk"]
    code: Text(32) | None = None


class ScanRequest(BaseModel):
    scan_id: UUID
    tracking_no: Annotated[str, Field(min_length=1, max_length=40)]
    event: ScanEvent
    at: AwareDatetime
    location: Location | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    reason: Reason | None = None
    note: Text(500) | None = None
    recipient_name: Text(100) | None = None
    recipient_relationship: Text(50) | None = None
    recipient_id_number: Annotated[str, Field(pattern=r"^\d{9}(\d{3})?$")] | None = None
    # A signature drawn on the phone, as a base64 PNG; 200 kB is plenty for a scribble.
    signature_png: Annotated[str, Field(max_length=200_000, pattern=r"^[A-Za-z0-9+/=\s]*$")] | None = None
    fee_collected_vnd: Annotated[int, Field(ge=0, le=100_000_000)] | None = None


class HandoverRequest(BaseModel):
    direction: Literal["to_desk", "from_desk"]
    tracking_nos: Annotated[list[Annotated[str, Field(max_length=40)]], Field(min_length=1, max_length=500)]
    at: AwareDatetime | None = None


class ResolveRequest(BaseModel):
    note: Text(500) | None = None
