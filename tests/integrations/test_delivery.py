"""The outbox delivery loop against real receivers on 127.0.0.1, on SQLite and PostgreSQL.

Most tests call `deliver_due` round by round with a fixed clock (`now`), limited to the test's
own commune; one test runs the real background thread started by the app.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa
from litestar.testing import TestClient
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from integrations.sms import LogProvider
from integrations.webhooks import make_client
from postal_tracker.app import create_app
from postal_tracker.db import utcnow
from postal_tracker.delivery.service import DeliveryConfig, claim, deliver_due
from postal_tracker.lifecycle import Event
from postal_tracker.models import OutboxMessage, table
from postal_tracker.scanning.service import apply_event
from postal_tracker.settings import PublicSection, RulesSection
from tests.builders import book, pickup_body, settings_from, walk
from tests.integrations.servers import ReceivedRequest, Reply, serve

SECRET = "whsec_" + base64.b64encode(b"desk software webhook secret 32b").decode()
outbox = table(OutboxMessage)
RULES = RulesSection()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with make_client(timeout=2.0) as client:
        yield client


def config_for(url: str, **overrides) -> DeliveryConfig:
    return DeliveryConfig(webhook_url=url, webhook_secret=SECRET, timeout_s=2.0, **overrides)


class Desk:
    """The desk's software: verifies every webhook with the reference library, answers `status`
    (a callable, so a test can take it down and bring it back), records what it accepted."""

    def __init__(self, status=lambda: 204, retry_after: str | None = None) -> None:
        self.status = status
        self.retry_after = retry_after
        self.accepted: list[dict] = []  # verified payloads answered 2xx, in arrival order
        self.seen: list[str] = []  # webhook-id of every request, in arrival order
        self.lock = threading.Lock()

    def __call__(self, request: ReceivedRequest) -> Reply:
        try:
            payload = Webhook(SECRET).verify(request.body, request.headers)
        except WebhookVerificationError as exc:
            return Reply(400, str(exc))
        status = self.status()
        with self.lock:
            self.seen.append(request.headers["webhook-id"])
            if 200 <= status < 300:
                self.accepted.append({"id": request.headers["webhook-id"], **payload})
        headers = {"Retry-After": self.retry_after} if status >= 300 and self.retry_after else {}
        return Reply(status, headers=headers)

    def ids_accepted(self) -> Counter:
        return Counter(p["id"] for p in self.accepted)


def messages(database, world, channel: str = "webhook") -> list[sa.Row]:
    with database.read() as conn:
        return conn.execute(
            sa.select(outbox)
            .where(outbox.c.commune_id == world.commune_id, outbox.c.channel == channel)
            .order_by(outbox.c.id)
        ).all()


def drain(database, world, config, http, start, *, step=timedelta(seconds=1), rounds=200, **kwargs):
    """Run rounds until nothing is pending; the clock moves `step` a round. Returns the clock."""
    now = start
    for _ in range(rounds):
        deliver_due(database, config, http, now=now, commune_id=world.commune_id, **kwargs)
        if all(m.status != "pending" for m in messages(database, world)):
            return now
        now += step
    raise AssertionError("the outbox did not drain")


def test_every_booking_and_status_change_arrives_signed_in_order(database, world, http):
    number = book(world)["shipment"]["tracking_no"]
    walk(world, number, "pickup_failed", "picked_up", "arrived_post_office", "handed_to_desk")
    desk = Desk()
    with serve(desk) as receiver:
        drain(database, world, config_for(receiver.url), http, utcnow())
    assert [p["type"] for p in desk.accepted] == ["shipment.booked"] + ["shipment.status_changed"] * 4
    assert [p["data"]["event"] for p in desk.accepted] == [
        "booked", "pickup_failed", "picked_up", "arrived_post_office", "handed_to_desk",
    ]  # fmt: skip
    failed = desk.accepted[1]["data"]
    assert failed["reason"] == "not_home" and failed["tracking_no"] == number and failed["leg"] == "pickup"
    assert set(desk.accepted[0]["data"]) == {
        "tracking_no", "leg", "dossier_id", "portal_dossier_no", "event", "status", "at",
    }  # fmt: skip
    rows = messages(database, world)
    assert [r.message_id for r in rows] == [p["id"] for p in desk.accepted]
    assert all(r.status == "delivered" and r.attempts == 1 and r.lease_owner is None for r in rows)

    listed = world.client.get("/api/v1/webhooks/deliveries?status=delivered", headers=world.headers("clerk")).json()
    assert listed["total"] == 5 and listed["items"][0]["tracking_no"] == number
    assert (
        world.client.get("/api/v1/webhooks/deliveries?status=pending", headers=world.headers("clerk")).json()["total"]
        == 0
    )


def test_a_desk_down_for_a_while_gets_everything_exactly_once_and_in_order(database, world, http):
    numbers = [book(world)["shipment"]["tracking_no"] for _ in range(3)]
    for number in numbers:
        walk(world, number, "picked_up", "arrived_post_office", "handed_to_desk")
    up_after = {"requests": 0}

    def status() -> int:
        up_after["requests"] += 1
        return 503 if up_after["requests"] <= 20 else 200

    desk = Desk(status)
    start = utcnow()
    with serve(desk) as receiver:
        end = drain(database, world, config_for(receiver.url), http, start, step=timedelta(seconds=15))
    assert end - start < timedelta(hours=1)
    assert len(desk.seen) > 12  # the desk really was down for a while

    rows = messages(database, world)
    assert len(rows) == 12 and all(r.status == "delivered" for r in rows)
    # Exactly once per webhook-id, every message.
    assert desk.ids_accepted() == Counter({r.message_id: 1 for r in rows})
    # In order per parcel: accepted in outbox order, and no later message was even tried
    # before the earlier one was through.
    order = {r.message_id: (r.ordering_key, r.id) for r in rows}
    by_parcel = defaultdict(list)
    for message_id in desk.seen:
        by_parcel[order[message_id][0]].append(order[message_id][1])
    for number in numbers:
        assert by_parcel[number] == sorted(by_parcel[number])
        accepted = [order[p["id"]][1] for p in desk.accepted if p["data"]["tracking_no"] == number]
        assert accepted == sorted(accepted)


def test_backoff_first_retry_within_10_s_capped_and_retry_after_honoured(database, world, http):
    book(world)
    now = utcnow()
    with serve(Desk(lambda: 503)) as receiver:
        config = config_for(receiver.url)
        deliver_due(database, config, http, now=now, commune_id=world.commune_id)
        (row,) = messages(database, world)
        assert row.attempts == 1 and row.last_status_code == 503 and row.last_error == "http_503"
        assert timedelta(0) < row.next_attempt_at - now <= timedelta(seconds=10)
        # Nothing is due before its time.
        assert deliver_due(database, config, http, now=row.next_attempt_at - timedelta(seconds=1),
                           commune_id=world.commune_id) == 0  # fmt: skip
        for _ in range(12):
            now = messages(database, world)[0].next_attempt_at
            deliver_due(database, config, http, now=now, commune_id=world.commune_id)
        (row,) = messages(database, world)
        assert row.attempts == 13
        assert timedelta(minutes=5) <= row.next_attempt_at - now <= timedelta(minutes=10)
    with serve(Desk(lambda: 503, retry_after="120")) as receiver:
        now = row.next_attempt_at
        deliver_due(database, config_for(receiver.url), http, now=now, commune_id=world.commune_id)
        (row,) = messages(database, world)
        assert row.next_attempt_at - now >= timedelta(seconds=120)

    with database.read() as conn:
        tries = conn.execute(sa.text("SELECT count(*) FROM delivery_attempts WHERE message_id = :id"), {"id": row.id})
        assert tries.scalar() == 14


def test_a_worker_killed_after_claiming_loses_nothing(database, world, http):
    """A worker that leased messages and died (kill -9 between claim and send): the leases
    expire and another worker sends them, each once."""
    number = book(world)["shipment"]["tracking_no"]
    walk(world, number, "picked_up")
    desk = Desk()
    now = utcnow()
    with serve(desk) as receiver:
        config = config_for(receiver.url)
        claimed = claim(database, config, "killed-worker", now, commune_id=world.commune_id)
        # Only the first webhook of the parcel is in line (the picked_up SMS is another channel).
        assert [m.type for m in claimed if m.channel == "webhook"] == ["shipment.booked"]
        assert deliver_due(database, config, http, now=now + timedelta(seconds=10), commune_id=world.commune_id) == 0
        # Resumed within 30 s: the lease (25 s) has run out.
        drain(database, world, config, http, now + timedelta(seconds=26))
    assert desk.ids_accepted() == Counter({r.message_id: 1 for r in messages(database, world)})
    assert len(desk.accepted) == 2


class Crash(BaseException):
    """Stands for the process dying: nothing after it runs (not even `except Exception`)."""


def test_a_worker_killed_mid_delivery_loses_nothing(database, world, http):
    """The desk received the webhook but the worker died before recording it: it is sent again
    with the same webhook-id (at least once; the desk deduplicates on the id)."""
    book(world)
    desk = Desk()
    now = utcnow()
    with serve(desk) as receiver:
        config = config_for(receiver.url)

        def die(response: httpx.Response) -> None:
            raise Crash

        with make_client(timeout=2.0) as dying, pytest.raises(Crash):
            dying.event_hooks["response"] = [die]
            deliver_due(database, config, dying, now=now, commune_id=world.commune_id)
        (row,) = messages(database, world)
        assert row.status == "pending" and row.lease_owner is not None
        drain(database, world, config, http, now + timedelta(seconds=26))
    (row,) = messages(database, world)
    assert row.status == "delivered"
    assert desk.seen == [row.message_id, row.message_id]


def test_a_send_that_blows_up_mid_round_keeps_the_outcomes_sent_before_it(database, world, http):
    """A round records its outcomes together, at its end (delivery/service.py): when a send
    raises, the messages the round sent before it are recorded all the same, and the one that
    blew up waits for its lease to run out."""
    book(world)
    book(world)  # two parcels: two messages first in line, one round
    desk = Desk()
    with serve(desk) as receiver:
        answered: list[httpx.Response] = []

        def fail_on_the_second(response: httpx.Response) -> None:
            answered.append(response)
            if len(answered) == 2:
                raise RuntimeError("a bug in the middle of a round")

        with make_client(timeout=2.0) as client, pytest.raises(RuntimeError):
            client.event_hooks["response"] = [fail_on_the_second]
            deliver_due(database, config_for(receiver.url), client, now=utcnow(), commune_id=world.commune_id)
    first, second = messages(database, world)
    assert first.status == "delivered" and first.lease_owner is None and first.attempts == 1
    assert second.status == "pending" and second.lease_owner is not None and second.attempts == 0
    assert desk.seen == [first.message_id, second.message_id]


def test_concurrent_workers_never_send_a_message_twice(database, world):
    numbers = [book(world)["shipment"]["tracking_no"] for _ in range(6)]
    for number in numbers:
        walk(world, number, "picked_up", "arrived_post_office")
    in_flight: set[str] = set()
    overlaps: list[str] = []
    lock = threading.Lock()
    desk = Desk()

    def slow_desk(request: ReceivedRequest) -> Reply:
        message_id = request.headers["webhook-id"]
        with lock:
            if message_id in in_flight:
                overlaps.append(message_id)
            in_flight.add(message_id)
        time.sleep(0.01)
        try:
            return desk(request)
        finally:
            with lock:
                in_flight.discard(message_id)

    errors: list[BaseException] = []
    with serve(slow_desk) as receiver:
        config = config_for(receiver.url, batch_size=3)

        def worker() -> None:
            try:
                deadline = time.monotonic() + 20
                with make_client(timeout=2.0) as client:
                    while time.monotonic() < deadline:
                        if not deliver_due(database, config, client, commune_id=world.commune_id):
                            if all(m.status != "pending" for m in messages(database, world)):
                                return
                            time.sleep(0.005)  # the others hold what is in line
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == [] and overlaps == []
    rows = messages(database, world)
    assert len(rows) == 18 and all(r.status == "delivered" for r in rows)
    assert desk.ids_accepted() == Counter({r.message_id: 1 for r in rows})
    position = {r.message_id: r.id for r in rows}
    for number in numbers:
        ids = [position[p["id"]] for p in desk.accepted if p["data"]["tracking_no"] == number]
        assert ids == sorted(ids) and len(ids) == 3


def test_dead_letters_after_the_configured_age_and_on_410(database, world, http):
    number = book(world)["shipment"]["tracking_no"]
    walk(world, number, "picked_up")
    now = utcnow()
    with serve(Desk(lambda: 500)) as receiver:
        config = config_for(receiver.url, dead_after=timedelta(hours=1))
        deliver_due(database, config, http, now=now, commune_id=world.commune_id)
        assert [r.status for r in messages(database, world)] == ["pending", "pending"]
        later = now + timedelta(hours=2)
        deliver_due(database, config, http, now=later, commune_id=world.commune_id)
        # The first is given up; only then may the second go (and it is as old: dead too).
        deliver_due(database, config, http, now=later, commune_id=world.commune_id)
    assert [r.status for r in messages(database, world)] == ["dead", "dead"]
    dead = world.client.get("/api/v1/webhooks/deliveries?status=dead", headers=world.headers("supervisor")).json()
    assert dead["total"] == 2 and dead["items"][0]["last_error"] == "http_500"

    other = book(world)["shipment"]["tracking_no"]
    with serve(Desk(lambda: 410)) as receiver:
        deliver_due(database, config_for(receiver.url), http, now=utcnow(), commune_id=world.commune_id)
    assert [r.status for r in messages(database, world) if r.ordering_key == other] == ["dead"]


def test_redeliver_sends_the_same_webhook_id_again(database, world, http):
    book(world)
    desk = Desk()
    with serve(desk) as receiver:
        config = config_for(receiver.url)
        drain(database, world, config, http, utcnow())
        (row,) = messages(database, world)
        headers = world.headers("clerk")
        assert world.client.post(f"/api/v1/webhooks/deliveries/{row.id}/redeliver",
                                 headers=world.headers("postal")).status_code == 403  # fmt: skip
        answer = world.client.post(f"/api/v1/webhooks/deliveries/{row.id}/redeliver", headers=headers)
        assert answer.status_code == 202, answer.text
        assert answer.json()["status"] == "pending"
        drain(database, world, config, http, utcnow())
    assert desk.seen == [row.message_id, row.message_id]
    detail = world.client.get(f"/api/v1/webhooks/deliveries/{row.id}", headers=headers).json()
    assert detail["status"] == "delivered" and len(detail["attempts_log"]) == 2
    assert world.client.post("/api/v1/webhooks/deliveries/999999999/redeliver", headers=headers).status_code == 404


def test_the_delivery_log_is_paginated_filtered_and_per_commune(database, world, client):
    from tests.conftest import make_world

    for _ in range(3):
        book(world)
    headers = world.headers("clerk")
    page = client.get("/api/v1/webhooks/deliveries?limit=2&offset=1", headers=headers).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 1, 2)
    refused = client.get("/api/v1/webhooks/deliveries?status=lost", headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "status"
    assert client.get("/api/v1/webhooks/deliveries", headers=world.headers("postal")).status_code == 403
    assert client.get("/api/v1/webhooks/deliveries").status_code == 401
    other = make_world(database, client)
    assert client.get("/api/v1/webhooks/deliveries", headers=other.headers("clerk")).json()["total"] == 0


def _sms_parcel(database, world, *, opt_out: bool = False) -> tuple[str, timedelta]:
    """A parcel walked to `delivered` through the services; its SMS are pushed an hour ahead in
    the same transaction, so the app's own background worker leaves them to this test."""
    number = book(world, sms_opt_out=opt_out)["shipment"]["tracking_no"]
    principal = world.principal("clerk")
    ahead = timedelta(hours=1)

    def hold_sms(conn) -> None:
        conn.execute(
            outbox.update()
            .where(outbox.c.commune_id == world.commune_id, outbox.c.channel == "sms")
            .values(next_attempt_at=utcnow() + ahead)
        )

    with database.write() as conn:
        apply_event(conn, principal, number, Event.PICKED_UP, {}, RULES)
        apply_event(conn, principal, number, Event.HANDED_TO_DESK, {}, RULES)
        hold_sms(conn)
    answer = world.client.post(f"/api/v1/dossiers/{_dossier_of(world, number)}/return", headers=world.headers("clerk"))
    returned = answer.json()["shipment"]["tracking_no"]
    with database.write() as conn:
        apply_event(conn, principal, returned, Event.COLLECTED_FROM_DESK, {}, RULES)
        apply_event(conn, principal, returned, Event.OUT_FOR_DELIVERY, {}, RULES)
        apply_event(conn, principal, returned, Event.DELIVERY_FAILED, {"reason": "not_home"}, RULES)
        apply_event(conn, principal, returned, Event.OUT_FOR_DELIVERY, {}, RULES)
        apply_event(conn, principal, returned, Event.DELIVERED, {"recipient_name": "Nguyễn Thị Hằng"}, RULES)
        hold_sms(conn)
    return number, ahead


