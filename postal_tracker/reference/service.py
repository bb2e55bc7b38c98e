"""Hamlets and procedures: the two small reference lists."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.postmen import find_postman
from postal_tracker.accounts.principal import Principal
from postal_tracker.communes.schemas import NewHamlet
from postal_tracker.communes.service import add_hamlet, scope_commune
from postal_tracker.db import Database
from postal_tracker.errors import InvalidInput, NotFound
from postal_tracker.models import Hamlet, Procedure, table
from postal_tracker.reference.schemas import HamletView, ProcedureView

hamlets = table(Hamlet)
procedures = table(Procedure)


_HAMLET_COLUMNS = (
    hamlets.c.code, hamlets.c.name, hamlets.c.lat, hamlets.c.lon, hamlets.c.default_postman_id, hamlets.c.active,
)  # fmt: skip


def _hamlet_of(row: sa.Row) -> HamletView:
    """A row of `_HAMLET_COLUMNS` as the API shows it."""
    return {
        "code": row.code, "name": row.name, "lat": row.lat, "lon": row.lon,
        "default_postman_id": row.default_postman_id, "active": row.active,
    }  # fmt: skip


def list_hamlets(conn: Connection, commune_id: int, include_inactive: bool = False) -> list[HamletView]:
    where = [hamlets.c.commune_id == commune_id] + ([] if include_inactive else [hamlets.c.active])
    rows = conn.execute(sa.select(*_HAMLET_COLUMNS).where(*where).order_by(hamlets.c.name))
    return [_hamlet_of(r) for r in rows]


def get_hamlet(conn: Connection, commune_id: int, code: str, field: str = "hamlet_code") -> sa.Row:
    row = conn.execute(
        sa.select(hamlets).where(hamlets.c.commune_id == commune_id, hamlets.c.code == code, hamlets.c.active)
    ).first()
    if row is None:
        raise InvalidInput(f"unknown hamlet code {code!r}; see GET /api/v1/hamlets", field=field)
    return row


def hamlet_view(conn: Connection, commune_id: int, code: str) -> HamletView:
    row = conn.execute(
        sa.select(*_HAMLET_COLUMNS).where(hamlets.c.commune_id == commune_id, hamlets.c.code == code)
    ).first()
    if row is None:
        raise NotFound(f"no hamlet {code!r} in this commune")
    return _hamlet_of(row)


def update_hamlet(conn: Connection, commune_id: int, code: str, changes: dict[str, Any]) -> HamletView:
    """Rename, move, (de)activate a hamlet. Dossiers keep the name they were booked under; a
    deactivated hamlet takes no new bookings, and its parcels under way carry on."""
    where = (hamlets.c.commune_id == commune_id, hamlets.c.code == code)
    if conn.execute(sa.select(hamlets.c.id).where(*where)).first() is None:
        raise NotFound(f"no hamlet {code!r} in this commune")
    if changes.get("default_postman_id") is not None:
        find_postman(conn, commune_id, changes["default_postman_id"], field="default_postman_id")
    if changes:
        conn.execute(hamlets.update().where(*where).values(**changes))
    return hamlet_view(conn, commune_id, code)


def list_procedures(conn: Connection) -> list[ProcedureView]:
    rows = conn.execute(sa.select(procedures).where(procedures.c.active).order_by(procedures.c.code))
    return [{"code": r.code, "name": r.name, "group": r.group, "fee_vnd": r.fee_vnd} for r in rows]


def get_procedure(conn: Connection, code: str, field: str = "procedure_code") -> sa.Row:
    row = conn.execute(sa.select(procedures).where(procedures.c.code == code, procedures.c.active)).first()
    if row is None:
        raise InvalidInput(f"unknown procedure code {code!r}; see GET /api/v1/procedures", field=field)
    return row


class ReferenceService:
    """The reference context: the commune's hamlets and the catalogue of procedures."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def hamlets(self, actor: Principal, commune: str | None, include_inactive: bool = False) -> list[HamletView]:
        """The caller's commune's hamlets; the admin names the commune."""
        with self.db.read() as conn:
            return list_hamlets(conn, scope_commune(conn, actor, commune), include_inactive)

    def add_hamlet(self, actor: Principal, hamlet: NewHamlet) -> HamletView:
        with self.db.write() as conn:
            commune_id = add_hamlet(conn, actor, hamlet, hamlet.commune)
            return hamlet_view(conn, commune_id, hamlet.code)

    def update_hamlet(self, actor: Principal, commune: str | None, code: str, changes: dict[str, Any]) -> HamletView:
        with self.db.write() as conn:
            return update_hamlet(conn, scope_commune(conn, actor, commune), code, changes)

    def procedures(self) -> list[ProcedureView]:
        with self.db.read() as conn:
            return list_procedures(conn)
