"""Database engines for SQLite (embedded default) and PostgreSQL, and the transaction helpers.

Services use SQLAlchemy Core on a `Connection`: the hot paths (scans, tracking lookups) are
3-10x faster than through the ORM session (see MEASURED.md), and one style everywhere is
easier to read than two.

SQLite allows one writer at a time. Instead of letting writers spin in SQLite's busy handler,
`Database.write()` funnels this process's write transactions through one lock and opens them
with `BEGIN IMMEDIATE`, so a transaction never fails half-way when it upgrades to a write lock.
Other processes (a second worker) still wait in the busy handler.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from postal_tracker.crypto import DataCipher
from postal_tracker.settings import data_key_beside


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on both databases (SQLite keeps no offset on its own)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: every stored time must carry its offset")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Ids are 32-bit integers on PostgreSQL; a larger number can only be a 404, never an overflow.
MAX_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_one(conn: Connection, statement: sa.Insert) -> int:
    """Run the INSERT of one row; the new row's id."""
    key = conn.execute(statement).inserted_primary_key
    assert key is not None, "an INSERT of one row has a primary key"
    return int(key[0])


def normalize_url(url: str) -> str:
    """Accept the short forms people type (`postgresql://`, `postgres://`) for psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def sqlite_file_of(url: str) -> str | None:
    """The file of a `sqlite:///path` URL (None for memory databases and other databases)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    path = path.split("?", 1)[0]
    return None if path in ("", ":memory:") else path


def owner_only_sqlite_file(path: str) -> bool:
    """Create the database file 0600 before SQLite does (SQLite would use 0644 less the umask),
    and tighten an existing one. SQLite gives its -wal and -shm files the mode of the database
    file, so they are the owner's alone too. False when its directory does not exist (opening
    the database will then fail and say so)."""
    # Only a file that does not exist yet is opened here: closing a descriptor of a database this
    # process already has open would drop SQLite's POSIX locks on it ("disk I/O error").
    try:
        if not os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # created meanwhile by another process
    except FileNotFoundError:
        return False
    for name in (path, path + "-wal", path + "-shm"):
        if os.path.exists(name):
            os.chmod(name, 0o600)
    return True


def make_engine(url: str) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    # hide_parameters: error messages must not carry names and phones into the logs.
    # jit off: the reports' estimates cross PostgreSQL's JIT threshold, and compiling their
    # plans took 1.2 s of a monthly report that runs in 1 s without it (bench/NOTES.md); nothing
    # here runs long enough to earn it back.
    engine = sa.create_engine(
        url, pool_size=10, max_overflow=20, hide_parameters=True, connect_args={"options": "-c jit=off"}
    )
    _ping_when_idle(engine)
    return engine


IDLE_PING_S = 2.0
"""A pooled PostgreSQL connection unused for this long is pinged before it is lent out."""


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's `pool_pre_ping` costs a round trip at every checkout, a request's worth
    (15% of a tracking lookup). A connection back in the pool a moment ago is lent as it is; one
    that slept (the database may have restarted meanwhile) is pinged first, and a dead one drops
    the pool and a new connection is made. The request that meets a connection killed in that
    moment fails once: answered 503 (errors.py), and SQLAlchemy then drops the pool."""

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    def lent(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("returned_at")
        if since is None or time.monotonic() - since < IDLE_PING_S:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.InvalidatePoolError() from exc

    sa.event.listen(engine, "checkin", returned)
    sa.event.listen(engine, "checkout", lent)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Reads through a memory map of the file (up to what the build allows, 2 GiB here) instead of a
    # read() a page: the quarterly report of a 1M-parcel province, which jumps from each event
    # to its parcel, 4.3-4.9 s -> 2.5-2.9 s. Writes still go through the journal as before.
    cursor.execute("PRAGMA mmap_size=2147483648")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    if connection.get_execution_options().get("sqlite_no_begin", False):
        return  # Database.lookup(): each statement reads on its own
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """The engine plus the two ways to use it: `read()` and `write()`.

    `data_keys` encrypt ID numbers, signatures and photos (crypto.py); without them a SQLite
    database uses the key generated beside its file, and a PostgreSQL one cannot touch those
    columns. A SQLite file is created readable by its owner only (see `owner_only_sqlite_file`).
    """

    def __init__(self, url: str, data_keys: Sequence[str] = ()) -> None:
        url = normalize_url(url)
        sqlite_path = sqlite_file_of(url)
        if sqlite_path is not None and owner_only_sqlite_file(sqlite_path) and not data_keys:
            data_keys = (data_key_beside(sqlite_path),)
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self.use_data_keys(data_keys)

    def use_data_keys(self, data_keys: Sequence[str]) -> None:
        # The column type `crypto.Encrypted` finds the cipher on the dialect (all it is given).
        self.engine.dialect.data_cipher = DataCipher(data_keys) if data_keys else None  # type: ignore[attr-defined]

    @property
    def has_data_key(self) -> bool:
        return getattr(self.engine.dialect, "data_cipher", None) is not None

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def lookup(self) -> Iterator[Connection]:
        """A connection for one read statement outside a transaction: no BEGIN and COMMIT round
        trips around it (the per-request account check, accounts/service.py)."""
        with self.engine.connect() as conn:
            if self.is_sqlite:
                # No BEGIN is sent (see _sqlite_on_begin) rather than switching to AUTOCOMMIT:
                # SQLAlchemy would reset that with a PRAGMA each time the connection goes back.
                yield conn.execution_options(sqlite_no_begin=True)
            else:
                yield conn.execution_options(isolation_level="AUTOCOMMIT")

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One transaction that commits on success and rolls back on any exception."""
        with self._write_lock or nullcontext(), self.engine.connect() as conn:
            if self.is_sqlite:
                conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            return True
        except sa.exc.SQLAlchemyError:
            return False

    def dispose(self) -> None:
        self.engine.dispose()


T = TypeVar("T")


def first_writer_wins(
    db: Database, write: Callable[[Connection], T], read_winner: Callable[[Connection], T | None],
    *, lost: tuple[type[Exception], ...] = (),
) -> T:  # fmt: skip
    """Race, then read again: run `write` in a write transaction; when two calls race on a unique
    constraint (the same scan_id, Idempotency-Key, portal number, feedback...), the loser's
    transaction rolls back with an IntegrityError (or one of `lost`) and it answers what the
    winner stored, read in a new transaction by `read_winner`. Nothing to read: the error stands.
    """
    raced: tuple[type[Exception], ...] = (sa.exc.IntegrityError, *lost)
    try:
        with db.write() as conn:
            return write(conn)
    except raced:
        with db.write() as conn:
            winner = read_winner(conn)
        if winner is None:
            raise
        return winner
