"""The clerk's day at 1366x768: search any day, one parcel's page with reprints and cancel,
the booking form's fee, date, delivery address and return-only, and an expired session."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import DESK, PASSWORD, screenshot
from tests.browser.test_pages import fits
from tests.browser.test_scan_phone import book, scan


def test_search_by_unaccented_name_phone_digits_and_number_leads_to_the_parcel_page(new_context):
    clerk = new_context("clerk", size=DESK)
    surname = f"Tuyết{uuid.uuid4().hex[:4]}"
    booked = book(clerk, name=f"Đặng Thị Ánh {surname}", fee=50000, note="Gọi trước 30 phút")
    number = booked["shipment"]["tracking_no"]
    scan(clerk, number, "picked_up", fee_collected_vnd=20000)
    page = clerk.new_page()
    page.goto("/desk")
    page.fill("[name=q]", f"dang thi anh {surname.lower().replace('ế', 'e')}")
    page.press("[name=q]", "Enter")
    results = page.get_by_test_id("search-results")
    expect(results.locator("tr", has_text=number)).to_contain_text(f"Đặng Thị Ánh {surname}")
    fits(page, DESK[0])
    screenshot(page, "desk-search")
    page.fill("[name=q]", number.lower())
    page.press("[name=q]", "Enter")
    expect(results.locator("tbody tr")).to_have_count(1)
    page.fill("[name=q]", "0912 345 678")
    page.press("[name=q]", "Enter")
    expect(results.locator("tr", has_text=number)).to_have_count(1)

    results.get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(f"/desk/parcels/{number}$"))
    expect(page.get_by_test_id("timeline").locator("li")).to_have_count(2)
    expect(page.get_by_test_id("fee")).to_have_text("30.000 đ")
    expect(page.locator("main")).to_contain_text("Gọi trước 30 phút")
    for hook in ("label-link", "receipt-link", "label-a4-link"):
        pdf = clerk.request.get(page.get_by_test_id(hook).get_attribute("href"))
        assert pdf.status == 200 and pdf.body().startswith(b"%PDF"), hook
    screenshot(page, "desk-parcel")
    # Picked up: too late to cancel, the page offers no cancel.
    expect(page.locator("#cancel-form")).to_have_count(0)


def test_cancel_before_pickup_needs_a_reason(new_context):
    clerk = new_context("clerk", size=DESK)
    number = book(clerk)["shipment"]["tracking_no"]
    page = clerk.new_page()
    page.goto(f"/desk/parcels/{number}")
    page.click("text=Hủy bưu gửi này")
    expect(page.locator("#cancel-error")).to_have_text("Hãy chọn lý do.")
    page.select_option("[name=reason]", "refused")
    page.fill("#cancel_note", "Người dân tự đến nộp tại quầy")
    page.click("text=Hủy bưu gửi này")
    expect(page.get_by_test_id("leg-status")).to_have_text("Đã hủy")
    assert clerk.request.get(f"/api/v1/shipments/{number}").json()["status"] == "cancelled"


def test_booking_shows_the_fee_takes_date_delivery_address_postman_and_confirms_name_hamlet_fee(new_context):
    clerk = new_context("clerk", size=DESK)
    page = clerk.new_page()
    page.goto("/desk")
    page.fill("[name=full_name]", "Huỳnh Văn Lộc")
    page.fill("[name=phone]", "0987 654 321")
    page.select_option("[name=hamlet_code]", "PHUNG")
    page.fill("[name=detail]", "Số 9, hẻm 2")
    page.select_option("[name=procedure_code]", index=1)
    fee = page.locator("[name=procedure_code] option:checked").get_attribute("data-fee")
    expect(page.get_by_test_id("fee")).to_have_text(f"{int(fee):,} đ".replace(",", "."))
    page.fill("[name=requested_date]", "2030-01-15")
    page.check("[name=separate_delivery]")
    page.select_option("[name=delivery_hamlet_code]", "PBINH")
    page.fill("[name=delivery_detail]", "Chợ Phước Bình, sạp 12")
    page.click("#book-button")
    number = page.get_by_test_id("tracking-no")
    expect(number).to_have_text(re.compile(r"^[A-Z]{2}\d{9}VN$"))
    expect(page.locator("#booked")).to_contain_text("Huỳnh Văn Lộc")
    expect(page.locator("#booked")).to_contain_text("Phước Hưng")
    expect(page.get_by_test_id("booked-fee")).to_have_text(f"{int(fee):,} đ".replace(",", "."))
    expect(page.get_by_test_id("receipt-link")).to_be_visible()
    screenshot(page, "desk-booked")
    dossier_id = clerk.request.get(f"/api/v1/shipments/{number.text_content()}").json()["dossier_id"]
    dossier = clerk.request.get(f"/api/v1/dossiers/{dossier_id}").json()
    assert dossier["requested_date"] == "2030-01-15"
    assert dossier["delivery_address"]["detail"] == "Chợ Phước Bình, sạp 12"


def test_a_return_only_dossier_is_booked_from_the_same_form(new_context):
    clerk = new_context("clerk", size=DESK)
    page = clerk.new_page()
    page.goto("/desk")
    page.fill("[name=full_name]", "Cao Thị Nở")
    page.fill("[name=phone]", "0903111222")
    page.select_option("[name=hamlet_code]", "PNGHIA")
    page.fill("[name=detail]", "Tổ 4")
    page.select_option("[name=procedure_code]", index=1)
    page.check("[name=return_only]")
    page.click("#book-button")
    expect(page.locator("#booked")).to_contain_text("Cao Thị Nở")
    number = page.get_by_test_id("tracking-no").text_content()
    shipment = clerk.request.get(f"/api/v1/shipments/{number}").json()
    assert shipment["leg"] == "return" and shipment["status"] == "booked"


def test_an_expired_session_never_loses_the_typed_booking(new_context):
    context = new_context("clerk", size=DESK)
    page = context.new_page()
    page.goto("/desk")
    page.fill("[name=full_name]", "Lâm Thị Mỹ Hạnh")
    page.fill("[name=phone]", "0911222333")
    page.select_option("[name=hamlet_code]", "PTRUNG")
    page.fill("[name=detail]", "Số 77, tổ 1")
    page.click("#add-doc")
    page.locator("[name=doc_name]").last.fill("Giấy khai sinh bản sao")
    context.clear_cookies()  # the session ended while the clerk was typing
    page.select_option("[name=procedure_code]", index=1)
    page.click("#book-button")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("[name=username]", "clerk-web")
    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/desk$"))
    expect(page.locator("[name=full_name]")).to_have_value("Lâm Thị Mỹ Hạnh")
    expect(page.locator("[name=hamlet_code]")).to_have_value("PTRUNG")
    expect(page.locator("[name=doc_name]").last).to_have_value("Giấy khai sinh bản sao")
    page.click("#book-button")
    expect(page.get_by_test_id("tracking-no")).to_have_text(re.compile(r"^[A-Z]{2}\d{9}VN$"))
    page.reload()
    expect(page.locator("[name=full_name]")).to_have_value("")  # booked: the draft is gone
