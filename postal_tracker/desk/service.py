"""The staff pages' boards: what the desk and supervisor pages show that the JSON API doesn't
give in one call.

The desk lists need the citizen's name next to each parcel (the shipments list carries none),
so they are read here, for the clerk's own commune only, and rendered on the server. The day's
outcomes are the very sheet of `GET /api/v1/reports/daily` (same function), with hamlet names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.postmen import list_postmen
from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.communes.service import scope_commune
from postal_tracker.complaints.service import dossier_complaints
from postal_tracker.db import Database
from postal_tracker.lifecycle import (
    Event,
    InvalidTrackingNumber,
    Leg,
    Status,
    normalize_tracking_no,
    to_delivery_address,
)
from postal_tracker.localtime import day_bounds, local_date, local_today
from postal_tracker.models import Dossier, Shipment, table
from postal_tracker.personal import display_phone
from postal_tracker.reference.service import list_hamlets, list_procedures
from postal_tracker.reports.quarterly import quarterly
from postal_tracker.reports.service import daily, monthly
from postal_tracker.scanning.service import exceptions_page
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.service import (
    EDITABLE_STATUSES,
    find_shipment,
    overdue_condition,
    parse_tracking_no,
    shipment_view,
)

shipments = table(Shipment)
dossiers = table(Dossier)


def booking_choices(db: Database, principal: Principal) -> dict[str, Any]:
    with db.read() as conn:
        return {
            "hamlets": list_hamlets(conn, principal.commune_id),
            "procedures": list_procedures(conn),
            "postmen": list_postmen(conn, principal.commune_id, limit=200, offset=0)["items"],
        }


_LEG_HAMLET = (
    shipments.c.leg, dossiers.c.hamlet_name, dossiers.c.delivery_hamlet_code, dossiers.c.delivery_hamlet_name
)  # what `leg_hamlet_name` reads of a row


def leg_hamlet_name(row: Mapping[Any, Any]) -> str:
    """The hamlet a leg goes to, as the dossier was booked (hamlets get renamed and merged), by
    the one rule `lifecycle.to_delivery_address`, from a row carrying the `_LEG_HAMLET` columns."""
    if to_delivery_address(row["leg"], row["delivery_hamlet_code"]):
        return row["delivery_hamlet_name"]
    return row["hamlet_name"]


def _with_hamlet_names(rows: Sequence[Mapping[Any, Any]]) -> list[dict[str, Any]]:
    return [{**row, "hamlet_name": leg_hamlet_name(row)} for row in rows]


def _outcomes(conn: Connection, principal: Principal, day: date) -> tuple[dict[str, Any], set[int]]:
    """The `reports/daily` sheet of a local day, with hamlet names, in the clerk's reading order."""
    report, named = daily(conn, principal.commune_id, day)
    outcomes: dict[str, Any] = {**report}  # reordered and with hamlet names below
    numbers = {item["tracking_no"] for item in outcomes["items"]}
    hamlet_names = {
        row["tracking_no"]: leg_hamlet_name(row)
        for row in conn.execute(
            sa.select(shipments.c.tracking_no, *_LEG_HAMLET).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(shipments.c.commune_id == principal.commune_id, shipments.c.tracking_no.in_(numbers))
        ).mappings()
    } if numbers else {}  # fmt: skip
    # Counts in the order a parcel meets the events (the API sorts the codes alphabetically);
    # items the latest first, as the clerk reads them during the day.
    order = {event.value: i for i, event in enumerate(Event)}
    outcomes["counts"] = dict(sorted(outcomes["counts"].items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))
    outcomes["items"] = [
        {**item, "hamlet_name": hamlet_names.get(item["tracking_no"]) or item["hamlet_code"]}
        for item in reversed(outcomes["items"])
    ]
    return outcomes, named


