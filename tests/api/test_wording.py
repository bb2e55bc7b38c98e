"""One catalogue of Vietnamese wording (postal_tracker/wording.py), read by every consumer: the
API's texts, public tracking, the pages' strings, the SMS, the manifest and the report PDFs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.sms import render_sms
from postal_tracker.lifecycle import REASONS, Event, Leg, Reason, Status
from postal_tracker.reports.documents import to_pdf
from postal_tracker.reports.service import FIGURES
from postal_tracker.web.i18n import VI
from postal_tracker.wording import (
    AT_CITIZEN_HOME_VI,
    EVENT_LABEL_VI,
    EVENT_TEXT_VI,
    NEXT_STEP_TEXT_VI,
    REASON_TEXT_VI,
    SMS_NEXT_STEP_VI,
    SMS_REASON_VI,
    STATUS_TEXT_VI,
)
from tests.api.test_booking import book, walk
from tests.labels.builders import page_texts


def test_the_catalogue_has_every_status_event_reason_and_step():
    assert set(STATUS_TEXT_VI) == set(Status)
    assert set(EVENT_TEXT_VI) == set(EVENT_LABEL_VI) == set(Event)
    assert set(REASON_TEXT_VI) == set(Reason) and set(NEXT_STEP_TEXT_VI) == set(REASONS.values())
    for leg in Leg:
        assert set(SMS_REASON_VI[leg]) == set(Reason) and set(SMS_NEXT_STEP_VI[leg]) == set(NEXT_STEP_TEXT_VI)


def test_the_api_and_public_tracking_speak_the_catalogue(world):
    number = book(world)["shipment"]["tracking_no"]
    shipment = walk(world, number, "pickup_failed")
    assert shipment["status_text_vi"] == STATUS_TEXT_VI[Status.PICKUP_FAILED]
    assert shipment["reason_text_vi"] == REASON_TEXT_VI[Reason.NOT_HOME]
    assert shipment["next_step_text_vi"] == NEXT_STEP_TEXT_VI[REASONS[Reason.NOT_HOME]]
    assert [e["text_vi"] for e in shipment["events"]] == [
        EVENT_TEXT_VI[Event.BOOKED], EVENT_TEXT_VI[Event.PICKUP_FAILED],
    ]  # fmt: skip
    public = world.client.get(f"/api/v1/track/{number}").json()
    assert public["status_text_vi"] == STATUS_TEXT_VI[Status.PICKUP_FAILED]
    assert [e["text_vi"] for e in public["events"]] == [EVENT_TEXT_VI[Event.BOOKED], EVENT_TEXT_VI[Event.PICKUP_FAILED]]
    assert {e["place"] for e in public["events"]} == {AT_CITIZEN_HOME_VI}  # no phone digits: no hamlet


def test_the_manifest_pdf_says_why_and_what_next_in_the_catalogues_words(world):
    number = book(world)["shipment"]["tracking_no"]
    walk(world, number, "pickup_failed")
    pdf = world.client.get("/api/v1/manifests?kind=pickup&format=pdf", headers=world.headers("clerk"))
    text = " ".join(" ".join(page.split()) for page in page_texts(pdf.content))
    assert REASON_TEXT_VI[Reason.NOT_HOME] in text and NEXT_STEP_TEXT_VI[REASONS[Reason.NOT_HOME]] in text


def test_the_pages_take_their_vietnamese_from_the_catalogue():
    for event, text in EVENT_LABEL_VI.items():
        assert VI[f"event.{event.value}"] == text
    for status, text in STATUS_TEXT_VI.items():
        assert VI[f"status.{status.value}"] == text
    for reason, text in REASON_TEXT_VI.items():
        assert VI[f"reason.{reason.value}"] == text
        assert VI[f"next_after.{reason.value}"] == NEXT_STEP_TEXT_VI[REASONS[reason]]
    assert VI["at_citizen_home"] == AT_CITIZEN_HOME_VI


@pytest.mark.parametrize("reason", list(Reason))
@pytest.mark.parametrize(("event", "leg"), [("pickup_failed", Leg.PICKUP), ("delivery_failed", Leg.RETURN)])
def test_the_sms_says_why_and_what_next_in_the_catalogues_words(event, leg, reason):
    at = datetime(2025, 3, 5, 7, 30, tzinfo=UTC)
    text = render_sms(event, tracking_no="RR123456785VN", procedure_name="Đăng ký khai sinh", at=at, reason=reason)
    assert f"do {SMS_REASON_VI[leg][reason]}." in text
    assert SMS_NEXT_STEP_VI[leg][REASONS[reason]] in text


def test_the_monthly_pdf_names_the_reasons_in_the_catalogues_words():
    figures = {name: 0 for name in FIGURES} | {
        "failures_by_reason": {"not_home": 2, "moved": 1}, "pickup_failures_by_reason": {},
        "first_attempt_delivery_rate": None, "median_hours_to_desk": None, "median_hours_to_delivery": None,
        "on_time_share": None, "feedback_mean": None,
    }  # fmt: skip
    report = {"month": "2025-03", "commune": "Tam Phước", "totals": figures, "by_hamlet": [], "by_procedure": []}
    text = " ".join(" ".join(page.split()) for page in page_texts(to_pdf(report)))
    assert f"{REASON_TEXT_VI[Reason.NOT_HOME]}: 2" in text and f"{REASON_TEXT_VI[Reason.MOVED]}: 1" in text
