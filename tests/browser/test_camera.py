"""/scan reads the label with the phone's camera: Chromium's fake camera plays a video made from
the label our own labels code printed (its Code 128, then its QR), and the page records the scan.

Debian's Chromium on Linux has no `BarcodeDetector`, so these runs go through the vendored ZXing
(static/vendor/); a phone with a native detector takes the other branch of the same code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from postal_tracker.accounts.auth import TOKEN_COOKIE
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE, book, screenshot, worker_ready

FRAME = (640, 480)
LABEL_DPI = 203  # the label printer's


def label_image(context, number: str) -> Image.Image:
    """The parcel's real label PDF, as the desk prints it, rasterised at the printer's resolution."""
    answer = context.request.get(f"/api/v1/shipments/{number}/label.pdf")
    assert answer.status == 200, answer.text()
    document = pdfium.PdfDocument(answer.body())
    try:
        return document[0].render(scale=LABEL_DPI / 72).to_pil().convert("RGB")
    finally:
        document.close()


def crop_code(label: Image.Image, kind: zxingcpp.BarcodeFormat) -> tuple[Image.Image, str]:
    """The part of the label with one code on it (with its quiet zone), and what the code says."""
    found = [code for code in zxingcpp.read_barcodes(label) if code.format == kind]
    assert len(found) == 1, [(code.format, code.text) for code in zxingcpp.read_barcodes(label)]
    corners = found[0].position
    xs = [p.x for p in (corners.top_left, corners.top_right, corners.bottom_left, corners.bottom_right)]
    ys = [p.y for p in (corners.top_left, corners.top_right, corners.bottom_left, corners.bottom_right)]
    margin = 24
    if kind == zxingcpp.BarcodeFormat.Code128:
        ys = [min(ys) - 30, max(ys) + 30]  # a linear code's position is a thin line across its bars
    box = (max(0, min(xs) - margin), max(0, min(ys) - margin), min(label.width, max(xs) + margin),
           min(label.height, max(ys) + margin))  # fmt: skip
    return label.crop(box), found[0].text


def write_y4m(path: Path, picture: Image.Image, frames: int = 6) -> None:
    """A short video of the picture held up to the camera (a few pixels of shake), as Y4M 4:2:0."""
    width, height = FRAME
    scale = min(1.0, (width - 40) / picture.width, (height - 40) / picture.height)
    picture = picture.resize((round(picture.width * scale), round(picture.height * scale)), Image.Resampling.LANCZOS)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for i in range(frames):
            frame = Image.new("RGB", FRAME, (205, 200, 190))  # a table under the label
            frame.paste(picture, ((width - picture.width) // 2 + i % 3, (height - picture.height) // 2 + i % 2))
            luma, blue, red = frame.convert("YCbCr").split()
            half = (width // 2, height // 2)
            video.write(b"FRAME\n" + luma.tobytes())
            video.write(blue.resize(half, Image.Resampling.BILINEAR).tobytes())
            video.write(red.resize(half, Image.Resampling.BILINEAR).tobytes())


@pytest.fixture
def camera_browser(browser) -> Iterator:
    """`camera_browser(video, asked=True)`: a Chromium whose camera plays `video`; the user says
    yes when asked for it (or, with asked=False, nobody answers: headless Chromium then refuses)."""
    launched = []

    def launch(video: Path, asked: bool = True):
        fake = ["--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"]
        if asked:
            fake.append("--use-fake-ui-for-media-stream")
        launched.append(browser.browser_type.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *fake]))
        return launched[-1]

    yield launch
    for chromium in launched:
        chromium.close()


def postman_phone(chromium, server, permissions=("camera",)):
    context = chromium.new_context(
        base_url=server.url, viewport={"width": PHONE[0], "height": PHONE[1]}, locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh", permissions=list(permissions), has_touch=True,
    )  # fmt: skip
    context.set_default_timeout(15000)
    context.add_cookies([{"name": TOKEN_COOKIE, "value": server.token("postal"), "url": server.url}])
    return context


@pytest.mark.parametrize("kind", [zxingcpp.BarcodeFormat.Code128, zxingcpp.BarcodeFormat.QRCode], ids=["code128", "qr"])
def test_the_camera_reads_the_label_and_records_the_pickup_with_the_fee(
    new_context, server, camera_browser, tmp_path, kind
):
    clerk = new_context("clerk")
    number = book(clerk, fee=50000)["shipment"]["tracking_no"]
    code, says = crop_code(label_image(clerk, number), kind)
    # The Code 128 is the number itself; the QR is the citizen's tracking link, holding it.
    assert says == number if kind == zxingcpp.BarcodeFormat.Code128 else says.endswith(f"/track?no={number}")
    video = tmp_path / "label.y4m"
    write_y4m(video, code)

    context = postman_phone(camera_browser(video), server)
    page = context.new_page()
    page.goto("/scan")
    page.select_option("[name=event]", "picked_up")
    page.get_by_test_id("camera-start").click()
    camera = page.get_by_test_id("camera")
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "accepted", timeout=30000)
    expect(page.locator("#outcome-number")).to_have_text(number)
    expect(result).to_contain_text("Đã ghi thu 50.000 đ")  # the fee owed was filled in, as typed
    expect(page.get_by_test_id("camera-status")).to_have_text(f"Đã đọc số hiệu {number} bằng camera.")
    screenshot(page, f"scan-camera-{kind.name.lower()}-phone")
    # One read, one scan, then the camera is off.
    assert camera.get_attribute("data-decoder") == "zxing"
    expect(camera).to_be_hidden()
    assert page.evaluate("() => document.getElementById('camera-video').srcObject") is None
    expect(page.get_by_test_id("camera-start")).to_be_visible()
    shipment = clerk.request.get(f"/api/v1/shipments/{number}").json()
    assert [e["event"] for e in shipment["events"]] == ["booked", "picked_up"]
    assert shipment["fee_collected_vnd"] == 50000


def test_without_a_camera_or_its_permission_the_phone_says_so_in_vietnamese(new_context):
    # Headless Chromium without a fake device has no camera at all.
    page = new_context("postal", permissions=["camera"]).new_page()
    page.goto("/scan")
    page.get_by_test_id("camera-start").click()
    expect(page.get_by_test_id("camera-status")).to_have_text(
        "Máy này không có camera dùng được. Hãy dùng máy quét hoặc gõ số hiệu."
    )
    expect(page.get_by_test_id("camera")).to_be_hidden()
    expect(page.locator("[name=tracking_no]")).to_be_visible()


def test_a_refused_camera_is_explained(server, camera_browser, tmp_path):
    video = tmp_path / "blank.y4m"
    write_y4m(video, Image.new("RGB", (100, 100), (255, 255, 255)), frames=1)
    context = postman_phone(camera_browser(video, asked=False), server, permissions=[])
    page = context.new_page()
    page.goto("/scan")
    page.get_by_test_id("camera-start").click()
    expect(page.get_by_test_id("camera-status")).to_have_text(
        "Chưa được phép dùng camera. Hãy cho phép camera trong cài đặt trình duyệt, hoặc gõ số hiệu."
    )


def test_offline_the_camera_still_reads_from_the_kept_decoder_and_the_scan_waits_in_the_queue(
    new_context, server, camera_browser, tmp_path
):
    clerk = new_context("clerk")
    number = book(clerk)["shipment"]["tracking_no"]
    code, _ = crop_code(label_image(clerk, number), zxingcpp.BarcodeFormat.Code128)
    video = tmp_path / "label.y4m"
    write_y4m(video, code)
    context = postman_phone(camera_browser(video), server)
    page = context.new_page()
    page.goto("/scan")
    worker_ready(page)  # the worker kept the page and its files
    assert page.evaluate("() => window.ZXing === undefined")  # not loaded until the camera is used

    context.set_offline(True)
    assert page.reload().from_service_worker
    page.select_option("[name=event]", "picked_up")
    page.get_by_test_id("camera-start").click()
    result = page.get_by_test_id("scan-result")
    expect(result).to_have_attribute("data-outcome", "queued", timeout=30000)
    expect(page.locator("#outcome-number")).to_have_text(number)
    expect(page.get_by_test_id("queue-count")).to_have_text("1")

    context.set_offline(False)
    page.click("#sync")
    expect(page.get_by_test_id("queue-count")).to_have_text("0")
    events = clerk.request.get(f"/api/v1/shipments/{number}").json()["events"]
    assert [e["event"] for e in events] == ["booked", "picked_up"]
