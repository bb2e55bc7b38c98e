"""The web pages in a real headless Chromium against the real server (SQLite only, see conftest)."""

from __future__ import annotations

import io
import re
import unicodedata

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import DESKTOP, PASSWORD, PHONE, book_number, fill_booking, fits, scan

S10 = re.compile(r"^[A-Z]{2}\d{9}VN$")


def test_login_wrong_then_right_password_and_redirect_by_role(new_context):
    page = new_context().new_page()
    page.goto("/desk")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fdesk$"))
    page.fill("[name=username]", "clerk-web")
    page.fill("[name=password]", "not the password")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("login-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu. Vui lòng thử lại.")
    expect(page.locator("[name=username]")).to_have_value("clerk-web")
    page.fill("[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/desk$"))
    cookie = next(c for c in page.context.cookies() if c["name"] == "pt_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"

    page.click("text=Đăng xuất")
    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto("/desk")
    expect(page).to_have_url(re.compile(r"/login"))

    postman = new_context().new_page()
    postman.goto("/login")
    postman.fill("[name=username]", "postal-web")
    postman.fill("[name=password]", PASSWORD)
    postman.press("[name=password]", "Enter")
    expect(postman).to_have_url(re.compile(r"/scan$"))
    postman.goto("/desk")  # not a clerk: back to the scanner
    expect(postman).to_have_url(re.compile(r"/scan$"))
    postman.goto("/")
    expect(postman).to_have_url(re.compile(r"/scan$"))


def test_a_login_post_without_the_csrf_token_is_refused(new_context):
    context = new_context()
    page = context.new_page()
    page.goto("/login")  # the browser now holds the CSRF cookie, but the post below omits the token
    answer = context.request.post("/login", form={"username": "clerk-web", "password": PASSWORD}, max_redirects=0)
    assert answer.status == 403
    assert not [c for c in context.cookies() if c["name"] == "pt_token"]


def test_desk_books_a_pickup_and_shows_its_number_label_and_list(new_context):
    context = new_context("clerk", size=DESKTOP)
    page = context.new_page()
    page.goto("/desk")
    fill_booking(page, "Nguyễn Thị Hằng", "12345", "PLANG", "Số 12, tổ 3, đường Phước Lăng", "1.001193")
    page.fill("[name=doc_name]", "Tờ khai đăng ký khai sinh")
    page.click("#book-button")
    expect(page.locator("#err-phone")).to_have_text("Số điện thoại chưa đúng (ví dụ 0912345678).")
    expect(page.locator("[name=phone]")).to_have_attribute("aria-invalid", "true")

    page.fill("[name=phone]", "0912 345 678")
    page.click("#book-button")
    number = page.get_by_test_id("tracking-no")
    expect(number).to_have_text(S10)
    tracking_no = number.inner_text()
    label = page.get_by_test_id("label-link")
    expect(label).to_have_attribute("href", f"/api/v1/shipments/{tracking_no}/label.pdf")
    pdf = context.request.get(label.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.body().startswith(b"%PDF")
    expect(page.locator("#err-phone")).to_be_hidden()
    expect(page.locator("[name=full_name]")).to_have_value("")

    row = page.get_by_test_id("today-list").locator("tr", has_text=tracking_no)
    expect(row).to_contain_text("Nguyễn Thị Hằng")
    assert unicodedata.is_normalized("NFC", row.inner_text())
    expect(row).to_contain_text("Đã đăng ký, chờ bưu tá đến thu gom")


def test_desk_at_phone_width_and_book_the_return(new_context):
    context = new_context("clerk", size=PHONE)
    number = book_number(context, "Trần Văn Ấn")
    scan(context, number, "picked_up")
    scan(context, number, "handed_to_desk")
    page = context.new_page()
    page.goto("/desk")
    fits(page, PHONE[0])
    waiting = page.get_by_test_id("waiting-list").locator("tr", has_text=number)
    expect(waiting).to_contain_text("Trần Văn Ấn")
    waiting.get_by_role("button", name="Đặt trả kết quả").click()
    expect(page.get_by_test_id("tracking-no")).not_to_have_text(number)
    expect(page.get_by_test_id("tracking-no")).to_have_text(S10)
    expect(page.get_by_test_id("waiting-list").locator("tr", has_text=number)).to_have_count(0)


def test_scan_accepts_then_refuses_a_second_scan_of_the_same_step(new_context):
    clerk = new_context("clerk")
    number = book_number(clerk)
    page = new_context("postal").new_page()
    page.goto("/scan")
    fits(page, PHONE[0])
    field = page.locator("[name=tracking_no]")
    expect(field).to_be_focused()
    expect(page.locator("[name=reason]")).to_be_hidden()
    page.select_option("[name=event]", "pickup_failed")
    expect(page.locator("[name=reason]")).to_be_visible()
    page.select_option("[name=event]", "delivered")
    expect(page.locator("[name=recipient_name]")).to_be_visible()
    page.select_option("[name=event]", "picked_up")
    expect(page.locator("[name=recipient_name]")).to_be_hidden()

    field.fill(number.lower())
    field.press("Enter")  # what a handheld scanner sends after the number
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "accepted")
    expect(result).to_contain_text("Bưu tá đã nhận hồ sơ")
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    # Scanning it again is a new scan (a new scan_id): the API refuses it as a repeat (409,
    # `repeat: true`) and the page says it is recorded already, not a red refusal (issue 10).
    field.fill(number)
    field.press("Enter")
    expect(result).to_have_attribute("data-outcome", "duplicate")
    expect(result).to_contain_text("Bưu gửi đã ở trạng thái “Bưu tá đã nhận hồ sơ”")
    expect(result).to_contain_text("Đến Bưu điện văn hóa xã")
    # A step out of order is still a refusal.
    page.select_option("[name=event]", "collected_from_desk")
    field.fill(number)
    field.press("Enter")
    expect(result).to_have_attribute("data-outcome", "rejected")
    expect(result).to_contain_text("Bưu gửi đang ở trạng thái “Bưu tá đã nhận hồ sơ”")
    page.select_option("[name=event]", "picked_up")

    field.fill("RR123456780VN")  # wrong check digit: refused before it leaves the phone
    field.press("Enter")
    expect(result).to_have_attribute("data-outcome", "rejected")
    expect(result).to_contain_text("Số hiệu sai")


def test_offline_scans_are_queued_then_synced_by_batch(new_context, server):
    clerk = new_context("clerk")
    number = book_number(clerk)
    context = new_context("postal")
    page = context.new_page()
    page.goto("/scan")
    field = page.locator("[name=tracking_no]")
    result = page.get_by_test_id("scan-result")
    context.set_offline(True)
    for event in ("picked_up", "arrived_post_office"):
        page.select_option("[name=event]", event)
        field.fill(number)
        field.press("Enter")
        expect(result).to_have_attribute("data-outcome", "queued")
    expect(page.get_by_test_id("queue-count")).to_have_text("2")
    context.set_offline(False)
    page.click("#sync")
    expect(page.get_by_test_id("queue-count")).to_have_text("0")
    expect(page.get_by_test_id("sync-result")).to_contain_text("2 ghi nhận")

    shipment = clerk.request.get(f"/api/v1/shipments/{number}").json()
    assert shipment["status"] == "at_post_office"
    assert [e["event"] for e in shipment["events"]] == ["booked", "picked_up", "arrived_post_office"]


def test_track_page_from_a_qr_link_without_javascript_and_from_the_form(new_context):
    clerk = new_context("clerk")
    number = book_number(clerk)
    scan(clerk, number, "picked_up")

    citizen = new_context(java_script_enabled=False).new_page()
    citizen.goto(f"/track?no={number}")
    fits(citizen, PHONE[0])
    expect(citizen.get_by_test_id("status")).to_have_text("Bưu tá đã nhận hồ sơ")
    timeline = citizen.get_by_test_id("timeline").locator("li")
    expect(timeline).to_have_count(2)
    expect(timeline.first).to_contain_text("Bưu tá đã nhận hồ sơ tại nhà")
    expect(citizen.locator("main")).not_to_contain_text("Nguyễn")

    page = new_context().new_page()
    page.goto("/track")
    spaced = f"{number[:2].lower()} {number[2:6]} {number[6:10]} {number[10]} {number[11:].lower()}"
    page.fill("[name=tracking_no]", spaced)
    page.fill("[name=phone_last4]", "5678")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("status")).to_have_text("Bưu tá đã nhận hồ sơ")
    expect(page.locator("main")).to_contain_text("Nguyễn T. H.")

    page.fill("[name=tracking_no]", number[:10] + str((int(number[10]) + 1) % 10) + "VN")
    page.fill("[name=phone_last4]", "")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("track-error")).to_contain_text("sai số kiểm tra")
    page.fill("[name=tracking_no]", "RR000000005VN")
    page.click("button[type=submit]")
    expect(page.get_by_test_id("track-error")).to_contain_text("Không tìm thấy bưu gửi")


def test_english_is_one_click_away_and_remembered(new_context):
    page = new_context().new_page()
    page.goto("/track")
    expect(page.locator("label[for=tracking_no]")).to_have_text("Số hiệu bưu gửi")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("label[for=tracking_no]")).to_have_text("Tracking number")
    page.goto("/login")
    expect(page.locator("label[for=password]")).to_have_text("Password")
    page.get_by_test_id("lang-switch").click()
    expect(page.locator("label[for=password]")).to_have_text("Mật khẩu")


def test_the_postman_opens_todays_route_from_the_scan_page(new_context):
    number = book_number(new_context("clerk"))
    postman = new_context("postal")
    page = postman.new_page()
    page.goto("/scan")
    link = page.get_by_test_id("manifest-pickup")
    expect(link).to_contain_text("In lộ trình thu gom")
    answer = postman.request.get(link.get_attribute("href"))
    assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)
    assert number in text
