"""`postal-tracker bench seed --shipments N`: a database full of realistic parcels, for the bench.

Communes of their own (codes `bench-<run>-NN`) with hamlets, a clerk and a postman each, and
dossiers booked over the last `days` days, each walked through the status machine as far as
its age allows: a pickup leg (booked, sometimes a failed attempt, picked up, at the post office,
at the desk) and, for most, a return leg (booked, collected, at the post office, out for
delivery, sometimes a failed delivery, delivered). About five events a shipment; statuses,
attempts, due dates and fees agree with the events. No outbox messages or scan records: the
seeded history is in the past.

Rows are generated in chunks and written by bulk inserts, all in one transaction:
`executemany` on SQLite, `COPY` on PostgreSQL, with ids taken from the tables' maximum at the
start (the tables are locked on PostgreSQL; SQLite has one writer), so the seed may run beside
a live service, whose writes wait for it. A seed that at least doubles the tables (a fresh
bench database) loads them without their secondary indexes, and on PostgreSQL without their
unique and foreign-key constraints too, and builds them again before the commit (the service's
reads then wait as well): several times faster than maintaining and checking them row by row
(issue #12: 1M shipments in under 2 minutes). Tracking numbers are an arithmetic walk over the
10^8 serials from a random start: unique within a run, and a clash with an earlier run's
numbers stops the seed on the unique constraint rather than duplicating one.
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, cast

import sqlalchemy as sa
from argon2 import PasswordHasher
from sqlalchemy.engine import Connection

from postal_tracker.db import Database, utcnow
from postal_tracker.lifecycle import BOOKING_CODE, TRANSITIONS, Event
from postal_tracker.models import Commune, Hamlet, Procedure, User, table
from postal_tracker.settings import RulesSection
from postal_tracker.workdays import next_attempt_on, transit_due_at

if TYPE_CHECKING:
    import sqlite3

    import psycopg

COMMUNES = [
    ("Tam An", "Long Điền"), ("An Ngãi", "Long Điền"), ("Phước Hưng", "Long Điền"),
    ("Long Hải", "Long Điền"), ("Phước Tỉnh", "Long Điền"), ("Phước Hải", "Đất Đỏ"),
    ("Long Mỹ", "Đất Đỏ"), ("Láng Dài", "Đất Đỏ"), ("Lộc An", "Đất Đỏ"), ("Châu Pha", "Phú Mỹ"),
    ("Tóc Tiên", "Phú Mỹ"), ("Sông Xoài", "Phú Mỹ"), ("Bình Giã", "Châu Đức"), ("Xuân Sơn", "Châu Đức"),
    ("Bưng Riềng", "Xuyên Mộc"), ("Hòa Hiệp", "Xuyên Mộc"),
]  # fmt: skip
HAMLETS = [
    "Phước Lăng", "Phước Bình", "Phước Hưng", "Phước Nghĩa", "Phước Trinh", "Phước Trung", "An Hòa",
    "An Thạnh", "Hải Lạc", "Hải Sơn", "Lò Vôi", "Tân Phước", "Bến Đình", "Mỹ Hòa", "Thạnh Sơn",
    "Cây Cám", "Gò Cát", "Suối Nhum",
]  # fmt: skip
FAMILY = ["Nguyễn"] * 8 + ["Trần"] * 3 + ["Lê"] * 2 + [
    "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương",
]  # fmt: skip
MIDDLE = ["Văn", "Thị", "Minh", "Ngọc", "Thanh", "Hữu", "Đức", "Thu", "Quốc", "Hoài", "Kim", "Xuân"]
GIVEN = [
    "Hằng", "Ưng", "Ỷ", "Đường", "Ánh", "Hưng", "Lan", "Hùng", "Dũng", "Thảo", "Phương", "Tuấn", "Hương",
    "Nam", "Quỳnh", "Sơn", "Trang", "Vy", "Khoa", "Ngân", "Tâm", "Yến", "Đạt", "Nhung", "Phúc", "Thủy",
    "Lộc", "Oanh", "Bảo", "Châu", "Mai", "Tùng", "Hiếu", "Nguyệt", "Thắng", "Hạnh", "Lợi", "Ất",
]  # fmt: skip
STREETS = ["tổ", "hẻm", "đường Phước Bình", "khu phố", "gần chợ", "đường liên ấp"]
DOCUMENTS = json.dumps([{"name": "Tờ khai", "kind": "original", "pages": 1}], ensure_ascii=False)
REASONS = ["not_home", "not_home", "not_home", "not_ready", "wrong_address", "moved"]
SERIAL_STEP = 7_654_321  # coprime with 10^8: k -> start + k * step covers every serial once
HOUR = 3600.0

DOSSIER_COLUMNS = (
    "id", "commune_id", "booked_commune_id", "commune_name", "portal_dossier_no", "source", "procedure_code",
    "procedure_name", "applicant_name", "applicant_phone", "hamlet_code", "hamlet_name", "address_detail", "lat",
    "lon", "geo_source", "return_by_post", "fee_vnd", "documents", "sms_opt_out", "created_by_user_id",
    "created_at",
)  # fmt: skip
SHIPMENT_COLUMNS = (
    "id", "tracking_no", "dossier_id", "commune_id", "leg", "status", "attempts", "version", "hamlet_code",
    "postman_id", "scheduled_date", "last_reason", "fee_collected_vnd", "due_at", "next_attempt_on", "created_at",
    "updated_at",
)  # fmt: skip
EVENT_COLUMNS = (
    "id", "shipment_id", "event", "code", "status", "at", "recorded_at", "reason", "recipient_name",
    "fee_collected_vnd", "scan_id", "user_id", "commune_id",
)  # fmt: skip


@dataclass(frozen=True)
class SeedSummary:
    communes: list[int]
    dossiers: int
    shipments: int
    events: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class _Place:
    commune_id: int
    commune_name: str
    clerk_id: int
    postman_id: int
    hamlets: list[tuple[str, str, float, float]]


def seed(
    db: Database, shipments: int, rules: RulesSection, *, communes: int = 8, days: int = 180,
    chunk: int = 50_000, seed: int | None = None, progress: Callable[[str], None] | None = None,
) -> SeedSummary:  # fmt: skip
    """Add `shipments` shipments (with their dossiers and events) in `communes` new communes."""
    rng = random.Random(seed)
    run = secrets.token_hex(3) if seed is None else f"{seed:06x}"[-6:]
    places = _places(db, run, communes, rng)
    with db.read() as conn:
        procedures = conn.execute(
            sa.select(table(Procedure).c.code, table(Procedure).c.name, table(Procedure).c.fee_vnd)
            .where(table(Procedure).c.active)
        ).all()  # fmt: skip
    now = utcnow()
    start = now - timedelta(days=days)
    walker = _Walker(rng, rules, start, now, db.is_sqlite, procedures, places, shipments)
    made = dict.fromkeys(COLUMNS, 0)
    with db.write() as conn:
        writer: _Writer = _SqliteWriter(conn) if db.is_sqlite else _PostgresWriter(conn)
        ids = writer.next_ids()
        # Building an index once from all its rows is several times faster than growing it row by
        # row, but it rebuilds what was there too: worth it when the seed at least doubles the tables.
        with writer.indexes_built_after() if shipments >= ids["shipments"] - 1 else nullcontext():
            while walker.left > 0:
                rows: dict[str, list[Row]] = {name: [] for name in COLUMNS}
                walker.fill(rows, ids, chunk)
                for name, batch in rows.items():
                    writer.write(name, batch)
                    ids[name] += len(batch)
                    made[name] += len(batch)
                if progress:
                    progress(f"{made['shipments']} shipments, {made['events']} events")
        writer.finish()
    return SeedSummary([p.commune_id for p in places], made["dossiers"], made["shipments"], made["events"], start, now)


def _places(db: Database, run: str, count: int, rng: random.Random) -> list[_Place]:
    """The run's communes with their hamlets, a clerk and a postman each (a password nobody knows)."""
    password_hash = PasswordHasher().hash(secrets.token_urlsafe(24))
    places = []
    with db.write() as conn:
        for number in range(count):
            name, district = COMMUNES[number % len(COMMUNES)]
            code = f"bench-{run}-{number:02d}"
            lat, lon = 10.45 + rng.uniform(0, 0.2), 107.15 + rng.uniform(0, 0.3)
            commune_id = _insert(conn, table(Commune), {
                "code": code, "name": name, "district": district, "province": "Bà Rịa – Vũng Tàu",
                "post_office_name": f"Bưu điện văn hóa xã {name}", "post_office_address": f"Ấp 1, xã {name}",
                "post_office_lat": lat, "post_office_lon": lon, "desk_name": f"Bộ phận Một cửa UBND xã {name}",
                "desk_address": f"UBND xã {name}, huyện {district}", "desk_lat": lat + 0.001,
                "desk_lon": lon + 0.001, "created_at": utcnow(),
            })  # fmt: skip
            users = {}
            for role in ("clerk", "postal"):
                users[role] = _insert(conn, table(User), {
                    "commune_id": commune_id, "username": f"{role}-{code}", "role": role,
                    "full_name": _name(rng), "password_hash": password_hash, "active": True, "created_at": utcnow(),
                })  # fmt: skip
            hamlets = [
                (f"H{k + 1:02d}", HAMLETS[(number + k) % len(HAMLETS)], lat + rng.uniform(-0.03, 0.03),
                 lon + rng.uniform(-0.03, 0.03))
                for k in range(6 + number % 5)
            ]  # fmt: skip
            conn.execute(table(Hamlet).insert(), [
                {"commune_id": commune_id, "code": c, "name": n, "lat": la, "lon": lo, "active": True,
                 "default_postman_id": users["postal"]}
                for c, n, la, lo in hamlets
            ])  # fmt: skip
            places.append(_Place(commune_id, name, users["clerk"], users["postal"], hamlets))
    return places


