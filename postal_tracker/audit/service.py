"""The audit log of reads of personal data (Law 91/2025/QH15): who read which dossier, when, and what.

One rule, one place: a service function that reads a dossier's personal data for a caller
calls `record` in the same transaction as that read, before its answer leaves the service, so
no read of personal data goes unrecorded (a failed audit write fails the read). Such a read
therefore runs in `db.write()`: on SQLite a read transaction could not be upgraded safely.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.service import Principal, Role
from postal_tracker.audit.schemas import AuditEntryView, AuditPage
from postal_tracker.db import Database, utcnow
from postal_tracker.errors import InvalidInput
from postal_tracker.models import AuditEntry, table

audit_log = table(AuditEntry)


class Read(StrEnum):
    """What was read: the kind of answer that showed the dossier's personal data."""

    DOSSIER = "dossier"
    SHIPMENT = "shipment"
    LABEL = "label"
    RECEIPT = "receipt"
    HANDOVER = "handover"
    REFUSED_SCANS = "refused_scans"
    SEARCH = "search"
    MANIFEST = "manifest"
    DAILY_REPORT = "daily_report"
    DESK_PAGE = "desk_page"
    PARCEL_PAGE = "parcel_page"
    COMPLAINTS = "complaints"


class Change(StrEnum):
    """What a desk edit changed (PATCH /shipments/{no}), logged beside the reads: who changed
    which part of a dossier, and when; never the old or the new values."""

    FULL_NAME = "changed_full_name"
    PHONE = "changed_phone"
    ADDRESS = "changed_address"
    NOTE = "changed_note"


def record(
    conn: Connection, principal: Principal, what: Read | Change, dossier_ids: Iterable[int | None],
    commune_id: int | None = None,
) -> None:  # fmt: skip
    """One entry per dossier shown, in the caller's transaction, in the log of the commune whose
    data was read (`commune_id`: the caller's own unless named, as the province admin names it)."""
    ids = sorted({i for i in dossier_ids if i is not None})
    if not ids:
        return
    now = utcnow()
    integration = principal.role is Role.INTEGRATION
    conn.execute(
        audit_log.insert(),
        [
            {
                "at": now, "commune_id": principal.commune_id if commune_id is None else commune_id,
                "dossier_id": dossier_id,
                "user_id": None if integration else principal.id, "api_key_id": principal.id if integration else None,
                "actor_name": principal.name, "role": principal.role.value, "what": what.value,
            }
            for dossier_id in ids
        ],
    )  # fmt: skip


def list_entries(
    db: Database, principal: Principal, *, dossier_id: int | None, user: str | None,
    since: datetime | None, until: datetime | None, limit: int, offset: int,
) -> AuditPage:  # fmt: skip
    """The caller's commune's entries, the latest first. `user` is a user id or a username
    (an integration key's reads are found by its name)."""
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput("give the time with its offset, e.g. 2026-11-01T00:00:00+07:00", field=name)
    conditions = [audit_log.c.commune_id == principal.commune_id]
    if dossier_id is not None:
        conditions.append(audit_log.c.dossier_id == dossier_id)
    if user:
        if user.isascii() and user.isdigit():
            conditions.append(audit_log.c.user_id == int(user))
        else:
            conditions.append(audit_log.c.actor_name == user)
    if since is not None:
        conditions.append(audit_log.c.at >= since)
    if until is not None:
        conditions.append(audit_log.c.at < until)
    with db.read() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(audit_log).where(*conditions)).scalar_one()
        rows = conn.execute(
            sa.select(audit_log).where(*conditions).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
        )
        items: list[AuditEntryView] = [
            {
                "id": r.id, "at": r.at, "dossier_id": r.dossier_id, "what": r.what, "user_id": r.user_id,
                "api_key_id": r.api_key_id, "username": r.actor_name, "role": r.role,
            }
            for r in rows
        ]  # fmt: skip
    return {"items": items, "total": total, "limit": limit, "offset": offset}


class AuditService:
    """The audit context: who read which dossier's personal data."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def entries(
        self, principal: Principal, *, dossier_id: int | None, user: str | None, since: datetime | None,
        until: datetime | None, limit: int, offset: int,
    ) -> AuditPage:  # fmt: skip
        return list_entries(
            self.db, principal, dossier_id=dossier_id, user=user, since=since, until=until, limit=limit, offset=offset
        )
