"""Error pages and the favicon, as a citizen's browser sees them."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, screenshot


def test_an_unknown_address_shows_a_vietnamese_page_with_a_way_back_and_no_missing_favicon(new_context):
    page = new_context(size=PHONE).new_page()
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 and "favicon" in r.url else None)
    answer = page.goto("/khong-co-trang-nay")
    assert answer is not None and answer.status == 404
    assert answer.headers["content-type"].startswith("text/html")
    expect(page.get_by_test_id("error-page")).to_contain_text("Không tìm thấy trang")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    icon = page.evaluate("() => fetch(document.querySelector('link[rel=icon]').href).then((r) => r.status)")
    assert icon == 200
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    screenshot(page, "error-404-phone")
    page.get_by_role("link", name="Đến trang Tra cứu").click()
    expect(page.locator("[name=tracking_no]")).to_be_visible()
    assert missing == []
