"""Public tracking: what a citizen may see of a parcel, with no personal data.

The masked name, the hamlet and the parcel's complaints (kind, status, due day) are added only
when `phone_last4` matches the applicant's phone; wrong digits get exactly the answer no digits
get, so the endpoint can't be used to test guesses. Feedback and complaints likewise answer
wrong digits exactly as they answer an unknown number (`personal.no_parcel_for_these_digits`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.complaints.schemas import ComplaintFiled, ComplaintKind
from postal_tracker.complaints.service import complaints_of, file_by_citizen
from postal_tracker.db import Database, first_writer_wins, utcnow
from postal_tracker.errors import Conflict, InvalidInput, NotFound
from postal_tracker.idempotency import run_once
from postal_tracker.lifecycle import Event, Leg, Status, to_delivery_address
from postal_tracker.models import Commune, Dossier, EventRecord, Feedback, Shipment, table
from postal_tracker.personal import ascii_digits, mask_name, no_parcel_for_these_digits, phone_digits_match
from postal_tracker.shipments.service import parse_tracking_no
from postal_tracker.tracking.schemas import FeedbackGiven, PublicLeg, PublicTracking
from postal_tracker.wording import AT_CITIZEN_HOME_VI, STATUS_TEXT_VI, event_text_vi

shipments = table(Shipment)
events = table(EventRecord)
dossiers = table(Dossier)
communes = table(Commune)
feedback = table(Feedback)

_AT_CITIZEN = {Event.BOOKED, Event.PICKUP_FAILED, Event.PICKED_UP, Event.DELIVERED, Event.DELIVERY_FAILED}
_AT_DESK = {Event.HANDED_TO_DESK, Event.COLLECTED_FROM_DESK, Event.RETURNED_TO_DESK, Event.CANCELLED}


def _place(event: str, commune: sa.Row, hamlet_name: str | None) -> str:
    if event in _AT_CITIZEN:
        return f"Ấp {hamlet_name}" if hamlet_name else AT_CITIZEN_HOME_VI
    if event in _AT_DESK:
        return commune.desk_name
    return commune.post_office_name


_other = shipments.alias("other_leg")
# The whole public answer in one indexed statement (no transaction needed around it: one
# statement reads one snapshot): the parcel, its dossier's names, the offices of the commune it
# was booked in (a merge changes no name a citizen saw), the dossier's other leg (a dossier has
# at most one of each) and the events of both legs. Built once, so it is compiled once.
_LOOKUP = (
    sa.select(
        shipments.c.id, shipments.c.tracking_no, shipments.c.leg, shipments.c.status, shipments.c.dossier_id,
        shipments.c.due_at, shipments.c.next_attempt_on, dossiers.c.applicant_name, dossiers.c.applicant_phone,
        dossiers.c.hamlet_name, dossiers.c.delivery_hamlet_code, dossiers.c.delivery_hamlet_name,
        communes.c.desk_name, communes.c.post_office_name,
        _other.c.id.label("other_id"), _other.c.tracking_no.label("other_tracking_no"),
        _other.c.leg.label("other_leg"), _other.c.status.label("other_status"),
        _other.c.due_at.label("other_due_at"), _other.c.next_attempt_on.label("other_next_attempt_on"),
        events.c.shipment_id.label("event_of"), events.c.event, events.c.at,
    )
    .select_from(
        shipments.join(dossiers, dossiers.c.id == shipments.c.dossier_id)
        .join(communes, communes.c.id == dossiers.c.booked_commune_id)
        .outerjoin(_other, sa.and_(_other.c.dossier_id == shipments.c.dossier_id, _other.c.id != shipments.c.id))
        .outerjoin(events, sa.or_(events.c.shipment_id == shipments.c.id, events.c.shipment_id == _other.c.id))
    )
    .where(shipments.c.tracking_no == sa.bindparam("number"))
    .order_by(events.c.shipment_id, events.c.id)
)  # fmt: skip


@dataclass(frozen=True)
class _Leg:
    id: int
    tracking_no: str
    leg: Leg
    status: Status
    due_at: datetime | None
    next_attempt_on: date | None


def public_view(conn: Connection, raw_number: str, phone_last4: str | None) -> PublicTracking:
    number = parse_tracking_no(raw_number)
    if phone_last4 is not None and not (len(phone_last4) == 4 and ascii_digits(phone_last4)):
        raise InvalidInput("phone_last4 is the last 4 digits of the phone number", field="phone_last4")
    rows = conn.execute(_LOOKUP, {"number": number}).all()
    if not rows:
        raise NotFound(f"no parcel with tracking number {number}")
    parcel = rows[0]
    timelines: dict[int, list[sa.Row]] = defaultdict(list)
    for row in rows:
        timelines[row.event_of].append(row)
    verified = phone_digits_match(parcel.applicant_phone, phone_last4)
    this = _Leg(
        parcel.id, parcel.tracking_no, Leg(parcel.leg), Status(parcel.status), parcel.due_at, parcel.next_attempt_on
    )
    view: PublicTracking = {**_leg_view(this, timelines[parcel.id], parcel, verified)}
    # One number follows the whole dossier: the pickup leg shows its return leg once booked,
    # and the return leg names the pickup leg (the number on the citizen's receipt).
    if parcel.other_id is not None and parcel.other_leg == "return":
        other = _Leg(parcel.other_id, parcel.other_tracking_no, Leg(parcel.other_leg), Status(parcel.other_status),
                     parcel.other_due_at, parcel.other_next_attempt_on)  # fmt: skip
        view["return_leg"] = _leg_view(other, timelines[parcel.other_id], parcel, verified)
    elif parcel.other_id is not None:
        view["pickup_leg"] = {"tracking_no": parcel.other_tracking_no, "status": parcel.other_status}
    if verified:
        view["name_masked"] = mask_name(parcel.applicant_name)
        view["hamlet"] = _hamlet_of(parcel, parcel.leg)
        view["complaints"] = complaints_of(conn, parcel.id)
    return view


def _hamlet_of(dossier: Any, leg: str) -> str:
    """The hamlet the leg goes to (lifecycle.to_delivery_address), by its name when booked."""
    to_delivery = to_delivery_address(leg, dossier.delivery_hamlet_code)
    return dossier.delivery_hamlet_name if to_delivery else dossier.hamlet_name


def _leg_view(leg: _Leg, timeline: list[sa.Row], dossier: Any, verified: bool) -> PublicLeg:
    """One leg's number, status and timeline, as anyone may read them."""
    hamlet_name = _hamlet_of(dossier, leg.leg) if verified else None
    return {
        "tracking_no": leg.tracking_no,
        "leg": leg.leg,
        "status": leg.status,
        "status_text_vi": STATUS_TEXT_VI[Status(leg.status)],
        "due_at": leg.due_at,
        "next_attempt_on": leg.next_attempt_on,
        "events": [
            {
                "event": r.event,
                "at": r.at,
                "place": _place(r.event, dossier, hamlet_name),
                "text_vi": event_text_vi(r.event),
            }
            for r in timeline
        ],
    }


