"""Proof of delivery, the fee still owed, and a label scanned twice (API.md, Proof of delivery)."""

from __future__ import annotations

import base64

from tests.api.test_scans import exceptions, scan
from tests.builders import book, scan_body, walk


def _out_for_delivery(world) -> str:
    booked = book(world, fee_vnd=50000)
    walk(world, booked["shipment"]["tracking_no"], "picked_up", "handed_to_desk")
    returned = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    number = returned.json()["shipment"]["tracking_no"]
    walk(world, number, "collected_from_desk", "out_for_delivery")
    return number


def test_a_label_scanned_twice_is_a_409_repeat_and_not_a_refusal_to_resolve(world):
    number = book(world)["shipment"]["tracking_no"]
    assert scan(world, scan_body(number, "picked_up")).status_code == 201
    again = scan(world, scan_body(number, "picked_up"))
    assert again.status_code == 409
    assert again.json()["repeat"] is True and again.json()["current_status"] == "picked_up"
    wrong = scan(world, scan_body(number, "delivered", recipient_name="A"))
    assert wrong.status_code == 409 and wrong.json()["repeat"] is False
    kept = exceptions(world)["items"]
    assert [(k["tracking_no"], k["event"]) for k in kept] == [(number, "delivered")]
    batch = world.client.post(
        "/api/v1/scans/batch", json={"scans": [scan_body(number, "picked_up")]}, headers=world.headers("postal")
    ).json()["results"]
    assert batch[0]["outcome"] == "rejected" and batch[0]["error"]["repeat"] is True
    assert exceptions(world)["total"] == 1


def test_the_fee_owed_is_the_dossiers_fee_less_what_was_collected(world):
    booked = book(world, fee_vnd=50000)
    number = booked["shipment"]["tracking_no"]
    shipment = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("postal")).json()
    assert shipment["fee_owed_vnd"] == 50000
    picked = scan(world, scan_body(number, "picked_up", fee_collected_vnd=30000)).json()["shipment"]
    assert picked["fee_owed_vnd"] == 20000


def test_delivery_keeps_the_id_kind_a_proxys_authorisation_and_a_photo(world):
    number = _out_for_delivery(world)
    photo = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 64).decode()
    proxy = {"recipient_name": "Lê Văn Tám", "recipient_relationship": "proxy", "recipient_id_kind": "cccd",
             "recipient_id_number": "079123456789", "photo_jpeg": photo}  # fmt: skip
    refused = scan(world, scan_body(number, "delivered", **proxy))
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["authorization_note"]
    bad_kind = scan(world, scan_body(number, "delivered", **{**proxy, "recipient_id_kind": "bằng lái"}))
    assert bad_kind.status_code == 422
    accepted = scan(world, scan_body(number, "delivered", **proxy, authorization_note="Giấy ủy quyền số 12/UQ"))
    assert accepted.status_code == 201, accepted.text
    last = accepted.json()["shipment"]["events"][-1]
    assert last["recipient_id_kind"] == "cccd" and last["recipient_relationship"] == "proxy"
    assert last["authorization_note"] == "Giấy ủy quyền số 12/UQ" and last["has_photo"] is True
    huge = {"recipient_name": "A", "photo_jpeg": "A" * 400_001}
    too_big = scan(world, scan_body(_out_for_delivery(world), "delivered", **huge))
    assert too_big.status_code == 422


def test_the_days_stops_carry_the_desks_note(world):
    number = book(world, note="Gọi trước khi đến, nhà sau chợ")["shipment"]["tracking_no"]
    manifest = world.client.get("/api/v1/manifests?kind=pickup", headers=world.headers("postal")).json()
    stop = next(s for s in manifest["stops"] if s["tracking_no"] == number)
    assert stop["note"] == "Gọi trước khi đến, nhà sau chợ"
