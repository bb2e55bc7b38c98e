"""/scan opens without network: its service worker keeps the page and its files (templates/sw.js),
whether the phone is offline or the server itself is down."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Error, expect

from postal_tracker import migrate
from postal_tracker.accounts.service import create_user
from postal_tracker.db import Database
from postal_tracker.models import Commune, table
from tests.browser.conftest import PASSWORD, PHONE, book_number, worker_ready
from tests.conftest import TEST_DATA_KEY, TEST_JWT_SECRET
from tests.processes import ServeProcess

# A function, not an expression: the pages' CSP forbids eval, which wait_for_function("...") uses.
PAGE_IS_KEPT = "() => caches.open('pt-page').then((cache) => cache.match('/scan')).then((hit) => hit !== undefined)"


def test_the_service_worker_script_is_served_from_the_root(new_context):
    context = new_context()
    answer = context.request.get("/sw.js")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert answer.headers["cache-control"] == "no-cache"
    assert "pt-static-" in answer.text()
    page = context.request.get("/track")
    assert "worker-src 'self'" in page.headers["content-security-policy"]


def test_scan_page_reloads_offline_queues_then_syncs_and_is_dropped_at_logout(new_context):
    clerk = new_context("clerk")
    number = book_number(clerk)
    context = new_context("postal", service_workers="allow")
    page = context.new_page()
    page.goto("/scan")
    # The worker keeps /scan and its files while it installs, then serves every later visit.
    worker_ready(page)
    assert page.evaluate(PAGE_IS_KEPT)

    context.set_offline(True)
    answer = page.reload()
    assert answer is not None and answer.ok and answer.from_service_worker
    expect(page.locator("#scan-form")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).margin") != "8px"  # app.css came too
    expect(page.locator("#net")).to_have_attribute("data-online", "false")  # and scan.js
    field = page.locator("[name=tracking_no]")
    page.select_option("[name=event]", "picked_up")
    field.fill(number)
    field.press("Enter")
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-outcome", "queued")
    expect(page.get_by_test_id("queue-count")).to_have_text("1")

    context.set_offline(False)
    page.click("#sync")
    expect(page.get_by_test_id("queue-count")).to_have_text("0")
    shipment = clerk.request.get(f"/api/v1/shipments/{number}").json()
    assert [e["event"] for e in shipment["events"]] == ["booked", "picked_up"]

    # Logging out drops the kept page: offline, /scan is then the browser's own error page.
    page.click("text=Đăng xuất")
    expect(page).to_have_url(re.compile(r"/login$"))
    assert not page.evaluate(PAGE_IS_KEPT)
    page.goto("/scan")  # online and logged out: the redirect to /login is not kept as /scan
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fscan$"))
    assert not page.evaluate(PAGE_IS_KEPT)
    context.set_offline(True)
    with pytest.raises(Error, match="net::ERR_"):
        page.goto("/scan")


def test_a_redirect_to_login_drops_the_kept_page(new_context):
    context = new_context("postal")
    page = context.new_page()
    page.goto("/scan")
    worker_ready(page)
    assert page.evaluate(PAGE_IS_KEPT)
    context.clear_cookies()  # the session is over without a logout (expired, cleared)
    page.goto("/scan")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fscan$"))
    assert not page.evaluate(PAGE_IS_KEPT)
    context.set_offline(True)
    with pytest.raises(Error, match="net::ERR_"):
        page.goto("/scan")


@pytest.fixture
def serve_process(tmp_path) -> Iterator[ServeProcess]:
    """`postal-tracker serve` as its own process on a SQLite file, with a clerk and a postman."""
    url = f"sqlite:///{tmp_path / 'stopped.db'}"
    db = Database(url, (TEST_DATA_KEY,))
    migrate.upgrade(db)
    with db.read() as conn:
        commune_id = conn.execute(sa.select(table(Commune).c.id).order_by(table(Commune).c.id)).scalar_one()
    for role in ("clerk", "postal"):
        create_user(db, commune_id, f"{role}-serve", role, PASSWORD, f"Cán bộ {role}")
    db.dispose()
    env = {
        "POSTAL_TRACKER_DATABASE_URL": url, "POSTAL_TRACKER_JWT_SECRET": TEST_JWT_SECRET,
        "POSTAL_TRACKER_DATA_KEY": TEST_DATA_KEY, "POSTAL_TRACKER_PUBLIC_RATE_LIMIT": "10000",
    }  # fmt: skip
    with ServeProcess(env, "--no-worker") as server:
        yield server


def _logged_in(browser, server: ServeProcess, role: str):
    context = browser.new_context(
        base_url=server.url, viewport={"width": PHONE[0], "height": PHONE[1]}, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh", service_workers="allow",
    )  # fmt: skip
    context.set_default_timeout(15000)
    page = context.new_page()
    page.goto("/login")
    page.fill("[name=username]", f"{role}-serve")
    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).not_to_have_url(re.compile(r"/login"))
    return context, page


def test_with_the_server_stopped_scan_opens_shows_the_stops_queues_and_syncs_after_the_restart(browser, serve_process):
    clerk, _ = _logged_in(browser, serve_process, "clerk")
    numbers = [book_number(clerk, name) for name in ("Trần Thị Mỹ Duyên", "Đặng Văn Lộc")]
    phone, page = _logged_in(browser, serve_process, "postal")
    try:
        page.goto("/scan")
        worker_ready(page)
        stops = page.get_by_test_id("stops")
        for number in numbers:
            expect(stops.locator(f"[data-testid=stop][data-tracking-no={number}]")).to_be_visible()

        serve_process.stop()  # the server is down; the phone still has its network
        answer = page.reload()
        assert answer is not None and answer.ok and answer.from_service_worker
        expect(page.locator("#scan-form")).to_be_visible()
        expect(page.locator("#net")).to_have_attribute("data-online", "true")  # the phone thinks so
        expect(stops.locator(f"[data-testid=stop][data-tracking-no={numbers[0]}]")).to_contain_text("Trần Thị Mỹ Duyên")
        expect(stops.locator(f"[data-testid=stop][data-tracking-no={numbers[1]}]")).to_contain_text("Đặng Văn Lộc")
        page.select_option("[name=event]", "picked_up")
        field = page.locator("[name=tracking_no]")
        result = page.get_by_test_id("scan-result")
        for count, number in enumerate(numbers, start=1):
            field.fill(number)
            field.press("Enter")
            expect(result).to_have_attribute("data-outcome", "queued")
            expect(page.get_by_test_id("queue-count")).to_have_text(str(count))
        page.click("#sync")  # still down: the scans stay where they are
        expect(page.get_by_test_id("sync-result")).to_have_text("Chưa gửi được, sẽ thử lại khi có mạng.")
        expect(page.get_by_test_id("queue-count")).to_have_text("2")

        serve_process.start()  # the same port, the same database
        page.click("#sync")
        expect(page.get_by_test_id("queue-count")).to_have_text("0")
        expect(result).to_have_attribute("data-outcome", "accepted")
        page.click("#sync")  # nothing left to send twice
        for number in numbers:
            shipment = clerk.request.get(f"/api/v1/shipments/{number}").json()
            assert [e["event"] for e in shipment["events"]] == ["booked", "picked_up"], number
            assert shipment["status"] == "picked_up"
    finally:
        phone.close()
        clerk.close()
