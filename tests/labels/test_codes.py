"""Code 128 and QR symbols: whole printer dots, one path each, and they scan at 203 dpi."""

import io
import re

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels.codes import CODE128_QUIET, DOT, QR_QUIET, code128, qr_code
from tests.labels.builders import BASE_URL, codes, s10


def draw_page(draw, size=(100 * mm, 45 * mm)) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=size)
    draw(canvas)
    canvas.save()
    return out.getvalue()


def page_content(pdf: bytes) -> str:
    return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data().decode("latin-1")


def test_code128_uses_whole_dots_and_keeps_its_quiet_zones_inside_the_width():
    symbol = code128("RR123456785VN", 94 * mm)
    assert symbol.module == pytest.approx(4 * DOT)  # the widest that fits a 100 mm label
    assert symbol.width == pytest.approx((len(symbol.modules) + 2 * CODE128_QUIET) * symbol.module)
    assert code128("RR123456785VN", 70 * mm).module == pytest.approx(3 * DOT)
    with pytest.raises(ValueError, match="Code 128"):
        code128("RR123456785VN", 50 * mm)


@pytest.mark.parametrize("max_width", [94 * mm, 70 * mm])
def test_code128_is_one_filled_path_that_scans_to_the_number(max_width):
    number = s10(12345678, "EE")
    symbol = code128(number, max_width)
    pdf = draw_page(lambda canvas: symbol.draw(canvas, 3 * mm, 10 * mm, 15 * mm))
    content = page_content(pdf)
    bars = len(re.findall(rb"\x01+", symbol.modules))
    assert content.count(" re") == bars
    assert content.count("f Q") == 1
    assert codes(pdf, "Code128") == [number]


def test_qr_codes_with_the_fixed_mask_scan_for_many_numbers():
    """The mask is fixed for speed: check it does not make some symbols unreadable."""
    urls = [BASE_URL + s10(1 + 3_331_333 * i) for i in range(24)]
    side = 26 * mm

    def draw(canvas):
        for i, url in enumerate(urls):
            symbol = qr_code(url, side)
            symbol.draw(canvas, (i % 6) * (side + 4 * mm), (i // 6) * (side + 4 * mm))

    pdf = draw_page(draw, size=(6 * (side + 4 * mm), 4 * (side + 4 * mm)))
    assert sorted(codes(pdf, "QRCode")) == sorted(urls)


def test_qr_module_is_whole_dots_and_the_quiet_zone_is_included():
    symbol = qr_code(BASE_URL + "RR123456785VN", 29 * mm)
    dots = symbol.module / DOT
    assert dots == pytest.approx(round(dots)) and dots >= 3
    assert symbol.size == pytest.approx((len(symbol.rows) + 2 * QR_QUIET) * symbol.module)
    assert symbol.size <= 29 * mm
    with pytest.raises(ValueError, match="QR code"):
        qr_code(BASE_URL + "x" * 2000, 29 * mm)
