"""Personal data at rest and by role: ID numbers, signatures and photos encrypted in the database,
raw scans without them, ID numbers masked for postmen and in refused scans, files the owner's alone."""

from __future__ import annotations

import base64
import os
import stat
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from postal_tracker import migrate
from postal_tracker.crypto import DataKeyError, new_data_key
from postal_tracker.db import Database
from postal_tracker.privacy.keys import rotate
from postal_tracker.settings import SettingsError
from tests.builders import pickup_body, scan_body, settings_from

APPLICANT_ID = "079100200300"
RECIPIENT_ID = "079100200399"
# Distinctive payloads: their base64 must not appear anywhere in the database.
SIGNATURE = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"signature-of-the-recipient" * 8).decode()
PHOTO = base64.b64encode(b"\xff\xd8\xff\xe0" + b"photo-of-the-hand-over" * 8).decode()
MARKERS = (APPLICANT_ID, RECIPIENT_ID, SIGNATURE[:40], PHOTO[:40])


def scan(world, body, role="postal"):
    return world.client.post("/api/v1/scans", json=body, headers=world.headers(role))


def delivered_with_proof(world) -> tuple[int, str]:
    clerk = world.headers("clerk")
    # A portal dossier (with its number), so that the key may read it too: keys reach only the portal's.
    body = pickup_body(applicant={"full_name": "Võ Thị Mật", "phone": "0912000111", "id_number": APPLICANT_ID},
                       portal_dossier_no=f"000.00.26.H04-{uuid.uuid4().hex[:12]}")  # fmt: skip
    booked = world.client.post("/api/v1/returns", json=body, headers=clerk).json()
    number = booked["shipment"]["tracking_no"]
    for event in ("collected_from_desk", "out_for_delivery"):
        assert scan(world, scan_body(number, event)).status_code == 201
    proof = {
        "recipient_name": "Võ Văn Nhận", "recipient_relationship": "family", "recipient_id_kind": "cccd",
        "recipient_id_number": RECIPIENT_ID, "signature_png": SIGNATURE, "photo_jpeg": PHOTO,
    }  # fmt: skip
    refused = scan(world, scan_body(number, "picked_up", **proof))  # a wrong event with the same proof
    assert refused.status_code == 409
    delivered = scan(world, scan_body(number, "delivered", **proof))
    assert delivered.status_code == 201, delivered.text
    return booked["dossier_id"], number


def every_stored_value(db: Database) -> list[str]:
    """Every value of every table as the database holds it (no column type decodes anything)."""
    values = []
    with db.read() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.exec_driver_sql(f'SELECT * FROM "{table.name}"'):
                values.extend(str(v) for v in row if v is not None)
    return values


def test_id_numbers_signatures_and_photos_are_stored_encrypted_nowhere_in_clear(world, database):
    dossier_id, number = delivered_with_proof(world)
    stored = "\n".join(every_stored_value(database))
    for marker in MARKERS:
        assert marker not in stored
    if database.is_sqlite:  # and not in the file's bytes either, nor in its write-ahead log
        path = Path(database.engine.url.database)
        raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
        for marker in MARKERS:
            assert marker.encode() not in raw
    # ... while the desk reads them back whole.
    dossier = world.client.get(f"/api/v1/dossiers/{dossier_id}", headers=world.headers("clerk")).json()
    assert dossier["applicant"]["id_number"] == APPLICANT_ID
    delivered = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("supervisor")).json()
    last = delivered["events"][-1]
    assert last["recipient_id_number"] == RECIPIENT_ID and last["has_signature"] and last["has_photo"]
    with database.read() as conn:
        events = SQLModel.metadata.tables["events"]
        row = conn.execute(sa.select(events.c.signature_png, events.c.photo_jpeg).where(
            events.c.recipient_id_number.is_not(None), events.c.event == "delivered",
            events.c.shipment_id == sa.select(SQLModel.metadata.tables["shipments"].c.id)
            .where(SQLModel.metadata.tables["shipments"].c.tracking_no == number).scalar_subquery(),
        )).one()  # fmt: skip
    assert (row.signature_png, row.photo_jpeg) == (SIGNATURE, PHOTO)


def test_postmen_see_the_last_4_characters_of_id_numbers_and_refused_scans_keep_them_masked(world):
    dossier_id, number = delivered_with_proof(world)
    as_postman = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("postal")).json()
    assert as_postman["events"][-1]["recipient_id_number"] == "********0399"
    as_key = world.client.get(f"/api/v1/dossiers/{dossier_id}", headers=world.headers("integration")).json()
    assert as_key["applicant"]["id_number"] == "********0300"
    refused = world.client.get("/api/v1/scans/exceptions", headers=world.headers("clerk")).json()["items"]
    (mine,) = [r for r in refused if r["tracking_no"] == number]
    assert mine["payload"]["recipient_id_number"] == "********0399"
    assert mine["payload"]["signature_png"] == "[removed]" and mine["payload"]["photo_jpeg"] == "[removed]"
    assert mine["payload"]["recipient_name"] == "Võ V. N."


