"""The figures of the daily and monthly reports, computed from the events (pure Python over a
few queries: a commune's month is a few hundred events).

Counting rules (contract: API.md, Reports): a booking counts in the month it was booked (its
`booked` event), every other event in the month it happened; months and days are local
(Asia/Ho_Chi_Minh by default), so a booking at 00:30 on the 1st local time belongs to that
month although it is still the previous month in UTC.

Definitions where the contract names a figure without defining it:
- `failures_by_reason` counts failed *deliveries* by reason (it sums to `delivery_failures`);
  failed pickups are reported apart in `pickup_failures` and `pickup_failures_by_reason`.
- `first_attempt_delivery_rate`: of the return legs whose first delivery attempt (delivered or
  delivery_failed, the earliest of them) happened in the month, the share delivered at it.
- `median_hours_to_desk`: booking of the pickup leg -> `handed_to_desk`, for legs reaching the
  desk in the month; `median_hours_to_delivery`: booking of the return leg -> `delivered`, for
  legs delivered in the month.
- `on_time_share`: of those same legs (at the desk or delivered in the month), the share that
  arrived by their `due_at` (the legal clock: J + n working days, `workdays.py`).
- `fees_collected_vnd`: fees recorded on the month's scans; `feedback_*`: feedback given in the
  month, by the parcel's hamlet and procedure.
Rates, shares, medians and means are null when there is nothing to measure.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.communes.service import scope_commune
from postal_tracker.db import Database
from postal_tracker.errors import InvalidInput
from postal_tracker.lifecycle import Reason, to_delivery_address
from postal_tracker.localtime import day_bounds, local_today, month_bounds
from postal_tracker.models import Commune, Dossier, EventRecord, Feedback, Hamlet, Shipment, table
from postal_tracker.personal import names_masked
from postal_tracker.reports import documents, quarterly
from postal_tracker.reports.attribution import attributed, counted_for
from postal_tracker.reports.schemas import DailyItem, DailyReport, Figures, MonthlyReport
from postal_tracker.workdays import on_time

events = table(EventRecord)
shipments = table(Shipment)
dossiers = table(Dossier)
hamlets = table(Hamlet)
feedback = table(Feedback)
communes = table(Commune)

FIGURES = (
    "pickups_booked", "pickups_at_desk", "returns_booked", "delivered", "returned_to_desk", "delivery_failures",
    "failures_by_reason", "pickup_failures", "pickup_failures_by_reason", "first_attempt_delivery_rate",
    "median_hours_to_desk", "median_hours_to_delivery", "on_time_share", "fees_collected_vnd", "feedback_count",
    "feedback_mean",
)  # fmt: skip
ATTEMPTS = ("delivered", "delivery_failed")


# --- local days and months --------------------------------------------------------------------


def parse_month(raw: str) -> tuple[int, int]:
    match = re.fullmatch(r"([0-9]{4})-([0-9]{2})", raw or "")
    if not match or not 1 <= int(match[2]) <= 12:
        raise InvalidInput("month is YYYY-MM, e.g. 2025-03", field="month")
    return int(match[1]), int(match[2])


# --- daily ------------------------------------------------------------------------------------


def daily_report(db: Database, principal: Principal, commune_id: int, day: date) -> DailyReport:
    """The outcome sheet; audited for the dossiers whose recipients it names. The province's
    admin reads the day's figures, not who received what: recipients' names masked for it."""
    with db.write() as conn:
        sheet, named = daily(conn, commune_id, day)
        if principal.is_admin:
            return names_masked(sheet)
        audit.record(conn, principal, Read.DAILY_REPORT, named, commune_id=commune_id)
    return sheet


def daily(conn: Connection, commune_id: int, day: date) -> tuple[DailyReport, set[int]]:
    """The sheet, and the dossiers whose recipients' names it shows (for the audit log)."""
    start, end = day_bounds(day)
    rows = conn.execute(
        sa.select(
            shipments.c.tracking_no, shipments.c.leg, shipments.c.hamlet_code, shipments.c.dossier_id, events.c.event,
            events.c.at, events.c.reason, events.c.recipient_name,
        )
        .select_from(attributed(events.join(shipments, shipments.c.id == events.c.shipment_id)))
        .where(counted_for(commune_id, events.c.at), events.c.at >= start, events.c.at < end)
        .order_by(events.c.at, events.c.id)
    ).all()  # fmt: skip
    items: list[DailyItem] = []
    named: set[int] = set()
    for r in rows:
        item: DailyItem = {
            "tracking_no": r.tracking_no, "leg": r.leg, "event": r.event, "at": r.at, "hamlet_code": r.hamlet_code,
        }  # fmt: skip
        if r.reason:
            item["reason"] = r.reason
        if r.recipient_name:
            item["recipient_name"] = r.recipient_name
            named.add(r.dossier_id)
        items.append(item)
    counts = dict(sorted(Counter(r.event for r in rows).items()))
    return {"date": day, "counts": counts, "items": items}, named


