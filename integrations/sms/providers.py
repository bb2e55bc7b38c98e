"""Sending an SMS: one small interface, two providers (the only I/O in this package).

Personal data never reaches the logs: the HTTP gateway's failures show phone numbers masked to
their last two digits (the public tracking page uses the last four as a check, so a log must not
give them away), the log provider shows none at all, and the text, which names the dossier, is
never logged.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import uuid
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import httpx

logger = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9]\d{7,14}$")

PhoneFormat = Literal["e164", "digits"]


@dataclass(frozen=True, slots=True)
class SmsResult:
    """`retryable`: the same SMS may succeed later (gateway down, overloaded, timed out).
    A timeout is retryable although the gateway may have sent the SMS already."""

    ok: bool
    provider_message_id: str | None = None
    error: str | None = None
    retryable: bool = False
    logged: bool = False
    """Only logged, not sent (the `log` provider): the message is `logged`, never `delivered`."""


class SmsProvider(Protocol):
    def send(self, phone_e164: str, text: str) -> SmsResult: ...

    def close(self) -> None: ...


def mask_phone(phone: str) -> str:
    """`+84912345678` -> `+84*******78`."""
    if len(phone) < 7:
        return "***"
    return phone[:3] + "*" * (len(phone) - 5) + phone[-2:]


_INVALID_PHONE = SmsResult(ok=False, error="invalid_phone", retryable=False)


@dataclass(frozen=True, slots=True)
class LoggedSms:
    """What the log provider keeps of a message: its id and text, never the phone number."""

    message_id: str
    text: str = field(repr=False)


class LogProvider:
    """Sends nothing. Each message is answered `logged` (never delivered: nobody received it)
    and logged as one line with its id and length only, no phone number and no text.

    The default, for development, demos and tests: `recent` keeps the last `keep` texts (no phone
    numbers), so a demo or a test can see what would have gone out; memory stays bounded.
    """

    def __init__(self, keep: int = 100) -> None:
        self.recent: deque[LoggedSms] = deque(maxlen=keep)
        self._lock = threading.Lock()

    def send(self, phone_e164: str, text: str) -> SmsResult:
        if not E164.match(phone_e164):
            logger.warning("SMS not sent: the recipient is not an E.164 number")
            return _INVALID_PHONE
        message_id = f"log-{uuid.uuid4().hex}"
        with self._lock:
            self.recent.append(LoggedSms(message_id, text))
        logger.info("SMS %s logged, not sent: no provider is configured (%d characters)", message_id, len(text))
        return SmsResult(ok=True, provider_message_id=message_id, logged=True)

    def close(self) -> None:
        pass


class HttpGatewayProvider:
    """A generic HTTP SMS gateway: one JSON request per message.

    The request is `{<phone_field>: phone, <text_field>: text, <sender_field>: sender,
    **extra_fields}` with an optional auth header. The answer: 2xx is accepted (unless
    `success_field` is set and its value is not in `success_values`: some gateways answer 200
    with an error code); 408, 425, 429 and 5xx are retryable; other statuses are not. The
    message id is read from the JSON answer at `message_id_field`, a dotted path
    (`data.messages.0.id`).
    """

    def __init__(
        self,
        client: httpx.Client,
        *,
        url: str,
        method: str = "POST",
        auth_header: str | None = None,
        auth_value: str | None = None,
        phone_field: str = "to",
        text_field: str = "text",
        sender_field: str | None = "from",
        sender: str | None = None,
        message_id_field: str | None = "id",
        success_field: str | None = None,
        success_values: tuple[str, ...] = (),
        phone_format: PhoneFormat = "e164",
        extra_fields: Mapping[str, Any] | None = None,
        owns_client: bool = False,
    ) -> None:
        self._client = client
        self._url = url
        self._method = method.upper()
        self._headers = {auth_header: auth_value} if auth_header and auth_value is not None else {}
        self._phone_field = phone_field
        self._text_field = text_field
        self._sender_field = sender_field
        self._sender = sender
        self._message_id_field = message_id_field
        self._success_field = success_field
        self._success_values = frozenset(str(v) for v in success_values)
        self._phone_format = phone_format
        self._extra_fields = dict(extra_fields or {})
        self._owns_client = owns_client

    def request_body(self, phone_e164: str, text: str) -> dict[str, Any]:
        """What the gateway receives for one SMS (pure)."""
        body = dict(self._extra_fields)
        body[self._phone_field] = phone_e164 if self._phone_format == "e164" else phone_e164.lstrip("+")
        body[self._text_field] = text
        if self._sender_field and self._sender is not None:
            body[self._sender_field] = self._sender
        return body

    def send(self, phone_e164: str, text: str) -> SmsResult:
        if not E164.match(phone_e164):
            return _INVALID_PHONE
        try:
            response = self._client.request(
                self._method,
                self._url,
                json=self.request_body(phone_e164, text),
                headers=self._headers,
                follow_redirects=False,
            )
        except httpx.TimeoutException:
            result = SmsResult(ok=False, error="timeout", retryable=True)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            result = SmsResult(ok=False, error="invalid_url", retryable=False)
        except httpx.HTTPError as exc:
            result = SmsResult(ok=False, error=_network_error(exc), retryable=True)
        else:
            result = self.parse_response(response.status_code, response.content)
        if not result.ok:
            logger.warning("SMS to %s failed: %s", mask_phone(phone_e164), result.error)
        return result

    def parse_response(self, status_code: int, content: bytes) -> SmsResult:
        """The gateway's answer to our result (pure)."""
        if not 200 <= status_code < 300:
            retryable = status_code in (408, 425, 429) or status_code >= 500
            return SmsResult(ok=False, error=f"http_{status_code}", retryable=retryable)
        document = _json_or_none(content)
        message_id = _lookup(document, self._message_id_field)
        if self._success_field is not None:
            code = _lookup(document, self._success_field)
            if code is None or str(code) not in self._success_values:
                return SmsResult(
                    ok=False,
                    provider_message_id=None if message_id is None else str(message_id),
                    error=f"rejected:{str(code)[:40]}",
                    retryable=False,
                )
        return SmsResult(ok=True, provider_message_id=None if message_id is None else str(message_id))

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> HttpGatewayProvider:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _network_error(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connect_error"
    if isinstance(exc, httpx.ProtocolError):
        return "protocol_error"
    return "network_error"


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _lookup(document: Any, path: str | None) -> Any:
    """`data.messages.0.id` in a JSON document, or None when any step is missing."""
    if not path:
        return None
    node = document
    for step in path.split("."):
        if isinstance(node, Mapping):
            node = node.get(step)
        elif isinstance(node, list) and step.isascii() and step.isdigit() and int(step) < len(node):
            node = node[int(step)]
        else:
            return None
    return node
