"""Communes as data: creating them, merging one into another, and whose data a caller reads.

A merge (as Tam Phước into Tam An on 1/1/2025) moves what is still alive: hamlets, staff, API
keys, open dossiers with their legs, unresolved refused scans, unsent messages and open
complaints. Closed
dossiers stay with the old commune, so its past months report as they did. Every dossier keeps
the names it was booked under (commune, hamlet, procedure: copied at booking), so documents
and tracking print them unchanged, and tracking numbers never change.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.engine import Connection

from postal_tracker.accounts.principal import Principal
from postal_tracker.communes.lookup import commune_by_code, open_commune_id
from postal_tracker.communes.schemas import CommunePage, CommuneView, HamletIn, MergeResult, NewCommune
from postal_tracker.db import Database, insert_one, utcnow
from postal_tracker.errors import Conflict, Forbidden, InvalidInput, NotFound
from postal_tracker.lifecycle import FINAL_STATUSES
from postal_tracker.localtime import day_bounds, local_today
from postal_tracker.models import (
    ApiKey,
    Commune,
    Complaint,
    Dossier,
    EventRecord,
    Hamlet,
    OutboxMessage,
    ScanRecord,
    Shipment,
    User,
    table,
)
from postal_tracker.reports.attribution import holder

communes = table(Commune)
hamlets = table(Hamlet)
dossiers = table(Dossier)
shipments = table(Shipment)
events = table(EventRecord)


def scope_commune(conn: Connection, principal: Principal, code: str | None) -> int:
    """The commune a read is about: staff read their own; the admin names one with `?commune=`."""
    if principal.is_admin:
        if code is None:
            raise InvalidInput("the province administrator names the commune: ?commune=CODE", field="commune")
        return commune_by_code(conn, code).id
    if code is not None and commune_by_code(conn, code).id != principal.commune_id:
        raise Forbidden("staff read their own commune's data only")
    return principal.commune_id


def bookable_commune(conn: Connection, commune_id: int) -> sa.Row:
    """The caller's commune for a new booking; a merged commune takes none."""
    row = conn.execute(sa.select(communes).where(communes.c.id == commune_id)).one()
    if row.merged_into_id is not None:
        into = conn.execute(sa.select(communes.c.code).where(communes.c.id == row.merged_into_id)).scalar_one()
        raise Conflict(f"commune {row.code!r} was merged into {into!r}: it takes no new bookings", merged_into=into)
    return row


def _view_query() -> sa.Select:
    merged_into = communes.alias("merged_into")
    counted = (
        sa.select(sa.func.count())
        .where(hamlets.c.commune_id == communes.c.id, hamlets.c.active)
        .correlate(communes)
        .scalar_subquery()
    )
    return sa.select(
        communes.c.code, communes.c.name, communes.c.district, communes.c.province, communes.c.post_office_name,
        communes.c.desk_name, merged_into.c.code.label("merged_into"), communes.c.merged_at,
        counted.label("hamlets"),
    ).select_from(communes.outerjoin(merged_into, merged_into.c.id == communes.c.merged_into_id))  # fmt: skip


def _commune_of(row: sa.Row) -> CommuneView:
    """A row of `_view_query` as the API shows it."""
    return {
        "code": row.code, "name": row.name, "district": row.district, "province": row.province,
        "post_office_name": row.post_office_name, "desk_name": row.desk_name, "merged_into": row.merged_into,
        "merged_at": row.merged_at, "hamlets": row.hamlets,
    }  # fmt: skip


def visible_commune(conn: Connection, principal: Principal, code: str) -> CommuneView:
    """One commune: any for the admin, their own for staff and keys (another is a 404)."""
    view = commune_view(conn, code)
    if not principal.is_admin and commune_by_code(conn, code).id != principal.commune_id:
        raise NotFound(f"no commune {code!r}")
    return view


def commune_view(conn: Connection, code: str) -> CommuneView:
    row = conn.execute(_view_query().where(communes.c.code == code)).first()
    if row is None:
        raise NotFound(f"no commune {code!r}")
    return _commune_of(row)


