"""Reading shipments: the one representation of a shipment that every context returns."""

from __future__ import annotations

from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.postmen import find_postman
from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.db import Database, utcnow
from postal_tracker.errors import Conflict, InvalidInput, NotFound
from postal_tracker.lifecycle import (
    DESTINATIONS,
    FINAL_STATUSES,
    REASONS,
    InvalidTrackingNumber,
    Leg,
    Reason,
    Status,
    allowed_events,
    normalize_tracking_no,
)
from postal_tracker.models import Dossier, EventRecord, Shipment, table
from postal_tracker.personal import for_role
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.schemas import EventView, ReasonView, ShipmentPage, ShipmentSummary, ShipmentView
from postal_tracker.wording import STATUS_TEXT_VI, event_text_vi, next_step_text_vi, reason_text_vi

shipments = table(Shipment)
events = table(EventRecord)
dossiers = table(Dossier)


def parse_tracking_no(raw: str, field: str = "tracking_no") -> str:
    try:
        return normalize_tracking_no(raw)
    except InvalidTrackingNumber as exc:
        raise InvalidInput(str(exc), field=field) from None


# The statements of the scan path, built once with their parameters (building and keying a
# statement costs more than running it on SQLite): (in a commune?, for update?) -> statement.
_BY_NUMBER = sa.select(shipments).where(shipments.c.tracking_no == sa.bindparam("number"))
_IN_COMMUNE = _BY_NUMBER.where(shipments.c.commune_id == sa.bindparam("commune_id"))
_FIND = {
    (False, False): _BY_NUMBER, (False, True): _BY_NUMBER.with_for_update(),
    (True, False): _IN_COMMUNE, (True, True): _IN_COMMUNE.with_for_update(),
}  # fmt: skip
_EVENTS_OF = sa.select(events).where(events.c.shipment_id == sa.bindparam("shipment_id")).order_by(events.c.id)
_COLLECTED = (
    sa.select(sa.func.coalesce(sa.func.sum(shipments.c.fee_collected_vnd), 0))
    .where(shipments.c.dossier_id == sa.bindparam("dossier_id")).scalar_subquery()
)  # fmt: skip
_FEE_AND_PAID = sa.select(dossiers.c.fee_vnd, _COLLECTED).where(dossiers.c.id == sa.bindparam("dossier_id"))


def find_shipment(conn: Connection, commune_id: int | None, tracking_no: str, *, for_update: bool = False) -> sa.Row:
    """The shipment with this number (in this commune, for staff), or NotFound."""
    query = _FIND[commune_id is not None, for_update]
    row = conn.execute(query, {"number": tracking_no, "commune_id": commune_id}).first()
    if row is None:
        raise NotFound(f"no parcel with tracking number {tracking_no}")
    return row


def reason_view(raw: str | None) -> ReasonView:
    if raw is None:
        return {}
    reason = Reason(raw)
    return {
        "reason": reason,
        "reason_text_vi": reason_text_vi(reason),
        "next_step": REASONS[reason],
        "next_step_text_vi": next_step_text_vi(reason),
    }


def event_view(row: sa.Row) -> EventView:
    view: EventView = {
        "event": row.event,
        "code": row.code,
        "status": row.status,
        "at": row.at,
        "recorded_at": row.recorded_at,
        "text_vi": event_text_vi(row.event),
        "scan_id": row.scan_id,
    }
    optional = {
        "note": row.note,
        "recipient_name": row.recipient_name,
        "recipient_relationship": row.recipient_relationship,
        "recipient_id_kind": row.recipient_id_kind,
        "recipient_id_number": row.recipient_id_number,
        "authorization_note": row.authorization_note,
        "has_signature": bool(row.signature_png) or None,
        "has_photo": bool(row.photo_jpeg) or None,
        "lat": row.lat,
        "lon": row.lon,
        "location": {"kind": row.location_kind, "code": row.location_code} if row.location_kind else None,
        "fee_collected_vnd": row.fee_collected_vnd,
        "handover_id": row.handover_id,
    }
    # The optional keys are left out when empty, which mypy cannot follow through the comprehension.
    present = cast(EventView, {k: v for k, v in optional.items() if v is not None})
    return {**view, **present, **reason_view(row.reason)}


def events_of(conn: Connection, shipment_id: int) -> list[sa.Row]:
    return list(conn.execute(_EVENTS_OF, {"shipment_id": shipment_id}))


def is_overdue(due_at: datetime | None, status: str, now: datetime) -> bool:
    """Past its legal deadline and not yet where it goes (API.md, The legal clock)."""
    return due_at is not None and now > due_at and Status(status) not in DESTINATIONS


def overdue_condition(now: datetime) -> sa.ColumnElement[bool]:
    """`is_overdue` as SQL, for lists (served by the (commune_id, due_at) index)."""
    return sa.and_(
        shipments.c.due_at.is_not(None), shipments.c.due_at < now,
        shipments.c.status.not_in([s.value for s in DESTINATIONS]),
    )  # fmt: skip


