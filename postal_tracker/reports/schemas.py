"""The daily and monthly reports, as the API answers them in JSON (API.md, Reports).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
Figures are defined in postal_tracker/reports/service.py.
"""

import datetime as dt
from typing import NotRequired, TypedDict

from postal_tracker.lifecycle import Event, Leg, Reason


class DailyItem(TypedDict):
    tracking_no: str
    leg: Leg
    event: Event
    at: dt.datetime
    hamlet_code: str
    reason: NotRequired[Reason]
    recipient_name: NotRequired[str]


class DailyReport(TypedDict):
    """`GET /reports/daily`: every event of one local day, counted by kind (`counts`: event -> n)."""

    date: dt.date
    counts: dict[str, int]
    items: list[DailyItem]


class Figures(TypedDict):
    """<figures>: rates, shares, medians and means are null when there is nothing to measure;
    `failures_by_reason` counts failed deliveries by reason, failed pickups are apart."""

    pickups_booked: int
    pickups_at_desk: int
    returns_booked: int
    delivered: int
    returned_to_desk: int
    delivery_failures: int
    failures_by_reason: dict[str, int]
    pickup_failures: int
    pickup_failures_by_reason: dict[str, int]
    first_attempt_delivery_rate: float | None
    median_hours_to_desk: float | None
    median_hours_to_delivery: float | None
    on_time_share: float | None
    fees_collected_vnd: int
    feedback_count: int
    feedback_mean: float | None


class HamletFigures(Figures):
    hamlet_code: str
    hamlet_name: str


class ProcedureFigures(Figures):
    procedure_code: str
    procedure_name: str


class MonthlyReport(TypedDict):
    """`GET /reports/monthly` (`format=json`; `csv` and `pdf` hold the same figures)."""

    month: str
    """YYYY-MM"""
    commune: str | None
    totals: Figures
    by_hamlet: list[HamletFigures]
    by_procedure: list[ProcedureFigures]


class QuarterFigures(TypedDict):
    """The Art. 13 figures of Circular 17/2017 (defined in postal_tracker/reports/quarterly.py)."""

    dossiers_picked_up: int
    results_delivered: int
    results_returned_to_desk: int
    fees_collected_vnd: int
    complaints_received: int
    complaints_resolved: int
    complaints_resolved_on_time: int
    lost: int
    damaged: int
    compensations: int
    compensation_vnd: int
    on_time_share: float | None


class CommuneQuarterFigures(QuarterFigures):
    commune_code: str
    commune_name: str


class QuarterlyReport(TypedDict):
    """`GET /reports/quarterly` (`format=json`; `csv` and `pdf` hold the same figures)."""

    quarter: str
    """YYYY-QN"""
    commune: str | None
    """The commune's name when the report covers one commune; null for the province."""
    totals: QuarterFigures
    by_commune: list[CommuneQuarterFigures]
