"""Booking: a dossier and its legs, with their tracking numbers, events and outgoing messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.accounts.service import Principal, Role
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.booking.schemas import (
    Address,
    DossierLegs,
    DossierView,
    GeoSource,
    PickupBooked,
    PickupRequest,
    ReturnBooked,
    ReturnOnlyBooked,
    ReturnRequest,
)
from postal_tracker.communes.service import bookable_commune
from postal_tracker.db import Database, insert_one, utcnow
from postal_tracker.errors import Conflict, InvalidInput, NotFound
from postal_tracker.idempotency import run_once
from postal_tracker.lifecycle import BOOKING_CODE, Leg, Status, new_tracking_no, to_delivery_address
from postal_tracker.localtime import local_today
from postal_tracker.models import Dossier, Hamlet, Shipment, table
from postal_tracker.outbox import status_changed
from postal_tracker.personal import for_role
from postal_tracker.places.service import cached_coordinates
from postal_tracker.reference.service import get_hamlet, get_procedure
from postal_tracker.settings import RulesSection
from postal_tracker.shipments.service import record_event, shipment_view

dossiers = table(Dossier)
shipments = table(Shipment)
hamlets = table(Hamlet)


def key_scope(principal: Principal) -> list[sa.ColumnElement[bool]]:
    """What an integration key may reach of its commune's dossiers, by id or tracking number: the
    portal's only (booked through a key, or carrying a portal dossier number), so that a key
    cannot read the desk's bookings by counting ids. Staff: nothing more than their commune."""
    if principal.role is not Role.INTEGRATION:
        return []
    return [sa.or_(dossiers.c.source == "portal", dossiers.c.portal_dossier_no.is_not(None))]


@dataclass(frozen=True)
class Place:
    """Where an address is: its hamlet, its coordinates and where they come from."""

    hamlet: sa.Row
    """The hamlet's row (code, name, centre)."""
    lat: float | None
    lon: float | None
    geo_source: GeoSource


def locate(conn: Connection, commune_id: int, address: Address, field: str) -> Place:
    """Coordinates of an address: as given by the clerk, else as the geocoder already found them
    (cache), else the hamlet's centre. Never asks the geocoder: the background pass does that
    after the booking has committed (places/service.py)."""
    hamlet = get_hamlet(conn, commune_id, address.hamlet_code, field=f"{field}.hamlet_code")
    if (address.lat is None) != (address.lon is None):
        raise InvalidInput("give both lat and lon, or neither", field=f"{field}.lat")
    if address.lat is not None:
        return Place(hamlet, address.lat, address.lon, "given")
    found = cached_coordinates(conn, commune_id, address.detail, hamlet.name)
    if found is not None:
        return Place(hamlet, found[0], found[1], "geocoded")
    return Place(hamlet, hamlet.lat, hamlet.lon, "hamlet")


def _new_dossier(conn: Connection, principal: Principal, req: ReturnRequest, **extra: Any) -> tuple[int, dict]:
    commune = bookable_commune(conn, principal.commune_id)
    procedure = get_procedure(conn, req.procedure_code)
    place = locate(conn, principal.commune_id, req.address, "address")
    values = {
        "commune_id": principal.commune_id,
        "booked_commune_id": commune.id,
        "commune_name": commune.name,
        "portal_dossier_no": req.portal_dossier_no,
        "source": "portal" if principal.user_id is None else "desk",
        "procedure_code": procedure.code,
        "procedure_name": procedure.name,
        "applicant_name": req.applicant.full_name,
        "applicant_phone": req.applicant.phone,
        "applicant_id_number": req.applicant.id_number,
        "hamlet_code": place.hamlet.code,
        "hamlet_name": place.hamlet.name,
        "address_detail": req.address.detail,
        "lat": place.lat,
        "lon": place.lon,
        "geo_source": place.geo_source,
        "fee_vnd": procedure.fee_vnd if req.fee_vnd is None else req.fee_vnd,
        "note": req.note,
        "sms_opt_out": req.sms_opt_out,
        "created_by_user_id": principal.user_id,
        "created_at": utcnow(),
        **extra,
    }
    if (
        req.portal_dossier_no
        and conn.execute(
            sa.select(dossiers.c.id).where(
                dossiers.c.commune_id == principal.commune_id,
                dossiers.c.portal_dossier_no == req.portal_dossier_no,
            )
        ).first()
    ):
        raise Conflict(f"portal dossier {req.portal_dossier_no} is already booked", field="portal_dossier_no")
    dossier_id = insert_one(conn, dossiers.insert().values(**values))
    return dossier_id, values


