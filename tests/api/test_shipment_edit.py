"""The desk corrects a booking before pickup (PATCH /api/v1/shipments/{no}): the citizen's name,
phone, address and note, validated as at booking; refused once the post has taken the dossier;
every change in the audit log (which part, never the values); the label and receipt follow."""

from __future__ import annotations

import io
import logging

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from postal_tracker.models import Dossier, Hamlet, table
from tests.builders import book, pickup_body, scan

NEW_NAME = "Trần Thị Ánh Tuyết"


def edit(world, number: str, body, role: str = "clerk"):
    return world.client.patch(f"/api/v1/shipments/{number}", json=body, headers=world.headers(role))


def dossier(world, dossier_id: int) -> dict:
    answer = world.client.get(f"/api/v1/dossiers/{dossier_id}", headers=world.headers("clerk"))
    assert answer.status_code == 200, answer.text
    return answer.json()


def pdf_text(world, url: str) -> str:
    answer = world.client.get(url, headers=world.headers("clerk"))
    assert answer.status_code == 200, answer.text
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(answer.content)).pages)


def audit_whats(world, dossier_id: int) -> list[str]:
    page = world.client.get("/api/v1/audit", params={"dossier_id": dossier_id, "limit": 500},
                            headers=world.headers("supervisor")).json()  # fmt: skip
    return [e["what"] for e in page["items"]]


