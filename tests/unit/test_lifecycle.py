"""The S10 check digit and the status machine, walked from the one table."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postal_tracker.lifecycle import (
    EVENTS_AFTER_ATTEMPT_LIMIT,
    FINAL_STATUSES,
    REASONS,
    TRANSITIONS,
    Event,
    InvalidTrackingNumber,
    Leg,
    Reason,
    Status,
    allowed_events,
    group_tracking_no,
    new_tracking_no,
    normalize_tracking_no,
    s10_check_digit,
)


@pytest.mark.parametrize(("serial", "digit"), [("47312482", 9), ("28704377", 5), ("12345678", 5)])
def test_check_digit_matches_published_examples(serial, digit):
    assert s10_check_digit(serial) == digit


@given(st.sampled_from(["RR", "EE", "CP"]))
def test_every_generated_number_validates(indicator):
    number = new_tracking_no(indicator)
    assert normalize_tracking_no(number) == number
    assert number.startswith(indicator) and number.endswith("VN") and len(number) == 13


def _weighted_sum_mod_11(serial: str) -> int:
    return sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True)) % 11


@given(st.integers(0, 10**8 - 1), st.integers(2, 10), st.integers(0, 9))
def test_every_single_digit_change_is_caught(serial, position, new_digit):
    """Caught always, but for S10's one blind spot: sums 0 and 6 (mod 11) both give check digit 5.

    The weights are non-zero mod 11, so a changed digit always changes the weighted sum; the
    standard then maps 11 - 0 = 11 to 5, the digit that 11 - 6 gives too.
    """
    serial_text = f"{serial:08d}"
    number = f"RR{serial_text}{s10_check_digit(serial_text)}VN"
    if number[position] == str(new_digit):
        return
    changed = number[:position] + str(new_digit) + number[position + 1 :]
    blind_spot = position < 10 and {_weighted_sum_mod_11(serial_text), _weighted_sum_mod_11(changed[2:10])} == {0, 6}
    if blind_spot:
        assert normalize_tracking_no(changed) == changed
    else:
        with pytest.raises(InvalidTrackingNumber):
            normalize_tracking_no(changed)


def test_the_blind_spot_is_real():
    assert s10_check_digit("00000004") == s10_check_digit("00400004") == 5


def test_lookups_accept_lower_case_and_spaces():
    assert normalize_tracking_no("rr 1234 5678 5 vn") == "RR123456785VN"
    assert group_tracking_no("RR123456785VN") == "RR 1234 5678 5 VN"


@pytest.mark.parametrize("bad", ["", "RR12345678VN", "RR1234567855VN", "1R123456785VN", "RR123456784VN"])
def test_malformed_numbers_are_refused(bad):
    with pytest.raises(InvalidTrackingNumber):
        normalize_tracking_no(bad)


def test_random_serials_are_not_sequential():
    numbers = {new_tracking_no("RR") for _ in range(200)}
    serials = sorted(int(n[2:10]) for n in numbers)
    assert len(numbers) == 200
    assert max(b - a for a, b in itertools.pairwise(serials)) > 1000


# The contract's table, written out once more by hand, so a change to TRANSITIONS is deliberate.
CONTRACT = {
    ("pickup_failed", "pickup"): ({"booked", "pickup_failed"}, "pickup_failed"),
    ("picked_up", "pickup"): ({"booked", "pickup_failed"}, "picked_up"),
    ("arrived_post_office", "pickup"): ({"picked_up"}, "at_post_office"),
    ("arrived_post_office", "return"): ({"collected"}, "at_post_office"),
    ("handed_to_desk", "pickup"): ({"picked_up", "at_post_office"}, "at_desk"),
    ("collected_from_desk", "return"): ({"booked"}, "collected"),
    ("out_for_delivery", "return"): ({"collected", "at_post_office", "delivery_failed"}, "out_for_delivery"),
    ("delivery_failed", "return"): ({"out_for_delivery"}, "delivery_failed"),
    ("delivered", "return"): ({"out_for_delivery"}, "delivered"),
    ("returned_to_desk", "return"): ({"collected", "at_post_office", "delivery_failed"}, "returned_to_desk"),
    ("cancelled", "pickup"): ({"booked", "pickup_failed"}, "cancelled"),
    ("cancelled", "return"): ({"booked"}, "cancelled"),
}


def test_table_is_the_contract():
    table = {
        (event.value, leg.value): ({s.value for s in statuses}, t.to.value)
        for event, t in TRANSITIONS.items()
        for leg, statuses in t.allowed_from.items()
    }
    assert table == CONTRACT
    assert TRANSITIONS[Event.DELIVERED].required == ("recipient_name",)
    assert {e for e, t in TRANSITIONS.items() if "reason" in t.required} == {
        Event.PICKUP_FAILED,
        Event.DELIVERY_FAILED,
        Event.CANCELLED,
    }


@pytest.mark.parametrize("leg", list(Leg))
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("event", [e for e in Event if e is not Event.BOOKED])
def test_every_transition_allowed_or_forbidden_per_table(leg, status, event):
    expected = (event.value, leg.value) in CONTRACT and status.value in CONTRACT[(event.value, leg.value)][0]
    assert (event in allowed_events(leg, status, attempts=0, max_attempts=3)) is expected


def test_final_statuses_allow_nothing():
    for leg, status in itertools.product(Leg, FINAL_STATUSES):
        assert allowed_events(leg, status, 0, 3) == []


def test_after_the_attempt_limit_a_result_can_only_go_back_to_the_desk():
    assert allowed_events(Leg.RETURN, Status.DELIVERY_FAILED, 2, 3) == [Event.OUT_FOR_DELIVERY, Event.RETURNED_TO_DESK]
    assert allowed_events(Leg.RETURN, Status.DELIVERY_FAILED, 3, 3) == [Event.RETURNED_TO_DESK]
    limited = allowed_events(Leg.PICKUP, Status.PICKUP_FAILED, 3, 3)
    assert set(limited) == EVENTS_AFTER_ATTEMPT_LIMIT[Leg.PICKUP] and Event.PICKUP_FAILED not in limited


def test_every_reason_has_a_next_step_and_every_event_a_code():
    assert set(REASONS) == set(Reason)
    assert all(t.code for t in TRANSITIONS.values())
