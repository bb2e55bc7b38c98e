"""Backup and restore: a restored service answers every tracking number, accepts the old tokens and
has every acknowledged scan; restore refuses a database that is not empty."""

from __future__ import annotations

import os
import stat
import tarfile
import uuid

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from postal_tracker import migrate
from postal_tracker.accounts.auth import issue_token
from postal_tracker.accounts.service import Principal, Role, create_user
from postal_tracker.app import create_app
from postal_tracker.backup import Secrets
from postal_tracker.cli import main
from postal_tracker.db import Database
from postal_tracker.models import Commune, ScanRecord, table
from tests.builders import book, pickup_body, scan, scan_body, settings_from
from tests.conftest import new_postgres_database


@pytest.fixture
def clean_env(monkeypatch):
    """Only the variables each step sets (the suite's own are POSTAL_TRACKER_TEST_*)."""
    for name in [n for n in os.environ if n.startswith("POSTAL_TRACKER_") and not n.startswith("POSTAL_TRACKER_TEST_")]:
        monkeypatch.delenv(name)
    return monkeypatch


def scan_count(url: str) -> int:
    db = Database(url)
    try:
        with db.read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(table(ScanRecord))).scalar_one()
    finally:
        db.dispose()


def test_a_restored_service_answers_every_number_accepts_old_tokens_and_has_every_scan(tmp_path, clean_env, capsys):
    url = f"sqlite:///{tmp_path / 'live' / 'postal-tracker.db'}"
    (tmp_path / "live").mkdir()
    settings = settings_from(DATABASE_URL=url, DELIVERY_WORKER=0)  # secrets generated beside the file
    db = Database(url)
    migrate.upgrade(db)
    with db.read() as conn:
        commune_id = conn.execute(sa.select(table(Commune).c.id)).scalar_one()
    clerk_id = create_user(db, commune_id, "clerk-b", "clerk", "backup-pass-1")
    clerk = Principal(clerk_id, "clerk-b", Role.CLERK, commune_id)
    numbers, dossier_ids = [], []
    with TestClient(app=create_app(settings, db)) as live:
        token = issue_token(live.app.state.jwt_auth, clerk)
        headers = {"Authorization": f"Bearer {token}"}
        for i in range(5):
            applicant = {"full_name": f"Người Số {i}", "phone": "0912345678", "id_number": f"07912345678{i}"}
            body = pickup_body(applicant=applicant)
            booked = live.post("/api/v1/pickups", json=body, headers=headers).json()
            numbers.append(booked["shipment"]["tracking_no"])
            dossier_ids.append(booked["dossier_id"])
            scanned = live.post("/api/v1/scans", json=scan_body(numbers[-1], "picked_up"), headers=headers)
            assert scanned.status_code == 201
        refused = live.post("/api/v1/scans", json=scan_body(numbers[0], "delivered"), headers=headers)
        assert refused.status_code == 409  # a refused scan is kept too
        clean_env.setenv("POSTAL_TRACKER_DATABASE_URL", url)
        backup_file = tmp_path / "postal-tracker.backup"
        main(["backup", "--out", str(backup_file)])  # while the service runs
    assert stat.S_IMODE(backup_file.stat().st_mode) == 0o600
    with tarfile.open(backup_file) as archive:
        assert sorted(archive.getnames()) == ["database.sqlite", "secrets.env"]
    db.dispose()
    scans = scan_count(url)
    assert scans == 6

    fresh = tmp_path / "elsewhere" / "restored.db"
    fresh.parent.mkdir()
    restored_url = f"sqlite:///{fresh}"
    clean_env.setenv("POSTAL_TRACKER_DATABASE_URL", restored_url)
    main(["restore", str(backup_file)])
    assert "restored into" in capsys.readouterr().out
    for suffix in ("", ".jwt-secret", ".data-key"):
        assert stat.S_IMODE((fresh.parent / f"restored.db{suffix}").stat().st_mode) == 0o600
    assert scan_count(restored_url) == scans

    restored_settings = settings_from(DATABASE_URL=restored_url, DELIVERY_WORKER=0)  # the secrets beside it
    with TestClient(app=create_app(restored_settings)) as restored:
        headers = {"Authorization": f"Bearer {token}"}  # the token issued before the backup
        for number in numbers:
            answer = restored.get(f"/api/v1/shipments/{number}", headers=headers)
            assert answer.status_code == 200 and answer.json()["status"] == "picked_up"
            assert restored.get(f"/api/v1/track/{number}").status_code == 200
        dossier = restored.get(f"/api/v1/dossiers/{dossier_ids[3]}", headers=headers).json()
        assert dossier["applicant"]["id_number"] == "079123456783"  # the data key came along

    with pytest.raises(SystemExit):  # the restored database is not empty now: refused, unchanged
        main(["restore", str(backup_file)])
    assert "is not empty" in capsys.readouterr().err
    assert scan_count(restored_url) == scans


