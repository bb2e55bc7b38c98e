"""What the delivery log handlers receive by injection: `dependencies=DELIVERIES` on a
controller gives its handlers `deliveries: Deliveries`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.delivery.service import DeliveryLogService
from postal_tracker.deps import DB


def provide_delivery_log_service(db: DB) -> DeliveryLogService:
    return DeliveryLogService(db)


Deliveries = NamedDependency[DeliveryLogService]
DELIVERIES = {"deliveries": Provide(provide_delivery_log_service, sync_to_thread=False)}
