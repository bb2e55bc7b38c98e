"""Shipping labels: 100 x 150 mm thermal stock (``a6``) or four to an A4 sheet with cut marks.

Drawn straight onto a reportlab canvas (no platypus): a batch of hundreds of labels must render
in about a second, see bench/labels_bench.py. What every label has in the same place (the
header's band, captions, rules) is drawn once per document as forms that each label shows.
"""

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from typing import Literal, NamedTuple

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from labels.codes import DOT, code128, qr_code
from labels.fonts import FONT_BOLD, FONT_REGULAR
from labels.formatting import format_date, format_vnd, group_tracking_no
from labels.pdf import new_canvas
from labels.text import LEADING, fit_text

LEG_TITLES = {"pickup": "THU GOM HỒ SƠ", "return": "TRẢ KẾT QUẢ"}

A6_SIZE = (100 * mm, 150 * mm)
"""Not ISO A6 (105 x 148): the common 4 x 6 in thermal label stock, 100 x 150 mm."""

A4_CELL = (100 * mm, 140 * mm)
A4_GRID = (2, 2)  # columns, rows

MARGIN = 3 * mm
"""Thermal heads do not print to the very edge of the stock, nor do office printers."""


@dataclass(frozen=True)
class Party:
    """A sender or recipient block."""

    name: str
    phone: str | None
    address: str


@dataclass(frozen=True)
class LabelData:
    tracking_no: str
    leg: str  # "pickup" | "return"
    sender: Party
    recipient: Party
    hamlet_name: str  # printed large: the postman sorts by hamlet (ấp)
    procedure_name: str
    fee_vnd: int | None  # to collect from the citizen; None or 0: nothing
    booked_on: dt.date
    tracking_url: str  # public tracking link, encoded in the QR code


def render_labels(labels: Sequence[LabelData], size: Literal["a6", "a4"]) -> bytes:
    """All ``labels`` in one PDF: one 100 x 150 mm page each (``a6``) or four per A4 sheet."""
    if size not in ("a6", "a4"):
        raise ValueError(f"label size must be 'a6' or 'a4', not {size!r}")
    if not labels:
        raise ValueError("no labels to render")
    for label in labels:
        if label.leg not in LEG_TITLES:
            raise ValueError(f"{label.tracking_no}: unknown leg {label.leg!r}")
    out = BytesIO()
    canvas = new_canvas(out, A6_SIZE if size == "a6" else A4, "Nhãn bưu gửi")
    if size == "a6":
        _define_frame(canvas, 0, 0, 0, *A6_SIZE)
        for label in labels:
            _draw_label(canvas, label, 0, 0, 0, *A6_SIZE)
            canvas.showPage()
    else:
        per_page = A4_GRID[0] * A4_GRID[1]
        for place in range(per_page):
            _define_frame(canvas, place, *a4_cell_origin(place), *A4_CELL)
        for first in range(0, len(labels), per_page):
            _draw_cut_marks(canvas)
            for place, label in enumerate(labels[first : first + per_page]):
                _draw_label(canvas, label, place, *a4_cell_origin(place), *A4_CELL)
            canvas.showPage()
    canvas.save()
    return out.getvalue()


def a4_cell_origin(index: int) -> tuple[float, float]:
    """Bottom-left corner of cell ``index`` (row by row from the top left), on the dot grid."""
    column, row = index % A4_GRID[0], index // A4_GRID[0]
    left, bottom = _a4_sheet_margins()
    x = left + column * A4_CELL[0]
    y = A4[1] - bottom - (row + 1) * A4_CELL[1]
    return round(x / DOT) * DOT, round(y / DOT) * DOT


def _a4_sheet_margins() -> tuple[float, float]:
    return (A4[0] - A4_GRID[0] * A4_CELL[0]) / 2, (A4[1] - A4_GRID[1] * A4_CELL[1]) / 2


def _draw_cut_marks(canvas: Canvas) -> None:
    """Short ticks in the sheet margins along every cut line, kept off the labels themselves."""
    left, bottom = _a4_sheet_margins()
    gap, length = 1 * mm, 3 * mm
    path = canvas.beginPath()
    for column in range(A4_GRID[0] + 1):
        x = left + column * A4_CELL[0]
        for y0, y1 in ((bottom - gap, bottom - gap - length), (A4[1] - bottom + gap, A4[1] - bottom + gap + length)):
            path.moveTo(x, y0)
            path.lineTo(x, y1)
    for row in range(A4_GRID[1] + 1):
        y = bottom + row * A4_CELL[1]
        for x0, x1 in ((left - gap, left - gap - length), (A4[0] - left + gap, A4[0] - left + gap + length)):
            path.moveTo(x0, y)
            path.lineTo(x1, y)
    canvas.setLineWidth(0.3)
    canvas.drawPath(path, stroke=1, fill=0)