def _insert(conn: Connection, t: sa.Table, values: dict[str, Any]) -> int:
    key = conn.execute(t.insert().values(**values)).inserted_primary_key
    assert key is not None
    return int(key[0])


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"


Row = tuple[Any, ...]


def _check_digits() -> tuple[list[int], list[int]]:
    """The S10 weighted sums of each 4-digit half of a serial (lifecycle.S10_WEIGHTS), as tables."""

    def sums(weights: tuple[int, ...]) -> list[int]:
        return [sum(int(d) * w for d, w in zip(f"{n:04d}", weights, strict=True)) for n in range(10_000)]

    return sums((8, 6, 4, 2)), sums((3, 5, 9, 7))


# Each step: the event, its code, the status it leads to, and its delay after the previous one (hours).
_Step = tuple[str, str, str, float, float]


def _step(event: Event, low: float, high: float) -> _Step:
    t = TRANSITIONS[event]
    return event.value, t.code, t.to.value, low * HOUR, (high - low) * HOUR


PICKUP = [_step(Event.PICKED_UP, 2, 30), _step(Event.ARRIVED_POST_OFFICE, 1, 4), _step(Event.HANDED_TO_DESK, 1, 6)]
PICKUP_FAILED_FIRST = [_step(Event.PICKUP_FAILED, 2, 20), *PICKUP]
CANCELLED = [_step(Event.CANCELLED, 1, 48)]
RETURN_START = [
    _step(Event.COLLECTED_FROM_DESK, 1, 24), _step(Event.ARRIVED_POST_OFFICE, 1, 3),
    _step(Event.OUT_FOR_DELIVERY, 1, 20),
]  # fmt: skip
DELIVERED = _step(Event.DELIVERED, 1, 5)
RETURN = [*RETURN_START, DELIVERED]
RETURN_FAILED_FIRST = [*RETURN_START, _step(Event.DELIVERY_FAILED, 2, 6), _step(Event.OUT_FOR_DELIVERY, 20, 30),
                       DELIVERED]  # fmt: skip
