"""Scans: applying the status machine to a parcel, exactly once per scan, keeping every refusal.

Each scan is one write transaction that (1) recognises a scan it has seen (`scan_id`),
(2) locks the parcel's row, so two conflicting scans at the same moment are applied one after
the other and the second is checked against the first one's result, (3) checks the transition
against `lifecycle.TRANSITIONS`, and (4) writes the event, the new status, the outbox message
and the scan record together. A refused scan is recorded in the same way, with its reason.

A `scan_id` belongs to the commune whose staff sent it first. The same id sent by another
commune's staff is neither that scan's duplicate nor applied: it is refused as a 404 that says
nothing of the first scan, and kept (without the id, which stays unique) for that desk to see.

A scan's `at` is compared with the server's clock only (never with earlier events' times:
scanner clocks drift): at most `scan_clock_skew` ahead and `scan_max_age` behind it, so that a
scanner whose clock was reset (1970, 2000, 9999) is refused, scan by scan.

`fee_collected_vnd` goes with `picked_up` or `delivered` only, up to what is still owed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, cast

import pydantic
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.db import Database, insert_one, utcnow
from postal_tracker.errors import DomainError, InvalidInput, NotFound, TransitionForbidden, problem_of
from postal_tracker.idempotency import as_sent, run_once
from postal_tracker.lifecycle import (
    FAILURE_EVENTS,
    FEE_EVENTS,
    TAKEN_BY_POST,
    TRANSITIONS,
    Event,
    Leg,
    Reason,
    Status,
    allowed_events,
)
from postal_tracker.models import Dossier, Handover, ScanRecord, Shipment, table
from postal_tracker.outbox import status_changed
from postal_tracker.personal import for_role, scrubbed
from postal_tracker.scanning.schemas import (
    BatchAnswer,
    BatchError,
    BatchResult,
    ExceptionResolved,
    HandoverRecorded,
    HandoverRequest,
    ScanException,
    ScanExceptionPage,
    ScanRequest,
)
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.service import fee_owed, parse_tracking_no, record_event, shipment_view
from postal_tracker.workdays import next_attempt_on, transit_due_at

scan_records = table(ScanRecord)
shipments = table(Shipment)
dossiers = table(Dossier)
handovers = table(Handover)


# The hot path's statements, built once: values go as parameters, so SQLAlchemy reuses each
# compiled statement instead of building and keying a new one per scan (MEASURED.md).
# The parcel's row and its dossier's, locked together in one statement (one round trip, not
# two): the parcel for conflicting scans, the dossier for the fee its legs share. The dossier's
# columns are those the outbox needs (outbox.status_changed); none shares a name with a parcel's.
_PARCEL_FOR_UPDATE = (
    sa.select(
        shipments, dossiers.c.portal_dossier_no, dossiers.c.sms_opt_out, dossiers.c.applicant_phone,
        dossiers.c.procedure_name,
    )
    .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
    .where(shipments.c.tracking_no == sa.bindparam("number"), shipments.c.commune_id == sa.bindparam("commune_id"))
    .with_for_update()
)  # fmt: skip
# RETURNING: the updated row comes back with the UPDATE, without a second SELECT.
_UPDATE_SHIPMENT = shipments.update().where(shipments.c.id == sa.bindparam("shipment_id")).returning(*shipments.c)
_INSERT_SCAN_RECORD = scan_records.insert()
_SCAN_BY_ID = sa.select(scan_records).where(scan_records.c.scan_id == sa.bindparam("scan_id"))


@dataclass(frozen=True)
class ScanOutcome:
    outcome: Literal["accepted", "duplicate", "rejected"]
    http_status: int
    body: dict[str, Any]
    """ScanAccepted, or ScanRefused as problem details (a duplicate: the first answer, as sent)."""


def _scan_id_of(raw: Any) -> str | None:
    try:
        return str(uuid.UUID(str(raw.get("scan_id"))))
    except (AttributeError, ValueError, TypeError):
        return None


def validate_scan(raw: Any, now: datetime, rules: RulesSection) -> tuple[ScanRequest, str]:
    """The scan and its normalized tracking number, or InvalidInput naming the fields."""
    try:
        scan = ScanRequest.model_validate(raw)
    except pydantic.ValidationError as exc:
        errors = [{"field": ".".join(map(str, e["loc"])), "message": e["msg"]} for e in exc.errors()]
        raise InvalidInput("invalid scan: " + ", ".join(e["field"] for e in errors), errors=errors) from None
    tracking_no = parse_tracking_no(scan.tracking_no)
    check_time(scan.at, now, rules)
    return scan, tracking_no


def apply_event(
    conn: Connection, principal: Principal, tracking_no: str, event: Event, fields: dict[str, Any],
    rules: RulesSection, *, scan_id: str | None = None, handover_id: int | None = None,
) -> sa.Row:  # fmt: skip
    """Check and apply one event to a parcel. Every check comes before the first write."""
    shipment = conn.execute(_PARCEL_FOR_UPDATE, {"number": tracking_no, "commune_id": principal.commune_id}).first()
    if shipment is None:
        raise NotFound(f"no parcel with tracking number {tracking_no}")
    leg, status = Leg(shipment.leg), Status(shipment.status)
    allowed = allowed_events(leg, status, shipment.attempts, rules.max_delivery_attempts)
    if event not in allowed:
        if status in TRANSITIONS[event].allowed_from.get(leg, ()):
            why = f"the limit of {rules.max_delivery_attempts} attempts is reached"
        else:
            why = f"{event.value} is not allowed for a {leg.value} parcel in status {status.value}"
        # A label scanned twice: the parcel already has this event's status. Not an error for
        # anyone to resolve (the desk's list leaves it out), and the phone says "already recorded".
        repeat = status is TRANSITIONS[event].to
        raise TransitionForbidden(
            why, tracking_no=tracking_no, current_status=status.value,
            allowed_events=[e.value for e in allowed], repeat=repeat,
        )  # fmt: skip
    transition = TRANSITIONS[event]
    missing = [f for f in transition.required if not fields.get(f)]
    if missing:
        raise InvalidInput(f"{event.value} needs {', '.join(missing)}", field=missing[0])
    if fields.get("reason") == Reason.OTHER and not fields.get("note"):
        raise InvalidInput("reason 'other' needs a note saying what happened", field="note")
    if fields.get("recipient_relationship") == "proxy" and not fields.get("authorization_note"):
        raise InvalidInput("a proxy needs the letter of authorisation's number or date", field="authorization_note")
    fee = fields.get("fee_collected_vnd") or 0
    if fee:
        _check_fee(conn, shipment.dossier_id, event, fee)

    now = utcnow()
    at = fields.get("at") or now
    attempts = shipment.attempts + (1 if event in FAILURE_EVENTS else 0)
    # The legal clock: J is the day the post takes the leg (the scan's own time, also when an
    # offline scanner syncs it later); a failed delivery below the limit waits for its next day.
    due_at = transit_due_at(at, rules.transit_working_days) if event == TAKEN_BY_POST[leg] else shipment.due_at
    next_attempt = None
    if event == Event.DELIVERY_FAILED and attempts < rules.max_delivery_attempts:
        next_attempt = next_attempt_on(at, rules.reattempt_working_days)
    updated = conn.execute(_UPDATE_SHIPMENT, {
        "shipment_id": shipment.id, "status": transition.to.value, "attempts": attempts,
        "version": shipment.version + 1, "updated_at": now,
        "last_reason": fields.get("reason") if event in FAILURE_EVENTS else shipment.last_reason,
        "fee_collected_vnd": shipment.fee_collected_vnd + fee, "due_at": due_at, "next_attempt_on": next_attempt,
    }).one()  # fmt: skip
    location = fields.get("location") or {}
    record = {
        "shipment_id": shipment.id, "event": event.value, "code": transition.code,
        "status": transition.to.value, "at": at, "recorded_at": now,
        "reason": fields.get("reason"), "note": fields.get("note"),
        "recipient_name": fields.get("recipient_name"),
        "recipient_relationship": fields.get("recipient_relationship"),
        "recipient_id_kind": fields.get("recipient_id_kind"),
        "recipient_id_number": fields.get("recipient_id_number"),
        "authorization_note": fields.get("authorization_note"),
        "signature_png": fields.get("signature_png"), "photo_jpeg": fields.get("photo_jpeg"),
        "lat": fields.get("lat"), "lon": fields.get("lon"),
        "location_kind": location.get("kind"), "location_code": location.get("code"),
        "fee_collected_vnd": fields.get("fee_collected_vnd"), "scan_id": scan_id,
        "handover_id": handover_id, "user_id": principal.user_id,
    }  # fmt: skip
    record_event(conn, record)
    status_changed(conn, updated, shipment, record)  # the locked row carries the dossier's columns
    return updated


def check_time(at: datetime, now: datetime, rules: RulesSection) -> None:
    """A scan's or a hand-over's time, against the server's clock only."""
    if at > now + rules.scan_clock_skew:
        raise InvalidInput("the scan time is in the future: check the scanner's clock", field="at")
    if at < now - rules.scan_max_age:
        raise InvalidInput(
            f"the scan time is more than {rules.scan_max_age_days} days ago: check the scanner's clock", field="at"
        )


