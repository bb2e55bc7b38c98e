from __future__ import annotations

from datetime import datetime

from litestar import Controller, get
from litestar.params import Parameter

from postal_tracker.accounts.auth import STAFF
from postal_tracker.accounts.service import Principal
from postal_tracker.db import Database
from postal_tracker.lifecycle import Leg
from postal_tracker.settings import Settings
from postal_tracker.shipments import service


class ShipmentController(Controller):
    path = "/api/v1/shipments"
    tags = ["shipments"]
    guards = [STAFF]

    @get("/", sync_to_thread=True)
    def list(
        self, db: Database, settings: Settings, user: Principal,
        status: str | None = None, leg: Leg | None = None, hamlet: str | None = None,
        since: datetime | None = None, until: datetime | None = None,
        limit: int = Parameter(default=50, ge=1, le=500), offset: int = Parameter(default=0, ge=0),
    ) -> dict:  # fmt: skip
        """Shipments of the commune, most recently changed first (`status` may list several, comma-separated)."""
        with db.read() as conn:
            return service.list_shipments(
                conn, user.commune_id, settings.max_delivery_attempts, status=status,
                leg=leg.value if leg else None, hamlet=hamlet, since=since, until=until,
                limit=limit, offset=offset,
            )  # fmt: skip

    @get("/{tracking_no:str}", sync_to_thread=True)
    def detail(self, db: Database, settings: Settings, user: Principal, tracking_no: str) -> dict:
        number = service.parse_tracking_no(tracking_no)
        with db.read() as conn:
            return service.shipment_view(conn, service.find_shipment(conn, user.commune_id, number),
                                         settings.max_delivery_attempts)  # fmt: skip