# Heights of the fixed bands, top to bottom; the recipient block takes what is left.
HEADER_H = 10 * mm
HAMLET_H = 16 * mm
BARCODE_H = 25.5 * mm
BARS_H = 16 * mm
SENDER_H = 19 * mm
FOOTER_H = 31 * mm
QR_MAX = 29 * mm
CAPTION_SIZE = 6.5
RULE_WIDTH = 0.6  # the rules between the bands and the fee's box
GAP = 1.2 * mm
MIN_SIZE = 6
"""Smallest type on a label (pt); below it 203 dpi smears the diacritics together."""


class PartyStyle(NamedTuple):
    name_size: float
    name_lines: int
    phone_size: float
    address_size: float


RECIPIENT_STYLE = PartyStyle(13, 2, 11, 10)  # where it goes: read at arm's length
SENDER_STYLE = PartyStyle(9, 1, 8, 8)


class _Bands(NamedTuple):
    """The top edge of each band of a label."""

    header: float
    hamlet: float
    barcode: float
    recipient: float  # takes the height the fixed bands leave
    sender: float
    footer: float


def _bands(y0: float, height: float) -> _Bands:
    header = y0 + height - MARGIN
    footer = y0 + MARGIN + FOOTER_H
    return _Bands(
        header=header,
        hamlet=header - HEADER_H,
        barcode=header - HEADER_H - HAMLET_H,
        recipient=header - HEADER_H - HAMLET_H - BARCODE_H,
        sender=footer + SENDER_H,
        footer=footer,
    )


def _frame_part(place: int, part: str) -> str:
    """The form that holds ``part`` of the frame of the label in ``place`` on the page."""
    return f"label-{place}-{part}"


@contextmanager
def _form(canvas: Canvas, name: str) -> Iterator[None]:
    canvas.beginForm(name)
    yield
    canvas.endForm()


def _define_frame(canvas: Canvas, place: int, x0: float, y0: float, width: float, height: float) -> None:
    """What is the same on every label in ``place``, as forms (``_frame_part``).

    Shown on each label they are one operator each; drawn label by label, their text and lines
    took 15-20% of a batch's time. One form per band, each shown just before the label's own
    content of the band, so text extraction reads every caption before what it captions. Drawn
    in page coordinates (one set per place on an A4 sheet), so it finds them where they print.
    """
    bands = _bands(y0, height)
    left, right = x0 + MARGIN, x0 + width - MARGIN
    with _form(canvas, _frame_part(place, "band")):
        # The leg in words goes on this band, white on black, to read across the sorting table.
        canvas.rect(left, bands.hamlet, right - left, HEADER_H, stroke=0, fill=1)
    with _form(canvas, _frame_part(place, "heading")):
        canvas.setFillGray(1)
        canvas.setFont(FONT_BOLD, 7)
        canvas.drawRightString(right - GAP, bands.header - 4 * mm, "BƯU CHÍNH CÔNG ÍCH")
    with _form(canvas, _frame_part(place, "hamlet")):
        _caption(canvas, "ẤP", left, bands.hamlet - GAP)
    with _form(canvas, _frame_part(place, "barcode")):
        _rule(canvas, left, right, bands.barcode)
    for band, caption in (("recipient", "NGƯỜI NHẬN"), ("sender", "NGƯỜI GỬI"), ("footer", "THỦ TỤC")):
        with _form(canvas, _frame_part(place, band)):
            top = getattr(bands, band)
            _rule(canvas, left, right, top)
            _caption(canvas, caption, left, top - GAP)


