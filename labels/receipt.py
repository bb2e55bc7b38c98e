"""The citizen's receipt (biên nhận / phiếu gửi hồ sơ), signed at pickup by citizen and postman.

It lists the dossier's documents as checked at the door (Decision 45/2016, Circular 17/2017),
both tracking numbers as scannable codes and a QR code to the public tracking page.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Spacer, Table

from labels.a4doc import (
    BODY,
    CELL,
    CENTRED,
    FRAME_WIDTH,
    HEADING,
    SMALL,
    TITLE,
    Code128Flowable,
    QrFlowable,
    build_pdf,
    data_table,
    national_heading,
    para,
    signature_boxes,
)
from labels.formatting import format_date, format_datetime, format_vnd
from labels.label import Party

DOCUMENT_KINDS = {"original": "Bản chính", "copy": "Bản sao"}


@dataclass(frozen=True)
class DocumentLine:
    """One paper of the dossier (giấy tờ) as checked at pickup."""

    name: str
    kind: str  # "original" | "copy"
    pages: int | None


@dataclass(frozen=True)
class ReceiptData:
    dossier_id: str
    commune_name: str
    desk_name: str
    applicant: Party
    procedure_code: str
    procedure_name: str
    documents: Sequence[DocumentLine]
    pickup_tracking_no: str | None
    return_tracking_no: str | None
    fee_vnd: int
    booked_at: dt.datetime
    expected_pickup_date: dt.date | None
    tracking_url: str
    portal_dossier_no: str | None


def render_receipt(data: ReceiptData) -> bytes:
    """One A4 portrait receipt (more pages only for a very long document list)."""
    for document in data.documents:
        if document.kind not in DOCUMENT_KINDS:
            raise ValueError(f"document {document.name!r}: unknown kind {document.kind!r}")
    story = [
        national_heading(data.commune_name, data.desk_name),
        Spacer(1, 4 * mm),
        para("BIÊN NHẬN / PHIẾU GỬI HỒ SƠ", TITLE),
        para("Tiếp nhận hồ sơ thủ tục hành chính qua dịch vụ bưu chính công ích", CENTRED),
        Spacer(1, 4 * mm),
        _facts(data),
        para("DANH MỤC GIẤY TỜ TRONG HỒ SƠ", HEADING),
        *_documents(data.documents),
        para("MÃ BƯU GỬI VÀ TRA CỨU", HEADING),
        _codes(data),
        Spacer(1, 3 * mm),
        para(f"Tra cứu tình trạng hồ sơ: quét mã QR hoặc mở {data.tracking_url}", SMALL),
        para(
            "Ông/bà vui lòng giữ biên nhận này để tra cứu và nhận kết quả. "
            "Hai bên đã kiểm đếm đủ giấy tờ theo danh mục trên.",
            SMALL,
        ),
        Spacer(1, 3 * mm),
        KeepTogether(signature_boxes([("NGƯỜI NỘP HỒ SƠ", data.applicant.name), ("NHÂN VIÊN BƯU CHÍNH", "")])),
    ]
    return build_pdf(story, f"Biên nhận hồ sơ {data.dossier_id}", f"Biên nhận hồ sơ {data.dossier_id}")


def _facts(data: ReceiptData) -> Table:
    facts = [("Mã hồ sơ", f"{data.dossier_id}")]
    if data.portal_dossier_no:
        facts.append(("Số hồ sơ trên Cổng DVC", data.portal_dossier_no))
    facts.append(("Người nộp hồ sơ", data.applicant.name))
    if data.applicant.phone:
        facts.append(("Điện thoại", data.applicant.phone))
    facts += [
        ("Địa chỉ thu gom", data.applicant.address),
        ("Thủ tục", f"{data.procedure_code} – {data.procedure_name}"),
        ("Thời điểm đặt lịch", format_datetime(data.booked_at)),
        (
            "Ngày hẹn thu gom",
            format_date(data.expected_pickup_date) if data.expected_pickup_date else "chưa xác định",
        ),
        ("Phí dịch vụ", format_vnd(data.fee_vnd) if data.fee_vnd else "Miễn phí"),
    ]
    table = Table(
        [[para(label, BODY), para(value, BODY, bold=True)] for label, value in facts],
        colWidths=[48 * mm, FRAME_WIDTH - 48 * mm],
    )
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    return table


def _documents(documents: Sequence[DocumentLine]) -> list:
    if not documents:
        return [para("(Không có danh mục giấy tờ kèm theo)", BODY)]
    rows = [
        [
            para(str(number), CELL),
            para(document.name, CELL),
            para(DOCUMENT_KINDS[document.kind], CELL),
            para("" if document.pages is None else str(document.pages), CELL),
            para("☐", CELL),
        ]
        for number, document in enumerate(documents, start=1)
    ]
    table = data_table(["STT", "Tên giấy tờ", "Loại", "Số trang", "Đã nhận"], rows, [12, 100, 25, 20, 18])
    pages = sum(document.pages or 0 for document in documents)
    total = f"Tổng cộng: {len(documents)} giấy tờ" + (f", {pages} trang." if pages else ".")
    return [table, Spacer(1, 1.5 * mm), para(total, BODY)]


def _codes(data: ReceiptData) -> Table:
    """Both legs' numbers as Code 128 on the left, the QR code to the tracking page on the right."""
    qr_side = 34 * mm
    left = []
    for caption, number in (
        ("Chiều gửi hồ sơ (thu gom tại nhà)", data.pickup_tracking_no),
        ("Chiều trả kết quả", data.return_tracking_no),
    ):
        if number:
            left += [
                para(caption, SMALL),
                Spacer(1, 1 * mm),
                Code128Flowable(number, max_width=FRAME_WIDTH - qr_side - 10 * mm),
                Spacer(1, 3 * mm),
            ]
    if not left:
        left.append(para("Chưa có mã bưu gửi.", BODY))
    right = [QrFlowable(data.tracking_url, qr_side), para("Quét mã để tra cứu", SMALL)]
    table = Table([[left, right]], colWidths=[FRAME_WIDTH - qr_side - 6 * mm, qr_side + 6 * mm])
    table.setStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
    return table
