"""`postal-tracker bench seed`: the bulk-inserted parcels are ones the service itself could have
written. Every leg's status, version, attempts and due date agree with its events; public
tracking answers them; the month's report counts them. A seed into a fresh database (indexes
and constraints built after the load) and one beside it (kept as they are) leave the same
schema and consistent rows."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from postal_tracker import migrate
from postal_tracker.benchseed import seed
from postal_tracker.db import Database, utcnow
from postal_tracker.lifecycle import TAKEN_BY_POST, Leg, normalize_tracking_no
from postal_tracker.localtime import local_date
from postal_tracker.models import Commune, Dossier, EventRecord, Shipment, table
from postal_tracker.settings import RulesSection
from tests.builders import stored_communes_follow_the_rule
from tests.conftest import POSTGRES_URL, TEST_DATA_KEY, World, new_postgres_database

shipments, events, dossiers, communes = table(Shipment), table(EventRecord), table(Dossier), table(Commune)


def test_seeded_parcels_are_valid_tracked_and_reported(database: Database, world: World) -> None:
    summary = seed(database, 200, RulesSection(), communes=3, days=90, chunk=70)
    assert summary.shipments == 200 and len(summary.communes) == 3
    assert summary.events >= 4 * 200  # about five a leg

    with database.read() as conn:
        legs = conn.execute(
            sa.select(shipments, dossiers.c.booked_commune_id)
            .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(shipments.c.commune_id.in_(summary.communes))
            .order_by(shipments.c.id)
        ).all()  # fmt: skip
        timeline: dict[int, list] = defaultdict(list)
        for e in conn.execute(
            sa.select(events).where(events.c.shipment_id.in_([s.id for s in legs])).order_by(events.c.id)
        ):
            timeline[e.shipment_id].append(e)
    assert len(legs) == 200 and sum(map(len, timeline.values())) == summary.events
    by_dossier: dict[int, dict[str, sa.Row]] = defaultdict(dict)
    for leg in legs:
        walked = timeline[leg.id]
        assert normalize_tracking_no(leg.tracking_no) == leg.tracking_no  # a valid S10 number
        assert walked[0].event == "booked" and walked[-1].status == leg.status
        assert [e.at for e in walked] == sorted(e.at for e in walked)
        assert leg.version == len(walked) - 1
        assert leg.attempts == sum(e.event.endswith("_failed") for e in walked)
        taken = [e for e in walked if e.event == TAKEN_BY_POST[Leg(leg.leg)]]
        assert (leg.due_at is not None) == bool(taken)
        if taken:
            assert local_date(leg.due_at) > local_date(taken[0].at)
        assert leg.booked_commune_id == leg.commune_id
        by_dossier[leg.dossier_id][leg.leg] = leg
    assert len({leg.tracking_no for leg in legs}) == 200
    for pair in by_dossier.values():
        assert "pickup" in pair
        if "return" in pair:  # booked once the dossier reached the desk
            assert pair["pickup"].status == "at_desk"
    assert any(len(pair) == 2 for pair in by_dossier.values())
    assert {"at_desk", "delivered"} <= {leg.status for leg in legs}

    for leg in legs[::20]:
        answer = world.client.get(f"/api/v1/track/{leg.tracking_no}")
        assert answer.status_code == 200, answer.text
        view = answer.json()
        assert view["status"] == leg.status
        assert [e["event"] for e in view["events"]] == [e.event for e in timeline[leg.id]]

    # The month with the most bookings in the first commune: the report counts exactly its events.
    first = summary.communes[0]
    with database.read() as conn:
        code = conn.execute(sa.select(communes.c.code).where(communes.c.id == first)).scalar_one()
    booked = Counter(
        local_date(e.at).strftime("%Y-%m")
        for leg in legs
        if leg.commune_id == first
        for e in timeline[leg.id]
        if e.event == "booked" and leg.leg == "pickup"
    )
    month = booked.most_common(1)[0][0]
    answer = world.client.get(
        "/api/v1/reports/monthly", params={"month": month, "commune": code}, headers=world.headers("admin")
    )
    assert answer.status_code == 200, answer.text
    totals = answer.json()["totals"]
    assert totals["pickups_booked"] == booked[month]
    delivered = sum(
        1
        for leg in legs
        if leg.commune_id == first
        for e in timeline[leg.id]
        if e.event == "delivered" and local_date(e.at).strftime("%Y-%m") == month
    )
    assert totals["delivered"] == delivered


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database of its own, empty but for the migrations: the seed takes its bulk path there."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'seeded.db'}"
        yield from _migrated(url)
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need POSTAL_TRACKER_TEST_POSTGRES_URL (set by .ci/run)")
    with new_postgres_database(POSTGRES_URL, f"pt_seed_{uuid.uuid4().hex[:10]}") as url:
        yield from _migrated(url)


def _migrated(url: str) -> Iterator[Database]:
    db = Database(url, (TEST_DATA_KEY,))
    migrate.upgrade(db)
    yield db
    db.dispose()


def _schema(db: Database) -> dict[str, Any]:
    with db.read() as conn:
        inspector = sa.inspect(conn)
        return {
            name: (
                sorted(map(repr, inspector.get_indexes(name))),
                sorted(map(repr, inspector.get_unique_constraints(name))),
                sorted(map(repr, inspector.get_foreign_keys(name))),
            )
            for name in ("dossiers", "shipments", "events")
        }


def test_a_seed_into_a_fresh_database_and_one_beside_it_leave_the_schema_and_consistent_rows(
    fresh_database: Database,
) -> None:
    db = fresh_database
    schema = _schema(db)
    first = seed(db, 2000, RulesSection(), communes=4, days=120, chunk=700, seed=5)
    assert _schema(db) == schema  # every index and constraint dropped for the load is back
    second = seed(db, 300, RulesSection(), communes=2, days=120, chunk=700, seed=6)  # beside: indexes kept
    assert _schema(db) == schema

    with db.read() as conn:
        legs = conn.execute(sa.select(shipments).order_by(shipments.c.id)).all()
        walked = conn.execute(sa.select(events).order_by(events.c.id)).all()
        dossier_count = conn.execute(sa.select(sa.func.count()).select_from(dossiers)).scalar_one()
    assert len(legs) == first.shipments + second.shipments == 2300
    assert len(walked) == first.events + second.events
    assert dossier_count == first.dossiers + second.dossiers
    stored_communes_follow_the_rule(db)  # the seed writes each event's commune as the service would
    assert [leg.id for leg in legs] == list(range(1, 2301))  # the second seed's ids follow the first's
    assert len({leg.tracking_no for leg in legs}) == 2300

    timeline: dict[int, list[Any]] = defaultdict(list)
    for e in walked:
        timeline[e.shipment_id].append(e)
    assert set(timeline) == {leg.id for leg in legs}  # every event belongs to a leg, every leg has events
    legs_of: dict[int, set[str]] = defaultdict(set)
    for leg in legs:
        history = timeline[leg.id]
        assert history[0].event == "booked" and history[0].at == leg.created_at
        assert [e.at for e in history] == sorted(e.at for e in history)  # ids in the order of time
        assert history[-1].status == leg.status and history[-1].at == leg.updated_at
        assert leg.version == len(history) - 1
        legs_of[leg.dossier_id].add(leg.leg)
    assert len(legs_of) == dossier_count and all("pickup" in pair for pair in legs_of.values())

    # The sequences were moved past the seeded ids: the service's next rows get fresh ones.
    last = walked[-1]
    with db.write() as conn:
        event_id = conn.execute(
            events.insert().values(shipment_id=last.shipment_id, event=last.event, code=last.code,
                                   status=last.status, at=utcnow(), recorded_at=utcnow(),
                                   commune_id=last.commune_id)
        ).inserted_primary_key[0]  # fmt: skip
    assert event_id == walked[-1].id + 1