def list_communes(conn: Connection, principal: Principal, *, limit: int, offset: int) -> CommunePage:
    """The admin sees every commune; staff and keys their own."""
    where = sa.true() if principal.is_admin else communes.c.id == principal.commune_id
    total = conn.execute(sa.select(sa.func.count()).select_from(communes).where(where)).scalar_one()
    rows = conn.execute(_view_query().where(where).order_by(communes.c.code).limit(limit).offset(offset))
    return {"items": [_commune_of(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def update_commune(conn: Connection, code: str, changes: dict[str, Any]) -> CommuneView:
    """Rename a commune or move its offices; a merged commune is history and stays as it was."""
    row = conn.execute(sa.select(communes.c.id, communes.c.merged_into_id).where(communes.c.code == code)).first()
    if row is None:
        raise NotFound(f"no commune {code!r}")
    if row.merged_into_id is not None:
        raise Conflict(f"commune {code!r} was merged into another: it is kept as it was")
    if changes:
        conn.execute(communes.update().where(communes.c.id == row.id).values(**changes))
    return commune_view(conn, code)


def _check_hamlet_codes(items: list[HamletIn], taken: set[str], field: str = "hamlets") -> None:
    seen: set[str] = set()
    for index, hamlet in enumerate(items):
        if hamlet.code in taken or hamlet.code in seen:
            raise InvalidInput(f"hamlet code {hamlet.code!r} is taken", field=f"{field}.{index}.code")
        seen.add(hamlet.code)


def _centre(req: NewCommune) -> tuple[float, float]:
    if req.post_office_lat is not None and req.post_office_lon is not None:
        return req.post_office_lat, req.post_office_lon
    if req.hamlets:  # the middle of its hamlets, until someone gives the post office's place
        return (
            sum(h.lat for h in req.hamlets) / len(req.hamlets),
            sum(h.lon for h in req.hamlets) / len(req.hamlets),
        )
    raise InvalidInput("the post office's place is needed (or hamlets to take their middle)", field="post_office_lat")


def create_commune(conn: Connection, req: NewCommune) -> CommuneView:
    if conn.execute(sa.select(communes.c.id).where(communes.c.code == req.code)).first():
        raise Conflict(f"commune {req.code!r} already exists", errors=[{"field": "code", "message": "taken"}])
    _check_hamlet_codes(req.hamlets, set())
    lat, lon = _centre(req)
    commune_id = insert_one(
        conn,
        communes.insert().values(
            code=req.code, name=req.name, district=req.district, province=req.province,
            post_office_name=req.post_office_name or f"Bưu điện văn hóa xã {req.name}",
            post_office_address=req.post_office_address or f"xã {req.name}, {req.province}",
            post_office_lat=lat, post_office_lon=lon,
            desk_name=req.desk_name or f"Bộ phận Tiếp nhận và Trả kết quả UBND xã {req.name}",
            desk_address=req.desk_address or f"UBND xã {req.name}, {req.province}",
            desk_phone=req.desk_phone,
            desk_lat=req.desk_lat if req.desk_lat is not None else lat,
            desk_lon=req.desk_lon if req.desk_lon is not None else lon,
            created_at=utcnow(),
        ),
    )
    _insert_hamlets(conn, commune_id, req.hamlets)
    return commune_view(conn, req.code)


def _insert_hamlets(conn: Connection, commune_id: int, items: list[HamletIn]) -> None:
    if items:
        conn.execute(
            hamlets.insert(),
            [{"commune_id": commune_id, "code": h.code, "name": h.name, "lat": h.lat, "lon": h.lon, "active": True}
             for h in items],
        )  # fmt: skip


def add_hamlet(conn: Connection, principal: Principal, hamlet: HamletIn, commune: str | None) -> int:
    """A supervisor adds a hamlet to their commune; the admin to the commune named."""
    if principal.is_admin:
        if commune is None:
            raise InvalidInput("the province administrator names the commune", field="commune")
        commune_id = open_commune_id(conn, commune)
    else:
        commune_id = principal.commune_id
        if commune is not None and commune_by_code(conn, commune).id != commune_id:
            raise Forbidden("a supervisor adds hamlets to their own commune only")
    taken = set(conn.execute(sa.select(hamlets.c.code).where(hamlets.c.commune_id == commune_id)).scalars())
    if hamlet.code in taken:
        raise InvalidInput(f"hamlet code {hamlet.code!r} is taken in this commune", field="code")
    _insert_hamlets(conn, commune_id, [hamlet])
    return commune_id


CSV_COLUMNS = ("code", "name", "lat", "lon")


def read_hamlets_csv(data: bytes) -> list[HamletIn]:
    """Hamlets from a CSV file (UTF-8, with or without Excel's BOM) with the columns
    code,name,lat,lon; a bad line is refused naming its line and column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("the hamlets file is not UTF-8", field="hamlets") from None
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or set(CSV_COLUMNS) - {c.strip() for c in reader.fieldnames}:
        raise InvalidInput(f"the hamlets file needs the columns {','.join(CSV_COLUMNS)}", field="hamlets")
    items = []
    for row in reader:
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        try:
            items.append(HamletIn(**{c: values[c] for c in CSV_COLUMNS}))
        except ValidationError as exc:
            error = exc.errors()[0]
            column = ".".join(str(p) for p in error["loc"])
            raise InvalidInput(
                f"line {reader.line_num}, {column}: {error['msg']}", field=f"hamlets.line{reader.line_num}.{column}"
            ) from None
    _check_hamlet_codes(items, set())
    return items


def _open_dossiers(commune_id: int) -> sa.Select:
    """Dossiers of the commune with a leg still under way, or a result still to come back."""
    live_leg = sa.exists().where(shipments.c.dossier_id == dossiers.c.id, shipments.c.status.not_in(FINAL_STATUSES))
    return_leg = sa.exists().where(shipments.c.dossier_id == dossiers.c.id, shipments.c.leg == "return")
    awaiting_result = sa.exists().where(
        shipments.c.dossier_id == dossiers.c.id, shipments.c.leg == "pickup", shipments.c.status == "at_desk"
    )
    return sa.select(dossiers.c.id).where(
        dossiers.c.commune_id == commune_id,
        sa.or_(live_leg, sa.and_(dossiers.c.return_by_post, ~return_leg, awaiting_result)),
    )


def merge(conn: Connection, code: str, into_code: str, on: date | None) -> MergeResult:
    """Merge commune `code` into `into_code` as of the start of the local day `on` (default: now)."""
    old = conn.execute(sa.select(communes).where(communes.c.code == code)).first()
    if old is None:
        raise NotFound(f"no commune {code!r}")
    if old.merged_into_id is not None:
        raise Conflict(f"commune {code!r} was merged already")
    if into_code == code:
        raise InvalidInput("a commune cannot be merged into itself", field="into")
    into_id = open_commune_id(conn, into_code, field="into")
    if on is not None and on > local_today():
        raise InvalidInput("a merge takes effect today or on a past day", field="on")
    # From this instant on, the parcels that moved count for `into` in the reports.
    merged_at: datetime = utcnow() if on is None else day_bounds(on)[0]
    clash = sorted(
        set(conn.execute(sa.select(hamlets.c.code).where(hamlets.c.commune_id == old.id)).scalars())
        & set(conn.execute(sa.select(hamlets.c.code).where(hamlets.c.commune_id == into_id)).scalars())
    )
    if clash:
        raise Conflict(
            f"both communes have hamlets coded {', '.join(clash)}: give one side other codes first",
            errors=[{"field": "hamlets", "message": code} for code in clash],
        )
    moving = [r[0] for r in conn.execute(_open_dossiers(old.id))]
    moved = {
        "hamlets": _move(conn, table(Hamlet), old.id, into_id),
        "users": _move(conn, table(User), old.id, into_id),
        "api_keys": _move(conn, table(ApiKey), old.id, into_id),
        "dossiers": _move(conn, dossiers, old.id, into_id, dossiers.c.id.in_(moving)),
        "shipments": _move(conn, shipments, old.id, into_id, shipments.c.dossier_id.in_(moving)),
        "scans": _move(conn, table(ScanRecord), old.id, into_id, table(ScanRecord).c.resolved_at.is_(None)),
        "messages": _move(conn, table(OutboxMessage), old.id, into_id, table(OutboxMessage).c.status == "pending"),
        "complaints": _move(conn, table(Complaint), old.id, into_id, table(Complaint).c.status == "open"),
    }
    conn.execute(communes.update().where(communes.c.id == old.id).values(merged_into_id=into_id, merged_at=merged_at))
    # Events stored before the merge but dated from its instant on (a merge dated a past day) now
    # count for the commune that holds their parcels: their `commune_id` is worked out again.
    moved_parcels = sa.select(shipments.c.id).where(shipments.c.dossier_id.in_(moving))
    conn.execute(
        events.update()
        .where(events.c.shipment_id.in_(moved_parcels), events.c.at >= merged_at)
        .values(commune_id=holder(events.c.shipment_id, events.c.at))
    )
    return {"commune": commune_view(conn, code), "into": commune_view(conn, into_code), "moved": moved}


def _move(conn: Connection, tbl: sa.Table, old_id: int, into_id: int, *where: Any) -> int:
    return conn.execute(tbl.update().where(tbl.c.commune_id == old_id, *where).values(commune_id=into_id)).rowcount


class CommuneService:
    """The communes context: the province's communes, created, renamed and merged by its admin."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def communes(self, actor: Principal, *, limit: int, offset: int) -> CommunePage:
        with self.db.read() as conn:
            return list_communes(conn, actor, limit=limit, offset=offset)

    def commune(self, actor: Principal, code: str) -> CommuneView:
        with self.db.read() as conn:
            return visible_commune(conn, actor, code)

    def create(self, request: NewCommune) -> CommuneView:
        with self.db.write() as conn:
            return create_commune(conn, request)

    def update(self, code: str, changes: dict[str, Any]) -> CommuneView:
        with self.db.write() as conn:
            return update_commune(conn, code, changes)

    def merge(self, code: str, into: str, on: date | None) -> MergeResult:
        with self.db.write() as conn:
            return merge(conn, code, into, on)
