"""Sending one signed webhook: the only part that does I/O."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import httpx

from integrations.webhooks.retry import parse_retry_after
from integrations.webhooks.signing import sign

USER_AGENT = "postal-tracker-webhooks/1"

# Most specific first: the short error class stored with a failed delivery.
_NETWORK_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (httpx.TimeoutException, "timeout"),
    (httpx.ConnectError, "connect_error"),
    (httpx.UnsupportedProtocol, "invalid_url"),
    (httpx.InvalidURL, "invalid_url"),
    (httpx.ProtocolError, "protocol_error"),
    (httpx.NetworkError, "network_error"),
    (httpx.HTTPError, "http_error"),
)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of one attempt.

    `ok` for any 2xx. `permanent` when retrying cannot help (410 Gone: the receiver says the
    endpoint is gone for good). `error` is a short class: `http_503`, `timeout`,
    `connect_error`, ... `retry_after` is in seconds, from the receiver's `Retry-After`.
    """

    ok: bool
    status_code: int | None
    retry_after: float | None
    error: str | None
    duration_ms: int
    permanent: bool = False

    @property
    def retryable(self) -> bool:
        return not self.ok and not self.permanent


def make_client(timeout: float = 10.0) -> httpx.Client:
    """A client for webhook deliveries: every phase bounded by `timeout`, redirects not followed."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )


def deliver(
    client: httpx.Client,
    url: str,
    secret: str,
    msg_id: str,
    timestamp: datetime,
    body: str,
) -> DeliveryResult:
    """POST `body` to `url` once, signed for this attempt's `timestamp`.

    Redirects are never followed, whatever the client's setting: a 3xx is a failed delivery
    (following one would hand the signed payload to another host). Network errors and
    timeouts (the client's) come back as a failed result; only a bad secret or message id
    (configuration errors) raise ValueError. The response body is not read.
    """
    headers = sign(secret, msg_id, timestamp, body)
    started = time.perf_counter()
    try:
        request = client.build_request("POST", url, content=body.encode("utf-8"), headers=headers)
        response = client.send(request, follow_redirects=False, stream=True)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        return DeliveryResult(
            ok=False,
            status_code=None,
            retry_after=None,
            error=_error_class(exc),
            duration_ms=_elapsed_ms(started),
        )
    try:
        return result_from_response(response.status_code, response.headers.get("retry-after"), _elapsed_ms(started))
    finally:
        response.close()


def result_from_response(status_code: int, retry_after: str | None, duration_ms: int) -> DeliveryResult:
    """A receiver's answer to our result (pure)."""
    ok = 200 <= status_code < 300
    return DeliveryResult(
        ok=ok,
        status_code=status_code,
        retry_after=None if ok else parse_retry_after(retry_after),
        error=None if ok else f"http_{status_code}",
        duration_ms=duration_ms,
        permanent=status_code == 410,
    )


def _error_class(exc: Exception) -> str:
    return next(name for kind, name in _NETWORK_ERRORS if isinstance(exc, kind))


def _elapsed_ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
