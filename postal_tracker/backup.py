"""`postal-tracker backup --out FILE` and `postal-tracker restore FILE`.

A backup is one gzipped tar file, readable by its owner only (it holds the secrets):

- `database.sqlite`: on SQLite, a consistent copy taken with SQLite's online backup API while
  the service runs (writers wait a moment; nothing acknowledged is missed or half-copied);
- `database.pgdump`: on PostgreSQL, `pg_dump --format=custom` of the database (one snapshot
  transaction: consistent while the service runs), made with the client tools on the PATH
  (Debian: postgresql-client, of the server's major version or newer);
- `secrets.env`: `POSTAL_TRACKER_JWT_SECRET=...` and `POSTAL_TRACKER_DATA_KEY=...`, the secrets
  the data needs: without the JWT secret the staff tokens are refused, without the data key the
  ID numbers, signatures and photos are lost.

`restore` writes the database where `POSTAL_TRACKER_DATABASE_URL` names it and refuses one that
already has tables (nothing is changed). On SQLite the secrets go beside the file
(`<db>.jwt-secret`, `<db>.data-key`, 0600; it refuses secret files that are not the backup's);
on PostgreSQL, where the service takes its secrets from the environment only, it says to start
the service with the backup's. The password of a PostgreSQL URL reaches `pg_dump` and
`pg_restore` through `PGPASSWORD`, never their command line (which every user can see).
"""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from postal_tracker import migrate
from postal_tracker.db import Database, owner_only_sqlite_file
from postal_tracker.settings import DATA_KEY_SUFFIX, JWT_SECRET_SUFFIX, Settings, SettingsError

DATABASE_MEMBER = "database.sqlite"
PG_DUMP_MEMBER = "database.pgdump"
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
    database = _sqlite_copy(settings) if settings.is_sqlite else _pg_dump(settings.database.url)
    with os.fdopen(_owner_only(out), "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        _add(archive, SECRETS_MEMBER, secrets.as_env().encode())
        _add(archive, DATABASE_MEMBER if settings.is_sqlite else PG_DUMP_MEMBER, database)
    return [f"backup written to {out} (the database and its secrets; keep it as safe as the secrets)"]


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on the PATH: install PostgreSQL's client tools (Debian: postgresql-client)")
    return found


def _pg_connection(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without its password, and the environment that gives the password."""
    parsed = sa.make_url(url)
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    libpq = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return libpq, env


def _run(command: list[str], env: dict[str, str]) -> bytes:
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise BackupError(f"{tool} failed: {done.stderr.decode(errors='replace').strip()[:2000]}")
    return done.stdout


def _pg_dump(url: str) -> bytes:
    libpq, env = _pg_connection(url)
    return _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--dbname={libpq}"], env)


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
        wanted = DATABASE_MEMBER if settings.is_sqlite else PG_DUMP_MEMBER
        database = members[wanted].read() if wanted in members else None  # type: ignore[union-attr]
    if database is None:
        kind = "a SQLite" if settings.is_sqlite else "a PostgreSQL"
        raise BackupError(f"{backup_file} holds no {wanted}: it is not {kind} database's backup (nothing was changed)")
    if not settings.is_sqlite:
        return _restore_postgresql(settings, secrets, database)
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
    _upgrade(settings.database.url, secrets)
    return [f"restored into {target}, with its secrets beside it ({target.name}{JWT_SECRET_SUFFIX}, "
            f"{target.name}{DATA_KEY_SUFFIX})"]  # fmt: skip


def _upgrade(url: str, secrets: Secrets) -> None:
    db = Database(url, secrets.data_key)
    try:
        migrate.upgrade(db)  # a backup from an older version is brought up to date
    finally:
        db.dispose()


def _restore_postgresql(settings: Settings, secrets: Secrets, dump: bytes) -> list[str]:
    try:
        db = Database(settings.database.url, secrets.data_key)
    except SettingsError as exc:
        raise BackupError(str(exc)) from None
    try:
        if _has_tables(db):
            raise BackupError("the PostgreSQL database is not empty: restore into a new database (nothing was changed)")
    finally:
        db.dispose()
    libpq, env = _pg_connection(settings.database.url)
    with tempfile.TemporaryDirectory() as folder:  # 0700: the dump is nobody else's either
        dump_file = Path(folder) / PG_DUMP_MEMBER
        dump_file.write_bytes(dump)
        # One transaction: a restore that fails half-way leaves the database empty, as it was.
        _run([_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={libpq}", str(dump_file)], env)  # fmt: skip
    _upgrade(settings.database.url, secrets)
    lines = ["restored into the PostgreSQL database; start the service with the backup's secrets:",
             f"  {JWT_VARIABLE} and {DATA_KEY_VARIABLE} from `tar -xzOf BACKUP {SECRETS_MEMBER}`"]  # fmt: skip
    if settings.personal.data_key and settings.personal.data_key[0] not in secrets.data_key:
        lines.append(f"  (the {DATA_KEY_VARIABLE} set now is not the backup's: the ID numbers need the backup's)")
    return lines
