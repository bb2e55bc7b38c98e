from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery, QueryParameter

from postal_tracker.accounts.auth import allow
from postal_tracker.accounts.principal import Role
from postal_tracker.deps import CurrentUser
from postal_tracker.errors import InvalidInput
from postal_tracker.localtime import OutsideServiceDates
from postal_tracker.reports.deps import REPORTS, Reports
from postal_tracker.reports.schemas import DailyReport, MonthlyReport, QuarterlyReport
from postal_tracker.reports.service import ReportFile

CommuneQuery = Annotated[
    str | None,
    QueryParameter(max_length=32, description="the commune's code: the admin names one; staff read their own"),
]


def file_response(report: ReportFile, format: str) -> Response[Any]:
    """The report as its file: JSON inline, CSV and PDF as attachments under their names.

    `Response[Any]`: the handlers keep the JSON's schema as their return type, for the OpenAPI
    document, while the bytes are that JSON, or the same figures as CSV or PDF."""
    headers = {"Content-Disposition": f'attachment; filename="{report.filename}"'} if format != "json" else {}
    return Response(report.content, media_type=report.media_type, headers=headers)


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]
    dependencies = REPORTS

    @get("/daily", guards=[allow(Role.CLERK, Role.ADMIN)], sync_to_thread=True)
    def daily(
        self, reports: Reports, user: CurrentUser, date: FromQuery[date | None] = None, commune: CommuneQuery = None
    ) -> DailyReport:
        """The desk's outcome sheet for one local day (default: today): every event, counted by kind."""
        try:
            return reports.daily(user, commune, date)
        except OutsideServiceDates as exc:
            raise InvalidInput(str(exc), field="date") from None

    @get("/monthly", guards=[allow(Role.SUPERVISOR, Role.ADMIN)], sync_to_thread=True)
    def monthly(
        self, reports: Reports, user: CurrentUser, month: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json", commune: CommuneQuery = None,
    ) -> Response[MonthlyReport]:  # fmt: skip
        """The month's figures in total, by hamlet and by procedure (JSON, CSV or PDF); the admin
        reads any commune's with `?commune=CODE`."""
        try:
            report = reports.monthly_file(user, commune, month, format)
        except OutsideServiceDates as exc:
            raise InvalidInput(str(exc), field="month") from None
        return file_response(report, format)

    @get("/quarterly", guards=[allow(Role.SUPERVISOR, Role.ADMIN)], sync_to_thread=True)
    def quarterly(
        self, reports: Reports, user: CurrentUser, quarter: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json", commune: CommuneQuery = None,
    ) -> Response[QuarterlyReport]:  # fmt: skip
        """The quarter's figures of Circular 17/2017 Art. 13 (volume, fees, complaints, lost and
        damaged items, compensation, on-time share), in total and by commune (JSON, CSV or PDF);
        the admin reads every commune's and the province's total, or one with `?commune=CODE`."""
        report = reports.quarterly_file(user, commune, quarter, format)
        return file_response(report, format)
