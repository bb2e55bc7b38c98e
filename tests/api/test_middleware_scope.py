"""Middleware only where it is needed: CSRF wraps the page controllers that serve forms, and
nothing else; the API and the probes set no CSRF cookie and need no token."""

from __future__ import annotations

import re

import pytest
from litestar.middleware.csrf import CSRFMiddleware
from litestar.routes import HTTPRoute
from litestar.testing import TestClient

from postal_tracker.accounts.auth import TOKEN_COOKIE
from postal_tracker.web.session import CSRF_COOKIE
from tests.builders import book
from tests.conftest import PASSWORD

TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')

# Every form the pages post, by the page (controller) that serves it.
FORMS = [
    ("/login", "/login", {"username": "nobody", "password": "x"}),
    ("/login", "/logout", {}),
    ("/track?no={number}", "/track/feedback", {"feedback_no": "{number}", "phone_last4": "5678", "rating": "5"}),
    ("/track?no={number}", "/track/complaint", {"view_no": "{number}", "phone_last4": "5678", "kind": "late"}),
]


def filled(world, page: str, form: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The page and form with a booked parcel's number where they name one (the citizens' form
    is on a parcel's page)."""
    if "{number}" not in page:
        return page, form
    number = book(world)["shipment"]["tracking_no"]
    return page.format(number=number), {key: value.format(number=number) for key, value in form.items()}


def csrf_middleware(handler) -> list:
    return [m for m in handler.resolve_middleware() if getattr(m, "middleware", m) is CSRFMiddleware]


@pytest.mark.parametrize(("page", "action", "form"), FORMS)
def test_a_form_post_without_the_token_is_refused(world, page, action, form):
    page, form = filled(world, page, form)
    browser = TestClient(app=world.client.app)  # a cookie jar of its own
    assert browser.get(page).status_code == 200
    assert browser.cookies.get(CSRF_COOKIE)  # the page set the cookie; the post omits the token
    refused = browser.post(action, data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]  # the pages' error page, not the API's JSON
    forged = browser.post(action, data={**form, "_csrf_token": "0" * 128}, follow_redirects=False)
    assert forged.status_code == 403


@pytest.mark.parametrize(("page", "action", "form"), FORMS)
def test_a_form_post_with_the_pages_token_passes_the_check(world, page, action, form):
    page, form = filled(world, page, form)
    browser = TestClient(app=world.client.app)
    token = TOKEN.search(browser.get(page).text).group(1)
    answer = browser.post(action, data={**form, "_csrf_token": token}, follow_redirects=False)
    assert answer.status_code != 403, answer.text


def test_the_admin_pages_carry_the_logout_forms_token(world):
    browser = TestClient(app=world.client.app)
    browser.cookies.set(TOKEN_COOKIE, world.headers("admin")["Authorization"].removeprefix("Bearer "))
    page = browser.get("/admin/communes")
    assert page.status_code == 200 and browser.cookies.get(CSRF_COOKIE)
    assert browser.post("/logout", follow_redirects=False).status_code == 403
    token = TOKEN.search(page.text).group(1)
    out = browser.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"


def test_a_sign_in_form_posted_with_its_token_signs_in(world):
    browser = TestClient(app=world.client.app)
    token = TOKEN.search(browser.get("/login").text).group(1)
    form = {"username": world.usernames["clerk"], "password": PASSWORD, "_csrf_token": token}
    answer = browser.post("/login", data=form, follow_redirects=False)
    assert answer.status_code == 303 and browser.cookies.get(TOKEN_COOKIE)


@pytest.mark.parametrize("path", ["/health", "/ready", "/api/v1/track/không-có", "/static/favicon.svg", "/sw.js"])
def test_the_api_and_the_probes_set_no_csrf_cookie(world, path):
    browser = TestClient(app=world.client.app)
    answer = browser.get(path)
    assert answer.status_code < 500
    assert CSRF_COOKIE not in answer.headers.get("set-cookie", "")
    assert not browser.cookies.get(CSRF_COOKIE)


def test_the_api_takes_json_posts_without_a_csrf_token(world):
    answer = world.client.post("/api/v1/auth/token", json={"username": world.usernames["clerk"], "password": "wrong"})
    assert answer.status_code == 401  # refused for the password, not for a missing CSRF token


def test_every_page_route_that_takes_a_post_is_behind_the_csrf_check(world):
    unsafe = {"POST", "PUT", "PATCH", "DELETE"}
    checked = []
    for route in world.client.app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            if handler.http_methods & unsafe and not route.path.startswith("/api/"):
                assert csrf_middleware(handler), f"{route.path} takes a form without the CSRF check"
                checked.append(route.path)
            if route.path.startswith("/api/") or route.path in ("/health", "/ready"):
                assert not csrf_middleware(handler), f"{route.path} passes the CSRF check"
    assert {"/login", "/logout", "/track/feedback", "/track/complaint"} <= set(checked)
    assert world.client.app.csrf_config is None  # not app-wide


def test_the_probes_pass_only_the_apps_own_middleware(world):
    for route in world.client.app.routes:
        if route.path in ("/health", "/ready"):
            for handler in route.route_handlers:
                names = {
                    getattr(getattr(m, "middleware", m), "__name__", type(m).__name__)
                    for m in handler.resolve_middleware()
                }
                assert names == {"AuthMiddleware", "AccessLogMiddleware"}, (route.path, names)
    for path in ("/health", "/ready"):
        answer = world.client.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200 and "content-encoding" not in answer.headers, path
    assert world.client.app.compression_config is None  # the routers compress, not the app
