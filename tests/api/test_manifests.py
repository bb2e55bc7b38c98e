"""Manifests (the postman's day) and postman assignment through the HTTP API, on SQLite and
PostgreSQL. Each test has a commune of its own (`world`), so "exactly these parcels" is exact."""

from __future__ import annotations

import itertools
import math
import uuid
from datetime import timedelta

import pytest
from geopy.distance import geodesic
from reportlab.lib.pagesizes import A4

from postal_tracker.localtime import local_today
from postal_tracker.reference.seed import TAM_PHUOC
from tests.builders import book, pickup_body, scan, walk
from tests.conftest import PASSWORD, make_world
from tests.labels.builders import page_sizes, page_texts

POST_OFFICE = (TAM_PHUOC["post_office_lat"], TAM_PHUOC["post_office_lon"])


def at(lat: float, lon: float, hamlet: str = "PTRUNG", detail: str | None = None) -> dict:
    return {"hamlet_code": hamlet, "detail": detail or f"Số {uuid.uuid4().hex[:4]}", "lat": lat, "lon": lon}


def number_of(booked: dict) -> str:
    return booked["shipment"]["tracking_no"]


def get_manifest(world, role: str = "postal", **params) -> dict:
    params.setdefault("date", local_today().isoformat())
    answer = world.client.get("/api/v1/manifests", params=params, headers=world.headers(role))
    assert answer.status_code == 200, answer.text
    return answer.json()


def numbers(manifest: dict) -> set[str]:
    return {stop["tracking_no"] for stop in manifest["stops"]}


def return_leg(world, booked: dict, *events: str, picked_up: bool = True) -> str:
    """Bring a booked pickup (picked up already unless `picked_up`) to the desk, book its return
    and walk that through `events`."""
    walk(world, number_of(booked), *(["picked_up"] if picked_up else []), "handed_to_desk")
    answer = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    number = answer.json()["shipment"]["tracking_no"]
    if events:
        walk(world, number, *events)
    return number


def add_postman(world, name: str) -> dict:
    username = f"{name}-{world.code}"
    answer = world.client.post(
        "/api/v1/users",
        json={"username": username, "password": PASSWORD, "role": "postal", "full_name": f"Bưu tá {name}"},
        headers=world.headers("supervisor"),
    )
    assert answer.status_code == 201, answer.text
    return {"id": answer.json()["id"], "username": username}


def assign(world, number: str, postman_id, role: str = "clerk"):
    return world.client.patch(
        f"/api/v1/shipments/{number}", json={"postman_id": postman_id}, headers=world.headers(role)
    )


# --- content -------------------------------------------------------------------------------------


def test_pickup_manifest_lists_exactly_the_parcels_still_to_collect_by_that_day(world, database, client):
    yesterday, tomorrow = local_today() - timedelta(days=1), local_today() + timedelta(days=1)
    due_today = number_of(book(world))
    rolled_over = number_of(book(world, requested_date=yesterday.isoformat()))
    scan(world, rolled_over, "pickup_failed", reason="not_home")
    failed_today = number_of(book(world))
    scan(world, failed_today, "pickup_failed", reason="wrong_address")
    next_week = number_of(book(world, requested_date=(local_today() + timedelta(days=7)).isoformat()))
    given_up = number_of(book(world, requested_date=yesterday.isoformat()))
    for _ in range(3):  # MAX_DELIVERY_ATTEMPTS
        scan(world, given_up, "pickup_failed", reason="not_home")
    picked_up = number_of(book(world))
    walk(world, picked_up, "picked_up")
    at_desk = number_of(book(world))
    walk(world, at_desk, "picked_up", "handed_to_desk")
    cancelled = number_of(book(world))
    scan(world, cancelled, "cancelled", reason="other", note="người dân tự nộp")
    elsewhere = make_world(database, client)
    number_of(book(elsewhere))

    manifest = get_manifest(world, kind="pickup")
    assert manifest["date"] == local_today().isoformat() and manifest["kind"] == "pickup"
    assert numbers(manifest) == {due_today, rolled_over, failed_today}
    assert [stop["order"] for stop in manifest["stops"]] == [1, 2, 3]
    assert numbers(get_manifest(world, kind="pickup", date=tomorrow.isoformat())) == {
        due_today, rolled_over, failed_today,
    }  # fmt: skip
    assert numbers(get_manifest(world, kind="pickup", date=yesterday.isoformat())) == {rolled_over}
    in_a_week = (local_today() + timedelta(days=7)).isoformat()
    assert next_week in numbers(get_manifest(world, kind="pickup", date=in_a_week))
    assert get_manifest(world, kind="delivery")["stops"] == []

    stops = {stop["tracking_no"]: stop for stop in manifest["stops"]}
    assert stops[rolled_over]["status"] == "pickup_failed" and stops[rolled_over]["attempts"] == 1
    assert stops[rolled_over]["reason"] == "not_home"
    assert stops[rolled_over]["next_step"] == "retry_next_round"
    assert stops[rolled_over]["next_step_text_vi"] == "Bưu tá quay lại ở chuyến sau"
    assert stops[failed_today]["next_step"] == "call_citizen"
    assert "next_step" not in stops[due_today]
    first = stops[due_today]
    assert first["name"] == "Nguyễn Thị Hằng" and first["phone"] == "+84912345678"
    assert first["hamlet_code"] == "PLANG" and first["address"] == "Số 12, tổ 3, đường Phước Lăng, ấp Phước Lăng"
    assert first["geo_source"] == "hamlet" and first["leg"] == "pickup"


