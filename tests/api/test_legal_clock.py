"""The legal clock through the API, with scan times in the past (SQLite and PostgreSQL):
`due_at` across a weekend, Tết and 2 September, `overdue`, the re-attempt spacing in the
delivery manifest, the SMS after a failed delivery, and `on_time_share` against `due_at`."""

from __future__ import annotations

import json
from datetime import date, datetime

import sqlalchemy as sa

from postal_tracker.delivery.service import DeliveryConfig, sms_text
from postal_tracker.localtime import LOCAL_TZ
from postal_tracker.models import OutboxMessage, Shipment, table
from tests import builders
from tests.builders import book


def local(text: str) -> str:
    """`2026-02-13 10:00` local time as the ISO instant a scanner sends."""
    return datetime.fromisoformat(text).replace(tzinfo=LOCAL_TZ).isoformat()


def scan(world, number: str, event: str, at: str, **extra) -> dict:
    """A scan at a local time (`2026-02-13 10:00`)."""
    return builders.scan(world, number, event, at=local(at), **extra)


def shipment(world, number: str) -> dict:
    answer = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def instant(iso: str) -> datetime:
    return datetime.fromisoformat(iso.replace("Z", "+00:00"))


def return_leg(world, taken_at: str, *, pickup_at: str = "2026-08-03 09:00") -> str:
    booked = book(world)
    number = booked["shipment"]["tracking_no"]
    scan(world, number, "picked_up", pickup_at)
    scan(world, number, "handed_to_desk", pickup_at)
    answer = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    result = answer.json()["shipment"]["tracking_no"]
    scan(world, result, "collected_from_desk", taken_at)
    return result


def test_due_at_is_null_before_the_post_takes_the_leg(world):
    booked = book(world)["shipment"]
    assert booked["due_at"] is None and booked["overdue"] is False and booked["next_attempt_on"] is None


