"""What the reference handlers receive by injection: `dependencies=REFERENCE` on a controller
gives its handlers `reference: Reference`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB
from postal_tracker.reference.service import ReferenceService


def provide_reference_service(db: DB) -> ReferenceService:
    return ReferenceService(db)


Reference = NamedDependency[ReferenceService]
REFERENCE = {"reference": Provide(provide_reference_service, sync_to_thread=False)}
