"""Portal inbound: booking pickups and returns for portal dossiers, idempotent on their number.

The portal retries when it does not hear back, so both calls are idempotent on
`portal_dossier_no`: the same number again answers the first booking (`duplicate: true`, 200)
and creates nothing. Two calls with one number at the same moment meet at the unique
constraint (commune, portal_dossier_no); the loser's transaction rolls back and it answers the
winner's booking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.service import Principal
from postal_tracker.booking import service as booking
from postal_tracker.booking.schemas import ReturnRequest
from postal_tracker.db import Database, first_writer_wins
from postal_tracker.errors import Conflict, InvalidInput
from postal_tracker.lifecycle import Leg
from postal_tracker.models import Dossier, Shipment, table
from postal_tracker.portal.schemas import (
    PortalDossierBooked,
    PortalDossierRequest,
    PortalResultBooked,
    PortalResultRequest,
)
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.service import shipment_view

T = TypeVar("T")
dossiers = table(Dossier)
shipments = table(Shipment)


def _dossier(conn: Connection, commune_id: int, number: str) -> sa.Row | None:
    return conn.execute(
        sa.select(dossiers).where(dossiers.c.commune_id == commune_id, dossiers.c.portal_dossier_no == number)
    ).first()


def _leg(conn: Connection, dossier_id: int, leg: Leg) -> sa.Row | None:
    query = sa.select(shipments).where(shipments.c.dossier_id == dossier_id, shipments.c.leg == leg)
    return conn.execute(query).first()


class _Raced(Exception):
    """Another call booked this number after we looked (PostgreSQL, READ COMMITTED)."""


def _booking(conn: Connection, commune_id: int, number: str, book: Callable[[], T]) -> T:
    try:
        return book()
    except Conflict:
        if _dossier(conn, commune_id, number) is not None:
            raise _Raced from None
        raise


def _once(db: Database, attempt: Callable[[Connection], tuple[bool, T]]) -> tuple[bool, T]:
    # The same number booked at the same moment by a retry: the attempt again answers what the
    # other call made.
    return first_writer_wins(db, attempt, attempt, lost=(_Raced,))


def book_dossier(
    db: Database, principal: Principal, req: PortalDossierRequest, rules: RulesSection
) -> tuple[bool, PortalDossierBooked]:
    """`(created, answer)`: the pickup booked now, or the one booked for this number before."""

    def attempt(conn: Connection) -> tuple[bool, PortalDossierBooked]:
        existing = _dossier(conn, principal.commune_id, req.portal_dossier_no)
        if existing is None:
            answer = _booking(
                conn, principal.commune_id, req.portal_dossier_no,
                lambda: booking.book_pickup(conn, principal, req, rules),
            )  # fmt: skip
            return True, {**answer, "duplicate": False}
        pickup = _leg(conn, existing.id, Leg.PICKUP)
        if pickup is None:
            raise Conflict(
                f"portal dossier {req.portal_dossier_no} is a return-only dossier: its result goes by post,"
                " there is nothing to collect", field="portal_dossier_no", dossier_id=existing.id,
            )  # fmt: skip
        return False, {
            "dossier_id": existing.id,
            "shipment": shipment_view(conn, pickup, rules),
            "label_url": f"/api/v1/shipments/{pickup.tracking_no}/label.pdf",
            "receipt_url": f"/api/v1/dossiers/{existing.id}/receipt.pdf",
            "duplicate": True,
        }

    return _once(db, attempt)


def book_result(
    db: Database, principal: Principal, req: PortalResultRequest, rules: RulesSection
) -> tuple[bool, PortalResultBooked]:
    """The result is ready: book the return leg (or a return-only dossier); once per number."""

    def attempt(conn: Connection) -> tuple[bool, PortalResultBooked]:
        existing = _dossier(conn, principal.commune_id, req.portal_dossier_no)
        if existing is None:
            missing = [f for f in ("applicant", "address", "procedure_code") if getattr(req, f) is None]
            if missing:
                raise InvalidInput(
                    f"portal dossier {req.portal_dossier_no} is unknown here: send {', '.join(missing)} to book"
                    " a return-only dossier",
                    errors=[{"field": f, "message": "required for a dossier not booked here"} for f in missing],
                )
            only = ReturnRequest(
                applicant=req.applicant, address=req.address, procedure_code=req.procedure_code,
                portal_dossier_no=req.portal_dossier_no, fee_vnd=req.fee_vnd, note=req.note,
                sms_opt_out=req.sms_opt_out,
            )  # fmt: skip
            answer = _booking(
                conn, principal.commune_id, req.portal_dossier_no,
                lambda: booking.book_return_only(conn, principal, only, rules),
            )  # fmt: skip
            return True, {**answer, "return_only": True, "duplicate": False}
        returned = _leg(conn, existing.id, Leg.RETURN)
        if returned is not None:
            return False, {
                "dossier_id": existing.id, "shipment": shipment_view(conn, returned, rules),
                "return_only": _leg(conn, existing.id, Leg.PICKUP) is None, "duplicate": True,
            }  # fmt: skip
        leg = booking.book_return(conn, principal, existing.id, rules)
        return True, {"dossier_id": existing.id, **leg, "return_only": False, "duplicate": False}

    return _once(db, attempt)


class PortalService:
    """The portal context: bookings from the provincial portal, idempotent on its dossier number."""

    def __init__(self, db: Database, rules: RulesSection) -> None:
        self.db = db
        self.rules = rules

    def book_dossier(self, principal: Principal, req: PortalDossierRequest) -> tuple[bool, PortalDossierBooked]:
        return book_dossier(self.db, principal, req, self.rules)

    def book_result(self, principal: Principal, req: PortalResultRequest) -> tuple[bool, PortalResultBooked]:
        return book_result(self.db, principal, req, self.rules)
