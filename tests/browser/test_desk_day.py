"""The clerk's day at 1366x768: search any day, one parcel's page with reprints and cancel,
the booking form's fee, date, delivery address and return-only, and an expired session."""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import DESK, PASSWORD, book, fill_booking, fits, scan, screenshot


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
    fill_booking(page, "Huỳnh Văn Lộc", "0987 654 321", "PHUNG", "Số 9, hẻm 2")
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
    fill_booking(page, "Cao Thị Nở", "0903111222", "PNGHIA", "Tổ 4")
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


def test_several_parcels_on_one_a4_sheet_and_overdue_parcels_first(new_context):
    clerk = new_context("clerk", size=DESK)
    numbers = [book(clerk, name=f"Người thứ {i}")["shipment"]["tracking_no"] for i in range(3)]
    late = book(clerk, name="Quá Hạn Văn Một")["shipment"]["tracking_no"]
    scan(clerk, late, "picked_up", at=(datetime.now(UTC) - timedelta(days=12)).isoformat())
    page = clerk.new_page()
    page.goto("/desk")
    rows = page.get_by_test_id("today-list").locator("tbody tr")
    expect(rows.first).to_contain_text(late)
    expect(rows.first.get_by_test_id("overdue")).to_have_text("Quá hạn")
    for number in numbers[:2]:
        page.get_by_label(f"Chọn {number} để in").check()
    with page.expect_popup() as popup:
        page.get_by_test_id("sheet-button").click()
    url = popup.value.url
    assert "/desk/labels.pdf" in url and numbers[0] in url and numbers[2] not in url
    pdf = clerk.request.get(url)
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    compact = text.replace(" ", "")
    assert numbers[0] in compact and numbers[1] in compact and numbers[2] not in compact


def test_a_refused_scan_is_scanned_again_as_corrected_with_a_note_and_leaves_the_list(new_context):
    clerk = new_context("clerk", size=DESK)
    number = book(clerk)["shipment"]["tracking_no"]
    refused = clerk.request.post("/api/v1/scans", data={
        "scan_id": str(uuid.uuid4()), "tracking_no": number, "event": "arrived_post_office",
        "at": datetime.now(UTC).isoformat(),
    })  # fmt: skip
    assert refused.status == 409
    page = clerk.new_page()
    page.goto("/desk")
    row = page.get_by_test_id("refused-list").locator("tr", has_text=number)
    row.locator("[name=fix_event]").select_option("picked_up")
    row.locator("[name=fix_note]").fill("Bưu tá chọn nhầm thao tác")
    row.get_by_role("button", name="Ghi lại quét").click()
    expect(page.get_by_test_id("refused-list").locator("tr", has_text=number)).to_have_count(0)
    assert clerk.request.get(f"/api/v1/shipments/{number}").json()["status"] == "picked_up"
    resolved = clerk.request.get("/api/v1/scans/exceptions?resolved=true&limit=500").json()["items"]
    mine = [r for r in resolved if r["tracking_no"] == number]
    assert mine and mine[0]["resolution_note"] == "Bưu tá chọn nhầm thao tác"


def test_the_outcome_sheet_of_another_day_is_printable(new_context):
    clerk = new_context("clerk", size=DESK)
    page = clerk.new_page()
    page.goto("/desk")
    page.get_by_test_id("outcomes-page").click()
    expect(page).to_have_url(re.compile(r"/desk/outcomes$"))
    page.fill("[name=date]", "2026-01-05")
    page.click("text=Xem")
    expect(page).to_have_url(re.compile(r"date=2026-01-05"))
    expect(page.locator("h1")).to_contain_text("05/01/2026")
    expect(page.get_by_test_id("outcome-sheet")).to_be_visible()
    page.emulate_media(media="print")
    assert page.locator("header.top").is_hidden()
    screenshot(page, "desk-outcomes-print")
