"""Outbound webhooks against real receivers on 127.0.0.1, verified by the `standardwebhooks` library."""

from __future__ import annotations

import base64
import json
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations.webhooks import (
    SHIPMENT_BOOKED,
    SHIPMENT_STATUS_CHANGED,
    InvalidWebhookSecret,
    WebhookSettings,
    deliver,
    event_body,
    generate_secret,
    make_client,
    next_attempt_delay,
    parse_retry_after,
    sign,
)
from tests.integrations.servers import Handler, ReceivedRequest, Reply, serve, unused_url

SECRET = "whsec_" + base64.b64encode(b"postal-tracker webhook test key!").decode()
ICT = timezone(timedelta(hours=7))


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(timeout=2.0) as client:
        yield client


def verifying_receiver(verified: list) -> Handler:
    """The desk's side: accept only what the reference library verifies."""

    def handler(request: ReceivedRequest) -> Reply:
        try:
            verified.append(Webhook(SECRET).verify(request.body, request.headers))
        except WebhookVerificationError as exc:
            return Reply(400, str(exc))
        return Reply(204)

    return handler


def status_changed_body(**overrides: object) -> str:
    data: dict[str, object] = {
        "tracking_no": "RR123456785VN", "leg": "return", "dossier_id": 42,
        "portal_dossier_no": "H12.34-250305-0001", "event": "delivery_failed", "status": "delivery_failed",
        "at": datetime(2025, 3, 5, 14, 30, tzinfo=ICT), "reason": "not_home",
    }  # fmt: skip
    data.update(overrides)
    return event_body(SHIPMENT_STATUS_CHANGED, datetime(2025, 3, 5, 7, 30, tzinfo=UTC), data)


# --- signing ----------------------------------------------------------------------------------


def test_a_signed_delivery_is_verified_by_the_receiver(client: httpx.Client) -> None:
    verified: list = []
    body = status_changed_body()
    with serve(verifying_receiver(verified)) as receiver:
        result = deliver(client, receiver.url + "/hooks", SECRET, "msg_1", datetime.now(UTC), body)
    assert result.ok, result
    assert result.status_code == 204
    assert result.error is None and result.retry_after is None and not result.permanent
    assert result.duration_ms >= 0
    assert verified == [json.loads(body)]
    request = receiver.requests[0]
    assert request.method == "POST" and request.path == "/hooks"
    assert request.headers["webhook-id"] == "msg_1"
    assert request.headers["content-type"] == "application/json"


def test_headers_follow_the_specification() -> None:
    at = datetime(2025, 3, 5, 7, 30, 15, 900_000, tzinfo=UTC)
    headers = sign(SECRET, "msg_abc", at, "{}")
    assert set(headers) == {"webhook-id", "webhook-timestamp", "webhook-signature", "content-type"}
    assert headers["webhook-timestamp"] == str(int(at.timestamp()))  # whole seconds
    version, signature = headers["webhook-signature"].split(",")
    assert version == "v1"
    assert len(base64.b64decode(signature)) == 32  # HMAC-SHA256


def test_a_retry_keeps_the_id_and_is_signed_again() -> None:
    first = sign(SECRET, "msg_same", datetime(2025, 3, 5, 7, 30, tzinfo=UTC), "{}")
    retry = sign(SECRET, "msg_same", datetime(2025, 3, 5, 7, 31, tzinfo=UTC), "{}")
    assert first["webhook-id"] == retry["webhook-id"] == "msg_same"
    assert first["webhook-signature"] != retry["webhook-signature"]


def test_a_local_time_signs_the_same_instant_as_utc() -> None:
    now = datetime.now(UTC)
    local = now.astimezone(ICT)
    headers = sign(SECRET, "msg_1", local, "{}")
    assert headers == sign(SECRET, "msg_1", now, "{}")
    Webhook(SECRET).verify("{}", headers)  # would be "too new" if the offset were dropped


def test_a_tampered_body_is_rejected_by_the_library(client: httpx.Client) -> None:
    body = status_changed_body()
    headers = sign(SECRET, "msg_1", datetime.now(UTC), body)
    tampered = body.replace("not_home", "refused")
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(tampered, headers)

    verified: list = []
    with serve(verifying_receiver(verified)) as receiver:
        response = client.post(receiver.url, content=tampered.encode(), headers=headers)
    assert response.status_code == 400
    assert verified == []


def test_another_secret_is_rejected() -> None:
    headers = sign(generate_secret(), "msg_1", datetime.now(UTC), "{}")
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify("{}", headers)


@settings(max_examples=30, deadline=None)
@given(body=st.text(), msg_id=st.text("abcdefXYZ0123456789_", min_size=1).map("msg_".__add__))
def test_any_body_round_trips_through_the_library(body: str, msg_id: str) -> None:
    Webhook(SECRET).verify(body, sign(SECRET, msg_id, datetime.now(UTC), body), json_parse=False)


