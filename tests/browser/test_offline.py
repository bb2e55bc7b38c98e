"""/scan opens without network: its service worker keeps the page and its files (templates/sw.js)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error, expect

from tests.browser.conftest import book_number

# Functions, not expressions: the pages' CSP forbids eval, which wait_for_function("...") uses.
CONTROLLED = """async () => {
  const sw = navigator.serviceWorker;
  await sw.ready;
  if (!sw.controller) await new Promise((resolve) => sw.addEventListener("controllerchange", resolve, { once: true }));
  return sw.controller.scriptURL;
}"""
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
    # The worker keeps /scan and its files while it installs, then takes this page over.
    assert page.evaluate(CONTROLLED).endswith("/sw.js")
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
    assert page.evaluate(CONTROLLED).endswith("/sw.js")
    assert page.evaluate(PAGE_IS_KEPT)
    context.clear_cookies()  # the session is over without a logout (expired, cleared)
    page.goto("/scan")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fscan$"))
    assert not page.evaluate(PAGE_IS_KEPT)
    context.set_offline(True)
    with pytest.raises(Error, match="net::ERR_"):
        page.goto("/scan")
