"""The public tracking endpoints: what a citizen sends and what anyone may read (API.md, Public).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from datetime import date, datetime
from typing import Annotated, NotRequired, TypedDict

from pydantic import BaseModel, Field, StringConstraints

from postal_tracker.complaints.schemas import CitizenComplaint
from postal_tracker.fields import Text
from postal_tracker.lifecycle import Event, Leg, Status


class FeedbackRequest(BaseModel):
    """A citizen's rating of a delivered result, proven by the last 4 digits of their phone."""

    phone_last4: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]
    rating: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, Text(1000, 0)] | None = None


# --- answers ------------------------------------------------------------------------------------


class PublicEvent(TypedDict):
    event: Event
    at: datetime
    place: str
    """Where it happened: `Tại nhà người dân` at the citizen's address (the hamlet's name with
    the right `phone_last4`), else the post office or the desk."""
    text_vi: str


class PublicLeg(TypedDict):
    """The dossier's return leg, as its own number shows it."""

    tracking_no: str
    leg: Leg
    status: Status
    status_text_vi: str
    due_at: datetime | None
    """The legal deadline (J + n working days), once the post has taken the leg."""
    next_attempt_on: date | None
    """After a failed delivery: the day the postman comes again."""
    events: list[PublicEvent]


class PickupLegLink(TypedDict):
    """From the return leg back to the pickup leg (the number on the citizen's receipt)."""

    tracking_no: str
    status: Status


class PublicTracking(TypedDict):
    """`GET /track/{tracking_no}`: nothing personal; `name_masked`, `hamlet` and `complaints`
    (their status, never their text) only with the right `phone_last4`. A pickup leg whose
    result is booked carries `return_leg`; a return leg carries `pickup_leg`."""

    tracking_no: str
    leg: Leg
    status: Status
    status_text_vi: str
    due_at: datetime | None
    """The legal deadline (J + n working days), once the post has taken the leg."""
    next_attempt_on: date | None
    """After a failed delivery: the day the postman comes again."""
    events: list[PublicEvent]
    return_leg: NotRequired[PublicLeg]
    pickup_leg: NotRequired[PickupLegLink]
    name_masked: NotRequired[str]
    hamlet: NotRequired[str]
    complaints: NotRequired[list[CitizenComplaint]]


class FeedbackGiven(TypedDict):
    tracking_no: str
    rating: int
    comment: str | None
    created_at: datetime
