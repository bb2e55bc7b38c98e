"""Test data for the labels package, and the ways tests read a PDF back: pixels and text."""

import datetime as dt
import io
import unicodedata
from dataclasses import dataclass

import pypdfium2 as pdfium
import zxingcpp
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from labels import (
    DocumentLine,
    HandoverData,
    HandoverLine,
    LabelData,
    ManifestData,
    ManifestStop,
    Party,
    ReceiptData,
)
from labels.fonts import register_fonts

PRINTER_DPI = 203
# A4 sheets go to the office laser printer: 300 dpi (at 203 the decoder once misread a bar pair).
OFFICE_DPI = 300
BASE_URL = "https://buudien.tamphuoc.gov.vn/track?no="

CITIZEN = Party("Nguyễn Thị Hằng", "0912 345 678", "Số 12, tổ 3, Đường Ưng Văn Khiêm, Ấp Phước Lăng, xã Tam Phước")
DESK = Party(
    "Bộ phận Một cửa UBND xã Tam Phước",
    "0254 3870 123",
    "UBND xã Tam Phước, Ấp Phước Hưng, xã Tam Phước, huyện Long Điền, tỉnh Bà Rịa - Vũng Tàu",
)

# Longest realistic values: nothing may leave its box, and the codes must still scan.
LONG_NAME = "Công ty Trách nhiệm hữu hạn Thương mại Dịch vụ Phước Lăng Ỷ"  # 60 characters
LONG_ADDRESS = (
    "Số 1234/56B, tổ dân phố 12, khu phố Phước Lăng Trung, đường Ưng Văn Khiêm nối dài, "
    "Ấp Phước Lăng, xã Tam Phước, huyện Long Điền, tỉnh Bà Rịa - Vũng Tàu (gần chợ Phước "
    "Lăng, hẻm 3)"
)
LONG_PROCEDURE = (
    "Liên thông các thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ "
    "bảo hiểm y tế cho trẻ em dưới 6 tuổi và cấp bản sao trích lục"
)


def s10(serial: int, prefix: str = "RR") -> str:
    """A valid UPU S10 number (weights 8 6 4 2 3 5 9 7)."""
    digits = [int(d) for d in f"{serial:08d}"]
    check = 11 - sum(w * d for w, d in zip((8, 6, 4, 2, 3, 5, 9, 7), digits, strict=True)) % 11
    return f"{prefix}{serial:08d}{ {10: 0, 11: 5}.get(check, check) }VN"


def label(tracking_no: str = "RR123456785VN", **changes) -> LabelData:
    values = {
        "tracking_no": tracking_no,
        "leg": "pickup",
        "sender": CITIZEN,
        "recipient": DESK,
        "hamlet_name": "Phước Lăng",
        "procedure_name": "Đăng ký khai sinh",
        "fee_vnd": 50_000,
        "booked_on": dt.date(2026, 11, 27),
        "tracking_url": BASE_URL + tracking_no,
    }
    return LabelData(**(values | changes))


def longest_label(tracking_no: str) -> LabelData:
    party = Party(LONG_NAME, "+84 912 345 678", LONG_ADDRESS)
    return label(
        tracking_no,
        leg="return",
        sender=party,
        recipient=party,
        hamlet_name="Phước Lăng Trung Hạ Nghĩa Trinh",
        procedure_name=LONG_PROCEDURE,
        fee_vnd=1_234_567_890,
    )


