"""The quarterly report of Circular 17/2017 Art. 13: a commune's (or the province's) figures for
one local quarter (Asia/Ho_Chi_Minh), in total and by commune.

Definitions (each counts what happened in the quarter):
- `dossiers_picked_up`, `results_delivered`, `results_returned_to_desk`: `picked_up`,
  `delivered` and `returned_to_desk` events.
- `fees_collected_vnd`: fees recorded on the quarter's scans.
- `complaints_received`: complaints filed in the quarter, counted for the commune that held the
  dossier when each was filed (across merges, by the rule events follow: `attribution.counted_for`);
  `lost` and `damaged` are those of that kind among them (the items reported lost or damaged).
- `complaints_resolved`: complaints resolved in the quarter, whenever filed, by the commune
  that resolved them (an open complaint moves with a merge, a resolved one stays);
  `complaints_resolved_on_time`: those resolved by their `due_on` (local day).
- `compensations`, `compensation_vnd`: complaints resolved in the quarter with a compensation
  above 0, and its sum.
- `on_time_share`: of the legs that reached their destination in the quarter (`handed_to_desk`,
  `delivered`), the share that arrived by their `due_at` (the monthly report's rule); null when
  nothing arrived.
`totals` adds the communes up (the share is recomputed over all their legs, not averaged).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.db import Database
from postal_tracker.errors import InvalidInput
from postal_tracker.lifecycle import FEE_EVENTS
from postal_tracker.localtime import OutsideServiceDates, local_date, month_bounds
from postal_tracker.models import Commune, Complaint, EventRecord, Shipment, table
from postal_tracker.reports.attribution import attributed, counted_for, counting_commune
from postal_tracker.reports.schemas import CommuneQuarterFigures, QuarterFigures, QuarterlyReport
from postal_tracker.workdays import on_time

events = table(EventRecord)
shipments = table(Shipment)
complaints = table(Complaint)
communes = table(Commune)

COUNTS = (
    "dossiers_picked_up", "results_delivered", "results_returned_to_desk", "fees_collected_vnd",
    "complaints_received", "complaints_resolved", "complaints_resolved_on_time", "lost", "damaged",
    "compensations", "compensation_vnd",
)  # fmt: skip
FIGURES = (*COUNTS, "on_time_share")
_EVENT_FIGURES = {"picked_up": "dossiers_picked_up", "delivered": "results_delivered",
                  "returned_to_desk": "results_returned_to_desk"}  # fmt: skip
_ARRIVALS = ("handed_to_desk", "delivered")
# The only events a figure reads: fees are collected on FEE_EVENTS alone (scanning refuses them
# on any other), so the quarter's other events (bookings, rounds, failures) are never joined.
_COUNTED = sorted({*_EVENT_FIGURES, *_ARRIVALS, *(event.value for event in FEE_EVENTS)})


def parse_quarter(raw: str) -> tuple[int, int]:
    match = re.fullmatch(r"([0-9]{4})-Q([1-4])", (raw or "").strip().upper())
    if not match:
        raise InvalidInput("quarter is YYYY-QN, e.g. 2026-Q3", field="quarter")
    return int(match[1]), int(match[2])


def quarter_bounds(year: int, quarter: int) -> tuple[datetime, datetime]:
    """The UTC instants [start, end) of a local quarter."""
    try:
        start, _ = month_bounds(year, 3 * quarter - 2)
        _, end = month_bounds(year, 3 * quarter)
    except OutsideServiceDates:
        raise InvalidInput("a quarter between 2000 and 2100", field="quarter") from None
    return start, end


@dataclass
class _Tally:
    counts: Counter
    measured: int = 0
    arrived_on_time: int = 0

    def figures(self) -> QuarterFigures:
        share = round(self.arrived_on_time / self.measured, 4) if self.measured else None
        # The keys are COUNTS (in the CSV's order), which mypy cannot follow through the comprehension.
        return cast(QuarterFigures, {**{k: self.counts[k] for k in COUNTS}, "on_time_share": share})

    def add(self, other: _Tally) -> None:
        self.counts.update(other.counts)
        self.measured += other.measured
        self.arrived_on_time += other.arrived_on_time


def _tallies(conn: Connection, commune_ids: list[int], start: datetime, end: datetime) -> dict[int, _Tally]:
    """Each commune's tally, counted in the database: one pass over the quarter's events, one
    over its complaints."""
    tallies = {commune_id: _Tally(Counter()) for commune_id in commune_ids}
    fee = sa.func.coalesce(sa.func.sum(events.c.fee_collected_vnd), 0)
    measured, arrived_on_time = on_time(events.c.event.in_(_ARRIVALS), events.c.at, shipments.c.due_at)
    counted = [sa.func.count(sa.case((events.c.event == event, 1))) for event in _EVENT_FIGURES]
    # Each event counts for the commune stored on it (attribution.holder: merges included).
    for commune_id, fees, measured_n, on_time_n, *event_counts in conn.execute(
        sa.select(events.c.commune_id, fee, measured, arrived_on_time, *counted)
        .select_from(events.join(shipments, shipments.c.id == events.c.shipment_id))
        .where(
            events.c.commune_id.in_(commune_ids), events.c.at >= start, events.c.at < end,
            events.c.event.in_(_COUNTED),
        )
        .group_by(events.c.commune_id)
    ):  # fmt: skip
        tally = tallies[commune_id]
        tally.counts.update(dict(zip(_EVENT_FIGURES.values(), event_counts, strict=True)), fees_collected_vnd=fees)
        tally.measured, tally.arrived_on_time = measured_n, on_time_n

    # A complaint is received by the commune that held the dossier when it was filed (as events
    # count); it is resolved by the one that holds the complaint (only open ones move in a merge).
    for commune_id, kind, n in conn.execute(
        sa.select(counting_commune, complaints.c.kind, sa.func.count())
        .select_from(attributed(complaints.join(shipments, shipments.c.id == complaints.c.shipment_id)))
        .where(
            counted_for(commune_ids, complaints.c.created_at),
            complaints.c.created_at >= start,
            complaints.c.created_at < end,
        )
        .group_by(counting_commune, complaints.c.kind)
    ):
        counts = tallies[commune_id].counts
        counts["complaints_received"] += n
        if kind in ("lost", "damaged"):
            counts[kind] += n
    for resolved in conn.execute(
        sa.select(complaints.c.commune_id, complaints.c.resolved_at, complaints.c.due_on, complaints.c.compensation_vnd)
        .where(complaints.c.commune_id.in_(commune_ids), complaints.c.resolved_at >= start,
               complaints.c.resolved_at < end)
    ):  # fmt: skip
        counts = tallies[resolved.commune_id].counts
        counts["complaints_resolved"] += 1
        counts["complaints_resolved_on_time"] += local_date(resolved.resolved_at) <= resolved.due_on
        if resolved.compensation_vnd:
            counts["compensations"] += 1
            counts["compensation_vnd"] += resolved.compensation_vnd
    return tallies


def quarterly(conn: Connection, commune_ids: list[int], quarter: str) -> QuarterlyReport:
    """The report for these communes (one for staff; the province's for the admin)."""
    year, number = parse_quarter(quarter)
    start, end = quarter_bounds(year, number)
    rows = conn.execute(
        sa.select(communes.c.id, communes.c.code, communes.c.name).where(communes.c.id.in_(commune_ids))
        .order_by(communes.c.code)
    ).all()  # fmt: skip
    tallies = _tallies(conn, [commune.id for commune in rows], start, end)
    total = _Tally(Counter())
    by_commune: list[CommuneQuarterFigures] = []
    for commune in rows:
        tally = tallies[commune.id]
        total.add(tally)
        by_commune.append({"commune_code": commune.code, "commune_name": commune.name, **tally.figures()})
    return {
        "quarter": f"{year:04d}-Q{number}",
        "commune": rows[0].name if len(rows) == 1 else None,
        "totals": total.figures(),
        "by_commune": by_commune,
    }


def every_commune(conn: Connection) -> list[int]:
    return list(conn.execute(sa.select(communes.c.id).order_by(communes.c.code)).scalars())


def write_quarterly_file(db: Database, commune_id: int | None, quarter: str, out: str) -> Path:
    """`postal-tracker report quarterly`: the API's JSON, CSV or PDF by the file's extension; the
    province's (every commune) unless a commune is named."""
    from postal_tracker.reports import documents

    path = Path(out)
    kind = path.suffix.lower().lstrip(".")
    if kind not in ("json", "csv", "pdf"):
        raise InvalidInput("the output file ends in .json, .csv or .pdf", field="out")
    with db.read() as conn:
        report = quarterly(conn, [commune_id] if commune_id is not None else every_commune(conn), quarter)
    path.write_bytes(documents.render_quarterly(report, kind))
    return path