def outcome_sheet(db: Database, principal: Principal, day: date) -> dict[str, Any]:
    """The outcome sheet of any local day, for the printable page."""
    with db.write() as conn:  # the read of names is audited in it
        outcomes, named = _outcomes(conn, principal, day)
        audit.record(conn, principal, Read.DAILY_REPORT, named)
    return outcomes


LIST_PAGE = 100
"""Rows of a desk list sent at once; its "Xem thêm" button fetches the next ones
(`/desk/lists?list=today&offset=100`), so /desk stays light on a busy day (under 150 kB with
500 parcels: tests/browser/test_accessibility.py)."""

DeskList = Literal["today", "waiting"]


def _list_query(principal: Principal, now: datetime, which: DeskList) -> sa.Select:
    """today: the parcels that moved today, and the overdue ones, the legal clock first (overdue on
    top, then today's latest); waiting: the dossiers at the desk whose return is still to book."""
    columns = (
        shipments.c.tracking_no, shipments.c.status, shipments.c.updated_at, shipments.c.dossier_id,
        dossiers.c.applicant_name, dossiers.c.procedure_name, overdue_condition(now).label("overdue"), *_LEG_HAMLET,
    )  # fmt: skip
    mine = shipments.c.commune_id == principal.commune_id
    query = sa.select(*columns).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
    if which == "today":
        local_midnight, _ = day_bounds(local_date(now))
        return query.where(mine, sa.or_(shipments.c.updated_at >= local_midnight, overdue_condition(now))).order_by(
            overdue_condition(now).desc(), shipments.c.updated_at.desc(), shipments.c.id.desc()
        )
    return_leg = shipments.alias("return_leg")
    return query.where(
        mine, shipments.c.leg == Leg.PICKUP.value, shipments.c.status == Status.AT_DESK.value,
        dossiers.c.return_by_post.is_(True),
        ~sa.exists().where(return_leg.c.dossier_id == shipments.c.dossier_id, return_leg.c.leg == Leg.RETURN.value),
    ).order_by(shipments.c.updated_at, shipments.c.id)  # fmt: skip


def _list_page(conn: Connection, principal: Principal, now: datetime, which: DeskList, offset: int) -> dict[str, Any]:
    """One page of a desk list, in the API's page shape (`items`, `total`, `limit`, `offset`)."""
    query = _list_query(principal, now, which)
    total = conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = conn.execute(query.limit(LIST_PAGE).offset(offset)).mappings().all()
    return {"items": _with_hamlet_names(rows), "total": total, "limit": LIST_PAGE, "offset": offset}


def desk_lists(db: Database, principal: Principal, now: datetime) -> dict[str, Any]:
    """The first page of today's parcels and of the dossiers at the desk waiting for their return,
    today's outcomes, the refused scans."""
    with db.write() as conn:  # the read of names is audited in it
        today = _list_page(conn, principal, now, "today", 0)
        waiting = _list_page(conn, principal, now, "waiting", 0)
        outcomes, named = _outcomes(conn, principal, local_date(now))
        refused_page, refused_dossiers = exceptions_page(
            conn, principal.commune_id, resolved=False, limit=100, offset=0
        )
        shown = {row["dossier_id"] for row in [*today["items"], *waiting["items"]]} | named | refused_dossiers
        audit.record(conn, principal, Read.DESK_PAGE, shown)
    return {"today": today, "waiting": waiting, "refused": refused_page["items"], "outcomes": outcomes}


def desk_list_page(db: Database, principal: Principal, now: datetime, which: DeskList, offset: int) -> dict[str, Any]:
    """The next page of one desk list ("Xem thêm")."""
    with db.write() as conn:  # the read of names is audited in it
        page = _list_page(conn, principal, now, which, offset)
        audit.record(conn, principal, Read.DESK_PAGE, {row["dossier_id"] for row in page["items"]})
    return {"list": which, **page}


# --- the desk's search and one parcel's page ---------------------------------------------------

SEARCH_LIMIT = 50


