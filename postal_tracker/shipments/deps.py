"""What the shipments handlers receive by injection: `dependencies=SHIPMENTS` on a controller
gives its handlers `shipments: Shipments`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, Rules
from postal_tracker.shipments.service import ShipmentService


def provide_shipment_service(db: DB, rules: Rules) -> ShipmentService:
    return ShipmentService(db, rules)


Shipments = NamedDependency[ShipmentService]
SHIPMENTS = {"shipments": Provide(provide_shipment_service, sync_to_thread=False)}
