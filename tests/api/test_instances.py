"""Several `serve` processes as one service: one PostgreSQL (or SQLite) database, one Redis.

Real processes started as an operator starts them (`postal-tracker serve`), real HTTP, the real
Redis on 127.0.0.1:6379 under a key prefix of this test run only.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa

from postal_tracker.models import EventRecord as Event
from postal_tracker.models import Shipment, table
from postal_tracker.settings import SettingsError
from tests.builders import pickup_body, scan_body, settings_from
from tests.conftest import PASSWORD, TEST_DATA_KEY, TEST_JWT_SECRET, make_world
from tests.processes import ServeProcess, drop_redis_prefix, redis_url_or_skip, unique_redis_prefix

PUBLIC_LIMIT = 8


@pytest.fixture
def redis_env() -> Iterator[dict[str, str]]:
    url = redis_url_or_skip()
    prefix = unique_redis_prefix()
    yield {"POSTAL_TRACKER_REDIS_URL": url, "POSTAL_TRACKER_REDIS_PREFIX": prefix}
    drop_redis_prefix(prefix)


@pytest.fixture
def two_instances(database_url, redis_env) -> Iterator[tuple[ServeProcess, ServeProcess]]:
    env = {
        "POSTAL_TRACKER_DATABASE_URL": database_url, "POSTAL_TRACKER_JWT_SECRET": TEST_JWT_SECRET,
        "POSTAL_TRACKER_DATA_KEY": TEST_DATA_KEY,
        "POSTAL_TRACKER_PUBLIC_RATE_LIMIT": str(PUBLIC_LIMIT), "POSTAL_TRACKER_SIGN_IN_RATE_LIMIT": "1000",
        "POSTAL_TRACKER_SIGN_IN_LOCKOUT_FAILURES": "4", **redis_env,
    }  # fmt: skip
    with ServeProcess(env, "--no-worker") as first, ServeProcess(env, "--no-worker") as second:
        yield first, second


def _together(calls):
    """Run the calls in threads released at the same instant; their answers in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def _events(database, number) -> list[str]:
    shipments, events = table(Shipment), table(Event)
    with database.read() as conn:
        return list(
            conn.execute(
                sa.select(events.c.event).join(shipments).where(shipments.c.tracking_no == number).order_by(events.c.id)
            ).scalars()
        )


