"""The status machine of a shipment, as data, and the S10 tracking numbers.

`TRANSITIONS` is the one table of the contract (API.md, "Legs, events and statuses"): the
scanning service applies it, the API reports allowed events from it, and the tests walk it.
Each event carries a UPU EMSEVT-style code:

| event               | code | why                                                              |
|---------------------|------|------------------------------------------------------------------|
| (booking)           | PRE  | pre-advice: announced, not yet in the post's hands (local code)  |
| pickup_failed       | EMH  | unsuccessful attempt, with a reason (here: at collection)        |
| picked_up           | EMA  | posting / collection                                             |
| arrived_post_office | EMG  | arrival at the office (the commune post office)                  |
| handed_to_desk      | EMI  | final delivery: the desk is the addressee of the pickup leg      |
| collected_from_desk | EMA  | posting / collection: the desk posts the result                  |
| out_for_delivery    | EMF  | departure from the office towards delivery                      |
| delivery_failed     | EMH  | unsuccessful delivery attempt, with a reason                     |
| delivered           | EMI  | final delivery to the citizen                                    |
| returned_to_desk    | RTS  | returned to sender (the desk) (local code)                       |
| cancelled           | CAN  | cancelled before collection (local code)                         |
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class Leg(StrEnum):
    PICKUP = "pickup"
    RETURN = "return"


class Status(StrEnum):
    BOOKED = "booked"
    PICKUP_FAILED = "pickup_failed"
    PICKED_UP = "picked_up"
    AT_POST_OFFICE = "at_post_office"
    AT_DESK = "at_desk"
    COLLECTED = "collected"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"
    RETURNED_TO_DESK = "returned_to_desk"
    CANCELLED = "cancelled"


FINAL_STATUSES = frozenset({Status.AT_DESK, Status.DELIVERED, Status.RETURNED_TO_DESK, Status.CANCELLED})



class Event(StrEnum):
    BOOKED = "booked"  # not a scan: the booking itself
    PICKUP_FAILED = "pickup_failed"
    PICKED_UP = "picked_up"
    ARRIVED_POST_OFFICE = "arrived_post_office"
    HANDED_TO_DESK = "handed_to_desk"
    COLLECTED_FROM_DESK = "collected_from_desk"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERY_FAILED = "delivery_failed"
    DELIVERED = "delivered"
    RETURNED_TO_DESK = "returned_to_desk"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Transition:
    event: Event
    allowed_from: Mapping[Leg, frozenset[Status]]  # the legs it applies to, and from which statuses
    to: Status
    required: tuple[str, ...]
    code: str


def _from(pickup: set[Status] | None = None, ret: set[Status] | None = None) -> dict[Leg, frozenset[Status]]:
    legs = {Leg.PICKUP: pickup, Leg.RETURN: ret}
    return {leg: frozenset(statuses) for leg, statuses in legs.items() if statuses is not None}


S = Status
TRANSITIONS: Mapping[Event, Transition] = {
    t.event: t
    for t in (
        Transition(Event.PICKUP_FAILED, _from({S.BOOKED, S.PICKUP_FAILED}), S.PICKUP_FAILED,
                   ("reason",), "EMH"),
        Transition(Event.PICKED_UP, _from({S.BOOKED, S.PICKUP_FAILED}), S.PICKED_UP,
                   (), "EMA"),
        Transition(Event.ARRIVED_POST_OFFICE, _from({S.PICKED_UP}, {S.COLLECTED}), S.AT_POST_OFFICE,
                   (), "EMG"),
        Transition(Event.HANDED_TO_DESK, _from({S.PICKED_UP, S.AT_POST_OFFICE}), S.AT_DESK,
                   (), "EMI"),
        Transition(Event.COLLECTED_FROM_DESK, _from(ret={S.BOOKED}), S.COLLECTED,
                   (), "EMA"),
        Transition(Event.OUT_FOR_DELIVERY, _from(ret={S.COLLECTED, S.AT_POST_OFFICE, S.DELIVERY_FAILED}),
                   S.OUT_FOR_DELIVERY, (), "EMF"),
        Transition(Event.DELIVERY_FAILED, _from(ret={S.OUT_FOR_DELIVERY}), S.DELIVERY_FAILED,
                   ("reason",), "EMH"),
        Transition(Event.DELIVERED, _from(ret={S.OUT_FOR_DELIVERY}), S.DELIVERED,
                   ("recipient_name",), "EMI"),
        Transition(Event.RETURNED_TO_DESK, _from(ret={S.COLLECTED, S.AT_POST_OFFICE, S.DELIVERY_FAILED}),
                   S.RETURNED_TO_DESK, (), "RTS"),
        Transition(Event.CANCELLED, _from({S.BOOKED, S.PICKUP_FAILED}, {S.BOOKED}), S.CANCELLED,
                   ("reason",), "CAN"),
    )
}  # fmt: skip

BOOKING_CODE = "PRE"

# After the attempt limit a leg may only leave the postman's round: a result goes back to the
# desk (contract); a dossier that could not be collected is cancelled or collected at last.
EVENTS_AFTER_ATTEMPT_LIMIT: Mapping[Leg, frozenset[Event]] = {
    Leg.RETURN: frozenset({Event.RETURNED_TO_DESK}),
    Leg.PICKUP: frozenset({Event.PICKED_UP, Event.CANCELLED}),
}
FAILURE_EVENTS = frozenset({Event.PICKUP_FAILED, Event.DELIVERY_FAILED})
# A fee is collected with the dossier, or with the result for what is still owed then (API.md).
FEE_EVENTS = frozenset({Event.PICKED_UP, Event.DELIVERED})

# The legal clock (Circular 17/2017; deadlines in workdays.py): day J of a leg is the day of the
# event by which the post takes it; the leg has arrived once it reaches one of its DESTINATIONS.
TAKEN_BY_POST: Mapping[Leg, Event] = {Leg.PICKUP: Event.PICKED_UP, Leg.RETURN: Event.COLLECTED_FROM_DESK}
DESTINATIONS = frozenset({Status.AT_DESK, Status.DELIVERED})


def to_delivery_address(leg: str, delivery_hamlet_code: str | None) -> bool:
    """Where a leg meets the citizen: at home, except a return leg of a dossier booked with a
    delivery address (`delivery_hamlet_code` set), which goes there. The one rule that the
    manifests, labels, hand-over records, public tracking and the desk all follow."""
    return leg == Leg.RETURN and bool(delivery_hamlet_code)


def allowed_events(leg: Leg, status: Status, attempts: int, max_attempts: int) -> list[Event]:
    """The scans the table allows for a shipment in this state, in table order."""
    events = [t.event for t in TRANSITIONS.values() if status in t.allowed_from.get(leg, ())]
    if attempts >= max_attempts:
        events = [e for e in events if e in EVENTS_AFTER_ATTEMPT_LIMIT[leg]]
    return events


# --- Failed attempts: reasons and the next step each one leads to --------------------------


class Reason(StrEnum):
    NOT_HOME = "not_home"
    NOT_READY = "not_ready"
    WRONG_ADDRESS = "wrong_address"
    REFUSED = "refused"
    MOVED = "moved"
    OTHER = "other"


class NextStep(StrEnum):
    RETRY_NEXT_ROUND = "retry_next_round"
    CALL_CITIZEN = "call_citizen"
    HOLD_AT_POST_OFFICE = "hold_at_post_office"
    RETURN_TO_DESK = "return_to_desk"


REASONS: Mapping[Reason, NextStep] = {
    Reason.NOT_HOME: NextStep.RETRY_NEXT_ROUND,
    Reason.NOT_READY: NextStep.CALL_CITIZEN,
    Reason.WRONG_ADDRESS: NextStep.CALL_CITIZEN,
    Reason.REFUSED: NextStep.RETURN_TO_DESK,
    Reason.MOVED: NextStep.HOLD_AT_POST_OFFICE,
    Reason.OTHER: NextStep.CALL_CITIZEN,
}
"""The reasons a failed attempt gives, and the next step each one leads to (wording: wording.py)."""


# --- S10 tracking numbers ---------------------------------------------------------------------

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
S10_PATTERN = re.compile(r"^([A-Z]{2})([0-9]{8})([0-9])([A-Z]{2})$")  # [0-9]: `\d` is any script's digit


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit of an 8-digit serial: 11 - (weighted sum mod 11); 10 -> 0, 11 -> 5."""
    if len(serial) != 8 or not (serial.isascii() and serial.isdigit()):
        raise ValueError("an S10 serial is exactly 8 digits")
    check = 11 - sum(int(d) * w for d, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def new_tracking_no(service_indicator: str, country: str = "VN") -> str:
    """A tracking number with a random serial, so a neighbour's number can't be guessed."""
    serial = f"{secrets.randbelow(10**8):08d}"
    return f"{service_indicator}{serial}{s10_check_digit(serial)}{country}"


class InvalidTrackingNumber(ValueError):
    pass


def normalize_tracking_no(raw: str) -> str:
    """Accept `rr 1234 5678 5 vn`; return `RR123456785VN` or raise InvalidTrackingNumber."""
    compact = re.sub(r"[\s-]+", "", raw)
    # ASCII before upper(): "ſ".upper() is "S", and a lookalike must not become a valid number.
    match = S10_PATTERN.match(compact.upper()) if compact.isascii() else None
    if not match:
        raise InvalidTrackingNumber("a tracking number is 2 letters, 9 digits and 2 letters, e.g. RR123456785VN")
    _, serial, check, _ = match.groups()
    if s10_check_digit(serial) != int(check):
        raise InvalidTrackingNumber("the check digit of this tracking number is wrong: please re-type it")
    return compact.upper()


def group_tracking_no(number: str) -> str:
    """`RR123456785VN` -> `RR 1234 5678 5 VN`, for reading aloud."""
    return f"{number[:2]} {number[2:6]} {number[6:10]} {number[10]} {number[11:]}"
