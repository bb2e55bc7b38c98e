"""Public tracking: Vietnamese texts, no personal data, the same answer for wrong digits."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from postal_tracker.app import create_app
from tests.builders import book, walk

APPLICANT = {"full_name": "Nguyễn Thị Hằng", "phone": "0912345678", "id_number": "079123456789"}
ADDRESS = {"hamlet_code": "PLANG", "detail": "Số 12, tổ 3, đường Phước Lăng"}


@pytest.fixture
def parcel(world):
    number = book(world, applicant=APPLICANT, address=ADDRESS)["shipment"]["tracking_no"]
    walk(world, number, "pickup_failed", "picked_up")
    return number


def test_public_tracking_shows_status_and_timeline_in_vietnamese(world, parcel):
    answer = world.client.get(f"/api/v1/track/{parcel}")
    assert answer.status_code == 200
    view = answer.json()
    assert view["status"] == "picked_up" and view["status_text_vi"] == "Bưu tá đã nhận hồ sơ"
    assert [e["event"] for e in view["events"]] == ["booked", "pickup_failed", "picked_up"]
    assert all(e["text_vi"] and e["place"] and e["at"] for e in view["events"])


TEXT_SECRETS = ("Nguyễn", "Hằng", "Số 12", "tổ 3", "Phước Lăng", "PLANG", "dossier_id")
DIGIT_SECRETS = ("0912345678", "84912345678", "912345678", "5678", "079123456789")
"""The phone (in any form, or its last digits, e.g. after a mask) and the ID number."""


def _leaks(text: str) -> list[str]:
    # Digits are compared as whole runs: "5678" inside a random serial or a timestamp is no leak.
    digit_runs = set(re.findall(r"[0-9]+", text))
    return [s for s in TEXT_SECRETS if s in text] + [s for s in DIGIT_SECRETS if s in digit_runs]


def test_the_leak_check_sees_digits_only_as_whole_runs():
    assert _leaks('{"at": "2026-05-01T05:06:07.125678+00:00", "tracking_no": "RR25678913VN"}') == []
    assert _leaks('{"phone": "*******5678"}') == ["5678"]
    assert _leaks('{"phone": "+84912345678", "name": "Nguyễn T. H."}') == ["Nguyễn", "84912345678"]


def test_public_tracking_leaks_nothing_personal(world, parcel):
    assert _leaks(world.client.get(f"/api/v1/track/{parcel}").text) == []


def test_wrong_digits_get_exactly_the_answer_no_digits_get(world, parcel):
    plain = world.client.get(f"/api/v1/track/{parcel}").json()
    wrong = world.client.get(f"/api/v1/track/{parcel}?phone_last4=1234")
    assert wrong.status_code == 200 and wrong.json() == plain
    assert _leaks(wrong.text) == []


def test_right_digits_add_the_masked_name_and_hamlet_only(world, parcel):
    answer = world.client.get(f"/api/v1/track/{parcel}?phone_last4=5678")
    view = answer.json()
    assert view["name_masked"] == "Nguyễn T. H." and view["hamlet"] == "Phước Lăng"
    for secret in ("Hằng", "0912345678", "079123456789", "Số 12"):
        assert secret not in answer.text


def test_public_tracking_accepts_spaces_and_refuses_bad_numbers(world, parcel):
    spaced = f"{parcel[:2].lower()} {parcel[2:6]} {parcel[6:10]} {parcel[10]} {parcel[11:]}"
    assert world.client.get(f"/api/v1/track/{spaced}").json()["tracking_no"] == parcel
    assert world.client.get("/api/v1/track/RR123456784VN").status_code == 422
    assert world.client.get("/api/v1/track/RR123456785VN").status_code == 404
    assert world.client.get(f"/api/v1/track/{parcel}?phone_last4=12ab").status_code == 422


def test_public_endpoints_are_rate_limited_per_client(settings, database):
    from dataclasses import replace

    app = create_app(replace(settings, public=replace(settings.public, rate_limit=3)), database)
    with TestClient(app) as client:
        answers = [client.get("/api/v1/track/RR123456785VN") for _ in range(5)]
        assert [a.status_code for a in answers] == [404, 404, 404, 429, 429]
        assert [a.headers["ratelimit-remaining"] for a in answers] == ["2", "1", "0", "0", "0"]
        for _ in range(200):  # hammering on: still refused, and still counted (no shorter wait)
            limited = client.get("/api/v1/track/RR123456785VN")
        assert limited.status_code == 429 and limited.headers["ratelimit-remaining"] == "0"
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert client.get("/health").status_code == 200  # staff and operations are not limited