# --- monthly ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Ev:
    shipment_id: int
    id: int
    event: str
    at: datetime
    reason: str | None
    fee: int
    leg: str
    hamlet_code: str
    procedure_code: str


def _median_hours(deltas: list[timedelta]) -> float | None:
    return round(statistics.median(d.total_seconds() / 3600 for d in deltas), 2) if deltas else None


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _figures(
    evs: Iterable[_Ev], ratings: list[int], booked_at: dict[int, datetime], first_attempt: dict[int, int],
    due_at: dict[int, datetime],
) -> Figures:  # fmt: skip
    evs = list(evs)
    by_event: dict[str, list[_Ev]] = defaultdict(list)
    for e in evs:
        by_event[e.event].append(e)
    booked = by_event["booked"]
    at_desk, delivered = by_event["handed_to_desk"], by_event["delivered"]
    firsts = [e for e in evs if e.event in ATTEMPTS and first_attempt.get(e.shipment_id) == e.id]
    to_desk = [e.at - booked_at[e.shipment_id] for e in at_desk if e.shipment_id in booked_at]
    to_delivery = [e.at - booked_at[e.shipment_id] for e in delivered if e.shipment_id in booked_at]
    timed, on_time_count = on_time(at_desk + delivered, due_at)
    failures = Counter(e.reason for e in by_event["delivery_failed"])
    pickup_failures = Counter(e.reason for e in by_event["pickup_failed"])
    return {
        "pickups_booked": sum(e.leg == "pickup" for e in booked),
        "pickups_at_desk": len(at_desk),
        "returns_booked": sum(e.leg == "return" for e in booked),
        "delivered": len(delivered),
        "returned_to_desk": len(by_event["returned_to_desk"]),
        "delivery_failures": len(by_event["delivery_failed"]),
        "failures_by_reason": {r.value: failures[r] for r in Reason if failures[r]},
        "pickup_failures": len(by_event["pickup_failed"]),
        "pickup_failures_by_reason": {r.value: pickup_failures[r] for r in Reason if pickup_failures[r]},
        "first_attempt_delivery_rate": _share(sum(e.event == "delivered" for e in firsts), len(firsts)),
        "median_hours_to_desk": _median_hours(to_desk),
        "median_hours_to_delivery": _median_hours(to_delivery),
        "on_time_share": _share(on_time_count, timed),
        "fees_collected_vnd": sum(e.fee for e in evs),
        "feedback_count": len(ratings),
        "feedback_mean": round(statistics.fmean(ratings), 2) if ratings else None,
    }


def due_dates(conn: Connection, shipment_ids: Any) -> dict[int, datetime]:
    rows = conn.execute(sa.select(shipments.c.id, shipments.c.due_at).where(shipments.c.id.in_(shipment_ids)))
    return {r.id: r.due_at for r in rows if r.due_at is not None}


