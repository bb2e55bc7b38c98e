"""The shapes of what the API answers about shipments: <shipment> and <event> (API.md, Shipments).

These are `TypedDict`s, so they document the JSON in the OpenAPI document (/schema) and change
nothing at run time: services build plain dicts, which a `TypedDict` is. A key that a service
leaves out when it has no value is `NotRequired`; a key always present but possibly null is
`X | None`.

No `from __future__ import annotations` in the modules that define response `TypedDict`s: on
Python 3.11 a string annotation hides `NotRequired` from `TypedDict`, and every key would be
listed as required.
"""

from datetime import date, datetime
from typing import Literal, NotRequired, TypedDict

from postal_tracker.lifecycle import Event, Leg, NextStep, Reason, Status


class EventLocation(TypedDict):
    kind: Literal["hamlet", "post_office", "desk"]
    code: str | None


class EventView(TypedDict):
    """<event>: one applied hand-over scan (or the booking), with its EMSEVT-style `code`."""

    event: Event
    code: str
    status: Status
    """The status this event led to."""
    at: datetime
    recorded_at: datetime
    text_vi: str
    scan_id: str | None
    note: NotRequired[str]
    recipient_name: NotRequired[str]
    recipient_relationship: NotRequired[str]
    recipient_id_kind: NotRequired[Literal["cccd", "cmnd", "passport"]]
    recipient_id_number: NotRequired[str]
    authorization_note: NotRequired[str]
    has_signature: NotRequired[bool]
    has_photo: NotRequired[bool]
    lat: NotRequired[float]
    lon: NotRequired[float]
    location: NotRequired[EventLocation]
    fee_collected_vnd: NotRequired[int]
    handover_id: NotRequired[int]
    reason: NotRequired[Reason]
    reason_text_vi: NotRequired[str]
    next_step: NotRequired[NextStep]
    next_step_text_vi: NotRequired[str]


class ReasonView(TypedDict, total=False):
    """Why the last attempt failed and what happens next (with a failed status, else nothing)."""

    reason: Reason
    reason_text_vi: str
    next_step: NextStep
    next_step_text_vi: str


class ShipmentSummary(TypedDict):
    """<shipment> without its events, as lists show it. The `reason*`/`next_step*` keys are
    there while the status is `pickup_failed` or `delivery_failed`."""

    tracking_no: str
    leg: Leg
    status: Status
    status_text_vi: str
    final: bool
    dossier_id: int
    hamlet_code: str
    attempts: int
    """Failed attempts on this leg."""
    max_attempts: int
    allowed_events: list[Event]
    postman_id: int | None
    scheduled_date: date | None
    fee_collected_vnd: int
    due_at: datetime | None
    """The legal deadline: the end (local time) of working day J + n, J the day the post took
    the leg (`picked_up` / `collected_from_desk`); null before J."""
    overdue: bool
    """Past `due_at` and not yet at its destination (`at_desk` / `delivered`)."""
    next_attempt_on: date | None
    """After a failed delivery: the local day of the next attempt (the manifest lists it from then)."""
    created_at: datetime
    updated_at: datetime
    label_url: str
    reason: NotRequired[Reason]
    reason_text_vi: NotRequired[str]
    next_step: NotRequired[NextStep]
    next_step_text_vi: NotRequired[str]


class ShipmentView(ShipmentSummary):
    """<shipment>: one leg of a dossier with its events, oldest first."""

    events: list[EventView]
    fee_owed_vnd: int
    """The dossier's fee still to collect (its `fee_vnd` less what its legs collected)."""


class ShipmentPage(TypedDict):
    items: list[ShipmentSummary]
    total: int
    limit: int
    offset: int
