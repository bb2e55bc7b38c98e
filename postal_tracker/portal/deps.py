"""What the portal handlers receive by injection: `dependencies=PORTAL` on a controller gives its
handlers `portal: Portal`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, Rules
from postal_tracker.portal.service import PortalService


def provide_portal_service(db: DB, rules: Rules) -> PortalService:
    return PortalService(db, rules)


Portal = NamedDependency[PortalService]
PORTAL = {"portal": Provide(provide_portal_service, sync_to_thread=False)}
