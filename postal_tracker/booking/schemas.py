"""Request bodies of the booking endpoints (contract: API.md, Booking)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from postal_tracker.errors import InvalidInput
from postal_tracker.personal import nfc, normalize_phone


def _phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except InvalidInput as exc:
        raise ValueError(exc.detail) from None


def _id_number(value: str) -> str:
    # CMND has 9 digits, CCCD (citizen identity card) 12.
    if not (value.isdigit() and len(value) in (9, 12)):
        raise ValueError("an ID number has 9 (CMND) or 12 (CCCD) digits")
    return value


def Text(max_length: int, min_length: int = 1):
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=min_length, max_length=max_length),
        AfterValidator(nfc),
    ]


Phone = Annotated[str, StringConstraints(strip_whitespace=True, max_length=20), AfterValidator(_phone)]


class Applicant(BaseModel):
    full_name: Text(100)
    phone: Phone
    id_number: Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_id_number)] | None = None


class Address(BaseModel):
    hamlet_code: Text(32)
    detail: Text(300)
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class DocumentItem(BaseModel):
    name: Text(200)
    kind: Literal["original", "copy"]
    pages: Annotated[int, Field(ge=1, le=1000)] | None = None


class ReturnRequest(BaseModel):
    """A return-only dossier: the citizen applied at the desk or online and wants the result by post."""

    applicant: Applicant
    address: Address
    procedure_code: Text(32)
    portal_dossier_no: Text(64) | None = None
    fee_vnd: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    note: Text(500, 0) | None = None
    sms_opt_out: bool = False


class PickupRequest(ReturnRequest):
    return_by_post: bool = True
    delivery_address: Address | None = None
    requested_date: date | None = None
    documents: Annotated[list[DocumentItem], Field(max_length=50)] = []
