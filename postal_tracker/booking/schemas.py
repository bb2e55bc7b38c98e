"""Request bodies and answers of the booking endpoints (contract: API.md, Booking).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from datetime import date, datetime
from typing import Annotated, Literal, NotRequired, TypedDict

from pydantic import BaseModel, Field

from postal_tracker.fields import IdNumber, Latitude, Longitude, Phone, Text
from postal_tracker.shipments.schemas import ShipmentView


class Applicant(BaseModel):
    full_name: Annotated[str, Text(100)]
    phone: Phone
    id_number: IdNumber | None = None


class Address(BaseModel):
    hamlet_code: Annotated[str, Text(32)]
    detail: Annotated[str, Text(300)]
    lat: Latitude | None = None
    lon: Longitude | None = None


class DocumentItem(BaseModel):
    name: Annotated[str, Text(200)]
    kind: Literal["original", "copy"]
    pages: Annotated[int, Field(ge=1, le=1000)] | None = None


class ReturnRequest(BaseModel):
    """A return-only dossier: the citizen applied at the desk or online and wants the result by post."""

    applicant: Applicant
    address: Address
    procedure_code: Annotated[str, Text(32)]
    portal_dossier_no: Annotated[str, Text(64)] | None = None
    fee_vnd: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    note: Annotated[str, Text(500, 0)] | None = None
    sms_opt_out: bool = False


class PickupRequest(ReturnRequest):
    return_by_post: bool = True
    delivery_address: Address | None = None
    requested_date: date | None = None
    documents: Annotated[list[DocumentItem], Field(max_length=50)] = []


# --- answers ------------------------------------------------------------------------------------


class PickupBooked(TypedDict):
    """`POST /pickups` (201)."""

    dossier_id: int
    shipment: ShipmentView
    label_url: str
    receipt_url: str


class ReturnBooked(TypedDict):
    """`POST /dossiers/{dossier_id}/return` (201): the new return leg."""

    shipment: ShipmentView


class ReturnOnlyBooked(TypedDict):
    """`POST /returns` (201): a return-only dossier and its return leg."""

    dossier_id: int
    shipment: ShipmentView
    receipt_url: str


GeoSource = Literal["given", "geocoded", "hamlet"]
"""Where an address's coordinates come from: the clerk, the geocoder (cached) or the hamlet's centre."""


class ProcedureRef(TypedDict):
    code: str
    name: str


class ApplicantView(TypedDict):
    full_name: str
    phone: str
    """E.164, e.g. `+84912345678`."""
    id_number: str | None


class AddressView(TypedDict):
    """An address with the hamlet's name as it was when booked."""

    hamlet_code: str
    hamlet_name: str
    detail: str
    lat: float | None
    lon: float | None
    geo_source: GeoSource | None


class DocumentView(TypedDict):
    name: str
    kind: Literal["original", "copy"]
    pages: int | None


# `return` is a keyword: the functional syntax names the keys.
DossierLegs = TypedDict("DossierLegs", {"pickup": NotRequired[ShipmentView], "return": NotRequired[ShipmentView]})


class DossierView(TypedDict):
    """`GET /dossiers/{dossier_id}`: a dossier with both legs."""

    dossier_id: int
    portal_dossier_no: str | None
    source: Literal["desk", "portal"]
    procedure: ProcedureRef
    applicant: ApplicantView
    address: AddressView
    delivery_address: AddressView | None
    return_by_post: bool
    fee_vnd: int
    requested_date: date | None
    note: str | None
    documents: list[DocumentView]
    sms_opt_out: bool
    created_at: datetime
    receipt_url: str
    legs: DossierLegs
