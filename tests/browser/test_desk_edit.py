"""The desk corrects a booking on the parcel's page, and reaches every parcel of a busy day
through "Xem thêm", in Chromium at the desk's screen size (1366x768)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import DESK, book_number, scan, screenshot


def test_the_clerk_corrects_the_contact_and_address_before_pickup(new_context):
    clerk = new_context("clerk", size=DESK)
    number = book_number(clerk, "Lê Thị Sửa Sai")
    page = clerk.new_page()
    page.goto(f"/desk/parcels/{number}")
    form = page.locator("#edit-form")
    # Pre-filled with what was booked, in full for the clerk.
    expect(form.locator("[name=full_name]")).to_have_value("Lê Thị Sửa Sai")
    expect(form.locator("[name=phone]")).to_have_value("0912 345 678")
    expect(form.locator("[name=hamlet_code]")).to_have_value("PLANG")
    expect(form.locator("[name=detail]")).to_have_value("Số 12, tổ 3")
    # Full-width digits and an empty address: refused next to their fields, in Vietnamese, kept.
    form.locator("[name=full_name]").fill("Lê Thị Đúng Tên")
    form.locator("[name=phone]").fill("０９７７１２３４５６")
    form.locator("[name=detail]").fill("")
    form.locator("button[type=submit]").click()
    expect(page.locator("#edit-err-phone")).to_have_text("Số điện thoại chưa đúng (ví dụ 0912345678).", timeout=15000)
    expect(page.locator("#edit-err-detail")).to_have_text("Vui lòng nhập địa chỉ.")
    expect(page.locator("#edit-error")).to_have_text("Chưa lưu được. Vui lòng sửa các ô được đánh dấu đỏ.")
    expect(form.locator("[name=phone]")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("[name=full_name]")).to_have_value("Lê Thị Đúng Tên")
    expect(form.locator("[name=phone]")).to_have_value("０９７７１２３４５６")
    screenshot(page, "desk-parcel-edit-errors")
    assert clerk.request.get(f"/desk/parcels/{number}").text().count("Lê Thị Sửa Sai") >= 1  # nothing changed
    # Corrected: saved, and the page shows the new values.
    form.locator("[name=phone]").fill("0977 123 456")
    form.locator("[name=hamlet_code]").select_option("PTRUNG")
    form.locator("[name=detail]").fill("Số 7, tổ 2, đường Phước Trung")
    form.locator("[name=note]").fill("Gọi trước khi đến")
    form.locator("button[type=submit]").click()
    expect(page.get_by_test_id("edit-saved")).to_be_visible(timeout=15000)
    expect(page.get_by_test_id("applicant")).to_have_text("Lê Thị Đúng Tên")
    expect(page.locator(".facts")).to_contain_text("Phước Trung")
    expect(page.locator(".facts")).to_contain_text("0977 123 456")
    expect(page.locator(".facts")).to_contain_text("Gọi trước khi đến")
    expect(page.locator("#edit-err-phone")).to_be_hidden()
    screenshot(page, "desk-parcel-edited")
    shipment = clerk.request.get(f"/api/v1/shipments/{number}").json()
    assert shipment["hamlet_code"] == "PTRUNG"
    # Once the postman has it, the page offers no correction (and the API refuses one).
    scan(clerk, number, "picked_up")
    page.reload()
    expect(page.get_by_test_id("timeline")).to_be_visible()
    expect(page.locator("#edit-form")).to_have_count(0)
    assert clerk.request.patch(f"/api/v1/shipments/{number}", data={"full_name": "Ai Khác"}).status == 409


def test_every_parcel_of_a_busy_day_is_reachable_with_show_more_and_by_search(new_context):
    clerk = new_context("clerk", size=DESK)
    body = {"applicant": {"full_name": "Trương Văn Đông Khách", "phone": "0912345678"},
            "address": {"hamlet_code": "PBINH", "detail": "Số 3"}, "procedure_code": "1.001193"}  # fmt: skip
    numbers = []
    for _ in range(520):
        answer = clerk.request.post("/api/v1/pickups", data=body)
        assert answer.status == 201, answer.text()
        numbers.append(answer.json()["shipment"]["tracking_no"])
    page = clerk.new_page()
    page.goto("/desk")
    rows = page.locator("[data-testid=today-list] tbody tr")
    more = page.get_by_test_id("more-today")
    first_page = rows.count()
    assert 0 < first_page < 500
    expect(more).to_be_visible()
    # The oldest of the 500 (the 500th of today's latest, and further down) is not on the first page.
    expect(page.locator(f"[data-testid=today-list] tr[data-no={numbers[0]}]")).to_have_count(0)
    clicks = 0
    while more.is_visible():
        shown = rows.count()
        more.click()
        expect(rows).not_to_have_count(shown, timeout=15000)
        clicks += 1
        assert clicks < 50
    assert clicks >= 5  # 520 parcels, 100 rows a page
    listed = set(page.locator("[data-testid=today-list] tbody tr").evaluate_all("rows => rows.map(r => r.dataset.no)"))
    assert set(numbers) <= listed  # the 201st..520th among them
    assert len(listed) == rows.count()  # none twice
    expect(page.locator("[data-more-count]").first).to_have_text(re.compile(r"^Đang hiện \d+/\d+$"))
    screenshot(page, "desk-show-more")
    # A row loaded on demand works as the first ones: its number opens the parcel's page.
    page.locator(f"[data-testid=today-list] tr[data-no={numbers[0]}] a").first.click()
    expect(page).to_have_url(re.compile(f"/desk/parcels/{numbers[0]}$"))
    # The search reaches them all too, page by page (no cap on the names matched).
    page.goto("/desk?q=truong+van+dong+khach&offset=500")
    expect(page.locator("[role=status]").first).to_have_text("520 bưu gửi")
    results = page.get_by_test_id("search-results")
    expect(results.locator("tbody tr")).to_have_count(20)
    expect(results.locator(f"a[href='/desk/parcels/{numbers[0]}']")).to_have_count(1)
    expect(page.locator("a[rel=prev]")).to_be_visible()
    expect(page.locator("a[rel=next]")).to_have_count(0)
    # The other list pages the same way; an unknown list is refused.
    assert clerk.request.get("/desk/lists?list=waiting&offset=0").status == 200
    assert clerk.request.get("/desk/lists?list=everything&offset=100").status == 422