def _book(base: str, headers: dict[str, str]) -> str:
    answer = httpx.post(f"{base}/api/v1/pickups", json=pickup_body(), headers=headers, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["shipment"]["tracking_no"]


def test_conflicting_scans_on_two_instances_have_one_winner(database, client, two_instances):
    first, second = two_instances
    world = make_world(database, client)
    postman = world.headers("postal")
    for _ in range(4):
        number = _book(first.url, world.headers("clerk"))
        picked = scan_body(number, "picked_up", fee_collected_vnd=0)
        cancelled = scan_body(number, "cancelled", reason="refused")
        answers = _together([
            lambda b=picked: httpx.post(f"{first.url}/api/v1/scans", json=b, headers=postman, timeout=30),
            lambda b=cancelled: httpx.post(f"{second.url}/api/v1/scans", json=b, headers=postman, timeout=30),
        ])  # fmt: skip
        assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
        winner = "picked_up" if answers[0].status_code == 201 else "cancelled"
        assert _events(database, number) == ["booked", winner]


def test_a_duplicate_scan_on_both_instances_is_one_event(database, client, two_instances):
    first, second = two_instances
    world = make_world(database, client)
    postman = world.headers("postal")
    number = _book(second.url, world.headers("clerk"))
    body = scan_body(number, "picked_up", fee_collected_vnd=0)
    answers = _together([
        (lambda base=base: httpx.post(f"{base}/api/v1/scans", json=body, headers=postman, timeout=30))
        for base in [first.url, second.url] * 4
    ])  # fmt: skip
    assert Counter(a.status_code for a in answers) == {201: 1, 200: 7}
    assert all(a.json()["duplicate"] for a in answers if a.status_code == 200)
    assert _events(database, number) == ["booked", "picked_up"]
    # The batch path meets the same scan_id: still one event.
    batch = httpx.post(f"{first.url}/api/v1/scans/batch", json={"scans": [body]}, headers=postman, timeout=30)
    assert batch.json()["results"][0]["outcome"] == "duplicate"
    assert _events(database, number) == ["booked", "picked_up"]


def test_one_public_rate_limit_across_both_instances(two_instances):
    first, second = two_instances
    # A burst at once, half to each process: the shared counter lets exactly the limit through.
    answers = _together([
        (lambda base=base: httpx.get(f"{base}/api/v1/track/RR123456785VN", timeout=30))
        for base in [first.url, second.url] * PUBLIC_LIMIT
    ])  # fmt: skip
    codes = Counter(a.status_code for a in answers)
    assert codes[429] == PUBLIC_LIMIT and sum(codes.values()) == 2 * PUBLIC_LIMIT, codes
    for server in (first, second):
        refused = httpx.get(f"{server.url}/track?no=RR123456785VN", timeout=30)
        assert refused.status_code == 429


def test_one_sign_in_rate_limit_across_both_instances(database, database_url, redis_env):
    env = {
        "POSTAL_TRACKER_DATABASE_URL": database_url, "POSTAL_TRACKER_JWT_SECRET": TEST_JWT_SECRET,
        "POSTAL_TRACKER_DATA_KEY": TEST_DATA_KEY, "POSTAL_TRACKER_SIGN_IN_RATE_LIMIT": "3", **redis_env,
    }  # fmt: skip
    with ServeProcess(env, "--no-worker") as first, ServeProcess(env, "--no-worker") as second:
        # Another name each time, so that no account's lockout answers first: only the address's limit.
        codes = [
            httpx.post(f"{server.url}/api/v1/auth/token", timeout=30,
                       json={"username": f"nobody-{i}", "password": "x" * 12}).status_code
            for i, server in enumerate([first, second, first, second, first, second])
        ]
    assert codes == [401, 401, 401, 429, 429, 429], codes


def test_the_lockout_counts_wrong_passwords_on_every_instance(database, client, two_instances):
    first, second = two_instances
    world = make_world(database, client)
    clerk = world.usernames["clerk"]
    wrong = [
        httpx.post(f"{base}/api/v1/auth/token", json={"username": clerk, "password": "sai"}, timeout=30).status_code
        for base in [first.url, second.url] * 2
    ]
    assert wrong == [401] * 4
    for server in (first, second):
        locked = httpx.post(f"{server.url}/api/v1/auth/token", json={"username": clerk, "password": PASSWORD})
        assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
        assert locked.json()["detail_vi"].startswith("Tài khoản tạm khóa")


# --- trusted proxies: the server believes X-Forwarded-For only from them -------------------------


def _codes_with_forwarded_addresses(server: ServeProcess, addresses: list[str]) -> list[int]:
    return [
        httpx.get(f"{server.url}/api/v1/track/RR123456785VN", headers={"X-Forwarded-For": a}, timeout=30).status_code
        for a in addresses
    ]


@pytest.fixture
def one_instance_env(database, database_url) -> dict[str, str]:
    """One `serve` on the suite's database (SQLite or PostgreSQL), its limits in its own memory."""
    return {
        "POSTAL_TRACKER_DATABASE_URL": database_url, "POSTAL_TRACKER_JWT_SECRET": TEST_JWT_SECRET,
        "POSTAL_TRACKER_DATA_KEY": TEST_DATA_KEY, "POSTAL_TRACKER_PUBLIC_RATE_LIMIT": "2",
    }  # fmt: skip


def test_without_trusted_proxies_a_local_client_cannot_pick_its_address(one_instance_env):
    with ServeProcess(one_instance_env, "--no-worker") as server:
        codes = _codes_with_forwarded_addresses(server, ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
    assert codes == [404, 404, 429]


def test_a_trusted_proxy_names_the_client(one_instance_env):
    env = {**one_instance_env, "POSTAL_TRACKER_TRUSTED_PROXIES": "127.0.0.0/8, 10.9.9.9"}
    with ServeProcess(env, "--no-worker") as server:
        # Each client address its own limit; one client over its limit is refused.
        assert _codes_with_forwarded_addresses(server, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]) == [404] * 3
        assert _codes_with_forwarded_addresses(server, ["203.0.113.1", "203.0.113.1"]) == [404, 429]
        # A client cannot pass itself off as another by adding an address before the proxy's.
        spoofed = _codes_with_forwarded_addresses(server, ["198.51.100.7, 203.0.113.1"])
        assert spoofed == [429]


@pytest.mark.parametrize("value", ["10.0.0.300", "*", "proxy.local", "10.0.0.0/33", "10.0.0.1, nginx"])
def test_a_trusted_proxy_that_is_not_an_address_stops_the_start(value):
    with pytest.raises(SettingsError, match="POSTAL_TRACKER_TRUSTED_PROXIES"):
        settings_from(TRUSTED_PROXIES=value)


def test_trusted_proxies_and_redis_are_read_from_the_environment():
    settings = settings_from(TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/24", REDIS_URL="redis://cache:6379/1")
    assert settings.instances.trusted_proxies == ("127.0.0.1", "10.0.0.0/24")
    assert settings.instances.redis_url == "redis://cache:6379/1"
    with pytest.raises(SettingsError, match="POSTAL_TRACKER_REDIS_URL"):
        settings_from(REDIS_URL="localhost:6379")


def test_without_redis_the_service_answers_and_logs_it(settings, database, client, caplog):
    """Limits fail open while Redis is away: tracking and sign-in still answer, never a 500."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from postal_tracker.app import create_app
    from tests.processes import free_port

    world = make_world(database, client)
    nowhere = replace(settings.instances, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    with TestClient(create_app(replace(settings, instances=nowhere), database)) as away:
        assert away.get("/api/v1/track/RR123456785VN").status_code == 404
        signed_in = away.post("/api/v1/auth/token", json={"username": world.usernames["clerk"], "password": PASSWORD})
        assert signed_in.status_code == 200
    assert "Redis unavailable (ConnectionError): request not counted" in caplog.text
