"""The portal's calls and their answers (API.md, Integrations).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from typing import Annotated, NotRequired, TypedDict

from pydantic import BaseModel, Field

from postal_tracker.booking.schemas import Address, Applicant, PickupBooked, PickupRequest
from postal_tracker.fields import Text
from postal_tracker.shipments.schemas import ShipmentView


class PortalDossierRequest(PickupRequest):
    """The body of `/pickups`, with the portal's dossier number required."""

    portal_dossier_no: Annotated[str, Text(64)]


class PortalResultRequest(BaseModel):
    """The result of a portal dossier is ready at the desk.

    For a dossier booked here (by the portal or the desk) the number alone is enough. For one
    never seen here, the body carries applicant, address and procedure: a return-only dossier.
    """

    portal_dossier_no: Annotated[str, Text(64)]
    applicant: Applicant | None = None
    address: Address | None = None
    procedure_code: Annotated[str, Text(32)] | None = None
    fee_vnd: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    note: Annotated[str, Text(500, 0)] | None = None
    sms_opt_out: bool = False


# --- answers ------------------------------------------------------------------------------------


class PortalDossierBooked(PickupBooked):
    """201 with `duplicate: false` when booked now; 200 with `duplicate: true` and the first
    booking when the number was booked before."""

    duplicate: bool


class PortalResultBooked(TypedDict):
    """201 with `duplicate: false` when the return leg is booked now; 200 with `duplicate: true`
    and the leg booked before. `return_only`: the dossier has no pickup leg (`receipt_url` comes
    with a return-only dossier booked now)."""

    dossier_id: int
    shipment: ShipmentView
    return_only: bool
    duplicate: bool
    receipt_url: NotRequired[str]
