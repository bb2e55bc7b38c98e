"""Shipping labels: 100 x 150 mm thermal stock (``a6``) or four to an A4 sheet with cut marks.

Drawn straight onto a reportlab canvas (no platypus): a batch of hundreds of labels must render
in about a second, see bench/labels_bench.py.
"""

import datetime as dt
from collections.abc import Sequence
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
        for label in labels:
            _draw_label(canvas, label, 0, 0, *A6_SIZE)
            canvas.showPage()
    else:
        per_page = A4_GRID[0] * A4_GRID[1]
        for first in range(0, len(labels), per_page):
            _draw_cut_marks(canvas)
            for i, label in enumerate(labels[first : first + per_page]):
                _draw_label(canvas, label, *a4_cell_origin(i), *A4_CELL)
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


def _draw_label(canvas: Canvas, label: LabelData, x0: float, y0: float, width: float, height: float) -> None:
    left, right = x0 + MARGIN, x0 + width - MARGIN
    inner = right - left
    top = y0 + height - MARGIN

    # Header: the leg in words, white on black so it reads from across the sorting table.
    canvas.rect(left, top - HEADER_H, inner, HEADER_H, stroke=0, fill=1)
    canvas.setFillGray(1)
    fit_text(LEG_TITLES[label.leg], FONT_BOLD, inner * 0.62, HEADER_H, 17, 10).draw(canvas, left + GAP, top - 2 * mm)
    canvas.setFont(FONT_BOLD, 7)
    canvas.drawRightString(right - GAP, top - 4 * mm, "BƯU CHÍNH CÔNG ÍCH")
    canvas.setFont(FONT_REGULAR, 7.5)
    canvas.drawRightString(right - GAP, top - 8 * mm, f"Ngày gửi {format_date(label.booked_on)}")
    canvas.setFillGray(0)
    top -= HEADER_H

    # Hamlet in large type: the first thing the postman sorts by.
    _caption(canvas, "ẤP", left, top - GAP)
    fit_text(label.hamlet_name, FONT_BOLD, inner, HAMLET_H - 4 * mm, 28, 12).draw(canvas, left, top - 3.5 * mm)
    top -= HAMLET_H
    _rule(canvas, left, right, top)

    # Barcode, centred, with the number grouped for reading aloud under it.
    barcode = code128(label.tracking_no, inner)
    barcode.draw(canvas, left + (inner - barcode.width) / 2, top - GAP - BARS_H, BARS_H)
    number = fit_text(group_tracking_no(label.tracking_no), FONT_BOLD, inner, 8 * mm, 18, 10)
    canvas.setFont(FONT_BOLD, number.size)
    canvas.drawCentredString(left + inner / 2, top - GAP - BARS_H - number.size - 1 * mm, number.lines[0])
    top -= BARCODE_H
    _rule(canvas, left, right, top)

    recipient_h = top - (y0 + MARGIN + SENDER_H + FOOTER_H)
    _draw_party(canvas, "NGƯỜI NHẬN", label.recipient, RECIPIENT_STYLE, left, top, inner, recipient_h)
    top -= recipient_h
    _rule(canvas, left, right, top)
    _draw_party(canvas, "NGƯỜI GỬI", label.sender, SENDER_STYLE, left, top, inner, SENDER_H)
    top -= SENDER_H
    _rule(canvas, left, right, top)

    # Footer: procedure and fee on the left, the QR code to the tracking page on the right.
    qr = qr_code(label.tracking_url, QR_MAX)
    qr.draw(canvas, right - qr.size, top - qr.size)
    text_w = inner - qr.size - GAP
    fee_h = 7 * mm if label.fee_vnd else 0
    _caption(canvas, "THỦ TỤC", left, top - GAP)
    procedure_h = FOOTER_H - 5 * mm - fee_h
    fit_text(label.procedure_name, FONT_REGULAR, text_w, procedure_h, 9, MIN_SIZE).draw(canvas, left, top - 4 * mm)
    if label.fee_vnd:
        fee = fit_text(f"THU HỘ {format_vnd(label.fee_vnd)}", FONT_BOLD, text_w - 2 * mm, fee_h, 12, 7)
        box_y = y0 + MARGIN + 0.5 * mm
        canvas.rect(left, box_y, text_w, fee_h - 1 * mm, stroke=1, fill=0)
        fee.draw(canvas, left + 1 * mm, box_y + fee_h - 1 * mm - (fee_h - 1 * mm - fee.size) / 2)


def _draw_party(
    canvas: Canvas,
    caption: str,
    party: Party,
    style: PartyStyle,
    left: float,
    top: float,
    width: float,
    height: float,
) -> None:
    """Caption, name and phone (bold), then the address in the remaining height."""
    bottom = top - height + 0.5 * mm
    _caption(canvas, caption, left, top - GAP)
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
    canvas.setLineWidth(0.6)
    canvas.line(left, y, right, y)