def fold(text: str) -> str:
    """Lower case without diacritics, `đ` as `d`: "Ánh Tuyết" and "anh tuyet" fold alike."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def _by_name(conn: Connection, principal: Principal, q: str, offset: int) -> tuple[sa.ColumnElement[bool], int]:
    """The page of parcels whose applicant's name holds every folded word of `q`, and how many
    match in all. Folding happens here, not in SQL (neither database folds Vietnamese the same
    way), so every parcel of the commune is read once, number and name only: a search, not an
    export, and every match reachable page by page."""
    wanted = fold(q).split()
    candidates = conn.execute(
        sa.select(shipments.c.id, dossiers.c.applicant_name).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
        .where(shipments.c.commune_id == principal.commune_id)
        .order_by(shipments.c.created_at.desc(), shipments.c.id.desc())
    ).all()  # fmt: skip
    folded: dict[str, str] = {}
    matching = [
        c.id for c in candidates
        if all(w in folded.setdefault(c.applicant_name, fold(c.applicant_name)) for w in wanted)
    ]  # fmt: skip
    return shipments.c.id.in_(matching[offset : offset + SEARCH_LIMIT]), len(matching)


def search(db: Database, principal: Principal, q: str, *, offset: int = 0) -> dict[str, Any]:
    """The commune's parcels of any day by tracking number, applicant's name (accents optional)
    or phone digits; newest first, a page of `SEARCH_LIMIT` at a time. Every dossier shown is
    written to the audit log."""
    q = q.strip()[:100]
    mine = shipments.c.commune_id == principal.commune_id
    empty = {"q": q, "items": [], "total": 0, "limit": SEARCH_LIMIT, "offset": offset}
    if not q:
        return empty
    with db.write() as conn:  # the read of names is audited in it
        total: int | None = None
        try:
            number = normalize_tracking_no(q)
            condition: sa.ColumnElement[bool] = shipments.c.dossier_id.in_(sa.select(shipments.c.dossier_id).where(
                mine, shipments.c.tracking_no == number))  # fmt: skip
        except InvalidTrackingNumber:
            digits = re.sub(r"\D", "", q)
            if digits and not re.search(r"[^\d\s+().-]", q):
                if len(digits) < 3:
                    return empty
                # Stored as E.164 (+84...): "0912..." is typed with the national 0.
                digits = digits[1:] if digits.startswith("0") else digits
                condition = dossiers.c.applicant_phone.contains(digits, autoescape=True)
            else:
                condition, total = _by_name(conn, principal, q, offset)
        query = (
            sa.select(
                shipments.c.tracking_no, shipments.c.status, shipments.c.created_at, shipments.c.dossier_id,
                dossiers.c.applicant_name, dossiers.c.procedure_name, *_LEG_HAMLET,
            )
            .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(mine, condition)
            .order_by(shipments.c.created_at.desc(), shipments.c.id.desc())
        )  # fmt: skip
        if total is None:
            total = conn.execute(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())).scalar_one()
            query = query.limit(SEARCH_LIMIT).offset(offset)
        rows = _with_hamlet_names(conn.execute(query).mappings().all())
        audit.record(conn, principal, Read.SEARCH, {r["dossier_id"] for r in rows})
    return {**empty, "items": rows, "total": total}


def parcel_page(db: Database, principal: Principal, raw_number: str, rules: RulesSection) -> dict[str, Any]:
    """One parcel for the desk: its dossier, both legs with their timelines, the fee owed, the
    complaints about it with their legal deadlines, and the documents to print again. Another
    commune's parcel is a 404, like everywhere."""
    number = parse_tracking_no(raw_number)
    with db.write() as conn:  # the read of names is audited in it
        shipment = find_shipment(conn, principal.commune_id, number)
        dossier = conn.execute(sa.select(dossiers).where(dossiers.c.id == shipment.dossier_id)).one()
        legs = conn.execute(
            sa.select(shipments).where(shipments.c.dossier_id == dossier.id).order_by(shipments.c.id)
        ).all()
        views = [shipment_view(conn, leg, rules) for leg in legs]
        hamlet_choices = list_hamlets(conn, principal.commune_id)
        complaints = dossier_complaints(conn, dossier.id, local_today())
        audit.record(conn, principal, Read.PARCEL_PAGE, [dossier.id])
    handovers = sorted({e["handover_id"] for v in views for e in v["events"] if e.get("handover_id")})
    return {
        "number": number,
        "dossier": dossier,
        "legs": views,
        "shown": next(v for v in views if v["tracking_no"] == number),
        "fee_owed_vnd": views[0]["fee_owed_vnd"],
        "handovers": handovers,
        "complaints": complaints,
        # The correction form (PATCH /api/v1/shipments/{no}) while the post has taken nothing yet.
        "editable": all(Status(v["status"]) in EDITABLE_STATUSES for v in views),
        "hamlets": hamlet_choices,
        "phone_display": display_phone(dossier.applicant_phone) if dossier.applicant_phone else "",
    }


