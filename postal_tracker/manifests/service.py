"""The day's manifest (bảng kê / lộ trình): which parcels a postman visits, in which order.

Content, from the current state of the parcels (a manifest is a plan, not a record: a past
date lists what is still to do that was due by then):

- `pickup`: pickup legs `booked` or `pickup_failed` and scheduled on or before the date (failed
  ones roll over to the next day's manifest), with fewer failed attempts than the limit;
- `delivery`: return legs `collected`, `at_post_office`, `out_for_delivery` or `delivery_failed`
  (the result is in the post's hands), likewise scheduled by the date and under the limit; a
  failed one only from its `next_attempt_on` (the re-attempt spacing, workdays.py).

Finished legs are never listed. With a postman, only his parcels: the leg's own postman, or its
hamlet's default postman when the leg has none. Each failed stop carries its reason and the
next step (lifecycle.REASONS).

The stops are ordered by `tour.plan_tour` as a closed round from the commune post office and
back; stops at the same coordinates come consecutively and share a `place` number. Rows are
read in one short transaction; planning and rendering happen after it has closed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from labels import ManifestData, ManifestStop, render_manifest
from postal_tracker.accounts.postmen import postman_by_ref, postman_view
from postal_tracker.accounts.service import Principal
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.db import Database
from postal_tracker.documents.schemas import PdfDocument
from postal_tracker.lifecycle import Leg, Status, to_delivery_address
from postal_tracker.localtime import local_today
from postal_tracker.manifests.schemas import Manifest
from postal_tracker.manifests.schemas import ManifestStop as StopView
from postal_tracker.manifests.tour import plan_tour
from postal_tracker.models import Commune, Dossier, Hamlet, Shipment, table
from postal_tracker.personal import display_phone
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.service import reason_view
from postal_tracker.wording import next_step_text_vi, reason_text_vi

communes = table(Commune)
dossiers = table(Dossier)
shipments = table(Shipment)
hamlets = table(Hamlet)

ManifestKind = Literal["pickup", "delivery"]

KINDS: dict[str, tuple[Leg, frozenset[Status]]] = {
    "pickup": (Leg.PICKUP, frozenset({Status.BOOKED, Status.PICKUP_FAILED})),
    "delivery": (
        Leg.RETURN,
        frozenset({Status.COLLECTED, Status.AT_POST_OFFICE, Status.OUT_FOR_DELIVERY, Status.DELIVERY_FAILED}),
    ),
}


@dataclass(frozen=True)
class _Plan:
    view: Manifest
    commune_name: str
    postman_name: str | None


def _rows(
    conn: Connection, commune_id: int, day: date, kind: ManifestKind, rules: RulesSection, postman_id: int | None
) -> Sequence[sa.Row]:
    leg, statuses = KINDS[kind]
    postman = sa.func.coalesce(shipments.c.postman_id, hamlets.c.default_postman_id)
    # What the dossier's legs have collected so far: the fee owed is the dossier's fee less that.
    legs = shipments.alias("legs")
    collected = (
        sa.select(sa.func.coalesce(sa.func.sum(legs.c.fee_collected_vnd), 0))
        .where(legs.c.dossier_id == shipments.c.dossier_id).correlate(shipments).scalar_subquery()
    )  # fmt: skip
    query = (
        sa.select(
            shipments.c.tracking_no, shipments.c.leg, shipments.c.status, shipments.c.attempts,
            shipments.c.last_reason, shipments.c.scheduled_date, shipments.c.next_attempt_on, shipments.c.hamlet_code,
            collected.label("dossier_collected_vnd"), postman.label("postman_id"),
            dossiers.c.id.label("dossier_id"), dossiers.c.commune_name, dossiers.c.applicant_name,
            dossiers.c.applicant_phone,
            dossiers.c.hamlet_code.label("home_hamlet_code"), dossiers.c.hamlet_name, dossiers.c.address_detail,
            dossiers.c.lat, dossiers.c.lon, dossiers.c.geo_source, dossiers.c.fee_vnd, dossiers.c.note,
            dossiers.c.delivery_hamlet_code, dossiers.c.delivery_hamlet_name, dossiers.c.delivery_detail,
            dossiers.c.delivery_lat, dossiers.c.delivery_lon, dossiers.c.delivery_geo_source,
        )
        .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
        .outerjoin(hamlets, sa.and_(hamlets.c.commune_id == shipments.c.commune_id,
                                    hamlets.c.code == shipments.c.hamlet_code))
        .where(
            shipments.c.commune_id == commune_id,
            shipments.c.leg == leg.value,
            shipments.c.status.in_([s.value for s in statuses]),
            shipments.c.attempts < rules.max_delivery_attempts,
            sa.or_(shipments.c.scheduled_date.is_(None), shipments.c.scheduled_date <= day),
            # After a failed delivery, attempts are REATTEMPT_WORKING_DAYS apart (set by the scan).
            sa.or_(shipments.c.next_attempt_on.is_(None), shipments.c.next_attempt_on <= day),
        )
        .order_by(shipments.c.id)
    )  # fmt: skip
    if postman_id is not None:
        query = query.where(postman == postman_id)
    return conn.execute(query).all()


def _stop(row: Any) -> dict[str, Any]:
    """A stop before ordering: where to go and what to do there."""
    if to_delivery_address(row.leg, row.delivery_hamlet_code):
        hamlet_code, hamlet_name, detail = row.delivery_hamlet_code, row.delivery_hamlet_name, row.delivery_detail
        lat, lon, geo_source = row.delivery_lat, row.delivery_lon, row.delivery_geo_source
    else:
        hamlet_code, hamlet_name, detail = row.home_hamlet_code, row.hamlet_name, row.address_detail
        lat, lon, geo_source = row.lat, row.lon, row.geo_source
    # The fee is collected with the dossier at pickup; what is still owed then (a return-only
    # dossier, a fee not paid at pickup) is collected with the result (API.md, fees).
    fee = max(row.fee_vnd - row.dossier_collected_vnd, 0)
    stop: dict[str, Any] = {
        "tracking_no": row.tracking_no,
        "leg": row.leg,
        "status": row.status,
        "dossier_id": row.dossier_id,
        "hamlet_code": hamlet_code,
        "hamlet_name": hamlet_name,
        "address": f"{detail}, ấp {hamlet_name}",
        "address_detail": detail,
        "lat": lat,
        "lon": lon,
        "geo_source": geo_source,
        "booked_commune_name": row.commune_name,
        "name": row.applicant_name,
        "phone": row.applicant_phone,
        "note": row.note,
        "fee_to_collect_vnd": fee,
        "attempts": row.attempts,
        "postman_id": row.postman_id,
        "scheduled_date": row.scheduled_date,
        "next_attempt_on": row.next_attempt_on,
    }
    if row.status in (Status.PICKUP_FAILED, Status.DELIVERY_FAILED) and row.last_reason:
        stop.update(reason_view(row.last_reason))
    return stop


def _plan(
    db: Database, principal: Principal, day: date, kind: ManifestKind, postman_ref: str | None, rules: RulesSection
) -> _Plan:
    with db.write() as conn:  # the read of names and phones is audited in it
        commune = conn.execute(sa.select(communes).where(communes.c.id == principal.commune_id)).one()
        postman = None
        if postman_ref is not None:
            ref = str(principal.id) if postman_ref.strip() == "me" and principal.user_id else postman_ref
            postman = postman_by_ref(conn, principal.commune_id, ref)
        rows = _rows(conn, principal.commune_id, day, kind, rules, None if postman is None else postman.id)
        audit.record(conn, principal, Read.MANIFEST, [row.dossier_id for row in rows])

    start = (commune.post_office_lat, commune.post_office_lon)
    unordered = [_stop(row) for row in rows]
    tour = plan_tour(start, [(s["lat"], s["lon"]) for s in unordered])
    stops: list[StopView] = []
    place, previous = 0, None
    for number, (index, leg_km) in enumerate(zip(tour.order, tour.leg_km, strict=True), start=1):
        stop = unordered[index]
        here = (stop["lat"], stop["lon"])
        if here != previous:
            place += 1
        previous = here
        # The stop's keys (`_stop`) in route order, which mypy cannot follow through the dict.
        stops.append(cast(StopView, {"order": number, **stop, "leg_km": round(leg_km, 3), "place": place}))
    per_place = Counter(stop["place"] for stop in stops)
    for planned in stops:
        planned["place_stops"] = per_place[planned["place"]]
    return_km = round(tour.return_km, 3)
    view: Manifest = {
        "date": day,
        "kind": kind,
        "postman": None if postman is None else postman_view(postman),
        "start": {"lat": start[0], "lon": start[1], "name": commune.post_office_name},
        "stops": stops,
        "count": len(stops),
        "places": place,
        "return_km": return_km,
        "total_km": round(sum(s["leg_km"] for s in stops) + return_km, 3),
        "fee_to_collect_vnd": sum(s["fee_to_collect_vnd"] for s in stops),
    }
    postman_name = None if postman is None else (postman.full_name or postman.username)
    return _Plan(view, commune.name, postman_name)


def manifest(
    db: Database, principal: Principal, day: date, kind: ManifestKind, postman_ref: str | None, rules: RulesSection
) -> Manifest:
    """The manifest as JSON: `{date, kind, postman, start, stops, total_km, ...}`."""
    return _plan(db, principal, day, kind, postman_ref, rules).view


def manifest_pdf(
    db: Database, principal: Principal, day: date, kind: ManifestKind, postman_ref: str | None, rules: RulesSection
) -> PdfDocument:
    """The printable manifest (A4 portrait, a signature column), in route order."""
    plan = _plan(db, principal, day, kind, postman_ref, rules)
    stops = [
        ManifestStop(
            order=s["order"],
            tracking_no=s["tracking_no"],
            name=s["name"],
            phone=_display_phone(s["phone"]),
            address=s["address_detail"],
            hamlet_name=s["hamlet_name"],
            fee_vnd=s["fee_to_collect_vnd"] or None,
            leg_km=s["leg_km"],
            next_step=_next_step_line(s.get("reason")),
            # Only where it is not the manifest's own: a parcel a merge (or a rename) brought.
            booked_commune_name=None if s["booked_commune_name"] == plan.commune_name else s["booked_commune_name"],
        )
        for s in plan.view["stops"]
    ]
    data = ManifestData(
        date=day, kind=kind, postman_name=plan.postman_name, commune_name=plan.commune_name,
        stops=stops, total_km=plan.view["total_km"],
    )  # fmt: skip
    return PdfDocument(f"manifest-{day.isoformat()}-{kind}.pdf", render_manifest(data))


def _display_phone(e164: str | None) -> str | None:
    if not e164:
        return None
    try:
        return display_phone(e164)
    except Exception:  # phonenumbers' own parse error: show the number as stored
        return e164


def _next_step_line(reason: str | None) -> str | None:
    """`Người dân vắng nhà → Bưu tá quay lại ở chuyến sau`: why the last attempt failed, what now."""
    if reason is None:
        return None
    return f"{reason_text_vi(reason)}: {next_step_text_vi(reason)}"


class ManifestService:
    """The manifests context: the day's round of a commune's postmen, as JSON or printed."""

    def __init__(self, db: Database, rules: RulesSection) -> None:
        self.db = db
        self.rules = rules

    def manifest(self, principal: Principal, day: date | None, kind: ManifestKind, postman_ref: str | None) -> Manifest:
        """`day` is local, today by default."""
        return manifest(self.db, principal, day or local_today(), kind, postman_ref, self.rules)

    def manifest_pdf(
        self, principal: Principal, day: date | None, kind: ManifestKind, postman_ref: str | None
    ) -> PdfDocument:
        return manifest_pdf(self.db, principal, day or local_today(), kind, postman_ref, self.rules)