FAILURES = {Event.PICKUP_FAILED.value, Event.DELIVERY_FAILED.value}
TAKEN = {Event.PICKED_UP.value, Event.COLLECTED_FROM_DESK.value}


class _Walker:
    """Walks dossiers through the status machine, in booking order, into rows with their ids."""

    def __init__(
        self, rng: random.Random, rules: RulesSection, start: datetime, now: datetime, sqlite: bool,
        procedures: Sequence[Any], places: list[_Place], shipments: int,
    ) -> None:  # fmt: skip
        self.random = rng.random
        self.rules = rules
        self.start = start.timestamp()
        self.now = now.timestamp()
        self.procedures = list(procedures)
        self.places = places
        self.left = shipments
        self.dossier_count = max(1, round(shipments / 1.9))  # ~90% of dossiers get their return leg
        self.index = 0
        self.serial = int(rng.random() * 10**8)
        self.indicator = rules.service_indicator
        self.high, self.low = _check_digits()
        self.names = [_name(rng) for _ in range(4000)]
        self.phones = [f"09{int(rng.random() * 10**8):08d}" for _ in range(4000)]
        # What the drivers store: SQLAlchemy's SQLite DATETIME text, PostgreSQL's timestamptz text.
        self.zone = ".000000" if sqlite else "+00"
        self.suffix = ":00" + self.zone
        self.minutes = [f" {m // 60:02d}:{m % 60:02d}" for m in range(1440)]
        self.days: dict[int, str] = {}
        self.due: dict[int, str] = {}
        self.scan = 0

    def stamp(self, seconds: float) -> str:
        minute = int(seconds // 60)
        day, in_day = divmod(minute, 1440)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        return text + self.minutes[in_day] + self.suffix

    def due_at(self, taken: float) -> str:
        local_day = int((taken + 7 * HOUR) // 86400)  # the due date depends on the local day only
        text = self.due.get(local_day)
        if text is None:
            due = transit_due_at(datetime.fromtimestamp(taken, UTC), self.rules.transit_working_days)
            text = self.due[local_day] = due.strftime("%Y-%m-%d %H:%M:%S") + self.zone
        return text

    def tracking_no(self) -> str:
        self.serial = serial = (self.serial + SERIAL_STEP) % 10**8
        check = 11 - (self.high[serial // 10_000] + self.low[serial % 10_000]) % 11
        return f"{self.indicator}{serial:08d}{0 if check == 10 else 5 if check == 11 else check}VN"

    def fill(self, rows: dict[str, list[Row]], ids: dict[str, int], chunk: int) -> None:
        """Dossiers into `rows` until `chunk` shipments or the last one, ids from `ids` on."""
        made = 0
        while made < chunk and self.left > 0:
            # Booked in time order, a little jitter: ids follow time as they do in service.
            fraction = min(self.index / self.dossier_count, 1.0)
            booked = min(self.start + (self.now - self.start) * fraction + self.random() * 600, self.now - 60)
            legs = self.dossier(rows, ids, booked)
            made += legs
            self.left -= legs
            self.index += 1

    def dossier(self, rows: dict[str, list[Row]], ids: dict[str, int], booked: float) -> int:
        r = self.random
        index = self.index
        place = self.places[index % len(self.places)]
        hamlet_code, hamlet_name, lat, lon = place.hamlets[int(r() * len(place.hamlets))]
        code, procedure_name, fee = self.procedures[int(r() * len(self.procedures))]
        dossier_id = ids["dossiers"] + len(rows["dossiers"])
        pick = int(r() * len(self.names))
        name = self.names[pick]
        portal = r() < 0.3
        rows["dossiers"].append((
            dossier_id, place.commune_id, place.commune_id, place.commune_name,
            f"H12.{index % 97:02d}-{index:09d}" if portal else None, "portal" if portal else "desk", code,
            procedure_name, name, self.phones[pick], hamlet_code, hamlet_name,
            f"Số {1 + int(r() * 200)}, {STREETS[index % len(STREETS)]} {1 + index % 11}",
            lat + (r() - 0.5) * 0.01, lon + (r() - 0.5) * 0.01, "hamlet", True, fee, DOCUMENTS, False,
            place.clerk_id, self.stamp(booked),
        ))  # fmt: skip
        x = r()
        plan = CANCELLED if x < 0.02 else PICKUP_FAILED_FIRST if x < 0.14 else PICKUP
        at_desk = self.leg(rows, ids, place, dossier_id, "pickup", hamlet_code, booked, plan, fee, name)
        if at_desk is None or self.left < 2 or r() >= 0.92:
            return 1
        ready = at_desk + 4 * HOUR + r() * 116 * HOUR  # the desk's processing time
        if ready >= self.now:
            return 1
        plan = RETURN_FAILED_FIRST if r() < 0.1 else RETURN
        self.leg(rows, ids, place, dossier_id, "return", hamlet_code, ready, plan, 0, name)
        return 2

    def leg(
        self, rows: dict[str, list[Row]], ids: dict[str, int], place: _Place, dossier_id: int, leg: str,
        hamlet_code: str, booked: float, plan: list[_Step], fee: int, name: str,
    ) -> float | None:  # fmt: skip
        """Book the leg at `booked` and walk it as far as now; when it reached the desk, if it did."""
        r = self.random
        events = rows["events"]
        shipment_id = ids["shipments"] + len(rows["shipments"])
        status, attempts, last_reason, collected, due_at, next_on = "booked", 0, None, 0, None, None
        booked_stamp = stamp = self.stamp(booked)
        next_event = ids["events"] + len(events)
        events.append((
            next_event, shipment_id, "booked", BOOKING_CODE, status, stamp, stamp, None, None, None, None,
            place.clerk_id, place.commune_id,
        ))  # fmt: skip
        t = booked
        steps = 0
        for event, code, status_to, low, spread in plan:
            t += low + r() * spread
            if t >= self.now:
                break
            steps += 1
            status = status_to
            reason = recipient = paid = None
            next_on = None
            if event in FAILURES:
                attempts += 1
                reason = last_reason = REASONS[int(r() * len(REASONS))]
                if event == "delivery_failed":
                    moment = datetime.fromtimestamp(t, UTC)
                    next_on = next_attempt_on(moment, self.rules.reattempt_working_days).isoformat()
            elif event == "cancelled":
                reason = "other"
            elif event == "delivered":
                recipient = name
            if event in TAKEN:
                due_at = self.due_at(t)
                if fee and event == "picked_up":
                    paid = collected = fee
            self.scan += 1
            stamp = self.stamp(t)
            next_event += 1
            events.append((
                next_event, shipment_id, event, code, status, stamp, stamp, reason, recipient, paid,
                f"00000000-0000-4000-8000-{self.scan:012d}", place.postman_id, place.commune_id,
            ))  # fmt: skip
        rows["shipments"].append((
            shipment_id, self.tracking_no(), dossier_id, place.commune_id, leg, status, attempts, steps,
            hamlet_code, place.postman_id, booked_stamp[:10], last_reason, collected, due_at, next_on, booked_stamp,
            stamp,
        ))  # fmt: skip
        return t if status == "at_desk" else None


COLUMNS = {"dossiers": DOSSIER_COLUMNS, "shipments": SHIPMENT_COLUMNS, "events": EVENT_COLUMNS}


class _Writer(Protocol):
    """Bulk writes into the seeded tables, all in the caller's one transaction."""

    def next_ids(self) -> dict[str, int]:
        """Each table's first free id (after locking the tables where others may write)."""

    def indexes_built_after(self) -> AbstractContextManager[None]:
        """Without the tables' secondary indexes (and checks) inside, built again on the way out."""

    def write(self, name: str, rows: list[Row]) -> None: ...

    def finish(self) -> None: ...


def _next_ids(conn: Connection) -> dict[str, int]:
    return {name: conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) + 1 FROM {name}").scalar_one() for name in COLUMNS}


class _SqliteWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw = cast("sqlite3.Connection", conn.connection.dbapi_connection)

    def next_ids(self) -> dict[str, int]:
        return _next_ids(self.conn)  # one writer at a time: the transaction is BEGIN IMMEDIATE

    @contextmanager
    def indexes_built_after(self) -> Iterator[None]:
        # The unique constraints' own indexes (no `sql`) cannot be dropped; they stay.
        tables = ", ".join(f"'{name}'" for name in COLUMNS)
        indexes = self.raw.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ({tables}) AND sql IS NOT NULL"
        ).fetchall()
        for name, _ in indexes:
            self.raw.execute(f'DROP INDEX "{name}"')
        yield
        for _, create in indexes:
            self.raw.execute(create)

    def write(self, name: str, rows: list[Row]) -> None:
        columns = COLUMNS[name]
        marks = ", ".join("?" * len(columns))
        self.raw.executemany(f"INSERT INTO {name} ({', '.join(columns)}) VALUES ({marks})", rows)

    def finish(self) -> None:
        pass


# Every unique or foreign-key constraint and every other index but the primary keys of the seeded
# tables: the statement that drops it and the one that makes it again (indexes, then the
# constraints, foreign keys last), from the catalog so that they are the migrations' own.
_POSTGRES_REBUILT = """
SELECT format('DROP INDEX %s', indexrelid::regclass), pg_get_indexdef(indexrelid), 0
FROM pg_index i
WHERE indrelid = ANY('{dossiers,shipments,events}'::regclass[])
  AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)
UNION ALL
SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),
       format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname, pg_get_constraintdef(oid)),
       CASE contype WHEN 'f' THEN 2 ELSE 1 END
FROM pg_constraint
WHERE conrelid = ANY('{dossiers,shipments,events}'::regclass[]) AND contype IN ('u', 'f')
ORDER BY 3
"""


class _PostgresWriter:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw = cast("psycopg.Connection", conn.connection.dbapi_connection)

    def next_ids(self) -> dict[str, int]:
        # Others may still read (until indexes_built_after drops one); their writes wait for the commit.
        self.raw.execute("LOCK TABLE dossiers, shipments, events IN SHARE ROW EXCLUSIVE MODE")
        return _next_ids(self.conn)

    @contextmanager
    def indexes_built_after(self) -> Iterator[None]:
        # Checking each row's foreign keys and inserting it into seven indexes was three quarters
        # of the load; one join per foreign key and one sort per index at the end are a fraction.
        rebuilt = self.raw.execute(_POSTGRES_REBUILT).fetchall()
        for drop, _, _ in rebuilt:
            self.raw.execute(drop)
        yield
        self.raw.execute("SET LOCAL maintenance_work_mem = '256MB'")  # each index sorted in memory
        for _, create, _ in rebuilt:
            self.raw.execute(create)

    def write(self, name: str, rows: list[Row]) -> None:
        with self.raw.cursor() as cursor, cursor.copy(f"COPY {name} ({', '.join(COLUMNS[name])}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish(self) -> None:
        for name in COLUMNS:
            self.raw.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
        # Fresh statistics: without them PostgreSQL plans the bulk-loaded tables as if empty
        # (a tracking lookup was planned at a cost that switched on JIT: 0.7 s instead of 0.2 ms).
        self.raw.execute("ANALYZE dossiers, shipments, events")