def _check_fee(conn: Connection, dossier_id: int, event: Event, fee: int) -> None:
    """A fee is collected with the dossier (`picked_up`) or, for what is still owed then, with
    the result (`delivered`); never more than the dossier's fee less what was collected."""
    if event not in FEE_EVENTS:
        raise InvalidInput(
            f"a fee is collected only on picked_up or delivered, not on {event.value}", field="fee_collected_vnd"
        )
    owed = fee_owed(conn, dossier_id)
    if fee > owed:
        raise InvalidInput(
            f"{fee} VND is more than the {owed} VND still owed on this dossier", field="fee_collected_vnd",
            owed_vnd=owed,
        )  # fmt: skip


def record_scan(db: Database, principal: Principal, raw: Any, rules: RulesSection) -> ScanOutcome:
    try:
        with db.write() as conn:
            return _record_scan(conn, principal, raw, rules)
    except sa.exc.IntegrityError:
        # The same scan_id arrived twice at the same moment and the other copy committed first:
        # now it is seen, and answered as a duplicate (or refused, if another commune's).
        with db.write() as conn:
            return _record_scan(conn, principal, raw, rules)


def _record_scan(conn: Connection, principal: Principal, raw: Any, rules: RulesSection) -> ScanOutcome:
    scan_id = _scan_id_of(raw)
    payload = raw if isinstance(raw, dict) else {"body": raw}
    received_at = utcnow()
    # The raw scan is kept without clear personal data: the applied event holds it (encrypted).
    record = {
        "scan_id": scan_id, "commune_id": principal.commune_id, "user_id": principal.user_id,
        "received_at": received_at, "payload": scrubbed(payload),
        "tracking_no": str(payload.get("tracking_no"))[:40] if payload.get("tracking_no") else None,
        "event": str(payload.get("event"))[:40] if payload.get("event") else None,
    }  # fmt: skip
    seen = None
    if scan_id is not None:
        seen = conn.execute(_SCAN_BY_ID, {"scan_id": scan_id}).first()
    if seen is not None and seen.commune_id == principal.commune_id:
        body = {**seen.result, "duplicate": True}
        return ScanOutcome("duplicate", 200 if seen.outcome == "accepted" else seen.error_status, body)
    try:
        if seen is not None:
            raise NotFound(f"no scan {scan_id} in this commune: a scan_id is used once, give this scan a new one")
        scan, tracking_no = validate_scan(raw, received_at, rules)
        fields = scan.model_dump(exclude={"scan_id", "tracking_no", "event"}, exclude_none=True)
        shipment = apply_event(conn, principal, tracking_no, Event(scan.event), fields, rules, scan_id=scan_id)
    except DomainError as exc:
        problem = {**problem_of(exc), "scan_id": scan_id, "accepted": False, "duplicate": False}
        # A repeat is kept like any refusal, apart from the refusals the desk resolves.
        kept_as = "repeat" if problem.get("repeat") else "rejected"
        conn.execute(_INSERT_SCAN_RECORD, {
            **record, "scan_id": None if seen is not None else scan_id, "outcome": kept_as,
            "error_status": exc.status, "error_title": exc.title, "error_detail": exc.detail,
            "result": scrubbed(problem),
        })  # fmt: skip
        return ScanOutcome("rejected", exc.status, problem)
    body = {
        "scan_id": scan_id, "accepted": True, "duplicate": False,
        "shipment": shipment_view(conn, shipment, rules),
    }  # fmt: skip
    conn.execute(_INSERT_SCAN_RECORD, {
        **record, "tracking_no": tracking_no, "outcome": "accepted", "shipment_id": shipment.id,
        "result": scrubbed(as_sent(body)),
    })  # fmt: skip
    return ScanOutcome("accepted", 201, for_role(principal.role, body))


