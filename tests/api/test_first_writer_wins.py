"""`db.first_writer_wins`: the one "race, then read again" (scans, Idempotency-Keys, portal
numbers, feedback, the geocode cache), on both databases."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from postal_tracker.db import first_writer_wins, utcnow
from postal_tracker.models import IdempotencyRecord, table

records = table(IdempotencyRecord)


def insert(conn: sa.Connection, principal: str, key: str, body: str) -> str:
    conn.execute(
        records.insert().values(
            principal=principal, key=key, request_hash="h", status_code=201, response_body=body, created_at=utcnow()
        )
    )
    return body


def stored(conn: sa.Connection, principal: str, key: str) -> str | None:
    query = sa.select(records.c.response_body).where(records.c.principal == principal, records.c.key == key)
    return conn.execute(query).scalar()


def test_the_loser_answers_what_the_winner_stored_and_writes_nothing(database):
    principal, key = f"test:{uuid.uuid4().hex[:12]}", "k"
    assert first_writer_wins(database, lambda c: insert(c, principal, key, "first"), lambda c: None) == "first"
    answer = first_writer_wins(
        database, lambda c: insert(c, principal, key, "second"), lambda c: stored(c, principal, key)
    )
    assert answer == "first"
    with database.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(records).where(records.c.principal == principal))
        assert count.scalar_one() == 1


def test_nothing_to_read_leaves_the_error_standing(database):
    principal = f"test:{uuid.uuid4().hex[:12]}"
    first_writer_wins(database, lambda c: insert(c, principal, "k", "first"), lambda c: None)
    with pytest.raises(sa.exc.IntegrityError):
        first_writer_wins(database, lambda c: insert(c, principal, "k", "again"), lambda c: None)


def test_other_errors_pass_through_untouched(database):
    class Broken(Exception):
        pass

    def write(conn: sa.Connection) -> str:
        raise Broken

    with pytest.raises(Broken):
        first_writer_wins(database, write, lambda c: "never read")