def monthly(conn: Connection, commune_id: int, month: str) -> MonthlyReport:
    year, number = parse_month(month)
    start, end = month_bounds(year, number)
    joined = attributed(events.join(shipments, shipments.c.id == events.c.shipment_id))
    in_month = sa.and_(counted_for(commune_id, events.c.at), events.c.at >= start, events.c.at < end)
    rows = conn.execute(
        sa.select(
            events.c.shipment_id, events.c.id, events.c.event, events.c.at, events.c.reason,
            events.c.fee_collected_vnd, shipments.c.leg, shipments.c.hamlet_code, dossiers.c.procedure_code,
            dossiers.c.procedure_name, dossiers.c.hamlet_name, dossiers.c.delivery_hamlet_code,
            dossiers.c.delivery_hamlet_name,
        ).select_from(joined).where(in_month).order_by(events.c.at, events.c.id)
    ).all()  # fmt: skip
    evs = [
        _Ev(r.shipment_id, r.id, r.event, r.at, r.reason, r.fee_collected_vnd or 0, r.leg, r.hamlet_code,
            r.procedure_code)
        for r in rows
    ]  # fmt: skip
    procedure_names = {r.procedure_code: r.procedure_name for r in rows}
    involved = sa.select(events.c.shipment_id).select_from(joined).where(in_month).scalar_subquery()
    booked_at = {
        r.shipment_id: r.at
        for r in conn.execute(
            sa.select(events.c.shipment_id, sa.func.min(events.c.at).label("at"))
            .where(events.c.event == "booked", events.c.shipment_id.in_(involved))
            .group_by(events.c.shipment_id)
        )
    }
    due_at = due_dates(conn, involved)
    first_attempt: dict[int, int] = {}
    for r in conn.execute(
        sa.select(events.c.shipment_id, events.c.id)
        .where(events.c.event.in_(ATTEMPTS), events.c.shipment_id.in_(involved))
        .order_by(events.c.at.desc(), events.c.id.desc())
    ):
        first_attempt[r.shipment_id] = r.id  # the last written is the earliest
    given = conn.execute(
        sa.select(feedback.c.rating, shipments.c.hamlet_code, dossiers.c.procedure_code, dossiers.c.procedure_name)
        .select_from(attributed(feedback.join(shipments, shipments.c.id == feedback.c.shipment_id)))
        .where(
            counted_for(commune_id, feedback.c.created_at),
            feedback.c.created_at >= start,
            feedback.c.created_at < end,
        )
    ).all()
    procedure_names.update({r.procedure_code: r.procedure_name for r in given})

    def figures(evs_subset: Iterable[_Ev], ratings: list[int]) -> Figures:
        return _figures(evs_subset, ratings, booked_at, first_attempt, due_at)

    known = conn.execute(
        sa.select(hamlets.c.code, hamlets.c.name).where(hamlets.c.commune_id == commune_id).order_by(hamlets.c.id)
    ).all()
    # A hamlet is named as its parcels were booked (the latest booked name in the month wins),
    # else as it is named now: a renamed or merged-away hamlet keeps its name in past months.
    booked_names = {
        r.hamlet_code: r.delivery_hamlet_name if to_delivery_address(r.leg, r.delivery_hamlet_code) else r.hamlet_name
        for r in rows
    }
    hamlet_names = {r.code: r.name for r in known} | booked_names
    hamlet_codes = list(hamlet_names) + sorted({e.hamlet_code for e in evs} - set(hamlet_names))
    commune = conn.execute(sa.select(communes.c.name).where(communes.c.id == commune_id)).scalar()
    return {
        "month": f"{year:04d}-{number:02d}",
        "commune": commune,
        "totals": figures(evs, [r.rating for r in given]),
        "by_hamlet": [
            {
                "hamlet_code": code,
                "hamlet_name": hamlet_names.get(code, code),
                **figures(
                    (e for e in evs if e.hamlet_code == code), [r.rating for r in given if r.hamlet_code == code]
                ),
            }
            for code in hamlet_codes
        ],
        "by_procedure": [
            {
                "procedure_code": code,
                "procedure_name": procedure_names[code],
                **figures(
                    (e for e in evs if e.procedure_code == code),
                    [r.rating for r in given if r.procedure_code == code],
                ),
            }
            for code in sorted(procedure_names)
        ],
    }


def monthly_report(db: Database, commune_id: int, month: str) -> MonthlyReport:
    with db.read() as conn:
        return monthly(conn, commune_id, month)


def write_monthly_file(db: Database, commune_id: int, month: str, out: str) -> Path:
    """`postal-tracker report monthly`: the same JSON, CSV or PDF as the API, by extension."""
    path = Path(out)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("json", "csv", "pdf"):
        raise InvalidInput("the output file ends in .json, .csv or .pdf", field="out")
    report = monthly_report(db, commune_id, month)
    path.write_bytes(documents.render(report, kind))
    return path


@dataclass(frozen=True)
class ReportFile:
    filename: str
    media_type: str
    content: bytes


class ReportService:
    """The reports context: the desk's daily sheet and the month's figures, as JSON, CSV or PDF."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def communes_of(self, principal: Principal, commune: str | None, every: bool = False) -> list[int]:
        """The communes a report covers: the caller's own; the one the admin names, or with
        `every` (the quarter) every commune when the admin names none."""
        with self.db.read() as conn:
            if every and principal.is_admin and commune is None:
                return quarterly.every_commune(conn)
            return [scope_commune(conn, principal, commune)]

    def daily(self, principal: Principal, commune: str | None, day: date | None) -> DailyReport:
        """`day` is local, today by default."""
        [commune_id] = self.communes_of(principal, commune)
        return daily_report(self.db, principal, commune_id, day or local_today())

    def monthly(self, commune_id: int, month: str) -> MonthlyReport:
        return monthly_report(self.db, commune_id, month)

    def monthly_file(self, principal: Principal, commune: str | None, month: str, kind: str) -> ReportFile:
        """The month's report rendered as `json`, `csv` or `pdf`, named `bao-cao-YYYY-MM.<kind>`."""
        [commune_id] = self.communes_of(principal, commune)
        report = monthly_report(self.db, commune_id, month)
        content = documents.render(report, kind)
        return ReportFile(f"bao-cao-{report['month']}.{kind}", documents.MEDIA_TYPES[kind], content)

    def quarterly_file(self, principal: Principal, commune: str | None, quarter: str, kind: str) -> ReportFile:
        """The quarter's report (Circular 17/2017 Art. 13), named `bao-cao-quy-YYYY-Qn.<kind>`."""
        commune_ids = self.communes_of(principal, commune, every=True)
        with self.db.read() as conn:
            report = quarterly.quarterly(conn, commune_ids, quarter)
        content = documents.render_quarterly(report, kind)
        return ReportFile(f"bao-cao-quy-{report['quarter']}.{kind}", documents.MEDIA_TYPES[kind], content)
