"""Shipping labels, read back the way a scanner and a search index would read them."""

import io

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from labels import Party, render_labels
from labels.label import A4_CELL, MARGIN, a4_cell_origin
from tests.labels.builders import (
    BASE_URL,
    CITIZEN,
    DESK,
    codes,
    decode_pages,
    label,
    longest_label,
    nfc,
    page_sizes,
    page_texts,
    s10,
    text_runs,
)

A6_PT = (283.46, 425.20)
A4_PT = (595.28, 841.89)


def test_a6_batch_one_page_per_label_each_scans_to_its_number_and_link():
    numbers = [s10(10_000_000 + 104_729 * i) for i in range(3)]
    batch = [
        label(numbers[0], leg="pickup", fee_vnd=50_000),
        label(numbers[1], leg="return", sender=DESK, recipient=CITIZEN, fee_vnd=None),
        label(numbers[2], fee_vnd=0),
    ]
    pages = decode_pages(render_labels(batch, "a6"))
    assert len(pages) == 3
    for number, found in zip(numbers, pages, strict=True):
        assert sorted(found) == [("Code128", number), ("QRCode", BASE_URL + number)]


def test_a4_sheets_hold_four_labels_and_every_one_scans():
    numbers = [s10(30_000_000 + 7_919 * i) for i in range(6)]
    pdf = render_labels([label(n) for n in numbers], "a4")
    assert len(page_sizes(pdf)) == 2
    assert sorted(codes(pdf, "Code128")) == sorted(numbers)
    assert sorted(codes(pdf, "QRCode")) == sorted(BASE_URL + n for n in numbers)


@pytest.mark.parametrize(("size", "expected"), [("a6", A6_PT), ("a4", A4_PT)])
def test_page_sizes_are_exact(size, expected):
    for width, height in page_sizes(render_labels([label(), label(s10(1))], size)):
        assert (width, height) == pytest.approx(expected, abs=0.01)


def test_vietnamese_text_comes_back_intact():
    sender = Party("Trần Thị Ỷ", "0912 345 678", "Số 5, Đường Ưng Văn Khiêm, Ấp Phước Lăng")
    text = page_texts(render_labels([label(sender=sender, recipient=CITIZEN)], "a6"))[0]
    for expected in ["Nguyễn Thị Hằng", "Phước Lăng", "Đường", "Ưng", "Trần Thị Ỷ"]:
        assert nfc(expected) in text


def test_decomposed_input_is_printed_composed():
    decomposed = "Nguye\u0302\u0303n Thi\u0323 Ha\u0306\u0300ng"  # NFD, as some keyboards send it
    text = page_texts(render_labels([label(recipient=Party(decomposed, None, "Ấp Phước Lăng"))], "a6"))[0]
    assert "Nguyễn Thị Hằng" in text
    assert "\u0303" not in text


def test_label_shows_leg_number_for_reading_aloud_fee_and_booking_date():
    pickup, back = page_texts(render_labels([label(fee_vnd=50_000), label(leg="return", fee_vnd=None)], "a6"))
    assert "THU GOM HỒ SƠ" in pickup and "TRẢ KẾT QUẢ" in back
    assert "RR 1234 5678 5 VN" in pickup
    assert "THU HỘ 50.000 đ" in pickup
    assert "THU HỘ" not in back
    assert "27/11/2026" in pickup
    assert "ĐT: 0912 345 678" in pickup


def assert_text_inside_labels(pdf: bytes, size: str) -> None:
    """Every text run starts and ends inside the printable area of the label it belongs to."""
    label_w, label_h = (100 * mm, 150 * mm) if size == "a6" else A4_CELL
    cells = [(0.0, 0.0)] if size == "a6" else [a4_cell_origin(i) for i in range(4)]
    runs = text_runs(pdf)
    assert runs
    for run in runs:
        x0, y0 = next(c for c in cells if c[0] <= run.x < c[0] + label_w and c[1] <= run.y < c[1] + label_h)
        assert x0 + MARGIN - 0.01 <= run.x, run
        assert run.x + run.width <= x0 + label_w - MARGIN + 0.01, run
        assert y0 + MARGIN - 0.01 <= run.y <= y0 + label_h - MARGIN, run


@pytest.mark.parametrize("size", ["a6", "a4"])
def test_longest_values_stay_inside_the_label_and_codes_still_scan(size):
    numbers = [s10(40_000_000 + 3 * i) for i in range(2)]
    pdf = render_labels([longest_label(n) for n in numbers], size)
    assert_text_inside_labels(pdf, size)
    assert "THU HỘ 1.234.567.890 đ" in page_texts(pdf)[0]
    assert sorted(codes(pdf, "Code128")) == sorted(numbers)
    assert sorted(codes(pdf, "QRCode")) == sorted(BASE_URL + n for n in numbers)


@pytest.mark.parametrize("size", ["a6", "a4"])
def test_absurd_values_are_cut_with_an_ellipsis_never_overflow(size):
    party = Party("Nguyễn " * 40, "0912 345 678 " * 5, "Ấp Phước Lăng, " * 40 + "X" * 90)
    pdf = render_labels([label(sender=party, recipient=party, hamlet_name="Phước" * 20)], size)
    assert_text_inside_labels(pdf, size)
    assert "…" in page_texts(pdf)[0]
    assert codes(pdf, "Code128") == ["RR123456785VN"]


def test_codes_are_vector_paths_not_images():
    reader = PdfReader(io.BytesIO(render_labels([label()], "a6")))
    assert not reader.pages[0].images


def test_a_label_costs_under_10_kb_inside_a_batch():
    count = 100
    pdf = render_labels([label(s10(50_000_000 + i)) for i in range(count)], "a6")
    assert len(pdf) / count < 10_000


def test_fonts_are_embedded_as_subsets():
    reader = PdfReader(io.BytesIO(render_labels([label()], "a6")))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    ours = [font.get_object() for font in fonts.values() if "DejaVuSans" in font.get_object()["/BaseFont"]]
    assert {str(font["/BaseFont"]).split("+")[1] for font in ours} == {"DejaVuSans", "DejaVuSans-Bold"}
    for font in ours:
        assert "+" in font["/BaseFont"]  # a subset: tagged name, only the glyphs used
        assert "/FontFile2" in font["/FontDescriptor"]  # embedded TrueType
        assert "/ToUnicode" in font  # text stays extractable


@pytest.mark.parametrize(
    ("batch", "size", "message"),
    [
        ([], "a6", "no labels"),
        ([label()], "a5", "a6"),
        ([label(leg="express")], "a6", "leg"),
    ],
)
def test_bad_requests_are_refused(batch, size, message):
    with pytest.raises(ValueError, match=message):
        render_labels(batch, size)