def test_restore_refuses_secret_files_that_are_not_the_backups(tmp_path, clean_env, capsys):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    migrate.upgrade(Database(url))
    clean_env.setenv("POSTAL_TRACKER_DATABASE_URL", url)
    main(["backup", "--out", str(tmp_path / "a.backup")])
    (tmp_path / "b.db.jwt-secret").write_text("someone-else-" + "s" * 40)
    clean_env.setenv("POSTAL_TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'b.db'}")
    with pytest.raises(SystemExit):
        main(["restore", str(tmp_path / "a.backup")])
    assert "is not this backup's" in capsys.readouterr().err
    assert not (tmp_path / "b.db").exists() or (tmp_path / "b.db").stat().st_size == 0


def all_scans(database: Database) -> int:
    with database.read() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table(ScanRecord))).scalar_one()


@pytest.fixture
def empty_postgres_database(database_url):
    """A new, empty PostgreSQL database beside the suite's, dropped afterwards."""
    with new_postgres_database(database_url, f"pt_restore_{uuid.uuid4().hex[:10]}") as url:
        yield url


def test_on_postgresql_a_backup_restores_into_a_new_database_with_its_tokens_and_id_numbers(
    database, database_url, world, tmp_path, clean_env, capsys, request
):
    if database.is_sqlite:
        pytest.skip("the PostgreSQL round trip (SQLite's is the first test of this file)")
    from tests.conftest import TEST_DATA_KEY, TEST_JWT_SECRET

    applicant = {"full_name": "Đặng Thị Sao Lưu", "phone": "0912345678", "id_number": "079177766655"}
    booked = book(world, applicant=applicant)
    number = booked["shipment"]["tracking_no"]
    scan(world, number, "picked_up")
    token = world.headers("clerk")  # issued before the backup
    scans = all_scans(database)

    clean_env.setenv("POSTAL_TRACKER_DATABASE_URL", database_url)
    clean_env.setenv("POSTAL_TRACKER_JWT_SECRET", TEST_JWT_SECRET)
    clean_env.setenv("POSTAL_TRACKER_DATA_KEY", TEST_DATA_KEY)
    out = tmp_path / "pg.backup"
    main(["backup", "--out", str(out)])
    assert "backup written to" in capsys.readouterr().out
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with tarfile.open(out) as archive:
        assert sorted(archive.getnames()) == ["database.pgdump", "secrets.env"]
        secrets = Secrets.from_env(archive.extractfile("secrets.env").read().decode())
    assert secrets == Secrets(TEST_JWT_SECRET, (TEST_DATA_KEY,))
    with pytest.raises(SystemExit):  # the suite's database has tables: not a place to restore into
        main(["restore", str(out)])
    assert "not empty" in capsys.readouterr().err

    fresh = request.getfixturevalue("empty_postgres_database")
    for name in ("POSTAL_TRACKER_JWT_SECRET", "POSTAL_TRACKER_DATA_KEY"):  # restore needs only the backup's
        clean_env.delenv(name)
    clean_env.setenv("POSTAL_TRACKER_DATABASE_URL", fresh)
    main(["restore", str(out)])
    assert "restored into the PostgreSQL database" in capsys.readouterr().out
    restored_db = Database(fresh, secrets.data_key)
    try:
        assert all_scans(restored_db) == scans
        with restored_db.read() as conn:  # still encrypted at rest in the restored database
            stored = conn.exec_driver_sql("SELECT applicant_id_number FROM dossiers WHERE id = %(id)s",
                                          {"id": booked["dossier_id"]}).scalar_one()  # fmt: skip
        assert "079177766655" not in str(stored)
        restored_settings = settings_from(DATABASE_URL=fresh, JWT_SECRET=secrets.jwt_secret,
                                          DATA_KEY=",".join(secrets.data_key), DELIVERY_WORKER=0)  # fmt: skip
        with TestClient(app=create_app(restored_settings, restored_db)) as restored:
            answer = restored.get(f"/api/v1/shipments/{number}", headers=token)
            assert answer.status_code == 200 and answer.json()["status"] == "picked_up"
            assert restored.get(f"/api/v1/track/{number}").status_code == 200
            dossier = restored.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=token).json()
            assert dossier["applicant"]["id_number"] == "079177766655"  # decrypted with the restored key
        with pytest.raises(SystemExit):  # restored once: not empty any more, refused, unchanged
            main(["restore", str(out)])
        assert "not empty" in capsys.readouterr().err
        assert all_scans(restored_db) == scans
    finally:
        restored_db.dispose()
