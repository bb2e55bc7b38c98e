"""Concurrency on a real database: threads against the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from postal_tracker.booking.schemas import PickupRequest
from postal_tracker.booking.service import book_pickup
from postal_tracker.idempotency import run_once
from postal_tracker.models import EventRecord, Shipment, table
from postal_tracker.scanning.service import record_scan
from postal_tracker.settings import RulesSection
from tests.builders import pickup_body, scan_body

RULES = RulesSection()


def _together(count, work):
    """Run `work(i)` in `count` threads released at the same instant."""
    barrier = threading.Barrier(count)

    def run(i):
        barrier.wait()
        return work(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def _book(database, world):
    request = PickupRequest.model_validate(pickup_body())
    with database.write() as conn:
        return book_pickup(conn, world.principal("clerk"), request, RULES)["shipment"]["tracking_no"]


def _events(database, number):
    shipments, events = table(Shipment), table(EventRecord)
    with database.read() as conn:
        return list(
            conn.execute(
                sa.select(events.c.event).join(shipments).where(shipments.c.tracking_no == number).order_by(events.c.id)
            ).scalars()
        )


def test_the_same_scan_arriving_twice_at_once_is_applied_once(database, world):
    number = _book(database, world)
    body = scan_body(number, "picked_up")
    outcomes = _together(8, lambda _: record_scan(database, world.principal("postal"), body, RULES))
    assert Counter(o.outcome for o in outcomes) == {"accepted": 1, "duplicate": 7}
    assert _events(database, number) == ["booked", "picked_up"]


def test_two_conflicting_scans_at_once_are_never_both_applied(database, world):
    for _ in range(5):
        number = _book(database, world)
        bodies = [scan_body(number, "picked_up"), scan_body(number, "cancelled", reason="refused")]
        outcomes = _together(
            2, lambda i, bodies=bodies: record_scan(database, world.principal("postal"), bodies[i], RULES)
        )
        assert sorted(o.outcome for o in outcomes) == ["accepted", "rejected"]
        rejected = next(o for o in outcomes if o.outcome == "rejected")
        assert rejected.http_status == 409
        assert len(_events(database, number)) == 2


def test_concurrent_failures_never_exceed_the_attempt_limit(database, world):
    number = _book(database, world)
    bodies = [scan_body(number, "pickup_failed", reason="not_home") for _ in range(6)]
    outcomes = _together(6, lambda i: record_scan(database, world.principal("postal"), bodies[i], RULES))
    assert Counter(o.outcome for o in outcomes) == {"accepted": 3, "rejected": 3}
    assert _events(database, number).count("pickup_failed") == 3


def test_concurrent_bookings_get_distinct_numbers(database, world):
    numbers = _together(8, lambda _: _book(database, world))
    assert len(set(numbers)) == 8


def test_the_same_idempotency_key_at_once_creates_one_booking(database, world):
    request = PickupRequest.model_validate(pickup_body())
    key = str(uuid.uuid4())

    def create(_):
        return run_once(
            database, world.principal("clerk").key, key, "pickups", request.model_dump(mode="json"),
            lambda conn: book_pickup(conn, world.principal("clerk"), request, RULES),
        )  # fmt: skip

    answers = _together(6, create)
    assert len({a["shipment"]["tracking_no"] for a in answers}) == 1
    shipments = table(Shipment)
    with database.read() as conn:
        count = conn.execute(
            sa.select(sa.func.count()).select_from(shipments).where(shipments.c.commune_id == world.commune_id)
        ).scalar_one()
    assert count == 1
