"""Retention: dossiers closed longer ago than POSTAL_TRACKER_RETENTION_DAYS lose their personal
data, while every report adds up the same; a dry run changes nothing and says what it would do."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from postal_tracker import migrate
from postal_tracker.cli import main
from postal_tracker.db import Database
from postal_tracker.localtime import local_date
from postal_tracker.models import Complaint, Dossier, Feedback, ScanRecord, Shipment, table
from postal_tracker.models import EventRecord as EventModel
from postal_tracker.privacy.retention import apply_retention, initials
from tests.builders import pickup_body, scan_body

dossiers, shipments, events, scan_records = table(Dossier), table(Shipment), table(EventModel), table(ScanRecord)
complaints, feedback = table(Complaint), table(Feedback)
SIGNATURE = base64.b64encode(b"\x89PNG\r\n\x1a\n signature").decode()


def scan(world, number, event, at, **fields):
    answer = world.client.post(
        "/api/v1/scans", json=scan_body(number, event, at=at.isoformat(), **fields), headers=world.headers("postal")
    )
    assert answer.status_code == 201, answer.text


def stage(world, days_ago: int, applicant: str) -> dict:
    """A dossier picked up, at the desk, returned and delivered (with proof), `days_ago` days ago."""
    clerk = world.headers("clerk")
    at = datetime.now(UTC) - timedelta(days=days_ago)
    body = pickup_body(applicant={"full_name": applicant, "phone": "0912345678", "id_number": "079123456789"})
    booked = world.client.post("/api/v1/pickups", json=body, headers=clerk).json()
    pickup = booked["shipment"]["tracking_no"]
    scan(world, pickup, "picked_up", at)
    scan(world, pickup, "handed_to_desk", at + timedelta(hours=2))
    ret = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=clerk).json()["shipment"]
    scan(world, ret["tracking_no"], "collected_from_desk", at + timedelta(hours=3))
    scan(world, ret["tracking_no"], "out_for_delivery", at + timedelta(hours=4))
    scan(
        world, ret["tracking_no"], "delivered", at + timedelta(hours=5), recipient_name="Trần Văn Nhận",
        recipient_relationship="family", recipient_id_number="079123450000", signature_png=SIGNATURE,
        lat=10.5, lon=107.2,
    )  # fmt: skip
    return {"dossier_id": booked["dossier_id"], "numbers": [pickup, ret["tracking_no"]], "at": at}


def snapshot(database, dossier_ids) -> list:
    with database.read() as conn:
        rows = list(conn.execute(sa.select(dossiers).where(dossiers.c.id.in_(dossier_ids)).order_by(dossiers.c.id)))
        legs = sa.select(shipments.c.id).where(shipments.c.dossier_id.in_(dossier_ids))
        rows += list(conn.execute(sa.select(events).where(events.c.shipment_id.in_(legs)).order_by(events.c.id)))
        rows += list(conn.execute(sa.select(scan_records).where(scan_records.c.shipment_id.in_(legs))))
    return [tuple(r) for r in rows]


def reports(world, months: set[str]) -> dict:
    supervisor = world.headers("supervisor")
    out = {}
    for month in sorted(months):
        for fmt in ("json", "csv"):
            answer = world.client.get(f"/api/v1/reports/monthly?month={month}&format={fmt}", headers=supervisor)
            assert answer.status_code == 200
            out[(month, fmt)] = answer.text
    return out


def test_retention_removes_the_personal_data_of_old_closed_dossiers_and_the_reports_add_up_the_same(
    world, database
):  # fmt: skip
    old = stage(world, 40, "Nguyễn Thị Hằng")
    recent = stage(world, 5, "Phạm Văn Mới")
    still_open = world.client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk")).json()
    mine = [old["dossier_id"], recent["dossier_id"], still_open["dossier_id"]]
    months = {local_date(old["at"]).strftime("%Y-%m"), local_date(datetime.now(UTC)).strftime("%Y-%m")}
    before_reports, before_rows = reports(world, months), snapshot(database, mine)

    dry = apply_retention(database, 30, dry_run=True)
    assert old["dossier_id"] in dry.dossier_ids and not set(mine[1:]) & set(dry.dossier_ids)
    assert dry.applied is False and snapshot(database, mine) == before_rows  # a dry run changes nothing

    done = apply_retention(database, 30, dry_run=False)
    assert old["dossier_id"] in done.dossier_ids and not set(mine[1:]) & set(done.dossier_ids)
    assert reports(world, months) == before_reports
    with database.read() as conn:
        gone = conn.execute(sa.select(dossiers).where(dossiers.c.id == old["dossier_id"])).one()
        kept = conn.execute(sa.select(dossiers).where(dossiers.c.id == recent["dossier_id"])).one()
        legs = sa.select(shipments.c.id).where(shipments.c.dossier_id == old["dossier_id"])
        old_events = conn.execute(sa.select(events).where(events.c.shipment_id.in_(legs))).all()
        old_scans = conn.execute(sa.select(scan_records).where(scan_records.c.shipment_id.in_(legs))).all()
    assert (gone.applicant_name, gone.applicant_phone, gone.applicant_id_number) == ("N. T. H.", "", None)
    assert gone.address_detail == "" and gone.note is None and gone.anonymized_at is not None
    assert (kept.applicant_name, kept.applicant_id_number) == ("Phạm Văn Mới", "079123456789")
    delivered = next(e for e in old_events if e.event == "delivered")
    assert delivered.recipient_name == "T. V. N."
    assert (delivered.recipient_id_number, delivered.signature_png, delivered.lat) == (None, None, None)
    assert len(old_events) == 7 and len(old_scans) == 5  # events (2 bookings, 5 scans) and counts kept
    for record in old_scans:
        assert "recipient_name" not in record.payload and "recipient_id_number" not in record.payload
    # The numbers still answer, and a second pass finds nothing more to do for this dossier.
    for number in old["numbers"]:
        assert world.client.get(f"/api/v1/track/{number}").status_code == 200
    assert old["dossier_id"] not in apply_retention(database, 30, dry_run=True).dossier_ids


def test_initials_keep_one_letter_a_word():
    assert initials("Nguyễn Thị Hằng") == "N. T. H." and initials("Đỗ  Ánh") == "Đ. Á." and initials(None) is None


def test_the_command_says_what_it_would_do_and_refuses_without_a_retention_setting(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'retention.db'}"
    migrate.upgrade(Database(url))
    for name in [n for n in list(__import__("os").environ) if n.startswith("POSTAL_TRACKER_") and "TEST" not in n]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("POSTAL_TRACKER_DATABASE_URL", url)
    with pytest.raises(SystemExit, match="POSTAL_TRACKER_RETENTION_DAYS is not set"):
        main(["retention", "apply", "--dry-run"])
    monkeypatch.setenv("POSTAL_TRACKER_RETENTION_DAYS", "365")
    main(["retention", "apply", "--dry-run"])
    assert "dry run: would remove the personal data of 0 dossiers closed before" in capsys.readouterr().out
    main(["retention", "apply"])
    assert "removed the personal data of 0 dossiers" in capsys.readouterr().out


def complain(world, number: str) -> int:
    body = {"tracking_no": number, "kind": "damaged", "text": "Bì thư rách, chị Hằng ở số 12 tổ 3 gọi 0912345678"}
    answer = world.client.post("/api/v1/complaints", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    return answer.json()["complaint_id"]


def resolve(world, database, complaint_id: int, days_ago: int) -> None:
    body = {"status": "resolved", "resolution": "Đã xin lỗi chị Hằng và bồi thường", "compensation_vnd": 20_000}
    answer = world.client.patch(f"/api/v1/complaints/{complaint_id}", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 200, answer.text
    with database.write() as conn:  # resolved `days_ago`, as it would have been then
        at = datetime.now(UTC) - timedelta(days=days_ago)
        conn.execute(complaints.update().where(complaints.c.id == complaint_id).values(resolved_at=at))


def test_feedback_comments_and_complaints_go_too_and_an_open_complaint_keeps_its_dossier(world, database):
    answered = stage(world, 40, "Nguyễn Thị Hằng")  # a comment and a complaint resolved long ago
    given = world.client.post(
        f"/api/v1/track/{answered['numbers'][1]}/feedback",
        json={"phone_last4": "5678", "rating": 2, "comment": "Anh bưu tá Tuấn đến muộn, nhà tôi ở số 12"},
    )
    assert given.status_code == 201, given.text
    resolve(world, database, complain(world, answered["numbers"][1]), days_ago=35)
    still_open = stage(world, 40, "Lê Văn Khiếu")  # a complaint not answered yet
    open_complaint = complain(world, still_open["numbers"][0])
    lately = stage(world, 40, "Trần Thị Gần")  # a complaint resolved 10 days ago: counted from then
    resolve(world, database, complain(world, lately["numbers"][1]), days_ago=10)
    quarter = f"{local_date(datetime.now(UTC)).year}-Q{(local_date(datetime.now(UTC)).month - 1) // 3 + 1}"
    figures = world.client.get(f"/api/v1/reports/quarterly?quarter={quarter}", headers=world.headers("supervisor"))

    due = apply_retention(database, 30, dry_run=False).dossier_ids
    assert answered["dossier_id"] in due and not {still_open["dossier_id"], lately["dossier_id"]} & set(due)
    with database.read() as conn:
        legs = sa.select(shipments.c.id).where(shipments.c.dossier_id == answered["dossier_id"])
        comment = conn.execute(sa.select(feedback).where(feedback.c.shipment_id.in_(legs))).one()
        complaint = conn.execute(sa.select(complaints).where(complaints.c.shipment_id.in_(legs))).one()
        kept = conn.execute(sa.select(complaints).where(complaints.c.id == open_complaint)).one()
    assert (comment.comment, comment.rating) == (None, 2)
    assert (complaint.text, complaint.resolution) == ("", None)
    assert (complaint.kind, complaint.status, complaint.compensation_vnd) == ("damaged", "resolved", 20_000)
    assert kept.text.startswith("Bì thư rách") and kept.status == "open"
    after = world.client.get(f"/api/v1/reports/quarterly?quarter={quarter}", headers=world.headers("supervisor"))
    assert after.json() == figures.json()  # the law's figures add up the same

    # Once answered (long enough ago), the dossier that waited goes too.
    resolve(world, database, open_complaint, days_ago=31)
    assert still_open["dossier_id"] in apply_retention(database, 30, dry_run=False).dossier_ids
    with database.read() as conn:
        assert conn.execute(sa.select(complaints.c.text).where(complaints.c.id == open_complaint)).scalar_one() == ""
