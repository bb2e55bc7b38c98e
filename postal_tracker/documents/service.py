"""Documents: reading the rows a document needs and mapping them to the `labels` dataclasses.

Each function reads in one short transaction and renders after it has closed: rendering 500
labels takes about a second of CPU, and no database connection should wait for it.
Everything is scoped to the caller's commune; another commune's parcel is simply not found.

Who is who on a label: the pickup leg goes from the citizen (at home) to the desk; the return
leg from the desk to the citizen, at the delivery address when the dossier has one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import phonenumbers
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from labels import (
    DocumentLine,
    HandoverData,
    HandoverLine,
    LabelData,
    Party,
    ReceiptData,
    render_handover,
    render_labels,
    render_receipt,
    render_zpl,
)
from postal_tracker.accounts.service import Principal, Role
from postal_tracker.audit import service as audit
from postal_tracker.audit.service import Read
from postal_tracker.booking.service import key_scope
from postal_tracker.db import MAX_ID, Database
from postal_tracker.documents.schemas import ZPL, HandoverItem, HandoverView, LabelFormat, LabelSize, PdfDocument
from postal_tracker.errors import InvalidInput, NotFound
from postal_tracker.lifecycle import Leg, to_delivery_address
from postal_tracker.localtime import local_date
from postal_tracker.models import Commune, Dossier, EventRecord, Handover, Shipment, User, table
from postal_tracker.personal import display_phone
from postal_tracker.settings import PublicSection
from postal_tracker.shipments.service import parse_tracking_no

communes = table(Commune)
dossiers = table(Dossier)
shipments = table(Shipment)
events = table(EventRecord)
handovers = table(Handover)
users = table(User)


def _commune(conn: Connection, commune_id: int) -> sa.Row:
    return conn.execute(sa.select(communes).where(communes.c.id == commune_id)).one()


def _phone(raw: str | None) -> str | None:
    """A stored number in the form a postman dials; the desk's phone is typed by hand, so keep
    it as it is if it does not parse."""
    if not raw:
        return None
    try:
        return display_phone(raw)
    except phonenumbers.NumberParseException:
        return raw


def _address(detail: str, hamlet_name: str, commune_name: str) -> str:
    return f"{detail}, ấp {hamlet_name}, xã {commune_name}"


def _desk(commune: sa.Row) -> Party:
    return Party(commune.desk_name, _phone(commune.desk_phone), commune.desk_address)


def _citizen_at_home(row: Any, commune: sa.Row) -> Party:
    return Party(
        row.applicant_name, _phone(row.applicant_phone), _address(row.address_detail, row.hamlet_name, row.commune_name)
    )


def _citizen_for_return(row: Any, commune: sa.Row) -> Party:
    if to_delivery_address(Leg.RETURN, row.delivery_hamlet_code):
        address = _address(row.delivery_detail, row.delivery_hamlet_name, row.commune_name)
        return Party(row.applicant_name, _phone(row.applicant_phone), address)
    return _citizen_at_home(row, commune)


# --- Labels -------------------------------------------------------------------------------------

_LABEL_COLUMNS = (
    shipments.c.tracking_no,
    shipments.c.leg,
    shipments.c.created_at,
    shipments.c.fee_collected_vnd,
    shipments.c.dossier_id,
    dossiers.c.applicant_name,
    dossiers.c.applicant_phone,
    dossiers.c.commune_name,
    dossiers.c.hamlet_name,
    dossiers.c.address_detail,
    dossiers.c.delivery_hamlet_code,
    dossiers.c.delivery_hamlet_name,
    dossiers.c.delivery_detail,
    dossiers.c.procedure_name,
    dossiers.c.fee_vnd,
)


def _label_data(row: Any, commune: sa.Row, public: PublicSection) -> LabelData:
    citizen_home = _citizen_at_home(row, commune)
    if row.leg == Leg.PICKUP:
        sender, recipient, hamlet_name = citizen_home, _desk(commune), row.hamlet_name
        # What is still to collect: a label reprinted after the pickup must not ask twice.
        fee = max(row.fee_vnd - row.fee_collected_vnd, 0) or None
    else:
        sender, recipient = _desk(commune), _citizen_for_return(row, commune)
        to_delivery = to_delivery_address(row.leg, row.delivery_hamlet_code)
        hamlet_name = row.delivery_hamlet_name if to_delivery else row.hamlet_name
        # Fees are collected with the dossier at pickup (API.md: `picked_up` carries them), or at
        # the desk for return-only dossiers: the result itself is never cash on delivery.
        fee = None
    return LabelData(
        tracking_no=row.tracking_no,
        leg=row.leg,
        sender=sender,
        recipient=recipient,
        hamlet_name=hamlet_name,
        procedure_name=row.procedure_name,
        fee_vnd=fee,
        booked_on=local_date(row.created_at),
        tracking_url=public.tracking_url(row.tracking_no),
    )


def _parse_all(raw_numbers: Sequence[str]) -> list[str]:
    """Normalized numbers, or one InvalidInput naming every malformed one."""
    numbers, errors = [], []
    for index, raw in enumerate(raw_numbers):
        try:
            numbers.append(parse_tracking_no(raw))
        except InvalidInput as exc:
            errors.append({"field": f"tracking_nos.{index}", "message": exc.detail, "tracking_no": raw})
    if errors:
        raise InvalidInput(
            f"{len(errors)} of {len(raw_numbers)} tracking numbers are malformed; nothing was printed",
            errors=errors,
            invalid=[e["tracking_no"] for e in errors],
        )
    return numbers


def labels_pdf(
    db: Database,
    principal: Principal,
    raw_numbers: Sequence[str],
    size: LabelSize,
    public: PublicSection,
    format: LabelFormat = "pdf",
) -> PdfDocument:
    """Every label in one PDF or ZPL document, in the order asked (a number asked twice is
    printed twice).

    All or nothing: a malformed number is 422, a number that is not a parcel of the caller's
    commune is 404, each listing the offending numbers.
    """
    numbers = _parse_all(raw_numbers)
    return _labels(db, principal, numbers, size, public, format, f"labels-{len(numbers)}")


def label_pdf(
    db: Database,
    principal: Principal,
    raw_number: str,
    size: LabelSize,
    public: PublicSection,
    format: LabelFormat = "pdf",
) -> PdfDocument:
    number = parse_tracking_no(raw_number)
    return _labels(db, principal, [number], size, public, format, f"label-{number}")


def _labels(
    db: Database,
    principal: Principal,
    numbers: list[str],
    size: LabelSize,
    public: PublicSection,
    format: LabelFormat,
    name: str,
) -> PdfDocument:
    if format == "zpl" and size != "a6":
        raise InvalidInput("ZPL labels are 100 x 150 mm thermal labels: size must be a6", field="size")
    labels = _label_data_of(db, principal, numbers, public)
    if format == "zpl":
        return PdfDocument(f"{name}.zpl", render_zpl(labels), ZPL)
    return PdfDocument(f"{name}.pdf", render_labels(labels, size))


def _label_data_of(db: Database, principal: Principal, numbers: list[str], public: PublicSection) -> list[LabelData]:
    """The labels' data, the read recorded in the audit log in the same transaction."""
    with db.write() as conn:
        commune = _commune(conn, principal.commune_id)
        rows = conn.execute(
            sa.select(*_LABEL_COLUMNS)
            .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
            .where(
                shipments.c.commune_id == principal.commune_id,
                shipments.c.tracking_no.in_(set(numbers)),
                *key_scope(principal),
            )
        ).all()
        found = {row.tracking_no: _label_data(row, commune, public) for row in rows}
        unknown = list(dict.fromkeys(n for n in numbers if n not in found))
        if len(numbers) == 1 and unknown:
            raise NotFound(f"no parcel with tracking number {unknown[0]}", unknown=unknown)
        if unknown:
            raise NotFound(
                f"{len(unknown)} of {len(numbers)} tracking numbers are not parcels of this commune; "
                "nothing was printed",
                unknown=unknown,
            )
        audit.record(conn, principal, Read.LABEL, [row.dossier_id for row in rows])
    return [found[n] for n in numbers]


