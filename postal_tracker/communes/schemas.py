"""Communes (xã) and their hamlets (ấp) as the province edits them (API.md, Communes, the
province and accounts).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from datetime import date, datetime
from typing import Annotated, TypedDict

from pydantic import BaseModel, Field

from postal_tracker.fields import Latitude, Longitude, Text

Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]


class HamletIn(BaseModel):
    code: Code
    name: Annotated[str, Text(100)]
    lat: Latitude
    lon: Longitude


class NewHamlet(HamletIn):
    commune: Code | None = None
    """The commune's code: the admin names it; a supervisor adds to their own."""


class CommuneOffices(BaseModel):
    """The commune's district and its two offices (the post office and the one-stop desk): the
    optional part of `NewCommune` and of `CommuneChange`, one list of fields for both."""

    district: Annotated[str, Text(100)] | None = None
    post_office_name: Annotated[str, Text(200)] | None = None
    post_office_address: Annotated[str, Text(300)] | None = None
    post_office_lat: Latitude | None = None
    post_office_lon: Longitude | None = None
    desk_name: Annotated[str, Text(200)] | None = None
    desk_address: Annotated[str, Text(300)] | None = None
    desk_phone: Annotated[str, Text(20)] | None = None
    desk_lat: Latitude | None = None
    desk_lon: Longitude | None = None


class NewCommune(CommuneOffices):
    """`POST /communes`; the names and coordinates left out are derived (see the README)."""

    code: Code
    name: Annotated[str, Text(100)]
    province: Annotated[str, Text(100)]
    hamlets: Annotated[list[HamletIn], Field(max_length=500)] = []


class CommuneChange(CommuneOffices):
    """`PATCH /communes/{code}`: only the fields sent change. New bookings take the new names;
    booked dossiers keep the ones they were booked under."""

    name: Annotated[str, Text(100)] | None = None
    province: Annotated[str, Text(100)] | None = None


class Merge(BaseModel):
    into: Code
    on: date | None = None
    """The local day the merge takes effect (default today): reports before it keep the old commune."""


class CommuneView(TypedDict):
    code: str
    name: str
    district: str | None
    province: str
    post_office_name: str
    desk_name: str
    merged_into: str | None
    """The code of the commune this one was merged into."""
    merged_at: datetime | None
    hamlets: int
    """How many active hamlets it has."""


class CommunePage(TypedDict):
    items: list[CommuneView]
    total: int
    limit: int
    offset: int


class MergeResult(TypedDict):
    commune: CommuneView
    into: CommuneView
    moved: dict[str, int]
    """How many hamlets, users, api_keys, dossiers, shipments, scans and messages moved."""
