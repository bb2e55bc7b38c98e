"""Every row of issue #12's goal table, on SQLite and PostgreSQL in one go: ``scripts/bench``.

For each database: a fresh database seeded by `postal-tracker bench seed` (1M shipments, ~5M
events; a second one with 10k for the scale row), plus a pool of freshly booked parcels for the
scans. `postal-tracker serve` and the floor app (bench/floor_app.py: a bare Litestar `/health`
under the same uvicorn settings and workers) run as subprocesses on free ports and `wrk`
(Debian package `wrk`) drives them over loopback, 16 connections. SQLite runs one worker (one
writer per process is the design, db.py), PostgreSQL two (and Redis for the shared rate
limits, when one answers). Floors are measured in the same run, side by side: the machines
are noisy and shared, so the ratios are the figures, not the absolute rates.

Rows: `/health` vs the bare app; public tracking and single scans vs `/health`; a batch of
1000 scans vs raw inserts of the same rows (`executemany` of the events, scan records and
status updates in one transaction); PostgreSQL scans sustained for 60 s vs the national peak
(120/s); tracking at 1M vs at 10k shipments; the monthly report of one commune and the
quarterly report of every commune vs a `COUNT(*)` of the period's events; 500 A6 labels (PDF,
ZPL) vs reportlab drawing the same text.

Prints the table (floors, ratios, goal met or not) and writes bench/results/latest.json.
`--quick`: smaller databases and shorter wrk runs, for trying things (its figures are not the
README's). `--profile`: for each row whose goal is not met, where the time goes: py-spy samples
of the servers for the HTTP rows (one more batch of 1000 for the batch row; the sustained run
shares the single scans' profile), the plans of the statements one run of a report sends for the
report rows. Under the table, each goal not met gets its profiles and its section of
bench/NOTES.md (where the time went in the last profiles, what was tried and dropped).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout

from postal_tracker import migrate  # noqa: E402
from postal_tracker.accounts.auth import issue_token, make_jwt_auth  # noqa: E402
from postal_tracker.accounts.principal import Principal  # noqa: E402
from postal_tracker.accounts.service import Role  # noqa: E402
from postal_tracker.benchseed import seed  # noqa: E402
from postal_tracker.db import Database  # noqa: E402
from postal_tracker.localtime import LOCAL_TZ  # noqa: E402
from postal_tracker.models import Commune, EventRecord, Shipment, User, table  # noqa: E402
from postal_tracker.settings import RulesSection  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
DATA_KEY = "YmVuY2gtZGF0YS1rZXktMzItYnl0ZXMtbG9uZy0hISE="  # 32 bytes in base64, a Fernet key
CONNECTIONS = 16
NATIONAL_PEAK = 120  # scans/s, the whole country's busiest minute
RESULTS = ROOT / "bench" / "results" / "latest.json"
NOTES = ROOT / "bench" / "NOTES.md"


@dataclass(frozen=True)
class Sizes:
    shipments: int
    small: int
    scan_pool: int
    seconds: int
    sustained: int
    batches: int
    rounds: int


FULL = Sizes(shipments=1_000_000, small=10_000, scan_pool=150_000, seconds=10, sustained=60, batches=3, rounds=3)
QUICK = Sizes(shipments=20_000, small=2_000, scan_pool=20_000, seconds=4, sustained=10, batches=2, rounds=2)


@dataclass
class Row:
    workload: str
    database: str
    value: float
    unit: str
    floor: float | None = None
    floor_label: str = ""
    ratio: float | None = None
    goal: str = ""
    met: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    key: str = ""  # the workload without its numbers: its section of bench/NOTES.md


# --- wrk ----------------------------------------------------------------------------------------

TRACK_LUA = """
numbers = {%s}
request = function()
  return wrk.format("GET", "/api/v1/track/" .. numbers[math.random(#numbers)])
end
"""

# Each wrk thread walks its own share of the booked parcels, picked_up, then arrived_post_office,
# then handed_to_desk: every scan is one the status machine accepts (an exhausted pool shows as
# non-2xx answers). Two threads: parcels of even and odd positions.
SCAN_LUA = """
numbers = {%s}
events = {"picked_up", "arrived_post_office", "handed_to_desk"}
local charset = "0123456789abcdef"
local function hex(n) local s = "" for i = 1, n do local r = math.random(16) s = s .. charset:sub(r, r) end return s end
threads = 0
setup = function(thread) threads = threads + 1 thread:set("part", threads - 1) end
init = function(args) math.randomseed(part * 7919 + os.time()) counter = 0 share = math.floor(#numbers / 2) end
request = function()
  local n = counter %% share
  local event = events[math.floor(counter / share) %% 3 + 1]
  counter = counter + 1
  local number = numbers[n * 2 + part + 1]
  local id = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  local body = '{"scan_id":"' .. id .. '","tracking_no":"' .. number .. '","event":"' .. event .. '","at":"%s"}'
  return wrk.format("POST", "/api/v1/scans", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer %s"}, body)
end
"""


def wrk(url: str, seconds: int, script: str | None, tmp: Path) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", "--timeout", "5s"]
    if script:
        lua = tmp / f"script-{uuid.uuid4().hex}.lua"
        lua.write_text(script)
        command += ["-s", str(lua)]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout

    def number(pattern: str) -> float:
        match = re.search(pattern, out)
        return float(match.group(1)) if match else 0.0

    def latency(p: str) -> float:
        match = re.search(rf"\s{p}%\s+([\d.]+)(\w+)", out)
        assert match, out
        value, unit = match.groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]

    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rate": number(r"Requests/sec:\s+([\d.]+)"),
        "requests": number(r"(\d+) requests in"),
        "p50_ms": latency("50"),
        "p99_ms": latency("99"),
        "non_2xx": number(r"Non-2xx or 3xx responses: (\d+)"),
        "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0,
    }


# --- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base: str

    def pids(self) -> list[int]:
        """The serving processes: uvicorn's workers when it has some, else the process itself."""
        try:
            children = subprocess.run(
                ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True, check=False
            ).stdout.split()
        except FileNotFoundError:
            children = []
        workers = [int(p) for p in children]
        return [w for w in workers if _is_python(w)] or [self.process.pid]


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


@contextmanager
def serve(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[Server]:
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{command} stopped: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{command} did not answer: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield Server(process, base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ours(url: str, workers: int, tmp: Path, redis_url: str | None, name: str) -> Any:
    port = free_port()
    env = {
        **os.environ, "POSTAL_TRACKER_DATABASE_URL": url, "POSTAL_TRACKER_JWT_SECRET": SECRET,
        "POSTAL_TRACKER_DATA_KEY": DATA_KEY, "POSTAL_TRACKER_PUBLIC_RATE_LIMIT": "1000000000",
        "POSTAL_TRACKER_SIGN_IN_RATE_LIMIT": "1000000000", "PYTHONPATH": str(ROOT),
    }  # fmt: skip
    if redis_url:
        env["POSTAL_TRACKER_REDIS_URL"] = redis_url
    command = [sys.executable, "-m", "postal_tracker.cli", "serve", "--port", str(port), "--workers", str(workers)]
    return serve(command, env, port, tmp / f"{name}.log")


def floor_app(workers: int, tmp: Path) -> Any:
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "bench.floor_app:app", "--port", str(port), "--workers", str(workers),
        "--loop", "uvloop", "--http", "httptools", "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return serve(command, {**os.environ, "PYTHONPATH": str(ROOT)}, port, tmp / "floor.log")


def profile(server: Server, run: Callable[[], Any], tmp: Path, seconds: int) -> list[str]:
    """py-spy samples of the serving processes while `run` loads them: the functions holding the
    most samples (own frames: their file under postal_tracker/, else the innermost frame)."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return ["py-spy not installed (pip install py-spy)"]
    spies = []
    for pid in server.pids():
        out = tmp / f"profile-{pid}.txt"
        spies.append((out, subprocess.Popen(
            [spy, "record", "-p", str(pid), "-d", str(seconds), "-f", "raw", "-o", str(out), "-r", "200",
             "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )))  # fmt: skip
    run()
    inner: dict[str, int] = {}
    ours_frames: dict[str, int] = {}
    total = 0
    for out, spy_process in spies:
        spy_process.wait(timeout=seconds + 30)
        if not out.exists():
            continue
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if not count.isdigit():
                continue
            frames = stack.split(";")
            samples = int(count)
            total += samples
            inner[frames[-1]] = inner.get(frames[-1], 0) + samples
            own = [f for f in frames if "postal_tracker/" in f]
            if own:
                ours_frames[own[-1]] = ours_frames.get(own[-1], 0) + samples
    if not total:
        return ["py-spy recorded nothing (ptrace may not be allowed here)"]
    lines = [f"{total} samples; innermost frames:"]
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in sorted(inner.items(), key=lambda x: -x[1])[:8]]
    lines.append("innermost frames of postal_tracker:")
    lines += [f"  {100 * n / total:5.1f}%  {f}" for f, n in sorted(ours_frames.items(), key=lambda x: -x[1])[:8]]
    return lines


# --- databases ----------------------------------------------------------------------------------


@contextmanager
def fresh_databases(kind: str, tmp: Path, postgres_url: str) -> Iterator[Callable[[str], str]]:
    """A function naming a new empty database of this kind; all of them dropped at the end."""
    made: list[str] = []
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT") if kind == "postgresql" else None

    def new(name: str) -> str:
        if admin is None:
            return f"sqlite:///{tmp / (name + '.db')}"
        database = f"pt_bench_{os.getpid()}_{name}"
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'CREATE DATABASE "{database}"')
        made.append(database)
        return postgres_url.rsplit("/", 1)[0] + "/" + database

    try:
        yield new
    finally:
        if admin is not None:
            with admin.connect() as conn:
                for database in made:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            admin.dispose()


def seeded(url: str, shipments: int, log: Callable[[str], None]) -> tuple[Database, float]:
    db = Database(url, (DATA_KEY,))
    migrate.upgrade(db)
    started = time.perf_counter()
    seed(db, shipments, RulesSection(), seed=12)
    elapsed = time.perf_counter() - started
    log(f"seeded {shipments} shipments in {elapsed:.1f} s")
    return db, elapsed


def random_numbers(db: Database, count: int, commune_ids: list[int] | None = None) -> list[str]:
    shipments = table(Shipment)
    query = sa.select(shipments.c.tracking_no).order_by(sa.func.random()).limit(count)
    if commune_ids:
        query = query.where(shipments.c.commune_id.in_(commune_ids))
    with db.read() as conn:
        return list(conn.execute(query).scalars())


def scan_pool(db: Database, count: int) -> tuple[list[str], str]:
    """`count` parcels booked a minute ago in a commune of their own, and its postman's token."""
    summary = seed(db, count, RulesSection(), communes=1, days=0, seed=99)
    [commune_id] = summary.communes
    shipments, users, communes = table(Shipment), table(User), table(Commune)
    with db.read() as conn:
        numbers = list(
            conn.execute(
                sa.select(shipments.c.tracking_no).where(shipments.c.commune_id == commune_id).order_by(shipments.c.id)
            ).scalars()
        )
        code = conn.execute(sa.select(communes.c.code).where(communes.c.id == commune_id)).scalar_one()
        user = conn.execute(sa.select(users).where(users.c.username == f"postal-{code}")).one()
    token = issue_token(make_jwt_auth(SECRET, 600), Principal(user.id, user.username, Role.POSTAL, commune_id))
    return numbers, token


def scan_time() -> str:
    return (datetime.now(UTC) - timedelta(seconds=30)).isoformat()


def batch_rows(
    server: Server, db: Database, numbers: list[str], token: str, sizes: Sizes
) -> tuple[list[float], list[float]]:
    """Seconds of each batch of 1000 (all accepted), and of raw inserts of the same rows."""
    ours_s, floor_s = [], []
    for k in range(sizes.batches):
        chunk = numbers[k * 1000 : (k + 1) * 1000]
        ours_s.append(post_batch(server, chunk, token))
        floor_s.append(raw_inserts(db, chunk))
    return ours_s, floor_s


def post_batch(server: Server, numbers: list[str], token: str) -> float:
    """Seconds of one `POST /api/v1/scans/batch` picking up these parcels (all accepted)."""
    body = {"scans": [
        {"scan_id": str(uuid.uuid4()), "tracking_no": n, "event": "picked_up", "at": scan_time()} for n in numbers
    ]}  # fmt: skip
    started = time.perf_counter()
    answer = httpx.post(
        server.base + "/api/v1/scans/batch", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=120
    )
    seconds = time.perf_counter() - started
    answer.raise_for_status()
    outcomes = {r["outcome"] for r in answer.json()["results"]}
    assert outcomes == {"accepted"}, outcomes
    return seconds


def raw_inserts(db: Database, numbers: list[str]) -> float:
    """What the database itself needs for a batch: its events, scan records and status updates
    as three `executemany` in one transaction, through the bare driver."""
    shipments = table(Shipment)
    with db.read() as conn:
        parcels = conn.execute(
            sa.select(shipments.c.id, shipments.c.commune_id).where(shipments.c.tracking_no.in_(numbers))
        ).all()
    ids = [i for i, _ in parcels]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    mark = "?" if db.is_sqlite else "%s"
    events = [(i, c, "arrived_post_office", "EMG", "at_post_office", now, now, str(uuid.uuid4())) for i, c in parcels]
    records = [(str(uuid.uuid4()), now, "accepted", i, "{}", "{}") for i in ids]
    raw = db.engine.raw_connection()
    try:
        started = time.perf_counter()
        cursor = raw.cursor()
        if db.is_sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        marks = ", ".join([mark] * 8)
        cursor.executemany(
            "INSERT INTO events (shipment_id, commune_id, event, code, status, at, recorded_at, scan_id) "
            f"VALUES ({marks})",
            events,
        )
        marks = ", ".join([mark] * 6)
        cursor.executemany(
            f"INSERT INTO scan_records (scan_id, received_at, outcome, shipment_id, payload, result) VALUES ({marks})",
            records,
        )
        cursor.executemany(
            f"UPDATE shipments SET status = 'at_post_office', version = version + 1 WHERE id = {mark}",
            [(i,) for i in ids],
        )
        raw.commit()
        return time.perf_counter() - started
    finally:
        raw.close()


def last_month_and_quarter() -> tuple[str, str, datetime, datetime, datetime, datetime]:
    today = datetime.now(LOCAL_TZ).date()
    first = today.replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    quarter = (today.month - 1) // 3  # the quarter before this one, 0-based
    year = today.year if quarter else today.year - 1
    quarter = quarter or 4
    q_start = datetime(year, 3 * quarter - 2, 1, tzinfo=LOCAL_TZ)
    q_end = datetime(year + (quarter == 4), (3 * quarter) % 12 + 1, 1, tzinfo=LOCAL_TZ)
    m_start = datetime(previous.year, previous.month, 1, tzinfo=LOCAL_TZ)
    m_end = datetime(first.year, first.month, 1, tzinfo=LOCAL_TZ)
    return f"{previous:%Y-%m}", f"{year}-Q{quarter}", m_start, m_end, q_start, q_end


def timed(work: Callable[[], Any], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
        if times[-1] > 20:
            break
    return statistics.median(times)


def report_rows(db: Database, kind: str, sizes: Sizes, profiling: bool = False) -> list[Row]:
    from postal_tracker.reports.quarterly import every_commune, quarterly
    from postal_tracker.reports.service import monthly_report

    month, quarter, m_start, m_end, q_start, q_end = last_month_and_quarter()
    events, shipments, communes = table(EventRecord), table(Shipment), table(Commune)
    if kind == "postgresql":
        # As autovacuum leaves a database that has settled: without a VACUUM the visibility map
        # is empty and the floor's COUNT(*) reads the heap (11 s instead of 0.15 s for a quarter),
        # and the ratio says more about vacuum timing than about the report.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE)")
    with db.read() as conn:
        commune_id = conn.execute(
            sa.select(communes.c.id).where(communes.c.code.like("bench-%")).order_by(communes.c.id)
        ).scalars().first()  # fmt: skip
    assert commune_id is not None

    def count(start: datetime, end: datetime, commune: int | None) -> int:
        query = sa.select(sa.func.count()).select_from(events).where(events.c.at >= start, events.c.at < end)
        if commune is not None:
            query = query.select_from(events.join(shipments, shipments.c.id == events.c.shipment_id)).where(
                shipments.c.commune_id == commune
            )
        with db.read() as conn:
            return conn.execute(query).scalar_one()

    def quarterly_report() -> Any:
        with db.read() as conn:
            return quarterly(conn, every_commune(conn), quarter)

    rows = []
    cases = [
        ("monthly report", f"monthly report {month}, one commune", lambda: monthly_report(db, commune_id, month),
         lambda: count(m_start, m_end, commune_id), m_start, m_end, commune_id),
        ("quarterly report", f"quarterly report {quarter}, every commune", quarterly_report,
         lambda: count(q_start, q_end, None), q_start, q_end, None),
    ]  # fmt: skip
    for key, name, work, floor, start, end, commune in cases:
        seconds = timed(work, sizes.rounds)
        floor_s = timed(floor, sizes.rounds)
        ratio = seconds / floor_s
        limit = " and <= 2 s" if kind == "postgresql" else ""
        met = ratio <= 10 and (kind != "postgresql" or seconds <= 2)
        details: dict[str, Any] = {"events": count(start, end, commune)}
        if profiling and not met:
            details["profile"] = explain_report(db, work)
        rows.append(Row(
            name, kind, seconds, "s", floor_s, "COUNT(*) of its events", ratio, f"<= 10x{limit}", met, details, key,
        ))  # fmt: skip
    return rows


def report_statements(db: Database, work: Callable[[], Any]) -> list[tuple[str, Any, int, float]]:
    """The SELECTs one run of `work` sends through db.engine, as the driver got them: statement,
    parameters, how many times it was sent, and the seconds of its executions (to the driver's
    answer; SQLite reads the rows in the fetches after it)."""
    sent: dict[str, tuple[Any, int, float]] = {}
    started: list[float] = []

    def before(_conn: Any, _cursor: Any, statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        started.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        seconds = time.perf_counter() - started.pop()
        if many or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        first, times, total = sent.get(statement, (parameters, 0, 0.0))
        sent[statement] = (first, times + 1, total + seconds)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)
    try:
        work()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before)
        sa.event.remove(db.engine, "after_cursor_execute", after)
    return [(statement, parameters, times, total) for statement, (parameters, times, total) in sent.items()]


def explain_report(db: Database, work: Callable[[], Any], plan_lines: int = 40) -> list[str]:
    """Each SELECT of one run of the report and its plan, through the same driver with the same
    parameters: `EXPLAIN (ANALYZE, BUFFERS)` on PostgreSQL, on SQLite `EXPLAIN QUERY PLAN` and the
    statement's time (run again, rows fetched). A statement sent several times: its first
    parameters."""
    statements = report_statements(db, work)
    total_s = sum(sent_s for *_, sent_s in statements)
    lines = [f"{len(statements)} distinct SELECT statements in one run of the report ({total_s:.3f} s), slowest first"]
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        numbered = sorted(enumerate(statements, 1), key=lambda item: -item[1][3])
        for n, (statement, parameters, times, sent_s) in numbered:
            sql = " ".join(statement.split())
            sql = sql if len(sql) <= 300 else f"{sql[:140]} … {sql[-160:]}"  # a WITH's head and its SELECT's end
            if db.is_sqlite:
                started = time.perf_counter()
                cursor.execute(statement, parameters)
                fetched = len(cursor.fetchall())
                seconds = time.perf_counter() - started
                cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
                depth: dict[int, int] = {0: 0}
                plan = []
                for node, parent, _, detail in cursor.fetchall():
                    depth[node] = depth.get(parent, 0) + 1
                    plan.append("  " * depth[node] + detail)
                head = f"{seconds:.3f} s, {fetched} rows"
            else:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = ["  " + row[0] for row in cursor.fetchall()]
                head = next((line.strip() for line in reversed(plan) if "Execution Time" in line), "")
            lines.append(f"statement {n} of {len(statements)} (sent {times}x, {sent_s:.3f} s in the report; {head}):")
            lines.append(f"  {sql}")
            if len(plan) > plan_lines:
                ends = ("Planning Time", "JIT:", "Functions:", "Timing:", "Execution Time")
                kept = [line for line in plan[plan_lines - 4 :] if line.strip().startswith(ends)]
                plan = [*plan[: plan_lines - 4], f"  … {len(plan) - plan_lines + 4 - len(kept)} plan lines left out"]
                plan += kept
            lines += plan
    finally:
        raw.rollback()
        raw.close()
    return lines


# --- the rows -----------------------------------------------------------------------------------


def http_rows(kind: str, sizes: Sizes, tmp: Path, postgres_url: str, redis_url: str | None, profiling: bool,
              log: Callable[[str], None]) -> list[Row]:  # fmt: skip
    workers = 1 if kind == "sqlite" else 2
    rows: list[Row] = []
    profiles: dict[str, list[str]] = {}  # by row key
    with fresh_databases(kind, tmp, postgres_url) as new_database:
        big_url, small_url = new_database("big"), new_database("small")
        big, seed_s = seeded(big_url, sizes.shipments, log)
        rows.append(Row(f"bench seed, {sizes.shipments:,} shipments", kind, seed_s, "s", goal="< 120 s",
                        met=seed_s < 120 if sizes.shipments >= 1_000_000 else None, key="bench seed"))  # fmt: skip
        small, _ = seeded(small_url, sizes.small, log)
        numbers = random_numbers(big, 2000)
        small_numbers = random_numbers(small, 2000)
        # --profile: 1000 parcels more, for one batch under py-spy; the measured rows get the same.
        extra = 1000 if profiling else 0
        pool, token = scan_pool(big, sizes.scan_pool + extra)
        log(f"{len(pool)} parcels booked for the scans")
        batch_numbers, profiled_batch = pool[: 1000 * sizes.batches], pool[1000 * sizes.batches :][:extra]
        single = pool[1000 * sizes.batches + extra :]
        half = len(single) // 2 if kind == "postgresql" else len(single)
        single, sustained = single[:half], single[half:]
        track_lua = TRACK_LUA % ",".join(f'"{n}"' for n in numbers)
        small_lua = TRACK_LUA % ",".join(f'"{n}"' for n in small_numbers)

        def scan_lua(parcels: list[str]) -> str:
            return SCAN_LUA % (",".join(f'"{n}"' for n in parcels), scan_time(), token)

        with floor_app(workers, tmp) as bare:
            bare_health = wrk(bare.base + "/health", sizes.seconds, None, tmp)
        with ours(big_url, workers, tmp, redis_url, f"{kind}-big") as server:
            health = wrk(server.base + "/health", sizes.seconds, None, tmp)
            track = wrk(server.base + "/", sizes.seconds, track_lua, tmp)
            scans = wrk(server.base + "/", sizes.seconds, scan_lua(single), tmp)
            log(f"health {health['rate']:.0f}/s, track {track['rate']:.0f}/s, scans {scans['rate']:.0f}/s")
            batch_s, batch_floor_s = batch_rows(server, big, batch_numbers, token, sizes)
            sustained_run = None
            if kind == "postgresql":
                sustained_run = wrk(server.base + "/", sizes.sustained, scan_lua(sustained), tmp)
            met = {
                "GET /health": health["rate"] >= 0.7 * bare_health["rate"],
                "GET /api/v1/track/{no}": track["rate"] >= 0.3 * health["rate"] and track["p99_ms"] < 50,
                "POST /api/v1/scans": scans["rate"] >= 0.1 * health["rate"] and scans["p99_ms"] < 100
                and not scans["non_2xx"],
                "POST /api/v1/scans/batch of 1000": statistics.median(batch_s) <= 0.5,
                "scans sustained": sustained_run is None or (
                    sustained_run["rate"] >= 10 * NATIONAL_PEAK
                    and sustained_run["non_2xx"] + sustained_run["socket_errors"] == 0
                ),
            }  # fmt: skip
            if profiling:
                profile_s = min(sizes.seconds, 8)
                if not met["GET /health"]:
                    profiles["GET /health"] = profile(
                        server, lambda: wrk(server.base + "/health", profile_s, None, tmp), tmp, profile_s
                    )
                if not met["GET /api/v1/track/{no}"]:
                    profiles["GET /api/v1/track/{no}"] = profile(
                        server, lambda: wrk(server.base + "/", profile_s, track_lua, tmp), tmp, profile_s
                    )
                if not met["POST /api/v1/scans"] or not met["scans sustained"]:
                    rest = sustained if kind == "postgresql" else single[len(single) // 2 :]
                    profiles["POST /api/v1/scans"] = profile(
                        server, lambda: wrk(server.base + "/", profile_s, scan_lua(rest), tmp), tmp, profile_s
                    )
                    # The sustained run sends the same requests for longer: the same profile.
                    profiles["scans sustained"] = (
                        ["the profile of POST /api/v1/scans above: the same requests, for longer"]
                        if not met["POST /api/v1/scans"]
                        else ["py-spy of single scans (the same requests as the sustained run):",
                              *profiles["POST /api/v1/scans"]]
                    )  # fmt: skip
                if not met["POST /api/v1/scans/batch of 1000"]:
                    batch_profile_s = min(30, int(2 * max(batch_s)) + 2)
                    profiles["POST /api/v1/scans/batch of 1000"] = [
                        f"one more batch of 1000 (fresh parcels) under py-spy for {batch_profile_s} s:",
                        *profile(server, lambda: post_batch(server, profiled_batch, token), tmp, batch_profile_s),
                    ]
        with ours(small_url, workers, tmp, redis_url, f"{kind}-small") as server:
            small_track = wrk(server.base + "/", sizes.seconds, small_lua, tmp)
        reports = report_rows(big, kind, sizes, profiling)
        big.dispose()
        small.dispose()

    def http(name: str, run: dict[str, float], floor: dict[str, float], label: str, goal: str) -> Row:
        return Row(name, kind, run["rate"], "req/s", floor["rate"], label, run["rate"] / floor["rate"], goal,
                   met[name], {**run, "workers": workers}, key=name)  # fmt: skip

    rows += [
        http("GET /health", health, bare_health, "bare Litestar /health", ">= 0.7x"),
        http("GET /api/v1/track/{no}", track, health, "our /health", ">= 0.3x, p99 < 50 ms"),
        http("POST /api/v1/scans", scans, health, "our /health", ">= 0.1x, p99 < 100 ms"),
    ]  # fmt: skip
    batch = statistics.median(batch_s)
    batch_floor = statistics.median(batch_floor_s)
    rows.append(Row("POST /api/v1/scans/batch of 1000", kind, batch, "s", batch_floor, "raw inserts of the same rows",
                    batch / batch_floor, "<= 0.5 s", met["POST /api/v1/scans/batch of 1000"],
                    {"runs_s": batch_s, "floor_runs_s": batch_floor_s}, key="POST /api/v1/scans/batch of 1000"))
    if sustained_run is not None:
        rows.append(Row(
            f"scans sustained {sizes.sustained} s, {workers} workers", kind, sustained_run["rate"], "req/s",
            NATIONAL_PEAK, "national peak 120/s", sustained_run["rate"] / NATIONAL_PEAK, ">= 10x, zero errors",
            met["scans sustained"], sustained_run, key="scans sustained",
        ))  # fmt: skip
    # The scale row compares time per lookup: the 10k database's rate over the 1M one's.
    slowdown = small_track["rate"] / track["rate"]
    rows.append(Row(
        f"track at {sizes.shipments:,} vs {sizes.small:,} shipments", kind, track["rate"], "req/s",
        small_track["rate"], f"track at {sizes.small:,}", slowdown, "<= 1.2x (time per lookup)", slowdown <= 1.2,
        {"big": track, "small": small_track}, key="track at scale",
    ))  # fmt: skip
    rows += reports
    if profiling:
        profiles["bench seed"] = [
            "no profile taken: time `postal-tracker bench seed` under `py-spy record --` and compare the load",
            "with the index and foreign-key builds after it (benchseed.py)",
        ]
        profiles["track at scale"] = [
            "no profile of its own: compare EXPLAIN of the lookup statement on the two databases",
            "(an index not used at 1M shows as a scan), and the profile of GET /api/v1/track/{no}",
        ]
    for row in rows:
        if row.met is False and row.key in profiles:
            row.details["profile"] = profiles[row.key]
    return rows


def label_rows(sizes: Sizes) -> list[Row]:
    sys.path.insert(0, str(ROOT / "bench"))
    from labels_bench import BATCH, render_floor, sample_labels
    from labels_bench import timed as timed_render

    from labels import render_labels, render_zpl

    labels = sample_labels(BATCH)
    render_labels(labels[:4], "a6")  # fonts are registered once a process
    floor_t, pdf_t, zpl_t = [], [], []
    for _ in range(sizes.rounds + 2):
        floor_t.append(timed_render(render_floor, labels)[0])
        pdf_t.append(timed_render(lambda batch: render_labels(batch, "a6"), labels)[0])
        zpl_t.append(timed_render(render_zpl, labels)[0])
    floor = BATCH / statistics.median(floor_t)
    pdf, zpl = BATCH / statistics.median(pdf_t), BATCH / statistics.median(zpl_t)
    return [
        Row(f"{BATCH} A6 labels into one PDF", "-", pdf, "labels/s", floor, "reportlab, the same text", pdf / floor,
            ">= 300/s", pdf >= 300, key="A6 labels into one PDF"),
        Row(f"{BATCH} labels as ZPL", "-", zpl, "labels/s", floor, "reportlab, the same text", zpl / floor,
            ">= 5,000/s", zpl >= 5000, key="labels as ZPL"),
    ]  # fmt: skip


def print_table(rows: list[Row]) -> None:
    def figure(value: float | None, unit: str = "") -> str:
        if value is None:
            return "-"
        text = f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
        return f"{text} {unit}".strip()

    header = (f"| {'workload':<44} | {'db':<10} | {'ours':>14} | {'p99':>7} | {'floor':>13} | {'ratio':>6} "
              f"| {'goal':<26} | met |")  # fmt: skip
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    for r in rows:
        floor_unit = "/s" if r.unit in ("req/s", "labels/s") else r.unit
        met = "-" if r.met is None else "yes" if r.met else "NO"
        p99 = f"{r.details['p99_ms']:.0f} ms" if "p99_ms" in r.details else ""
        print(
            f"| {r.workload:<44} | {r.database:<10} | {figure(r.value, r.unit):>14} | {p99:>7} | "
            f"{figure(r.floor, floor_unit):>13} | {figure(r.ratio):>6} | {r.goal:<26} | {met:<3} |"
        )
    # Each goal not met: the profile of each database where it is not, then once what was tried.
    notes = read_notes()
    unmet = [r for r in rows if r.met is False]
    for key in dict.fromkeys(key_of(r, notes) for r in unmet):
        for r in (r for r in unmet if key_of(r, notes) == key):
            print(f"\nprofile of {r.workload} on {r.database} (goal not met):")
            print("\n".join(r.details.get("profile") or ["(none recorded: scripts/bench --profile)"]))
        print(f"\nwhere the time goes and what was tried, {key or 'this row'} (bench/NOTES.md):")
        print(notes.get(key, "(no section in bench/NOTES.md)"))


def read_notes() -> dict[str, str]:
    """bench/NOTES.md by section: `## <key>` and the text under it."""
    sections: dict[str, list[str]] = {}
    lines: list[str] = []
    for line in NOTES.read_text().splitlines() if NOTES.exists() else []:
        if line.startswith("## "):
            lines = sections.setdefault(line[3:].strip(), [])
        elif sections:
            lines.append(line)
    return {key: "\n".join(text).strip() for key, text in sections.items()}


def key_of(row: Row, notes: dict[str, str]) -> str:
    """The row's key; for a row written before keys (`--show` of an older latest.json), the
    longest section title its workload starts with."""
    if row.key:
        return row.key
    return max((key for key in notes if row.workload.startswith(key)), key=len, default="")


def redis_answers(url: str) -> bool:
    try:
        from redis import Redis

        return bool(Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1).ping())
    except Exception:  # no Redis here: the PostgreSQL rows run without it
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small databases, short runs (not the README's figures)")
    parser.add_argument("--only", choices=["sqlite", "postgresql", "labels"], action="append")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "POSTAL_TRACKER_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--redis-url", default=os.environ.get("POSTAL_TRACKER_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"))
    parser.add_argument("--profile", action="store_true", help="profile each row whose goal is not met")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--show", action="store_true", help="print the table of the last results (--out) again")
    args = parser.parse_args()
    if args.show:
        print_table([Row(**row) for row in json.loads(args.out.read_text())["rows"]])
        return 0
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install -y wrk")
    sizes = QUICK if args.quick else FULL
    parts = args.only or ["sqlite", "postgresql", "labels"]
    redis_url = args.redis_url if redis_answers(args.redis_url) else None
    started = time.perf_counter()

    def log(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.0f} s] {line}", file=sys.stderr, flush=True)

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("sqlite", "postgresql"):
            if kind in parts:
                log(f"{kind}: seeding")
                rows += http_rows(kind, sizes, Path(folder), args.postgres_url, redis_url, args.profile, log)
        if "labels" in parts:
            rows += label_rows(sizes)
    print_table(rows)
    load = os.getloadavg()
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"), "quick": args.quick, "sizes": sizes.__dict__,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                    "load_average_at_end": load},
        "redis": bool(redis_url), "rows": [r.__dict__ for r in rows],
    }  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"\n{sum(r.met is True for r in rows)} of {sum(r.met is not None for r in rows)} goals met; "
          f"load average {load[0]:.1f} on {os.cpu_count()} cores; written to {args.out}")  # fmt: skip
    return 0 if all(r.met is not False for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
