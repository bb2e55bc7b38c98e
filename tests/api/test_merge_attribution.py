"""Whose figures a parcel's history counts in, across merges (one rule: reports/attribution.py):
each event, feedback and complaint counts for the commune that held the dossier at its instant,
also after a chain of merges (Tam Phước into Tam An, then Tam An into Phú Mỹ)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa

from postal_tracker.localtime import LOCAL_TZ, local_today
from postal_tracker.models import EventRecord, Shipment, table
from tests.api.province import TAM_AN_HAMLETS, TAM_PHUOC_HAMLETS, new_commune
from tests.builders import book, scan, stored_communes_follow_the_rule, this_quarter


def days_ago(n: int) -> datetime:
    return datetime.combine(local_today() - timedelta(days=n), time(9, 0), LOCAL_TZ)


def merge(world, source, into, on=None) -> None:
    body = {"into": into.code, **({"on": on.isoformat()} if on else {})}
    answer = world.client.post(f"/api/v1/communes/{source.code}/merge", json=body, headers=world.headers("admin"))
    assert answer.status_code == 200, answer.text


def daily_events(world, commune, day) -> list[tuple[str, str]]:
    answer = world.client.get("/api/v1/reports/daily", params={"date": day.isoformat(), "commune": commune.code},
                              headers=world.headers("admin"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return [(i["tracking_no"], i["event"]) for i in answer.json()["items"]]


def quarter_figures(world, commune) -> dict:
    answer = world.client.get("/api/v1/reports/quarterly", params={"quarter": this_quarter(), "commune": commune.code},
                              headers=world.headers("admin"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()["totals"]


def test_after_two_merges_each_commune_reports_the_days_it_held_the_parcel(world, database):
    tam_phuoc = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    phu_my = new_commune(world, database, "Phú Mỹ", [])
    booked = book(tam_phuoc, address={"hamlet_code": "PLANG", "detail": "Số 2, đường Phước Lăng"})
    number = booked["shipment"]["tracking_no"]
    scan(tam_phuoc, number, "picked_up", at=days_ago(12).isoformat())  # Tam Phước's own
    merge(world, tam_phuoc, tam_an, on=local_today() - timedelta(days=10))
    scan(tam_an, number, "handed_to_desk", at=days_ago(7).isoformat())  # at Tam An's desk, between the merges
    merge(world, tam_an, phu_my, on=local_today() - timedelta(days=5))
    # Still awaiting its result by post, the dossier went on to Phú Mỹ, which books the return.
    answer = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=phu_my.headers("clerk"))
    assert answer.status_code == 201, answer.text
    result = answer.json()["shipment"]["tracking_no"]

    where = {
        (commune.name, n): daily_events(world, commune, local_today() - timedelta(days=n))
        for commune in (tam_phuoc, tam_an, phu_my)
        for n in (12, 7, 0)
    }
    assert where == {
        ("Tam Phước", 12): [(number, "picked_up")], ("Tam Phước", 7): [], ("Tam Phước", 0): [],
        ("Tam An", 12): [], ("Tam An", 7): [(number, "handed_to_desk")], ("Tam An", 0): [],
        ("Phú Mỹ", 12): [], ("Phú Mỹ", 7): [], ("Phú Mỹ", 0): [(number, "booked"), (result, "booked")],
    }  # fmt: skip
    # (The pickup was booked today, after both merges took effect: it is today's, Phú Mỹ's.)
    stored_communes_follow_the_rule(database)


def test_a_scan_sent_after_a_merge_counts_for_the_commune_that_held_the_parcel_when_it_was_made(world, database):
    # A scanner offline through the merge sends its scan of the morning in the afternoon.
    tam_phuoc = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    number = book(tam_phuoc)["shipment"]["tracking_no"]
    made_at = datetime.now(LOCAL_TZ) - timedelta(minutes=30)
    merge(world, tam_phuoc, tam_an)  # now: the open dossier moves to Tam An
    scan(tam_an, number, "picked_up", at=made_at.isoformat())
    scan(tam_an, number, "handed_to_desk")

    today = local_today()
    if made_at.date() == today:  # (not across local midnight)
        assert sorted(daily_events(world, tam_phuoc, today)) == [(number, "booked"), (number, "picked_up")]
        assert daily_events(world, tam_an, today) == [(number, "handed_to_desk")]
    stored_communes_follow_the_rule(database)


def test_a_complaint_counts_for_the_commune_that_held_the_dossier_when_it_was_filed(world, database):
    tam_phuoc = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    number = book(tam_phuoc)["shipment"]["tracking_no"]

    def complain(commune, kind) -> int:
        body = {"tracking_no": number, "kind": kind, "text": "Chưa thấy bưu tá đến lấy hồ sơ"}
        answer = world.client.post("/api/v1/complaints", json=body, headers=commune.headers("clerk"))
        assert answer.status_code == 201, answer.text
        return answer.json()["complaint_id"]

    before = complain(tam_phuoc, "late")
    merge(world, tam_phuoc, tam_an)  # now: the open dossier and its open complaint move to Tam An
    complain(tam_an, "lost")
    body = {"status": "resolved", "resolution": "Đã lấy hồ sơ", "compensation_vnd": 0}
    resolved = world.client.patch(f"/api/v1/complaints/{before}", json=body, headers=tam_an.headers("clerk"))
    assert resolved.status_code == 200, resolved.text

    old, new = quarter_figures(world, tam_phuoc), quarter_figures(world, tam_an)
    assert (old["complaints_received"], old["lost"], old["complaints_resolved"]) == (1, 0, 0)
    assert (new["complaints_received"], new["lost"], new["complaints_resolved"]) == (1, 1, 1)


def test_the_revision_that_stores_the_commune_fills_it_in_for_older_events_by_the_rule(world, database):
    """A database from before events carried their commune: after two merges, downgraded one
    revision and upgraded again, every event holds the commune the rule gives it."""
    from alembic import command

    from postal_tracker.migrate import alembic_config

    tam_phuoc = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    phu_my = new_commune(world, database, "Phú Mỹ", [])
    numbers = [book(tam_phuoc)["shipment"]["tracking_no"] for _ in range(3)]
    scan(tam_phuoc, numbers[0], "picked_up", at=days_ago(12).isoformat())
    scan(tam_phuoc, numbers[1], "cancelled", at=days_ago(11).isoformat(), reason="other",
         note="Người dân tự nộp tại xã")  # closed: stays
    merge(world, tam_phuoc, tam_an, on=local_today() - timedelta(days=10))
    scan(tam_an, numbers[0], "handed_to_desk", at=days_ago(7).isoformat())
    merge(world, tam_an, phu_my, on=local_today() - timedelta(days=5))
    scan(phu_my, numbers[2], "picked_up")
    events, shipments = table(EventRecord), table(Shipment)
    history = (
        sa.select(events.c.id, events.c.commune_id)
        .join(shipments, shipments.c.id == events.c.shipment_id)
        .where(shipments.c.tracking_no.in_(numbers))
    )
    with database.read() as conn:
        before = dict(conn.execute(history).all())
    assert set(before.values()) == {c.commune_id for c in (tam_phuoc, tam_an, phu_my)}  # each holds some

    with database.write() as conn:
        command.downgrade(alembic_config(conn), "-1")
        assert "commune_id" not in {c["name"] for c in sa.inspect(conn).get_columns("events")}
        command.upgrade(alembic_config(conn), "head")
    with database.read() as conn:
        assert dict(conn.execute(history).all()) == before
    stored_communes_follow_the_rule(database)