def _dossier_of(world, number: str) -> int:
    return world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()["dossier_id"]


def test_sms_to_the_citizen_on_the_events_that_matter(database, world, http):
    number, ahead = _sms_parcel(database, world)
    rows = messages(database, world, "sms")
    assert [json.loads(r.payload)["event"] for r in rows] == [
        "picked_up", "out_for_delivery", "delivery_failed", "out_for_delivery", "delivered",
    ]  # fmt: skip
    assert {r.recipient for r in rows} == {"+84912345678"}
    assert "Nguyễn" not in "".join(r.payload for r in rows)  # no name in the stored payload
    provider = LogProvider()
    config = DeliveryConfig(public=PublicSection(base_url="https://buudien.example"))  # no webhook URL: SMS only
    for _ in range(6):
        deliver_due(database, config, http, sms=provider, now=utcnow() + ahead, commune_id=world.commune_id)
    # The log provider sends nothing: logged, never delivered, and it kept no phone number.
    assert [(r.status, r.delivered_at) for r in messages(database, world, "sms")] == [("logged", None)] * 5
    assert "+84912345678" not in repr(vars(provider)) + repr(list(provider.recent))
    texts = [s.text for s in provider.recent]
    assert number in texts[0] and "Bưu điện đã nhận hồ sơ" in texts[0]
    assert "không có người ở nhà" in texts[2]
    assert "đã được phát thành công" in texts[4] and "https://buudien.example/track?no=" in texts[4]
    sms_log = world.client.get(
        "/api/v1/webhooks/deliveries?channel=sms&status=logged", headers=world.headers("clerk")
    ).json()
    assert sms_log["total"] == 5 and sms_log["items"][0]["recipient"] != "+84912345678"


