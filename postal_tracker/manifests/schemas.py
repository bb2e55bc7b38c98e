"""The day's manifest, as the API answers them (API.md, Routes).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

import datetime as dt
from typing import Literal, NotRequired, TypedDict

from postal_tracker.accounts.schemas import PostmanView
from postal_tracker.lifecycle import Leg, NextStep, Reason, Status


class ManifestStart(TypedDict):
    """The commune post office, where the round starts and ends."""

    lat: float
    lon: float
    name: str


class ManifestStop(TypedDict):
    """A stop in route order; stops at the same coordinates share a `place` number."""

    order: int
    tracking_no: str
    leg: Leg
    status: Status
    dossier_id: int
    hamlet_code: str
    hamlet_name: str
    address: str
    address_detail: str
    lat: float
    lon: float
    geo_source: Literal["given", "geocoded", "hamlet"] | None
    booked_commune_name: str
    """The commune the dossier was booked under, as its label prints it (after a merge, the
    old commune's name: the parcel of a Tam Phước dossier still says Tam Phước)."""
    name: str
    phone: str
    note: str | None
    """The desk's note on the dossier (a landmark, when to call)."""
    fee_to_collect_vnd: int
    attempts: int
    postman_id: int | None
    scheduled_date: dt.date | None
    next_attempt_on: dt.date | None
    """After a failed delivery: the day from which the stop is listed again."""
    leg_km: float
    """Distance from the previous stop (the post office for the first)."""
    place: int
    place_stops: int
    reason: NotRequired[Reason]
    reason_text_vi: NotRequired[str]
    next_step: NotRequired[NextStep]
    next_step_text_vi: NotRequired[str]


class Manifest(TypedDict):
    """`GET /manifests` (JSON): the day's stops as a short round from the post office and back."""

    date: dt.date
    kind: Literal["pickup", "delivery"]
    postman: PostmanView | None
    start: ManifestStart
    stops: list[ManifestStop]
    count: int
    places: int
    return_km: float
    total_km: float
    fee_to_collect_vnd: int
