"""Accessibility and weight: axe-core (WCAG 2 A/AA, contrast included) on every page at its
users' size, a label on every field, booking by keyboard alone, no sideways scroll at 360 px,
and /desk under 150 kB (compressed) with 500 parcels that day.

axe-core is vendored from the npm registry into tests/browser/vendor (MPL-2.0), not into the
app; the contexts that run it bypass the pages' CSP to inject it.
"""

from __future__ import annotations

import gzip
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DESK, PHONE, book, scan

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
RUN_AXE = """async () => {
  const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"] } });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
  }));
}"""


def violations(page) -> list[dict]:
    page.add_script_tag(content=AXE)
    return page.evaluate(RUN_AXE)


def unlabeled_fields(page) -> list[str]:
    """Visible form fields without an accessible name from a label, aria-label or aria-labelledby."""
    return page.evaluate("""() => Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
      .filter((el) => el.offsetParent !== null || el.type === "checkbox")
      .filter((el) => !(el.labels && el.labels.length))
      .filter((el) => !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"))
      .map((el) => el.name || el.id)""")


@pytest.fixture
def parcel(new_context):
    clerk = new_context("clerk", size=DESK)
    booked = book(clerk, fee=20000, note="Gần chợ")
    number = booked["shipment"]["tracking_no"]
    scan(clerk, number, "picked_up")
    scan(clerk, number, "handed_to_desk")
    return_no = clerk.request.post(f"/api/v1/dossiers/{booked['dossier_id']}/return").json()["shipment"]["tracking_no"]
    for event in ("collected_from_desk", "out_for_delivery"):
        scan(clerk, return_no, event)
    scan(clerk, return_no, "delivered", recipient_name="Chủ hộ")
    complaint = {"tracking_no": number, "kind": "late", "text": "Bưu tá đến trễ hai ngày so với hẹn."}
    assert clerk.request.post("/api/v1/complaints", data=complaint).status == 201  # shown on both pages
    return number


@pytest.mark.parametrize(
    ("role", "size", "path"),
    [
        (None, PHONE, "/track"),
        (None, PHONE, "/track?no={no}"),
        (None, PHONE, "/track?no={no}&phone_last4=5678"),
        (None, PHONE, "/khong-co"),
        (None, PHONE, "/login"),
        ("postal", PHONE, "/scan"),
        ("clerk", DESK, "/desk"),
        ("clerk", DESK, "/desk?q=anh"),
        ("clerk", DESK, "/desk/parcels/{no}"),
        ("clerk", DESK, "/desk/outcomes"),
        ("supervisor", DESK, "/reports"),
    ],
)
def test_every_page_passes_axe_has_labelled_fields_and_no_sideways_scroll(new_context, parcel, role, size, path):
    page = new_context(role, size=size, bypass_csp=True).new_page()
    answer = page.goto(path.format(no=parcel))
    assert answer is not None and answer.status in (200, 404)
    if path == "/scan":
        page.select_option("[name=event]", "delivered")  # the proof of delivery fields, open
    assert violations(page) == []
    assert unlabeled_fields(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= size[0]
    if size != PHONE:
        page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0], "sideways scroll at 360 px"


def test_a_pickup_is_booked_with_the_keyboard_alone(new_context):
    page = new_context("clerk", size=DESK).new_page()
    page.goto("/desk")
    page.focus("[name=full_name]")
    page.keyboard.type("Bùi Văn Bàn Phím")
    page.keyboard.press("Tab")
    page.keyboard.type("0912000111")
    page.keyboard.press("Tab")  # ID number (optional)
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # a closed select moves to the next option
    page.keyboard.press("Tab")
    page.keyboard.type("Số 5, tổ 9")
    page.keyboard.press("Tab")
    expect(page.locator("[name=procedure_code]")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.locator("[name=procedure_code]")).not_to_have_value("")
    page.focus("#book-button")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("tracking-no")).to_have_text(re.compile(r"^[A-Z]{2}\d{9}VN$"))
    expect(page.locator("#booked")).to_contain_text("Bùi Văn Bàn Phím")


def test_the_desk_page_weighs_under_150_kb_with_500_parcels_that_day(new_context, server):
    clerk = new_context("clerk", size=DESK)
    body = {"applicant": {"full_name": "Nguyễn Văn Năm Trăm", "phone": "0912345678"},
            "address": {"hamlet_code": "PLANG", "detail": "Số 1"}, "procedure_code": "1.001193"}  # fmt: skip
    for _ in range(500):
        assert clerk.request.post("/api/v1/pickups", data=body).status == 201
    first = clerk.request.post("/api/v1/pickups", data=body).json()["shipment"]["tracking_no"]
    scan(clerk, first, "picked_up", at=datetime.now(UTC).isoformat(), scan_id=str(uuid.uuid4()))
    page = clerk.new_page()
    encodings: dict[str, str | None] = {}
    page.on("response", lambda r: encodings.__setitem__(r.url.split("?")[0], r.headers.get("content-encoding")))
    page.goto("/desk")
    page.wait_for_load_state("networkidle")
    assert encodings[f"{server.url}/desk"] == "gzip"
    assert encodings[f"{server.url}/static/desk.js"] == "gzip"
    # What travels: the page and its own files, gzip-compressed as the server sends them.
    wire = 0
    for path in ("/desk", "/static/app.css", "/static/common.js", "/static/desk.js", "/static/favicon.svg"):
        answer = clerk.request.get(path)
        assert answer.status == 200, path
        wire += len(gzip.compress(answer.body(), compresslevel=6))
    assert wire < 150_000, wire
