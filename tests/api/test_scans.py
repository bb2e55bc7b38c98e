"""Scans through the HTTP API: the status machine, duplicates, batches, refusals kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest

from tests.builders import book, scan_body, valid_number, walk


def scan(world, body, role="postal"):
    return world.client.post("/api/v1/scans", json=body, headers=world.headers(role))


def exceptions(world):
    return world.client.get("/api/v1/scans/exceptions", headers=world.headers("clerk")).json()


def test_a_full_round_trip_of_both_legs(world):
    booked = book(world)
    pickup = walk(world, booked["shipment"]["tracking_no"], "pickup_failed", "picked_up", "arrived_post_office",
                  "handed_to_desk")  # fmt: skip
    assert pickup["status"] == "at_desk" and pickup["final"] and pickup["attempts"] == 1
    assert [e["code"] for e in pickup["events"]] == ["PRE", "EMH", "EMA", "EMG", "EMI"]
    number = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    returned = walk(world, number.json()["shipment"]["tracking_no"], "collected_from_desk", "out_for_delivery",
                    "delivery_failed", "out_for_delivery", "delivered")  # fmt: skip
    assert returned["status"] == "delivered" and returned["attempts"] == 1
    assert returned["events"][-1]["recipient_name"] == "Nguyễn Thị Hằng"
    assert returned["events"][-1]["code"] == "EMI"


def test_the_same_scan_twice_is_applied_once(world):
    number = book(world, fee_vnd=20000)["shipment"]["tracking_no"]
    body = scan_body(number, "picked_up", fee_collected_vnd=20000)
    first = scan(world, body)
    again = scan(world, body)
    assert first.status_code == 201 and first.json()["duplicate"] is False
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["shipment"]["status"] == "picked_up"
    shipment = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()
    assert [e["event"] for e in shipment["events"]] == ["booked", "picked_up"]
    assert shipment["fee_collected_vnd"] == 20000


def test_forbidden_transition_is_409_with_status_and_allowed_events_and_is_kept(world):
    number = book(world)["shipment"]["tracking_no"]
    answer = scan(world, scan_body(number, "delivered", recipient_name="A"))
    assert answer.status_code == 409
    problem = answer.json()
    assert problem["current_status"] == "booked"
    assert problem["allowed_events"] == ["pickup_failed", "picked_up", "cancelled"]
    assert answer.headers["content-type"].startswith("application/problem+json")
    kept = exceptions(world)["items"]
    assert [(k["tracking_no"], k["status"], k["current_status"]) for k in kept] == [(number, 409, "booked")]


def test_unknown_number_is_404_and_kept(world):
    answer = scan(world, scan_body(valid_number("99999999"), "picked_up"))
    assert answer.status_code == 404
    assert exceptions(world)["items"][0]["status"] == 404


def test_wrong_check_digit_is_422_and_kept(world):
    answer = scan(world, scan_body("RR123456784VN", "picked_up"))
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "tracking_no"
    assert exceptions(world)["items"][0]["tracking_no"] == "RR123456784VN"


def test_lower_case_and_spaces_are_accepted(world):
    number = book(world)["shipment"]["tracking_no"]
    spaced = f"{number[:2].lower()} {number[2:6]} {number[6:10]} {number[10]} {number[11:].lower()}"
    assert scan(world, scan_body(spaced, "picked_up")).status_code == 201


def test_a_scan_from_the_future_is_refused(world):
    number = book(world)["shipment"]["tracking_no"]
    later = (datetime.now(UTC) + timedelta(minutes=6)).isoformat()
    answer = scan(world, scan_body(number, "picked_up", at=later))
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "at"
    slightly_ahead = (datetime.now(UTC) + timedelta(minutes=4)).isoformat()
    assert scan(world, scan_body(number, "picked_up", at=slightly_ahead)).status_code == 201


def test_earlier_scan_times_are_not_compared_with_earlier_events(world):
    number = book(world)["shipment"]["tracking_no"]
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert scan(world, scan_body(number, "picked_up", at=yesterday)).status_code == 201


@pytest.mark.parametrize(
    ("event", "extra", "field"),
    [
        ("pickup_failed", {}, "reason"),
        ("pickup_failed", {"reason": "other"}, "note"),
        ("pickup_failed", {"reason": "asleep"}, "reason"),
        ("picked_up", {"fee_collected_vnd": -5}, "fee_collected_vnd"),
        ("flown_away", {}, "event"),
        ("picked_up", {"at": "2026-11-27T10:00:00"}, "at"),
        ("picked_up", {"scan_id": "not-a-uuid"}, "scan_id"),
    ],
)
def test_invalid_fields_are_422_naming_the_field_and_kept(world, event, extra, field):
    number = book(world)["shipment"]["tracking_no"]
    answer = scan(world, scan_body(number, event, **extra))
    assert answer.status_code == 422, answer.text
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert exceptions(world)["total"] == 1
    status = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()["status"]
    assert status == "booked"


def test_delivery_needs_the_recipient_name_and_keeps_proof(world):
    booked = book(world)
    walk(world, booked["shipment"]["tracking_no"], "picked_up", "handed_to_desk")
    returned = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    number = returned.json()["shipment"]["tracking_no"]
    walk(world, number, "collected_from_desk", "out_for_delivery")
    assert scan(world, scan_body(number, "delivered")).status_code == 422
    proof = {
        "recipient_name": "Trần Văn Ưng",
        "recipient_relationship": "con trai",
        "recipient_id_number": "079123456789",
        "signature_png": "iVBORw0KGgo=",
        "lat": 10.5,
        "lon": 107.2,
    }
    answer = scan(world, scan_body(number, "delivered", **proof))
    assert answer.status_code == 201
    last = answer.json()["shipment"]["events"][-1]
    assert last["recipient_relationship"] == "con trai" and last["has_signature"] is True


def test_the_attempt_limit_leaves_only_the_return_to_the_desk(world):
    booked = book(world)
    walk(world, booked["shipment"]["tracking_no"], "picked_up", "handed_to_desk")
    returned = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    number = returned.json()["shipment"]["tracking_no"]
    shipment = walk(world, number, "collected_from_desk", *["out_for_delivery", "delivery_failed"] * 3)
    assert shipment["attempts"] == 3 and shipment["allowed_events"] == ["returned_to_desk"]
    refused = scan(world, scan_body(number, "out_for_delivery"))
    assert refused.status_code == 409 and refused.json()["allowed_events"] == ["returned_to_desk"]
    assert "limit" in refused.json()["detail"]
    assert walk(world, number, "returned_to_desk")["status"] == "returned_to_desk"


def test_failed_attempt_shows_its_reason_and_next_step(world):
    number = book(world)["shipment"]["tracking_no"]
    shipment = walk(world, number, "pickup_failed")
    assert shipment["reason"] == "not_home" and shipment["next_step"] == "retry_next_round"
    assert shipment["reason_text_vi"] == "Người dân vắng nhà"


def test_batch_is_applied_in_order_of_scan_time_and_one_bad_scan_blocks_nothing(world):
    number = book(world)["shipment"]["tracking_no"]
    other = book(world)["shipment"]["tracking_no"]
    start = datetime.now(UTC) - timedelta(hours=2)
    at = [(start + timedelta(minutes=m)).isoformat() for m in range(4)]
    scans = [
        scan_body(number, "handed_to_desk", at=at[2]),
        scan_body(number, "picked_up", at=at[0]),
        scan_body(valid_number("22222222"), "picked_up", at=at[1]),
        scan_body(number, "arrived_post_office", at=at[1]),
        {"tracking_no": other, "event": "picked_up"},
        scan_body(other, "picked_up", at=at[3]),
    ]
    answer = world.client.post("/api/v1/scans/batch", json={"scans": scans}, headers=world.headers("postal"))
    assert answer.status_code == 200
    results = answer.json()["results"]
    assert [r["outcome"] for r in results] == ["accepted", "accepted", "rejected", "accepted", "rejected", "accepted"]
    assert [r["scan_id"] for r in results][:2] == [scans[0]["scan_id"], scans[1]["scan_id"]]
    assert results[0]["status"] == "at_desk" and results[2]["error"]["status"] == 404
    shipment = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()
    assert [e["event"] for e in shipment["events"]] == ["booked", "picked_up", "arrived_post_office", "handed_to_desk"]

    replay = world.client.post("/api/v1/scans/batch", json={"scans": scans}, headers=world.headers("postal"))
    assert [r["outcome"] for r in replay.json()["results"]] == ["duplicate"] * 4 + ["rejected", "duplicate"]
    assert exceptions(world)["total"] == 3


def test_batch_order_is_by_instant_whatever_the_utc_offset(world):
    number = book(world)["shipment"]["tracking_no"]
    picked_up = datetime.now(UTC) - timedelta(hours=3)
    arrived = picked_up + timedelta(minutes=30)
    # As text, "…T04:30+00:00" sorts before "…T11:00+07:00"; as instants it comes 30 minutes after.
    scans = [
        scan_body(number, "arrived_post_office", at=arrived.isoformat()),
        scan_body(number, "picked_up", at=picked_up.astimezone(timezone(timedelta(hours=7))).isoformat()),
    ]
    assert scans[0]["at"] < scans[1]["at"]
    answer = world.client.post("/api/v1/scans/batch", json={"scans": scans}, headers=world.headers("postal"))
    assert answer.status_code == 200
    assert [r["outcome"] for r in answer.json()["results"]] == ["accepted", "accepted"]
    shipment = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()
    assert [e["event"] for e in shipment["events"]] == ["booked", "picked_up", "arrived_post_office"]


def test_batch_larger_than_1000_is_refused(world):
    scans = [scan_body(valid_number(), "picked_up")] * 1001
    answer = world.client.post("/api/v1/scans/batch", json={"scans": scans}, headers=world.headers("postal"))
    assert answer.status_code == 422


def test_exceptions_can_be_resolved(world):
    scan(world, scan_body(valid_number("33333333"), "picked_up"))
    kept = exceptions(world)["items"][0]
    resolved = world.client.post(
        f"/api/v1/scans/exceptions/{kept['id']}/resolve",
        json={"note": "Số bị dán nhầm"},
        headers=world.headers("clerk"),
    )
    assert resolved.status_code == 200
    assert exceptions(world)["total"] == 0
    done = world.client.get("/api/v1/scans/exceptions?resolved=true", headers=world.headers("clerk")).json()
    assert done["items"][0]["resolution_note"] == "Số bị dán nhầm"


def test_handover_applies_to_all_or_none(world):
    numbers = [book(world)["shipment"]["tracking_no"] for _ in range(3)]
    for number in numbers[:2]:
        walk(world, number, "picked_up")
    body = {"direction": "to_desk", "tracking_nos": numbers}
    refused = world.client.post("/api/v1/handovers", json=body, headers=world.headers("clerk"))
    assert refused.status_code == 422
    assert [p["tracking_no"] for p in refused.json()["problems"]] == [numbers[2]]
    statuses = [world.client.get(f"/api/v1/shipments/{n}", headers=world.headers("clerk")).json()["status"]
                for n in numbers]  # fmt: skip
    assert statuses == ["picked_up", "picked_up", "booked"]

    body["tracking_nos"] = numbers[:2]
    done = world.client.post("/api/v1/handovers", json=body, headers=world.headers("clerk"))
    assert done.status_code == 201 and done.json()["count"] == 2
    shipment = world.client.get(f"/api/v1/shipments/{numbers[0]}", headers=world.headers("clerk")).json()
    assert shipment["status"] == "at_desk"
    assert shipment["events"][-1]["handover_id"] == done.json()["handover_id"]


def test_scan_ids_are_uuids_and_unique_across_parcels(world):
    first = book(world)["shipment"]["tracking_no"]
    second = book(world)["shipment"]["tracking_no"]
    scan_id = str(uuid.uuid4())
    assert scan(world, scan_body(first, "picked_up", scan_id=scan_id)).status_code == 201
    again = scan(world, scan_body(second, "picked_up", scan_id=scan_id))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["shipment"]["tracking_no"] == first


def test_integration_clients_cannot_scan(world):
    number = book(world)["shipment"]["tracking_no"]
    assert scan(world, scan_body(number, "picked_up"), role="integration").status_code == 403


def test_a_retried_handover_with_its_idempotency_key_is_recorded_once(world):
    numbers = [book(world)["shipment"]["tracking_no"] for _ in range(2)]
    for number in numbers:
        walk(world, number, "picked_up")
    headers = {**world.headers("clerk"), "Idempotency-Key": "handover-7"}
    body = {"direction": "to_desk", "tracking_nos": numbers}
    first = world.client.post("/api/v1/handovers", json=body, headers=headers)
    again = world.client.post("/api/v1/handovers", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json()["handover_id"] == first.json()["handover_id"]
    shipment = world.client.get(f"/api/v1/shipments/{numbers[0]}", headers=world.headers("clerk")).json()
    assert [e["event"] for e in shipment["events"]].count("handed_to_desk") == 1