def test_delivery_manifest_lists_results_in_the_posts_hands_until_the_attempt_limit(world):
    collected = return_leg(world, book(world), "collected_from_desk")
    at_post_office = return_leg(world, book(world), "collected_from_desk", "arrived_post_office")
    out = return_leg(world, book(world), "collected_from_desk", "out_for_delivery")
    failed = return_leg(world, book(world), "collected_from_desk", "out_for_delivery", "delivery_failed")
    still_at_desk = return_leg(world, book(world))
    delivered = return_leg(world, book(world), "collected_from_desk", "out_for_delivery", "delivered")
    back_at_desk = return_leg(world, book(world), "collected_from_desk", "returned_to_desk")
    given_up = return_leg(world, book(world), "collected_from_desk")
    for _ in range(3):
        walk(world, given_up, "out_for_delivery", "delivery_failed")

    manifest = get_manifest(world, kind="delivery")
    assert numbers(manifest) == {collected, at_post_office, out}  # `failed` waits for its next attempt
    assert not numbers(manifest) & {still_at_desk, delivered, back_at_desk, given_up}
    next_attempt_on = world.client.get(f"/api/v1/shipments/{failed}", headers=world.headers("clerk")).json()[
        "next_attempt_on"
    ]
    later = get_manifest(world, kind="delivery", date=next_attempt_on)
    assert numbers(later) == {collected, at_post_office, out, failed}
    stops = {stop["tracking_no"]: stop for stop in later["stops"]}
    assert stops[failed]["reason"] == "not_home" and stops[failed]["next_step"] == "retry_next_round"
    assert stops[failed]["next_attempt_on"] == next_attempt_on
    assert all(stop["leg"] == "return" and stop["fee_to_collect_vnd"] == 0 for stop in manifest["stops"])
    assert get_manifest(world, kind="pickup")["stops"] == []  # every pickup leg reached the desk


def test_a_result_goes_to_the_delivery_address_when_the_dossier_has_one(world):
    delivery = at(10.5301, 107.2301, hamlet="PNGHIA", detail="Nhà văn hóa ấp")
    booked = book(world, address=at(10.5, 107.24, hamlet="PTRINH"), delivery_address=delivery,
                  procedure_code="2.000815")  # fmt: skip
    assert get_manifest(world, kind="pickup")["stops"][0]["fee_to_collect_vnd"] == 10_000
    number = return_leg(world, booked, "collected_from_desk")
    [stop] = get_manifest(world, kind="delivery")["stops"]
    assert stop["tracking_no"] == number
    assert (stop["lat"], stop["lon"], stop["hamlet_code"]) == (10.5301, 107.2301, "PNGHIA")
    assert stop["address"] == "Nhà văn hóa ấp, ấp Phước Nghĩa"


def test_the_fee_still_owed_is_what_the_postman_collects(world):
    number = number_of(book(world, procedure_code="2.000884"))  # 50.000 đ
    manifest = get_manifest(world, kind="pickup")
    assert manifest["stops"][0]["fee_to_collect_vnd"] == 50_000
    assert manifest["fee_to_collect_vnd"] == 50_000
    assert number in numbers(manifest)