def _new_shipment(
    conn: Connection, principal: Principal, dossier_id: int, dossier: Any, leg: Leg,
    hamlet_code: str, scheduled: date | None, service_indicator: str,
) -> sa.Row:  # fmt: skip
    now = utcnow()
    postman_id = conn.execute(
        sa.select(hamlets.c.default_postman_id).where(
            hamlets.c.commune_id == principal.commune_id, hamlets.c.code == hamlet_code
        )
    ).scalar()
    for _ in range(10):
        # Serials are random; a collision is rare (1 in 10^8 per parcel) and retried in a
        # savepoint, so the unique constraint, not luck, guarantees uniqueness under concurrency.
        tracking_no = new_tracking_no(service_indicator)
        try:
            with conn.begin_nested():
                shipment_id = insert_one(
                    conn,
                    shipments.insert().values(
                        tracking_no=tracking_no, dossier_id=dossier_id, commune_id=principal.commune_id,
                        leg=leg.value, status=Status.BOOKED.value, attempts=0, version=0,
                        hamlet_code=hamlet_code, postman_id=postman_id, scheduled_date=scheduled,
                        fee_collected_vnd=0, created_at=now, updated_at=now,
                    )
                )  # fmt: skip
            break
        except sa.exc.IntegrityError:
            continue
    else:
        raise RuntimeError("could not draw a free tracking number")
    event = {"event": "booked", "status": Status.BOOKED.value, "at": now}
    record_event(conn, {
        "shipment_id": shipment_id, "event": "booked", "code": BOOKING_CODE, "status": Status.BOOKED.value,
        "at": now, "recorded_at": now, "user_id": principal.user_id,
    })  # fmt: skip
    shipment = conn.execute(sa.select(shipments).where(shipments.c.id == shipment_id)).one()
    status_changed(conn, shipment, dossier, event)
    return shipment


def _dossier_row(conn: Connection, dossier_id: int) -> sa.Row:
    return conn.execute(sa.select(dossiers).where(dossiers.c.id == dossier_id)).one()


def book_pickup(conn: Connection, principal: Principal, req: PickupRequest, rules: RulesSection) -> PickupBooked:
    extra: dict[str, Any] = {
        "return_by_post": req.return_by_post,
        "requested_date": req.requested_date,
        "documents": [d.model_dump() for d in req.documents],
    }
    if req.delivery_address is not None:
        place = locate(conn, principal.commune_id, req.delivery_address, "delivery_address")
        extra.update(
            delivery_hamlet_code=place.hamlet.code, delivery_hamlet_name=place.hamlet.name,
            delivery_detail=req.delivery_address.detail, delivery_lat=place.lat, delivery_lon=place.lon,
            delivery_geo_source=place.geo_source,
        )  # fmt: skip
    dossier_id, _ = _new_dossier(conn, principal, req, **extra)
    dossier = _dossier_row(conn, dossier_id)
    scheduled = req.requested_date or local_today()
    shipment = _new_shipment(
        conn, principal, dossier_id, dossier, Leg.PICKUP, dossier.hamlet_code, scheduled, rules.service_indicator
    )
    return {
        "dossier_id": dossier_id,
        "shipment": shipment_view(conn, shipment, rules),
        "label_url": f"/api/v1/shipments/{shipment.tracking_no}/label.pdf",
        "receipt_url": f"/api/v1/dossiers/{dossier_id}/receipt.pdf",
    }


def book_return(conn: Connection, principal: Principal, dossier_id: int, rules: RulesSection) -> ReturnBooked:
    """The result is ready at the desk: book its way back to the citizen."""
    dossier = conn.execute(
        sa.select(dossiers).where(
            dossiers.c.id == dossier_id, dossiers.c.commune_id == principal.commune_id, *key_scope(principal)
        )
        .with_for_update()
    ).first()  # fmt: skip
    if dossier is None:
        raise NotFound(f"no dossier {dossier_id}")
    legs = {r.leg: r for r in conn.execute(sa.select(shipments).where(shipments.c.dossier_id == dossier_id))}
    if Leg.RETURN in legs:
        raise Conflict("this dossier's return leg is already booked", tracking_no=legs[Leg.RETURN].tracking_no)
    pickup = legs.get(Leg.PICKUP)
    if pickup is not None and pickup.status != Status.AT_DESK:
        raise Conflict(
            "the dossier has not reached the desk yet",
            current_status=pickup.status,
            tracking_no=pickup.tracking_no,
        )
    if not dossier.return_by_post:
        conn.execute(dossiers.update().where(dossiers.c.id == dossier_id).values(return_by_post=True))
    shipment = _new_shipment(
        conn, principal, dossier_id, dossier, Leg.RETURN,
        dossier.delivery_hamlet_code if to_delivery_address(Leg.RETURN, dossier.delivery_hamlet_code)
        else dossier.hamlet_code, local_today(), rules.service_indicator,
    )  # fmt: skip
    return {"shipment": shipment_view(conn, shipment, rules)}