# --- Receipt ------------------------------------------------------------------------------------


def receipt_pdf(db: Database, principal: Principal, dossier_id: int, public: PublicSection) -> PdfDocument:
    """The citizen's receipt (biên nhận): documents, both legs' numbers, fee, expected pickup date."""
    with db.write() as conn:
        dossier = conn.execute(
            sa.select(dossiers).where(
                dossiers.c.id == dossier_id, dossiers.c.commune_id == principal.commune_id, *key_scope(principal)
            )
        ).first()
        if dossier is None:
            raise NotFound(f"no dossier {dossier_id}")
        legs = {
            row.leg: row
            for row in conn.execute(
                sa.select(shipments.c.leg, shipments.c.tracking_no).where(shipments.c.dossier_id == dossier_id)
            )
        }
        # The receipt is the record of a booking: it names the desk the dossier was booked at.
        commune = _commune(conn, dossier.booked_commune_id)
        audit.record(conn, principal, Read.RECEIPT, [dossier.id])
    pickup, ret = legs.get(Leg.PICKUP), legs.get(Leg.RETURN)
    # The QR leads to the leg the citizen waits for first: the pickup, or the return alone.
    first = pickup or ret
    data = ReceiptData(
        dossier_id=str(dossier.id),
        commune_name=f"UBND xã {dossier.commune_name}",
        desk_name=commune.desk_name,
        applicant=_citizen_at_home(dossier, commune),
        procedure_code=dossier.procedure_code,
        procedure_name=dossier.procedure_name,
        documents=[DocumentLine(d["name"], d["kind"], d.get("pages")) for d in dossier.documents or []],
        pickup_tracking_no=pickup.tracking_no if pickup else None,
        return_tracking_no=ret.tracking_no if ret else None,
        fee_vnd=dossier.fee_vnd,
        booked_at=dossier.created_at,
        expected_pickup_date=(dossier.requested_date or local_date(dossier.created_at)) if pickup else None,
        tracking_url=public.tracking_url(first.tracking_no) if first else public.tracking_page,
        portal_dossier_no=dossier.portal_dossier_no,
    )
    return PdfDocument(f"receipt-{dossier.id}.pdf", render_receipt(data))


