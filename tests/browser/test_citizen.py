"""The citizen at 360x740: one number follows the dossier home, then feedback (no JavaScript needed)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, book, fits, scan, screenshot


def test_the_receipts_number_leads_to_the_result_and_feedback_is_given_once(new_context):
    clerk = new_context("clerk")
    booked = book(clerk, name="Trần Thị Mỹ Dung")
    pickup_no = booked["shipment"]["tracking_no"]
    scan(clerk, pickup_no, "picked_up")
    scan(clerk, pickup_no, "handed_to_desk")

    page = new_context(size=PHONE, java_script_enabled=False).new_page()
    page.goto(f"/track?no={pickup_no}")
    expect(page.get_by_test_id("return-pending")).to_be_visible()
    expect(page.get_by_test_id("return-leg")).to_have_count(0)

    return_no = clerk.request.post(f"/api/v1/dossiers/{booked['dossier_id']}/return").json()["shipment"]["tracking_no"]
    for event in ("collected_from_desk", "out_for_delivery"):
        scan(clerk, return_no, event)
    scan(clerk, return_no, "delivered", recipient_name="Trần Thị Mỹ Dung")
    page.reload()
    leg = page.get_by_test_id("return-leg")
    expect(leg).to_contain_text("Đã phát kết quả thành công")
    expect(leg.get_by_test_id("timeline").locator("li")).to_have_count(4)
    expect(page.get_by_test_id("status")).to_have_text("Đã giao hồ sơ cho Bộ phận Một cửa")
    fits(page, PHONE[0])
    screenshot(page, "track-return-leg-phone")

    # Wrong digits: a message next to the form, what was typed is kept, nothing is recorded.
    page.fill("[name=phone_last4]", "0000")
    page.check("#rating-5")
    page.fill("[name=comment]", "Bưu tá nhiệt tình, đúng hẹn")
    page.click("text=Gửi đánh giá")
    expect(page.get_by_test_id("feedback-result")).to_have_text(
        "Số hiệu hoặc 4 số cuối điện thoại không đúng. Vui lòng kiểm tra lại."
    )
    expect(page.locator("[name=comment]")).to_have_value("Bưu tá nhiệt tình, đúng hẹn")
    expect(page.locator("#rating-5")).to_be_checked()
    expect(page.get_by_test_id("return-leg")).to_be_visible()  # still the receipt's number's page

    page.fill("[name=phone_last4]", "5678")
    page.click("text=Gửi đánh giá")
    expect(page.get_by_test_id("feedback-result")).to_have_text("Cảm ơn bạn đã đánh giá dịch vụ!")
    screenshot(page, "track-feedback-phone")

    # The return leg's page links back to the receipt's number; a second rating is refused kindly.
    page.get_by_test_id("return-leg-no").click()
    expect(page.get_by_test_id("status")).to_have_text("Đã phát kết quả thành công")
    expect(page.get_by_test_id("pickup-leg")).to_contain_text(pickup_no[:2])
    page.fill("[name=phone_last4]", "5678")
    page.check("#rating-4")
    page.click("text=Gửi đánh giá")
    expect(page.get_by_test_id("feedback-result")).to_have_text("Bưu gửi này đã được đánh giá. Cảm ơn bạn!")
    page.get_by_test_id("pickup-leg").locator("a").click()
    expect(page.get_by_test_id("return-leg")).to_be_visible()


def test_a_complaint_from_the_tracking_page_keeps_what_was_typed_until_it_is_filed(new_context, server):
    clerk = new_context("clerk")
    number = book(clerk)["shipment"]["tracking_no"]
    scan(clerk, number, "picked_up")
    page = new_context(size=PHONE).new_page()
    page.goto(f"/track?no={number}")
    assert page.locator("[name=phone_last4]").count() == 1
    page.fill("[name=phone_last4]", "5678")
    page.fill("[name=text]", "Đã 5 ngày chưa thấy hồ sơ đến Bộ phận Một cửa.")
    page.click("text=Gửi khiếu nại")  # no kind chosen
    expect(page.get_by_test_id("complaint-result")).to_have_text("Vui lòng chọn nội dung khiếu nại.")
    expect(page.locator("[name=text]")).to_have_value("Đã 5 ngày chưa thấy hồ sơ đến Bộ phận Một cửa.")
    page.select_option("[name=kind]", "late")
    page.fill("[name=phone_last4]", "1111")
    page.click("text=Gửi khiếu nại")
    expect(page.get_by_test_id("complaint-result")).to_have_text(
        "Số hiệu hoặc 4 số cuối điện thoại không đúng. Vui lòng kiểm tra lại."
    )
    expect(page.locator("[name=kind]")).to_have_value("late")
    page.fill("[name=phone_last4]", "5678")
    page.click("text=Gửi khiếu nại")
    expect(page.get_by_test_id("complaint-result")).to_contain_text(
        "Đã nhận khiếu nại. Bộ phận Một cửa sẽ trả lời trước ngày"
    )
    expect(page.locator("[name=text]")).to_have_value("")
    fits(page, PHONE[0])
    screenshot(page, "track-complaint-phone")
    listed = clerk.request.get("/api/v1/complaints?status=open&limit=500").json()["items"]
    mine = [c for c in listed if c["tracking_no"] == number]
    assert len(mine) == 1 and mine[0]["kind"] == "late"
