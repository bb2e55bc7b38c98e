from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.params import FromQuery, QueryParameter

from postal_tracker.accounts.auth import DESK
from postal_tracker.delivery.deps import DELIVERIES, Deliveries
from postal_tracker.delivery.schemas import DeliveryDetail, DeliveryPage
from postal_tracker.deps import CurrentUser, Offset, RowId


class DeliveryController(Controller):
    """The outbox seen from the desk: what was sent to the desk's software (and by SMS), and when."""

    path = "/api/v1/webhooks/deliveries"
    tags = ["webhooks"]
    guards = [DESK]
    dependencies = DELIVERIES

    @get("/", sync_to_thread=True)
    def list(
        self, deliveries: Deliveries, user: CurrentUser,
        status: FromQuery[Literal["pending", "delivered", "logged", "dead"] | None] = None,
        channel: FromQuery[Literal["webhook", "sms"]] = "webhook",
        tracking_no: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Offset = 0,
    ) -> DeliveryPage:  # fmt: skip
        """Outgoing messages, newest first (`channel=sms` for the SMS to citizens)."""
        return deliveries.deliveries(
            user.commune_id, status=status, channel=channel, tracking_no=tracking_no, limit=limit, offset=offset
        )

    @get("/{delivery_id:int}", sync_to_thread=True)
    def detail(self, deliveries: Deliveries, user: CurrentUser, delivery_id: RowId) -> DeliveryDetail:
        """One message with every attempt made to deliver it."""
        return deliveries.detail(user.commune_id, delivery_id)

    @post("/{delivery_id:int}/redeliver", status_code=202, sync_to_thread=True)
    def redeliver(self, deliveries: Deliveries, user: CurrentUser, delivery_id: RowId) -> DeliveryDetail:
        """Queue the message again now, with the same `webhook-id`; the worker sends it within seconds."""
        return deliveries.redeliver(user.commune_id, delivery_id)
