from __future__ import annotations

from datetime import date
from typing import Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery

from postal_tracker.accounts.auth import DESK, SUPERVISORS
from postal_tracker.deps import DB, CurrentUser
from postal_tracker.localtime import local_today
from postal_tracker.reports import documents, quarterly, service
from postal_tracker.reports.schemas import DailyReport, MonthlyReport, QuarterlyReport


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get("/daily", guards=[DESK], sync_to_thread=True)
    def daily(self, db: DB, user: CurrentUser, date: FromQuery[date | None] = None) -> DailyReport:
        """The desk's outcome sheet for one local day (default: today): every event, counted by kind."""
        return service.daily_report(db, user, date or local_today())

    @get("/monthly", guards=[SUPERVISORS], sync_to_thread=True)
    def monthly(
        self, db: DB, user: CurrentUser, month: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json",
    ) -> Response[MonthlyReport]:  # fmt: skip
        """The month's figures in total, by hamlet and by procedure (JSON, CSV or PDF)."""
        report = service.monthly_report(db, user.commune_id, month)
        headers = {}
        if format != "json":
            headers["Content-Disposition"] = f'attachment; filename="bao-cao-{report["month"]}.{format}"'
        return Response(documents.render(report, format), media_type=documents.MEDIA_TYPES[format], headers=headers)

    @get("/quarterly", guards=[SUPERVISORS], sync_to_thread=True)
    def quarterly(
        self, db: DB, user: CurrentUser, quarter: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json",
    ) -> Response[QuarterlyReport]:  # fmt: skip
        """The quarter's figures of Circular 17/2017 Art. 13 (volume, fees, complaints, lost and
        damaged items, compensation, on-time share), in total and by commune (JSON, CSV or PDF)."""
        with db.read() as conn:
            report = quarterly.quarterly(conn, [user.commune_id], quarter)
        headers = {}
        if format != "json":
            headers["Content-Disposition"] = f'attachment; filename="bao-cao-quy-{report["quarter"]}.{format}"'
        return Response(documents.render_quarterly(report, format), media_type=documents.MEDIA_TYPES[format],
                        headers=headers)  # fmt: skip
