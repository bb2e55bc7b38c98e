"""Labels, receipts and hand-over records through the HTTP API, on SQLite and PostgreSQL.

Each document is read back as a scanner and a person would: rasterised at the label printer's
203 dpi and decoded with zxing, and its text extracted. Decoding is the slow part, so each test
decodes a few pages, not hundreds.
"""

from __future__ import annotations

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm

from postal_tracker.lifecycle import group_tracking_no
from tests.builders import book, pickup_body, scan_body, valid_number, walk
from tests.labels.builders import OFFICE_DPI, codes, decode_pages, page_sizes, page_texts

A6_POINTS = pytest.approx((100 * mm, 150 * mm), abs=0.01)
A4_POINTS = pytest.approx(A4, abs=0.01)
NAME = "Nguyễn Thị Hằng"
DOCUMENTS = [
    {"name": "Tờ khai đăng ký khai sinh", "kind": "original", "pages": 1},
    {"name": "Giấy chứng sinh", "kind": "original", "pages": 1},
    {"name": "Căn cước công dân của cha, mẹ", "kind": "copy", "pages": 2},
]


def link(world, number: str) -> str:
    return f"{world.client.app.state.settings.public.base_url}/track?no={number}"


def pdf(answer, filename: str) -> bytes:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == f'inline; filename="{filename}"'
    assert answer.content.startswith(b"%PDF-")
    return answer.content


def problem(answer, status: int) -> dict:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    return answer.json()


def test_a_label_scans_and_reads_in_both_sizes(world):
    booked = book(world, procedure_code="2.000884")  # a procedure with a fee: 50.000 đ to collect
    number = booked["shipment"]["tracking_no"]

    a6 = pdf(world.client.get(booked["label_url"], headers=world.headers("clerk")), f"label-{number}.pdf")
    assert page_sizes(a6) == [A6_POINTS]
    [found] = decode_pages(a6)
    assert sorted(found) == [("Code128", number), ("QRCode", link(world, number))]
    [text] = page_texts(a6)
    for expected in (
        "THU GOM HỒ SƠ",
        NAME,
        "Phước Lăng",
        "0912 345 678",
        group_tracking_no(number),
        "Bộ phận Tiếp nhận và Trả kết quả",
        "THU HỘ 50.000 đ",
    ):
        assert expected in text, expected

    a4 = world.client.get(booked["label_url"], params={"size": "a4"}, headers=world.headers("postal"))
    a4 = pdf(a4, f"label-{number}.pdf")
    assert page_sizes(a4) == [A4_POINTS]
    assert codes(a4, "Code128") == [number]
    assert NAME in page_texts(a4)[0]


def test_a_return_label_goes_from_the_desk_to_the_delivery_address(world):
    booked = book(world, delivery_address={"hamlet_code": "PTRINH", "detail": "Số 7, đường Ưng Văn Khiêm"})
    walk(world, booked["shipment"]["tracking_no"], "picked_up", "handed_to_desk")
    returned = world.client.post(f"/api/v1/dossiers/{booked['dossier_id']}/return", headers=world.headers("clerk"))
    number = returned.json()["shipment"]["tracking_no"]

    label = pdf(world.client.get(f"/api/v1/shipments/{number.lower()}/label.pdf", headers=world.headers("clerk")),
                f"label-{number}.pdf")  # fmt: skip
    [text] = page_texts(label)
    assert "TRẢ KẾT QUẢ" in text
    assert "Phước Trinh" in text and "Số 7, đường Ưng Văn Khiêm" in text
    assert "THU HỘ" not in text
    # The recipient (the citizen) comes before the sender (the desk) on the label.
    assert text.index(NAME) < text.index("NGƯỜI GỬI") < text.index("Bộ phận Tiếp nhận")


