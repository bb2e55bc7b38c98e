"""Reading shipments: the one representation of a shipment that every context returns."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.postmen import find_postman
from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Change, Read
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
    to_delivery_address,
)
from postal_tracker.models import Dossier, EventRecord, Hamlet, Shipment, table
from postal_tracker.personal import for_role
from postal_tracker.places.service import cached_coordinates
from postal_tracker.reference.service import get_hamlet
from postal_tracker.reports.attribution import holder
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.schemas import EventView, ReasonView, ShipmentPage, ShipmentSummary, ShipmentView
from postal_tracker.wording import STATUS_TEXT_VI, event_text_vi, next_step_text_vi, reason_text_vi

shipments = table(Shipment)
events = table(EventRecord)
dossiers = table(Dossier)
hamlets = table(Hamlet)


def parse_tracking_no(raw: str, field: str = "tracking_no") -> str:
    try:
        return normalize_tracking_no(raw)
    except InvalidTrackingNumber as exc:
        raise InvalidInput(str(exc), field=field) from None


# An event carries the commune it counts for, worked out by the database as the row goes in.
_INSERT_EVENT = events.insert().values(
    commune_id=holder(sa.bindparam("holder_of"), sa.bindparam("held_at", type_=events.c.at.type))
)


def record_event(conn: Connection, values: dict[str, Any]) -> None:
    """Write an event (`values`: its columns but `commune_id`): the one way the service writes
    events. (`bench seed` loads its own in bulk, with the commune it booked them in.)"""
    conn.execute(_INSERT_EVENT, {**values, "holder_of": values["shipment_id"], "held_at": values["at"]})


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


def assign_postman(conn: Connection, commune_id: int, row: sa.Row, postman_id: int | None) -> None:
    """Give a parcel to a postman (None: back to its hamlet's default postman, if any)."""
    if Status(row.status) in FINAL_STATUSES:
        raise Conflict("this parcel's round is over: it cannot be assigned", current_status=row.status)
    if postman_id is not None:
        find_postman(conn, commune_id, postman_id)
    conn.execute(shipments.update().where(shipments.c.id == row.id).values(postman_id=postman_id))


EDITABLE_STATUSES = frozenset({Status.BOOKED, Status.PICKUP_FAILED})
"""The desk may correct a dossier's contact and address while every leg of it is in one of
these: the post has taken nothing yet, so no label, manifest or hand-over record under way
shows the old values."""

CONTACT_FIELDS = ("full_name", "phone", "hamlet_code", "detail", "note")
_REQUIRED = ("full_name", "phone", "hamlet_code", "detail")  # a booking has them: an edit cannot remove them


def change_contact(conn: Connection, principal: Principal, row: sa.Row, contact: dict[str, Any]) -> None:
    """Correct the citizen's name, phone, address or note on the dossier of this leg (the label,
    receipt and manifests read them from there), and log which parts changed, never the values."""
    for field in _REQUIRED:
        if field in contact and contact[field] is None:
            raise InvalidInput(f"{field} cannot be removed, only changed", field=field)
    legs = conn.execute(
        sa.select(shipments).where(shipments.c.dossier_id == row.dossier_id).order_by(shipments.c.id).with_for_update()
    ).all()
    taken = next((leg for leg in legs if Status(leg.status) not in EDITABLE_STATUSES), None)
    if taken is not None:
        raise Conflict(
            "the post has already taken this dossier (or it is closed): its contact and address can no longer"
            " be changed", current_status=taken.status, tracking_no=taken.tracking_no,
        )  # fmt: skip
    dossier = conn.execute(sa.select(dossiers).where(dossiers.c.id == row.dossier_id).with_for_update()).one()
    values: dict[str, Any] = {}
    changed: set[Change] = set()
    for field, column, change in (
        ("full_name", "applicant_name", Change.FULL_NAME), ("phone", "applicant_phone", Change.PHONE),
        ("note", "note", Change.NOTE),
    ):  # fmt: skip
        if field in contact and (contact[field] or None) != getattr(dossier, column):
            values[column] = contact[field] or None
            changed.add(change)
    if "hamlet_code" in contact or "detail" in contact:
        # The booking's rule: an active hamlet of the caller's commune (checked even if unchanged).
        hamlet = get_hamlet(conn, principal.commune_id, contact.get("hamlet_code", dossier.hamlet_code))
        detail = contact.get("detail", dossier.address_detail)
        if (hamlet.code, detail) != (dossier.hamlet_code, dossier.address_detail):
            changed.add(Change.ADDRESS)
            found = cached_coordinates(conn, principal.commune_id, detail, hamlet.name)
            # Not found yet: the hamlet's centre, which the background geocoding pass improves later.
            lat, lon, source = (*found, "geocoded") if found else (hamlet.lat, hamlet.lon, "hamlet")
            values.update(
                hamlet_code=hamlet.code, hamlet_name=hamlet.name, address_detail=detail, lat=lat, lon=lon,
                geo_source=source,
            )  # fmt: skip
            _move_legs(conn, principal.commune_id, dossier, legs, hamlet)
    if values:
        conn.execute(dossiers.update().where(dossiers.c.id == dossier.id).values(**values))
    for change in sorted(changed):
        audit.record(conn, principal, change, [dossier.id])


def _move_legs(conn: Connection, commune_id: int, dossier: sa.Row, legs: Sequence[sa.Row], hamlet: sa.Row) -> None:
    """The legs that meet the citizen at this address go to its new hamlet, and to that hamlet's
    postman if they were with the old hamlet's (a postman the desk chose stays)."""
    old_default = conn.execute(
        sa.select(hamlets.c.default_postman_id).where(
            hamlets.c.commune_id == commune_id, hamlets.c.code == dossier.hamlet_code
        )
    ).scalar()
    for leg in legs:
        if to_delivery_address(leg.leg, dossier.delivery_hamlet_code):
            continue
        moved: dict[str, Any] = {"hamlet_code": hamlet.code}
        if leg.postman_id == old_default:
            moved["postman_id"] = hamlet.default_postman_id
        conn.execute(shipments.update().where(shipments.c.id == leg.id).values(**moved))


def change_shipment(
    conn: Connection, principal: Principal, tracking_no: str, changes: dict[str, Any], rules: RulesSection
) -> ShipmentView:
    """`PATCH /shipments/{no}`: only the keys sent change (`postman_id`: the assignment; the
    others: the dossier's contact and address, before the post has taken it)."""
    if not changes:
        raise InvalidInput(f"nothing to change: send one of postman_id, {', '.join(CONTACT_FIELDS)}")
    row = find_shipment(conn, principal.commune_id, tracking_no, for_update=True)
    contact = {k: v for k, v in changes.items() if k in CONTACT_FIELDS}
    if contact:
        change_contact(conn, principal, row, contact)
    if "postman_id" in changes:
        assign_postman(conn, principal.commune_id, row, changes["postman_id"])
    return for_role(principal.role, shipment_view(conn, find_shipment(conn, principal.commune_id, tracking_no), rules))


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

    def change(self, principal: Principal, raw_number: str, changes: dict[str, Any]) -> ShipmentView:
        """Assign a postman, or correct the dossier's contact and address before the post takes it."""
        number = parse_tracking_no(raw_number)
        with self.db.write() as conn:
            return change_shipment(conn, principal, number, changes, self.rules)
