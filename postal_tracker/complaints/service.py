"""Complaints (khiếu nại, Circular 17/2017 Art. 8): about one parcel, filed by the citizen on the
public tracking endpoint (proven by the phone's last 4 digits) or for them at the desk.

- Accepted within 6 months of the leg's booking (until the end of the local day 6 calendar
  months later); refused after that with 409, whatever the phone digits (the booking day is on
  the public timeline, so this tells nothing about the digits).
- `due_on` is 5 working days after the filing day (workdays.py): by then the desk answers.
- Staff resolve it with a `resolution` and an optional `compensation_vnd`; once resolved it
  stays resolved (409 on a second resolution).
- The text and the resolution are personal data: only the commune's staff read them; the
  citizen sees, for their own parcel, each complaint's kind, status and due day.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.complaints.schemas import (
    CitizenComplaint,
    ComplaintFiled,
    ComplaintKind,
    ComplaintPage,
    ComplaintView,
)
from postal_tracker.db import Database, insert_one, utcnow
from postal_tracker.errors import Conflict, NotFound
from postal_tracker.idempotency import run_once
from postal_tracker.localtime import local_date, local_today
from postal_tracker.models import Complaint, Dossier, Shipment, table
from postal_tracker.personal import no_parcel_for_these_digits, phone_digits_match
from postal_tracker.shipments.service import find_shipment, parse_tracking_no
from postal_tracker.workdays import add_working_days

complaints = table(Complaint)
shipments = table(Shipment)
dossiers = table(Dossier)

FILING_MONTHS = 6
ANSWER_WORKING_DAYS = 5
OPEN: Final = "open"
RESOLVED: Final = "resolved"


def filing_closes_on(booked_at: datetime) -> date:
    """The last local day a complaint about a leg booked at `booked_at` is accepted."""
    booked = local_date(booked_at)
    month = booked.month - 1 + FILING_MONTHS
    year, month = booked.year + month // 12, month % 12 + 1
    return date(year, month, min(booked.day, monthrange(year, month)[1]))


def _check_filing_period(shipment: sa.Row, today: date) -> None:
    closes = filing_closes_on(shipment.created_at)
    if today > closes:
        raise Conflict(
            f"complaints are accepted within {FILING_MONTHS} months of booking: "
            f"this parcel's period ended on {closes.isoformat()}",
            filing_closed_on=closes.isoformat(),
        )


def _file(
    conn: Connection, shipment: sa.Row, kind: ComplaintKind, text: str, source: str, user_id: int | None
) -> ComplaintFiled:
    now = utcnow()
    today = local_date(now)
    _check_filing_period(shipment, today)
    due_on = add_working_days(today, ANSWER_WORKING_DAYS)
    complaint_id = insert_one(
        conn,
        complaints.insert().values(
            commune_id=shipment.commune_id, shipment_id=shipment.id, kind=kind, text=text, source=source,
            status=OPEN, due_on=due_on, created_by_user_id=user_id, created_at=now,
        )
    )  # fmt: skip
    return {
        "complaint_id": complaint_id, "tracking_no": shipment.tracking_no, "kind": kind, "status": OPEN,
        "due_on": due_on, "created_at": now,
    }  # fmt: skip


def file_by_citizen(
    conn: Connection, raw_number: str, phone_last4: str, kind: ComplaintKind, text: str
) -> ComplaintFiled:
    """`POST /track/{no}/complaints`: an unknown number and wrong digits get the same 404."""
    number = parse_tracking_no(raw_number)
    parcel = conn.execute(
        sa.select(shipments, dossiers.c.applicant_phone)
        .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
        .where(shipments.c.tracking_no == number)
    ).first()  # fmt: skip
    if parcel is None:
        raise no_parcel_for_these_digits(number)
    _check_filing_period(parcel, local_today())  # public knowledge: before the digits
    if not phone_digits_match(parcel.applicant_phone, phone_last4):
        raise no_parcel_for_these_digits(number)
    return _file(conn, parcel, kind, text, "citizen", None)


def file_at_desk(
    conn: Connection, principal: Principal, raw_number: str, kind: ComplaintKind, text: str
) -> ComplaintFiled:
    """`POST /complaints`: staff file one for a citizen at the desk (their commune's parcels only)."""
    shipment = find_shipment(conn, principal.commune_id, parse_tracking_no(raw_number))
    return _file(conn, shipment, kind, text, "desk", principal.user_id)


def _select() -> sa.Select:
    return sa.select(complaints, shipments.c.tracking_no, shipments.c.leg, shipments.c.dossier_id).join(
        shipments, shipments.c.id == complaints.c.shipment_id
    )


def _view(row: Any, today: date) -> ComplaintView:
    return {
        "complaint_id": row.id, "tracking_no": row.tracking_no, "leg": row.leg, "dossier_id": row.dossier_id,
        "kind": row.kind, "text": row.text, "source": row.source, "status": row.status, "due_on": row.due_on,
        "overdue": row.status == OPEN and today > row.due_on, "created_at": row.created_at,
        "created_by_user_id": row.created_by_user_id, "resolution": row.resolution,
        "compensation_vnd": row.compensation_vnd, "resolved_at": row.resolved_at,
        "resolved_by_user_id": row.resolved_by_user_id,
    }  # fmt: skip


def dossier_complaints(conn: Connection, dossier_id: int, today: date) -> list[ComplaintView]:
    """The complaints about either leg of a dossier, oldest first, as staff read them (the desk's
    parcel page: its read is audited there)."""
    rows = conn.execute(_select().where(shipments.c.dossier_id == dossier_id).order_by(complaints.c.id))
    return [_view(r, today) for r in rows]


def complaints_of(conn: Connection, shipment_id: int) -> list[CitizenComplaint]:
    """What the citizen (with the right digits) sees of their parcel's complaints: no text."""
    rows = conn.execute(
        sa.select(complaints.c.id, complaints.c.kind, complaints.c.status, complaints.c.due_on)
        .where(complaints.c.shipment_id == shipment_id).order_by(complaints.c.id)
    )  # fmt: skip
    return [{"complaint_id": r.id, "kind": r.kind, "status": r.status, "due_on": r.due_on} for r in rows]


def _find(conn: Connection, commune_id: int, complaint_id: int, *, for_update: bool = False) -> Any:
    query = _select().where(complaints.c.id == complaint_id, complaints.c.commune_id == commune_id)
    row = conn.execute(query.with_for_update(of=complaints) if for_update else query).first()
    if row is None:
        raise NotFound(f"no complaint {complaint_id}")
    return row


class ComplaintService:
    """The desk's complaints: filed for a citizen, listed, read and resolved in one commune."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def file(
        self, principal: Principal, raw_number: str, kind: ComplaintKind, text: str, idempotency_key: str | None
    ) -> ComplaintFiled:
        body = {"tracking_no": raw_number, "kind": kind, "text": text}
        return run_once(
            self.db, principal.key, idempotency_key, "complaints", body,
            lambda conn: file_at_desk(conn, principal, raw_number, kind, text),
        )  # fmt: skip

    def complaints(self, principal: Principal, status: str | None, limit: int, offset: int) -> ComplaintPage:
        """The commune's complaints, the soonest due first (what must be answered first on top).
        Their texts are personal data: the read is audited for the parcels they are about."""
        conditions = [complaints.c.commune_id == principal.commune_id]
        if status:
            conditions.append(complaints.c.status == status)
        with self.db.write() as conn:
            total = conn.execute(sa.select(sa.func.count()).select_from(complaints).where(*conditions)).scalar_one()
            rows = conn.execute(
                _select().where(*conditions).order_by(complaints.c.due_on, complaints.c.id).limit(limit).offset(offset)
            ).all()
            audit.record(conn, principal, Read.COMPLAINTS, [r.dossier_id for r in rows])
        today = local_today()
        return {"items": [_view(r, today) for r in rows], "total": total, "limit": limit, "offset": offset}

    def detail(self, principal: Principal, complaint_id: int) -> ComplaintView:
        with self.db.write() as conn:
            row = _find(conn, principal.commune_id, complaint_id)
            audit.record(conn, principal, Read.COMPLAINTS, [row.dossier_id])
            return _view(row, local_today())

    def resolve(
        self, principal: Principal, complaint_id: int, resolution: str, compensation_vnd: int | None
    ) -> ComplaintView:
        """Resolve once, with what was done and any compensation paid (again: 409)."""
        with self.db.write() as conn:
            row = _find(conn, principal.commune_id, complaint_id, for_update=True)
            if row.status == RESOLVED:
                raise Conflict(f"complaint {complaint_id} is already resolved", current_status=row.status)
            conn.execute(
                complaints.update().where(complaints.c.id == complaint_id).values(
                    status=RESOLVED, resolution=resolution, compensation_vnd=compensation_vnd,
                    resolved_at=utcnow(), resolved_by_user_id=principal.user_id,
                )
            )  # fmt: skip
            audit.record(conn, principal, Read.COMPLAINTS, [row.dossier_id])
            return _view(_find(conn, principal.commune_id, complaint_id), local_today())
