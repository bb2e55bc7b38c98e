"""Rotating the data key: re-encrypt every encrypted value with the first key of the list.

Rotation in three steps (README): put the new key first and keep the old ones after it
(`POSTAL_TRACKER_DATA_KEY=new,old`), restart (new values use the new key, old ones still
decrypt), run `postal-tracker data-key rotate`, then drop the old key.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import SQLModel

from postal_tracker.crypto import Encrypted, cipher_of
from postal_tracker.db import Database


def encrypted_columns() -> list[tuple[str, str]]:
    """(table, column) of every column stored encrypted."""
    return [
        (table.name, column.name)
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, Encrypted)
    ]


def rotate(db: Database) -> int:
    """Re-encrypt every stored value with the newest key, in one transaction; the count."""
    count = 0
    with db.write() as conn:
        cipher = cipher_of(conn.dialect)
        for table_name, column in encrypted_columns():
            raw = sa.table(table_name, sa.column("id"), sa.column(column, sa.Text()))  # no decoding
            rows = conn.execute(sa.select(raw.c.id, raw.c[column]).where(raw.c[column].is_not(None))).all()
            for row_id, token in rows:
                conn.execute(raw.update().where(raw.c.id == row_id).values({column: cipher.rotate(token)}))
            count += len(rows)
    return count
