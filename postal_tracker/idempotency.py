"""`Idempotency-Key` on creating writes.

The stored answer is written in the same transaction as what it created, so a retry after a
crash either finds both or neither. Two requests with one key at the same moment: the second
one's insert of the key fails on the unique constraint, its transaction (and what it created)
rolls back, and it answers with the first one's stored response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from litestar.serialization import decode_json, encode_json
from sqlalchemy.engine import Connection

from postal_tracker.db import Database, first_writer_wins, utcnow
from postal_tracker.errors import InvalidInput
from postal_tracker.models import IdempotencyRecord, table

records = table(IdempotencyRecord)
T = TypeVar("T")


def _fingerprint(route: str, body: Any) -> str:
    canonical = json.dumps([route, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(conn: Connection, principal: str, key: str, fingerprint: str) -> Any | None:
    row = conn.execute(sa.select(records).where(records.c.principal == principal, records.c.key == key)).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise InvalidInput("this Idempotency-Key was used with a different request", field="Idempotency-Key")
    return json.loads(row.response_body)


def run_once(
    db: Database, principal: str, key: str | None, route: str, body: Any, create: Callable[[Connection], T]
) -> T:
    """Run `create` in a write transaction, once per (principal, key); return its JSON-able answer.

    With a key the answer is the stored JSON (datetimes as ISO strings), which is what the
    client receives either way: the type names the shape, not the Python values in it."""
    if not key:
        with db.write() as conn:
            return create(conn)
    if len(key) > 255:
        raise InvalidInput("Idempotency-Key is at most 255 characters", field="Idempotency-Key")
    fingerprint = _fingerprint(route, body)

    def create_once(conn: Connection) -> T:
        stored = _stored(conn, principal, key, fingerprint)
        if stored is not None:
            return stored
        answer = as_sent(create(conn))
        conn.execute(
            records.insert().values(
                principal=principal, key=key, request_hash=fingerprint, status_code=201,
                response_body=json.dumps(answer, ensure_ascii=False), created_at=utcnow(),
            )
        )  # fmt: skip
        return answer

    return first_writer_wins(db, create_once, lambda conn: _stored(conn, principal, key, fingerprint))


def as_sent(answer: Any) -> Any:
    """The answer as the client receives it (datetimes as ISO strings...), ready to store."""
    return decode_json(encode_json(answer))
