"""Each role's access to each endpoint: 401 without credentials, 403 with the wrong role."""

from __future__ import annotations

import pytest

from tests.builders import pickup_body, scan_body, valid_number

ROLES = ["clerk", "postal", "supervisor", "integration", "admin"]

# (method, path, body, roles allowed)
ENDPOINTS = [
    ("GET", "/api/v1/hamlets", None, {"clerk", "postal", "supervisor", "integration", "admin"}),
    ("GET", "/api/v1/procedures", None, {"clerk", "postal", "supervisor", "integration", "admin"}),
    ("PATCH", "/api/v1/hamlets/PLANG", {"name": "Phước Lăng"}, {"supervisor", "admin"}),
    ("POST", "/api/v1/hamlets", {"code": "NEW", "name": "Ấp Mới", "lat": 10.5, "lon": 107.2}, {"supervisor", "admin"}),
    ("GET", "/api/v1/communes", None, {"clerk", "postal", "supervisor", "integration", "admin"}),
    ("POST", "/api/v1/communes", {"code": "x"}, {"admin"}),
    ("GET", "/api/v1/communes/nowhere", None, {"clerk", "postal", "supervisor", "integration", "admin"}),
    ("PATCH", "/api/v1/communes/nowhere", {"name": "X"}, {"admin"}),
    ("POST", "/api/v1/communes/nowhere/merge", {"into": "elsewhere"}, {"admin"}),
    ("POST", "/api/v1/pickups", "pickup", {"clerk", "supervisor", "integration"}),
    ("GET", "/api/v1/shipments", None, {"clerk", "postal", "supervisor"}),
    ("POST", "/api/v1/scans", "scan", {"clerk", "postal", "supervisor"}),
    ("GET", "/api/v1/scans/exceptions", None, {"clerk", "supervisor"}),
    ("GET", "/api/v1/users", None, {"supervisor", "admin"}),
    ("POST", "/api/v1/users", {"username": "u"}, {"supervisor", "admin"}),
    ("PATCH", "/api/v1/users/2147483647", {"active": True}, {"supervisor", "admin"}),
    ("GET", "/api/v1/manifests?kind=pickup", None, {"clerk", "postal", "supervisor"}),
    ("GET", "/api/v1/postmen", None, {"clerk", "postal", "supervisor"}),
    ("POST", "/api/v1/labels", {"tracking_nos": ["RR123456785VN"], "size": "a6"},
     {"clerk", "postal", "supervisor", "integration"}),
    ("GET", "/api/v1/reports/daily", None, {"clerk", "supervisor", "admin"}),
    ("GET", "/api/v1/reports/monthly?month=2026-10", None, {"supervisor", "admin"}),
    ("GET", "/api/v1/reports/quarterly?quarter=2026-Q3", None, {"supervisor", "admin"}),
    ("GET", "/api/v1/webhooks/deliveries", None, {"clerk", "supervisor"}),
    ("GET", "/api/v1/audit", None, {"supervisor", "admin"}),
    ("GET", "/api/v1/complaints", None, {"clerk", "supervisor"}),
    ("POST", "/api/v1/complaints", {"tracking_no": "RR123456785VN", "kind": "late", "text": "Chậm"},
     {"clerk", "supervisor"}),
    ("PATCH", "/api/v1/complaints/1", {"status": "resolved", "resolution": "x"}, {"clerk", "supervisor"}),
    ("POST", "/api/v1/integrations/portal/results", {"portal_dossier_no": "X-1"}, {"integration"}),
]  # fmt: skip


def _call(world, method, path, body, headers):
    if body == "pickup":
        body = pickup_body()
    elif body == "scan":
        body = scan_body(valid_number("11111111"), "picked_up")
    return world.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "allowed"), ENDPOINTS)
