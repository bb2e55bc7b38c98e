"""The postman's phone at 360x740: today's stops (also offline), the fee, proof of delivery,
repeats and retries that are never alarming, and the attempt limit's message."""

from __future__ import annotations

import base64
import io

from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, book, fits, out_for_delivery, scan, screenshot, worker_ready

HOME = {"latitude": 10.4925, "longitude": 107.2341}


def in_view(page, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE[1], box


def test_todays_stops_with_a_call_link_and_the_fee_kept_offline(new_context):
    clerk = new_context("clerk")
    paying = book(clerk, fee=50000, note="Nhà sau chợ, gọi trước")["shipment"]["tracking_no"]
    other = book(clerk, name="Lê Văn Ưng", fee=20000, hamlet="PBINH")["shipment"]["tracking_no"]
    context = new_context("postal", service_workers="allow")
    page = context.new_page()
    page.goto("/scan")
    worker_ready(page)
    stop = page.get_by_test_id("stops").locator(f"[data-testid=stop][data-tracking-no={paying}]")
    expect(stop).to_contain_text("Phạm Thị Ánh Tuyết")
    expect(stop).to_contain_text("ấp Phước Trinh")
    expect(stop).to_contain_text("Tổ 7, gần chợ")
    expect(stop).to_contain_text("Nhà sau chợ, gọi trước")
    expect(stop).to_contain_text("Thu 50.000 đ")
    expect(stop.locator("a[href^='tel:']")).to_have_attribute("href", "tel:+84912345678")
    fits(page, PHONE[0])
    screenshot(page.locator("[data-testid=stops]").page, "scan-stops-phone")

    # The fee owed is filled in as the number arrives; Enter records it.
    page.select_option("[name=event]", "picked_up")
    field = page.locator("[name=tracking_no]")
    field.fill(paying)
    expect(page.locator("[name=fee_collected_vnd]")).to_have_value("50000")
    field.press("Enter")
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "accepted")
    expect(result).to_contain_text("Đã ghi thu 50.000 đ")
    in_view(page, "[data-testid=scan-result]")
    assert clerk.request.get(f"/api/v1/shipments/{paying}").json()["fee_collected_vnd"] == 50000

    # Offline, after a reload: the stops are still there, and so is the fee of the next one.
    context.set_offline(True)
    page.reload()
    expect(page.locator("#net")).to_have_attribute("data-online", "false")
    expect(page.get_by_test_id("stops").locator(f"[data-tracking-no={other}]")).to_contain_text("Lê Văn Ưng")
    expect(page.get_by_test_id("stops-saved")).to_contain_text("dùng được khi mất mạng")
    page.get_by_test_id("stops").locator(f"[data-tracking-no={other}] .pick-stop").click()
    expect(field).to_have_value(other)
    expect(page.locator("[name=fee_collected_vnd]")).to_have_value("20000")
    field.press("Enter")
    expect(result).to_have_attribute("data-outcome", "queued")
    screenshot(page, "scan-offline-phone")
    context.set_offline(False)
    page.click("#sync")
    expect(page.get_by_test_id("queue-count")).to_have_text("0")
    shipment = clerk.request.get(f"/api/v1/shipments/{other}").json()
    assert shipment["status"] == "picked_up" and shipment["fee_collected_vnd"] == 20000


def _photo_file(tmp_path) -> str:
    path = tmp_path / "giao-ho-so.jpg"
    Image.new("RGB", (3000, 2000), (30, 120, 200)).save(path, quality=95)
    return str(path)


