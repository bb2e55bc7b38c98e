"""Outbound webhooks to the desk's software, signed per Standard Webhooks.

Pure parts (`event_body`, `sign`, `next_attempt_delay`, `parse_retry_after`) and one client
call (`deliver`, one attempt on an injected `httpx.Client`). The outbox table and the delivery
loop live in the application; it stores `msg_id` and the body once, then for each attempt calls
`deliver(client, url, secret, msg_id, now, body)` and, on a retryable failure, schedules the
next one `next_attempt_delay(attempts, result.retry_after)` seconds later.
"""

from integrations.webhooks.client import DeliveryResult, deliver, make_client, result_from_response
from integrations.webhooks.mapping import (
    EVENT_TYPES,
    SHIPMENT_BOOKED,
    SHIPMENT_STATUS_CHANGED,
    event_body,
)
from integrations.webhooks.retry import next_attempt_delay, parse_retry_after
from integrations.webhooks.settings import WebhookSettings
from integrations.webhooks.signing import (
    InvalidWebhookSecret,
    generate_secret,
    secret_bytes,
    sign,
)

__all__ = [
    "EVENT_TYPES",
    "SHIPMENT_BOOKED",
    "SHIPMENT_STATUS_CHANGED",
    "DeliveryResult",
    "InvalidWebhookSecret",
    "WebhookSettings",
    "deliver",
    "event_body",
    "generate_secret",
    "make_client",
    "next_attempt_delay",
    "parse_retry_after",
    "result_from_response",
    "secret_bytes",
    "sign",
]
