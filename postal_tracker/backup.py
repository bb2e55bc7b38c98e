"""`postal-tracker backup --out FILE` and `postal-tracker restore FILE`.

A backup is one gzipped tar file, readable by its owner only (it holds the secrets):

- `database.sqlite`: on SQLite, a consistent copy taken with SQLite's online backup API while
  the service runs (writers wait a moment; nothing acknowledged is missed or half-copied);
- `secrets.env`: `POSTAL_TRACKER_JWT_SECRET=...` and `POSTAL_TRACKER_DATA_KEY=...`, the secrets
  the data needs: without the JWT secret the staff tokens are refused, without the data key the
  ID numbers, signatures and photos are lost.

On PostgreSQL the database itself is backed up with `pg_dump` (the commands are printed); the
file holds the secrets alone. `restore` writes the database where `POSTAL_TRACKER_DATABASE_URL`
names it, with its secrets beside it (`<db>.jwt-secret`, `<db>.data-key`, 0600), and refuses a
database that already has tables, or secret files that are not the backup's.
"""

from __future__ import annotations

import io
import os
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from postal_tracker import migrate
from postal_tracker.db import Database, owner_only_sqlite_file
from postal_tracker.settings import DATA_KEY_SUFFIX, JWT_SECRET_SUFFIX, Settings, SettingsError

DATABASE_MEMBER = "database.sqlite"
SECRETS_MEMBER = "secrets.env"
JWT_VARIABLE = "POSTAL_TRACKER_JWT_SECRET"
DATA_KEY_VARIABLE = "POSTAL_TRACKER_DATA_KEY"


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Secrets:
    jwt_secret: str
    data_key: tuple[str, ...]

    def as_env(self) -> str:
        return f"{JWT_VARIABLE}={self.jwt_secret}\n{DATA_KEY_VARIABLE}={','.join(self.data_key)}\n"

    @classmethod
    def from_env(cls, text: str) -> Secrets:
        values = dict(line.split("=", 1) for line in text.splitlines() if "=" in line)
        try:
            return cls(values[JWT_VARIABLE], tuple(k for k in values[DATA_KEY_VARIABLE].split(",") if k))
        except KeyError as exc:
            raise BackupError(f"the backup's {SECRETS_MEMBER} has no {exc.args[0]}") from None


def _owner_only(path: Path) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)  # an existing file keeps its mode through O_CREAT
    return fd


def _add(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(content), 0o600
    archive.addfile(info, io.BytesIO(content))


def backup(settings: Settings, out: Path) -> list[str]:
    """Write the backup file; the lines to tell the operator."""
    settings = settings.with_secrets()
    secrets = Secrets(settings.auth.jwt_secret, settings.personal.data_key)
    with os.fdopen(_owner_only(out), "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        _add(archive, SECRETS_MEMBER, secrets.as_env().encode())
        if settings.is_sqlite:
            _add(archive, DATABASE_MEMBER, _sqlite_copy(settings))
    if settings.is_sqlite:
        return [f"backup written to {out} (the database and its secrets; keep it as safe as the secrets)"]
    url = sa.make_url(settings.database.url).set(drivername="postgresql").render_as_string(hide_password=False)
    return [
        f"secrets written to {out}; the PostgreSQL database itself is backed up with pg_dump:",
        f"  pg_dump --format=custom --file=postal-tracker.dump '{url}'",
        "restore it into an empty database, then start the service with the secrets of this file:",
        "  pg_restore --no-owner --dbname='postgresql://...' postal-tracker.dump",
        f"  tar -xzOf {out} {SECRETS_MEMBER}   # POSTAL_TRACKER_JWT_SECRET and POSTAL_TRACKER_DATA_KEY",
    ]


def _sqlite_copy(settings: Settings) -> bytes:
    source_path = settings.database.sqlite_path()
    if source_path is None or not Path(source_path).exists():
        raise BackupError(f"no SQLite database at {settings.database.url}")
    with tempfile.TemporaryDirectory() as folder:  # 0700: the copy is nobody else's either
        copy = Path(folder) / DATABASE_MEMBER
        owner_only_sqlite_file(str(copy))
        source, target = sqlite3.connect(source_path), sqlite3.connect(copy)
        try:
            source.backup(target)  # SQLite's online backup API: a consistent snapshot
        finally:
            target.close()
            source.close()
        return copy.read_bytes()


def _has_tables(db: Database) -> bool:
    return bool(sa.inspect(db.engine).get_table_names())


def restore(settings: Settings, backup_file: Path) -> list[str]:
    """Restore into the database the settings name (which must be empty)."""
    with tarfile.open(backup_file, mode="r:gz") as archive:
        members = {m.name: archive.extractfile(m) for m in archive.getmembers() if m.isfile()}
        if SECRETS_MEMBER not in members:
            raise BackupError(f"{backup_file} is not a postal-tracker backup (no {SECRETS_MEMBER})")
        secrets = Secrets.from_env(members[SECRETS_MEMBER].read().decode())  # type: ignore[union-attr]
        database = members[DATABASE_MEMBER].read() if DATABASE_MEMBER in members else None  # type: ignore[union-attr]
    if not settings.is_sqlite:
        return _restore_postgresql(settings, secrets)
    if database is None:
        raise BackupError(f"{backup_file} holds no SQLite database (a PostgreSQL backup's secrets alone?)")
    target_path = settings.database.sqlite_path()
    if target_path is None:
        raise BackupError("POSTAL_TRACKER_DATABASE_URL must name a SQLite file to restore into")
    target = Path(target_path)
    if target.exists() and target.stat().st_size > 0:
        probe = Database(settings.database.url, secrets.data_key)
        try:
            if _has_tables(probe):
                raise BackupError(f"{target} is not empty: restore into a new file (nothing was changed)")
        finally:
            probe.dispose()
    for suffix, value in ((JWT_SECRET_SUFFIX, secrets.jwt_secret), (DATA_KEY_SUFFIX, ",".join(secrets.data_key))):
        beside = Path(target_path + suffix)
        if beside.exists() and beside.read_text().strip() != value:
            raise BackupError(f"{beside} exists and is not this backup's: move it away first (nothing was changed)")
    with os.fdopen(_owner_only(target), "wb") as out:
        out.write(database)
    for suffix, value in ((JWT_SECRET_SUFFIX, secrets.jwt_secret), (DATA_KEY_SUFFIX, ",".join(secrets.data_key))):
        with os.fdopen(_owner_only(Path(target_path + suffix)), "w") as out:
            out.write(value)
    db = Database(settings.database.url, secrets.data_key)
    try:
        migrate.upgrade(db)  # a backup from an older version is brought up to date
    finally:
        db.dispose()
    return [f"restored into {target}, with its secrets beside it ({target.name}{JWT_SECRET_SUFFIX}, "
            f"{target.name}{DATA_KEY_SUFFIX})"]  # fmt: skip


def _restore_postgresql(settings: Settings, secrets: Secrets) -> list[str]:
    try:
        db = Database(settings.database.url, secrets.data_key)
    except SettingsError as exc:
        raise BackupError(str(exc)) from None
    try:
        if _has_tables(db):
            raise BackupError("the PostgreSQL database is not empty: restore into a new database (nothing was changed)")
    finally:
        db.dispose()
    return [
        "the PostgreSQL database is empty; restore the pg_dump file into it:",
        "  pg_restore --no-owner --dbname='<POSTAL_TRACKER_DATABASE_URL without +psycopg>' postal-tracker.dump",
        f"then start the service with {JWT_VARIABLE} and {DATA_KEY_VARIABLE} set from the backup's {SECRETS_MEMBER}",
    ]
