"""What the audit handlers receive by injection: `dependencies=AUDIT` on a controller gives its
handlers `audit: Audit`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.audit.service import AuditService
from postal_tracker.deps import DB


def provide_audit_service(db: DB) -> AuditService:
    return AuditService(db)


Audit = NamedDependency[AuditService]
AUDIT = {"audit": Provide(provide_audit_service, sync_to_thread=False)}
