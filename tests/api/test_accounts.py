"""Accounts (API.md, Communes, the province and accounts), on SQLite and PostgreSQL: listing,
creating and changing them, and every change effective on the account's next request, also in
another process."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from postal_tracker.accounts.service import create_api_key
from tests.api.province import sign_in
from tests.builders import free_port
from tests.conftest import PASSWORD, TEST_DATA_KEY, TEST_JWT_SECRET


def problem(answer, status: int, field: str | None = None) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    if field is not None:
        assert field in [e["field"] for e in body.get("errors", [])], body
    return body


def add_user(world, role="clerk", as_role="supervisor", **extra):
    body = {"username": f"u-{uuid.uuid4().hex[:10]}", "password": PASSWORD, "role": role, "full_name": "Lê Văn Tám"}
    answer = world.client.post("/api/v1/users", json=body | extra, headers=world.headers(as_role))
    assert answer.status_code == 201, answer.text
    return answer.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_list_is_paginated_and_scoped(world, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    for _ in range(3):
        add_user(world, role="postal")
    supervisor = world.headers("supervisor")
    page = client.get("/api/v1/users", params={"limit": 2, "offset": 1}, headers=supervisor).json()
    assert page["total"] == 6 and page["limit"] == 2 and page["offset"] == 1 and len(page["items"]) == 2
    everyone = client.get("/api/v1/users", params={"limit": 500}, headers=supervisor).json()["items"]
    assert {u["commune"] for u in everyone} == {world.code}
    assert other.usernames["clerk"] not in str(everyone)
    assert all(set(u) == {"id", "username", "full_name", "role", "active", "commune"} for u in everyone)
    admin = world.headers("admin")
    mine = client.get("/api/v1/users", params={"commune": other.code}, headers=admin).json()
    assert mine["total"] == 3 and {u["commune"] for u in mine["items"]} == {other.code}
    assert client.get("/api/v1/users", headers=admin).json()["total"] >= 11  # both communes, their admins, 3 more
    problem(client.get("/api/v1/users", params={"commune": "no-such"}, headers=admin), 422, "commune")


def test_the_admin_creates_staff_in_a_named_commune_and_other_admins(world):
    admin = world.headers("admin")
    clerk = add_user(world, role="clerk", as_role="admin", commune=world.code)
    assert clerk["commune"] == world.code and clerk["role"] == "clerk"
    province = add_user(world, role="admin", as_role="admin")
    assert province["commune"] is None
    token = sign_in(world.client, province["username"])
    me = world.client.get("/api/v1/auth/me", headers=bearer(token)).json()
    assert me == {"name": province["username"], "role": "admin", "commune_id": None}
    # The province books and scans nothing.
    assert world.client.post("/api/v1/pickups", json={}, headers=bearer(token)).status_code == 403
    assert world.client.get("/api/v1/shipments", headers=bearer(token)).status_code == 403
    assert world.client.get("/api/v1/scans/exceptions", headers=admin).status_code == 403


@pytest.mark.parametrize(
    ("as_role", "body", "status", "field"),
    [
        ("supervisor", {"role": "chief"}, 422, "role"),
        ("supervisor", {"role": "supervisor"}, 403, None),
        ("supervisor", {"role": "admin"}, 403, None),
        ("supervisor", {"password": "short"}, 422, "password"),
        ("supervisor", {"username": "có dấu"}, 422, "username"),
        ("supervisor", {"username": "taken"}, 409, "username"),
        ("admin", {"role": "clerk"}, 422, "commune"),
        ("admin", {"role": "clerk", "commune": "no-such-commune"}, 422, "commune"),
        ("admin", {"role": "admin", "commune": "world"}, 422, "commune"),
    ],
)
def test_bad_accounts_are_refused_naming_the_field_and_nothing_is_created(world, as_role, body, status, field):
    body = {"username": f"new-{uuid.uuid4().hex[:8]}", "password": PASSWORD, "role": "clerk"} | body
    if body["username"] == "taken":
        body["username"] = world.usernames["postal"]
    if body.get("commune") == "world":
        body["commune"] = world.code
    admin = world.headers("admin")
    before = world.client.get("/api/v1/users", params={"commune": world.code}, headers=admin).json()["total"]
    problem(world.client.post("/api/v1/users", json=body, headers=world.headers(as_role)), status, field)
    after = world.client.get("/api/v1/users", headers=admin).json()
    assert body["username"] not in str(after) or body["username"] == world.usernames["postal"]
    assert world.client.get("/api/v1/users", params={"commune": world.code}, headers=admin).json()["total"] == before


def test_a_disabled_account_is_refused_on_its_next_request_and_its_old_tokens_stay_dead(world):
    user = add_user(world, role="clerk")
    token = sign_in(world.client, user["username"])
    assert world.client.get("/api/v1/shipments", headers=bearer(token)).status_code == 200
    off = world.client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=world.headers("supervisor"))
    assert off.status_code == 200 and off.json()["active"] is False
    problem(world.client.get("/api/v1/shipments", headers=bearer(token)), 401)
    problem(world.client.post("/api/v1/auth/token", json={"username": user["username"], "password": PASSWORD}), 401)
    on = world.client.patch(f"/api/v1/users/{user['id']}", json={"active": True}, headers=world.headers("admin"))
    assert on.status_code == 200 and on.json()["active"] is True
    problem(world.client.get("/api/v1/shipments", headers=bearer(token)), 401)  # the old token stays dead
    fresh = sign_in(world.client, user["username"])
    assert world.client.get("/api/v1/shipments", headers=bearer(fresh)).status_code == 200


def test_a_disabled_account_leaves_the_pages_at_once(world):
    user = add_user(world, role="clerk")
    world.client.cookies.set("pt_token", sign_in(world.client, user["username"]))
    try:
        assert world.client.get("/desk", follow_redirects=False).status_code == 200
        world.client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=world.headers("supervisor"))
        answer = world.client.get("/desk", follow_redirects=False)
        assert answer.status_code in (302, 303) and answer.headers["location"].startswith("/login")
    finally:
        world.client.cookies.clear()


def test_a_role_change_applies_on_the_next_request(world):
    user = add_user(world, role="clerk")
    token = sign_in(world.client, user["username"])
    assert world.client.get("/api/v1/scans/exceptions", headers=bearer(token)).status_code == 200
    changed = world.client.patch(
        f"/api/v1/users/{user['id']}", json={"role": "postal"}, headers=world.headers("supervisor")
    )
    assert changed.status_code == 200 and changed.json()["role"] == "postal"
    problem(world.client.get("/api/v1/scans/exceptions", headers=bearer(token)), 403)
    assert world.client.get("/api/v1/auth/me", headers=bearer(token)).json()["role"] == "postal"


def test_a_new_password_ends_the_old_sessions(world):
    user = add_user(world, role="postal")
    token = sign_in(world.client, user["username"])
    answer = world.client.patch(
        f"/api/v1/users/{user['id']}", json={"password": "một mật khẩu mới", "full_name": "Lê Văn Chín"},
        headers=world.headers("supervisor"),
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json()["full_name"] == "Lê Văn Chín"
    problem(world.client.get("/api/v1/auth/me", headers=bearer(token)), 401)
    problem(world.client.post("/api/v1/auth/token", json={"username": user["username"], "password": PASSWORD}), 401)
    assert sign_in(world.client, user["username"], "một mật khẩu mới")


@pytest.mark.parametrize(
    ("target", "body", "status", "field"),
    [
        ("other-commune", {"active": False}, 404, None),
        ("supervisor", {"active": False}, 403, None),
        ("clerk", {"role": "supervisor"}, 403, None),
        ("clerk", {"role": "chief"}, 422, "role"),
        ("clerk", {"password": "short"}, 422, "password"),
        ("clerk", {"active": "maybe"}, 422, "active"),
        ("nobody", {"active": False}, 404, None),
    ],
)
def test_a_supervisor_changes_only_their_clerks_and_postmen(world, database, client, target, body, status, field):
    from tests.conftest import make_world

    other = make_world(database, client)
    ids = {"other-commune": other.user_ids["clerk"], "nobody": 2**31 - 1, **world.user_ids}
    problem(client.patch(f"/api/v1/users/{ids[target]}", json=body, headers=world.headers("supervisor")), status, field)
    for commune in (world, other):
        for role in ("clerk", "supervisor"):
            me = client.get("/api/v1/auth/me", headers=commune.headers(role))
            assert me.status_code == 200 and me.json()["role"] == role


def test_the_admin_changes_anyone_but_not_across_the_province_line(world):
    admin = world.headers("admin")
    clerk, me = f"/api/v1/users/{world.user_ids['clerk']}", f"/api/v1/users/{world.user_ids['admin']}"
    promoted = world.client.patch(clerk, json={"role": "supervisor"}, headers=admin)
    assert promoted.status_code == 200 and promoted.json()["role"] == "supervisor"
    problem(world.client.patch(clerk, json={"role": "admin"}, headers=admin), 422, "role")
    problem(world.client.patch(me, json={"active": False}, headers=admin), 409, "active")


def test_a_revoked_key_is_refused_on_its_next_request(world, database, monkeypatch, capsys, database_url):
    from tests.api.test_cli import run_cli

    name = f"cổng {uuid.uuid4().hex[:6]}"
    key = create_api_key(database, world.commune_id, name)
    assert world.client.get("/api/v1/procedures", headers={"X-API-Key": key}).status_code == 200
    assert "revoked" in run_cli(monkeypatch, capsys, database_url, "apikeys", "revoke", name)
    problem(world.client.get("/api/v1/procedures", headers={"X-API-Key": key}), 401)
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, database_url, "apikeys", "revoke", name)  # nothing left to revoke


def test_changes_reach_another_process_on_its_next_request(world, database_url):
    """A second `serve` process on the same database sees a disable the moment it is written."""
    env = {**os.environ, "POSTAL_TRACKER_DATABASE_URL": database_url,
           "POSTAL_TRACKER_JWT_SECRET": TEST_JWT_SECRET, "POSTAL_TRACKER_DATA_KEY": TEST_DATA_KEY,
           "POSTAL_TRACKER_DELIVERY_WORKER": "0"}  # fmt: skip
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "postal_tracker.cli", "serve", "--port", str(port)], env=env, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(150):
            try:
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        user = add_user(world, role="clerk")
        token = httpx.post(f"{base}/api/v1/auth/token", json={"username": user["username"], "password": PASSWORD})
        headers = bearer(token.json()["access_token"])
        assert httpx.get(f"{base}/api/v1/scans/exceptions", headers=headers).status_code == 200
        world.client.patch(f"/api/v1/users/{user['id']}", json={"role": "postal"}, headers=world.headers("supervisor"))
        assert httpx.get(f"{base}/api/v1/scans/exceptions", headers=headers).status_code == 403
        world.client.patch(f"/api/v1/users/{user['id']}", json={"active": False}, headers=world.headers("supervisor"))
        assert httpx.get(f"{base}/api/v1/auth/me", headers=headers).status_code == 401
    finally:
        server.terminate()
        server.wait(timeout=10)
