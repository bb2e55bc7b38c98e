"""The sign-in lockout: repeated wrong passwords lock one account, whatever the address."""

from __future__ import annotations

from dataclasses import replace

from litestar.testing import TestClient

from postal_tracker.app import create_app
from tests.conftest import PASSWORD, make_world


def _app(settings, database, failures=3):
    auth = replace(settings.auth, sign_in_lockout_failures=failures, sign_in_lockout_minutes=15)
    return create_app(replace(settings, auth=auth), database)


def _token(client, username, password):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def test_wrong_passwords_lock_the_account_even_for_the_right_one(settings, database):
    with TestClient(_app(settings, database)) as client:
        world = make_world(database, client)
        clerk = world.usernames["clerk"]
        assert [_token(client, clerk, "sai mật khẩu").status_code for _ in range(3)] == [401, 401, 401]
        locked = _token(client, clerk, PASSWORD)
        assert locked.status_code == 429
        assert locked.headers["content-type"].startswith("application/problem+json")
        retry_after = int(locked.headers["Retry-After"])
        assert 0 < retry_after <= 15 * 60
        body = locked.json()
        assert body["title"] == "Account locked" and body["retry_after"] == retry_after
        assert "locked" in body["detail"]
        assert body["detail_vi"].startswith("Tài khoản tạm khóa do nhập sai mật khẩu quá 3 lần")
        # Another account is not touched.
        assert _token(client, world.usernames["postal"], PASSWORD).status_code == 200


def test_a_right_password_before_the_limit_clears_the_count(settings, database):
    with TestClient(_app(settings, database)) as client:
        world = make_world(database, client)
        clerk = world.usernames["clerk"]
        for _ in range(3):
            assert [_token(client, clerk, "sai").status_code for _ in range(2)] == [401, 401]
            assert _token(client, clerk, PASSWORD).status_code == 200


def test_unknown_names_lock_the_same_way_so_the_lockout_reveals_no_accounts(settings, database):
    with TestClient(_app(settings, database, failures=2)) as client:
        codes = [_token(client, "không-có-ai", "sai").status_code for _ in range(3)]
        assert codes == [401, 401, 429]


def test_the_login_page_says_the_account_is_locked_in_vietnamese(settings, database):
    with TestClient(_app(settings, database, failures=1)) as client:
        world = make_world(database, client)
        client.get("/login")
        csrf = {"x-csrftoken": client.cookies["pt_csrf"]}
        form = {"username": world.usernames["clerk"], "password": "sai mật khẩu"}
        first = client.post("/login", data=form, headers=csrf)
        assert first.status_code == 200 and "Sai tên đăng nhập hoặc mật khẩu" in first.text
        second = client.post("/login", data={**form, "password": PASSWORD}, headers=csrf, follow_redirects=False)
        assert second.status_code == 429 and int(second.headers["Retry-After"]) > 0
        assert "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau 15 phút." in second.text
        assert "pt_token" not in second.cookies


def test_counters_in_memory_forget_expired_clients():
    import anyio

    from postal_tracker.shared import MemoryCountingStore

    async def run() -> tuple[int, int]:
        store = MemoryCountingStore()
        store.PURGE_EVERY = 100
        for i in range(99):
            await store.incr(f"client-{i}", 1 if i else 60)
        await anyio.sleep(1.1)  # all but client-0 have expired, and are still held
        before = len(store._store)
        await store.incr("client-0", 60)
        return before, len(store._store)

    assert anyio.run(run) == (99, 1)