def shipment_summary(row: sa.Row, rules: RulesSection) -> ShipmentSummary:
    """<shipment> without its events, as lists show it."""
    status = Status(row.status)
    max_attempts = rules.max_delivery_attempts
    view: ShipmentSummary = {
        "tracking_no": row.tracking_no,
        "leg": row.leg,
        "status": row.status,
        "status_text_vi": STATUS_TEXT_VI[status],
        "final": status in FINAL_STATUSES,
        "dossier_id": row.dossier_id,
        "hamlet_code": row.hamlet_code,
        "attempts": row.attempts,
        "max_attempts": max_attempts,
        "allowed_events": list(allowed_events(Leg(row.leg), status, row.attempts, max_attempts)),
        "postman_id": row.postman_id,
        "scheduled_date": row.scheduled_date,
        "fee_collected_vnd": row.fee_collected_vnd,
        "due_at": row.due_at,
        "overdue": is_overdue(row.due_at, row.status, utcnow()),
        "next_attempt_on": row.next_attempt_on,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "label_url": f"/api/v1/shipments/{row.tracking_no}/label.pdf",
    }
    if status in (Status.PICKUP_FAILED, Status.DELIVERY_FAILED):
        return {**view, **reason_view(row.last_reason)}
    return view


def shipment_view(conn: Connection, row: sa.Row, rules: RulesSection) -> ShipmentView:
    """<shipment>: the summary with its events and the dossier's fee still owed."""
    return {
        **shipment_summary(row, rules),
        "events": [event_view(e) for e in events_of(conn, row.id)],
        "fee_owed_vnd": fee_owed(conn, row.dossier_id),
    }


def shipment_detail(db: Database, principal: Principal, raw_number: str, rules: RulesSection) -> ShipmentView:
    """One parcel with its events; audited, since events carry recipients' names and ID numbers."""
    number = parse_tracking_no(raw_number)
    with db.write() as conn:
        row = find_shipment(conn, principal.commune_id, number)
        view = shipment_view(conn, row, rules)
        audit.record(conn, principal, Read.SHIPMENT, [row.dossier_id])
    return for_role(principal.role, view)


def fee_owed(conn: Connection, dossier_id: int) -> int:
    """The dossier's fee less what its legs have collected (API.md, Proof of delivery and fees)."""
    fee, paid = conn.execute(_FEE_AND_PAID, {"dossier_id": dossier_id}).one()
    return max(fee - paid, 0)


def list_shipments(
    conn: Connection,
    commune_id: int,
    rules: RulesSection,
    *,
    status: str | None,
    leg: str | None,
    hamlet: str | None,
    since: datetime | None,
    until: datetime | None,
    limit: int,
    offset: int,
    overdue: bool | None = None,
) -> ShipmentPage:
    """The commune's shipments, the overdue ones first, then the most recently changed."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:  # UTC or Vietnam? Refuse rather than guess.
            raise InvalidInput("give the time with its offset, e.g. 2026-11-01T00:00:00+07:00", field=name)
    conditions = [shipments.c.commune_id == commune_id]
    if status:
        wanted = [s.strip() for s in status.split(",")]
        unknown = [s for s in wanted if s not in Status.__members__.values()]
        if unknown:
            raise InvalidInput(f"unknown status {', '.join(unknown)}; one of {', '.join(Status)}", field="status")
        conditions.append(shipments.c.status.in_(wanted))
    if leg:
        conditions.append(shipments.c.leg == leg)
    if hamlet:
        conditions.append(shipments.c.hamlet_code == hamlet)
    if since:
        conditions.append(shipments.c.updated_at >= since)
    if until:
        conditions.append(shipments.c.updated_at < until)
    late = overdue_condition(utcnow())
    if overdue is not None:
        conditions.append(late if overdue else sa.not_(late))
    total = conn.execute(sa.select(sa.func.count()).select_from(shipments).where(*conditions)).scalar_one()
    rows = conn.execute(
        sa.select(shipments).where(*conditions)
        .order_by(sa.case((late, 0), else_=1), shipments.c.updated_at.desc(), shipments.c.id.desc())
        .limit(limit).offset(offset)
    )  # fmt: skip
    items = [shipment_summary(r, rules) for r in rows]
    return {"items": items, "total": total, "limit": limit, "offset": offset}


def assign_postman(
    conn: Connection, commune_id: int, tracking_no: str, postman_id: int | None, rules: RulesSection
) -> ShipmentView:
    """Give a parcel to a postman (None: back to its hamlet's default postman, if any)."""
    row = find_shipment(conn, commune_id, tracking_no, for_update=True)
    if Status(row.status) in FINAL_STATUSES:
        raise Conflict("this parcel's round is over: it cannot be assigned", current_status=row.status)
    if postman_id is not None:
        find_postman(conn, commune_id, postman_id)
    conn.execute(shipments.update().where(shipments.c.id == row.id).values(postman_id=postman_id))
    return shipment_view(conn, find_shipment(conn, commune_id, tracking_no), rules)


class ShipmentService:
    """The shipments context: the commune's parcels as the desk and the postmen see them."""

    def __init__(self, db: Database, rules: RulesSection) -> None:
        self.db = db
        self.rules = rules

    def shipments(
        self, commune_id: int, *, status: str | None, leg: str | None, hamlet: str | None,
        since: datetime | None, until: datetime | None, overdue: bool | None, limit: int, offset: int,
    ) -> ShipmentPage:  # fmt: skip
        with self.db.read() as conn:
            return list_shipments(
                conn, commune_id, self.rules, status=status, leg=leg, hamlet=hamlet, since=since,
                until=until, overdue=overdue, limit=limit, offset=offset,
            )  # fmt: skip

    def shipment(self, principal: Principal, raw_number: str) -> ShipmentView:
        """One parcel with its events (the read is audited)."""
        return shipment_detail(self.db, principal, raw_number, self.rules)

    def assign(self, commune_id: int, raw_number: str, postman_id: int | None) -> ShipmentView:
        number = parse_tracking_no(raw_number)
        with self.db.write() as conn:
            return assign_postman(conn, commune_id, number, postman_id, self.rules)
