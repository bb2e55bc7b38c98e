"""The figures of the daily and monthly reports, computed from the events: counted in the
database (a commune's month is some 100,000 events at scale), grouped by hamlet, procedure,
leg, event and reason, then added up here; only the arrivals come out one by one, for medians.

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
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

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
        .select_from(events.join(shipments, shipments.c.id == events.c.shipment_id))
        .where(events.c.commune_id == commune_id, events.c.at >= start, events.c.at < end)
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


def _median_hours(deltas: list[timedelta]) -> float | None:
    return round(statistics.median(d.total_seconds() / 3600 for d in deltas), 2) if deltas else None


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def _figures(tallies: Sequence[sa.Row], arrivals: Sequence[sa.Row], ratings: list[int]) -> Figures:
    """The figures of some of the month's tallies (one a hamlet, a procedure, a leg, an event and
    a reason), the arrivals among their events (with their leg's booking) and their feedback."""
    count: Counter[str] = Counter()
    failures: Counter[str | None] = Counter()
    pickup_failures: Counter[str | None] = Counter()
    booked: Counter[str] = Counter()
    firsts = firsts_delivered = measured = arrived_on_time = fees = 0
    for t in tallies:
        count[t.event] += t.n
        if t.event == "booked":
            booked[t.leg] += t.n
        elif t.event == "delivery_failed":
            failures[t.reason] += t.n
        elif t.event == "pickup_failed":
            pickup_failures[t.reason] += t.n
        firsts += t.first_attempts
        firsts_delivered += t.first_attempts if t.event == "delivered" else 0
        measured += t.measured
        arrived_on_time += t.on_time
        fees += t.fees
    to_desk = [a.at - a.booked_at for a in arrivals if a.event == "handed_to_desk" and a.booked_at is not None]
    to_delivery = [a.at - a.booked_at for a in arrivals if a.event == "delivered" and a.booked_at is not None]
    return {
        "pickups_booked": booked["pickup"],
        "pickups_at_desk": count["handed_to_desk"],
        "returns_booked": booked["return"],
        "delivered": count["delivered"],
        "returned_to_desk": count["returned_to_desk"],
        "delivery_failures": count["delivery_failed"],
        "failures_by_reason": {r.value: failures[r] for r in Reason if failures[r]},
        "pickup_failures": count["pickup_failed"],
        "pickup_failures_by_reason": {r.value: pickup_failures[r] for r in Reason if pickup_failures[r]},
        "first_attempt_delivery_rate": _share(firsts_delivered, firsts),
        "median_hours_to_desk": _median_hours(to_desk),
        "median_hours_to_delivery": _median_hours(to_delivery),
        "on_time_share": _share(arrived_on_time, measured),
        "fees_collected_vnd": fees,
        "feedback_count": len(ratings),
        "feedback_mean": round(statistics.fmean(ratings), 2) if ratings else None,
    }


def _tallies(conn: Connection, joined: sa.FromClause, in_month: sa.ColumnElement[bool]) -> list[sa.Row]:
    """The month's events counted in the database, one row a hamlet, procedure, leg, event and
    reason (and the names the dossiers gave them), with the first and the last of its events in
    time, then id (`first_at`, `first_id`, `last_at`, `last_id`), for naming hamlets as booked."""
    earlier = events.alias("earlier")
    first_attempt = sa.and_(
        events.c.event.in_(ATTEMPTS),
        ~sa.exists().where(
            earlier.c.shipment_id == events.c.shipment_id, earlier.c.event.in_(ATTEMPTS),
            sa.or_(earlier.c.at < events.c.at, sa.and_(earlier.c.at == events.c.at, earlier.c.id < events.c.id)),
        ),
    )  # fmt: skip
    keys = (
        shipments.c.hamlet_code, dossiers.c.procedure_code, shipments.c.leg, events.c.event, events.c.reason,
        dossiers.c.hamlet_name, dossiers.c.delivery_hamlet_code, dossiers.c.delivery_hamlet_name,
        dossiers.c.procedure_name,
    )  # fmt: skip
    in_order = (events.c.at, events.c.id)
    month = (
        sa.select(
            *keys, events.c.id, events.c.at, events.c.fee_collected_vnd, shipments.c.due_at,
            sa.case((first_attempt, 1), else_=0).label("first_attempt"),
            # One window, one sort: an event's place in its group by time (then id), and the group's size.
            sa.func.row_number().over(partition_by=keys, order_by=in_order).label("place"),
            sa.func.count().over(partition_by=keys, order_by=in_order, rows=(None, None)).label("size"),
        )
        .select_from(joined)
        .where(in_month)
        .subquery("month")
    )  # fmt: skip
    m = month.c
    measured, arrived_on_time = on_time(m.event.in_(("handed_to_desk", "delivered")), m.at, m.due_at)
    group = [m[k.name] for k in keys]

    def at_place(place: sa.ColumnElement[bool], column: sa.ColumnElement) -> sa.ColumnElement:
        return sa.func.max(sa.case((place, column)))

    return list(conn.execute(
        sa.select(
            *group, sa.func.count().label("n"), sa.func.coalesce(sa.func.sum(m.fee_collected_vnd), 0).label("fees"),
            sa.func.sum(m.first_attempt).label("first_attempts"), measured.label("measured"),
            arrived_on_time.label("on_time"),
            at_place(m.place == 1, m.at).label("first_at"), at_place(m.place == 1, m.id).label("first_id"),
            at_place(m.place == m.size, m.at).label("last_at"), at_place(m.place == m.size, m.id).label("last_id"),
        ).group_by(*group)
    ))  # fmt: skip


def monthly(conn: Connection, commune_id: int, month: str) -> MonthlyReport:
    year, number = parse_month(month)
    start, end = month_bounds(year, number)
    # Each event counts for the commune stored on it (attribution.holder: merges included).
    joined = events.join(shipments, shipments.c.id == events.c.shipment_id).join(
        dossiers, dossiers.c.id == shipments.c.dossier_id
    )
    in_month = sa.and_(events.c.commune_id == commune_id, events.c.at >= start, events.c.at < end)
    tallies = _tallies(conn, joined, in_month)
    booked = events.alias("booking")
    booked_at = (
        sa.select(sa.func.min(booked.c.at))
        .where(booked.c.shipment_id == events.c.shipment_id, booked.c.event == "booked")
        .scalar_subquery()
    )
    arrivals = conn.execute(
        sa.select(shipments.c.hamlet_code, dossiers.c.procedure_code, events.c.event, events.c.at,
                  booked_at.label("booked_at"))
        .select_from(joined).where(in_month, events.c.event.in_(("handed_to_desk", "delivered")))
    ).all()  # fmt: skip
    given = conn.execute(
        sa.select(feedback.c.rating, shipments.c.hamlet_code, dossiers.c.procedure_code, dossiers.c.procedure_name)
        .select_from(attributed(feedback.join(shipments, shipments.c.id == feedback.c.shipment_id)))
        .where(
            counted_for([commune_id], feedback.c.created_at),
            feedback.c.created_at >= start,
            feedback.c.created_at < end,
        )
    ).all()

    # A hamlet is named as its parcels were booked (the latest booked name in the month wins),
    # else as it is named now: a renamed or merged-away hamlet keeps its name in past months.
    # (In the order its events first came in the month; a procedure by its latest name too.)
    first_seen = [t.hamlet_code for t in sorted(tallies, key=lambda t: (t.first_at, t.first_id))]
    latest: dict[str, str] = {}
    procedure_names: dict[str, str] = {}
    for t in sorted(tallies, key=lambda t: (t.last_at, t.last_id)):
        latest[t.hamlet_code] = (
            t.delivery_hamlet_name if to_delivery_address(t.leg, t.delivery_hamlet_code) else t.hamlet_name
        )
        procedure_names[t.procedure_code] = t.procedure_name
    procedure_names.update({r.procedure_code: r.procedure_name for r in given})
    known = conn.execute(
        sa.select(hamlets.c.code, hamlets.c.name).where(hamlets.c.commune_id == commune_id).order_by(hamlets.c.id)
    ).all()
    hamlet_names = {r.code: r.name for r in known} | {code: latest[code] for code in first_seen}
    commune = conn.execute(sa.select(communes.c.name).where(communes.c.id == commune_id)).scalar()
    return {
        "month": f"{year:04d}-{number:02d}",
        "commune": commune,
        "totals": _figures(tallies, arrivals, [r.rating for r in given]),
        "by_hamlet": [
            {
                "hamlet_code": code,
                "hamlet_name": name,
                **_figures(
                    [t for t in tallies if t.hamlet_code == code],
                    [a for a in arrivals if a.hamlet_code == code],
                    [r.rating for r in given if r.hamlet_code == code],
                ),
            }
            for code, name in hamlet_names.items()
        ],
        "by_procedure": [
            {
                "procedure_code": code,
                "procedure_name": procedure_names[code],
                **_figures(
                    [t for t in tallies if t.procedure_code == code],
                    [a for a in arrivals if a.procedure_code == code],
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