def test_sms_opt_out_and_the_unaccented_option_and_an_http_gateway(database, world, http):
    _sms_parcel(database, world, opt_out=True)
    assert messages(database, world, "sms") == []

    from tests.conftest import make_world

    other = make_world(database, world.client)
    _, ahead = _sms_parcel(database, other)
    with serve(lambda _: Reply(200, {"id": "gw-1"})) as gateway:
        config = DeliveryConfig.from_settings(
            settings_from(SMS_PROVIDER="http", SMS_URL=gateway.url + "/send", SMS_UNACCENTED=1)
        )
        for _ in range(6):
            deliver_due(database, config, http, now=utcnow() + ahead, commune_id=other.commune_id)
    assert len(gateway.requests) == 5
    first = gateway.requests[0].json()
    assert first["to"] == "+84912345678" and first["text"].isascii() and "Buu dien da nhan ho so" in first["text"]


def test_the_app_runs_the_delivery_loop_in_a_thread(database, world, settings):
    desk = Desk()
    with serve(desk) as receiver:
        from dataclasses import replace

        delivery = replace(settings.delivery, webhook_url=receiver.url, webhook_secret=SECRET, worker=True)
        configured = replace(settings, delivery=delivery)
        with TestClient(app=create_app(configured, database)) as app_client:
            answer = app_client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk"))
            number = answer.json()["shipment"]["tracking_no"]
            deadline = time.monotonic() + 60  # the loop's first pass waits its turn on two loaded cores
            while time.monotonic() < deadline:
                with desk.lock:
                    if any(p["data"]["tracking_no"] == number for p in desk.accepted):
                        break
                time.sleep(0.05)
            else:
                raise AssertionError("the background worker did not deliver the booking")
            running = _delivery_threads()
        assert _delivery_threads() == running - 1  # stopped with the app
    (row,) = messages(database, world)
    assert row.status == "delivered"


