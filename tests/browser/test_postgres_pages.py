"""Booking, scanning and tracking through the pages, on PostgreSQL (the production database)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from postal_tracker.accounts.auth import TOKEN_COOKIE
from tests.browser.conftest import DESK, PHONE


def test_book_at_the_desk_scan_on_the_phone_and_track_on_postgresql(browser, pg_server):
    def context(role, size):
        made = browser.new_context(base_url=pg_server.url, viewport={"width": size[0], "height": size[1]},
                                   locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")  # fmt: skip
        made.set_default_timeout(5000)
        if role:
            made.add_cookies([{"name": TOKEN_COOKIE, "value": pg_server.token(role), "url": pg_server.url}])
        return made

    desk, phone, citizen = context("clerk", DESK), context("postal", PHONE), context(None, PHONE)
    try:
        page = desk.new_page()
        page.goto("/desk")
        page.fill("[name=full_name]", "Nguyễn Thị Ánh Tuyết")
        page.fill("[name=phone]", "0912345678")
        page.select_option("[name=hamlet_code]", "PLANG")
        page.fill("[name=detail]", "Số 12, tổ 3")
        page.select_option("[name=procedure_code]", index=1)
        page.click("#book-button")
        number_el = page.get_by_test_id("tracking-no")
        expect(number_el).to_have_text(re.compile(r"^[A-Z]{2}\d{9}VN$"))
        number = number_el.text_content()
        page.fill("[name=q]", "anh tuyet")
        page.press("[name=q]", "Enter")
        expect(page.get_by_test_id("search-results").locator("tr", has_text=number)).to_have_count(1)

        scan = phone.new_page()
        scan.goto("/scan")
        scan.select_option("[name=event]", "picked_up")
        scan.fill("[name=tracking_no]", number)
        scan.press("[name=tracking_no]", "Enter")
        expect(scan.get_by_test_id("scan-result")).to_have_attribute("data-outcome", "accepted")

        track = citizen.new_page()
        track.goto(f"/track?no={number}")
        expect(track.get_by_test_id("status")).to_have_text("Bưu tá đã nhận hồ sơ")
        expect(track.get_by_test_id("timeline").locator("li")).to_have_count(2)
    finally:
        for made in (desk, phone, citizen):
            made.close()
