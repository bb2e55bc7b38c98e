"""Schemathesis on a bounded budget, as part of the suite (issue 9, item 8): every operation of
the app's own OpenAPI document, with requests generated from it (valid ones and ones that break
the schema), sent in-process by every principal; no answer may be a 5xx.

It runs on a SQLite file of its own, with a commune, its users, a key and a few parcels, so that
generated requests meet real data. `POSTAL_TRACKER_TEST_FUZZ_EXAMPLES` (default 6 per
operation and mode) bounds it to about a minute on two busy cores; `scripts/fuzz` runs longer
against a real server, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from postal_tracker import migrate
from postal_tracker.app import create_app
from postal_tracker.db import Database
from tests.builders import pickup_body, scan_body, settings_from
from tests.conftest import TEST_JWT_SECRET, make_world

EXAMPLES = int(os.environ.get("POSTAL_TRACKER_TEST_FUZZ_EXAMPLES", "6"))
PRINCIPALS = ("anonymous", "clerk", "postal", "supervisor", "admin", "integration")


def test_no_generated_request_gets_a_server_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'fuzz.db'}"
    database = Database(url)
    migrate.upgrade(database)
    app = create_app(settings_from(
        DATABASE_URL=url, JWT_SECRET=TEST_JWT_SECRET, PUBLIC_RATE_LIMIT=10**6, SIGN_IN_RATE_LIMIT=10**6,
        DELIVERY_WORKER=0,
    ), database)  # fmt: skip
    world = make_world(database, TestClient(app=app))
    for _ in range(3):  # parcels, for the ids and numbers a generated request may hit
        booked = world.client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk")).json()
        number = booked["shipment"]["tracking_no"]
        world.client.post("/api/v1/scans", json=scan_body(number, "picked_up"), headers=world.headers("postal"))
    credentials = {who: {} if who == "anonymous" else world.headers(who) for who in PRINCIPALS}
    schema = schemathesis.openapi.from_asgi("/schema/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40
    cases = {"count": 0}
    errors: list[str] = []

    for operation in operations:
        strategy = st.one_of(
            operation.as_strategy(schemathesis.GenerationMode.POSITIVE),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        )

        @settings(max_examples=2 * EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=strategy)
        def no_server_error(case: schemathesis.Case) -> None:
            for who, headers in credentials.items():
                cases["count"] += 1
                response = case.call(headers={**(case.headers or {}), **headers})
                assert response.status_code < 500, (who, case.method, case.formatted_path, response.text[:300])

        try:
            no_server_error()
        except AssertionError as exc:
            errors.append(f"{operation.method.upper()} {operation.path}: {exc}")
    print(f"fuzz: {len(operations)} operations, {cases['count']} requests, {len(errors)} failing")
    assert errors == []
    database.dispose()
