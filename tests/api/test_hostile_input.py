"""What an attacker (or a broken client) sends: each answer is a 4xx naming the problem, never a
500, and changes nothing (issue 9, item 1). On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from postal_tracker.lifecycle import InvalidTrackingNumber, normalize_tracking_no
from postal_tracker.models import Dossier, table
from postal_tracker.personal import plain_text
from postal_tracker.requests import MAX_JSON_DEPTH, json_depth_exceeds
from tests.builders import book, pickup_body, scan_body, valid_number, walk
from tests.routes import concrete, http_routes, takes_a_body

PATH_VALUES = {
    "tracking_no": valid_number("12345678"), "dossier_id": "1", "exception_id": "1", "delivery_id": "1",
    "handover_ref": "1", "code": "PLANG", "file_path": "app.js", "path": "openapi.json",
}  # fmt: skip


def test_json_depth_is_measured_outside_strings():
    assert not json_depth_exceeds(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert json_depth_exceeds(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    quoted = b'{"a": "' + b"[" * 1000 + b'\\" {{{"}'
    assert not json_depth_exceeds(quoted)
    assert not json_depth_exceeds(b"[" + b"[1],[2]," * 5000 + b"[3]]")


def test_deeply_nested_json_is_a_400_on_every_json_endpoint(world):
    deep = b"[" * 100_000 + b"]" * 100_000
    principals = [{}, *(world.headers(role) for role in ("clerk", "postal", "supervisor", "integration", "admin"))]
    app = world.client.app
    body_routes = [(m, p) for m, p in http_routes(app) if takes_a_body(app, m, p)]
    assert len(body_routes) >= 14
    for method, template in body_routes:
        path = concrete(template, PATH_VALUES)
        statuses = set()
        for headers in principals:
            answer = world.client.request(
                method, path, content=deep, headers={**headers, "content-type": "application/json"}
            )
            assert answer.status_code < 500, (method, path, answer.text)
            statuses.add(answer.status_code)
            if answer.status_code == 400:
                assert answer.headers["content-type"].startswith("application/problem+json")
                assert f"deeper than {MAX_JSON_DEPTH}" in answer.json()["detail"]
        if template.startswith("/api/"):
            assert 400 in statuses, (method, path, statuses)  # some principal reaches the body


# --- Digits are 0-9 where digits are meant -----------------------------------------------------

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def other_scripts(digits: str) -> list[str]:
    return [digits.translate(ARABIC_INDIC), digits.translate(FULL_WIDTH)]


def dossier_count(database, commune_id: int) -> int:
    with database.read() as conn:
        query = sa.select(sa.func.count()).select_from(table(Dossier)).where(table(Dossier).c.commune_id == commune_id)
        return conn.execute(query).scalar_one()


def refused(answer, field: str) -> None:
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert any(field in (e["field"] or "") for e in answer.json()["errors"]), answer.json()


def test_tracking_numbers_are_written_in_ascii_digits_and_letters():
    number = valid_number("12345678")
    assert normalize_tracking_no(number.lower()) == number
    for lookalike in [*(number[:2] + d + number[11:] for d in other_scripts(number[2:11])), "ſr123456785vn"]:
        with pytest.raises(InvalidTrackingNumber):
            normalize_tracking_no(lookalike)


def test_id_numbers_and_phones_in_other_scripts_digits_are_422_and_book_nothing(world, database):
    headers = world.headers("clerk")
    for id_number in other_scripts("079123456789"):
        body = pickup_body(applicant={"full_name": "Lê Văn Tám", "phone": "0912345678", "id_number": id_number})
        refused(world.client.post("/api/v1/pickups", json=body, headers=headers), "applicant.id_number")
    for phone in other_scripts("0912345678"):
        body = pickup_body(applicant={"full_name": "Lê Văn Tám", "phone": phone})
        refused(world.client.post("/api/v1/pickups", json=body, headers=headers), "applicant.phone")
    assert dossier_count(database, world.commune_id) == 0


def test_tracking_numbers_in_other_scripts_digits_are_422(world):
    number = valid_number("12345678")
    for lookalike in (number[:2] + d + number[11:] for d in other_scripts(number[2:11])):
        assert world.client.get(f"/api/v1/shipments/{lookalike}", headers=world.headers("clerk")).status_code == 422
        assert world.client.get(f"/api/v1/track/{lookalike}").status_code == 422
        scanned = world.client.post(
            "/api/v1/scans", json=scan_body(lookalike, "picked_up"), headers=world.headers("postal")
        )
        refused(scanned, "tracking_no")


def test_phone_last4_in_other_scripts_digits_is_a_4xx_not_a_500(world):
    number = book(world)["shipment"]["tracking_no"]  # the applicant's phone ends in 5678
    for digits in other_scripts("5678"):
        refused(world.client.get(f"/api/v1/track/{number}", params={"phone_last4": digits}), "phone_last4")
        feedback = world.client.post(f"/api/v1/track/{number}/feedback", json={"phone_last4": digits, "rating": 5})
        refused(feedback, "phone_last4")
        page = world.client.get("/track", params={"no": number, "phone_last4": digits})
        assert page.status_code < 500 and "Nguyễn T. H." not in page.text


def test_a_recipient_id_number_in_other_scripts_digits_is_refused_and_kept(world):
    number = book(world)["shipment"]["tracking_no"]
    walk(world, number, "picked_up")
    for id_number in other_scripts("079123456789"):
        body = scan_body(number, "arrived_post_office", recipient_id_number=id_number)
        refused(world.client.post("/api/v1/scans", json=body, headers=world.headers("postal")), "recipient_id_number")
    kept = world.client.get("/api/v1/scans/exceptions", headers=world.headers("clerk")).json()
    assert kept["total"] == 2


@pytest.mark.parametrize("postman", ["²", "¹²", "١٢", "１２", "9" * 40])
def test_a_postman_parameter_of_other_digits_is_a_422_on_the_manifests(world, postman):
    for fmt in ("json", "pdf"):
        answer = world.client.get(
            "/api/v1/manifests", params={"kind": "pickup", "postman": postman, "format": fmt},
            headers=world.headers("postal"),
        )  # fmt: skip
        refused(answer, "postman")


def test_a_postman_id_in_arabic_digits_is_not_that_postman(world):
    own_id = str(world.user_ids["postal"])
    ok = world.client.get("/api/v1/manifests", params={"kind": "pickup", "postman": own_id},
                          headers=world.headers("postal"))  # fmt: skip
    assert ok.status_code == 200
    for lookalike in other_scripts(own_id):
        answer = world.client.get("/api/v1/manifests", params={"kind": "pickup", "postman": lookalike},
                                  headers=world.headers("postal"))  # fmt: skip
        refused(answer, "postman")


# --- Names: no bidi overrides, zero-width or control characters --------------------------------

INVISIBLE = {
    "right-to-left override": "Nguyễn \u202eHằng",
    "left-to-right isolate": "Nguyễn \u2066Hằng\u2069",
    "zero-width space": "Nguyễn\u200bThị Hằng",
    "zero-width joiner": "Nguyễn\u200dHằng",
    "word joiner": "Nguyễn\u2060Hằng",
    "byte order mark": "\ufeffNguyễn Thị Hằng",
    "NUL": "Nguyễn\x00Hằng",
    "escape": "Nguyễn\x1b[31mHằng",
    "private use": "Nguyễn\ue000Hằng",
}


def test_the_one_text_check_refuses_invisible_characters_and_keeps_vietnamese():
    for name, text in INVISIBLE.items():
        with pytest.raises(ValueError, match="U\\+"):
            plain_text(text), name
    # Vietnamese in both normal forms, tone marks (combining, category Mn) and line breaks pass.
    for text in ("Nguyễn Thị Hằng", "Nguye\u0302\u0303n Thi\u0323 Ha\u0300ng", "Số 12,\ntổ 3", "Ấp Phước Lăng"):
        assert plain_text(text) == text


@pytest.mark.parametrize("kind", list(INVISIBLE))
def test_every_name_field_refuses_invisible_characters(world, database, kind):
    bad = INVISIBLE[kind]
    clerk, supervisor = world.headers("clerk"), world.headers("supervisor")
    applicant = {"full_name": bad, "phone": "0912345678"}
    refused(world.client.post("/api/v1/pickups", json=pickup_body(applicant=applicant), headers=clerk),
            "applicant.full_name")  # fmt: skip
    documents = [{"name": bad, "kind": "original"}]
    refused(world.client.post("/api/v1/pickups", json=pickup_body(documents=documents), headers=clerk),
            "documents.0.name")  # fmt: skip
    address = {"hamlet_code": "PLANG", "detail": bad}
    refused(world.client.post("/api/v1/pickups", json=pickup_body(address=address), headers=clerk), "address.detail")
    assert dossier_count(database, world.commune_id) == 0
    refused(world.client.patch("/api/v1/hamlets/PLANG", json={"name": bad}, headers=supervisor), "name")
    user = {"username": f"u-{world.code}", "password": "long enough pw", "role": "postal", "full_name": bad}
    refused(world.client.post("/api/v1/users", json=user, headers=supervisor), "full_name")
    number = book(world)["shipment"]["tracking_no"]
    walk(world, number, "picked_up", "handed_to_desk")
    dossier_id = world.client.get(f"/api/v1/shipments/{number}", headers=clerk).json()["dossier_id"]
    back = world.client.post(f"/api/v1/dossiers/{dossier_id}/return", headers=clerk).json()["shipment"]["tracking_no"]
    walk(world, back, "collected_from_desk", "out_for_delivery")
    delivered = scan_body(back, "delivered", recipient_name=bad)
    refused(world.client.post("/api/v1/scans", json=delivered, headers=world.headers("postal")), "recipient_name")
