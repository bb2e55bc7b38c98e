"""`postal-tracker bench seed`: the bulk-inserted parcels are ones the service itself could have
written. Every leg's status, version, attempts and due date agree with its events; public
tracking answers them; the month's report counts them."""

from __future__ import annotations

from collections import Counter, defaultdict

import sqlalchemy as sa

from postal_tracker.benchseed import seed
from postal_tracker.db import Database
from postal_tracker.lifecycle import TAKEN_BY_POST, Leg, normalize_tracking_no
from postal_tracker.localtime import local_date
from postal_tracker.models import Commune, Dossier, EventRecord, Shipment, table
from postal_tracker.settings import RulesSection
from tests.conftest import World

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
