"""What the portal handlers receive by injection: `dependencies=PORTAL` on a controller gives its
handlers `portal: Portal`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, AppSettings
from postal_tracker.portal.service import PortalService


def provide_portal_service(db: DB, settings: AppSettings) -> PortalService:
    return PortalService(db, service_indicator=settings.service_indicator, max_attempts=settings.max_delivery_attempts)


Portal = NamedDependency[PortalService]
PORTAL = {"portal": Provide(provide_portal_service, sync_to_thread=False)}