def test_a_label_reprinted_after_the_fee_was_collected_asks_for_nothing(world):
    booked = book(world, procedure_code="2.000884")
    number = booked["shipment"]["tracking_no"]
    scan = scan_body(number, "picked_up", fee_collected_vnd=50_000)
    assert world.client.post("/api/v1/scans", json=scan, headers=world.headers("postal")).status_code == 201
    label = pdf(world.client.get(booked["label_url"], headers=world.headers("clerk")), f"label-{number}.pdf")
    assert "THU HỘ" not in page_texts(label)[0]


def test_a_batch_on_a4_keeps_the_order_given_and_every_label_scans(world):
    numbers = [book(world)["shipment"]["tracking_no"] for _ in range(6)][::-1]
    answer = world.client.post(
        "/api/v1/labels", json={"tracking_nos": numbers, "size": "a4"}, headers=world.headers("clerk")
    )
    sheets = pdf(answer, "labels-6.pdf")
    assert page_sizes(sheets) == [A4_POINTS, A4_POINTS]
    assert sorted(codes(sheets, "Code128", OFFICE_DPI)) == sorted(numbers)
    assert sorted(codes(sheets, "QRCode", OFFICE_DPI)) == sorted(link(world, n) for n in numbers)
    text = "".join(page_texts(sheets))
    positions = [text.index(group_tracking_no(n)) for n in numbers]
    assert positions == sorted(positions)

    a6 = world.client.post("/api/v1/labels", json={"tracking_nos": numbers[:3]}, headers=world.headers("clerk"))
    assert page_sizes(pdf(a6, "labels-3.pdf")) == [A6_POINTS] * 3


def test_a_batch_with_an_unknown_or_malformed_number_prints_nothing(world, database, client):
    from tests.conftest import make_world

    mine = book(world)["shipment"]["tracking_no"]
    theirs = book(make_world(database, client))["shipment"]["tracking_no"]
    unknown = valid_number("31415926")
    headers = world.headers("clerk")

    answer = world.client.post("/api/v1/labels", json={"tracking_nos": [mine, theirs, unknown]}, headers=headers)
    assert problem(answer, 404)["unknown"] == [theirs, unknown]

    malformed = mine[:-3] + str((int(mine[-3]) + 1) % 10) + "VN"
    answer = world.client.post("/api/v1/labels", json={"tracking_nos": [mine, malformed]}, headers=headers)
    assert problem(answer, 422)["errors"][0]["field"] == "tracking_nos.1"

    for body in ({"tracking_nos": []}, {"tracking_nos": [mine] * 501}, {"tracking_nos": [mine], "size": "a5"}):
        assert problem(world.client.post("/api/v1/labels", json=body, headers=headers), 422)
    problem(world.client.get(f"/api/v1/shipments/{mine}/label.pdf?size=a5", headers=headers), 422)


def test_the_receipt_lists_the_documents_and_both_numbers(world):
    booked = book(world, documents=DOCUMENTS, requested_date="2026-12-03")
    pickup = booked["shipment"]["tracking_no"]
    walk(world, pickup, "picked_up", "handed_to_desk")
    url = f"/api/v1/dossiers/{booked['dossier_id']}/return"
    ret = world.client.post(url, headers=world.headers("clerk")).json()["shipment"]["tracking_no"]

    receipt = pdf(world.client.get(booked["receipt_url"], headers=world.headers("clerk")),
                  f"receipt-{booked['dossier_id']}.pdf")  # fmt: skip
    assert page_sizes(receipt) == [A4_POINTS]
    assert sorted(codes(receipt, "Code128")) == sorted([pickup, ret])
    assert codes(receipt, "QRCode") == [link(world, pickup)]
    [text] = page_texts(receipt)
    for expected in (NAME, "Phước Lăng", "03/12/2026", *(d["name"] for d in DOCUMENTS), "Bản sao", "Miễn phí"):
        assert expected in text, expected


