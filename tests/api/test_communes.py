"""Communes as data (API.md, Communes, the province and accounts), on SQLite and PostgreSQL:
the admin creates and merges communes, supervisors and the admin edit hamlets, two communes
never see each other, and a merge keeps every number answering and every booked name printed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from postal_tracker.accounts.service import Principal, Role
from postal_tracker.booking.schemas import PickupRequest
from postal_tracker.booking.service import book_pickup
from postal_tracker.errors import Conflict
from postal_tracker.localtime import LOCAL_TZ, local_today
from tests.api.province import PROVINCE, TAM_AN_HAMLETS, TAM_PHUOC_HAMLETS, new_commune
from tests.api.test_booking import book, walk
from tests.builders import pickup_body, scan_body
from tests.labels.builders import page_texts


def problem(answer, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def pdf_text(commune, url: str, role: str = "clerk") -> str:
    answer = commune.client.get(url, headers=commune.headers(role))
    assert answer.status_code == 200, answer.text
    return " ".join(" ".join(page_texts(answer.content)).split())  # lines joined where a PDF wraps them


def communes_listed(world) -> dict[str, dict]:
    page = world.client.get("/api/v1/communes", params={"limit": 500}, headers=world.headers("admin")).json()
    assert page["total"] >= len(page["items"])
    return {c["code"]: c for c in page["items"]}


# --- creating communes and hamlets --------------------------------------------------------------


def test_the_admin_creates_a_commune_with_its_hamlets_and_staff_see_only_their_own(world, database):
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    listed = communes_listed(world)[tam_an.code]
    assert listed == listed | {"name": "Tam An", "province": PROVINCE, "merged_into": None, "hamlets": 2}
    assert listed["desk_name"] == "Bộ phận Tiếp nhận và Trả kết quả UBND xã Tam An"
    own = world.client.get("/api/v1/communes", headers=tam_an.headers("clerk")).json()
    assert own["total"] == 1 and [c["code"] for c in own["items"]] == [tam_an.code]
    hamlets = world.client.get("/api/v1/hamlets", headers=tam_an.headers("postal")).json()
    assert sorted(h["name"] for h in hamlets) == ["An Nhứt", "An Thạnh"]
    answer = world.client.get("/api/v1/hamlets", params={"commune": tam_an.code}, headers=world.headers("admin"))
    assert sorted(h["code"] for h in answer.json()) == ["ANNHUT", "ANTHANH"]
    booked = book(tam_an, address={"hamlet_code": "ANNHUT", "detail": "Tổ 5"})
    assert booked["shipment"]["hamlet_code"] == "ANNHUT"


def test_the_communes_list_is_paginated_for_the_admin(world, database):
    for _ in range(2):
        new_commune(world, database, "Xã Mới", [])
    first = world.client.get("/api/v1/communes", params={"limit": 1}, headers=world.headers("admin")).json()
    second = world.client.get(
        "/api/v1/communes", params={"limit": 1, "offset": 1}, headers=world.headers("admin")
    ).json()
    assert first["total"] == second["total"] >= 3 and first["limit"] == 1 and second["offset"] == 1
    assert len(first["items"]) == len(second["items"]) == 1 and first["items"] != second["items"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"name": "Tam An", "province": PROVINCE, "post_office_lat": 10.5, "post_office_lon": 107.2}, 422, "code"),
        ({"code": "x y", "name": "Tam An", "province": PROVINCE}, 422, "code"),
        ({"code": "NEW", "name": "Tam An", "post_office_lat": 10.5, "post_office_lon": 107.2}, 422, "province"),
        ({"code": "NEW", "name": "Tam An", "province": PROVINCE}, 422, "post_office_lat"),
        ({"code": "NEW", "name": "Tam An", "province": PROVINCE,
          "hamlets": [{"code": "A", "name": "Ấp A", "lat": 10.5, "lon": 107.2},
                      {"code": "A", "name": "Ấp B", "lat": 10.5, "lon": 107.2}]}, 422, "hamlets.1.code"),
        ({"code": "NEW", "name": "Tam An", "province": PROVINCE,
          "hamlets": [{"code": "A", "name": "Ấp A", "lat": 91, "lon": 107.2}]}, 422, "hamlets.0.lat"),
    ],
)  # fmt: skip
def test_a_bad_commune_is_refused_naming_the_field_and_nothing_is_created(world, body, status, field):
    code = body.get("code")
    if code == "NEW":
        body = {**body, "code": f"new-{uuid.uuid4().hex[:8]}"}
    before = world.client.get("/api/v1/communes", headers=world.headers("admin")).json()["total"]
    problem(world.client.post("/api/v1/communes", json=body, headers=world.headers("admin")), status, field)
    assert world.client.get("/api/v1/communes", headers=world.headers("admin")).json()["total"] == before


def test_a_commune_code_is_taken_once(world):
    body = {"code": world.code, "name": "Tam Phước", "province": PROVINCE, "post_office_lat": 1, "post_office_lon": 1}
    problem(world.client.post("/api/v1/communes", json=body, headers=world.headers("admin")), 409, "code")


def test_hamlets_are_added_renamed_and_deactivated(world):
    supervisor = world.headers("supervisor")
    added = world.client.post(
        "/api/v1/hamlets", json={"code": "PMOI", "name": "Phước Mới", "lat": 10.52, "lon": 107.23}, headers=supervisor
    )
    assert added.status_code == 201, added.text
    assert added.json() == added.json() | {"code": "PMOI", "name": "Phước Mới", "active": True}
    problem(
        world.client.post("/api/v1/hamlets", json={"code": "PMOI", "name": "Lại", "lat": 10, "lon": 107},
                          headers=supervisor), 422, "code",
    )  # fmt: skip

    before = book(world, address={"hamlet_code": "PMOI", "detail": "Số 1"})
    renamed = world.client.patch("/api/v1/hamlets/PMOI", json={"name": "Phước Tân"}, headers=supervisor)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Phước Tân"
    after = book(world, address={"hamlet_code": "PMOI", "detail": "Số 2"})

    old_label = pdf_text(world, before["label_url"])
    new_label = pdf_text(world, after["label_url"])
    assert "Phước Mới" in old_label and "Phước Tân" not in old_label
    assert "Phước Tân" in new_label and "Phước Mới" not in new_label
    assert "Phước Mới" in pdf_text(world, before["receipt_url"])
    old_dossier = world.client.get(f"/api/v1/dossiers/{before['dossier_id']}", headers=world.headers("clerk"))
    assert "Phước Mới" in old_dossier.text and "Phước Tân" not in old_dossier.text
    month = local_today().strftime("%Y-%m")
    report = world.client.get("/api/v1/reports/monthly", params={"month": month}, headers=supervisor).json()
    assert {"hamlet_code": "PMOI", "hamlet_name": "Phước Tân"}.items() <= next(
        h for h in report["by_hamlet"] if h["hamlet_code"] == "PMOI"
    ).items()

    off = world.client.patch("/api/v1/hamlets/PMOI", json={"active": False}, headers=supervisor)
    assert off.status_code == 200 and off.json()["active"] is False
    listed = world.client.get("/api/v1/hamlets", headers=world.headers("clerk")).json()
    assert "PMOI" not in [h["code"] for h in listed]
    everything = world.client.get("/api/v1/hamlets", params={"include_inactive": "true"}, headers=supervisor).json()
    assert "PMOI" in [h["code"] for h in everything]
    refused = world.client.post(
        "/api/v1/pickups", json=pickup_body(address={"hamlet_code": "PMOI", "detail": "Số 3"}),
        headers=world.headers("clerk"),
    )  # fmt: skip
    problem(refused, 422, "address.hamlet_code")
    # The parcels booked there carry on.
    walk(world, before["shipment"]["tracking_no"], "picked_up")


def test_the_admin_edits_a_named_communes_hamlets_and_must_name_it(world):
    admin = world.headers("admin")
    body = {"code": "PADMIN", "name": "Phước Tỉnh", "lat": 10.51, "lon": 107.22}
    problem(world.client.post("/api/v1/hamlets", json=body, headers=admin), 422, "commune")
    problem(world.client.post("/api/v1/hamlets", json={**body, "commune": "no-such"}, headers=admin), 422, "commune")
    added = world.client.post("/api/v1/hamlets", json={**body, "commune": world.code}, headers=admin)
    assert added.status_code == 201, added.text
    problem(world.client.patch("/api/v1/hamlets/PADMIN", json={"name": "X"}, headers=admin), 422, "commune")
    renamed = world.client.patch(
        "/api/v1/hamlets/PADMIN", params={"commune": world.code}, json={"name": "Phước Tỉnh Mới"}, headers=admin
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Phước Tỉnh Mới"
    clerk_view = world.client.get("/api/v1/hamlets", headers=world.headers("clerk")).json()
    assert "Phước Tỉnh Mới" in [h["name"] for h in clerk_view]


def test_a_supervisor_edits_only_their_own_communes_hamlets(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    answer = client.patch(
        "/api/v1/hamlets/PLANG",
        params={"commune": world.code},
        json={"name": "Lạ"},
        headers=other.headers("supervisor"),
    )
    problem(answer, 403)
    body = {"code": "PX", "name": "Ấp X", "lat": 10.5, "lon": 107.2, "commune": world.code}
    problem(client.post("/api/v1/hamlets", json=body, headers=other.headers("supervisor")), 403)
    names = [h["name"] for h in client.get("/api/v1/hamlets", headers=world.headers("clerk")).json()]
    assert "Lạ" not in names and "Ấp X" not in names


# --- two communes, isolated end to end ----------------------------------------------------------


def _activity(commune, hamlet: str) -> dict:
    """A day at one commune: a pickup walked to the desk by hand-over, its return booked, a
    second pickup waiting, a refused scan."""
    booked = book(commune, address={"hamlet_code": hamlet, "detail": "Số 9"})
    waiting = book(commune, address={"hamlet_code": hamlet, "detail": "Số 10"})
    number = booked["shipment"]["tracking_no"]
    walk(commune, number, "picked_up")
    handover = commune.client.post(
        "/api/v1/handovers", json={"direction": "to_desk", "tracking_nos": [number]}, headers=commune.headers("postal")
    )
    assert handover.status_code == 201, handover.text
    ret = commune.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=commune.headers("clerk"))
    assert ret.status_code == 201, ret.text
    refused = commune.client.post(
        "/api/v1/scans", json=scan_body(waiting["shipment"]["tracking_no"], "delivered", recipient_name="A"),
        headers=commune.headers("postal"),
    )  # fmt: skip
    assert refused.status_code == 409
    exceptions = commune.client.get("/api/v1/scans/exceptions", headers=commune.headers("clerk")).json()
    return {
        "dossier_id": booked["dossier_id"],
        "numbers": {number, waiting["shipment"]["tracking_no"], ret.json()["shipment"]["tracking_no"]},
        "label_url": booked["label_url"],
        "receipt_url": booked["receipt_url"],
        "handover_id": handover.json()["handover_id"],
        "exception_id": exceptions["items"][0]["id"],
        "scan_id": exceptions["items"][0]["scan_id"],
    }


def _numbers_in(commune, path: str, role: str, **params) -> set[str]:
    answer = commune.client.get(path, params=params, headers=commune.headers(role))
    assert answer.status_code == 200, answer.text
    text = answer.text
    return {n for n in commune.all_numbers if n in text}


def test_two_communes_are_isolated_end_to_end(world, database):
    tam_phuoc = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    mine = {tam_phuoc.code: _activity(tam_phuoc, "PLANG"), tam_an.code: _activity(tam_an, "ANNHUT")}
    every_number = mine[tam_phuoc.code]["numbers"] | mine[tam_an.code]["numbers"]
    today, month = local_today().isoformat(), local_today().strftime("%Y-%m")
    lists = [
        ("clerk", "/api/v1/shipments", {"limit": 500}),
        ("postal", "/api/v1/shipments", {"limit": 500}),
        ("clerk", "/api/v1/scans/exceptions", {}),
        ("clerk", "/api/v1/manifests", {"kind": "pickup", "date": today}),
        ("postal", "/api/v1/manifests", {"kind": "delivery", "date": today}),
        ("clerk", "/api/v1/reports/daily", {"date": today}),
        ("supervisor", "/api/v1/reports/monthly", {"month": month}),
        ("supervisor", "/api/v1/reports/monthly", {"month": month, "format": "csv"}),
        ("clerk", "/api/v1/webhooks/deliveries", {"limit": 500}),
    ]
    for me, other in ((tam_phuoc, tam_an), (tam_an, tam_phuoc)):
        own, theirs = mine[me.code], mine[other.code]
        for role, path, params in lists:
            answer = me.client.get(path, params=params, headers=me.headers(role))
            assert answer.status_code == 200, (path, answer.text)
            assert not any(n in answer.text for n in theirs["numbers"]), (me.name, path)
        shipments = me.client.get("/api/v1/shipments", params={"limit": 500}, headers=me.headers("clerk")).json()
        assert {s["tracking_no"] for s in shipments["items"]} == own["numbers"]
        assert {s["tracking_no"] for s in shipments["items"]} <= every_number
        users = me.client.get("/api/v1/users", headers=me.headers("supervisor")).json()
        assert {u["commune"] for u in users["items"]} == {me.code} and users["total"] == 3
        postmen = me.client.get("/api/v1/postmen", headers=me.headers("clerk")).json()
        assert [p["id"] for p in postmen["items"]] == [me.user_ids["postal"]]
        hamlets = {h["code"] for h in me.client.get("/api/v1/hamlets", headers=me.headers("clerk")).json()}
        assert hamlets == {h[0] for h in (TAM_PHUOC_HAMLETS if me is tam_phuoc else TAM_AN_HAMLETS)}
        communes = me.client.get("/api/v1/communes", headers=me.headers("integration")).json()
        assert [c["code"] for c in communes["items"]] == [me.code]
        label = pdf_text(me, own["label_url"])
        assert f"xã {me.name}" in label and f"xã {other.name}" not in label
        assert f"UBND xã {me.name}" in pdf_text(me, own["receipt_url"])
        # Every id the other commune has is a 404 here, whichever way it is reached.
        for role in ("clerk", "supervisor", "integration"):
            headers = me.headers(role)
            assert me.client.get(f"/api/v1/dossiers/{theirs['dossier_id']}", headers=headers).status_code in (403, 404)
            assert me.client.get(theirs["receipt_url"], headers=headers).status_code == 404
            assert me.client.get(theirs["label_url"], headers=headers).status_code == 404
        for number in theirs["numbers"]:
            assert me.client.get(f"/api/v1/shipments/{number}", headers=me.headers("clerk")).status_code == 404
            scan = me.client.post("/api/v1/scans", json=scan_body(number, "picked_up"), headers=me.headers("postal"))
            assert scan.status_code == 404
        headers = me.headers("clerk")
        for ref in (theirs["handover_id"], f"{theirs['handover_id']}.pdf"):
            assert me.client.get(f"/api/v1/handovers/{ref}", headers=headers).status_code == 404
        assert me.client.post(f"/api/v1/dossiers/{theirs['dossier_id']}/return", headers=headers).status_code == 404
        resolve = me.client.post(
            f"/api/v1/scans/exceptions/{theirs['exception_id']}/resolve", json={"note": "x"}, headers=headers
        )
        assert resolve.status_code in (404, 422)  # never resolved from here
        replay = me.client.post(
            "/api/v1/scans", json=scan_body(sorted(theirs["numbers"])[0], "picked_up", scan_id=theirs["scan_id"]),
            headers=me.headers("postal"),
        )  # fmt: skip
        # Refused either way (pd-faults makes it the 404 of an unknown id), never their parcel.
        assert replay.status_code in (404, 409) and "shipment" not in replay.json()
        labels = me.client.post(
            "/api/v1/labels", json={"tracking_nos": sorted(theirs["numbers"]), "size": "a4"}, headers=headers
        )
        assert labels.status_code == 404
    # The admin reads each commune's figures apart.
    for commune in (tam_phuoc, tam_an):
        report = world.client.get(
            "/api/v1/reports/monthly", params={"month": month, "commune": commune.code}, headers=world.headers("admin")
        ).json()
        assert report["commune"] == commune.name and report["totals"]["pickups_booked"] == 2


# --- merging ------------------------------------------------------------------------------------


def _last_month_evening() -> str:
    """23:00 local on the last day of the previous month: a scan time in a month before the merge."""
    first = local_today().replace(day=1)
    return (datetime.combine(first, datetime.min.time(), LOCAL_TZ) - timedelta(hours=1)).isoformat()


def test_a_merge_moves_what_is_alive_and_keeps_numbers_and_booked_names(world, database):
    tam_phuoc = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    tam_an = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    # Before the merge: a dossier closed at Tam Phước (picked up last month, at the desk), one
    # still on its way, and one at Tam An.
    closed = book(tam_phuoc, return_by_post=False, address={"hamlet_code": "PBINH", "detail": "Số 1"})
    closed_no = closed["shipment"]["tracking_no"]
    for event in ("picked_up", "handed_to_desk"):
        scan = scan_body(closed_no, event, at=_last_month_evening())
        assert tam_phuoc.client.post("/api/v1/scans", json=scan, headers=tam_phuoc.headers("postal")).status_code == 201
    open_ = book(tam_phuoc, address={"hamlet_code": "PLANG", "detail": "Số 2, đường Phước Lăng"})
    open_no = open_["shipment"]["tracking_no"]
    walk(tam_phuoc, open_no, "picked_up")
    book(tam_an, address={"hamlet_code": "ANNHUT", "detail": "Số 3"})
    old_postman_token = tam_phuoc.headers("postal")

    merged = world.client.post(
        f"/api/v1/communes/{tam_phuoc.code}/merge", json={"into": tam_an.code}, headers=world.headers("admin")
    )
    assert merged.status_code == 200, merged.text
    result = merged.json()
    assert result["commune"]["merged_into"] == tam_an.code and result["into"]["hamlets"] == 5
    assert result["moved"] == result["moved"] | {"hamlets": 3, "users": 3, "api_keys": 1, "dossiers": 1}
    assert communes_listed(world)[tam_phuoc.code]["merged_into"] == tam_an.code

    # Staff, keys and hamlets now belong to Tam An, on their very next request.
    me = world.client.get("/api/v1/auth/me", headers=old_postman_token).json()
    assert me["commune_id"] == tam_an.commune_id
    hamlets = {h["code"] for h in world.client.get("/api/v1/hamlets", headers=tam_an.headers("clerk")).json()}
    assert hamlets == {"PBINH", "PLANG", "PTRUNG", "ANNHUT", "ANTHANH"}
    assert world.client.get("/api/v1/hamlets", headers=tam_phuoc.headers("integration")).status_code == 200

    # Every number still answers: publicly, and to the desk that now handles it.
    for number in (closed_no, open_no):
        assert world.client.get(f"/api/v1/track/{number}").status_code == 200
    assert world.client.get(f"/api/v1/shipments/{open_no}", headers=tam_an.headers("clerk")).status_code == 200
    walk(tam_an, open_no, "handed_to_desk")  # Tam An's postman carries on with it
    ret = world.client.post(f"/api/v1/dossiers/{open_['dossier_id']}/return", headers=tam_an.headers("clerk"))
    assert ret.status_code == 201, ret.text

    # The booked names still print: the commune, the hamlet, the procedure, even after a rename.
    rename = world.client.patch("/api/v1/hamlets/PLANG", json={"name": "An Lăng"}, headers=tam_an.headers("supervisor"))
    assert rename.status_code == 200
    label = pdf_text(tam_an, open_["label_url"])
    assert "xã Tam Phước" in label and "Phước Lăng" in label and "An Lăng" not in label
    receipt = pdf_text(tam_an, open_["receipt_url"])
    assert "UBND xã Tam Phước" in receipt and "Phước Lăng" in receipt and "Đăng ký khai sinh" in receipt
    tracked = world.client.get(f"/api/v1/track/{open_no}", params={"phone_last4": "5678"}).json()
    assert "Tam Phước" in str(tracked["events"]) and "An Lăng" not in str(tracked)
    return_label = pdf_text(tam_an, f"/api/v1/shipments/{ret.json()['shipment']['tracking_no']}/label.pdf")
    assert "Phước Lăng" in return_label and "xã Tam Phước" in return_label

    # Tam An books in the merged hamlets under the new name; Tam Phước books nothing any more.
    fresh = book(tam_an, address={"hamlet_code": "PLANG", "detail": "Số 4"})
    assert "An Lăng" in pdf_text(tam_an, fresh["label_url"])
    ghost = Principal(1, "stale", Role.CLERK, tam_phuoc.commune_id)
    with database.write() as conn, pytest.raises(Conflict, match="merged"):
        book_pickup(conn, ghost, PickupRequest(**pickup_body()), world.client.app.state.settings.rules)

    # Months before the merge are reported under the old commune; this month splits at the merge.
    admin = world.headers("admin")
    last_month = _last_month_evening()[:7]
    this_month = local_today().strftime("%Y-%m")

    def totals(commune, month):
        answer = world.client.get(
            "/api/v1/reports/monthly", params={"month": month, "commune": commune.code}, headers=admin
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    before_old, before_new = totals(tam_phuoc, last_month), totals(tam_an, last_month)
    assert before_old["totals"]["pickups_at_desk"] == 1 and before_old["commune"] == "Tam Phước"
    assert before_new["totals"]["pickups_at_desk"] == 0
    now_old, now_new = totals(tam_phuoc, this_month), totals(tam_an, this_month)
    assert now_old["totals"]["pickups_booked"] == 2  # both booked at Tam Phước, before the merge
    assert now_old["totals"]["pickups_at_desk"] == 0  # the open one reached the desk after it
    assert now_new["totals"]["pickups_booked"] == 2 and now_new["totals"]["pickups_at_desk"] == 1
    assert now_new["totals"]["returns_booked"] == 1
    old_hamlets = {h["hamlet_code"]: h["hamlet_name"] for h in now_old["by_hamlet"]}
    assert old_hamlets["PLANG"] == "Phước Lăng"


@pytest.mark.parametrize(
    ("into", "on", "status", "field"),
    [
        ("self", None, 422, "into"),
        ("no-such-commune", None, 422, "into"),
        ("merged", None, 422, "into"),
        ("other", "2025-13-01", 422, "on"),
        ("other", "not a date", 422, "on"),
        ("other", "tomorrow", 422, "on"),
        ("clash", None, 409, "hamlets"),
    ],
)
def test_a_bad_merge_is_refused_naming_the_field_and_changes_nothing(world, database, into, on, status, field):
    source = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    other = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    admin = world.headers("admin")
    targets = {"self": source.code, "no-such-commune": "no-such-commune", "other": other.code, "clash": world.code}
    if into == "merged":
        gone = new_commune(world, database, "Long Điền", [])
        assert world.client.post(f"/api/v1/communes/{gone.code}/merge", json={"into": other.code},
                                 headers=admin).status_code == 200  # fmt: skip
        targets["merged"] = gone.code
    body = {"into": targets[into]}
    if on is not None:
        body["on"] = (local_today() + timedelta(days=1)).isoformat() if on == "tomorrow" else on
    before = communes_listed(world)
    problem(world.client.post(f"/api/v1/communes/{source.code}/merge", json=body, headers=admin), status, field)
    assert communes_listed(world) == before
    assert (
        world.client.get("/api/v1/auth/me", headers=source.headers("clerk")).json()["commune_id"] == source.commune_id
    )


def test_merging_twice_or_an_unknown_commune_is_refused(world, database):
    source = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    into = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    admin = world.headers("admin")
    url = f"/api/v1/communes/{source.code}/merge"
    on = "2025-01-01"
    assert world.client.post(url, json={"into": into.code, "on": on}, headers=admin).status_code == 200
    problem(world.client.post(url, json={"into": into.code}, headers=admin), 409)
    problem(world.client.post("/api/v1/communes/nowhere/merge", json={"into": into.code}, headers=admin), 404)
    # A merged commune takes no new staff, keys or hamlets.
    body = {"username": f"late-{source.code}", "password": "long enough", "role": "clerk", "commune": source.code}
    problem(world.client.post("/api/v1/users", json=body, headers=admin), 422, "commune")
    hamlet = {"code": "LATE", "name": "Ấp Muộn", "lat": 10.5, "lon": 107.2, "commune": source.code}
    problem(world.client.post("/api/v1/hamlets", json=hamlet, headers=admin), 422, "commune")


def test_an_old_merge_date_is_kept_in_utc(world, database):
    source = new_commune(world, database, "Tam Phước", [])
    into = new_commune(world, database, "Tam An", [])
    answer = world.client.post(
        f"/api/v1/communes/{source.code}/merge", json={"into": into.code, "on": "2025-01-01"},
        headers=world.headers("admin"),
    )  # fmt: skip
    merged_at = datetime.fromisoformat(answer.json()["commune"]["merged_at"])
    assert merged_at == datetime(2025, 1, 1, tzinfo=LOCAL_TZ).astimezone(UTC)


def test_a_renamed_commune_prints_its_new_name_on_new_bookings_only(world, database):
    commune = new_commune(world, database, "Tam Phước", TAM_PHUOC_HAMLETS)
    admin = world.headers("admin")
    before = book(commune)
    renamed = world.client.patch(f"/api/v1/communes/{commune.code}", json={"name": "Tam Phước Mới"}, headers=admin)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Tam Phước Mới"
    after = book(commune)
    assert "xã Tam Phước Mới" in pdf_text(commune, after["label_url"])
    old = pdf_text(commune, before["label_url"])
    assert "xã Tam Phước" in old and "Tam Phước Mới" not in old
    assert "UBND xã Tam Phước Mới" not in pdf_text(commune, before["receipt_url"])
    assert world.client.get(f"/api/v1/communes/{commune.code}", headers=commune.headers("clerk")).json()["name"] == (
        "Tam Phước Mới"
    )
    problem(world.client.patch(f"/api/v1/communes/{commune.code}", json={"post_office_lat": 91}, headers=admin), 422,
            "post_office_lat")  # fmt: skip
    problem(world.client.patch("/api/v1/communes/no-such", json={"name": "X"}, headers=admin), 404)


def test_one_commune_is_read_by_its_staff_and_the_admin_only(world, database):
    mine = new_commune(world, database, "Tam An", TAM_AN_HAMLETS)
    other = new_commune(world, database, "Tam Phước", [])
    assert world.client.get(f"/api/v1/communes/{mine.code}", headers=mine.headers("postal")).status_code == 200
    problem(world.client.get(f"/api/v1/communes/{other.code}", headers=mine.headers("postal")), 404)
    admin = world.headers("admin")
    merged = world.client.post(f"/api/v1/communes/{other.code}/merge", json={"into": mine.code}, headers=admin)
    assert merged.status_code == 200
    view = world.client.get(f"/api/v1/communes/{other.code}", headers=admin).json()
    assert view["merged_into"] == mine.code and view["hamlets"] == 0
    problem(world.client.patch(f"/api/v1/communes/{other.code}", json={"name": "X"}, headers=admin), 409)
