"""A scan as a handheld scanner sends it, and what the scan endpoints answer (API.md, Scans).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal, NotRequired, TypedDict, get_args
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

from postal_tracker.fields import Latitude, Longitude, Text
from postal_tracker.lifecycle import Event, Reason, Status
from postal_tracker.shipments.schemas import ShipmentView

ScanEvent = Literal[
    "pickup_failed", "picked_up", "arrived_post_office", "handed_to_desk", "collected_from_desk",
    "out_for_delivery", "delivery_failed", "delivered", "returned_to_desk", "cancelled",
]  # fmt: skip
"""Every event a scan may carry: all but `booked` (written out so that type checkers see it)."""
assert set(get_args(ScanEvent)) == {e.value for e in Event} - {Event.BOOKED.value}, "ScanEvent lags lifecycle.Event"


class Location(BaseModel):
    kind: Literal["hamlet", "post_office", "desk"]
    code: Annotated[str, Text(32)] | None = None


def _storable(moment: datetime) -> datetime:
    # Year 1 at +07:00 is before year 1 in UTC: no database column holds it.
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("not a time that can be stored: check the scanner's clock") from None
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_storable)]
"""A time with its offset (`2026-11-27T10:00:00+07:00`); the service checks its range."""


class ScanRequest(BaseModel):
    scan_id: UUID
    tracking_no: Annotated[str, Field(min_length=1, max_length=40)]
    event: ScanEvent
    at: Moment
    location: Location | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    reason: Reason | None = None
    note: Annotated[str, Text(500)] | None = None
    recipient_name: Annotated[str, Text(100)] | None = None
    recipient_relationship: Annotated[str, Text(50)] | None = None
    recipient_id_kind: Literal["cccd", "cmnd", "passport"] | None = None
    # A passport number has letters; the 9/12 digits are the cards' (CMND/CCCD). [0-9]: `\d` is any script's digit.
    recipient_id_number: Annotated[str, Field(pattern=r"^([0-9]{9}([0-9]{3})?|[A-Z][0-9]{7,8})$")] | None = None
    # The letter of authorisation (its number or date) when a proxy receives the result.
    authorization_note: Annotated[str, Text(200)] | None = None
    # A signature drawn on the phone, as a base64 PNG; 200 kB is plenty for a scribble.
    signature_png: Annotated[str, Field(max_length=200_000, pattern=r"^[A-Za-z0-9+/=\s]*$")] | None = None
    # A photo of the hand-over, shrunk on the phone (the page sends about 1024 px, JPEG).
    photo_jpeg: Annotated[str, Field(max_length=400_000, pattern=r"^[A-Za-z0-9+/=\s]*$")] | None = None
    fee_collected_vnd: Annotated[int, Field(ge=0, le=100_000_000)] | None = None


class HandoverRequest(BaseModel):
    direction: Literal["to_desk", "from_desk"]
    tracking_nos: Annotated[list[Annotated[str, Field(max_length=40)]], Field(min_length=1, max_length=500)]
    at: Moment | None = None


class ResolveRequest(BaseModel):
    note: Annotated[str, Text(500)] | None = None


# --- answers ------------------------------------------------------------------------------------


class ScanAccepted(TypedDict):
    """`POST /scans`: 201 for a new scan; 200 with `duplicate: true` for a `scan_id` seen before."""

    scan_id: str
    accepted: bool
    duplicate: bool
    shipment: ShipmentView


class FieldError(TypedDict):
    field: str | None
    message: str


class ScanRefused(TypedDict):
    """`POST /scans` refused (problem details, `application/problem+json`); the scan is kept as
    an exception for the desk. A 409 names the current status and the events allowed in it."""

    type: str
    status: int
    title: str
    detail: str
    scan_id: str | None
    accepted: bool
    duplicate: bool
    errors: NotRequired[list[FieldError]]
    tracking_no: NotRequired[str]
    current_status: NotRequired[Status]
    allowed_events: NotRequired[list[Event]]
    repeat: NotRequired[bool]
    """A 409 for a label scanned twice: the parcel already has this event's status."""


class BatchError(TypedDict):
    status: int
    title: str
    detail: str
    current_status: NotRequired[Status]
    repeat: NotRequired[bool]


class BatchResult(TypedDict):
    """One scan of a batch: `status` (the parcel's new status) when accepted or duplicate,
    `error` when rejected."""

    scan_id: str | None
    outcome: Literal["accepted", "duplicate", "rejected"]
    status: NotRequired[Status]
    error: NotRequired[BatchError]


class BatchAnswer(TypedDict):
    """`POST /scans/batch`: one result per scan, in the order sent."""

    results: list[BatchResult]


class ScanException(TypedDict):
    """A refused scan, as received, with why it was refused."""

    id: int
    scan_id: str | None
    received_at: datetime
    tracking_no: str | None
    event: str | None
    status: int | None
    """The HTTP status of the refusal."""
    title: str | None
    reason: str | None
    errors: list[FieldError] | None
    current_status: Status | None
    payload: dict[str, Any]
    user_id: int | None
    resolved_at: datetime | None
    resolution_note: str | None


class ScanExceptionPage(TypedDict):
    items: list[ScanException]
    total: int
    limit: int
    offset: int


class ExceptionResolved(TypedDict):
    id: int
    resolved: bool


class HandoverRecorded(TypedDict):
    """`POST /handovers` (201); `GET /handovers/{handover_id}.pdf` is its signed record."""

    handover_id: int
    count: int
    direction: Literal["to_desk", "from_desk"]
    at: datetime