def problem(answer, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    if field is not None:
        assert any(field == (e["field"] or "").split(".")[-1] for e in body["errors"]), body
    return body


def test_the_desk_corrects_name_phone_address_and_note_before_pickup(world, caplog):
    booked = book(world, note="Gọi trước")
    number, dossier_id = booked["shipment"]["tracking_no"], booked["dossier_id"]
    body = {"full_name": NEW_NAME, "phone": "+84 977 123 456", "hamlet_code": "PTRUNG",
            "detail": "Số 7, tổ 2, đường Phước Trung", "note": ""}  # fmt: skip
    with caplog.at_level(logging.DEBUG, logger="postal_tracker"):
        answer = edit(world, number, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["hamlet_code"] == "PTRUNG"
    seen = dossier(world, dossier_id)
    assert seen["applicant"]["full_name"] == NEW_NAME
    assert seen["applicant"]["phone"] == "+84977123456"
    assert seen["applicant"]["id_number"] == "079123456789"  # untouched, still readable (decrypted)
    assert seen["address"]["hamlet_code"] == "PTRUNG"
    assert seen["address"]["hamlet_name"] == "Phước Trung"
    assert seen["address"]["detail"] == "Số 7, tổ 2, đường Phước Trung"
    assert seen["address"]["geo_source"] == "hamlet"
    assert seen["note"] is None
    whats = audit_whats(world, dossier_id)
    assert {"changed_full_name", "changed_phone", "changed_address", "changed_note"} <= set(whats)
    # The logs say nothing of the citizen, neither the old values nor the new.
    logged = caplog.text + "".join(str(getattr(r, "fields", "")) for r in caplog.records)
    for value in (NEW_NAME, "977123456", "Phước Trung", "Nguyễn Thị Hằng", "912345678"):
        assert value not in logged
    # The reprinted label and receipt show the new values.
    label = pdf_text(world, f"/api/v1/shipments/{number}/label.pdf")
    assert NEW_NAME.upper() in label.upper() and "Phước Trung".upper() in label.upper()
    assert "Nguyễn Thị Hằng".upper() not in label.upper()
    receipt = pdf_text(world, f"/api/v1/dossiers/{dossier_id}/receipt.pdf")
    assert NEW_NAME in receipt and "Số 7, tổ 2" in receipt


def test_only_the_keys_sent_change_and_an_unchanged_value_is_not_logged_as_a_change(world):
    booked = book(world)
    number, dossier_id = booked["shipment"]["tracking_no"], booked["dossier_id"]
    assert edit(world, number, {"detail": "Số 99, tổ 9"}).status_code == 200
    seen = dossier(world, dossier_id)
    assert (seen["applicant"]["full_name"], seen["address"]["hamlet_code"]) == ("Nguyễn Thị Hằng", "PLANG")
    assert seen["address"]["detail"] == "Số 99, tổ 9"
    assert edit(world, number, {"full_name": "Nguyễn Thị Hằng"}).status_code == 200
    whats = audit_whats(world, dossier_id)
    assert whats.count("changed_address") == 1 and "changed_full_name" not in whats


def test_after_pickup_the_contact_is_no_longer_editable_and_nothing_changes(world):
    booked = book(world)
    number, dossier_id = booked["shipment"]["tracking_no"], booked["dossier_id"]
    scan(world, number, "pickup_failed")  # a failed attempt: still at the citizen's, still editable
    assert edit(world, number, {"full_name": NEW_NAME}).status_code == 200
    scan(world, number, "picked_up")
    body = problem(edit(world, number, {"full_name": "Người Khác", "hamlet_code": "PBINH"}), 409)
    assert body["current_status"] == "picked_up" and body["tracking_no"] == number
    seen = dossier(world, dossier_id)
    assert (seen["applicant"]["full_name"], seen["address"]["hamlet_code"]) == (NEW_NAME, "PLANG")
    # The postman can still be assigned while the round goes on.
    postman = world.user_ids["postal"]
    assert edit(world, number, {"postman_id": postman}).json()["postman_id"] == postman


def test_a_cancelled_booking_is_not_editable(world):
    number = book(world)["shipment"]["tracking_no"]
    scan(world, number, "cancelled", role="clerk", reason="other", note="Công dân rút hồ sơ")
    problem(edit(world, number, {"note": "x"}), 409)


def test_a_return_only_dossier_is_editable_until_the_postman_collects_it(world):
    answer = world.client.post("/api/v1/returns", json=pickup_body(), headers=world.headers("clerk"))
    number, dossier_id = answer.json()["shipment"]["tracking_no"], answer.json()["dossier_id"]
    assert edit(world, number, {"hamlet_code": "PBINH"}).json()["hamlet_code"] == "PBINH"
    assert dossier(world, dossier_id)["address"]["hamlet_name"] == "Phước Bình"
    scan(world, number, "collected_from_desk", role="clerk")
    problem(edit(world, number, {"hamlet_code": "PLANG"}), 409)


def test_another_communes_parcel_is_not_found(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    booked = book(other)
    number = booked["shipment"]["tracking_no"]
    problem(edit(world, number, {"full_name": NEW_NAME}), 404)
    assert dossier(other, booked["dossier_id"])["applicant"]["full_name"] == "Nguyễn Thị Hằng"


def test_postmen_and_keys_may_not_edit(world):
    number = book(world)["shipment"]["tracking_no"]
    assert edit(world, number, {"full_name": NEW_NAME}, role="postal").status_code == 403
    assert edit(world, number, {"full_name": NEW_NAME}, role="integration").status_code == 403
    assert edit(world, number, {"full_name": NEW_NAME}, role="supervisor").status_code == 200


def test_an_empty_or_unknown_body_is_refused(world):
    number = book(world)["shipment"]["tracking_no"]
    problem(edit(world, number, {}), 422)
    problem(edit(world, number, {"fullname": NEW_NAME}), 422)
    problem(edit(world, number, {"full_name": None}), 422, "full_name")
    problem(edit(world, number, {"detail": None}), 422, "detail")
    headers = {**world.headers("clerk"), "Content-Type": "application/json"}
    answer = world.client.patch(f"/api/v1/shipments/{number}", content=b"not json", headers=headers)
    assert answer.status_code in (400, 422) and answer.headers["content-type"].startswith("application/problem+json")


HOSTILE = [
    ({"full_name": "Nguyễn\u202eHằng"}, "full_name"),  # a bidi override prints the name reversed
    ({"full_name": "Nguyễn\u200bHằng"}, "full_name"),  # a zero-width space makes two names look alike
    ({"full_name": "\u2066Nguyễn Hằng\u2069"}, "full_name"),
    ({"full_name": "Nguyễn\x00Hằng"}, "full_name"),
    ({"full_name": "   "}, "full_name"),
    ({"full_name": "Ạ" * 101}, "full_name"),
    ({"full_name": "Ạ" * 100_000}, "full_name"),
    ({"phone": "０９１２３４５６７８"}, "phone"),  # full-width digits
    ({"phone": "٠٩١٢٣٤٥٦٧٨"}, "phone"),  # Arabic-Indic digits
    ({"phone": "0912"}, "phone"),
    ({"phone": "+33612345678"}, "phone"),
    ({"phone": "9" * 100_000}, "phone"),
    ({"hamlet_code": "NOWHERE"}, "hamlet_code"),
    ({"hamlet_code": "P\u200bLANG"}, "hamlet_code"),
    ({"detail": "Số 1\u202e"}, "detail"),
    ({"detail": "x" * 301}, "detail"),
    ({"note": "n" * 501}, "note"),
    ({"postman_id": True}, "postman_id"),
    ({"full_name": 42}, "full_name"),
]


@pytest.mark.parametrize(("body", "field"), HOSTILE, ids=[f"{i}-{f}" for i, (_, f) in enumerate(HOSTILE)])
def test_hostile_input_is_refused_and_changes_nothing(world, body, field):
    booked = book(world)
    before = dossier(world, booked["dossier_id"])
    problem(edit(world, booked["shipment"]["tracking_no"], {**body}), 422, field)
    assert dossier(world, booked["dossier_id"]) == before
    assert not [w for w in audit_whats(world, booked["dossier_id"]) if w.startswith("changed_")]


def test_a_body_past_the_size_limit_is_refused_and_changes_nothing(world):
    booked = book(world)
    before = dossier(world, booked["dossier_id"])
    answer = edit(world, booked["shipment"]["tracking_no"], {"full_name": "Ạ" * 1_000_000})
    assert answer.status_code == 413 and answer.headers["content-type"].startswith("application/problem+json")
    assert dossier(world, booked["dossier_id"]) == before


def test_an_inactive_hamlet_is_refused(world, database):
    booked = book(world)
    with database.write() as conn:
        hamlets = table(Hamlet)
        conn.execute(hamlets.update().where(hamlets.c.commune_id == world.commune_id, hamlets.c.code == "PBINH")
                     .values(active=False))  # fmt: skip
    problem(edit(world, booked["shipment"]["tracking_no"], {"hamlet_code": "PBINH"}), 422, "hamlet_code")
    assert dossier(world, booked["dossier_id"])["address"]["hamlet_code"] == "PLANG"


def test_another_communes_hamlet_is_refused(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    with database.write() as conn:
        conn.execute(table(Hamlet).insert().values(commune_id=other.commune_id, code="PRIENG", name="Ấp Riêng",
                                                   lat=10.5, lon=107.2, active=True))  # fmt: skip
    booked = book(world)
    problem(edit(world, booked["shipment"]["tracking_no"], {"hamlet_code": "PRIENG"}), 422, "hamlet_code")


def test_the_id_number_stays_encrypted_at_rest_after_an_edit(world, database):
    booked = book(world)
    assert edit(world, booked["shipment"]["tracking_no"], {"full_name": NEW_NAME}).status_code == 200
    with database.read() as conn:
        raw = conn.execute(
            sa.text("SELECT applicant_id_number, applicant_name FROM dossiers WHERE id = :id"),
            {"id": booked["dossier_id"]},
        ).one()
        decrypted = conn.execute(
            sa.select(table(Dossier).c.applicant_id_number).where(table(Dossier).c.id == booked["dossier_id"])
        ).scalar_one()
    assert raw.applicant_name == NEW_NAME
    assert "079123456789" not in str(raw.applicant_id_number) and decrypted == "079123456789"
