"""kill -9 during single and batch scans, on SQLite and PostgreSQL.

A real `serve` process takes scans from three clients (two sending one scan at a time, one
sending batches, as an offline phone does); it is killed with SIGKILL while they send, and
started again. Every scan that was acknowledged (201/200 received) must be in the database, and
no scan may be half-applied: every event of a scan has its stored scan record and vice versa,
and every parcel's status is the status of its last event. Then the clients send again what was
not acknowledged (as a phone's queue does) and every scan ends applied exactly once.
The figures of the README's reliability section come from this test (printed with `-s`).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from postal_tracker.booking.schemas import PickupRequest
from postal_tracker.booking.service import book_pickup
from postal_tracker.models import EventRecord as Event
from postal_tracker.models import ScanRecord, Shipment, table
from postal_tracker.settings import RulesSection
from tests.builders import pickup_body, scan_body
from tests.conftest import TEST_DATA_KEY, TEST_JWT_SECRET, make_world
from tests.processes import ServeProcess

CYCLES = 3
PARCELS_PER_CYCLE = 60
CHAIN = ("picked_up", "arrived_post_office", "handed_to_desk")
BATCH_PARCELS = 10  # one batch: the whole chain of 10 parcels, 30 scans

shipments, events, scan_records = table(Shipment), table(Event), table(ScanRecord)


def _book(database, world, count: int) -> list[str]:
    request = PickupRequest.model_validate(pickup_body())
    with database.write() as conn:
        booked = [book_pickup(conn, world.principal("clerk"), request, RulesSection()) for _ in range(count)]
    return [b["shipment"]["tracking_no"] for b in booked]


def _chain(number: str, start: datetime) -> list[dict]:
    """The three scans of a parcel, a second apart, well in the past (so the clock check passes)."""
    return [
        scan_body(number, event, at=(start + timedelta(seconds=i)).isoformat()) for i, event in enumerate(CHAIN)
    ]


class Clients:
    """Two single-scan senders and one batch sender; each keeps what was acknowledged."""

    def __init__(self, url: str, headers: dict[str, str], singles: list[list[dict]], batches: list[list[dict]]):
        self.url, self.headers = url, headers
        self.singles, self.batches = singles, batches
        self.acked: set[str] = set()
        self.lock = threading.Lock()

    def _ack(self, scan_ids) -> None:
        with self.lock:
            self.acked.update(scan_ids)

    def send_singles(self, chains: list[list[dict]]) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as client:
            for chain in chains:
                for body in chain:
                    try:
                        answer = client.post("/api/v1/scans", json=body)
                    except httpx.TransportError:
                        return  # the server is gone
                    assert answer.status_code in (200, 201), answer.text
                    self._ack([body["scan_id"]])

    def send_batches(self, batches: list[list[dict]]) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=60) as client:
            for batch in batches:
                try:
                    answer = client.post("/api/v1/scans/batch", json={"scans": batch})
                except httpx.TransportError:
                    return
                assert answer.status_code == 200, answer.text
                results = answer.json()["results"]
                assert {r["outcome"] for r in results} <= {"accepted", "duplicate"}, results
                self._ack([r["scan_id"] for r in results])

    def run(self) -> list[threading.Thread]:
        half = len(self.singles) // 2
        threads = [
            threading.Thread(target=self.send_singles, args=(self.singles[:half],)),
            threading.Thread(target=self.send_singles, args=(self.singles[half:],)),
            threading.Thread(target=self.send_batches, args=(self.batches,)),
        ]
        for thread in threads:
            thread.start()
        return threads


def _check_nothing_half_applied(database, commune_id: int) -> dict[str, str]:
    """Every applied scan is whole; return the scan_ids applied, with their events."""
    with database.read() as conn:
        applied = conn.execute(
            sa.select(events.c.scan_id, events.c.event, events.c.shipment_id)
            .join(shipments, shipments.c.id == events.c.shipment_id)
            .where(shipments.c.commune_id == commune_id, events.c.scan_id.is_not(None))
        ).all()
        recorded = conn.execute(
            sa.select(scan_records.c.scan_id, scan_records.c.shipment_id)
            .where(scan_records.c.commune_id == commune_id, scan_records.c.outcome == "accepted")
        ).all()
        refused = conn.execute(
            sa.select(sa.func.count()).select_from(scan_records)
            .where(scan_records.c.commune_id == commune_id, scan_records.c.outcome != "accepted")
        ).scalar_one()
        latest = events.alias("latest")
        last_events = conn.execute(
            sa.select(shipments.c.tracking_no, shipments.c.status, events.c.status)
            .join(events, events.c.shipment_id == shipments.c.id)
            .where(
                shipments.c.commune_id == commune_id,
                events.c.id == sa.select(sa.func.max(latest.c.id)).where(latest.c.shipment_id == shipments.c.id)
                .scalar_subquery(),
            )
        ).all()  # fmt: skip
    counts = Counter(row.scan_id for row in applied)
    assert all(n == 1 for n in counts.values()), "a scan applied twice"
    assert {(r.scan_id, r.shipment_id) for r in applied} == {(r.scan_id, r.shipment_id) for r in recorded}
    assert refused == 0, "a scan in order was refused"
    assert all(row[1] == row[2] for row in last_events), "a parcel's status is not its last event's"
    return {row.scan_id: row.event for row in applied}


@pytest.mark.slow
def test_kill_9_during_single_and_batch_scans_loses_no_acknowledged_scan(database, database_url, client):
    world = make_world(database, client)
    env = {
        "POSTAL_TRACKER_DATABASE_URL": database_url, "POSTAL_TRACKER_JWT_SECRET": TEST_JWT_SECRET,
        "POSTAL_TRACKER_DATA_KEY": TEST_DATA_KEY,
    }  # fmt: skip
    server = ServeProcess(env, "--no-worker")
    headers = world.headers("postal")
    rng = random.Random(9)
    start = datetime.now(UTC) - timedelta(hours=1)
    figures = Counter()
    try:
        for cycle in range(CYCLES):
            numbers = _book(database, world, PARCELS_PER_CYCLE)
            chains = [_chain(n, start + timedelta(minutes=i)) for i, n in enumerate(numbers)]
            singles, batched = chains[: PARCELS_PER_CYCLE // 2], chains[PARCELS_PER_CYCLE // 2 :]
            batches = [
                [scan for chain in batched[i : i + BATCH_PARCELS] for scan in chain]
                for i in range(0, len(batched), BATCH_PARCELS)
            ]
            server.start()
            clients = Clients(server.url, headers, singles, batches)
            threads = clients.run()
            # Kill once some scans were acknowledged, at a random moment after that.
            deadline = time.monotonic() + 60
            while len(clients.acked) < 10 and time.monotonic() < deadline and any(t.is_alive() for t in threads):
                time.sleep(0.01)
            time.sleep(rng.uniform(0, 0.5))
            server.kill()
            for thread in threads:
                thread.join(timeout=60)
            acked = set(clients.acked)

            server.start()  # the restart: recovery of the database after a crash
            applied = _check_nothing_half_applied(database, world.commune_id)
            lost = acked - applied.keys()
            assert not lost, f"cycle {cycle}: {len(lost)} acknowledged scans lost"
            all_scans = [scan for chain in chains for scan in chain]
            figures["scans"] += len(all_scans)
            figures["acknowledged"] += len(acked)
            figures["applied_unacknowledged"] += len(applied.keys() & {s["scan_id"] for s in all_scans} - acked)

            # The phones send again what they have no answer for: each is applied once, or a duplicate.
            again = Clients(server.url, headers, [[s for s in all_scans if s["scan_id"] not in acked]], [])
            again.send_singles(again.singles)
            applied = _check_nothing_half_applied(database, world.commune_id)
            assert {s["scan_id"] for s in all_scans} <= applied.keys()
            with database.read() as conn:
                statuses = conn.execute(
                    sa.select(shipments.c.status).where(shipments.c.tracking_no.in_(numbers))
                ).scalars().all()
            assert statuses == ["at_desk"] * PARCELS_PER_CYCLE
            server.stop()
            figures["cycles"] += 1
    finally:
        server.kill()
    print(f"\nkill -9 [{database.engine.dialect.name}]: {dict(figures)}, acknowledged scans lost: 0")
