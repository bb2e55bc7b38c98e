"""What the scan handlers receive by injection: `dependencies=SCANS` on a controller gives its
handlers `scanning: Scanning`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, Rules
from postal_tracker.scanning.service import ScanService


def provide_scan_service(db: DB, rules: Rules) -> ScanService:
    return ScanService(db, rules)


Scanning = NamedDependency[ScanService]
SCANS = {"scanning": Provide(provide_scan_service, sync_to_thread=False)}
