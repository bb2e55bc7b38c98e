"""The provincial portal's calls (X-API-Key), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from tests.builders import pickup_body, scan_body

DOSSIERS = "/api/v1/integrations/portal/dossiers"
RESULTS = "/api/v1/integrations/portal/results"


def portal_body(number: str = "000.00.26.H04-261127-0001", **overrides) -> dict:
    return pickup_body(portal_dossier_no=number, **overrides)


def test_the_portal_needs_its_key(world):
    assert world.client.post(DOSSIERS, json=portal_body()).status_code == 401
    assert world.client.post(DOSSIERS, json=portal_body(), headers={"X-API-Key": "nope"}).status_code == 401
    assert world.client.post(DOSSIERS, json=portal_body(), headers=world.headers("clerk")).status_code == 403
    bare = {"portal_dossier_no": "x"}
    assert world.client.post(RESULTS, json=bare, headers=world.headers("clerk")).status_code == 403


def test_a_portal_dossier_is_booked_once_whatever_the_retries(world):
    headers = world.headers("integration")
    first = world.client.post(DOSSIERS, json=portal_body(), headers=headers)
    assert first.status_code == 201, first.text
    booked = first.json()
    assert booked["duplicate"] is False and booked["shipment"]["leg"] == "pickup"
    again = world.client.post(DOSSIERS, json=portal_body(note="gửi lại"), headers=headers)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    assert again.json()["dossier_id"] == booked["dossier_id"]
    assert again.json()["shipment"]["tracking_no"] == booked["shipment"]["tracking_no"]
    assert world.client.get("/api/v1/shipments", headers=world.headers("clerk")).json()["total"] == 1
    dossier = world.client.get(f"/api/v1/dossiers/{booked['dossier_id']}", headers=headers).json()
    assert dossier["source"] == "portal" and dossier["portal_dossier_no"] == "000.00.26.H04-261127-0001"


def test_the_dossier_number_is_required(world):
    body = pickup_body()
    answer = world.client.post(DOSSIERS, json=body, headers=world.headers("integration"))
    assert answer.status_code == 422
    assert "portal_dossier_no" in [e["field"] for e in answer.json()["errors"]]


def test_simultaneous_retries_book_one_dossier(world):
    headers = world.headers("integration")
    answers: list = []

    def call() -> None:
        answers.append(world.client.post(DOSSIERS, json=portal_body("H04-RACE"), headers=headers))

    threads = [threading.Thread(target=call) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["shipment"]["tracking_no"] for a in answers}) == 1


def test_a_result_books_the_return_leg_of_a_known_dossier_once(world):
    headers = world.headers("integration")
    booked = world.client.post(DOSSIERS, json=portal_body("H04-R1"), headers=headers).json()
    early = world.client.post(RESULTS, json={"portal_dossier_no": "H04-R1"}, headers=headers)
    assert early.status_code == 409 and early.json()["current_status"] == "booked"
    for event in ("picked_up", "handed_to_desk"):
        scan = scan_body(booked["shipment"]["tracking_no"], event)
        assert world.client.post("/api/v1/scans", json=scan, headers=world.headers("postal")).status_code == 201
    created = world.client.post(RESULTS, json={"portal_dossier_no": "H04-R1"}, headers=headers)
    assert created.status_code == 201, created.text
    result = created.json()
    assert result["shipment"]["leg"] == "return" and result["return_only"] is False
    again = world.client.post(RESULTS, json={"portal_dossier_no": "H04-R1"}, headers=headers)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["shipment"]["tracking_no"] == result["shipment"]["tracking_no"]


def test_a_result_for_an_unknown_dossier_creates_a_return_only_dossier(world):
    headers = world.headers("integration")
    bare = world.client.post(RESULTS, json={"portal_dossier_no": "H04-NEW"}, headers=headers)
    assert bare.status_code == 422
    assert {e["field"] for e in bare.json()["errors"]} == {"applicant", "address", "procedure_code"}

    body = portal_body("H04-NEW")
    body.pop("documents")
    created = world.client.post(RESULTS, json=body, headers=headers)
    assert created.status_code == 201, created.text
    answer = created.json()
    assert answer["return_only"] is True and answer["shipment"]["leg"] == "return"
    dossier = world.client.get(f"/api/v1/dossiers/{answer['dossier_id']}", headers=headers).json()
    assert list(dossier["legs"]) == ["return"]
    assert dossier["applicant"]["full_name"] == "Nguyễn Thị Hằng"
    assert dossier["address"]["hamlet_name"] == "Phước Lăng"

    again = world.client.post(RESULTS, json=body, headers=headers)
    assert again.status_code == 200 and again.json()["shipment"] == answer["shipment"]
    # A return-only dossier has nothing to collect.
    assert world.client.post(DOSSIERS, json=portal_body("H04-NEW"), headers=headers).status_code == 409


def test_portal_numbers_are_per_commune(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    mine = world.client.post(DOSSIERS, json=portal_body("H04-SAME"), headers=world.headers("integration"))
    theirs = client.post(DOSSIERS, json=portal_body("H04-SAME"), headers=other.headers("integration"))
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["dossier_id"] != theirs.json()["dossier_id"]