def test_what_is_still_owed_when_the_result_goes_out_is_collected_with_it(world):
    def returned(paid_at_pickup: int) -> str:
        booked = book(world, procedure_code="2.000884")  # 50.000 đ
        scan(world, number_of(booked), "picked_up", fee_collected_vnd=paid_at_pickup or None)
        return return_leg(world, booked, "collected_from_desk", picked_up=False)

    body = {k: v for k, v in pickup_body(procedure_code="2.000884").items() if k != "documents"}
    answer = world.client.post("/api/v1/returns", json=body, headers=world.headers("clerk"))
    assert answer.status_code == 201, answer.text
    return_only = number_of(answer.json())  # no pickup: all of it is owed on delivery
    walk(world, return_only, "collected_from_desk")
    paid, part_paid = returned(50_000), returned(20_000)

    manifest = get_manifest(world, kind="delivery")
    owed = {stop["tracking_no"]: stop["fee_to_collect_vnd"] for stop in manifest["stops"]}
    assert owed == {return_only: 50_000, paid: 0, part_paid: 30_000}
    assert manifest["fee_to_collect_vnd"] == 80_000
    for number, fee in owed.items():  # the same figure as the parcel's own
        shipment = world.client.get(f"/api/v1/shipments/{number}", headers=world.headers("clerk")).json()
        assert shipment["fee_owed_vnd"] == fee
    walk(world, part_paid, "out_for_delivery")
    scan(world, part_paid, "delivered", fee_collected_vnd=30_000)
    assert numbers(get_manifest(world, kind="delivery")) == {return_only, paid}


# --- the round ---------------------------------------------------------------------------------


def test_stops_on_a_circle_around_the_post_office_come_in_circle_order(world):
    radius = 0.01  # degrees, about 1 km
    angles = [0, 3, 6, 1, 4, 7, 2, 5]  # booked out of order on purpose
    by_number = {}
    for k in angles:
        angle = 2 * math.pi * k / 8
        spot = (POST_OFFICE[0] + radius * math.sin(angle), POST_OFFICE[1] + radius * math.cos(angle))
        by_number[number_of(book(world, address=at(*spot)))] = k

    manifest = get_manifest(world, kind="pickup")
    visited = [by_number[stop["tracking_no"]] for stop in manifest["stops"]]
    steps = {(b - a) % 8 for a, b in itertools.pairwise(visited)}
    assert steps in ({1}, {7}), visited  # round the circle one way or the other, no crossing
    assert manifest["start"]["lat"] == POST_OFFICE[0] and manifest["start"]["lon"] == POST_OFFICE[1]


def test_distances_add_up_to_a_closed_round(world):
    spots = [(10.5163, 107.2362), (10.5163, 107.2462), (10.5163, 107.2562)]  # due east on a line
    for spot in reversed(spots):
        book(world, address=at(*spot))
    manifest = get_manifest(world, kind="pickup")
    route = [(stop["lat"], stop["lon"]) for stop in manifest["stops"]]
    assert route in (spots, spots[::-1])
    legs = [stop["leg_km"] for stop in manifest["stops"]]
    assert sum(legs) + manifest["return_km"] == pytest.approx(manifest["total_km"], abs=1e-6)
    expected = [geodesic(a, b).km for a, b in zip([POST_OFFICE, *route[:-1]], route, strict=True)]
    assert legs == pytest.approx(expected, abs=1e-3)
    assert manifest["return_km"] == pytest.approx(geodesic(route[-1], POST_OFFICE).km, abs=1e-3)
    assert manifest["total_km"] == pytest.approx(2 * geodesic(POST_OFFICE, spots[-1]).km, abs=5e-3)


def test_stops_at_one_address_are_grouped(world):
    house = at(10.53, 107.245, detail="Số 7, tổ 2")
    for spot in [(10.50, 107.21), house, (10.52, 107.24), house, (10.51, 107.20), house]:
        book(world, address=spot if isinstance(spot, dict) else at(*spot))
    stops = get_manifest(world, kind="pickup")["stops"]
    together = [i for i, stop in enumerate(stops) if (stop["lat"], stop["lon"]) == (10.53, 107.245)]
    assert together == list(range(together[0], together[0] + 3))  # consecutive
    assert {stops[i]["place"] for i in together} == {stops[together[0]]["place"]}
    assert all(stops[i]["place_stops"] == 3 for i in together)
    assert [stops[i]["leg_km"] for i in together[1:]] == [0.0, 0.0]
    assert sorted({stop["place"] for stop in stops}) == [1, 2, 3, 4]