@pytest.mark.parametrize("secret", ["no-prefix", "whsec_", "whsec_not*base64!", "MfKQ9r8GKYqrTwjU"])
def test_a_bad_secret_is_a_configuration_error(secret: str) -> None:
    with pytest.raises(InvalidWebhookSecret):
        sign(secret, "msg_1", datetime.now(UTC), "{}")


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        sign(SECRET, "msg_1", datetime(2025, 3, 5, 7, 30), "{}")


def test_generated_secrets() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    assert secret != generate_secret()


# --- delivery outcomes ------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("follow_redirects", [False, True])
def test_a_redirect_is_a_failure_and_is_not_followed(status: int, follow_redirects: bool) -> None:
    verified: list = []
    # Even a client set up to follow redirects must not hand the signed payload elsewhere.
    with (
        httpx.Client(timeout=2.0, follow_redirects=follow_redirects) as client,
        serve(verifying_receiver(verified)) as target,
        serve(lambda _: Reply(status, headers={"Location": target.url + "/elsewhere"})) as receiver,
    ):
        result = deliver(client, receiver.url, SECRET, "msg_1", datetime.now(UTC), "{}")
    assert not result.ok
    assert result.status_code == status
    assert result.error == f"http_{status}"
    assert receiver.hits == 1
    assert target.hits == 0


def test_a_slow_receiver_times_out_quickly_without_raising() -> None:
    with make_client(timeout=0.2) as client, serve(lambda _: Reply(204, delay=5.0)) as receiver:
        started = time.monotonic()
        result = deliver(client, receiver.url, SECRET, "msg_1", datetime.now(UTC), "{}")
        elapsed = time.monotonic() - started
    assert not result.ok
    assert result.status_code is None
    assert result.error == "timeout"
    assert result.retryable
    assert elapsed < 2.0
    assert 150 <= result.duration_ms < 2000


def test_a_receiver_that_is_down_is_a_failed_result(client: httpx.Client) -> None:
    result = deliver(client, unused_url(), SECRET, "msg_1", datetime.now(UTC), "{}")
    assert not result.ok and result.retryable
    assert result.status_code is None
    assert result.error == "connect_error"


@pytest.mark.parametrize("url", ["ftp://desk.example/hooks", "not a url", "http://"])
def test_an_unusable_url_is_a_failed_result(client: httpx.Client, url: str) -> None:
    result = deliver(client, url, SECRET, "msg_1", datetime.now(UTC), "{}")
    assert not result.ok
    assert result.error == "invalid_url"


def test_503_with_retry_after_seconds(client: httpx.Client) -> None:
    with serve(lambda _: Reply(503, "busy", headers={"Retry-After": "120"})) as receiver:
        result = deliver(client, receiver.url, SECRET, "msg_1", datetime.now(UTC), "{}")
    assert not result.ok and result.retryable and not result.permanent
    assert result.status_code == 503
    assert result.error == "http_503"
    assert result.retry_after == 120.0


def test_429_with_retry_after_as_an_http_date(client: httpx.Client) -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    with serve(lambda _: Reply(429, headers={"Retry-After": later})) as receiver:
        result = deliver(client, receiver.url, SECRET, "msg_1", datetime.now(UTC), "{}")
    assert not result.ok and result.status_code == 429
    assert result.retry_after is not None
    assert 85 <= result.retry_after <= 90


def test_503_without_retry_after(client: httpx.Client) -> None:
    with serve(lambda _: Reply(503)) as receiver:
        result = deliver(client, receiver.url, SECRET, "msg_1", datetime.now(UTC), "{}")
    assert not result.ok and result.retryable
    assert result.retry_after is None


def test_410_gone_is_permanent(client: httpx.Client) -> None:
    with serve(lambda _: Reply(410)) as receiver:
        result = deliver(client, receiver.url, SECRET, "msg_1", datetime.now(UTC), "{}")
    assert not result.ok
    assert result.permanent and not result.retryable


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_a_delivery(client: httpx.Client, status: int) -> None:
    with serve(lambda _: Reply(status, {"received": True} if status != 204 else None)) as receiver:
        result = deliver(client, receiver.url, SECRET, "msg_1", datetime.now(UTC), "{}")
    assert result.ok and result.status_code == status


def test_make_client_bounds_time_and_does_not_follow_redirects() -> None:
    with make_client(timeout=3.0) as client:
        assert client.timeout == httpx.Timeout(3.0)
        assert client.follow_redirects is False


# --- Retry-After ------------------------------------------------------------------------------