# --- the supervisor's reports ------------------------------------------------------------------

REPORT_FIGURES = (
    "pickups_booked", "pickups_at_desk", "returns_booked", "delivered", "returned_to_desk", "delivery_failures",
    "pickup_failures", "first_attempt_delivery_rate", "on_time_share", "median_hours_to_desk",
    "median_hours_to_delivery", "fees_collected_vnd", "feedback_count", "feedback_mean",
)  # fmt: skip
QUARTER_FIGURES = (
    "dossiers_picked_up", "results_delivered", "results_returned_to_desk", "fees_collected_vnd",
    "complaints_received", "complaints_resolved", "complaints_resolved_on_time", "lost", "damaged",
    "compensations", "compensation_vnd", "on_time_share",
)  # fmt: skip


def reports(db: Database, principal: Principal, month: str, quarter: str, commune: str | None) -> dict[str, Any]:
    """The month's and the quarter's figures of the supervisor's commune (the admin names one),
    and the chart's bars (delivered and failed deliveries by hamlet, scaled to the largest)."""
    with db.read() as conn:
        commune_id = scope_commune(conn, principal, commune)
        monthly_figures = monthly(conn, commune_id, month)
        quarter_figures = quarterly(conn, [commune_id], quarter)
    rows = monthly_figures["by_hamlet"]
    top = max([1, *(max(r["delivered"], r["delivery_failures"]) for r in rows)])
    bars = [
        {"name": r["hamlet_name"], "delivered": r["delivered"], "failed": r["delivery_failures"],
         "delivered_pct": round(100 * r["delivered"] / top), "failed_pct": round(100 * r["delivery_failures"] / top)}
        for r in rows
    ]  # fmt: skip
    return {"monthly": monthly_figures, "quarterly": quarter_figures, "bars": bars}


class DeskService:
    """The desk context: what the desk and supervisor pages show, for the caller's own commune."""

    def __init__(self, db: Database, rules: RulesSection) -> None:
        self.db = db
        self.rules = rules

    def booking_choices(self, principal: Principal) -> dict[str, Any]:
        return booking_choices(self.db, principal)

    def lists(self, principal: Principal, now: datetime) -> dict[str, Any]:
        return desk_lists(self.db, principal, now)

    def list_page(self, principal: Principal, now: datetime, which: DeskList, offset: int) -> dict[str, Any]:
        return desk_list_page(self.db, principal, now, which, offset)

    def outcome_sheet(self, principal: Principal, day: date) -> dict[str, Any]:
        return outcome_sheet(self.db, principal, day)

    def search(self, principal: Principal, q: str, *, offset: int = 0) -> dict[str, Any]:
        return search(self.db, principal, q, offset=offset)

    def parcel(self, principal: Principal, raw_number: str) -> dict[str, Any]:
        return parcel_page(self.db, principal, raw_number, self.rules)

    def reports(self, principal: Principal, month: str, quarter: str, commune: str | None = None) -> dict[str, Any]:
        return reports(self.db, principal, month, quarter, commune)
