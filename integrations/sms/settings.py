"""Which SMS provider to use, and how to talk to an HTTP gateway."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

import httpx

from integrations.sms.providers import HttpGatewayProvider, LogProvider, PhoneFormat, SmsProvider


@dataclass(frozen=True, slots=True)
class SmsSettings:
    provider: Literal["log", "http"] = "log"
    """`log` sends nothing (logs a masked line); `http` posts to a gateway."""
    unaccented: bool = True
    """Send without diacritics: GSM-7, 160 characters a segment instead of 70."""
    url: str | None = None
    """The gateway's endpoint (required for `http`)."""
    method: Literal["POST", "PUT"] = "POST"
    auth_header: str | None = None
    """e.g. `Authorization` or `X-API-Key`."""
    auth_value: str | None = field(default=None, repr=False)
    """e.g. `Bearer <token>`; a secret, so never shown in the repr."""
    sender: str | None = None
    """The registered sender name (brandname), when the gateway wants it in each request."""
    phone_field: str = "to"
    text_field: str = "text"
    sender_field: str | None = "from"
    message_id_field: str | None = "id"
    """Dotted path to the message id in the gateway's JSON answer."""
    success_field: str | None = None
    """Dotted path to a status code in a 2xx answer, for gateways that answer 200 to errors."""
    success_values: tuple[str, ...] = ()
    phone_format: PhoneFormat = "e164"
    """`e164` (`+84912345678`) or `digits` (`84912345678`)."""
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.provider not in ("log", "http"):
            raise ValueError("SMS provider must be 'log' or 'http'")
        if self.method not in ("POST", "PUT"):
            raise ValueError("the SMS gateway method must be POST or PUT")
        if self.phone_format not in ("e164", "digits"):
            raise ValueError("phone_format must be 'e164' or 'digits'")
        if (self.auth_header is None) != (self.auth_value is None):
            raise ValueError("auth_header and auth_value go together")
        if self.success_field is not None and not self.success_values:
            raise ValueError("success_field needs the success_values that mean 'accepted'")
        if self.timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if self.provider == "http":
            parts = urlsplit(self.url or "")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("the http SMS provider needs an http(s) url")


def make_provider(settings: SmsSettings, client: httpx.Client | None = None) -> SmsProvider:
    """The configured provider. Without `client`, an `http` provider makes and owns one
    (closed by `provider.close()`)."""
    if settings.provider == "log":
        return LogProvider()
    assert settings.url is not None  # checked by SmsSettings
    owns_client = client is None
    if client is None:
        client = httpx.Client(timeout=httpx.Timeout(settings.timeout_s), follow_redirects=False)
    return HttpGatewayProvider(
        client,
        url=settings.url,
        method=settings.method,
        auth_header=settings.auth_header,
        auth_value=settings.auth_value,
        phone_field=settings.phone_field,
        text_field=settings.text_field,
        sender_field=settings.sender_field,
        sender=settings.sender,
        message_id_field=settings.message_id_field,
        success_field=settings.success_field,
        success_values=settings.success_values,
        phone_format=settings.phone_format,
        owns_client=owns_client,
    )
