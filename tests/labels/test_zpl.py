"""ZPL II labels, read back by a small parser of the commands they use: every field of the A6
label is there, Vietnamese intact, and nothing a citizen types can become a ZPL command."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pytest

from labels.formatting import group_tracking_no
from labels.zpl import HEIGHT, WIDTH, render_zpl
from tests.labels.builders import BASE_URL, CITIZEN, DESK, LONG_ADDRESS, LONG_NAME, LONG_PROCEDURE, Party, label, s10


@dataclass
class Field:
    x: int
    y: int
    kind: str  # "text", "code128", "qr"
    data: str
    reverse: bool = False


@dataclass
class Format:
    settings: dict[str, str] = field(default_factory=dict)
    fields: list[Field] = field(default_factory=list)
    boxes: list[tuple[int, ...]] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [f.data for f in self.fields if f.kind == "text"]


def _unhex(data: str) -> str:
    """^FH with the default escape `_`: `_XX` is one byte in hex; the bytes are UTF-8 (^CI28)."""
    raw = re.sub(rb"_([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), data.encode())
    return raw.decode("utf-8")


def parse(document: bytes) -> list[Format]:
    text = document.decode("utf-8")
    formats = []
    for body in re.findall(r"\^XA(.*?)\^XZ", text, flags=re.S):
        fmt, origin, kind, hex_escapes, reverse = Format(), (0, 0), "text", False, False
        # Split into commands: "^XX" then its parameters up to the next caret.
        for name, params in re.findall(r"\^([A-Z@][A-Z0-9@]?)([^^]*)", body.replace("\n", "")):
            if name in ("CI", "PW", "LL", "LH"):
                fmt.settings[name] = params
            elif name == "FO":
                x, y = params.split(",")
                origin, kind, hex_escapes, reverse = (int(x), int(y)), "text", False, False
            elif name == "BC":
                kind = "code128"
            elif name == "BQ":
                kind = "qr"
            elif name == "FH":
                hex_escapes = True
            elif name == "FR":
                reverse = True
            elif name == "GB":
                fmt.boxes.append((*origin, *(int(p) for p in params.split(","))))
            elif name == "FD":
                data = _unhex(params) if hex_escapes else params
                fmt.fields.append(Field(*origin, kind, data, reverse))
        formats.append(fmt)
    return formats


def _one(**changes) -> Format:
    (fmt,) = parse(render_zpl([label(**changes)]))
    return fmt


def test_the_page_is_100_by_150_mm_at_203_dpi_in_utf8():
    fmt = _one()
    assert fmt.settings == {"CI": "28", "PW": "800", "LL": "1200", "LH": "0,0"}
    assert (WIDTH, HEIGHT) == (800, 1200)
    for f in fmt.fields:
        assert 0 <= f.x < WIDTH and 0 <= f.y < HEIGHT
    for x, y, w, h, *_ in fmt.boxes:
        assert x + w <= WIDTH and y + h <= HEIGHT


def test_every_field_of_the_a6_label_is_there_with_vietnamese_intact():
    number = "RR123456785VN"
    fmt = _one(tracking_no=number, fee_vnd=50_000)
    texts = fmt.texts()
    (barcode,) = [f for f in fmt.fields if f.kind == "code128"]
    (qr,) = [f for f in fmt.fields if f.kind == "qr"]
    assert barcode.data == number
    assert qr.data == f"QA,{BASE_URL}{number}"
    expected = [
        "THU GOM HỒ SƠ", "BƯU CHÍNH CÔNG ÍCH", "Ngày gửi 27/11/2026", "ẤP", "Phước Lăng",
        group_tracking_no(number), "NGƯỜI NHẬN", DESK.name, f"ĐT: {DESK.phone}", DESK.address,
        "NGƯỜI GỬI", CITIZEN.name, f"ĐT: {CITIZEN.phone}", CITIZEN.address,
        "THỦ TỤC", label().procedure_name, "THU HỘ 50.000 đ",
    ]  # fmt: skip
    assert texts == expected
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    # The header is white on black.
    assert {f.data for f in fmt.fields if f.reverse} == {"THU GOM HỒ SƠ", "BƯU CHÍNH CÔNG ÍCH", "Ngày gửi 27/11/2026"}


def test_the_return_leg_collects_nothing_and_names_its_title():
    fmt = _one(leg="return", sender=DESK, recipient=CITIZEN, fee_vnd=None)
    texts = fmt.texts()
    assert texts[0] == "TRẢ KẾT QUẢ" and not any(t.startswith("THU HỘ") for t in texts)
    assert texts[texts.index("NGƯỜI NHẬN") + 1] == CITIZEN.name


def test_decomposed_input_is_sent_composed():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hằng")
    fmt = _one(recipient=Party(decomposed, None, "Ấp Phước Lăng"))
    assert "Nguyễn Thị Hằng" in fmt.texts()


@pytest.mark.parametrize("hostile", ["^XZ^XA^FDforged^FS", "~JA cancel", "Lê_Văn^FS~", "Tên\nxuống dòng\r"])
def test_what_a_citizen_types_never_becomes_a_command(hostile):
    document = render_zpl([label(sender=Party(hostile, "0912 345 678", hostile))])
    assert document.count(b"^XA") == 1 and document.count(b"^XZ") == 1 and b"~" not in document
    (fmt,) = parse(document)
    assert " ".join(hostile.split()) in fmt.texts()


def test_a_batch_is_one_format_per_label_in_order():
    numbers = [s10(i) for i in range(1, 6)]
    formats = parse(render_zpl([label(tracking_no=n) for n in numbers]))
    assert [next(f.data for f in fmt.fields if f.kind == "code128") for fmt in formats] == numbers


def test_longest_values_are_kept_whole_for_the_printer_to_wrap():
    fmt = _one(recipient=Party(LONG_NAME, "0912 345 678", LONG_ADDRESS), procedure_name=LONG_PROCEDURE)
    assert {LONG_NAME, LONG_ADDRESS, LONG_PROCEDURE} <= set(fmt.texts())


def test_a_printer_font_for_vietnamese_can_be_named():
    document = render_zpl([label()], font="E:DEJAVU.TTF").decode()
    assert "^A@N,84,84,E:DEJAVU.TTF" in document


def test_nothing_to_render_is_an_error():
    with pytest.raises(ValueError, match="no labels"):
        render_zpl([])
