"""Health, readiness, OpenAPI, settings that refuse to start, logs without personal data."""

from __future__ import annotations

import io
import logging

import pytest

from postal_tracker.app import create_app
from postal_tracker.db import Database
from postal_tracker.logs import JsonFormatter
from postal_tracker.settings import Settings, SettingsError
from tests.api.test_booking import book, walk


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
        Settings(database_url="sqlite:///x.db", jwt_secret=secret).with_jwt_secret()


def test_postgres_without_a_secret_refuses_to_start():
    with pytest.raises(SettingsError, match="required"):
        Settings(database_url="postgresql+psycopg://u@h/db").with_jwt_secret()


def test_sqlite_generates_and_keeps_its_own_secret(tmp_path):
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")
    first = settings.with_jwt_secret().jwt_secret
    assert len(first) >= 32 and settings.with_jwt_secret().jwt_secret == first


def test_settings_from_environment():
    settings = Settings.from_env({"POSTAL_TRACKER_MAX_DELIVERY_ATTEMPTS": "5", "POSTAL_TRACKER_SMS_PROVIDER": "log"})
    assert settings.max_delivery_attempts == 5 and settings.extra == {"sms_provider": "log"}
    with pytest.raises(SettingsError):
        Settings.from_env({"POSTAL_TRACKER_PUBLIC_RATE_LIMIT": "lots"})


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


def test_a_client_hanging_up_mid_body_is_not_a_server_error():
    from litestar.exceptions import InternalServerException

    from postal_tracker.errors import CLIENT_GONE, problem_of

    assert problem_of(InternalServerException(CLIENT_GONE))["status"] == 400
    assert problem_of(InternalServerException("something else"))["status"] == 500


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/api/v1/reports/daily?date=9999-12-31", None),
        ("GET", "/api/v1/reports/monthly?month=9999-12", None),
        ("POST", "/api/v1/auth/token", {"username": "thu\u0000", "password": "x"}),
    ],
)
def test_values_the_database_cannot_take_are_4xx(world, method, path, body):
    answer = world.client.request(method, path, json=body, headers=world.headers("supervisor"))
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_nul_character_in_a_filter_is_never_a_server_error(world):
    # PostgreSQL refuses NUL (422); SQLite simply finds no such hamlet (200, empty).
    answer = world.client.get("/api/v1/shipments?hamlet=P%00LANG", headers=world.headers("clerk"))
    assert answer.status_code in (200, 422), answer.text