_SCAN_TIME = pydantic.TypeAdapter(pydantic.AwareDatetime)
_NO_TIME = datetime.min.replace(tzinfo=UTC)


def record_batch(db: Database, principal: Principal, scans: list[Any], rules: RulesSection) -> list[BatchResult]:
    """Apply an offline scanner's queue in order of scan time; one bad scan never blocks the others."""

    def scan_time(item: tuple[int, Any]) -> tuple[int, datetime]:
        # By the instant, parsed as the scan itself will be: `10:00+07:00` is before `04:00Z`,
        # whatever the strings say. A scan without a usable time goes last (it will be refused).
        raw = item[1]
        try:
            return 0, _SCAN_TIME.validate_python(raw.get("at") if isinstance(raw, dict) else None)
        except pydantic.ValidationError:
            return 1, _NO_TIME

    results: dict[int, BatchResult] = {}
    # One transaction for the batch (one commit, not a thousand), each scan in its own savepoint:
    # a scan that fails unexpectedly rolls back alone. Answered once the whole batch is durable.
    with db.write() as conn:
        for index, raw in sorted(enumerate(scans), key=scan_time):
            results[index] = _batch_result(_record_in_savepoint(conn, principal, raw, rules))
    return [results[index] for index in range(len(scans))]


def _record_in_savepoint(conn: Connection, principal: Principal, raw: Any, rules: RulesSection) -> ScanOutcome:
    try:
        with conn.begin_nested():
            return _record_scan(conn, principal, raw, rules)
    except sa.exc.IntegrityError:
        # As in record_scan: the same scan_id committed meanwhile by another request.
        with conn.begin_nested():
            return _record_scan(conn, principal, raw, rules)


