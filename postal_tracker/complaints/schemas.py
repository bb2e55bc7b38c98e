"""Complaints: what citizens and staff send, what staff and citizens read (API.md, Complaints).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from datetime import date, datetime
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, Field, StringConstraints

from postal_tracker.fields import Text
from postal_tracker.lifecycle import Leg

ComplaintKind = Literal["late", "lost", "damaged", "staff", "other"]
ComplaintStatus = Literal["open", "resolved"]


class CitizenComplaintRequest(BaseModel):
    """A citizen's complaint about their parcel, proven by the last 4 digits of their phone."""

    phone_last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
    kind: ComplaintKind
    text: Annotated[str, Text(2000)]


class DeskComplaintRequest(BaseModel):
    """A complaint the desk files for a citizen (in person or by phone)."""

    tracking_no: Annotated[str, Field(min_length=1, max_length=40)]
    kind: ComplaintKind
    text: Annotated[str, Text(2000)]


class ComplaintResolution(BaseModel):
    status: Literal["resolved"]
    resolution: Annotated[str, Text(2000)]
    """What was found and done, as told to the citizen."""
    compensation_vnd: Annotated[int, Field(ge=0, le=100_000_000)] | None = None


# --- answers ------------------------------------------------------------------------------------


class ComplaintFiled(TypedDict):
    complaint_id: int
    tracking_no: str
    kind: ComplaintKind
    status: ComplaintStatus
    due_on: date
    """The desk answers by this local day: 5 working days after filing."""
    created_at: datetime


class ComplaintView(TypedDict):
    """A complaint as staff read it (the text is personal data: the commune's staff only)."""

    complaint_id: int
    tracking_no: str
    leg: Leg
    dossier_id: int
    kind: ComplaintKind
    text: str
    source: Literal["citizen", "desk"]
    status: ComplaintStatus
    due_on: date
    overdue: bool
    """Still open after `due_on`."""
    created_at: datetime
    created_by_user_id: int | None
    resolution: str | None
    compensation_vnd: int | None
    resolved_at: datetime | None
    resolved_by_user_id: int | None


class ComplaintPage(TypedDict):
    items: list[ComplaintView]
    total: int
    limit: int
    offset: int


class CitizenComplaint(TypedDict):
    """What the citizen sees of a complaint about their parcel on the public tracking answer."""

    complaint_id: int
    kind: ComplaintKind
    status: ComplaintStatus
    due_on: date
