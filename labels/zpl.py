"""Shipping labels as ZPL II for Zebra-compatible thermal printers (pure: data in, bytes out).

The same fields as the A6 PDF label (`labels.label`), on the same 100 x 150 mm stock at 203 dpi
(8 dots a millimetre: 800 x 1200 dots): the leg, the date, the hamlet in large type, the number as
Code 128 and grouped for reading aloud, recipient and sender (name, phone, address), the procedure,
the fee to collect, and the tracking link as a QR code.

Text is UTF-8 (`^CI28`). Every field goes through `^FH` hex escapes for the three characters ZPL
itself reads (`^`, `~`, and `_`, the escape character), so nothing a citizen typed can end a field
or inject a command. The printer draws the text in the font `font` names: `0` (resident, scalable)
covers Latin-1 only, so Vietnamese needs a Unicode TrueType font stored on the printer, e.g. the
bundled DejaVu Sans sent once as `E:DEJAVU.TTF` and passed as `font="E:DEJAVU.TTF"`.
"""

from __future__ import annotations

from collections.abc import Sequence

from labels.formatting import format_date, format_vnd, group_tracking_no, nfc
from labels.label import LEG_TITLES, LabelData, Party

DOTS_PER_MM = 8  # 203 dpi
WIDTH, HEIGHT = 100 * DOTS_PER_MM, 150 * DOTS_PER_MM
MARGIN = 3 * DOTS_PER_MM
INNER = WIDTH - 2 * MARGIN
MODULE = 3  # Code 128 bar width in dots (0.375 mm): decoded reliably at 203 dpi (MEASURED.md)

_ESCAPES = str.maketrans({"^": "_5E", "~": "_7E", "_": "_5F"})


def field_data(text: str) -> str:
    """`^FH^FD...^FS` content: NFC, one line, ZPL's own characters as hex escapes."""
    clean = " ".join(nfc(text).split())
    return clean.translate(_ESCAPES)


class _Label:
    def __init__(self, font: str) -> None:
        self.commands: list[str] = []
        self.font = font

    def text(
        self, x: int, y: int, text: str, height: int, *, width: int = INNER, lines: int = 1,
        align: str = "L", reverse: bool = False,
    ) -> None:  # fmt: skip
        font = f"^A@N,{height},{height},{self.font}" if ":" in self.font else f"^A{self.font}N,{height},{height}"
        self.commands.append(
            f"^FO{x},{y}{font}^FB{width},{lines},0,{align},0{'^FR' if reverse else ''}^FH^FD{field_data(text)}^FS"
        )

    def box(self, x: int, y: int, width: int, height: int, thickness: int) -> None:
        self.commands.append(f"^FO{x},{y}^GB{width},{height},{thickness}^FS")

    def rule(self, y: int) -> None:
        self.box(MARGIN, y, INNER, 3, 3)


def _code128_width(data: str) -> int:
    """Dots of a Code 128 subset B symbol: start, one symbol a character, check, stop (13 modules)."""
    return (11 * (len(data) + 2) + 13) * MODULE


def _party(label: _Label, caption: str, party: Party, top: int, name_height: int, name_lines: int) -> int:
    label.text(MARGIN, top, caption, 20)
    top += 26
    label.text(MARGIN, top, party.name, name_height, lines=name_lines)
    top += name_height * name_lines + 4
    if party.phone:
        label.text(MARGIN, top, f"ĐT: {party.phone}", name_height - 6)
        top += name_height
    return top


def _one(label_data: LabelData, font: str) -> str:
    if label_data.leg not in LEG_TITLES:
        raise ValueError(f"{label_data.tracking_no}: unknown leg {label_data.leg!r}")
    label = _Label(font)
    # Header, white on black: the leg in words, the service, the day of booking.
    label.box(MARGIN, MARGIN, INNER, 80, 80)
    label.text(MARGIN + 12, MARGIN + 20, LEG_TITLES[label_data.leg], 44, width=460, reverse=True)
    label.text(MARGIN, MARGIN + 12, "BƯU CHÍNH CÔNG ÍCH", 22, width=INNER - 12, align="R", reverse=True)
    label.text(
        MARGIN, MARGIN + 46, f"Ngày gửi {format_date(label_data.booked_on)}", 22, width=INNER - 12, align="R",
        reverse=True,
    )  # fmt: skip
    # The hamlet in large type: what the postman sorts by.
    label.text(MARGIN, 112, "ẤP", 20)
    label.text(MARGIN, 136, label_data.hamlet_name, 84)
    label.rule(232)
    # The number as Code 128 (subset B, human-readable line drawn by us, grouped), centred.
    x = MARGIN + max(0, (INNER - _code128_width(label_data.tracking_no)) // 2)
    label.commands.append(f"^FO{x},248^BY{MODULE},3,128^BCN,128,N,N,N^FD{label_data.tracking_no}^FS")
    label.text(MARGIN, 386, group_tracking_no(label_data.tracking_no), 40, align="C")
    label.rule(436)
    # Recipient (read at arm's length), then sender, each with the address below.
    top = _party(label, "NGƯỜI NHẬN", label_data.recipient, 448, 40, 2)
    label.text(MARGIN, top, label_data.recipient.address, 30, lines=3)
    label.rule(752)
    top = _party(label, "NGƯỜI GỬI", label_data.sender, 764, 28, 1)
    label.text(MARGIN, top, label_data.sender.address, 24, lines=2)
    label.rule(932)
    # Footer: procedure and fee to collect on the left, the QR code to the tracking page on the right.
    label.text(MARGIN, 944, "THỦ TỤC", 20)
    label.text(MARGIN, 970, label_data.procedure_name, 26, width=500, lines=4)
    if label_data.fee_vnd:
        label.box(MARGIN, 1100, 500, 70, 3)
        label.text(MARGIN + 12, 1116, f"THU HỘ {format_vnd(label_data.fee_vnd)}", 40, width=476)
    label.commands.append(f"^FO{WIDTH - MARGIN - 200},944^BQN,2,5^FH^FDQA,{field_data(label_data.tracking_url)}^FS")
    return "^XA^CI28^PW{w}^LL{h}^LH0,0\n{body}\n^XZ\n".format(w=WIDTH, h=HEIGHT, body="\n".join(label.commands))


def render_zpl(labels: Sequence[LabelData], font: str = "0") -> bytes:
    """All `labels` as one ZPL II document (one `^XA...^XZ` format each), UTF-8."""
    if not labels:
        raise ValueError("no labels to render")
    return "".join(_one(label, font) for label in labels).encode()
