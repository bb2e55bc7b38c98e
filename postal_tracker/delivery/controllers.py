from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import FromQuery, QueryParameter

from postal_tracker.accounts.auth import DESK
from postal_tracker.delivery import service
from postal_tracker.delivery.schemas import DeliveryDetail, DeliveryPage
from postal_tracker.deps import DB, CurrentUser, Offset, RowId
from postal_tracker.shipments.service import parse_tracking_no


class DeliveryController(Controller):
    """The outbox seen from the desk: what was sent to the desk's software (and by SMS), and when."""

    path = "/api/v1/webhooks/deliveries"
    tags = ["webhooks"]
    guards = [DESK]

    @get("/", sync_to_thread=True)
    def list(
        self, db: DB, user: CurrentUser,
        status: FromQuery[Literal["pending", "delivered", "logged", "dead"] | None] = None,
        channel: FromQuery[Literal["webhook", "sms"]] = "webhook",
        tracking_no: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Offset = 0,
    ) -> DeliveryPage:  # fmt: skip
        """Outgoing messages, newest first (`channel=sms` for the SMS to citizens)."""
        number = parse_tracking_no(tracking_no) if tracking_no else None
        with db.read() as conn:
            return service.list_deliveries(
                conn, user.commune_id, status=status, channel=channel, tracking_no=number, limit=limit, offset=offset
            )

    @get("/{delivery_id:int}", sync_to_thread=True)
    def detail(self, db: DB, user: CurrentUser, delivery_id: RowId) -> DeliveryDetail:
        """One message with every attempt made to deliver it."""
        with db.read() as conn:
            return service.delivery_detail(conn, user.commune_id, delivery_id)

    @post("/{delivery_id:int}/redeliver", status_code=202, sync_to_thread=True)
    def redeliver(self, db: DB, user: CurrentUser, delivery_id: RowId) -> DeliveryDetail:
        """Queue the message again now, with the same `webhook-id`; the worker sends it within seconds."""
        with db.write() as conn:
            return service.redeliver(conn, user.commune_id, delivery_id)