def _draw_label(
    canvas: Canvas, label: LabelData, place: int, x0: float, y0: float, width: float, height: float
) -> None:
    """The label on the frame of its ``place`` (``_define_frame``)."""
    bands = _bands(y0, height)
    left, right = x0 + MARGIN, x0 + width - MARGIN
    inner = right - left

    def frame(part: str) -> None:
        canvas.doForm(_frame_part(place, part))

    # Header: the leg and the booking date, white on the frame's black band.
    frame("band")
    canvas.setFillGray(1)
    top = bands.header
    fit_text(LEG_TITLES[label.leg], FONT_BOLD, inner * 0.62, HEADER_H, 17, 10).draw(canvas, left + GAP, top - 2 * mm)
    frame("heading")
    canvas.setFont(FONT_REGULAR, 7.5)
    canvas.drawRightString(right - GAP, top - 8 * mm, f"Ngày gửi {format_date(label.booked_on)}")
    canvas.setFillGray(0)

    # Hamlet in large type: the first thing the postman sorts by.
    frame("hamlet")
    top = bands.hamlet
    fit_text(label.hamlet_name, FONT_BOLD, inner, HAMLET_H - 4 * mm, 28, 12).draw(canvas, left, top - 3.5 * mm)

    # Barcode, centred, with the number grouped for reading aloud under it.
    frame("barcode")
    top = bands.barcode
    barcode = code128(label.tracking_no, inner)
    barcode.draw(canvas, left + (inner - barcode.width) / 2, top - GAP - BARS_H, BARS_H)
    number = fit_text(group_tracking_no(label.tracking_no), FONT_BOLD, inner, 8 * mm, 18, 10)
    canvas.setFont(FONT_BOLD, number.size)
    canvas.drawCentredString(left + inner / 2, top - GAP - BARS_H - number.size - 1 * mm, number.lines[0])

    frame("recipient")
    _draw_party(canvas, label.recipient, RECIPIENT_STYLE, left, bands.recipient, inner, bands.recipient - bands.sender)
    frame("sender")
    _draw_party(canvas, label.sender, SENDER_STYLE, left, bands.sender, inner, SENDER_H)

    # Footer: procedure and fee on the left, the QR code to the tracking page on the right.
    frame("footer")
    top = bands.footer
    qr = qr_code(label.tracking_url, QR_MAX)
    qr.draw(canvas, right - qr.size, top - qr.size)
    text_w = inner - qr.size - GAP
    fee_h = 7 * mm if label.fee_vnd else 0
    procedure_h = FOOTER_H - 5 * mm - fee_h
    fit_text(label.procedure_name, FONT_REGULAR, text_w, procedure_h, 9, MIN_SIZE).draw(canvas, left, top - 4 * mm)
    if label.fee_vnd:
        fee = fit_text(f"THU HỘ {format_vnd(label.fee_vnd)}", FONT_BOLD, text_w - 2 * mm, fee_h, 12, 7)
        box_y = y0 + MARGIN + 0.5 * mm
        canvas.setLineWidth(RULE_WIDTH)
        canvas.rect(left, box_y, text_w, fee_h - 1 * mm, stroke=1, fill=0)
        fee.draw(canvas, left + 1 * mm, box_y + fee_h - 1 * mm - (fee_h - 1 * mm - fee.size) / 2)


def _draw_party(
    canvas: Canvas,
    party: Party,
    style: PartyStyle,
    left: float,
    top: float,
    width: float,
    height: float,
) -> None:
    """Name and phone (bold) under the frame's caption, then the address in the remaining height."""
    bottom = top - height + 0.5 * mm
    top -= GAP + CAPTION_SIZE + 0.5 * mm
    name_h = style.name_lines * style.name_size * LEADING
    name = fit_text(party.name, FONT_BOLD, width, name_h, style.name_size, MIN_SIZE + 1)
    name.draw(canvas, left, top)
    top -= name.height
    if party.phone:
        phone_h = style.phone_size * LEADING
        phone = fit_text(f"ĐT: {party.phone}", FONT_BOLD, width, phone_h, style.phone_size, MIN_SIZE + 1)
        phone.draw(canvas, left, top)
        top -= phone.height
    fit_text(party.address, FONT_REGULAR, width, top - bottom, style.address_size, MIN_SIZE).draw(canvas, left, top)


def _caption(canvas: Canvas, text: str, x: float, top: float) -> None:
    canvas.setFont(FONT_BOLD, CAPTION_SIZE)
    canvas.drawString(x, top - CAPTION_SIZE * 0.8, text)


def _rule(canvas: Canvas, left: float, right: float, y: float) -> None:
    canvas.setLineWidth(RULE_WIDTH)
    canvas.line(left, y, right, y)