def give_feedback(db: Database, raw_number: str, phone_last4: str, rating: int, comment: str | None) -> FeedbackGiven:
    """Feedback on a delivered result: once per parcel, from whoever knows the phone's last digits.

    An unknown number, wrong digits and a parcel not delivered yet all get one and the same 404
    (whatever the digits, so that no answer tells whether they were right); feedback already
    given: 409.
    """
    return first_writer_wins(
        db, lambda conn: _give_feedback(conn, raw_number, phone_last4, rating, comment), _already_given
    )


def _already_given(conn: Connection) -> FeedbackGiven:
    # The same feedback sent twice at the same moment: the first one counts.
    raise Conflict(ALREADY_GIVEN)


ALREADY_GIVEN = "feedback on this parcel was already given, thank you"
FEEDBACK_OPENS = "feedback opens once the result is delivered"


def _give_feedback(
    conn: Connection, raw_number: str, phone_last4: str, rating: int, comment: str | None
) -> FeedbackGiven:
    number = parse_tracking_no(raw_number)
    parcel = conn.execute(
        sa.select(shipments.c.id, shipments.c.status, dossiers.c.applicant_phone)
        .join(dossiers, dossiers.c.id == shipments.c.dossier_id)
        .where(shipments.c.tracking_no == number)
        .with_for_update(of=shipments)
    ).first()  # fmt: skip
    delivered = parcel is not None and parcel.status == Status.DELIVERED
    if parcel is None or not (delivered and phone_digits_match(parcel.applicant_phone, phone_last4)):
        raise no_parcel_for_these_digits(number, FEEDBACK_OPENS)
    if conn.execute(sa.select(feedback.c.id).where(feedback.c.shipment_id == parcel.id)).first():
        raise Conflict(ALREADY_GIVEN)
    now = utcnow()
    conn.execute(
        feedback.insert().values(shipment_id=parcel.id, rating=rating, comment=comment or None, created_at=now)
    )
    return {"tracking_no": number, "rating": rating, "comment": comment or None, "created_at": now}


class TrackingService:
    """The public tracking context: a parcel's journey for citizens, their feedback and complaints."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def track(self, raw_number: str, phone_last4: str | None) -> PublicTracking:
        with self.db.lookup() as conn:  # one statement (a second for the verified), no BEGIN
            return public_view(conn, raw_number, phone_last4)

    def give_feedback(self, raw_number: str, phone_last4: str, rating: int, comment: str | None) -> FeedbackGiven:
        return give_feedback(self.db, raw_number, phone_last4, rating, comment)

    def complain(
        self, raw_number: str, phone_last4: str, kind: ComplaintKind, text: str, idempotency_key: str | None
    ) -> ComplaintFiled:
        """A citizen's complaint; the same `Idempotency-Key` and body again answer the first result."""
        body = {"tracking_no": raw_number, "phone_last4": phone_last4, "kind": kind, "text": text}
        return run_once(
            self.db, f"track:{raw_number.upper()}"[:64], idempotency_key, "track-complaints", body,
            lambda conn: file_by_citizen(conn, raw_number, phone_last4, kind, text),
        )  # fmt: skip
