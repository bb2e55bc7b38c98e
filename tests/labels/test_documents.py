"""The A4 paperwork: receipt, hand-over record and route manifest."""

import pytest

from labels import DocumentLine, render_handover, render_manifest, render_receipt
from tests.labels.builders import (
    BASE_URL,
    LONG_ADDRESS,
    LONG_NAME,
    codes,
    decode_pages,
    handover,
    manifest,
    page_sizes,
    page_texts,
    receipt,
    text_runs,
)

A4_PORTRAIT = (595.28, 841.89)


def assert_a4_portrait_and_text_within_width(pdf: bytes) -> None:
    for size in page_sizes(pdf):
        assert size == pytest.approx(A4_PORTRAIT, abs=0.01)
    for run in text_runs(pdf):
        assert run.x >= 0 and run.x + run.width <= A4_PORTRAIT[0], run
        assert 0 <= run.y <= A4_PORTRAIT[1], run


def test_receipt_scans_to_both_numbers_and_the_tracking_link():
    data = receipt()
    pdf = render_receipt(data)
    [found] = decode_pages(pdf)
    assert sorted(found) == sorted(
        [
            ("Code128", data.pickup_tracking_no),
            ("Code128", data.return_tracking_no),
            ("QRCode", BASE_URL + "RR123456785VN"),
        ]
    )
    assert_a4_portrait_and_text_within_width(pdf)


def test_receipt_lists_the_documents_and_the_people():
    [text] = page_texts(render_receipt(receipt()))
    for expected in [
        "BIÊN NHẬN / PHIẾU GỬI HỒ SƠ",
        "Tờ khai đăng ký khai sinh",
        "Căn cước công dân của cha, mẹ",
        "Bản chính",
        "Bản sao",
        "Tổng cộng: 4 giấy tờ, 4 trang.",
        "Nguyễn Thị Hằng",
        "Đường Ưng Văn Khiêm",
        "000.00.20.H03-261127-0001",
        "09:05 ngày 27/11/2026",  # 02:05 UTC, shown in the commune's time
        "NGƯỜI NỘP HỒ SƠ",
        "NHÂN VIÊN BƯU CHÍNH",
    ]:
        assert expected in text


def test_receipt_for_a_pickup_only_dossier_has_one_barcode_and_says_so():
    pdf = render_receipt(receipt(return_tracking_no=None, documents=[], portal_dossier_no=None, fee_vnd=20_000))
    assert codes(pdf, "Code128") == ["RR123456785VN"]
    [text] = page_texts(pdf)
    assert "Không có danh mục giấy tờ" in text
    assert "20.000 đ" in text
    assert "Cổng DVC" not in text


def test_receipt_refuses_an_unknown_document_kind():
    with pytest.raises(ValueError, match="kind"):
        render_receipt(receipt(documents=[DocumentLine("Giấy", "scan", 1)]))


def test_long_handover_runs_over_pages_listing_every_number_under_a_repeated_header():
    data = handover(60)
    pdf = render_handover(data)
    texts = page_texts(pdf)
    assert len(texts) >= 2
    whole = "\n".join(texts)
    for line in data.lines:
        assert line.tracking_no in whole
    for number, text in enumerate(texts, start=1):
        assert "Số hiệu bưu gửi" in text  # the header row, on every page
        assert f"Trang {number}/{len(texts)}" in text
    assert "Tổng cộng: 60 bưu gửi" in whole
    assert "BIÊN BẢN GIAO NHẬN" in texts[0]
    assert "16:30 ngày 27/11/2026" in texts[0]
    assert "Trần Thị Ỷ" in whole and "Lê Văn Ưng" in whole
    assert "BÊN GIAO" in texts[-1] and "BÊN NHẬN" in texts[-1]
    assert_a4_portrait_and_text_within_width(pdf)


def test_handover_refuses_an_unknown_direction():
    with pytest.raises(ValueError, match="direction"):
        render_handover(handover(1, direction="sideways"))


def test_manifest_of_40_stops_is_a4_portrait_with_every_number_and_a_repeated_header():
    data = manifest(40)
    pdf = render_manifest(data)
    texts = page_texts(pdf)
    assert len(texts) >= 2
    whole = "\n".join(texts)
    for stop in data.stops:
        assert stop.tracking_no in whole  # on one line: the column is wide enough
    for text in texts:
        assert "Ký nhận" in text
    assert "BẢNG KÊ THU GOM HỒ SƠ" in texts[0]
    assert "Lê Văn Ưng" in texts[0]
    assert "23,4 km" in texts[0]
    assert "Gọi điện trước khi đến" in whole
    assert LONG_NAME.split()[-1] in whole and LONG_ADDRESS.split()[-1] in whole
    assert "Tổng cộng: 40 bưu gửi; tiền thu hộ: 700.000 đ." in whole
    assert_a4_portrait_and_text_within_width(pdf)


def test_delivery_manifest_without_a_postman_leaves_the_name_to_fill_in():
    [text] = page_texts(render_manifest(manifest(3, kind="delivery", postman_name=None)))
    assert "BẢNG KÊ PHÁT KẾT QUẢ" in text
    assert "Bưu tá: ……" in text


def test_manifest_refuses_an_unknown_kind():
    with pytest.raises(ValueError, match="kind"):
        render_manifest(manifest(1, kind="express"))


def test_markup_characters_in_caller_data_are_printed_not_interpreted():
    data = handover(1, from_party="Tổ bưu tá <ca sáng> & phụ trách")
    assert "Tổ bưu tá <ca sáng> & phụ trách" in "\n".join(page_texts(render_handover(data)))
