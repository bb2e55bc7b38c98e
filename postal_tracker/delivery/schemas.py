"""The outbox seen from the desk: outgoing webhooks and SMS, as the API answers them.

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from datetime import datetime
from typing import Literal, NotRequired, TypedDict


class DeliveryItem(TypedDict):
    """One outgoing message; `message_id` is its `webhook-id`, the same on every retry."""

    id: int
    message_id: str
    channel: Literal["webhook", "sms"]
    type: str
    tracking_no: str
    status: Literal["pending", "delivered", "logged", "dead"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    recipient: NotRequired[str]
    """SMS: the citizen's phone, masked."""


class DeliveryPage(TypedDict):
    items: list[DeliveryItem]
    total: int
    limit: int
    offset: int


class DeliveryAttempt(TypedDict):
    attempted_at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int | None


class DeliveryDetail(DeliveryItem):
    attempts_log: list[DeliveryAttempt]