def _batch_result(outcome: ScanOutcome) -> BatchResult:
    body = outcome.body
    result: BatchResult = {"scan_id": body.get("scan_id"), "outcome": outcome.outcome}
    if outcome.http_status < 300:
        result["status"] = body["shipment"]["status"]  # an accepted scan's answer (or its repeat)
    else:
        # The problem's keys that BatchError names, those it has (mypy cannot follow the filter).
        error_keys = ("status", "title", "detail", "current_status", "repeat")
        result["error"] = cast(BatchError, {k: body[k] for k in error_keys if k in body})
    return result


def record_handover(
    conn: Connection, principal: Principal, req: HandoverRequest, rules: RulesSection
) -> HandoverRecorded:
    """Apply `handed_to_desk` / `collected_from_desk` to every parcel, or to none of them
    (in the caller's transaction: raising rolls it all back)."""
    event = Event.HANDED_TO_DESK if req.direction == "to_desk" else Event.COLLECTED_FROM_DESK
    now = utcnow()
    at = req.at or now
    check_time(at, now, rules)
    problems: list[dict[str, Any]] = []
    handover_id = insert_one(
        conn,
        handovers.insert().values(
            commune_id=principal.commune_id, direction=req.direction, at=at, count=len(req.tracking_nos),
            user_id=principal.user_id, created_at=now,
        )
    )  # fmt: skip
    seen: set[str] = set()
    for raw in req.tracking_nos:
        try:
            tracking_no = parse_tracking_no(raw)
            if tracking_no in seen:
                raise InvalidInput("listed twice", field="tracking_nos")
            seen.add(tracking_no)
            with conn.begin_nested():
                apply_event(conn, principal, tracking_no, event, {"at": at}, rules, handover_id=handover_id)
        except DomainError as exc:
            problems.append({"tracking_no": raw, **problem_of(exc)})
    if problems:
        # Raising rolls back the whole hand-over: the paper record must match the database.
        raise InvalidInput(
            f"{len(problems)} of {len(req.tracking_nos)} parcels cannot be handed over; nothing was recorded",
            problems=problems,
        )
    return {"handover_id": handover_id, "count": len(req.tracking_nos), "direction": req.direction, "at": at}


