"""Public tracking follows the whole dossier: the pickup leg shows its return leg, and back."""

from __future__ import annotations

import json

from tests.builders import book, walk


def test_the_pickup_leg_shows_the_return_leg_and_the_return_leg_links_back_with_nothing_personal(world):
    booked = book(world)
    pickup_no = booked["shipment"]["tracking_no"]
    walk(world, pickup_no, "picked_up", "handed_to_desk")
    before = world.client.get(f"/api/v1/track/{pickup_no}").json()
    assert "return_leg" not in before and "pickup_leg" not in before
    returned = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    return_no = returned.json()["shipment"]["tracking_no"]
    walk(world, return_no, "collected_from_desk")

    pickup = world.client.get(f"/api/v1/track/{pickup_no}").json()
    leg = pickup["return_leg"]
    assert leg["tracking_no"] == return_no and leg["status"] == "collected" and leg["leg"] == "return"
    assert [e["event"] for e in leg["events"]] == ["booked", "collected_from_desk"]
    assert leg["status_text_vi"]
    back = world.client.get(f"/api/v1/track/{return_no}").json()
    assert back["pickup_leg"] == {"tracking_no": pickup_no, "status": "at_desk"}
    assert "return_leg" not in back
    for answer in (pickup, back):
        text = json.dumps(answer, ensure_ascii=False)
        assert "Nguyễn" not in text and "0912345678" not in text and "Phước Lăng" not in text
    # With the right digits, the return leg's events at home name the hamlet, as the leg itself does.
    verified = world.client.get(f"/api/v1/track/{pickup_no}?phone_last4=5678").json()
    assert verified["return_leg"]["events"][0]["place"] == "Ấp Phước Lăng"
