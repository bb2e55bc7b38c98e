"""What the shipments handlers receive by injection: `dependencies=SHIPMENTS` on a controller
gives its handlers `shipments: Shipments`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, AppSettings
from postal_tracker.shipments.service import ShipmentService


def provide_shipment_service(db: DB, settings: AppSettings) -> ShipmentService:
    return ShipmentService(db, max_attempts=settings.max_delivery_attempts)


Shipments = NamedDependency[ShipmentService]
SHIPMENTS = {"shipments": Provide(provide_shipment_service, sync_to_thread=False)}