def list_exceptions(
    db: Database, principal: Principal, *, resolved: bool, limit: int, offset: int
) -> ScanExceptionPage:
    """Refused scans; audited for the parcels they name (their payloads may carry names)."""
    with db.write() as conn:
        page, dossier_ids = exceptions_page(conn, principal.commune_id, resolved=resolved, limit=limit, offset=offset)
        audit.record(conn, principal, Read.REFUSED_SCANS, dossier_ids)
    return page


def exceptions_page(
    conn: Connection, commune_id: int, *, resolved: bool, limit: int, offset: int
) -> tuple[ScanExceptionPage, set[int]]:
    """A page of refused scans, and the dossiers of the parcels they name (for the audit log)."""
    condition = sa.and_(
        scan_records.c.commune_id == commune_id,
        scan_records.c.outcome == "rejected",
        scan_records.c.resolved_at.is_not(None) if resolved else scan_records.c.resolved_at.is_(None),
    )
    parcel = shipments.alias("parcel")
    total = conn.execute(sa.select(sa.func.count()).select_from(scan_records).where(condition)).scalar_one()
    rows = conn.execute(
        sa.select(scan_records, parcel.c.dossier_id)
        .outerjoin(parcel, sa.and_(parcel.c.tracking_no == scan_records.c.tracking_no,
                                   parcel.c.commune_id == scan_records.c.commune_id))
        .where(condition).order_by(scan_records.c.id.desc()).limit(limit).offset(offset)
    ).all()  # fmt: skip
    items: list[ScanException] = [
        {
            "id": r.id, "scan_id": r.scan_id, "received_at": r.received_at, "tracking_no": r.tracking_no,
            "event": r.event, "status": r.error_status, "title": r.error_title, "reason": r.error_detail,
            "errors": r.result.get("errors"), "current_status": r.result.get("current_status"),
            "payload": r.payload, "user_id": r.user_id, "resolved_at": r.resolved_at,
            "resolution_note": r.resolution_note,
        }
        for r in rows
    ]  # fmt: skip
    page: ScanExceptionPage = {"items": items, "total": total, "limit": limit, "offset": offset}
    return page, {r.dossier_id for r in rows if r.dossier_id is not None}


def resolve_exception(db: Database, principal: Principal, exception_id: int, note: str | None) -> ExceptionResolved:
    with db.write() as conn:
        done = conn.execute(
            scan_records.update()
            .where(
                scan_records.c.id == exception_id, scan_records.c.commune_id == principal.commune_id,
                scan_records.c.outcome == "rejected",
            )
            .values(resolved_at=utcnow(), resolved_by_user_id=principal.user_id, resolution_note=note)
        ).rowcount  # fmt: skip
    if not done:
        raise NotFound(f"no refused scan {exception_id}")
    return {"id": exception_id, "resolved": True}


class ScanService:
    """The scanning context: scans and hand-overs applied to the status machine, refused scans
    kept for the desk to resolve."""

    def __init__(self, db: Database, rules: RulesSection) -> None:
        self.db = db
        self.rules = rules

    def scan(self, principal: Principal, raw: Any) -> ScanOutcome:
        return record_scan(self.db, principal, raw, self.rules)

    def batch(self, principal: Principal, scans: list[Any]) -> BatchAnswer:
        return {"results": record_batch(self.db, principal, scans, self.rules)}

    def handover(self, principal: Principal, req: HandoverRequest, idempotency_key: str | None) -> HandoverRecorded:
        return run_once(
            self.db, principal.key, idempotency_key, "handovers", req.model_dump(mode="json"),
            lambda conn: record_handover(conn, principal, req, self.rules),
        )  # fmt: skip

    def exceptions(self, principal: Principal, *, resolved: bool, limit: int, offset: int) -> ScanExceptionPage:
        return list_exceptions(self.db, principal, resolved=resolved, limit=limit, offset=offset)

    def resolve(self, principal: Principal, exception_id: int, note: str | None) -> ExceptionResolved:
        return resolve_exception(self.db, principal, exception_id, note)