def book_return_only(
    conn: Connection, principal: Principal, req: ReturnRequest, rules: RulesSection
) -> ReturnOnlyBooked:
    dossier_id, _ = _new_dossier(conn, principal, req, return_by_post=True)
    answer = book_return(conn, principal, dossier_id, rules)
    return {"dossier_id": dossier_id, **answer, "receipt_url": f"/api/v1/dossiers/{dossier_id}/receipt.pdf"}


def dossier_view(db: Database, principal: Principal, dossier_id: int, rules: RulesSection) -> DossierView:
    """A dossier with both legs; the read is audited (it shows the applicant's personal data)."""
    with db.write() as conn:
        view = _dossier_view(conn, principal, dossier_id, rules)
        audit.record(conn, principal, Read.DOSSIER, [dossier_id])
    return for_role(principal.role, view)


def _dossier_view(conn: Connection, principal: Principal, dossier_id: int, rules: RulesSection) -> DossierView:
    dossier = conn.execute(
        sa.select(dossiers).where(
            dossiers.c.id == dossier_id, dossiers.c.commune_id == principal.commune_id, *key_scope(principal)
        )
    ).first()
    if dossier is None:
        raise NotFound(f"no dossier {dossier_id}")
    legs = conn.execute(sa.select(shipments).where(shipments.c.dossier_id == dossier_id).order_by(shipments.c.id))
    view: DossierView = {
        "dossier_id": dossier.id,
        "portal_dossier_no": dossier.portal_dossier_no,
        "source": dossier.source,
        "procedure": {"code": dossier.procedure_code, "name": dossier.procedure_name},
        "applicant": {
            "full_name": dossier.applicant_name,
            "phone": dossier.applicant_phone,
            "id_number": dossier.applicant_id_number,
        },
        "address": {
            "hamlet_code": dossier.hamlet_code,
            "hamlet_name": dossier.hamlet_name,
            "detail": dossier.address_detail,
            "lat": dossier.lat,
            "lon": dossier.lon,
            "geo_source": dossier.geo_source,
        },
        "delivery_address": None,
        "return_by_post": dossier.return_by_post,
        "fee_vnd": dossier.fee_vnd,
        "requested_date": dossier.requested_date,
        "note": dossier.note,
        "documents": dossier.documents,
        "sms_opt_out": dossier.sms_opt_out,
        "created_at": dossier.created_at,
        "receipt_url": f"/api/v1/dossiers/{dossier.id}/receipt.pdf",
        # Keyed by each leg's name, `pickup` and `return`: the two keys of DossierLegs.
        "legs": cast(DossierLegs, {row.leg: shipment_view(conn, row, rules) for row in legs}),
    }
    if dossier.delivery_hamlet_code:
        view["delivery_address"] = {
            "hamlet_code": dossier.delivery_hamlet_code,
            "hamlet_name": dossier.delivery_hamlet_name,
            "detail": dossier.delivery_detail,
            "lat": dossier.delivery_lat,
            "lon": dossier.delivery_lon,
            "geo_source": dossier.delivery_geo_source,
        }
    return view


class BookingService:
    """The booking context: dossiers and their legs, each booking once per `Idempotency-Key`.

    `on_booked` runs after a booking has committed (the app wakes its geocoding worker there).
    """

    def __init__(self, db: Database, rules: RulesSection, on_booked: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.rules = rules
        self.on_booked = on_booked

    def book_pickup(self, principal: Principal, req: PickupRequest, idempotency_key: str | None) -> PickupBooked:
        """Book the collection of a dossier at the citizen's home (and later its return)."""
        answer = run_once(
            self.db, principal.key, idempotency_key, "pickups", req.model_dump(mode="json"),
            lambda conn: book_pickup(conn, principal, req, self.rules),
        )  # fmt: skip
        self.on_booked()
        return answer

    def book_return_only(
        self, principal: Principal, req: ReturnRequest, idempotency_key: str | None
    ) -> ReturnOnlyBooked:
        """A return-only dossier, for a citizen who applied at the desk or online."""
        answer = run_once(
            self.db, principal.key, idempotency_key, "returns", req.model_dump(mode="json"),
            lambda conn: book_return_only(conn, principal, req, self.rules),
        )  # fmt: skip
        self.on_booked()
        return answer

    def book_return(self, principal: Principal, dossier_id: int, idempotency_key: str | None) -> ReturnBooked:
        """The result is ready at the desk: book the return leg with a new tracking number."""
        return run_once(
            self.db, principal.key, idempotency_key, f"dossiers/{dossier_id}/return", {},
            lambda conn: book_return(conn, principal, dossier_id, self.rules),
        )  # fmt: skip

    def dossier(self, principal: Principal, dossier_id: int) -> DossierView:
        return dossier_view(self.db, principal, dossier_id, self.rules)
