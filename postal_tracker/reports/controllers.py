from __future__ import annotations

from datetime import date
from typing import Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery

from postal_tracker.accounts.auth import DESK, SUPERVISORS
from postal_tracker.deps import CurrentUser
from postal_tracker.errors import InvalidInput
from postal_tracker.localtime import OutsideServiceDates
from postal_tracker.reports.deps import REPORTS, Reports
from postal_tracker.reports.schemas import DailyReport, MonthlyReport, QuarterlyReport


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = REPORTS

    @get("/daily", guards=[DESK], sync_to_thread=True)
    def daily(self, reports: Reports, user: CurrentUser, date: FromQuery[date | None] = None) -> DailyReport:
        """The desk's outcome sheet for one local day (default: today): every event, counted by kind."""
        try:
            return reports.daily(user, date)
        except OutsideServiceDates as exc:
            raise InvalidInput(str(exc), field="date") from None

    @get("/monthly", guards=[SUPERVISORS], sync_to_thread=True)
    def monthly(
        self, reports: Reports, user: CurrentUser, month: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json",
    ) -> Response[MonthlyReport]:  # fmt: skip
        """The month's figures in total, by hamlet and by procedure (JSON, CSV or PDF)."""
        try:
            report = reports.monthly_file(user.commune_id, month, format)
        except OutsideServiceDates as exc:
            raise InvalidInput(str(exc), field="month") from None
        headers = {"Content-Disposition": f'attachment; filename="{report.filename}"'} if format != "json" else {}
        return Response(report.content, media_type=report.media_type, headers=headers)

    @get("/quarterly", guards=[SUPERVISORS], sync_to_thread=True)
    def quarterly(
        self, reports: Reports, user: CurrentUser, quarter: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json",
    ) -> Response[QuarterlyReport]:  # fmt: skip
        """The quarter's figures of Circular 17/2017 Art. 13 (volume, fees, complaints, lost and
        damaged items, compensation, on-time share), in total and by commune (JSON, CSV or PDF)."""
        report = reports.quarterly_file(user.commune_id, quarter, format)
        headers = {"Content-Disposition": f'attachment; filename="{report.filename}"'} if format != "json" else {}
        return Response(report.content, media_type=report.media_type, headers=headers)
