"""The hand-over record (biên bản giao nhận) signed when many parcels change hands at once."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from labels.a4doc import (
    BODY,
    CELL,
    CENTRED,
    NUMBER,
    TITLE,
    build_pdf,
    data_table,
    national_heading,
    para,
    signature_boxes,
)
from labels.formatting import format_datetime

DIRECTIONS = {
    "to_desk": "Giao hồ sơ thủ tục hành chính từ bưu điện cho Bộ phận Một cửa",
    "from_desk": "Giao kết quả giải quyết thủ tục hành chính từ Bộ phận Một cửa cho bưu điện",
}


@dataclass(frozen=True)
class HandoverLine:
    tracking_no: str
    applicant_name: str  # masked or full, as the caller decides
    hamlet_name: str
    procedure_name: str


@dataclass(frozen=True)
class HandoverData:
    handover_id: str
    direction: str  # "to_desk" | "from_desk"
    at: dt.datetime
    commune_name: str
    from_party: str
    to_party: str
    lines: Sequence[HandoverLine]


def render_handover(data: HandoverData) -> bytes:
    """A4 record: numbered table (header row repeated on every page), count, two signatures."""
    if data.direction not in DIRECTIONS:
        raise ValueError(f"handover direction must be one of {sorted(DIRECTIONS)}, not {data.direction!r}")
    rows = [
        [
            para(str(number), CELL),
            para(line.tracking_no, NUMBER),
            para(line.applicant_name, CELL),
            para(line.hamlet_name, CELL),
            para(line.procedure_name, CELL),
        ]
        for number, line in enumerate(data.lines, start=1)
    ]
    count = len(data.lines)
    story = [
        national_heading(data.commune_name, "Dịch vụ bưu chính công ích"),
        Spacer(1, 4 * mm),
        para("BIÊN BẢN GIAO NHẬN", TITLE),
        para(DIRECTIONS[data.direction], CENTRED),
        para(f"Số: {data.handover_id}", CENTRED),
        Spacer(1, 4 * mm),
        para(f"Hôm nay, vào lúc {format_datetime(data.at)}, tại {data.commune_name}, chúng tôi gồm:", BODY),
        para(f"Bên giao: {data.from_party}", BODY, bold=True),
        para(f"Bên nhận: {data.to_party}", BODY, bold=True),
        para(f"cùng kiểm đếm và giao nhận {count} bưu gửi theo danh sách sau:", BODY),
        Spacer(1, 2 * mm),
        data_table(["STT", "Số hiệu bưu gửi", "Người nộp / nhận", "Ấp", "Thủ tục"], rows, [11, 33, 42, 28, None]),
        Spacer(1, 3 * mm),
        para(f"Tổng cộng: {count} bưu gửi. Biên bản lập thành 02 bản, mỗi bên giữ 01 bản.", BODY, bold=True),
        Spacer(1, 4 * mm),
        KeepTogether(signature_boxes([("BÊN GIAO", data.from_party), ("BÊN NHẬN", data.to_party)])),
    ]
    title = f"Biên bản giao nhận {data.handover_id}"
    return build_pdf(story, title, title)
