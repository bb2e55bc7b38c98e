"""Daily and monthly reports on a hand-built month of events, on SQLite and PostgreSQL.

The month (March 2025, local time in Vietnam, UTC+7) and the figures computed by hand:

| parcel | hamlet | procedure | what happens (local time)                                              |
|--------|--------|-----------|------------------------------------------------------------------------|
| A      | PLANG  | BIRTH     | booked Sat 1/3 00:30 (28/2 17:30 UTC!), picked up 3/3 (fee 20 000),    |
|        |        |           | at desk Mon 3/3 15:00 (62.5 h, on time); return booked 5/3 08:00,      |
|        |        |           | delivered 5/3 11:00 at the first attempt (3 h, on time); feedback 5    |
| B      | PBINH  | MARRIAGE  | booked Fri 28/2 23:00 (February), picked up 2/3 (fee 15 000), at desk  |
|        |        |           | Tue 4/3 10:00 (83 h, late: due by the end of Mon 3/3); return booked   |
|        |        |           | 10/3 08:00, failed (not_home) 10/3 11:00, delivered 13/3 10:00         |
|        |        |           | (74 h, late); feedback 2                                               |
| C      | PLANG  | BIRTH     | booked 31/3 23:30 (March), failed pickup 1/4 (April)                   |
| D      | PLANG  | BIRTH     | booked 1/4 00:30 (31/3 17:30 UTC: April)                               |
| E      | PBINH  | MARRIAGE  | return-only, booked 20/3 10:00, failed (wrong_address) 20/3 13:00,     |
|        |        |           | returned to the desk 21/3                                              |
| F      | PTRUNG | MARRIAGE  | booked 15/3 10:00, failed pickup (not_ready) 17/3                      |
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from postal_tracker.localtime import local_today
from postal_tracker.models import EventRecord, Feedback, Shipment, table
from tests import builders
from tests.builders import pickup_body
from tests.conftest import make_world

ICT = ZoneInfo("Asia/Ho_Chi_Minh")
BIRTH, MARRIAGE = "1.001193", "1.000894"
events, shipments, feedback = table(EventRecord), table(Shipment), table(Feedback)


def local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, tzinfo=ICT)


def booked_at(database, number: str, at: datetime) -> None:
    with database.write() as conn:
        shipment_id = conn.execute(sa.select(shipments.c.id).where(shipments.c.tracking_no == number)).scalar_one()
        conn.execute(
            events.update().where(events.c.shipment_id == shipment_id, events.c.event == "booked").values(at=at)
        )
        conn.execute(shipments.update().where(shipments.c.id == shipment_id).values(created_at=at))


def pickup(world, database, hamlet: str, procedure: str, at: datetime, fee_vnd: int = 0) -> tuple[str, int]:
    body = pickup_body(address={"hamlet_code": hamlet, "detail": "Số 1"}, procedure_code=procedure, fee_vnd=fee_vnd)
    answer = world.client.post("/api/v1/pickups", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    number = answer.json()["shipment"]["tracking_no"]
    booked_at(database, number, at)
    return number, answer.json()["dossier_id"]


def back(world, database, dossier_id: int, at: datetime) -> str:
    answer = world.client.post(f"/api/v1/dossiers/{dossier_id}/return", headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    number = answer.json()["shipment"]["tracking_no"]
    booked_at(database, number, at)
    return number


def scan(world, number: str, event: str, at: datetime, **extra) -> None:
    builders.scan(world, number, event, at=at.isoformat(), **extra)


def feedback_on(database, number: str, rating: int, at: datetime) -> None:
    with database.write() as conn:
        shipment_id = conn.execute(sa.select(shipments.c.id).where(shipments.c.tracking_no == number)).scalar_one()
        conn.execute(feedback.insert().values(shipment_id=shipment_id, rating=rating, created_at=at))


@pytest.fixture(scope="module")
def march(database, client):
    """The month of the table above, in a commune of its own, built once for the module."""
    world = make_world(database, client)
    a, a_dossier = pickup(world, database, "PLANG", BIRTH, local(3, 1, 0, 30), fee_vnd=20_000)
    scan(world, a, "picked_up", local(3, 3, 9), fee_collected_vnd=20_000)
    scan(world, a, "handed_to_desk", local(3, 3, 15))
    a_back = back(world, database, a_dossier, local(3, 5, 8))
    scan(world, a_back, "collected_from_desk", local(3, 5, 9))
    scan(world, a_back, "out_for_delivery", local(3, 5, 10))
    scan(world, a_back, "delivered", local(3, 5, 11))
    feedback_on(database, a_back, 5, local(3, 6, 9))

    b, b_dossier = pickup(world, database, "PBINH", MARRIAGE, local(2, 28, 23), fee_vnd=15_000)
    scan(world, b, "picked_up", local(3, 2, 8), fee_collected_vnd=15_000)
    scan(world, b, "handed_to_desk", local(3, 4, 10))
    b_back = back(world, database, b_dossier, local(3, 10, 8))
    scan(world, b_back, "collected_from_desk", local(3, 10, 9))
    scan(world, b_back, "out_for_delivery", local(3, 10, 10))
    scan(world, b_back, "delivery_failed", local(3, 10, 11), reason="not_home")
    scan(world, b_back, "out_for_delivery", local(3, 13, 9))
    scan(world, b_back, "delivered", local(3, 13, 10))
    feedback_on(database, b_back, 2, local(3, 14, 9))

    c, _ = pickup(world, database, "PLANG", BIRTH, local(3, 31, 23, 30))
    scan(world, c, "pickup_failed", local(4, 1, 9), reason="not_home")
    d, _ = pickup(world, database, "PLANG", BIRTH, local(4, 1, 0, 30))

    body = pickup_body(address={"hamlet_code": "PBINH", "detail": "Số 2"}, procedure_code=MARRIAGE)
    body.pop("documents")
    answer = world.client.post("/api/v1/returns", json=body, headers=world.headers("clerk"))
    e = answer.json()["shipment"]["tracking_no"]
    booked_at(database, e, local(3, 20, 10))
    scan(world, e, "collected_from_desk", local(3, 20, 11))
    scan(world, e, "out_for_delivery", local(3, 20, 12))
    scan(world, e, "delivery_failed", local(3, 20, 13), reason="wrong_address")
    scan(world, e, "returned_to_desk", local(3, 21, 9))

    f, _ = pickup(world, database, "PTRUNG", MARRIAGE, local(3, 15, 10))
    scan(world, f, "pickup_failed", local(3, 17, 9), reason="not_ready")
    return {"world": world, "A": a, "A_back": a_back, "B": b, "B_back": b_back, "C": c, "D": d, "E": e, "F": f}


def monthly(world, month: str = "2025-03", fmt: str = "json"):
    answer = world.client.get(
        f"/api/v1/reports/monthly?month={month}&format={fmt}", headers=world.headers("supervisor")
    )
    assert answer.status_code == 200, answer.text
    return answer


def test_monthly_figures_equal_the_hand_computed_ones(march):
    world = march["world"]
    report = monthly(world).json()
    assert report["month"] == "2025-03"
    assert report["totals"] == {
        "pickups_booked": 3,  # A (00:30 on the 1st, local), C, F; not B (February) nor D (April)
        "pickups_at_desk": 2,
        "returns_booked": 3,
        "delivered": 2,
        "returned_to_desk": 1,
        "delivery_failures": 2,
        "failures_by_reason": {"not_home": 1, "wrong_address": 1},
        "pickup_failures": 1,
        "pickup_failures_by_reason": {"not_ready": 1},
        "first_attempt_delivery_rate": 0.3333,
        "median_hours_to_desk": 72.75,  # (62.5 + 83) / 2
        "median_hours_to_delivery": 38.5,  # (3 + 74) / 2
        "on_time_share": 0.5,
        "fees_collected_vnd": 35_000,
        "feedback_count": 2,
        "feedback_mean": 3.5,
    }
    hamlets = {row["hamlet_code"]: row for row in report["by_hamlet"]}
    assert len(hamlets) == 6 and hamlets["PLANG"]["hamlet_name"] == "Phước Lăng"
    plang, pbinh, ptrung = hamlets["PLANG"], hamlets["PBINH"], hamlets["PTRUNG"]
    assert (plang["pickups_booked"], plang["pickups_at_desk"], plang["delivered"]) == (2, 1, 1)
    assert (plang["first_attempt_delivery_rate"], plang["on_time_share"], plang["median_hours_to_desk"]) == (
        1.0, 1.0, 62.5,
    )  # fmt: skip
    assert (plang["fees_collected_vnd"], plang["feedback_mean"]) == (20_000, 5.0)
    assert (pbinh["pickups_booked"], pbinh["returns_booked"], pbinh["returned_to_desk"]) == (0, 2, 1)
    assert (pbinh["first_attempt_delivery_rate"], pbinh["on_time_share"], pbinh["median_hours_to_delivery"]) == (
        0.0, 0.0, 74.0,
    )  # fmt: skip
    assert pbinh["failures_by_reason"] == {"not_home": 1, "wrong_address": 1}
    assert (ptrung["pickups_booked"], ptrung["pickup_failures"], ptrung["on_time_share"]) == (1, 1, None)
    assert hamlets["PHUNG"]["pickups_booked"] == 0 and hamlets["PHUNG"]["feedback_mean"] is None

    procedures = {row["procedure_code"]: row for row in report["by_procedure"]}
    assert set(procedures) == {BIRTH, MARRIAGE}
    assert procedures[BIRTH]["procedure_name"] == "Đăng ký khai sinh"
    assert (procedures[BIRTH]["pickups_booked"], procedures[MARRIAGE]["pickups_booked"]) == (2, 1)
    assert (procedures[BIRTH]["returns_booked"], procedures[MARRIAGE]["returns_booked"]) == (1, 2)


def test_a_result_sent_to_another_hamlet_counts_there_under_the_name_it_was_booked_with(world):
    """A dossier from Phước Trinh whose result goes to Phước Nghĩa (its delivery address): the
    return leg counts for Phước Nghĩa, named as it was booked although renamed since."""
    delivery = {"hamlet_code": "PNGHIA", "detail": "Nhà văn hóa ấp"}
    booked = builders.book(world, address={"hamlet_code": "PTRINH", "detail": "Số 3"}, delivery_address=delivery)
    for event in ("picked_up", "handed_to_desk"):
        builders.scan(world, booked["shipment"]["tracking_no"], event)
    back = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    assert back.status_code == 201, back.text
    renamed = world.client.patch("/api/v1/hamlets/PNGHIA", json={"name": "Phước Nghĩa Mới"},
                                 headers=world.headers("supervisor"))  # fmt: skip
    assert renamed.status_code == 200, renamed.text
    report = monthly(world, local_today().strftime("%Y-%m")).json()
    hamlets = {row["hamlet_code"]: row for row in report["by_hamlet"]}
    assert (hamlets["PTRINH"]["hamlet_name"], hamlets["PTRINH"]["pickups_booked"]) == ("Phước Trinh", 1)
    assert (hamlets["PTRINH"]["pickups_at_desk"], hamlets["PTRINH"]["returns_booked"]) == (1, 0)
    assert (hamlets["PNGHIA"]["hamlet_name"], hamlets["PNGHIA"]["returns_booked"]) == ("Phước Nghĩa", 1)
    assert hamlets["PNGHIA"]["pickups_booked"] == 0


def test_the_next_month_gets_the_booking_at_half_past_midnight(march):
    world = march["world"]
    april = monthly(world, "2025-04").json()["totals"]
    assert april["pickups_booked"] == 1  # D, booked 00:30 on 1 April local (still 31 March in UTC)
    assert april["pickup_failures_by_reason"] == {"not_home": 1}  # C
    february = monthly(world, "2025-02").json()["totals"]
    assert february["pickups_booked"] == 1  # B, 23:00 on 28 February local


def test_daily_outcome_sheet_in_local_days(march):
    world = march["world"]
    headers = world.headers("clerk")
    day = world.client.get("/api/v1/reports/daily?date=2025-03-05", headers=headers).json()
    assert day["date"] == "2025-03-05"
    assert day["counts"] == {"booked": 1, "collected_from_desk": 1, "delivered": 1, "out_for_delivery": 1}
    delivered = next(i for i in day["items"] if i["event"] == "delivered")
    assert delivered == {
        "tracking_no": march["A_back"], "leg": "return", "event": "delivered",
        "at": "2025-03-05T04:00:00Z" if delivered["at"].endswith("Z") else "2025-03-05T04:00:00+00:00",
        "hamlet_code": "PLANG", "recipient_name": "Nguyễn Thị Hằng",
    }  # fmt: skip
    first = world.client.get("/api/v1/reports/daily?date=2025-03-01", headers=headers).json()
    assert first["counts"] == {"booked": 1} and first["items"][0]["tracking_no"] == march["A"]
    failed = world.client.get("/api/v1/reports/daily?date=2025-03-20", headers=headers).json()
    assert [i.get("reason") for i in failed["items"] if i["event"] == "delivery_failed"] == ["wrong_address"]


def test_who_may_read_reports(world):
    assert world.client.get("/api/v1/reports/daily?date=2025-03-05", headers=world.headers("postal")).status_code == 403
    today = world.client.get("/api/v1/reports/daily", headers=world.headers("clerk")).json()
    assert today == {"date": local_today().isoformat(), "counts": {}, "items": []}
    assert world.client.get("/api/v1/reports/monthly?month=2025-03", headers=world.headers("clerk")).status_code == 403
    bad = world.client.get("/api/v1/reports/monthly?month=2025-13", headers=world.headers("supervisor"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "month"
    refused = world.client.get("/api/v1/reports/daily?date=hôm-nay", headers=world.headers("clerk"))
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "date"


def test_csv_reopens_with_vietnamese_intact(march):
    world = march["world"]
    answer = monthly(world, fmt="csv")
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    raw = answer.content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    total = rows[0]
    assert (total["scope"], total["pickups_booked"], total["failures_not_home"], total["feedback_mean"]) == (
        "total", "3", "1", "3.5",
    )  # fmt: skip
    names = {row["name"] for row in rows if row["scope"] == "hamlet"}
    assert {"Phước Lăng", "Phước Bình", "Phước Trung", "Phước Nghĩa"} <= names
    assert "Đăng ký kết hôn" in {row["name"] for row in rows if row["scope"] == "procedure"}


def test_pdf_has_the_hamlet_names(march):
    world = march["world"]
    answer = monthly(world, fmt="pdf")
    assert answer.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)
    for name in ("Phước Bình", "Phước Hưng", "Phước Lăng", "Phước Nghĩa", "Phước Trinh", "Phước Trung"):
        assert name in text
    assert "Báo cáo tháng 03/2025" in text and "Đăng ký khai sinh" in text


def test_the_command_line_writes_the_same_files(march, database_url, tmp_path, monkeypatch):
    world = march["world"]
    from postal_tracker import cli

    monkeypatch.setenv("POSTAL_TRACKER_DATABASE_URL", database_url)
    for ext in ("json", "csv", "pdf"):
        out = tmp_path / f"march.{ext}"
        cli.main(["report", "monthly", "--month", "2025-03", "--out", str(out), "--commune", world.code])
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "march.json").read_text("utf-8"))["totals"]["pickups_booked"] == 3
    assert (tmp_path / "march.csv").read_bytes() == monthly(world, fmt="csv").content
    assert (tmp_path / "march.pdf").read_bytes().startswith(b"%PDF")
