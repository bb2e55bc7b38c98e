"""The postman's route sheet (bảng kê): the day's stops in route order, signed at each stop."""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer

from labels.a4doc import (
    BODY,
    CELL,
    CENTRED,
    NUMBER,
    SMALL,
    TITLE,
    build_pdf,
    data_table,
    para,
    signature_boxes,
)
from labels.formatting import format_date, format_km, format_vnd

TITLES = {"pickup": "BẢNG KÊ THU GOM HỒ SƠ", "delivery": "BẢNG KÊ PHÁT KẾT QUẢ"}
SIGN_ROOM = 11 * mm
"""Every row is at least this tall, so there is room for the citizen's signature."""


@dataclass(frozen=True)
class ManifestStop:
    order: int
    tracking_no: str
    name: str
    phone: str | None
    address: str
    hamlet_name: str
    fee_vnd: int | None  # to collect at this stop
    leg_km: float  # from the previous stop
    next_step: str | None  # e.g. what to do after an earlier failed attempt
    booked_commune_name: str | None = None  # the commune its label names, when not the manifest's


@dataclass(frozen=True)
class ManifestData:
    date: dt.date
    kind: str  # "pickup" | "delivery"
    postman_name: str | None
    commune_name: str
    stops: Sequence[ManifestStop]
    total_km: float


def render_manifest(data: ManifestData) -> bytes:
    """A4 portrait: one row per stop, header row repeated on every page, totals, signatures."""
    if data.kind not in TITLES:
        raise ValueError(f"manifest kind must be one of {sorted(TITLES)}, not {data.kind!r}")
    note = ParagraphStyle("note", parent=SMALL, leftIndent=4)
    rows = []
    for stop in data.stops:
        hamlet = stop.hamlet_name + (f", xã {stop.booked_commune_name}" if stop.booked_commune_name else "")
        address = [para(f"{hamlet} · +{format_km(stop.leg_km)}", CELL, bold=True), para(stop.address, CELL)]
        if stop.next_step:
            address.append(para(f"→ {stop.next_step}", note))
        rows.append(
            [
                para(str(stop.order), CELL, bold=True),
                para(stop.tracking_no, NUMBER),
                para(stop.name, CELL),
                para(stop.phone or "", CELL),
                address,
                para(format_vnd(stop.fee_vnd) if stop.fee_vnd else "", CELL),
                Spacer(1, SIGN_ROOM),
            ]
        )
    total_fee = sum(stop.fee_vnd or 0 for stop in data.stops)
    summary = (
        f"Ngày {format_date(data.date)} · Bưu tá: {data.postman_name or '………………'} · "
        f"{len(data.stops)} điểm · {format_km(data.total_km)} · Tổng thu hộ: {format_vnd(total_fee)}"
    )
    story = [
        para(data.commune_name, CENTRED),
        para(TITLES[data.kind], TITLE),
        para(summary, CENTRED),
        Spacer(1, 4 * mm),
        data_table(
            ["TT", "Số hiệu", "Họ tên", "Điện thoại", "Địa chỉ", "Thu hộ", "Ký nhận"],
            rows,
            [9, 33, 29, 25, None, 21, 20],
        ),
        Spacer(1, 4 * mm),
        para(f"Tổng cộng: {len(data.stops)} bưu gửi; tiền thu hộ: {format_vnd(total_fee)}.", BODY, bold=True),
        Spacer(1, 4 * mm),
        KeepTogether(signature_boxes([("BƯU TÁ", data.postman_name or ""), ("NGƯỜI KIỂM SOÁT", "")])),
    ]
    title = f"{TITLES[data.kind].capitalize()} ngày {format_date(data.date)}"
    return build_pdf(story, title, title)
