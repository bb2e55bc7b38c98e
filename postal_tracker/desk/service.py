"""The staff pages' boards: what the desk and supervisor pages show that the JSON API doesn't
give in one call.

The desk lists need the citizen's name next to each parcel (the shipments list carries none),
so they are read here, for the clerk's own commune only, and rendered on the server. The day's
outcomes are the very sheet of `GET /api/v1/reports/daily` (same function), with hamlet names.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.postmen import list_postmen
from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.db import Database
from postal_tracker.lifecycle import Event, InvalidTrackingNumber, Leg, Status, normalize_tracking_no
from postal_tracker.localtime import day_bounds, local_date
from postal_tracker.models import Dossier, Shipment, table
from postal_tracker.reference.service import list_hamlets, list_procedures
from postal_tracker.reports.quarterly import quarterly
from postal_tracker.reports.service import daily, monthly
from postal_tracker.scanning.service import exceptions_page
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.service import find_shipment, overdue_condition, parse_tracking_no, shipment_view

shipments = table(Shipment)
dossiers = table(Dossier)


def booking_choices(db: Database, principal: Principal) -> dict[str, Any]:
    with db.read() as conn:
        return {
            "hamlets": list_hamlets(conn, principal.commune_id),
            "procedures": list_procedures(conn),
            "postmen": list_postmen(conn, principal.commune_id, limit=200, offset=0)["items"],
        }


def _hamlet_name() -> sa.ColumnElement[str]:
    """The hamlet a leg goes to, as the dossier was booked (hamlets get renamed and merged): the
    SQL form of `lifecycle.to_delivery_address`, for lists read in one query."""
    return sa.case(
        (
            sa.and_(shipments.c.leg == Leg.RETURN.value, dossiers.c.delivery_hamlet_code.is_not(None)),
            dossiers.c.delivery_hamlet_name,
        ),
        else_=dossiers.c.hamlet_name,
    )


def _outcomes(conn: Connection, principal: Principal, day: date) -> tuple[dict[str, Any], set[int]]:
    """The `reports/daily` sheet of a local day, with hamlet names, in the clerk's reading order."""
    report, named = daily(conn, principal.commune_id, day)
    outcomes: dict[str, Any] = {**report}  # reordered and with hamlet names below
    numbers = {item["tracking_no"] for item in outcomes["items"]}
    hamlet_names: dict[str, str] = dict(
        conn.execute(
            sa.select(shipments.c.tracking_no, _hamlet_name()).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(shipments.c.commune_id == principal.commune_id, shipments.c.tracking_no.in_(numbers))
        ).all()
    ) if numbers else {}  # fmt: skip
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


def desk_lists(db: Database, principal: Principal, now: datetime) -> dict[str, Any]:
    """Today's parcels and outcomes, the dossiers at the desk waiting for their return, refused scans."""
    today_local = local_date(now)
    local_midnight, _ = day_bounds(today_local)
    hamlet_name = _hamlet_name()
    columns = (
        shipments.c.tracking_no, shipments.c.leg, shipments.c.status, shipments.c.updated_at,
        shipments.c.dossier_id, dossiers.c.applicant_name, hamlet_name.label("hamlet_name"),
        dossiers.c.procedure_name, overdue_condition(now).label("overdue"),
    )  # fmt: skip
    mine = shipments.c.commune_id == principal.commune_id
    return_leg = shipments.alias("return_leg")
    with db.write() as conn:  # the read of names is audited in it
        today = conn.execute(
            sa.select(*columns).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(mine, sa.or_(shipments.c.updated_at >= local_midnight, overdue_condition(now)))
            # The legal clock first: overdue parcels on top, then today's latest.
            .order_by(overdue_condition(now).desc(), shipments.c.updated_at.desc(), shipments.c.id.desc()).limit(200)
        ).mappings().all()  # fmt: skip
        waiting = conn.execute(
            sa.select(*columns).join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(
                mine, shipments.c.leg == Leg.PICKUP.value, shipments.c.status == Status.AT_DESK.value,
                dossiers.c.return_by_post.is_(True),
                ~sa.exists().where(return_leg.c.dossier_id == shipments.c.dossier_id,
                                   return_leg.c.leg == Leg.RETURN.value),
            )
            .order_by(shipments.c.updated_at).limit(200)
        ).mappings().all()  # fmt: skip
        outcomes, named = _outcomes(conn, principal, today_local)
        refused_page, refused_dossiers = exceptions_page(
            conn, principal.commune_id, resolved=False, limit=100, offset=0
        )
        shown = {row["dossier_id"] for row in [*today, *waiting]} | named | refused_dossiers
        audit.record(conn, principal, Read.DESK_PAGE, shown)
    return {"today": today, "waiting": waiting, "refused": refused_page["items"], "outcomes": outcomes}