# --- Hand-over records --------------------------------------------------------------------------

_HANDOVER_REF = re.compile(r"^([0-9]{1,10})(\.pdf)?$")


def parse_handover_ref(ref: str) -> tuple[int, bool]:
    """`123` -> (123, False), `123.pdf` -> (123, True); anything else is not a hand-over."""
    match = _HANDOVER_REF.match(ref)
    if not match or int(match.group(1)) > MAX_ID:
        raise NotFound(f"no hand-over {ref}")
    return int(match.group(1)), bool(match.group(2))


def _handover(db: Database, principal: Principal, handover_id: int) -> tuple[HandoverView, str]:
    """A hand-over and its parcels, and its commune's name; the read is audited (it names the
    applicants)."""
    with db.write() as conn:
        view, commune_name = _handover_in(conn, principal, handover_id)
        audit.record(conn, principal, Read.HANDOVER, [item["dossier_id"] for item in view["items"]])
    return view, commune_name


def _handover_in(conn: Connection, principal: Principal, handover_id: int) -> tuple[HandoverView, str]:
    handover = conn.execute(
        sa.select(handovers).where(handovers.c.id == handover_id, handovers.c.commune_id == principal.commune_id)
    ).first()
    if handover is None:
        raise NotFound(f"no hand-over {handover_id}")
    commune = _commune(conn, handover.commune_id)
    # user_id may be NULL (the column allows it): then the offices alone are named.
    who = sa.select(users.c.full_name, users.c.username, users.c.role).where(users.c.id == handover.user_id)
    recorder = conn.execute(who).first()
    rows = conn.execute(
        sa.select(
            events.c.event, events.c.at, shipments.c.tracking_no, shipments.c.leg, shipments.c.dossier_id,
            shipments.c.hamlet_code, shipments.c.status, dossiers.c.applicant_name, dossiers.c.hamlet_name,
            dossiers.c.delivery_hamlet_code, dossiers.c.delivery_hamlet_name, dossiers.c.procedure_code,
            dossiers.c.procedure_name,
        )
        .join(shipments, shipments.c.id == events.c.shipment_id)
        .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
        .where(events.c.handover_id == handover_id)
        .order_by(events.c.id)
    )  # fmt: skip
    items: list[HandoverItem] = [
        {
            "tracking_no": r.tracking_no,
            "leg": r.leg,
            "dossier_id": r.dossier_id,
            "event": r.event,
            "at": r.at,
            "status": r.status,
            "applicant_name": r.applicant_name,
            "hamlet_code": r.hamlet_code,
            "hamlet_name": (
                r.delivery_hamlet_name if to_delivery_address(r.leg, r.delivery_hamlet_code) else r.hamlet_name
            ),
            "procedure_code": r.procedure_code,
            "procedure_name": r.procedure_name,
        }
        for r in rows
    ]
    # The one who recorded the hand-over signs for their side: a postman for the post office,
    # a clerk for the desk. The other side is named by its office.
    recorder_name = (recorder.full_name or recorder.username) if recorder else None
    post = commune.post_office_name
    desk = commune.desk_name
    if recorder is not None and recorder.role == Role.POSTAL:
        post = f"{post} ({recorder_name})"
    elif recorder is not None:
        desk = f"{desk} ({recorder_name})"
    from_party, to_party = (post, desk) if handover.direction == "to_desk" else (desk, post)
    view: HandoverView = {
        "handover_id": handover.id,
        "direction": handover.direction,
        "at": handover.at,
        "count": len(items),
        "from_party": from_party,
        "to_party": to_party,
        "recorded_by": {"user_id": handover.user_id, "full_name": recorder_name} if recorder else None,
        "created_at": handover.created_at,
        "pdf_url": f"/api/v1/handovers/{handover.id}.pdf",
        "items": items,
    }
    return view, commune.name