def test_each_role_on_each_endpoint(world, method, path, body, allowed):
    anonymous = _call(world, method, path, body, {})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    for role in ROLES:
        answer = _call(world, method, path, body, world.headers(role))
        if role in allowed:
            assert answer.status_code not in (401, 403), (role, answer.text)
        else:
            assert answer.status_code == 403, (role, answer.text)


def test_wrong_password_and_unknown_user_get_the_same_401(world):
    wrong = world.client.post("/api/v1/auth/token", json={"username": world.usernames["clerk"], "password": "nope"})
    unknown = world.client.post("/api/v1/auth/token", json={"username": "nobody-here", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_login_returns_a_bearer_token_with_the_role(world):
    answer = world.client.post(
        "/api/v1/auth/token", json={"username": world.usernames["postal"], "password": "correct horse battery"}
    )
    assert answer.status_code == 200
    assert answer.json()["token_type"] == "bearer" and answer.json()["role"] == "postal"


def test_a_forged_token_or_unknown_key_is_refused(world):
    forged = world.client.get("/api/v1/shipments", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401
    assert world.client.get("/api/v1/hamlets", headers={"X-API-Key": "pt_not-a-key"}).status_code == 401


def test_supervisor_adds_users_to_their_commune(world):
    headers = world.headers("supervisor")
    created = world.client.post(
        "/api/v1/users",
        json={"username": f"new-{world.code}", "password": "long enough pw", "role": "postal", "full_name": "Bưu tá"},
        headers=headers,
    )
    assert created.status_code == 201, created.text
    names = [u["username"] for u in world.client.get("/api/v1/users", headers=headers).json()["items"]]
    assert f"new-{world.code}" in names
    page = world.client.get("/api/v1/users", headers=headers).json()
    assert all("password" not in key for u in page["items"] for key in u)


def test_sign_in_attempts_are_rate_limited_per_address(settings, database):
    from dataclasses import replace

    from litestar.testing import TestClient

    from postal_tracker.app import create_app

    app = create_app(replace(settings, public=replace(settings.public, sign_in_rate_limit=2)), database)
    with TestClient(app) as client:
        codes = [
            client.post("/api/v1/auth/token", json={"username": "x", "password": "y"}).status_code for _ in range(3)
        ]
        assert codes == [401, 401, 429]
        assert client.get("/health").status_code == 200


def test_options_requests_answer_without_credentials(world):
    answer = world.client.options("/api/v1/postmen")
    assert answer.status_code == 204 and "GET" in answer.headers["allow"]


@pytest.mark.parametrize(
    ("method", "path", "status", "field"),
    [
        ("GET", "/api/v1/dossiers/1494681355493394087936", 422, "dossier_id"),
        ("GET", "/api/v1/shipments?offset=99999999999999999999", 422, "offset"),
        ("GET", "/api/v1/handovers/99999999999.pdf", 404, None),  # not an id of ours: no such hand-over
    ],
)
def test_numbers_too_large_for_the_database_are_4xx(world, method, path, status, field):
    answer = world.client.request(method, path, headers=world.headers("clerk"))
    assert answer.status_code == status, answer.text
    assert [e["field"] for e in answer.json().get("errors", [])] == ([field] if field else [])


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({}, 200),  # nothing to change
        ({"name": None, "lat": None, "lon": None}, 200),  # null: keep as is
        ({"lon": False}, 422),
        ({"name": "Phước\x00Lăng"}, 422),
    ],
)
def test_hamlet_updates_refuse_or_ignore_odd_bodies_without_a_500(world, body, status):
    answer = world.client.patch("/api/v1/hamlets/PLANG", json=body, headers=world.headers("supervisor"))
    assert answer.status_code == status, answer.text
    if status == 422:
        assert [e["field"] for e in answer.json()["errors"]] == list(body)
    hamlet = next(h for h in world.client.get("/api/v1/hamlets", headers=world.headers("clerk")).json()
                  if h["code"] == "PLANG")  # fmt: skip
    assert (hamlet["name"], hamlet["lon"]) == ("Phước Lăng", 107.2196), answer.text