# --- the desk's search and one parcel's page ---------------------------------------------------

SEARCH_LIMIT = 50
_NAME_SCAN_LIMIT = 500  # dossiers matched by name before paging: a search, not an export


def fold(text: str) -> str:
    """Lower case without diacritics, `đ` as `d`: "Ánh Tuyết" and "anh tuyet" fold alike."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "d"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def search(db: Database, principal: Principal, q: str, *, offset: int = 0) -> dict[str, Any]:
    """The commune's parcels of any day by tracking number, applicant's name (accents optional)
    or phone digits; newest first. Every dossier shown is written to the audit log."""
    q = q.strip()[:100]
    mine = shipments.c.commune_id == principal.commune_id
    empty = {"q": q, "items": [], "total": 0, "limit": SEARCH_LIMIT, "offset": offset}
    if not q:
        return empty
    with db.write() as conn:  # the read of names is audited in it
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
                wanted = fold(q).split()
                in_commune = dossiers.c.commune_id == principal.commune_id
                names = conn.execute(sa.select(dossiers.c.id, dossiers.c.applicant_name).where(in_commune)).all()
                ids = [d.id for d in names if all(w in fold(d.applicant_name) for w in wanted)]
                condition = dossiers.c.id.in_(ids[-_NAME_SCAN_LIMIT:])
        query = (
            sa.select(
                shipments.c.tracking_no, shipments.c.leg, shipments.c.status, shipments.c.created_at,
                shipments.c.dossier_id, dossiers.c.applicant_name, dossiers.c.hamlet_name, dossiers.c.procedure_name,
            )
            .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(mine, condition)
        )  # fmt: skip
        total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        rows = conn.execute(
            query.order_by(shipments.c.created_at.desc(), shipments.c.id.desc()).limit(SEARCH_LIMIT).offset(offset)
        ).mappings().all()  # fmt: skip
        audit.record(conn, principal, Read.SEARCH, {r["dossier_id"] for r in rows})
    return {**empty, "items": rows, "total": total}


def parcel_page(db: Database, principal: Principal, raw_number: str, rules: RulesSection) -> dict[str, Any]:
    """One parcel for the desk: its dossier, both legs with their timelines, the fee owed, and
    the documents to print again. Another commune's parcel is a 404, like everywhere."""
    number = parse_tracking_no(raw_number)
    with db.write() as conn:  # the read of names is audited in it
        shipment = find_shipment(conn, principal.commune_id, number)
        dossier = conn.execute(sa.select(dossiers).where(dossiers.c.id == shipment.dossier_id)).one()
        legs = conn.execute(
            sa.select(shipments).where(shipments.c.dossier_id == dossier.id).order_by(shipments.c.id)
        ).all()
        views = [shipment_view(conn, leg, rules) for leg in legs]
        audit.record(conn, principal, Read.PARCEL_PAGE, [dossier.id])
    handovers = sorted({e["handover_id"] for v in views for e in v["events"] if e.get("handover_id")})
    return {
        "number": number,
        "dossier": dossier,
        "legs": views,
        "shown": next(v for v in views if v["tracking_no"] == number),
        "fee_owed_vnd": views[0]["fee_owed_vnd"],
        "handovers": handovers,
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


def reports(db: Database, principal: Principal, month: str, quarter: str) -> dict[str, Any]:
    """The month's and the quarter's figures of the supervisor's commune, and the chart's bars
    (delivered and failed deliveries by hamlet, scaled to the largest)."""
    with db.read() as conn:
        monthly_figures = monthly(conn, principal.commune_id, month)
        quarter_figures = quarterly(conn, [principal.commune_id], quarter)
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

    def outcome_sheet(self, principal: Principal, day: date) -> dict[str, Any]:
        return outcome_sheet(self.db, principal, day)

    def search(self, principal: Principal, q: str, *, offset: int = 0) -> dict[str, Any]:
        return search(self.db, principal, q, offset=offset)

    def parcel(self, principal: Principal, raw_number: str) -> dict[str, Any]:
        return parcel_page(self.db, principal, raw_number, self.rules)

    def reports(self, principal: Principal, month: str, quarter: str) -> dict[str, Any]:
        return reports(self.db, principal, month, quarter)