def test_delivery_with_signature_photo_id_and_position_answer_in_view(new_context, tmp_path):
    clerk = new_context("clerk")
    number = out_for_delivery(clerk)
    context = new_context("postal", permissions=["geolocation"], geolocation=HOME)
    page = context.new_page()
    page.goto("/scan")
    page.select_option("[name=event]", "delivered")
    expect(page.get_by_test_id("position-status")).to_have_text("Đã lấy vị trí giao.")
    page.fill("[name=recipient_name]", "Phạm Văn Tuấn")
    page.select_option("[name=recipient_relationship]", "family")
    page.select_option("[name=recipient_id_kind]", "cccd")
    page.fill("[name=recipient_id_number]", "079123456789")
    pad = page.get_by_test_id("signature")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 100)
    page.mouse.down()
    for x, y in ((60, 40), (110, 110), (160, 30), (220, 100)):
        page.mouse.move(box["x"] + x, box["y"] + y, steps=4)
    page.mouse.up()
    page.set_input_files("[name=photo]", _photo_file(tmp_path))
    preview = page.locator("#photo-preview")
    expect(preview).to_be_visible()
    assert page.evaluate("() => Math.max(document.getElementById('photo-preview').naturalWidth, "
                         "document.getElementById('photo-preview').naturalHeight)") == 1024  # fmt: skip
    assert int(preview.get_attribute("data-bytes")) < 400_000
    screenshot(page, "scan-proof-phone")
    page.fill("[name=tracking_no]", number)
    page.press("[name=tracking_no]", "Enter")
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "accepted")
    in_view(page, "[data-testid=scan-result]")
    screenshot(page, "scan-delivered-phone")
    last = clerk.request.get(f"/api/v1/shipments/{number}").json()["events"][-1]
    assert last["event"] == "delivered" and last["recipient_name"] == "Phạm Văn Tuấn"
    assert last["recipient_relationship"] == "family" and last["recipient_id_kind"] == "cccd"
    assert last["has_signature"] is True and last["has_photo"] is True
    assert (last["lat"], last["lon"]) == (HOME["latitude"], HOME["longitude"])
    # The pad starts blank again for the next parcel.
    blank = page.evaluate("() => document.getElementById('signature').toDataURL('image/png').split(',')[1]")
    signed_png = Image.open(io.BytesIO(base64.b64decode(blank)))
    assert signed_png.convert("L").getextrema() == (255, 255)


def test_a_proxy_needs_the_authorisation_before_the_scan_leaves_the_phone(new_context):
    clerk = new_context("clerk")
    number = out_for_delivery(clerk)
    page = new_context("postal").new_page()
    page.goto("/scan")
    page.select_option("[name=event]", "delivered")
    page.fill("[name=recipient_name]", "Ngô Văn Bảy")
    page.select_option("[name=recipient_relationship]", "proxy")
    expect(page.locator("[name=authorization_note]")).to_be_visible()
    page.fill("[name=tracking_no]", number)
    page.press("[name=tracking_no]", "Enter")
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "rejected")
    expect(result).to_contain_text("giấy ủy quyền")
    expect(page.locator("[name=authorization_note]")).to_be_focused()
    assert clerk.request.get(f"/api/v1/shipments/{number}").json()["status"] == "out_for_delivery"


def test_a_scan_the_server_had_before_the_answer_was_lost_shows_as_already_recorded(new_context):
    clerk = new_context("clerk")
    number = book(clerk)["shipment"]["tracking_no"]
    # page.route cannot see requests that go through a service worker, and /scan's worker
    # claims the page as soon as it is installed (sooner or later, by load): keep it out here.
    page = new_context("postal", service_workers="block").new_page()
    page.goto("/scan")

    def lose_the_answer(route):
        route.fetch()  # the server records the scan ...
        route.abort()  # ... and the phone never hears back

    page.route("**/api/v1/scans", lose_the_answer)
    page.select_option("[name=event]", "picked_up")
    page.fill("[name=tracking_no]", number)
    page.press("[name=tracking_no]", "Enter")
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "queued")
    page.unroute("**/api/v1/scans")
    page.click("#sync")  # the same scan_id again, by batch
    expect(result).to_have_attribute("data-outcome", "duplicate")
    expect(page.get_by_test_id("queue-count")).to_have_text("0")
    events = clerk.request.get(f"/api/v1/shipments/{number}").json()["events"]
    assert [e["event"] for e in events] == ["booked", "picked_up"]
    refused = clerk.request.get("/api/v1/scans/exceptions?limit=500").json()["items"]
    assert number not in [r["tracking_no"] for r in refused]


def test_at_the_attempt_limit_the_phone_says_to_return_the_result_to_the_desk(new_context):
    clerk = new_context("clerk")
    number = out_for_delivery(clerk, failures=2)
    page = new_context("postal").new_page()
    page.goto("/scan")
    page.select_option("[name=event]", "delivery_failed")
    page.select_option("[name=reason]", "not_home")
    page.fill("[name=tracking_no]", number)
    page.press("[name=tracking_no]", "Enter")
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "accepted")
    expect(result).to_contain_text("mang kết quả về Bộ phận Một cửa")
    expect(result).not_to_contain_text("phát lại")
    in_view(page, "[data-testid=scan-result]")


