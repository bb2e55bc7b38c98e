"""Health, readiness, OpenAPI, settings that refuse to start, logs without personal data."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import timedelta
from pathlib import Path

import pytest

from postal_tracker.app import create_app
from postal_tracker.db import Database
from postal_tracker.delivery.service import DeliveryConfig
from postal_tracker.logs import JsonFormatter
from postal_tracker.settings import DeliverySection, RulesSection, Settings, SettingsError, known_variables
from tests.builders import book, settings_from, walk


def test_health_and_ready(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}


def test_ready_says_503_when_the_database_is_unreachable(settings):
    from litestar.testing import TestClient

    unreachable = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with TestClient(create_app(settings, unreachable)) as client:
        answer = client.get("/ready")
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_openapi_lists_the_contract_paths(client):
    paths = client.get("/schema/openapi.json").json()["paths"]
    expected = {
        "/api/v1/pickups",
        "/api/v1/scans",
        "/api/v1/scans/batch",
        "/api/v1/track/{tracking_no}",
        "/api/v1/shipments/{tracking_no}",
        "/api/v1/dossiers/{dossier_id}/return",
        "/api/v1/handovers",
    }
    assert expected <= set(paths)


def test_unknown_path_is_a_404_problem(client):
    answer = client.get("/api/v1/nothing-here")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("secret", ["change-me", "short"])
def test_placeholder_or_short_jwt_secrets_are_refused(secret):
    with pytest.raises(SettingsError):
        settings_from(DATABASE_URL="sqlite:///x.db", JWT_SECRET=secret).with_jwt_secret()


def test_postgres_without_a_secret_refuses_to_start():
    with pytest.raises(SettingsError, match="required"):
        settings_from(DATABASE_URL="postgresql+psycopg://u@h/db").with_jwt_secret()


def test_sqlite_generates_and_keeps_its_own_secret(tmp_path):
    settings = settings_from(DATABASE_URL=f"sqlite:///{tmp_path / 'a.db'}")
    first = settings.with_jwt_secret().auth.jwt_secret
    assert len(first) >= 32 and settings.with_jwt_secret().auth.jwt_secret == first


def test_each_section_reads_its_variables():
    settings = settings_from(
        DATABASE_URL="postgresql+psycopg://u@h/db", JWT_SECRET="s" * 40, JWT_TTL_MINUTES=30,
        PUBLIC_BASE_URL="https://buudien.example/", PUBLIC_RATE_LIMIT=5, SIGN_IN_RATE_LIMIT=4, MAX_BODY_BYTES=1000,
        MAX_DELIVERY_ATTEMPTS=5, SERVICE_INDICATOR="RB", SCAN_CLOCK_SKEW_SECONDS=60,
        WEBHOOK_URL="https://desk.example/hooks", WEBHOOK_SECRET="whsec_x", WEBHOOK_TIMEOUT_SECONDS=2.5,
        WEBHOOK_MAX_DELAY_SECONDS=30, OUTBOX_DEAD_AFTER_HOURS=1, DELIVERY_WORKER="false",
        SMS_PROVIDER="http", SMS_URL="https://sms.example/send", SMS_METHOD="put", SMS_UNACCENTED="yes",
        SMS_SUCCESS_FIELD="code", SMS_SUCCESS_VALUES="0, 00,", SMS_TIMEOUT=4, SMS_MAX_AGE_HOURS=6,
        TRANSIT_WORKING_DAYS=2, REATTEMPT_WORKING_DAYS=3,
        GEOCODER="nominatim", GEOCODER_INTERVAL=0, LOG_LEVEL="warning",
    )  # fmt: skip
    assert settings.database.url == "postgresql+psycopg://u@h/db" and not settings.is_sqlite
    assert (settings.auth.jwt_secret, settings.auth.jwt_ttl_minutes) == ("s" * 40, 30)
    assert settings.public.tracking_url("RR123456785VN") == "https://buudien.example/track?no=RR123456785VN"
    public = settings.public
    assert (public.rate_limit, public.sign_in_rate_limit, public.max_body_bytes) == (5, 4, 1000)
    assert settings.rules == RulesSection(5, "RB", scan_clock_skew_seconds=60, transit_working_days=2,
                                          reattempt_working_days=3)  # fmt: skip
    assert settings.rules.scan_clock_skew == timedelta(minutes=1)
    assert settings.delivery == DeliverySection("https://desk.example/hooks", "whsec_x", 2.5, 30.0, 1.0, worker=False)
    sms = settings.sms
    assert (sms.provider, sms.url, sms.method, sms.unaccented) == ("http", "https://sms.example/send", "PUT", True)
    assert (sms.success_values, sms.timeout, sms.max_age_hours, sms.auth_header) == (("0", "00"), 4.0, 6.0, None)
    assert (settings.geocoding.provider, settings.geocoding.interval) == ("nominatim", 0.0)
    assert settings.logging.level == "WARNING"


def test_no_variables_mean_the_documented_defaults():
    settings = Settings.from_env({"POSTAL_TRACKER_WEBHOOK_URL": "", "PATH": "/usr/bin"})  # empty: the default
    assert settings == Settings()
    assert settings.database.url == "sqlite:///postal-tracker.db" and settings.rules.max_delivery_attempts == 3
    assert settings.delivery.worker and settings.sms.provider == "log" and settings.geocoding.provider == "off"


def test_an_unknown_variable_stops_the_start_naming_it_and_the_closest_name():
    with pytest.raises(SettingsError, match=r"POSTAL_TRACKER_MAX_DELIVERY_ATTEMPT\b.*did you mean "
                                            r"POSTAL_TRACKER_MAX_DELIVERY_ATTEMPTS\?"):  # fmt: skip
        Settings.from_env({"POSTAL_TRACKER_MAX_DELIVERY_ATTEMPT": "5"})
    with pytest.raises(SettingsError, match=r"unknown setting POSTAL_TRACKER_SMS_PROVDER.*POSTAL_TRACKER_SMS_PROVIDER"):
        Settings.from_env({"POSTAL_TRACKER_SMS_PROVDER": "http"})
    with pytest.raises(SettingsError, match=r"unknown setting POSTAL_TRACKER_ZZZ; known: .*_DATABASE_URL"):
        Settings.from_env({"POSTAL_TRACKER_ZZZ": "1"})
    # The test suite's own variables are not settings.
    assert Settings.from_env({"POSTAL_TRACKER_TEST_POSTGRES_URL": "postgresql://x"}) == Settings()


@pytest.mark.parametrize(
    ("variable", "value", "why"),
    [
        ("POSTAL_TRACKER_PUBLIC_RATE_LIMIT", "lots", "must be a number, not 'lots'"),
        ("POSTAL_TRACKER_MAX_DELIVERY_ATTEMPTS", "2.5", "must be a number"),
        ("POSTAL_TRACKER_MAX_DELIVERY_ATTEMPTS", "0", "must be at least 1"),
        ("POSTAL_TRACKER_WEBHOOK_TIMEOUT_SECONDS", "soon", "must be a number"),
        ("POSTAL_TRACKER_WEBHOOK_TIMEOUT_SECONDS", "-1", "must be positive"),
        ("POSTAL_TRACKER_SCAN_CLOCK_SKEW_SECONDS", "-5", "must not be negative"),
        ("POSTAL_TRACKER_DELIVERY_WORKER", "maybe", "must be 1 or 0"),
        ("POSTAL_TRACKER_SMS_PROVIDER", "pigeon", "must be one of log, http"),
        ("POSTAL_TRACKER_LOG_LEVEL", "loud", "must be one of DEBUG"),
        ("POSTAL_TRACKER_SERVICE_INDICATOR", "R1", "must be two capital letters"),
        ("POSTAL_TRACKER_PUBLIC_BASE_URL", "buudien.example", "must start with http"),
        ("POSTAL_TRACKER_DATABASE_URL", "mysql://h/db", "must be sqlite"),
    ],
)
def test_a_bad_value_stops_the_start_naming_the_variable(variable, value, why):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: value})
    assert str(refused.value).startswith(f"{variable} {why}")


def test_unusable_sms_or_webhook_settings_are_refused():
    for bad in ({"SMS_PROVIDER": "http"}, {"WEBHOOK_URL": "desk.example/hooks", "WEBHOOK_SECRET": "whsec_x"}):
        with pytest.raises(SettingsError, match=r"POSTAL_TRACKER_(SMS|WEBHOOK)"):
            DeliveryConfig.from_settings(settings_from(**bad))


def test_every_variable_is_in_the_readme():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    # Written in full, or shortened to `..._NAME` / `_NAME` in a list of several.
    names = re.findall(r"`(?:POSTAL_TRACKER|\.\.\.)?(_[A-Z_]*[A-Z])`", readme)
    assert set(known_variables()) - {"POSTAL_TRACKER" + name for name in names} == set()


def test_logs_carry_no_personal_data(world):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("postal_tracker")
    logger.addHandler(handler)
    old_level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        number = book(world)["shipment"]["tracking_no"]
        walk(world, number, "picked_up")
        world.client.get(f"/api/v1/track/{number}?phone_last4=5678")
        world.client.post("/api/v1/pickups", json={"applicant": {"full_name": "Nguyễn Thị Hằng"}},
                          headers=world.headers("clerk"))  # fmt: skip
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
    for secret in ("Nguyễn", "Hằng", "0912345678", "912345678", "079123456789", "Số 12"):
        assert secret not in stream.getvalue()


def test_each_request_writes_one_access_line_without_its_query_string(world):
    number = book(world)["shipment"]["tracking_no"]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    access = logging.getLogger("postal_tracker.access")
    access.addHandler(handler)
    try:
        world.client.get(f"/api/v1/track/{number}?phone_last4=5678")
        world.client.get("/api/v1/track/không-có")
    finally:
        access.removeHandler(handler)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", f"/api/v1/track/{number}", 200),
        ("GET", "/api/v1/track/không-có", 422),
    ]
    assert all(line["logger"] == "postal_tracker.access" and line["ms"] >= 0 for line in lines)
    assert "phone_last4" not in stream.getvalue()
    assert "không-có" in stream.getvalue()  # UTF-8 as it is, not \\u escapes


def test_a_client_hanging_up_mid_body_is_not_a_server_error():
    from litestar.exceptions import InternalServerException

    from postal_tracker.errors import CLIENT_GONE, problem_of

    assert problem_of(InternalServerException(CLIENT_GONE))["status"] == 400
    assert problem_of(InternalServerException("something else"))["status"] == 500


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("GET", "/api/v1/reports/daily?date=9999-12-31", None, "date"),
        ("GET", "/api/v1/reports/monthly?month=9999-12", None, "month"),
        ("POST", "/api/v1/auth/token", {"username": "thu\u0000", "password": "x"}, "username"),
    ],
)
def test_values_the_database_cannot_take_are_4xx(world, method, path, body, field):
    answer = world.client.request(method, path, json=body, headers=world.headers("supervisor"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == field
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_nul_character_in_a_filter_is_refused_naming_it(world):
    # Refused before any database sees it: PostgreSQL cannot store NUL, SQLite would just find nothing.
    answer = world.client.get("/api/v1/shipments?hamlet=P%00LANG", headers=world.headers("clerk"))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "hamlet"


def test_on_postgresql_a_dropped_connection_is_one_503_then_a_pause_is_pinged_through(empty_database_url):
    """The pool pings only connections that slept (db.py, IDLE_PING_S): a connection the database
    dropped a moment after its last use fails one request, answered 503 with Retry-After, and the
    next is served; after a pause the dead connection is found by the ping and replaced unseen."""
    import time

    import sqlalchemy as sa
    from litestar.testing import TestClient

    from postal_tracker import migrate
    from postal_tracker.db import IDLE_PING_S
    from tests.conftest import POSTGRES_URL, TEST_DATA_KEY, TEST_JWT_SECRET

    if not empty_database_url.startswith("postgresql"):
        pytest.skip("SQLite has no connection to drop")
    db = Database(empty_database_url, (TEST_DATA_KEY,))
    migrate.upgrade(db)
    name = empty_database_url.rsplit("/", 1)[1]
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")

    def drop_connections() -> None:
        with admin.connect() as conn:
            killed = conn.execute(
                sa.text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = :name"),
                {"name": name},
            ).scalar_one()
        assert killed >= 1

    unknown = "/api/v1/track/RR123456785VN"
    settings = settings_from(
        DATABASE_URL=empty_database_url, JWT_SECRET=TEST_JWT_SECRET, DATA_KEY=TEST_DATA_KEY, DELIVERY_WORKER=0
    )
    app = create_app(settings, db)
    try:
        with TestClient(app) as client:
            assert client.get(unknown).status_code == 404  # a connection in the pool now
            drop_connections()
            lost = client.get(unknown)
            assert lost.status_code == 503 and lost.headers["retry-after"] == "1", lost.text
            assert lost.json()["detail"] == "the database connection was lost: try again"
            assert client.get(unknown).status_code == 404  # the pool was renewed
            drop_connections()
            time.sleep(IDLE_PING_S + 0.5)
            assert client.get(unknown).status_code == 404  # pinged, found dead, replaced
    finally:
        db.dispose()
        admin.dispose()


def test_database_sessions_are_set_up_for_long_reads(database):
    """PostgreSQL compiles no plans (the reports' cost more to JIT-compile than to run); SQLite
    reads the file through a memory map (db.py)."""
    with database.read() as conn:
        if database.engine.dialect.name == "postgresql":
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
        else:
            assert conn.exec_driver_sql("PRAGMA mmap_size").scalar() >= 2**30
