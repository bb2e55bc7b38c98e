"""Booking through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

import unicodedata

import pytest

from postal_tracker.lifecycle import normalize_tracking_no
from tests.builders import book, pickup_body, walk


def test_booking_creates_a_dossier_and_its_pickup_leg(world):
    booked = book(world)
    shipment = booked["shipment"]
    assert normalize_tracking_no(shipment["tracking_no"]) == shipment["tracking_no"]
    assert shipment["tracking_no"].startswith("RR")
    assert shipment["leg"] == "pickup" and shipment["status"] == "booked"
    assert [e["event"] for e in shipment["events"]] == ["booked"]
    assert booked["label_url"] == f"/api/v1/shipments/{shipment['tracking_no']}/label.pdf"
    assert booked["receipt_url"] == f"/api/v1/dossiers/{booked['dossier_id']}/receipt.pdf"

    dossier = world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=world.headers("clerk")).json()
    assert dossier["applicant"] == {
        "full_name": "Nguyễn Thị Hằng",
        "phone": "+84912345678",
        "id_number": "079123456789",
    }
    assert dossier["address"]["hamlet_name"] == "Phước Lăng"
    assert dossier["address"]["geo_source"] == "hamlet"
    assert dossier["procedure"]["name"] == "Đăng ký khai sinh"
    assert dossier["documents"] == [{"name": "Tờ khai đăng ký khai sinh", "kind": "original", "pages": 1}]
    assert list(dossier["legs"]) == ["pickup"]


def test_vietnamese_is_stored_composed_whatever_the_keyboard_sent(world):
    decomposed = unicodedata.normalize("NFD", "Trần Thị Ỷ Ưng")
    booked = book(world, applicant={"full_name": decomposed, "phone": "+84 903 123 456"})
    dossier = world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=world.headers("clerk")).json()
    assert dossier["applicant"]["full_name"] == unicodedata.normalize("NFC", "Trần Thị Ỷ Ưng")
    assert dossier["applicant"]["phone"] == "+84903123456"


def test_given_coordinates_are_kept(world):
    booked = book(world, address={"hamlet_code": "PBINH", "detail": "Số 5", "lat": 10.54, "lon": 107.24})
    dossier = world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=world.headers("clerk")).json()
    assert (dossier["address"]["lat"], dossier["address"]["lon"], dossier["address"]["geo_source"]) == (
        10.54,
        107.24,
        "given",
    )


def test_idempotent_retry_returns_the_first_answer_and_creates_nothing(world):
    headers = {**world.headers("clerk"), "Idempotency-Key": "booking-42"}
    first = world.client.post("/api/v1/pickups", json=pickup_body(), headers=headers)
    again = world.client.post("/api/v1/pickups", json=pickup_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    listed = world.client.get("/api/v1/shipments", headers=world.headers("clerk")).json()
    assert listed["total"] == 1

    different = world.client.post("/api/v1/pickups", json=pickup_body(note="khác"), headers=headers)
    assert different.status_code == 422
    assert different.headers["content-type"].startswith("application/problem+json")
    assert world.client.get("/api/v1/shipments", headers=world.headers("clerk")).json()["total"] == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"applicant": {"full_name": "", "phone": "0912345678"}}, "applicant.full_name"),
        ({"applicant": {"full_name": "A", "phone": "12345"}}, "applicant.phone"),
        ({"applicant": {"full_name": "A", "phone": "+14155550100"}}, "applicant.phone"),
        ({"applicant": {"full_name": "A", "phone": "0912345678", "id_number": "12"}}, "applicant.id_number"),
        ({"address": {"hamlet_code": "NOWHERE", "detail": "x"}}, "address.hamlet_code"),
        ({"address": {"hamlet_code": "PLANG", "detail": ""}}, "address.detail"),
        ({"address": {"hamlet_code": "PLANG", "detail": "x", "lat": 10.5}}, "address.lat"),
        ({"address": {"hamlet_code": "PLANG", "detail": "x", "lat": 100, "lon": 1}}, "address.lat"),
        ({"procedure_code": "9.999999"}, "procedure_code"),
        ({"fee_vnd": -1}, "fee_vnd"),
        ({"requested_date": "tomorrow"}, "requested_date"),
        ({"documents": [{"name": "Giấy", "kind": "photo"}]}, "documents.0.kind"),
        ({"delivery_address": {"hamlet_code": "NOWHERE", "detail": "x"}}, "delivery_address.hamlet_code"),
    ],
)
def test_each_validation_error_names_its_field_and_changes_nothing(world, overrides, field):
    answer = world.client.post("/api/v1/pickups", json=pickup_body(**overrides), headers=world.headers("clerk"))
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert {"status", "title", "detail"} <= problem.keys()
    assert field in [e["field"] for e in problem["errors"]]
    assert world.client.get("/api/v1/shipments", headers=world.headers("clerk")).json()["total"] == 0


def test_a_body_that_is_not_json_is_a_4xx_problem(world):
    answer = world.client.post(
        "/api/v1/pickups", content=b"{not json", headers={**world.headers("clerk"), "content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_an_oversized_body_is_refused_with_413(world):
    huge = pickup_body(note="x" * (3 * 1024 * 1024))
    answer = world.client.post("/api/v1/pickups", json=huge, headers=world.headers("clerk"))
    assert answer.status_code == 413
    assert answer.json()["status"] == 413


def test_return_leg_needs_the_dossier_at_the_desk_and_only_once(world):
    booked = book(world)
    url = f"/api/v1/dossiers/{booked['dossier_id']}/return"
    early = world.client.post(url, headers=world.headers("clerk"))
    assert early.status_code == 409
    assert early.json()["current_status"] == "booked"

    walk(world, booked["shipment"]["tracking_no"], "picked_up", "handed_to_desk")
    created = world.client.post(url, headers=world.headers("clerk"))
    assert created.status_code == 201, created.text
    returned = created.json()["shipment"]
    assert returned["leg"] == "return" and returned["status"] == "booked"
    assert returned["tracking_no"] != booked["shipment"]["tracking_no"]
    assert world.client.post(url, headers=world.headers("clerk")).status_code == 409

    dossier = world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=world.headers("clerk")).json()
    assert set(dossier["legs"]) == {"pickup", "return"}


def test_return_only_dossier(world):
    body = pickup_body(portal_dossier_no="000.00.26.H04-261127-0001")
    body.pop("documents")
    answer = world.client.post("/api/v1/returns", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    shipment = answer.json()["shipment"]
    assert shipment["leg"] == "return" and shipment["status"] == "booked"
    dossier = world.client.get(f"/api/v1/dossiers/{answer.json()['dossier_id']}", headers=world.headers("clerk")).json()
    assert list(dossier["legs"]) == ["return"]
    assert dossier["portal_dossier_no"] == "000.00.26.H04-261127-0001"


def test_unknown_dossier_is_404(world):
    answer = world.client.get("/api/v1/dossiers/987654321", headers=world.headers("clerk"))
    assert answer.status_code == 404
    assert answer.json()["title"] == "Not found"


def test_shipments_list_filters_and_paginates(world):
    numbers = [book(world, address={"hamlet_code": h, "detail": "x"})["shipment"]["tracking_no"] for h in
               ("PLANG", "PLANG", "PBINH")]  # fmt: skip
    walk(world, numbers[0], "picked_up")
    headers = world.headers("clerk")
    assert world.client.get("/api/v1/shipments?hamlet=PLANG", headers=headers).json()["total"] == 2
    assert world.client.get("/api/v1/shipments?status=picked_up", headers=headers).json()["total"] == 1
    page = world.client.get("/api/v1/shipments?limit=2&offset=2", headers=headers).json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 2, 1)
    assert world.client.get("/api/v1/shipments?status=booked,picked_up", headers=headers).json()["total"] == 3
    naive = world.client.get("/api/v1/shipments?since=2026-11-01T00:00:00", headers=headers)
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "since"
    aware = world.client.get("/api/v1/shipments?since=2020-11-01T00:00:00%2B07:00", headers=headers)
    assert aware.json()["total"] == 3
    unknown = world.client.get("/api/v1/shipments?status=lost", headers=headers)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "status"
    for query, field in (("leg=sideways", "leg"), ("limit=0", "limit")):
        refused = world.client.get(f"/api/v1/shipments?{query}", headers=headers)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field


def test_staff_see_only_their_commune(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    number = book(world)["shipment"]["tracking_no"]
    assert client.get(f"/api/v1/shipments/{number}", headers=other.headers("clerk")).status_code == 404
    assert other.client.get("/api/v1/shipments", headers=other.headers("clerk")).json()["total"] == 0
