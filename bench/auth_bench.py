"""What checking the account on every request costs: ``python bench/auth_bench.py [--postgres URL]``.

Every bearer token or session cookie is checked against its user's row (active, role, commune,
token version: one primary-key read, `accounts.service.principal_for_user`), so a disabled
account, a new password or a changed role applies on the next request in every process. This
measures that read on a fresh SQLite file (WAL) and, given a URL, on PostgreSQL:

- decode: verifying and decoding the JWT alone (what a request paid before),
- lookup: the primary-key read of the user, as each request now does it,
- thread hop: handing that read to a worker thread (the middleware is async),
- request: `GET /api/v1/auth/me` through the whole app in process (ASGI, no network).

Figures are medians of 5 rounds, in microseconds per call.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import anyio
import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from postal_tracker import migrate
from postal_tracker.accounts.auth import issue_token, principal_for_claims
from postal_tracker.accounts.service import Principal, Role, create_user
from postal_tracker.app import create_app
from postal_tracker.db import Database
from postal_tracker.settings import Settings

SECRET = "bench-secret-" + "x" * 40
CALLS = 3000
ROUNDS = 5


def per_call_us(fn, calls: int = CALLS) -> float:
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - started) / calls * 1e6)
    return statistics.median(rounds)


def measure(url: str) -> dict[str, float]:
    db = Database(url)
    migrate.upgrade(db)
    with db.read() as conn:
        commune_id = conn.execute(sa.text("SELECT min(id) FROM communes")).scalar_one()
    name = f"bench-{uuid.uuid4().hex[:8]}"
    user_id = create_user(db, commune_id, name, "clerk", "bench-password")
    settings = Settings.from_env(
        {"POSTAL_TRACKER_DATABASE_URL": url, "POSTAL_TRACKER_JWT_SECRET": SECRET, "POSTAL_TRACKER_DELIVERY_WORKER": "0"}
    )
    app = create_app(settings, db)
    auth = app.state.jwt_auth
    raw = issue_token(auth, Principal(user_id, name, Role.CLERK, commune_id))
    token = auth.token_cls.decode(raw, secret=auth.token_secret, algorithm=auth.algorithm)
    assert principal_for_claims(db, token) is not None

    async def hops(count: int) -> None:
        for _ in range(count):
            await anyio.to_thread.run_sync(lambda: None)

    async def requests(count: int) -> float:
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {raw}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
            rounds = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                for _ in range(count):
                    await client.get("/api/v1/auth/me", headers=headers)
                rounds.append((time.perf_counter() - started) / count * 1e6)
            health = []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                for _ in range(count):
                    await client.get("/health")
                health.append((time.perf_counter() - started) / count * 1e6)
        return statistics.median(rounds), statistics.median(health)

    figures = {
        "decode": per_call_us(lambda: auth.token_cls.decode(raw, secret=auth.token_secret, algorithm=auth.algorithm)),
        "lookup": per_call_us(lambda: principal_for_claims(db, token)),
        "thread hop": statistics.median(
            [_timed(lambda: asyncio.run(hops(CALLS))) / CALLS * 1e6 for _ in range(ROUNDS)]
        ),
    }
    me, health = asyncio.run(requests(CALLS // 3))
    figures["request /auth/me"], figures["request /health"] = me, health
    db.dispose()
    return figures


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="postgresql+psycopg://user@host/db: a server to make a scratch database on")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["SQLite"] = measure(f"sqlite:///{Path(folder) / 'bench.db'}")
    if args.postgres:
        # A database of its own, dropped afterwards: the server's others are left alone.
        server = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        name = f"pt_auth_bench_{uuid.uuid4().hex[:8]}"
        with server.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            results["PostgreSQL"] = measure(args.postgres.rsplit("/", 1)[0] + "/" + name)
        finally:
            with server.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            server.dispose()
    names = list(next(iter(results.values())))
    print(f"{'µs per call (median of 5)':<28}" + "".join(f"{backend:>14}" for backend in results))
    for name in names:
        print(f"{name:<28}" + "".join(f"{figures[name]:>14.1f}" for figures in results.values()))


if __name__ == "__main__":
    main()
