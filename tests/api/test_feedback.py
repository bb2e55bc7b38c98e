"""Citizens' feedback on a delivered result (public, rate limited), on SQLite and PostgreSQL."""

from __future__ import annotations

from tests.builders import pickup_body, scan_body, valid_number


def delivered_return(world) -> str:
    body = pickup_body(portal_dossier_no=None)
    body.pop("documents")
    number = world.client.post("/api/v1/returns", json=body, headers=world.headers("clerk")).json()["shipment"][
        "tracking_no"
    ]
    for event in ("collected_from_desk", "out_for_delivery", "delivered"):
        extra = {"recipient_name": "Nguyễn Thị Hằng"} if event == "delivered" else {}
        answer = world.client.post(
            "/api/v1/scans", json=scan_body(number, event, **extra), headers=world.headers("postal")
        )
        assert answer.status_code == 201, answer.text
    return number


def test_feedback_once_per_delivered_parcel(world):
    number = delivered_return(world)
    url = f"/api/v1/track/{number}/feedback"
    given = world.client.post(url, json={"phone_last4": "5678", "rating": 5, "comment": "Bưu tá rất nhiệt tình"})
    assert given.status_code == 201, given.text
    assert given.json()["rating"] == 5 and given.json()["comment"] == "Bưu tá rất nhiệt tình"
    again = world.client.post(url, json={"phone_last4": "5678", "rating": 1})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")


def test_wrong_digits_undelivered_parcels_and_bad_input_are_refused(world):
    number = delivered_return(world)
    url = f"/api/v1/track/{number}/feedback"
    assert world.client.post(url, json={"phone_last4": "0000", "rating": 4}).status_code == 404
    assert world.client.post(url, json={"phone_last4": "5678", "rating": 6}).status_code == 422
    assert world.client.post(url, json={"phone_last4": "56", "rating": 3}).status_code == 422
    pickup = world.client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk")).json()
    early = world.client.post(
        f"/api/v1/track/{pickup['shipment']['tracking_no']}/feedback", json={"phone_last4": "5678", "rating": 4}
    )
    assert early.status_code == 404 and "delivered" in early.json()["detail"]
    bad_check_digit = number[:10] + str((int(number[10]) + 1) % 10) + "VN"
    assert world.client.post(f"/api/v1/track/{bad_check_digit}/feedback",
                             json={"phone_last4": "5678", "rating": 4}).status_code == 422  # fmt: skip
    # Accepted after all the refusals: nothing was stored by them.
    assert world.client.post(url, json={"phone_last4": "5678", "rating": 4}).status_code == 201


def test_feedback_counts_in_the_monthly_report(world):
    from datetime import datetime

    from postal_tracker.localtime import LOCAL_TZ

    number = delivered_return(world)
    world.client.post(f"/api/v1/track/{number}/feedback", json={"phone_last4": "5678", "rating": 3})
    month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
    report = world.client.get(f"/api/v1/reports/monthly?month={month}", headers=world.headers("supervisor")).json()
    assert (report["totals"]["feedback_count"], report["totals"]["feedback_mean"]) == (1, 3.0)


def test_no_answer_tells_whether_the_phone_digits_are_right(world):
    """Undelivered: right digits, wrong digits and an unknown number answer alike (status and
    body, but for the number itself); delivered: wrong digits answer as an unknown number."""
    pickup = world.client.post("/api/v1/pickups", json=pickup_body(), headers=world.headers("clerk")).json()
    waiting = pickup["shipment"]["tracking_no"]
    unknown = valid_number("98765432")

    def answer(number: str, digits: str) -> tuple[int, dict]:
        reply = world.client.post(f"/api/v1/track/{number}/feedback", json={"phone_last4": digits, "rating": 4})
        body = reply.json()
        return reply.status_code, {**body, "detail": body["detail"].replace(number, "<no>")}

    assert answer(waiting, "5678") == answer(waiting, "0000") == answer(unknown, "5678")
    assert answer(waiting, "0000")[0] == 404
    delivered = delivered_return(world)
    assert answer(delivered, "0000") == answer(unknown, "0000")
    assert world.client.post(f"/api/v1/track/{delivered}/feedback",
                             json={"phone_last4": "5678", "rating": 4}).status_code == 201  # fmt: skip
