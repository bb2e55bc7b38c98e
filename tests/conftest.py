"""Shared fixtures: a real database per backend, the app on it, and isolated communes.

`database` is parametrized over SQLite (a file, WAL) and PostgreSQL. PostgreSQL runs where
POSTAL_TRACKER_TEST_POSTGRES_URL points at a server (CI sets it): each test session creates a
fresh database there and drops it at the end. Elsewhere the PostgreSQL tests skip, saying why.

Each test that needs its own data gets a fresh commune (`world`): communes are isolated from
each other by design, so tests never see each other's parcels and need no cleanup.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from litestar.testing import TestClient

from postal_tracker import migrate
from postal_tracker.accounts.auth import issue_token
from postal_tracker.accounts.service import Principal, Role, create_api_key
from postal_tracker.app import create_app
from postal_tracker.db import Database, utcnow
from postal_tracker.models import Commune, Hamlet, User, table
from postal_tracker.reference.seed import TAM_PHUOC, TAM_PHUOC_HAMLETS
from postal_tracker.settings import Settings
from tests.builders import settings_from

POSTGRES_URL = os.environ.get("POSTAL_TRACKER_TEST_POSTGRES_URL")
TEST_JWT_SECRET = "test-secret-" + "x" * 40
TEST_DATA_KEY = "dGVzdC1kYXRhLWtleS0zMi1ieXRlcy1sb25nLSEhISE="  # base64 of 32 bytes, a Fernet key
PASSWORD = "correct horse battery"


@contextlib.contextmanager
def new_postgres_database(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database `name` on the server of `server_url`: its URL; dropped afterwards."""
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _postgres_database() -> Iterator[str]:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need POSTAL_TRACKER_TEST_POSTGRES_URL (set by .ci/run)")
    with new_postgres_database(POSTGRES_URL, f"pt_test_{os.getpid()}_{uuid.uuid4().hex[:8]}") as url:
        yield url


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'postal-tracker.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path) -> Iterator[str]:
    """A new database of its own for one test (nothing migrated): on each of the two databases."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url, (TEST_DATA_KEY,))
    migrate.upgrade(db)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    # No delivery loop in the shared app: the tests that deliver start one (or call `deliver_due`).
    return settings_from(
        DATABASE_URL=database_url,
        JWT_SECRET=TEST_JWT_SECRET,
        DATA_KEY=TEST_DATA_KEY,
        PUBLIC_RATE_LIMIT=10_000,
        SIGN_IN_RATE_LIMIT=10_000,
        DELIVERY_WORKER=0,
    )


@pytest.fixture(scope="session")
def client(settings: Settings, database: Database) -> Iterator[TestClient]:
    with TestClient(app=create_app(settings, database)) as test_client:
        yield test_client


@dataclass
class World:
    """A commune of its own with its hamlets, one user per role (and a province admin) and an API key."""

    commune_id: int
    code: str
    usernames: dict[str, str]
    api_key: str
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    def principal(self, role: str) -> Principal:
        home = None if role == "admin" else self.commune_id  # the province admin belongs to no commune
        return Principal(self.user_ids[role], self.usernames[role], Role(role), home)

    def headers(self, role: str) -> dict[str, str]:
        """Credentials for a role. Tokens are issued as `POST /auth/token` issues them (tested
        in test_access), without paying for an argon2 check in every test."""
        if role == "integration":
            return {"X-API-Key": self.api_key}
        if role not in self.tokens:
            self.tokens[role] = issue_token(self.client.app.state.jwt_auth, self.principal(role))
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def make_world(db: Database, client: TestClient) -> World:
    code = f"t-{uuid.uuid4().hex[:10]}"
    with db.write() as conn:
        commune_id = conn.execute(
            table(Commune).insert().values(**{**TAM_PHUOC, "code": code}, created_at=utcnow())
        ).inserted_primary_key[0]
        conn.execute(
            table(Hamlet).insert(),
            [
                {"commune_id": commune_id, "code": c, "name": n, "lat": lat, "lon": lon, "active": True}
                for c, n, lat, lon in TAM_PHUOC_HAMLETS
            ],
        )
        usernames = {role: f"{role}-{code}" for role in ("clerk", "postal", "supervisor", "admin")}
        user_ids = {
            role: conn.execute(
                table(User).insert().values(
                    commune_id=None if role == "admin" else commune_id, username=username, role=role,
                    full_name=f"Người dùng {role}",
                    password_hash=_password_hash(), active=True, created_at=utcnow(),
                )
            ).inserted_primary_key[0]
            for role, username in usernames.items()
        }  # fmt: skip
    api_key = create_api_key(db, commune_id, f"portal {code}")
    return World(commune_id, code, usernames, api_key, client, user_ids=user_ids)


@functools.cache
def _password_hash() -> str:
    # argon2 costs ~0.2 s a hash by design; every test user shares one hash of PASSWORD.
    return PasswordHasher().hash(PASSWORD)


@pytest.fixture
def world(database: Database, client: TestClient) -> World:
    return make_world(database, client)
