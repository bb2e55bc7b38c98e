"""What an attacker (or a broken client) sends: each answer is a 4xx naming the problem, never a
500, and changes nothing (issue 9, item 1). On SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from postal_tracker.lifecycle import InvalidTrackingNumber, normalize_tracking_no
from postal_tracker.models import Dossier, table
from postal_tracker.personal import plain_text
from postal_tracker.reports.documents import spreadsheet_safe
from postal_tracker.requests import MAX_JSON_DEPTH, json_depth_exceeds
from tests.builders import book, pickup_body, scan_body, valid_number, walk
from tests.conftest import make_world
from tests.routes import concrete, http_routes, takes_a_body

ICT = ZoneInfo("Asia/Ho_Chi_Minh")

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


# --- A scan_id belongs to one commune ----------------------------------------------------------


def test_a_scan_id_of_another_commune_answers_nothing_of_it_and_is_not_a_duplicate(world, database, client):
    other = make_world(database, client)
    number = book(world)["shipment"]["tracking_no"]
    first = scan_body(number, "picked_up", recipient_id_number="079123456789")
    assert world.client.post("/api/v1/scans", json=first, headers=world.headers("postal")).status_code == 201
    own = book(other)["shipment"]["tracking_no"]
    for body in (first, {**first, "tracking_no": own}):  # replayed as it was, and on a parcel of its own
        for _ in range(2):
            answer = other.client.post("/api/v1/scans", json=body, headers=other.headers("postal"))
            assert answer.status_code == 404, answer.text
            text = answer.text
            assert answer.json()["duplicate"] is False and answer.json()["accepted"] is False
            assert number not in text.replace(body["tracking_no"], "") or body["tracking_no"] == number
            assert "shipment" not in answer.json() and "Nguyễn" not in text and "079123456789" not in text
        batch = other.client.post("/api/v1/scans/batch", json={"scans": [body]}, headers=other.headers("postal"))
        assert batch.status_code == 200
        assert batch.json()["results"] == [{"scan_id": body["scan_id"], "outcome": "rejected", "error": {
            "status": 404, "title": "Not found", "detail": answer.json()["detail"]}}]  # fmt: skip
    # Nothing changed on either side; the refusals are the other desk's exceptions, not ours.
    assert other.client.get(f"/api/v1/shipments/{own}", headers=other.headers("clerk")).json()["status"] == "booked"
    mine = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()
    assert [e["event"] for e in mine["events"]] == ["booked", "picked_up"]
    assert world.client.get("/api/v1/scans/exceptions", headers=world.headers("clerk")).json()["total"] == 0
    theirs = other.client.get("/api/v1/scans/exceptions", headers=other.headers("clerk")).json()
    assert theirs["total"] == 6 and {i["status"] for i in theirs["items"]} == {404}
    # The first commune still gets its own duplicate.
    again = world.client.post("/api/v1/scans", json=first, headers=world.headers("postal"))
    assert again.status_code == 200 and again.json()["duplicate"] is True


# --- Scan times in a sane range ----------------------------------------------------------------

RESET_CLOCKS = ["1970-01-01T00:00:00+00:00", "2000-01-01T00:00:00+07:00", "0001-01-01T00:00:00+07:00",
                "9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59+00:00"]  # fmt: skip


@pytest.mark.parametrize("at", RESET_CLOCKS)
def test_a_scan_from_a_reset_clock_is_a_422_and_kept(world, at):
    number = book(world)["shipment"]["tracking_no"]
    answer = world.client.post("/api/v1/scans", json=scan_body(number, "picked_up", at=at),
                               headers=world.headers("postal"))  # fmt: skip
    refused(answer, "at")
    kept = world.client.get("/api/v1/scans/exceptions", headers=world.headers("clerk")).json()
    assert kept["total"] == 1 and kept["items"][0]["status"] == 422
    assert world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()["status"] == "booked"


def test_a_batch_with_reset_clocks_applies_the_rest(world):
    number = book(world)["shipment"]["tracking_no"]
    bad = [scan_body(number, "picked_up", at=at) for at in RESET_CLOCKS]
    good = [scan_body(number, "picked_up"), scan_body(number, "handed_to_desk")]
    answer = world.client.post("/api/v1/scans/batch", json={"scans": [bad[0], good[0], *bad[1:], good[1]]},
                               headers=world.headers("postal"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    outcomes = {r["scan_id"]: r for r in answer.json()["results"]}
    assert [outcomes[s["scan_id"]]["outcome"] for s in good] == ["accepted", "accepted"]
    assert {outcomes[s["scan_id"]]["error"]["status"] for s in bad} == {422}
    assert world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()["status"] == "at_desk"


def test_a_batch_is_ordered_by_the_moment_whatever_the_offsets(world):
    number = book(world)["shipment"]["tracking_no"]
    now = datetime.now(UTC)
    # Two hours ago in Vietnam's time reads later, as text, than one hour ago in UTC.
    picked = scan_body(number, "picked_up", at=(now - timedelta(hours=2)).astimezone(ICT).isoformat())
    handed = scan_body(number, "handed_to_desk", at=(now - timedelta(hours=1)).isoformat())
    assert picked["at"] > handed["at"]
    answer = world.client.post("/api/v1/scans/batch", json={"scans": [handed, picked]}, headers=world.headers("postal"))
    assert [r["outcome"] for r in answer.json()["results"]] == ["accepted", "accepted"], answer.text


def test_an_offline_queue_days_old_is_applied_but_not_a_scan_older_than_the_max_age(world, settings):
    number = book(world)["shipment"]["tracking_no"]
    days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    picked = scan_body(number, "picked_up", at=days_ago)
    assert world.client.post("/api/v1/scans", json=picked, headers=world.headers("postal")).status_code == 201
    too_old = (datetime.now(UTC) - settings.rules.scan_max_age - timedelta(minutes=1)).isoformat()
    answer = world.client.post("/api/v1/scans", json=scan_body(number, "arrived_post_office", at=too_old),
                               headers=world.headers("postal"))  # fmt: skip
    refused(answer, "at")
    assert f"{settings.rules.scan_max_age_days} days" in answer.json()["detail"]
    handover = {"direction": "to_desk", "tracking_nos": [number], "at": too_old}
    refused(world.client.post("/api/v1/handovers", json=handover, headers=world.headers("clerk")), "at")
    assert shipment(world, number)["status"] == "picked_up"


# --- Fees: only on picked_up and delivered, never above what is still owed ---------------------


def fee_scan(world, number, event, fee, **extra):
    if event == "delivered":
        extra.setdefault("recipient_name", "Nguyễn Thị Hằng")
    if event.endswith("failed"):
        extra.setdefault("reason", "not_home")
    body = scan_body(number, event, fee_collected_vnd=fee, **extra)
    return world.client.post("/api/v1/scans", json=body, headers=world.headers("postal"))


def shipment(world, number):
    return world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()


def test_a_fee_on_any_other_event_is_a_422_and_kept(world):
    number = book(world, fee_vnd=50_000)["shipment"]["tracking_no"]
    refused(fee_scan(world, number, "pickup_failed", 10_000), "fee_collected_vnd")
    assert fee_scan(world, number, "pickup_failed", 0).status_code == 201  # nothing collected: no fee
    assert fee_scan(world, number, "picked_up", 20_000).status_code == 201
    refused(fee_scan(world, number, "arrived_post_office", 10_000), "fee_collected_vnd")
    refused(fee_scan(world, number, "handed_to_desk", 10_000), "fee_collected_vnd")
    assert shipment(world, number)["fee_collected_vnd"] == 20_000
    kept = world.client.get("/api/v1/scans/exceptions", headers=world.headers("clerk")).json()
    assert kept["total"] == 3 and all(i["errors"][0]["field"] == "fee_collected_vnd" for i in kept["items"])


def test_a_fee_above_what_is_still_owed_is_a_422_and_the_rest_is_collected_at_delivery(world):
    booked = book(world, fee_vnd=50_000)
    number = booked["shipment"]["tracking_no"]
    too_much = fee_scan(world, number, "picked_up", 50_001)
    refused(too_much, "fee_collected_vnd")
    assert too_much.json()["owed_vnd"] == 50_000
    assert fee_scan(world, number, "picked_up", 20_000).status_code == 201
    assert fee_scan(world, number, "handed_to_desk", 0).status_code == 201
    back = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    returned = back.json()["shipment"]["tracking_no"]
    for event in ("collected_from_desk", "out_for_delivery"):
        assert fee_scan(world, returned, event, 0).status_code == 201
    refused(fee_scan(world, returned, "delivered", 30_001), "fee_collected_vnd")
    assert fee_scan(world, returned, "delivered", 30_000).status_code == 201
    assert shipment(world, number)["fee_collected_vnd"] + shipment(world, returned)["fee_collected_vnd"] == 50_000


def test_a_free_procedure_collects_nothing(world):
    number = book(world, fee_vnd=0)["shipment"]["tracking_no"]
    refused(fee_scan(world, number, "picked_up", 1), "fee_collected_vnd")
    assert shipment(world, number)["status"] == "booked"


def test_a_return_only_dossier_collects_its_fee_at_delivery_and_reports_add_up(world):
    body = {k: v for k, v in pickup_body(fee_vnd=35_000).items() if k != "documents"}
    answer = world.client.post("/api/v1/returns", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    number = answer.json()["shipment"]["tracking_no"]
    for event in ("collected_from_desk", "out_for_delivery"):
        assert fee_scan(world, number, event, 0).status_code == 201
    assert fee_scan(world, number, "delivered", 35_000).status_code == 201
    picked = book(world, fee_vnd=20_000)["shipment"]["tracking_no"]
    assert fee_scan(world, picked, "picked_up", 15_000).status_code == 201
    refused(fee_scan(world, picked, "handed_to_desk", 5_000), "fee_collected_vnd")
    month = datetime.now(ICT).strftime("%Y-%m")
    report = world.client.get(f"/api/v1/reports/monthly?month={month}", headers=world.headers("supervisor")).json()
    assert report["totals"]["fees_collected_vnd"] == 50_000
    assert sum(h["fees_collected_vnd"] for h in report["by_hamlet"]) == 50_000
    assert sum(p["fees_collected_vnd"] for p in report["by_procedure"]) == 50_000


# --- An integration key reaches the portal's dossiers, not the desk's --------------------------


def test_an_integration_key_cannot_read_desk_bookings_by_counting_ids(world):
    key, clerk = world.headers("integration"), world.headers("clerk")
    desk = book(world)  # booked at the desk, no portal number
    with_number = book(world, portal_dossier_no="000.00.26.H04-261201-0007")  # the portal's, booked at the desk
    portal = world.client.post("/api/v1/integrations/portal/dossiers", headers=key,
                               json=pickup_body(portal_dossier_no="000.00.26.H04-261201-0008")).json()  # fmt: skip
    own = {with_number["dossier_id"], portal["dossier_id"]}
    lowest = min(desk["dossier_id"], *own)
    found = {
        dossier_id
        for dossier_id in range(max(lowest - 3, 1), max(desk["dossier_id"], *own) + 4)
        if world.client.get(f"/api/v1/dossiers/{dossier_id}", headers=key).status_code == 200
    }
    assert found == own
    desk_id, desk_no = desk["dossier_id"], desk["shipment"]["tracking_no"]
    for method, path, body in [
        ("GET", f"/api/v1/dossiers/{desk_id}", None),
        ("GET", f"/api/v1/dossiers/{desk_id}/receipt.pdf", None),
        ("GET", f"/api/v1/shipments/{desk_no}/label.pdf", None),
        ("POST", "/api/v1/labels", {"tracking_nos": [desk_no], "size": "a6"}),
        ("POST", f"/api/v1/dossiers/{desk_id}/return", None),
    ]:
        answer = world.client.request(method, path, json=body, headers=key)
        assert answer.status_code == 404, (path, answer.text)
        assert "Nguyễn" not in answer.text and "applicant" not in answer.text
        assert world.client.request(method, path, json=body, headers=clerk).status_code in (200, 409), path
    for dossier in (with_number, portal):
        number = dossier["shipment"]["tracking_no"]
        assert world.client.get(f"/api/v1/dossiers/{dossier['dossier_id']}/receipt.pdf", headers=key).status_code == 200
        assert world.client.get(f"/api/v1/shipments/{number}/label.pdf", headers=key).status_code == 200


# --- CSV cells are never formulas --------------------------------------------------------------


@pytest.mark.parametrize("name", ["=1+2", "+1+2", "-1+2", "@SUM(A1:A9)", '=HYPERLINK("http://x","Ấp")'])
def test_a_formula_like_hamlet_name_reaches_the_monthly_csv_as_text(world, name):
    renamed = world.client.patch("/api/v1/hamlets/PTRUNG", json={"name": name}, headers=world.headers("supervisor"))
    assert renamed.status_code == 200, renamed.text
    book(world, address={"hamlet_code": "PTRUNG", "detail": "Số 5"})
    month = datetime.now(ICT).strftime("%Y-%m")
    answer = world.client.get(f"/api/v1/reports/monthly?month={month}&format=csv", headers=world.headers("supervisor"))
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + name in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@", "\t", "\r") or (c[:1] == "-" and not _number(c))]


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_every_formula_start_is_neutralised():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert spreadsheet_safe(f"{start}cmd|' /C calc'!A0") == f"'{start}cmd|' /C calc'!A0"
    assert spreadsheet_safe(-5) == -5 and spreadsheet_safe("Phước Lăng") == "Phước Lăng"


def test_the_citizens_forms_refuse_invisible_characters_like_the_api(world):
    number = book(world)["shipment"]["tracking_no"]
    browser = TestClient(app=world.client.app)  # a cookie jar of its own, for the form's CSRF cookie
    page = browser.get("/track", params={"no": number})
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    for bad in (INVISIBLE["right-to-left override"], INVISIBLE["zero-width space"]):
        form = {"view_no": number, "phone_last4": "5678", "kind": "late", "text": bad, "_csrf_token": token}
        answer = browser.post("/track/complaint", data=form)
        assert answer.status_code == 422, answer.text
    listed = world.client.get("/api/v1/complaints", headers=world.headers("clerk")).json()
    assert listed["total"] == 0
