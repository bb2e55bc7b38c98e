from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from postal_tracker.booking.schemas import Address, Applicant, PickupRequest, Text


class PortalDossierRequest(PickupRequest):
    """The body of `/pickups`, with the portal's dossier number required."""

    portal_dossier_no: Text(64)


class PortalResultRequest(BaseModel):
    """The result of a portal dossier is ready at the desk.

    For a dossier booked here (by the portal or the desk) the number alone is enough. For one
    never seen here, the body carries applicant, address and procedure: a return-only dossier.
    """

    portal_dossier_no: Text(64)
    applicant: Applicant | None = None
    address: Address | None = None
    procedure_code: Text(32) | None = None
    fee_vnd: Annotated[int, Field(ge=0, le=100_000_000)] | None = None
    note: Text(500, 0) | None = None
    sms_opt_out: bool = False
