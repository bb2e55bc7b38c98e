"""Shared parts of the A4 paperwork (receipt, handover record, route manifest), built with platypus.

Unlike labels these are one document at a time, so platypus' flowing layout (tables that break
across pages and repeat their header row) is worth its cost.
"""

from collections.abc import Sequence
from functools import partial
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from labels.codes import code128, qr_code
from labels.fonts import FONT_BOLD, FONT_FAMILY, FONT_REGULAR, register_fonts
from labels.formatting import group_tracking_no, nfc
from labels.pdf import use_binary_streams

MARGIN = 12 * mm
FRAME_PADDING = 6  # platypus' default inside the page margins
FRAME_WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING

BODY = ParagraphStyle("body", fontName=FONT_FAMILY, fontSize=10, leading=13)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8, leading=10)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=9, leading=11)
NUMBER = ParagraphStyle("number", parent=CELL, fontName=FONT_BOLD, fontSize=8.5)
"""Tracking numbers in tables: small enough to stay on one line in a 33 mm column."""
CENTRED = ParagraphStyle("centred", parent=BODY, alignment=TA_CENTER)
TITLE = ParagraphStyle("title", parent=CENTRED, fontName=FONT_BOLD, fontSize=15, leading=19, spaceBefore=6)
HEADING = ParagraphStyle("heading", parent=BODY, fontName=FONT_BOLD, spaceBefore=8, spaceAfter=3)

GRID: list[Any] = [
    ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e6e6")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 3),
    ("RIGHTPADDING", (0, 0), (-1, -1), 3),
]


def para(text: str, style: ParagraphStyle = BODY, bold: bool = False) -> Paragraph:
    """A paragraph of caller data: escaped (a name may contain "&" or "<") and NFC-normalised."""
    register_fonts()  # paragraphs resolve the font family as they are built, not when drawn
    markup = escape(nfc(text))
    return Paragraph(f"<b>{markup}</b>" if bold else markup, style)


def national_heading(issuer: str, unit: str) -> Table:
    """The two-column heading of Vietnamese administrative papers: issuer left, motto right."""
    issuer_style = ParagraphStyle("issuer", parent=CENTRED, fontSize=9.5, leading=12)
    left = [para(issuer, issuer_style), para(unit, issuer_style, bold=True)]
    right = [
        para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", issuer_style, bold=True),
        para("Độc lập - Tự do - Hạnh phúc", issuer_style, bold=True),
    ]
    table = Table([[left, right]], colWidths=[FRAME_WIDTH * 0.42, FRAME_WIDTH * 0.58])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    return table


def data_table(header: Sequence[str], rows: list[list], widths_mm: Sequence[float | None]) -> Table:
    """A gridded table, as wide as the frame, that repeats its header row on every page.

    One column's width is ``None``: it takes what the others leave.
    """
    rest = FRAME_WIDTH - sum(w * mm for w in widths_mm if w is not None)
    head_style = ParagraphStyle("head", parent=CELL, fontName=FONT_BOLD, alignment=TA_CENTER)
    table = Table(
        [[para(h, head_style) for h in header], *rows],
        colWidths=[rest if w is None else w * mm for w in widths_mm],
        repeatRows=1,
    )
    table.setStyle(TableStyle(GRID))
    return table


def signature_boxes(parties: Sequence[tuple[str, str]]) -> Table:
    """Side-by-side boxes, each with a role, the signing instruction, room to sign and a name."""
    role_style = ParagraphStyle("role", parent=CENTRED, fontName=FONT_BOLD)
    hint_style = ParagraphStyle("hint", parent=SMALL, alignment=TA_CENTER)
    cells = [
        [
            para(role, role_style),
            para("(Ký, ghi rõ họ tên)", hint_style),
            Spacer(1, 22 * mm),
            para(name, CENTRED, bold=True),
        ]
        for role, name in parties
    ]
    table = Table([cells], colWidths=[FRAME_WIDTH / len(parties)] * len(parties))
    table.setStyle(
        [
            ("BOX", (0, 0), (-1, -1), 0.5, colors.black),
            ("INNERGRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    return table


class Code128Flowable(Flowable):
    """A tracking number as Code 128 bars with the grouped number under them."""

    TEXT_SIZE = 11

    def __init__(self, tracking_no: str, bar_height: float = 13 * mm, max_width: float = FRAME_WIDTH) -> None:
        super().__init__()
        self.symbol = code128(tracking_no, max_width)
        self.text = group_tracking_no(tracking_no)
        self.bar_height = bar_height
        self.width = self.symbol.width
        self.height = bar_height + self.TEXT_SIZE * 1.4

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        text_h = self.TEXT_SIZE * 1.4
        self.symbol.draw(self.canv, 0, text_h, self.bar_height)
        self.canv.setFont(FONT_BOLD, self.TEXT_SIZE)
        self.canv.drawCentredString(self.width / 2, 2, self.text)


class QrFlowable(Flowable):
    def __init__(self, data: str, max_size: float) -> None:
        super().__init__()
        self.symbol = qr_code(data, max_size)
        self.width = self.height = self.symbol.size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.symbol.draw(self.canv, 0, 0)


class _NumberedCanvas(Canvas):
    """Writes "<footer> · Trang x/y" on every page, so a missing page of a signed record shows.

    The total is known only at the end: pages are kept and written out on ``save``.
    """

    def __init__(self, *args: Any, footer: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_binary_streams(self)
        self._footer = nfc(footer)
        self._pages: list[dict] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own page reset, not in the stubs

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self.setFont(FONT_REGULAR, 8)
            self.drawRightString(A4[0] - MARGIN - FRAME_PADDING, MARGIN / 2, f"{self._footer} · Trang {number}/{total}")
            super().showPage()
        super().save()


def build_pdf(story: list, title: str, footer: str) -> bytes:
    """Lay ``story`` out on A4 portrait pages and return the PDF."""
    out = BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=nfc(title),
        creator="postal-tracker",
    )
    doc.build(story, canvasmaker=partial(_NumberedCanvas, footer=footer))
    return out.getvalue()
