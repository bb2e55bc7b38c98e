"""Settings for outbound webhooks to the desk's software."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from integrations.webhooks.retry import DEFAULT_FIRST_DELAY, DEFAULT_MAX_DELAY
from integrations.webhooks.signing import secret_bytes

MIN_SECRET_BYTES = 16


@dataclass(frozen=True, slots=True)
class WebhookSettings:
    url: str
    """Where every booking and status change is POSTed (`POSTAL_TRACKER_WEBHOOK_URL`)."""
    secret: str = field(repr=False)
    """Shared signing secret, `whsec_<base64>` (`POSTAL_TRACKER_WEBHOOK_SECRET`)."""
    timeout_s: float = 10.0
    """Bound on each phase of one attempt (connect, send, wait for the answer)."""
    first_retry_s: float = DEFAULT_FIRST_DELAY
    """Backoff base: the first retry comes within this many seconds."""
    max_delay_s: float = DEFAULT_MAX_DELAY
    """No wait between attempts is longer than this, even if the receiver asks for more."""

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the webhook URL must be an http(s) URL with a host")
        if len(secret_bytes(self.secret)) < MIN_SECRET_BYTES:
            raise ValueError(f"the webhook secret must hold at least {MIN_SECRET_BYTES} bytes")
        if self.timeout_s <= 0 or self.first_retry_s <= 0 or self.max_delay_s < self.first_retry_s:
            raise ValueError("timeouts and delays must be positive, and max_delay_s >= first_retry_s")
