from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from litestar import Controller, Response, get
from litestar.params import FromQuery, QueryParameter

from postal_tracker.accounts.auth import allow
from postal_tracker.accounts.service import Role
from postal_tracker.communes.service import scope_commune
from postal_tracker.deps import DB, CurrentUser
from postal_tracker.localtime import local_today
from postal_tracker.reports import documents, quarterly, service
from postal_tracker.reports.schemas import DailyReport, MonthlyReport, QuarterlyReport

CommuneQuery = Annotated[
    str | None,
    QueryParameter(max_length=32, description="the commune's code: the admin names one; staff read their own"),
]


class ReportController(Controller):
    path = "/api/v1/reports"
    tags = ["reports"]

    @get("/daily", guards=[allow(Role.CLERK, Role.ADMIN)], sync_to_thread=True)
    def daily(
        self, db: DB, user: CurrentUser, date: FromQuery[date | None] = None, commune: CommuneQuery = None
    ) -> DailyReport:
        """The desk's outcome sheet for one local day (default: today): every event, counted by kind."""
        with db.read() as conn:
            commune_id = scope_commune(conn, user, commune)
        return service.daily_report(db, user, commune_id, date or local_today())

    @get("/monthly", guards=[allow(Role.SUPERVISOR, Role.ADMIN)], sync_to_thread=True)
    def monthly(
        self, db: DB, user: CurrentUser, month: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json", commune: CommuneQuery = None,
    ) -> Response[MonthlyReport]:  # fmt: skip
        """The month's figures in total, by hamlet and by procedure (JSON, CSV or PDF); the admin
        reads any commune's with `?commune=CODE`."""
        with db.read() as conn:
            commune_id = scope_commune(conn, user, commune)
        report = service.monthly_report(db, commune_id, month)
        headers = {}
        if format != "json":
            headers["Content-Disposition"] = f'attachment; filename="bao-cao-{report["month"]}.{format}"'
        return Response(documents.render(report, format), media_type=documents.MEDIA_TYPES[format], headers=headers)

    @get("/quarterly", guards=[allow(Role.SUPERVISOR, Role.ADMIN)], sync_to_thread=True)
    def quarterly(
        self, db: DB, user: CurrentUser, quarter: FromQuery[str],
        format: FromQuery[Literal["json", "csv", "pdf"]] = "json", commune: CommuneQuery = None,
    ) -> Response[QuarterlyReport]:  # fmt: skip
        """The quarter's figures of Circular 17/2017 Art. 13 (volume, fees, complaints, lost and
        damaged items, compensation, on-time share), in total and by commune (JSON, CSV or PDF);
        the admin reads every commune's and the province's total, or one with `?commune=CODE`."""
        with db.read() as conn:
            if user.is_admin and commune is None:
                commune_ids = quarterly.every_commune(conn)
            else:
                commune_ids = [scope_commune(conn, user, commune)]
            report = quarterly.quarterly(conn, commune_ids, quarter)
        headers = {}
        if format != "json":
            headers["Content-Disposition"] = f'attachment; filename="bao-cao-quy-{report["quarter"]}.{format}"'
        return Response(documents.render_quarterly(report, format), media_type=documents.MEDIA_TYPES[format],
                        headers=headers)  # fmt: skip
