"""Every signed-in role lands on a page it may use, never in a loop of redirects."""

from __future__ import annotations

import pytest

from postal_tracker.accounts.auth import TOKEN_COOKIE


@pytest.mark.parametrize(
    ("role", "home"),
    [("clerk", "/desk"), ("postal", "/scan"), ("supervisor", "/reports"), ("admin", "/admin/communes")],
)
def test_each_role_lands_on_a_page_that_answers(world, role, home):
    client = world.client
    client.cookies.set(TOKEN_COOKIE, world.headers(role)["Authorization"].removeprefix("Bearer "))
    try:
        path, seen = "/", []  # "/" sends a signed-in user home
        while True:
            answer = client.get(path, follow_redirects=False)
            if answer.status_code not in (302, 303, 307):
                break
            seen.append(path)
            path = answer.headers["location"]
            assert path not in seen, f"redirect loop: {[*seen, path]}"
        assert answer.status_code == 200
        assert path == home
    finally:
        client.cookies.clear()
