"""Errors on the pages' paths are Vietnamese HTML pages; the API keeps its problem details."""

from __future__ import annotations

from litestar.testing import TestClient

from postal_tracker.accounts.auth import TOKEN_COOKIE, issue_token
from postal_tracker.accounts.service import Principal, Role
from postal_tracker.app import create_app
from postal_tracker.db import Database
from tests.builders import settings_from
from tests.conftest import TEST_DATA_KEY, TEST_JWT_SECRET


def test_an_unknown_page_is_a_vietnamese_page_and_an_unknown_api_path_stays_json(client):
    page = client.get("/khong-co-trang-nay", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Không tìm thấy trang" in page.text and 'lang="vi"' in page.text
    english = client.get("/no-such-page?lang=en")
    assert english.status_code == 404 and "Page not found" in english.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["status"] == 404


def test_a_rate_limited_track_page_says_when_to_try_again_in_vietnamese(database, database_url):
    settings = settings_from(
        DATABASE_URL=database_url, JWT_SECRET=TEST_JWT_SECRET, DATA_KEY=TEST_DATA_KEY, PUBLIC_RATE_LIMIT=2
    )
    with TestClient(app=create_app(settings, database)) as limited:
        answers = [limited.get("/track") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 429]
        page = answers[-1]
        assert page.headers["content-type"].startswith("text/html")
        seconds = int(page.headers["retry-after"])
        assert 1 <= seconds <= 60
        assert "Bạn tra cứu quá nhiều lần" in page.text
        assert f"Vui lòng thử lại sau {seconds} giây" in page.text
        api = limited.get("/api/v1/track/RR123456785VN")
        assert api.status_code == 429 and api.headers["content-type"] == "application/problem+json"
        assert int(api.headers["retry-after"]) >= 1


def test_a_server_fault_on_a_page_is_a_vietnamese_page_without_details(tmp_path):
    # A database that cannot be opened (its directory does not exist): every read fails.
    url = f"sqlite:///{tmp_path / 'missing' / 'x.db'}"
    settings = settings_from(DATABASE_URL=url, JWT_SECRET=TEST_JWT_SECRET, DATA_KEY=TEST_DATA_KEY, DELIVERY_WORKER=0)
    db = Database(url)
    app = create_app(settings, db)
    with TestClient(app=app, raise_server_exceptions=False) as broken:
        token = issue_token(app.state.jwt_auth, Principal(1, "clerk-x", Role.CLERK, 1))
        broken.cookies.set(TOKEN_COOKIE, token)
        page = broken.get("/desk")
        assert page.status_code == 500
        assert page.headers["content-type"].startswith("text/html")
        assert "Hệ thống đang gặp sự cố" in page.text
        assert "OperationalError" not in page.text and "sqlite" not in page.text.lower()
        api = broken.get("/api/v1/hamlets", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 500 and api.headers["content-type"] == "application/problem+json"


def test_pages_and_api_answers_are_gzip_compressed_for_browsers_that_ask(client):
    for path in ("/track", "/static/app.css", "/schema/openapi.json"):
        answer = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200, path
        assert answer.headers.get("content-encoding") == "gzip", path


def test_the_favicon_is_served(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.text.startswith("<svg")