def _delivery_threads() -> int:
    return sum(t.name == "outbox-delivery" and t.is_alive() for t in threading.enumerate())


def test_an_sms_too_late_to_mean_anything_is_given_up_unsent(database, world, http):
    _sms_parcel(database, world)
    provider = LogProvider()
    for _ in range(6):
        deliver_due(database, DeliveryConfig(), http, sms=provider, now=utcnow() + timedelta(hours=13),
                    commune_id=world.commune_id)  # fmt: skip
    rows = messages(database, world, "sms")
    assert [(r.status, r.last_error) for r in rows] == [("dead", "expired")] * 5
    assert list(provider.recent) == []


def test_a_worker_process_killed_mid_delivery_loses_nothing(database, database_url, world, http):
    """`postal-tracker worker` as a real process, killed with SIGKILL while the desk holds its
    request: after the lease runs out another worker delivers the message, with the same id."""
    book(world)
    held: list[str] = []

    def holding_desk(request: ReceivedRequest) -> Reply:
        held.append(request.headers["webhook-id"])
        return Reply(204, delay=30)  # the answer never comes: the worker dies waiting

    with serve(holding_desk) as slow:
        env = {
            **os.environ, "POSTAL_TRACKER_DATABASE_URL": database_url, "POSTAL_TRACKER_WEBHOOK_URL": slow.url,
            "POSTAL_TRACKER_WEBHOOK_SECRET": SECRET, "POSTAL_TRACKER_LOG_LEVEL": "WARNING",
        }  # fmt: skip
        worker = subprocess.Popen(
            [sys.executable, "-m", "postal_tracker.cli", "worker", "--commune", world.code],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while not held and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.05)
            assert held, "the worker process never sent the webhook"
        finally:
            worker.kill()
            worker.wait()
    (row,) = messages(database, world)
    assert row.status == "pending" and row.lease_owner is not None
    desk = Desk()
    with serve(desk) as receiver:
        drain(database, world, config_for(receiver.url), http, utcnow() + timedelta(seconds=26))
    (row,) = messages(database, world)
    assert row.status == "delivered"
    assert held == [row.message_id] and desk.ids_accepted() == Counter({row.message_id: 1})
