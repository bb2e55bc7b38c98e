"""What the report handlers receive by injection: `dependencies=REPORTS` on a controller gives
its handlers `reports: Reports`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB
from postal_tracker.reports.service import ReportService


def provide_report_service(db: DB) -> ReportService:
    return ReportService(db)


Reports = NamedDependency[ReportService]
REPORTS = {"reports": Provide(provide_report_service, sync_to_thread=False)}