def handover_view(db: Database, principal: Principal, handover_id: int) -> HandoverView:
    """A hand-over with its parcels, for the desk to check before signing."""
    view, _ = _handover(db, principal, handover_id)
    return view


def handover_pdf(db: Database, principal: Principal, handover_id: int) -> PdfDocument:
    """The hand-over record (biên bản giao nhận) both sides sign."""
    view, commune_name = _handover(db, principal, handover_id)
    data = HandoverData(
        handover_id=str(view["handover_id"]),
        direction=view["direction"],
        at=view["at"],
        commune_name=f"xã {commune_name}",
        from_party=view["from_party"],
        to_party=view["to_party"],
        lines=[
            HandoverLine(i["tracking_no"], i["applicant_name"], i["hamlet_name"], i["procedure_name"])
            for i in view["items"]
        ],
    )
    return PdfDocument(f"handover-{view['handover_id']}.pdf", render_handover(data))


class DocumentService:
    """The documents context: labels, receipts and hand-over records of the caller's commune."""

    def __init__(self, db: Database, public: PublicSection) -> None:
        self.db = db
        self.public = public

    def label(self, principal: Principal, raw_number: str, size: LabelSize, format: LabelFormat = "pdf") -> PdfDocument:
        return label_pdf(self.db, principal, raw_number, size, self.public, format)

    def labels(
        self, principal: Principal, raw_numbers: Sequence[str], size: LabelSize, format: LabelFormat = "pdf"
    ) -> PdfDocument:
        return labels_pdf(self.db, principal, raw_numbers, size, self.public, format)

    def receipt(self, principal: Principal, dossier_id: int) -> PdfDocument:
        return receipt_pdf(self.db, principal, dossier_id, self.public)

    def handover(self, principal: Principal, ref: str) -> HandoverView | PdfDocument:
        """`123`: the hand-over as JSON; `123.pdf`: its signed record."""
        handover_id, as_pdf = parse_handover_ref(ref)
        if as_pdf:
            return handover_pdf(self.db, principal, handover_id)
        return handover_view(self.db, principal, handover_id)