def _touch_stroke(page, box, points) -> None:
    """A finger drawing through `points` (relative to `box`), as the phone's touch screen sends it."""
    cdp = page.context.new_cdp_session(page)
    at = [{"x": box["x"] + x, "y": box["y"] + y} for x, y in points]
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at[0]]})
    for point in at[1:]:
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def _ink(page) -> int:
    """How many of the signature pad's pixels are dark."""
    png = page.evaluate("() => document.getElementById('signature').toDataURL('image/png').split(',')[1]")
    gray = Image.open(io.BytesIO(base64.b64decode(png))).convert("L")
    return sum(gray.histogram()[:128])


def _delivering_on_a_touch_phone(new_context):
    """A parcel out for delivery and the postman's touch phone on /scan, `delivered` chosen and
    the recipient named: (the clerk's context, the number, the page)."""
    clerk = new_context("clerk")
    number = out_for_delivery(clerk)
    page = new_context("postal", has_touch=True, is_mobile=True).new_page()
    page.goto("/scan")
    page.select_option("[name=event]", "delivered")
    page.fill("[name=recipient_name]", "Võ Thị Hồng Nhung")
    return clerk, number, page


def test_a_signature_drawn_with_a_finger_goes_with_the_delivery(new_context):
    clerk, number, page = _delivering_on_a_touch_phone(new_context)
    pad = page.get_by_test_id("signature")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE[0]
    assert _ink(page) == 0
    _touch_stroke(page, box, [(20, 110), (50, 40), (90, 120), (130, 35), (170, 115), (230, 60)])
    assert _ink(page) > 200  # a line was drawn, not a dot
    screenshot(page, "scan-signature-touch-phone")
    page.fill("[name=tracking_no]", number)
    page.press("[name=tracking_no]", "Enter")
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-outcome", "accepted")
    last = clerk.request.get(f"/api/v1/shipments/{number}").json()["events"][-1]
    assert last["event"] == "delivered" and last["recipient_name"] == "Võ Thị Hồng Nhung"
    assert last["has_signature"] is True
    assert _ink(page) == 0  # blank again for the next parcel


def test_without_a_signature_the_delivery_says_so(new_context):
    clerk, number, page = _delivering_on_a_touch_phone(new_context)
    page.get_by_test_id("signature").tap()  # a tap is not a signature
    page.fill("[name=tracking_no]", number)
    page.press("[name=tracking_no]", "Enter")
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-outcome", "accepted")
    last = clerk.request.get(f"/api/v1/shipments/{number}").json()["events"][-1]
    assert last["event"] == "delivered" and not last.get("has_signature")


def test_offline_a_result_still_owing_its_fee_is_delivered_with_it(new_context):
    clerk = new_context("clerk")
    body = {
        "applicant": {"full_name": "Huỳnh Thị Thu Trang", "phone": "0912345678"},
        "address": {"hamlet_code": "PTRINH", "detail": "Tổ 2"},
        "procedure_code": "1.001193",
        "fee_vnd": 30000,
    }
    answer = clerk.request.post("/api/v1/returns", data=body)  # applied at the desk: nothing paid yet
    assert answer.status == 201, answer.text()
    number = answer.json()["shipment"]["tracking_no"]
    context = new_context("postal", service_workers="allow")
    scan(context, number, "collected_from_desk")
    scan(context, number, "out_for_delivery")
    page = context.new_page()
    page.goto("/scan")
    worker_ready(page)
    stop = page.get_by_test_id("stops").locator(f"[data-testid=stop][data-tracking-no={number}]")
    expect(stop).to_contain_text("Thu 30.000 đ")

    context.set_offline(True)
    page.reload()
    page.select_option("[name=event]", "delivered")
    stop.locator(".pick-stop").click()
    fee = page.locator("[name=fee_collected_vnd]")
    expect(fee).to_be_visible()
    expect(fee).to_have_value("30000")  # from the stops kept on the phone: what is still owed
    page.fill("[name=recipient_name]", "Huỳnh Thị Thu Trang")
    page.press("[name=tracking_no]", "Enter")
    expect(page.get_by_test_id("scan-result")).to_have_attribute("data-outcome", "queued")
    context.set_offline(False)
    page.click("#sync")
    expect(page.get_by_test_id("queue-count")).to_have_text("0")
    shipment = clerk.request.get(f"/api/v1/shipments/{number}").json()
    assert shipment["status"] == "delivered" and shipment["fee_collected_vnd"] == 30000
    assert shipment["fee_owed_vnd"] == 0