def test_a_return_only_receipt_points_at_the_return_leg(world):
    answer = world.client.post("/api/v1/returns", json=pickup_body(), headers=world.headers("integration"))
    assert answer.status_code == 201, answer.text
    booked = answer.json()
    number = booked["shipment"]["tracking_no"]
    receipt = world.client.get(booked["receipt_url"], headers=world.headers("integration"))
    receipt = pdf(receipt, f"receipt-{booked['dossier_id']}.pdf")
    assert codes(receipt, "QRCode") == [link(world, number)]
    assert group_tracking_no(number) in page_texts(receipt)[0]


def test_the_handover_record_lists_every_parcel(world):
    numbers = [book(world)["shipment"]["tracking_no"] for _ in range(3)]
    for number in numbers:
        walk(world, number, "picked_up")
    answer = world.client.post(
        "/api/v1/handovers", json={"direction": "to_desk", "tracking_nos": numbers}, headers=world.headers("postal")
    )
    assert answer.status_code == 201, answer.text
    handover_id = answer.json()["handover_id"]

    view = world.client.get(f"/api/v1/handovers/{handover_id}", headers=world.headers("clerk"))
    assert view.status_code == 200, view.text
    view = view.json()
    assert [i["tracking_no"] for i in view["items"]] == numbers
    assert {i["status"] for i in view["items"]} == {"at_desk"}
    assert view["count"] == 3 and view["direction"] == "to_desk"
    assert view["from_party"] == "Bưu điện văn hóa xã Tam Phước (Người dùng postal)"
    assert view["pdf_url"] == f"/api/v1/handovers/{handover_id}.pdf"

    record = pdf(world.client.get(view["pdf_url"], headers=world.headers("postal")), f"handover-{handover_id}.pdf")
    assert page_sizes(record) == [A4_POINTS]
    text = "".join(page_texts(record))
    for expected in ("BIÊN BẢN GIAO NHẬN", "Người dùng postal", "Bộ phận Tiếp nhận và Trả kết quả", *numbers):
        assert expected in text, expected
    assert text.count(NAME) >= 3

    for ref in (f"{handover_id}.txt", "abc", f"{handover_id}.pdf.pdf", "999999999"):
        problem(world.client.get(f"/api/v1/handovers/{ref}", headers=world.headers("clerk")), 404)


@pytest.fixture
def documents(world):
    """One of each document, as URLs (of a portal booking: a key prints only the portal's)."""
    booked = book(world, role="integration")
    number = booked["shipment"]["tracking_no"]
    walk(world, number, "picked_up")
    handover = world.client.post(
        "/api/v1/handovers", json={"direction": "to_desk", "tracking_nos": [number]}, headers=world.headers("clerk")
    ).json()
    return {
        "label": booked["label_url"],
        "receipt": booked["receipt_url"],
        "handover": f"/api/v1/handovers/{handover['handover_id']}",
        "handover_pdf": f"/api/v1/handovers/{handover['handover_id']}.pdf",
        "labels": ("POST", "/api/v1/labels", {"tracking_nos": [number]}),
    }


def _fetch(world, what, headers):
    method, url, body = what if isinstance(what, tuple) else ("GET", what, None)
    return world.client.request(method, url, json=body, headers=headers)


def test_anonymous_callers_and_other_communes_get_nothing(world, documents, database, client):
    from tests.conftest import make_world

    other = make_world(database, client)
    for name, what in documents.items():
        problem(_fetch(world, what, {}), 401)
        assert problem(_fetch(world, what, other.headers("clerk")), 404)["status"] == 404, name


def test_integration_clients_print_labels_and_receipts_but_not_handover_records(world, documents):
    key = world.headers("integration")
    assert _fetch(world, documents["label"], key).status_code == 200
    assert _fetch(world, documents["labels"], key).status_code == 200
    assert _fetch(world, documents["receipt"], key).status_code == 200
    problem(_fetch(world, documents["handover_pdf"], key), 403)
    assert _fetch(world, documents["handover"], world.headers("supervisor")).status_code == 200
