"""Standard Webhooks signatures (https://www.standardwebhooks.com/), made by the reference library.

The signed content is `{webhook-id}.{webhook-timestamp}.{body}`, HMAC-SHA256 with the shared
secret, sent as `webhook-signature: v1,<base64>`. The receiver checks it with the same library:
`Webhook(secret).verify(body, headers)`.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"
CONTENT_TYPE = "application/json"


class InvalidWebhookSecret(ValueError):
    """The secret is not `whsec_<base64>` of at least one byte (a configuration error)."""


def secret_bytes(secret: str) -> bytes:
    """The key inside a `whsec_<base64>` secret, or InvalidWebhookSecret.

    Checked strictly here because the library itself drops characters that are not base64,
    so a mistyped secret would quietly sign with a different key.
    """
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidWebhookSecret("a webhook secret looks like whsec_<base64>")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidWebhookSecret("the part after whsec_ is not base64") from None
    if not key:
        raise InvalidWebhookSecret("the webhook secret is empty")
    return key


def generate_secret(nbytes: int = 32) -> str:
    """A new random `whsec_<base64>` secret (Standard Webhooks suggests 24 to 64 bytes)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def sign(secret: str, msg_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """The headers that carry `body`: `webhook-id`, `webhook-timestamp`, `webhook-signature`,
    `content-type`.

    `timestamp` is the time of this attempt, not of the event: receivers refuse timestamps more
    than 5 minutes away from their clock, so every retry is signed again with the same `msg_id`
    and a fresh timestamp. It must be timezone-aware.
    """
    if not msg_id or any(ch.isspace() for ch in msg_id):
        raise ValueError("msg_id must be a non-empty token without spaces")
    secret_bytes(secret)
    # The library signs `timestamp.replace(tzinfo=UTC)`, which shifts any other offset:
    # hand it the same instant in UTC.
    at = as_utc(timestamp)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(math.floor(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body),
        "content-type": CONTENT_TYPE,
    }


def as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime: webhook times must carry their offset")
    return moment.astimezone(UTC)