NOW = datetime(2025, 3, 5, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("0", 0.0),
        ("120", 120.0),
        (" 30 ", 30.0),
        ("Wed, 05 Mar 2025 07:32:00 GMT", 120.0),
        ("Wed, 05 Mar 2025 14:32:00 +0700", 120.0),
        ("Wed, 05 Mar 2025 07:00:00 GMT", 0.0),  # already past
        (None, None),
        ("", None),
        ("-5", None),
        ("1.5", None),
        ("soon", None),
        ("²", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


# --- backoff ----------------------------------------------------------------------------------


class FixedRandom:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@given(st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_the_first_retry_comes_within_10_seconds(draw: float) -> None:
    assert 0 < next_attempt_delay(1, None, rng=FixedRandom(draw)) <= 10.0


@given(
    attempt=st.integers(min_value=1, max_value=100_000),
    retry_after=st.none() | st.floats(min_value=0, allow_nan=False),
    draw=st.floats(min_value=0.0, max_value=1.0, exclude_max=True),
)
def test_the_delay_never_exceeds_the_cap(attempt: int, retry_after: float | None, draw: float) -> None:
    delay = next_attempt_delay(attempt, retry_after, rng=FixedRandom(draw))
    assert 0 < delay <= 600.0
    assert next_attempt_delay(attempt, retry_after, cap=30.0, rng=FixedRandom(draw)) <= 30.0


def test_the_delay_grows_with_each_attempt_until_the_cap() -> None:
    rng = random.Random(20250305)
    samples = {n: [next_attempt_delay(n, None, rng=rng) for _ in range(500)] for n in range(1, 12)}
    means = [sum(samples[n]) / len(samples[n]) for n in range(1, 9)]
    assert means == sorted(means)
    # Equal jitter: while uncapped, every delay before retry n+1 is at least every one before n.
    for n in range(1, 7):
        assert max(samples[n]) <= min(samples[n + 1])
    assert max(max(s) for s in samples.values()) <= 600.0
    assert min(samples[11]) >= 300.0  # at the cap, still jittered over [cap/2, cap)


def test_jitter_spreads_delays() -> None:
    rng = random.Random(7)
    delays = {round(next_attempt_delay(3, None, rng=rng), 3) for _ in range(50)}
    assert len(delays) > 40


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    rng = FixedRandom(0.5)
    assert next_attempt_delay(1, 120.0, rng=rng) == 120.0
    assert next_attempt_delay(1, 10_000.0, rng=rng) == 600.0
    assert next_attempt_delay(1, float("inf"), rng=rng) == 600.0
    # A Retry-After shorter than our own backoff does not make us hurry.
    assert next_attempt_delay(6, 1.0, rng=rng) == next_attempt_delay(6, None, rng=rng)


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError):
        next_attempt_delay(0, None)


# --- body -------------------------------------------------------------------------------------


def test_vietnamese_text_arrives_intact(client: httpx.Client) -> None:
    verified: list = []
    body = status_changed_body(event="delivered", status="delivered", reason=None, recipient_name="Nguyễn Thị Hằng")
    with serve(verifying_receiver(verified)) as receiver:
        result = deliver(client, receiver.url, SECRET, "msg_vi", datetime.now(UTC), body)
    assert result.ok
    raw = receiver.requests[0].body
    assert raw == body.encode("utf-8")
    assert "Nguyễn Thị Hằng".encode() in raw
    assert b"\\u" not in raw
    assert verified[0]["data"]["recipient_name"] == "Nguyễn Thị Hằng"


def test_the_body_follows_the_contract() -> None:
    body = status_changed_body()
    assert ": " not in body and ", " not in body  # compact
    assert json.loads(body) == {
        "type": "shipment.status_changed",
        "timestamp": "2025-03-05T07:30:00+00:00",
        "data": {
            "tracking_no": "RR123456785VN",
            "leg": "return",
            "dossier_id": 42,
            "portal_dossier_no": "H12.34-250305-0001",
            "event": "delivery_failed",
            "status": "delivery_failed",
            "at": "2025-03-05T07:30:00+00:00",
            "reason": "not_home",
        },
    }


def test_decomposed_vietnamese_is_sent_composed() -> None:
    decomposed = "Nguye\u0302\u0303n"  # Nguyễn typed as base letters + combining marks
    body = event_body(SHIPMENT_STATUS_CHANGED, NOW, {"recipient_name": decomposed})
    assert json.loads(body)["data"]["recipient_name"] == "Nguyễn"


def test_the_body_refuses_what_the_contract_does_not_allow() -> None:
    with pytest.raises(ValueError, match="type"):
        event_body("shipment.updated", NOW, {})
    with pytest.raises(ValueError, match="naive"):
        event_body(SHIPMENT_BOOKED, datetime(2025, 3, 5, 7, 30), {})
    with pytest.raises(ValueError, match="naive"):
        event_body(SHIPMENT_BOOKED, NOW, {"at": datetime(2025, 3, 5, 7, 30)})
    with pytest.raises(TypeError):
        event_body(SHIPMENT_BOOKED, NOW, {"x": object()})
    with pytest.raises(ValueError):
        event_body(SHIPMENT_BOOKED, NOW, {"x": float("nan")})


# --- settings ---------------------------------------------------------------------------------


def test_settings_validate_and_hide_the_secret() -> None:
    config = WebhookSettings(url="https://desk.example/hooks", secret=SECRET)
    assert SECRET not in repr(config)
    assert (config.first_retry_s, config.max_delay_s) == (5.0, 600.0)
    with pytest.raises(ValueError):
        WebhookSettings(url="desk.example/hooks", secret=SECRET)
    with pytest.raises(ValueError):
        WebhookSettings(url="https://desk.example/hooks", secret="whsec_" + base64.b64encode(b"short").decode())
    with pytest.raises(ValueError):
        WebhookSettings(url="https://desk.example/hooks", secret="changeme")
