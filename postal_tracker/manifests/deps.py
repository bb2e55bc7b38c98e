"""What the manifest handlers receive by injection: `dependencies=MANIFESTS` on a controller
gives its handlers `manifests: Manifests`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, Rules
from postal_tracker.manifests.service import ManifestService


def provide_manifest_service(db: DB, rules: Rules) -> ManifestService:
    return ManifestService(db, rules)


Manifests = NamedDependency[ManifestService]
MANIFESTS = {"manifests": Provide(provide_manifest_service, sync_to_thread=False)}
