"""Postmen (bưu tá): the commune's users with the `postal` role, who carry the parcels.

A shipment's postman is its own `postman_id` when set (assigned by the desk, or copied from its
hamlet's `default_postman_id` at booking), else its hamlet's default postman.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.schemas import PostmanPage, PostmanView
from postal_tracker.errors import InvalidInput
from postal_tracker.models import User, table
from postal_tracker.personal import ascii_digits

users = table(User)
POSTAL = "postal"


def postman_view(row: Any) -> PostmanView:
    return {"id": row.id, "username": row.username, "full_name": row.full_name, "active": row.active}


def find_postman(conn: Connection, commune_id: int, user_id: int, field: str = "postman_id") -> sa.Row:
    """The active postman with this id in the commune, or InvalidInput naming `field`."""
    row = conn.execute(
        sa.select(users).where(users.c.id == user_id, users.c.commune_id == commune_id, users.c.role == POSTAL)
    ).first()
    if row is None or not row.active:
        raise InvalidInput(f"user {user_id} is not an active postman (role postal) of this commune", field=field)
    return row


def postman_by_ref(conn: Connection, commune_id: int, ref: str, field: str = "postman") -> sa.Row:
    """A postman of the commune by id or username (inactive ones too: their parcels still show)."""
    ref = ref.strip()
    by = users.c.id == int(ref) if ascii_digits(ref) and len(ref) <= 10 else users.c.username == ref
    row = conn.execute(sa.select(users).where(by, users.c.commune_id == commune_id, users.c.role == POSTAL)).first()
    if row is None:
        raise InvalidInput(f"no postman {ref!r} in this commune; see GET /api/v1/postmen", field=field)
    return row


def list_postmen(conn: Connection, commune_id: int, *, limit: int, offset: int) -> PostmanPage:
    conditions = (users.c.commune_id == commune_id, users.c.role == POSTAL, users.c.active)
    total = conn.execute(sa.select(sa.func.count()).select_from(users).where(*conditions)).scalar_one()
    rows = conn.execute(
        sa.select(users).where(*conditions).order_by(users.c.full_name, users.c.username).limit(limit).offset(offset)
    )
    return {"items": [postman_view(r) for r in rows], "total": total, "limit": limit, "offset": offset}
