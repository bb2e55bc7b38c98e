"""What the communes handlers receive by injection: `dependencies=COMMUNES` on a controller
gives its handlers `communes: Communes`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.communes.service import CommuneService
from postal_tracker.deps import DB


def provide_commune_service(db: DB) -> CommuneService:
    return CommuneService(db)


Communes = NamedDependency[CommuneService]
COMMUNES = {"communes": Provide(provide_commune_service, sync_to_thread=False)}