def test_a_pickup_on_friday_is_due_on_monday_night(world):
    number = book(world)["shipment"]["tracking_no"]
    taken = scan(world, number, "picked_up", "2026-11-27 10:00")  # a Friday
    assert instant(taken["due_at"]) == datetime(2026, 11, 30, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert taken["overdue"] is True  # that Monday is past and the dossier is not at the desk
    arrived = scan(world, number, "handed_to_desk", "2026-11-30 16:00")
    assert arrived["overdue"] is False and arrived["due_at"] == taken["due_at"]


def test_tet_moves_the_deadline_past_the_holiday_week(world):
    number = book(world)["shipment"]["tracking_no"]
    taken = scan(world, number, "picked_up", "2026-02-13 15:00")  # Friday before Tết Bính Ngọ
    assert instant(taken["due_at"]) == datetime(2026, 2, 23, 23, 59, 59, tzinfo=LOCAL_TZ)


def test_national_day_moves_a_return_legs_deadline(world):
    number = return_leg(world, "2026-08-28 08:00")  # Friday; 31/8 (bridge), 1/9 and 2/9 are off
    assert instant(shipment(world, number)["due_at"]) == datetime(2026, 9, 3, 23, 59, 59, tzinfo=LOCAL_TZ)


def test_overdue_parcels_are_listed_and_come_first(world):
    late = book(world)["shipment"]["tracking_no"]
    scan(world, late, "picked_up", "2026-02-13 15:00")
    arrived_late = book(world)["shipment"]["tracking_no"]
    scan(world, arrived_late, "picked_up", "2026-02-13 15:00")
    scan(world, arrived_late, "handed_to_desk", "2026-02-24 08:00")  # late, but at the desk: not overdue
    fresh = book(world)["shipment"]["tracking_no"]  # booked after the others: most recently changed
    listed = world.client.get("/api/v1/shipments", params={"overdue": "true"}, headers=world.headers("clerk")).json()
    assert [item["tracking_no"] for item in listed["items"]] == [late] and listed["total"] == 1
    assert listed["items"][0]["overdue"] is True
    everything = world.client.get("/api/v1/shipments", headers=world.headers("clerk")).json()
    assert everything["items"][0]["tracking_no"] == late
    assert {item["tracking_no"] for item in everything["items"]} == {late, arrived_late, fresh}
    on_time = world.client.get("/api/v1/shipments", params={"overdue": "false"}, headers=world.headers("clerk"))
    assert {item["tracking_no"] for item in on_time.json()["items"]} == {arrived_late, fresh}


def manifest_numbers(world, day: str) -> set[str]:
    answer = world.client.get("/api/v1/manifests", params={"date": day, "kind": "delivery"},
                              headers=world.headers("postal"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return {stop["tracking_no"] for stop in answer.json()["stops"]}


def scheduled_on(database, number: str, day: str) -> None:
    """A leg booked today is scheduled today; this scenario's was booked in the past."""
    shipments = table(Shipment)
    with database.write() as conn:
        conn.execute(shipments.update().where(shipments.c.tracking_no == number)
                     .values(scheduled_date=date.fromisoformat(day)))  # fmt: skip


def test_a_failed_delivery_comes_back_on_the_manifest_two_working_days_later(world, database):
    number = return_leg(world, "2026-08-27 08:00")
    scheduled_on(database, number, "2026-08-27")
    scan(world, number, "out_for_delivery", "2026-08-28 08:00")
    failed = scan(world, number, "delivery_failed", "2026-08-28 10:00")  # Friday before 2 September
    assert failed["next_attempt_on"] == "2026-09-04"  # 3/9 is the first working day, 4/9 the second
    for day in ("2026-08-29", "2026-08-31", "2026-09-02", "2026-09-03"):
        assert number not in manifest_numbers(world, day), day
    assert number in manifest_numbers(world, "2026-09-04")
    assert number in manifest_numbers(world, "2026-09-07")
    again = scan(world, number, "out_for_delivery", "2026-09-04 08:00")
    assert again["next_attempt_on"] is None


def test_the_last_failed_attempt_has_no_next_one(world):
    number = return_leg(world, "2026-11-02 08:00")
    for day in ("2026-11-02", "2026-11-04", "2026-11-06"):
        scan(world, number, "out_for_delivery", f"{day} 08:00")
        failed = scan(world, number, "delivery_failed", f"{day} 10:00")
    assert failed["attempts"] == 3 and failed["next_attempt_on"] is None
    assert failed["allowed_events"] == ["returned_to_desk"]


def sms_of(database, number: str, event: str) -> str:
    outbox = table(OutboxMessage)
    with database.read() as conn:
        payload = conn.execute(
            sa.select(outbox.c.payload).where(outbox.c.ordering_key == number, outbox.c.type == f"sms.{event}")
            .order_by(outbox.c.id.desc())
        ).scalars().first()  # fmt: skip
    return sms_text(DeliveryConfig(), json.loads(payload))


def test_the_citizens_sms_after_a_failed_delivery_says_when_the_postman_comes_again(world, database):
    number = return_leg(world, "2026-08-27 08:00")
    scan(world, number, "out_for_delivery", "2026-08-28 08:00")
    scan(world, number, "delivery_failed", "2026-08-28 10:00")
    assert "Bưu tá sẽ phát lại ngày 04/09." in sms_of(database, number, "delivery_failed")
    for day in ("2026-09-04", "2026-09-08"):
        scan(world, number, "out_for_delivery", f"{day} 08:00")
        scan(world, number, "delivery_failed", f"{day} 10:00")
    assert "Kết quả trả về Bộ phận Một cửa." in sms_of(database, number, "delivery_failed")


def test_monthly_on_time_share_counts_arrivals_by_due_at(world, database):
    on_time = book(world)["shipment"]["tracking_no"]
    scan(world, on_time, "picked_up", "2026-02-13 15:00")
    scan(world, on_time, "handed_to_desk", "2026-02-23 23:59:59")  # the last second of the due day
    late = book(world)["shipment"]["tracking_no"]
    scan(world, late, "picked_up", "2026-02-13 15:00")
    scan(world, late, "handed_to_desk", "2026-02-24 00:00:30")
    result = return_leg(world, "2026-02-25 08:00", pickup_at="2026-02-10 09:00")  # due Thursday 26/2
    scan(world, result, "out_for_delivery", "2026-02-26 08:00")
    scan(world, result, "delivered", "2026-02-26 11:00")
    answer = world.client.get("/api/v1/reports/monthly", params={"month": "2026-02"},
                              headers=world.headers("supervisor"))  # fmt: skip
    totals = answer.json()["totals"]
    # Three pickups reached the desk (10/2 -> due 11/2, on time; 23/2 on time; 24/2 late), one delivery on time.
    assert totals["pickups_at_desk"] == 3 and totals["delivered"] == 1
    assert totals["on_time_share"] == 0.75
    with database.read() as conn:
        due = conn.execute(sa.select(table(Shipment).c.due_at).where(table(Shipment).c.tracking_no == result)).scalar()
    assert due == datetime(2026, 2, 26, 23, 59, 59, tzinfo=LOCAL_TZ)


def test_the_backfill_revision_gives_older_parcels_their_deadlines(world, database):
    """Parcels taken before the clock existed get `due_at` and `next_attempt_on` as a scan would."""
    import importlib.util

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    from postal_tracker.migrate import MIGRATIONS

    taken = book(world)["shipment"]["tracking_no"]
    scan(world, taken, "picked_up", "2026-02-13 15:00")
    failed = return_leg(world, "2026-08-27 08:00")
    scan(world, failed, "out_for_delivery", "2026-08-28 08:00")
    scan(world, failed, "delivery_failed", "2026-08-28 10:00")
    expected = {n: (shipment(world, n)["due_at"], shipment(world, n)["next_attempt_on"]) for n in (taken, failed)}
    shipments = table(Shipment)
    with database.write() as conn:
        conn.execute(shipments.update().where(shipments.c.tracking_no.in_([taken, failed]))
                     .values(due_at=None, next_attempt_on=None))  # fmt: skip
    assert shipment(world, taken)["due_at"] is None
    [path] = MIGRATIONS.glob("versions/*_legal_clock_backfill.py")
    spec = importlib.util.spec_from_file_location("backfill", path)
    backfill = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(backfill)
    with database.write() as conn, Operations.context(MigrationContext.configure(conn)):
        backfill.upgrade()
    assert {n: (shipment(world, n)["due_at"], shipment(world, n)["next_attempt_on"]) for n in expected} == expected
    assert expected[failed][1] == "2026-09-04"


def test_the_citizen_sees_the_deadline_and_the_next_attempt(world):
    number = return_leg(world, "2026-08-27 08:00")
    scan(world, number, "out_for_delivery", "2026-08-28 08:00")
    scan(world, number, "delivery_failed", "2026-08-28 10:00")
    public = world.client.get(f"/api/v1/track/{number}").json()
    assert instant(public["due_at"]) == datetime(2026, 8, 28, 23, 59, 59, tzinfo=LOCAL_TZ)
    assert public["next_attempt_on"] == "2026-09-04"
    booked = book(world)["shipment"]["tracking_no"]
    assert world.client.get(f"/api/v1/track/{booked}").json()["due_at"] is None


def test_the_desk_parcel_page_shows_the_deadline_the_overdue_mark_and_the_next_attempt(world):
    from postal_tracker.accounts.auth import TOKEN_COOKIE

    number = return_leg(world, "2026-08-27 08:00")
    scan(world, number, "out_for_delivery", "2026-08-28 08:00")
    scan(world, number, "delivery_failed", "2026-08-28 10:00")
    on_time = book(world)["shipment"]["tracking_no"]  # not taken yet: no deadline to show
    world.client.cookies.set(TOKEN_COOKIE, world.headers("clerk")["Authorization"].removeprefix("Bearer "))
    try:
        page = world.client.get(f"/desk/parcels/{number}", params={"lang": "vi"})
        fresh = world.client.get(f"/desk/parcels/{on_time}", params={"lang": "vi"})
    finally:
        world.client.cookies.delete(TOKEN_COOKIE)
    assert page.status_code == 200 and fresh.status_code == 200

    def deadline(text: str, leg: str) -> str:
        return text.split(f'id="leg-{leg}"', 1)[1].split('data-testid="leg-deadline">', 1)[1].split("</p>", 1)[0]

    assert deadline(page.text, number) == "Hạn theo quy định: 23:59 28/08/2026 · Phát lại từ ngày 04/09/2026"
    assert "Quá hạn" in page.text  # 28/8 is long past and the result is not delivered
    assert 'data-testid="leg-deadline"' not in fresh.text.split(f'id="leg-{on_time}"', 1)[1]


def test_the_desk_page_lists_overdue_parcels_first_and_marks_them(world):
    from postal_tracker.accounts.auth import TOKEN_COOKIE

    fresh = book(world)["shipment"]["tracking_no"]
    late = book(world)["shipment"]["tracking_no"]
    scan(world, late, "picked_up", "2026-02-13 15:00")
    newest = book(world)["shipment"]["tracking_no"]  # the latest change of all, yet after the late one
    world.client.cookies.set(TOKEN_COOKIE, world.headers("clerk")["Authorization"].removeprefix("Bearer "))
    try:
        desk = world.client.get("/desk", params={"lang": "vi"})
    finally:
        world.client.cookies.delete(TOKEN_COOKIE)
    assert desk.status_code == 200
    listed = desk.text.split('data-testid="today-list"', 1)[1]
    assert listed.index(late) < listed.index(newest) and listed.index(late) < listed.index(fresh)
    row = listed[listed.index(late) :].split("</tr>", 1)[0]
    assert 'data-testid="overdue"' in row and "Quá hạn" in row
    assert 'data-testid="overdue"' not in listed[listed.index(newest) :].split("</tr>", 1)[0]


def test_the_transit_and_re_attempt_days_are_settings(database):
    from litestar.testing import TestClient

    from postal_tracker.app import create_app
    from tests.conftest import TEST_DATA_KEY, TEST_JWT_SECRET, make_world

    settings = builders.settings_from(
        DATABASE_URL=database.engine.url.render_as_string(hide_password=False), JWT_SECRET=TEST_JWT_SECRET,
        DATA_KEY=TEST_DATA_KEY, DELIVERY_WORKER=0, TRANSIT_WORKING_DAYS=2, REATTEMPT_WORKING_DAYS=3,
    )  # fmt: skip
    with TestClient(app=create_app(settings, database)) as client:
        world = make_world(database, client)
        taken = scan(world, book(world)["shipment"]["tracking_no"], "picked_up", "2026-11-02 09:00")  # a Monday
        assert instant(taken["due_at"]) == datetime(2026, 11, 4, 23, 59, 59, tzinfo=LOCAL_TZ)  # J + 2: Wednesday
        number = return_leg(world, "2026-11-09 08:00")
        scan(world, number, "out_for_delivery", "2026-11-09 09:00")
        failed = scan(world, number, "delivery_failed", "2026-11-09 10:00")
        assert instant(failed["due_at"]) == datetime(2026, 11, 11, 23, 59, 59, tzinfo=LOCAL_TZ)
        assert failed["next_attempt_on"] == "2026-11-12"  # 3 working days after Monday: Thursday
