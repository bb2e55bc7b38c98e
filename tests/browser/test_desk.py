"""The desk page's outcomes of the day, hand-over with the postman and route sheets, in Chromium."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import datetime, timedelta

from playwright.sync_api import expect
from pypdf import PdfReader

from postal_tracker.localtime import LOCAL_TZ
from tests.browser.conftest import DESKTOP, PHONE, book_number, fits, scan

HANDOVER_PDF = re.compile(r"^/api/v1/handovers/\d+\.pdf$")


def status_of(context, number: str) -> str:
    return context.request.get(f"/api/v1/shipments/{number}").json()["status"]


def pdf_text(context, url: str) -> str:
    answer = context.request.get(url)
    assert answer.status == 200 and answer.headers["content-type"].startswith("application/pdf"), answer.text()
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)


def test_outcomes_of_today_list_the_days_scans_in_vietnamese(new_context):
    context = new_context("clerk", size=DESKTOP)
    picked = book_number(context, "Võ Thị Ánh Nguyệt")
    scan(context, picked, "picked_up")
    failed = book_number(context, "Đặng Văn Lộc")
    scan(context, failed, "pickup_failed", reason="not_home")
    # A result delivered today, with the recipient's name.
    delivered = book_number(context, "Huỳnh Thị Bích")
    scan(context, delivered, "picked_up")
    scan(context, delivered, "handed_to_desk")
    dossier_id = context.request.get(f"/api/v1/shipments/{delivered}").json()["dossier_id"]
    answer = context.request.post(f"/api/v1/dossiers/{dossier_id}/return")
    assert answer.status == 201, answer.text()
    result_no = answer.json()["shipment"]["tracking_no"]
    scan(context, result_no, "collected_from_desk")
    scan(context, result_no, "out_for_delivery")
    scan(context, result_no, "delivered", recipient_name="Huỳnh Thị Bích")

    page = context.new_page()
    now = datetime.now(LOCAL_TZ)
    page.goto("/desk")
    outcomes = page.get_by_test_id("outcomes-list")
    row = outcomes.locator("tr", has_text=picked).filter(has_text="Đã nhận hồ sơ tại nhà dân")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Thu gom")
    expect(row).to_contain_text("Phước Lăng")
    hour = row.locator("td.time").inner_text()
    assert hour in {(now + timedelta(minutes=d)).strftime("%H:%M") for d in (-1, 0, 1)}, hour
    assert unicodedata.is_normalized("NFC", row.inner_text())

    failure = outcomes.locator("tr", has_text=failed).filter(has_text="Thu gom không thành công")
    expect(failure).to_contain_text("Người dân vắng nhà")
    expect(failure).to_contain_text("Bưu tá quay lại ở chuyến sau")
    success = outcomes.locator("tr", has_text=result_no).filter(has_text="Phát thành công")
    expect(success).to_contain_text("Trả kết quả")
    expect(success).to_contain_text("Người nhận: Huỳnh Thị Bích")

    counts = page.get_by_test_id("outcome-counts")
    expect(counts).to_contain_text(re.compile(r"Đã nhận hồ sơ tại nhà dân: \d+"))
    expect(counts).to_contain_text(re.compile(r"Phát thành công: \d+"))

    # Refreshed with the other lists: a scan made now appears after "Làm mới".
    scan(context, picked, "arrived_post_office")
    page.click("#refresh")
    arrived = page.get_by_test_id("outcomes-list").locator("tr", has_text=picked)
    expect(arrived.filter(has_text="Đến Bưu điện văn hóa xã")).to_have_count(1)


def test_handover_of_two_picked_up_parcels_prints_the_record_and_puts_them_at_the_desk(new_context):
    context = new_context("clerk", size=DESKTOP)
    numbers = [book_number(context, "Lê Văn Tám"), book_number(context, "Phạm Thị Thu")]
    for number in numbers:
        scan(context, number, "picked_up")
    page = context.new_page()
    page.goto("/desk")
    field = page.locator("[name=tracking_nos]")
    expect(page.locator("#direction-to_desk")).to_be_checked()
    # A handheld scanner types each number and Enter; the same label scanned twice counts once.
    for number in (numbers[0], numbers[1].lower(), numbers[0]):
        field.press_sequentially(number)
        field.press("Enter")
    expect(page.locator("#handover-count")).to_have_text("2 bưu gửi")
    page.click("#handover-button")

    expect(page.locator("#handover-message")).to_have_text("Đã nhận 2 hồ sơ từ bưu tá. In biên bản để hai bên ký.")
    link = page.get_by_test_id("handover-pdf")
    expect(link).to_have_attribute("href", HANDOVER_PDF)
    text = pdf_text(context, link.get_attribute("href"))
    assert all(number in text for number in numbers), text
    assert [status_of(context, n) for n in numbers] == ["at_desk", "at_desk"]
    expect(field).to_have_value("")
    # The lists were refreshed: both now wait at the desk for their result to go back.
    for number in numbers:
        expect(page.get_by_test_id("waiting-list").locator("tr", has_text=number)).to_have_count(1)


def test_handover_with_a_parcel_not_yet_picked_up_changes_nothing(new_context):
    context = new_context("clerk", size=PHONE)
    picked, waiting = book_number(context, "Ngô Thị Mỹ"), book_number(context, "Trương Văn Đức")
    scan(context, picked, "picked_up")
    page = context.new_page()
    page.goto("/desk")
    page.fill("[name=tracking_nos]", f"{picked}\n{waiting}\n")
    page.click("#handover-button")

    message = page.locator("#handover-message")
    expect(message).to_contain_text("Chưa ghi nhận gì: 1 bưu gửi không giao nhận được.")
    problems = page.get_by_test_id("handover-problems").locator("li")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text(waiting)
    expect(problems.first).to_contain_text(
        "Chưa giao nhận được: bưu gửi đang ở trạng thái “Đã đăng ký, chờ bưu tá đến thu gom”"
    )
    expect(page.get_by_test_id("handover-pdf")).to_be_hidden()
    assert [status_of(context, picked), status_of(context, waiting)] == ["picked_up", "booked"]
    fits(page, PHONE[0])

    # Leave the refused number out and hand over the rest.
    page.click("#handover-drop")
    expect(page.locator("[name=tracking_nos]")).to_have_value(f"{picked}\n")
    page.click("#handover-button")
    expect(message).to_have_text("Đã nhận 1 hồ sơ từ bưu tá. In biên bản để hai bên ký.")
    assert [status_of(context, picked), status_of(context, waiting)] == ["at_desk", "booked"]


def test_handover_of_results_to_the_postman_and_a_wrong_number(new_context):
    context = new_context("clerk", size=DESKTOP)
    number = book_number(context, "Bùi Văn Hải")
    scan(context, number, "picked_up")
    scan(context, number, "handed_to_desk")
    dossier_id = context.request.get(f"/api/v1/shipments/{number}").json()["dossier_id"]
    result_no = context.request.post(f"/api/v1/dossiers/{dossier_id}/return").json()["shipment"]["tracking_no"]
    page = context.new_page()
    page.goto("/desk")
    page.check("#direction-from_desk")
    wrong = result_no[:10] + str((int(result_no[10]) + 1) % 10) + "VN"
    page.fill("[name=tracking_nos]", f"{result_no}\n{wrong}")
    expect(page.locator("#handover-count")).to_have_text("2 bưu gửi, 1 số hiệu sai")
    page.click("#handover-button")
    expect(page.get_by_test_id("handover-problems")).to_contain_text("Số hiệu sai, hãy kiểm tra lại từng chữ số")
    assert status_of(context, result_no) == "booked"
    page.click("#handover-drop")
    page.click("#handover-button")
    expect(page.locator("#handover-message")).to_have_text("Đã giao 1 kết quả cho bưu tá. In biên bản để hai bên ký.")
    assert status_of(context, result_no) == "collected"


def test_the_desk_prints_todays_pickup_and_delivery_routes(new_context):
    context = new_context("clerk", size=PHONE)
    number = book_number(context, "Lý Thị Hoa")
    page = context.new_page()
    page.goto("/desk")
    pickup = page.get_by_test_id("manifest-pickup")
    expect(pickup).to_have_text("In lộ trình thu gom")
    assert number in pdf_text(context, pickup.get_attribute("href"))
    delivery = page.get_by_test_id("manifest-delivery")
    expect(delivery).to_have_text("In lộ trình phát kết quả")
    pdf_text(context, delivery.get_attribute("href"))


def test_the_new_desk_sections_speak_english_too(new_context):
    page = new_context("clerk", size=DESKTOP).new_page()
    page.goto("/desk?lang=en")
    expect(page.locator("#outcomes-title")).to_contain_text("Today's outcomes")
    expect(page.locator("label[for=direction-from_desk]")).to_have_text("Give results to the postman")
    expect(page.get_by_test_id("manifest-delivery")).to_have_text("Print the delivery route")
    page.click("#handover-button")
    expect(page.locator("#handover-message")).to_have_text("Scan or type a number.")