def test_an_empty_day_is_an_empty_round(world):
    manifest = get_manifest(world, kind="delivery")
    assert (manifest["stops"], manifest["total_km"], manifest["count"]) == ([], 0.0, 0)


# --- postmen -----------------------------------------------------------------------------------


def test_the_manifest_filters_by_postman_with_the_hamlet_default_as_fallback(world):
    first = {"id": world.user_ids["postal"], "username": world.usernames["postal"]}
    second = add_postman(world, "hai")
    mine = number_of(book(world))
    assert assign(world, mine, first["id"]).json()["postman_id"] == first["id"]
    answer = world.client.patch("/api/v1/hamlets/PBINH", json={"default_postman_id": second["id"]},
                                headers=world.headers("supervisor"))  # fmt: skip
    assert answer.status_code == 200, answer.text
    copied = book(world, address={"hamlet_code": "PBINH", "detail": "Số 1"})
    assert copied["shipment"]["postman_id"] == second["id"]
    unassigned = number_of(book(world, address={"hamlet_code": "PTRINH", "detail": "Số 2"}))
    world.client.patch("/api/v1/hamlets/PTRINH", json={"default_postman_id": second["id"]},
                       headers=world.headers("supervisor"))  # fmt: skip

    everyone = numbers(get_manifest(world, kind="pickup"))
    assert everyone == {mine, number_of(copied), unassigned}
    by_id = get_manifest(world, kind="pickup", postman=str(first["id"]))
    assert numbers(by_id) == {mine}
    assert by_id["postman"]["username"] == first["username"]
    assert numbers(get_manifest(world, kind="pickup", postman="me")) == {mine}
    assert numbers(get_manifest(world, kind="pickup", postman=second["username"])) == {number_of(copied), unassigned}

    clerk = world.client.get("/api/v1/manifests", params={"kind": "pickup", "postman": world.usernames["clerk"]},
                             headers=world.headers("clerk"))  # fmt: skip
    assert clerk.status_code == 422 and clerk.json()["errors"][0]["field"] == "postman"


def test_postmen_are_listed_for_the_desk(world, database, client):
    second = add_postman(world, "ba")
    make_world(database, client)  # another commune's postman stays out
    listed = world.client.get("/api/v1/postmen", headers=world.headers("clerk")).json()
    assert listed["total"] == 2
    assert {(p["id"], p["username"]) for p in listed["items"]} == {
        (world.user_ids["postal"], world.usernames["postal"]), (second["id"], second["username"]),
    }  # fmt: skip
    assert all(set(p) == {"id", "username", "full_name", "active"} for p in listed["items"])
    assert world.client.get("/api/v1/postmen", headers={"X-API-Key": world.api_key}).status_code == 403


def test_assignment_takes_only_a_postman_of_the_commune(world, database, client):
    number = number_of(book(world))
    other = make_world(database, client)
    for bad in (world.user_ids["clerk"], world.user_ids["supervisor"], other.user_ids["postal"], 987654321):
        answer = assign(world, number, bad)
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert answer.json()["errors"][0]["field"] == "postman_id"
    for bad_body in ({"postman_id": "abc"}, {"postman_id": True}, {}, {"postman_id": 0}):
        answer = world.client.patch(f"/api/v1/shipments/{number}", json=bad_body, headers=world.headers("clerk"))
        assert answer.status_code == 422, (bad_body, answer.text)
    assert assign(world, number, world.user_ids["postal"], role="postal").status_code == 403
    assert assign(other, number, other.user_ids["postal"]).status_code == 404
    assert assign(world, "RR123456780VN", world.user_ids["postal"]).status_code == 422  # check digit

    assigned = assign(world, number, world.user_ids["postal"], role="supervisor")
    assert assigned.status_code == 200 and assigned.json()["postman_id"] == world.user_ids["postal"]
    unassigned = assign(world, number, None)
    assert unassigned.status_code == 200 and unassigned.json()["postman_id"] is None

    walk(world, number, "picked_up", "handed_to_desk")
    finished = assign(world, number, world.user_ids["postal"])
    assert finished.status_code == 409 and finished.json()["current_status"] == "at_desk"


# --- the printed manifest and bad requests -----------------------------------------------------