def test_a_postman_s_own_scan_answer_masks_the_id_number_he_typed_and_its_repeat_too(world):
    booked = world.client.post("/api/v1/returns", json=pickup_body(), headers=world.headers("clerk")).json()
    number = booked["shipment"]["tracking_no"]
    for event in ("collected_from_desk", "out_for_delivery"):
        scan(world, scan_body(number, event))
    body = scan_body(number, "delivered", recipient_name="Lê Văn Tám", recipient_id_number="079123450001")
    first = scan(world, body)
    assert first.json()["shipment"]["events"][-1]["recipient_id_number"] == "********0001"
    again = scan(world, body)
    assert again.json()["duplicate"] is True
    assert again.json()["shipment"]["events"][-1]["recipient_id_number"] == "********0001"


def test_the_data_key_is_required_on_postgresql_and_must_be_a_fernet_key():
    with pytest.raises(SettingsError, match="POSTAL_TRACKER_DATA_KEY is required with PostgreSQL"):
        settings_from(DATABASE_URL="postgresql+psycopg://u@h/db", JWT_SECRET="j" * 40).with_secrets()
    with pytest.raises(SettingsError, match="POSTAL_TRACKER_DATA_KEY"):
        settings_from(DATA_KEY="not-a-key")
    with pytest.raises(SettingsError, match="POSTAL_TRACKER_DATA_KEY"):
        settings_from(DATA_KEY=f"{new_data_key()},short")
    key = new_data_key()
    given = settings_from(DATABASE_URL="postgresql+psycopg://u@h/db", JWT_SECRET="j" * 40, DATA_KEY=f"{key},{key}")
    assert given.with_secrets().personal.data_key == (key, key)
    assert key not in repr(given)  # a secret: never in a log line or a traceback


def test_rotation_the_new_key_first_reads_what_the_old_key_wrote(empty_database_url):
    old, new = new_data_key(), new_data_key()
    url = empty_database_url
    db = Database(url, (old,))
    migrate.upgrade(db)
    dossiers = SQLModel.metadata.tables["dossiers"]
    with db.write() as conn:
        commune_id = conn.exec_driver_sql("SELECT id FROM communes").scalar()
        conn.execute(dossiers.insert().values(
            commune_id=commune_id, booked_commune_id=commune_id, commune_name="c", procedure_code="p",
            procedure_name="p", applicant_name="A", applicant_phone="+84",
            applicant_id_number=APPLICANT_ID, hamlet_code="h", hamlet_name="h", address_detail="d", lat=0, lon=0,
            geo_source="hamlet", documents=[],
        ))  # fmt: skip
    db.dispose()
    alone = Database(url, (new,))
    with pytest.raises(DataKeyError), alone.read() as conn:  # the old key is still needed
        conn.execute(sa.select(dossiers.c.applicant_id_number)).scalar()
    both = Database(url, (new, old))
    with both.read() as conn:
        assert conn.execute(sa.select(dossiers.c.applicant_id_number)).scalar() == APPLICANT_ID
    assert rotate(both) == 1  # `postal-tracker data-key rotate`
    both.dispose()
    with alone.read() as conn:  # ... and now it is not
        assert conn.execute(sa.select(dossiers.c.applicant_id_number)).scalar() == APPLICANT_ID
    alone.dispose()


def test_the_database_its_wal_and_shm_and_the_secret_files_are_the_owner_s_alone(tmp_path):
    path = tmp_path / "owner.db"
    previous = os.umask(0)  # the most permissive umask: what SQLite alone would create 0666
    try:
        settings = settings_from(DATABASE_URL=f"sqlite:///{path}").with_secrets()
        db = Database(settings.database.url, settings.personal.data_key)
        migrate.upgrade(db)
        with db.read() as conn:  # the -wal and -shm files exist while a connection is open
            conn.exec_driver_sql("SELECT count(*) FROM communes").scalar()
            files = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm", ".jwt-secret", ".data-key")]
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in files}
        db.dispose()
    finally:
        os.umask(previous)
    assert modes == {p.name: 0o600 for p in files}


def test_an_existing_database_file_readable_by_others_is_tightened(tmp_path):
    path = tmp_path / "loose.db"
    path.touch(mode=0o644)
    path.chmod(0o644)
    Database(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