def receipt(**changes) -> ReceiptData:
    values = {
        "dossier_id": "HS-2026-000123",
        "commune_name": "UBND xã Tam Phước",
        "desk_name": "Bộ phận Tiếp nhận và Trả kết quả",
        "applicant": CITIZEN,
        "procedure_code": "1.001193",
        "procedure_name": "Đăng ký khai sinh",
        "documents": [
            DocumentLine("Tờ khai đăng ký khai sinh", "original", 1),
            DocumentLine("Giấy chứng sinh", "original", 1),
            DocumentLine("Căn cước công dân của cha, mẹ", "copy", 2),
            DocumentLine("Giấy chứng nhận kết hôn", "copy", None),
        ],
        "pickup_tracking_no": "RR123456785VN",
        "return_tracking_no": s10(87654321),
        "fee_vnd": 0,
        "booked_at": dt.datetime(2026, 11, 27, 2, 5, tzinfo=dt.UTC),
        "expected_pickup_date": dt.date(2026, 11, 28),
        "tracking_url": BASE_URL + "RR123456785VN",
        "portal_dossier_no": "000.00.20.H03-261127-0001",
    }
    return ReceiptData(**(values | changes))


def handover(count: int, **changes) -> HandoverData:
    lines = [
        HandoverLine(s10(10_000_000 + 7919 * i), "Nguyễn T. H.", "Phước Lăng", "Đăng ký khai sinh")
        for i in range(count)
    ]
    values = {
        "handover_id": "BG-2026-0042",
        "direction": "to_desk",
        "at": dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC),
        "commune_name": "xã Tam Phước",
        "from_party": "Bưu điện văn hóa xã Tam Phước (Lê Văn Ưng)",
        "to_party": "Bộ phận Một cửa UBND xã Tam Phước (Trần Thị Ỷ)",
        "lines": lines,
    }
    return HandoverData(**(values | changes))


def manifest(count: int, **changes) -> ManifestData:
    stops = [
        ManifestStop(
            order=i + 1,
            tracking_no=s10(20_000_000 + 7919 * i),
            name=LONG_NAME if i == 0 else "Nguyễn Thị Hằng",
            phone="0912 345 678",
            address=LONG_ADDRESS if i == 0 else "Số 12, tổ 3, Đường Ưng Văn Khiêm, Ấp Phước Lăng",
            hamlet_name="Phước Lăng",
            fee_vnd=50_000 if i % 3 == 0 else None,
            leg_km=0.8 + i / 10,
            next_step="Gọi điện trước khi đến" if i % 5 == 0 else None,
        )
        for i in range(count)
    ]
    values = {
        "date": dt.date(2026, 11, 27),
        "kind": "pickup",
        "postman_name": "Lê Văn Ưng",
        "commune_name": "Bưu điện văn hóa xã Tam Phước",
        "stops": stops,
        "total_km": 23.4,
    }
    return ManifestData(**(values | changes))


def decode_pages(pdf: bytes, dpi: int = PRINTER_DPI) -> list[list[tuple[str, str]]]:
    """Every page rasterised (by default at the label printer's 203 dpi), then scanned: [(format, text)]."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            [
                (found.format.name, found.text)
                for found in zxingcpp.read_barcodes(page.render(scale=dpi / 72).to_pil())
            ]
            for page in document
        ]
    finally:
        document.close()


def codes(pdf: bytes, kind: str, dpi: int = PRINTER_DPI) -> list[str]:
    """The decoded texts of one symbology ("Code128", "QRCode") over all pages."""
    return [text for page in decode_pages(pdf, dpi) for found_kind, text in page if found_kind == kind]


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def page_texts(pdf: bytes) -> list[str]:
    return [nfc(page.extract_text()) for page in PdfReader(io.BytesIO(pdf)).pages]


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in PdfReader(io.BytesIO(pdf)).pages]


@dataclass(frozen=True)
class TextRun:
    page: int
    text: str
    x: float
    y: float
    width: float


def text_runs(pdf: bytes) -> list[TextRun]:
    """Every shown string with its origin and its width in the embedded font."""
    register_fonts()
    runs: list[TextRun] = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, font, size, number=number):
            text = text.strip()
            if not text or not font:
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            font_name = str(font["/BaseFont"]).split("+")[-1]  # subset tag: "AAAAAA+DejaVuSans"
            runs.append(TextRun(number, nfc(text), x, y, stringWidth(text, font_name, size)))

        page.extract_text(visitor_text=visit)
    return runs