def test_the_pdf_lists_every_parcel_on_a4_portrait(world):
    booked = [number_of(book(world, address=at(10.50 + k * 0.002, 107.22 + (k % 5) * 0.003),
                             procedure_code="2.000815")) for k in range(30)]  # fmt: skip
    scan(world, booked[0], "pickup_failed", reason="not_home")
    answer = world.client.get(
        "/api/v1/manifests", params={"date": local_today().isoformat(), "kind": "pickup", "format": "pdf"},
        headers=world.headers("postal"),
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    today = local_today().isoformat()
    assert answer.headers["content-disposition"] == f'inline; filename="manifest-{today}-pickup.pdf"'
    sizes = page_sizes(answer.content)
    assert len(sizes) >= 2 and all(size == pytest.approx(A4, abs=0.01) for size in sizes)
    text = "\n".join(page_texts(answer.content))
    for number in booked:
        assert number in text
    assert "BẢNG KÊ THU GOM HỒ SƠ" in text
    assert "vắng nhà" in text  # the failed stop's reason and next step


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date": "2025-13-01", "kind": "pickup"}, "date"),
        ({"date": "tomorrow", "kind": "pickup"}, "date"),
        ({"date": "2025-06-01", "kind": "sideways"}, "kind"),
        ({"date": "2025-06-01"}, "kind"),
        ({"date": "2025-06-01", "kind": "pickup", "format": "docx"}, "format"),
        ({"date": "2025-06-01", "kind": "pickup", "postman": "nobody"}, "postman"),
    ],
)
def test_bad_parameters_are_422_naming_the_field(world, params, field):
    answer = world.client.get("/api/v1/manifests", params=params, headers=world.headers("clerk"))
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert field in [e["field"] for e in problem["errors"]] or f"'{field}'" in problem["detail"]


def test_who_may_read_manifests(world):
    params = {"kind": "pickup"}
    for role in ("postal", "clerk", "supervisor"):
        assert world.client.get("/api/v1/manifests", params=params, headers=world.headers(role)).status_code == 200
    assert world.client.get("/api/v1/manifests", params=params, headers=world.headers("integration")).status_code == 403
    assert world.client.get("/api/v1/manifests", params=params).status_code == 401


def test_the_date_defaults_to_the_local_today(world):
    number = number_of(book(world))
    answer = world.client.get("/api/v1/manifests", params={"kind": "pickup"}, headers=world.headers("postal"))
    assert answer.json()["date"] == local_today().isoformat() and numbers(answer.json()) == {number}


def test_a_hamlets_default_postman_must_be_a_postman_of_the_commune(world):
    headers = world.headers("supervisor")
    refused = world.client.patch(
        "/api/v1/hamlets/PLANG", json={"default_postman_id": world.user_ids["clerk"]}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "default_postman_id"
    accepted = world.client.patch(
        "/api/v1/hamlets/PLANG", json={"default_postman_id": world.user_ids["postal"]}, headers=headers
    )
    assert accepted.status_code == 200 and accepted.json()["default_postman_id"] == world.user_ids["postal"]


def test_a_parcel_a_merge_brought_shows_the_commune_it_was_booked_under(world, database):
    from tests.api.province import TAM_AN_HAMLETS, TAM_PHUOC_HAMLETS, new_commune

    tam_phuoc = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    moved = number_of(book(tam_phuoc, address={"hamlet_code": "PLANG", "detail": "Số 2, đường Phước Lăng"}))
    merged = world.client.post(f"/api/v1/communes/{tam_phuoc.code}/merge", json={"into": tam_an.code},
                               headers=world.headers("admin"))  # fmt: skip
    assert merged.status_code == 200, merged.text
    own = number_of(book(tam_an, address={"hamlet_code": "ANNHUT", "detail": "Số 3"}))

    stops = {s["tracking_no"]: s for s in get_manifest(tam_an, "clerk", kind="pickup")["stops"]}
    assert stops.keys() == {moved, own}
    assert (stops[moved]["booked_commune_name"], stops[moved]["hamlet_name"]) == ("Tam Phước", "Phước Lăng")
    assert stops[own]["booked_commune_name"] == "Tam An"
    params = {"date": local_today().isoformat(), "kind": "pickup", "format": "pdf"}
    answer = tam_an.client.get("/api/v1/manifests", headers=tam_an.headers("clerk"), params=params)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/pdf")
    text = " ".join(" ".join(page_texts(answer.content)).split())
    assert "Phước Lăng, xã Tam Phước" in text  # the moved parcel's label says Tam Phước
    assert "xã Tam An" not in text  # a parcel of the manifest's own commune needs no such line
