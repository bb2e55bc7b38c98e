"""Booking, scanning and tracking through the pages, on PostgreSQL (the production database)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import DESK, PHONE, fill_booking, open_context


def test_book_at_the_desk_scan_on_the_phone_and_track_on_postgresql(browser, pg_server):
    desk, phone, citizen = (
        open_context(browser, pg_server, "clerk", DESK), open_context(browser, pg_server, "postal", PHONE),
        open_context(browser, pg_server, None, PHONE),
    )  # fmt: skip
    try:
        page = desk.new_page()
        page.goto("/desk")
        fill_booking(page, "Nguyễn Thị Ánh Tuyết", "0912345678", "PLANG", "Số 12, tổ 3")
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
