"""Finding a commune by its code, for every context that takes one from a client (accounts,
hamlets, reports); a merged commune is still found, but takes nothing new."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.errors import InvalidInput
from postal_tracker.models import Commune, table

communes = table(Commune)


def commune_by_code(conn: Connection, code: str, field: str = "commune") -> sa.Row:
    row = conn.execute(sa.select(communes).where(communes.c.code == code)).first()
    if row is None:
        raise InvalidInput(f"unknown commune {code!r}; see GET /api/v1/communes", field=field)
    return row


def open_commune_id(conn: Connection, code: str, field: str = "commune") -> int:
    """A commune that still exists on its own (not merged away), for new staff, keys and hamlets."""
    row = commune_by_code(conn, code, field)
    if row.merged_into_id is not None:
        raise InvalidInput(f"commune {code!r} was merged into another; use that one", field=field)
    return row.id
