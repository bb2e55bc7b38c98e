"""The two small reference lists, as the API answers them (API.md, Reference data).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from typing import Literal, TypedDict


class HamletView(TypedDict):
    """A hamlet (ấp) of the commune with its centre."""

    code: str
    name: str
    lat: float
    lon: float
    default_postman_id: int | None
    active: bool
    """False: deactivated, takes no new bookings (listed with `?include_inactive=true`)."""


class ProcedureView(TypedDict):
    code: str
    """The national procedure code, e.g. `1.001193`."""
    name: str
    group: Literal["citizen", "internal"]
    fee_vnd: int


class BookingChoices(TypedDict):
    """What the desk's booking form offers."""

    hamlets: list[HamletView]
    procedures: list[ProcedureView]
