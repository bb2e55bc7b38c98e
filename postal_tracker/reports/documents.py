"""The monthly and quarterly reports as JSON, CSV (UTF-8 with BOM, for Excel) and PDF (tables,
and for the month a bar chart by hamlet, in the bundled DejaVu font so Vietnamese prints and
stays extractable)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from labels.fonts import FONT_BOLD, FONT_REGULAR, register_fonts
from postal_tracker.lifecycle import Reason
from postal_tracker.wording import reason_text_vi

MEDIA_TYPES = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}

# Column -> Vietnamese heading (PDF).
LABELS_VI = {
    "pickups_booked": "Đăng ký thu gom",
    "pickups_at_desk": "Hồ sơ đến Một cửa",
    "returns_booked": "Đăng ký trả kết quả",
    "delivered": "Phát thành công",
    "returned_to_desk": "Trả lại Một cửa",
    "delivery_failures": "Phát không thành công",
    "pickup_failures": "Thu gom không thành công",
    "first_attempt_delivery_rate": "Tỷ lệ phát lần đầu",
    "median_hours_to_desk": "Trung vị giờ đến Một cửa",
    "median_hours_to_delivery": "Trung vị giờ đến khi phát",
    "on_time_share": "Tỷ lệ đúng hạn",
    "fees_collected_vnd": "Phí đã thu (đồng)",
    "feedback_count": "Số đánh giá",
    "feedback_mean": "Điểm đánh giá TB",
}
SCALARS = [k for k in LABELS_VI]


def render(report: Mapping[str, Any], kind: str) -> bytes:
    if kind == "json":
        return json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")
    if kind == "csv":
        return to_csv(report)
    return to_pdf(report)


# --- CSV --------------------------------------------------------------------------------------

CSV_COLUMNS = [
    "scope", "code", "name", *SCALARS[:7], *[f"failures_{r}" for r in Reason],
    *[f"pickup_failures_{r}" for r in Reason], *SCALARS[7:],
]  # fmt: skip


def spreadsheet_safe(value: Any) -> Any:
    """A cell Excel or LibreOffice will not run: text starting like a formula (`=`, `+`, `-`,
    `@`, tab, CR) gets a leading apostrophe (OWASP's advice); numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv_row(scope: str, code: str, name: str, figures: Mapping[str, Any]) -> list[Any]:
    values = {"scope": scope, "code": code, "name": name, **{k: figures[k] for k in SCALARS}}
    for reason in Reason:
        values[f"failures_{reason}"] = figures["failures_by_reason"].get(reason, 0)
        values[f"pickup_failures_{reason}"] = figures["pickup_failures_by_reason"].get(reason, 0)
    return [spreadsheet_safe(values[c]) for c in CSV_COLUMNS]


def to_csv(report: Mapping[str, Any]) -> bytes:
    """One table: the totals, then a row a hamlet, then a row a procedure. UTF-8 with a BOM so
    Excel opens it with the Vietnamese intact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerow(_csv_row("total", report["month"], report.get("commune") or "", report["totals"]))
    for row in report["by_hamlet"]:
        writer.writerow(_csv_row("hamlet", row["hamlet_code"], row["hamlet_name"], row))
    for row in report["by_procedure"]:
        writer.writerow(_csv_row("procedure", row["procedure_code"], row["procedure_name"], row))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- PDF --------------------------------------------------------------------------------------


def _fmt(key: str, value: Any) -> str:
    if value is None:
        return "–"
    if key.endswith(("_rate", "_share")):
        return f"{value * 100:.1f} %"
    if key.endswith("_vnd"):
        return f"{value:,}".replace(",", ".")
    return str(value)


def _reasons(figures: Mapping[str, Any]) -> str:
    return ", ".join(f"{reason_text_vi(r)}: {n}" for r, n in figures["failures_by_reason"].items()) or "–"


def _table(data: list[list[Any]], widths: list[float | None] | None = None) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle([
            ("FONT", (0, 0), (-1, -1), FONT_REGULAR, 7),
            ("FONT", (0, 0), (-1, 0), FONT_BOLD, 7),
            ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
        ])
    )  # fmt: skip
    return table


def _chart(report: Mapping[str, Any]) -> Drawing:
    rows = report["by_hamlet"]
    drawing = Drawing(250 * mm, 75 * mm)
    chart = VerticalBarChart()
    # The stubs type these as int; reportlab takes any number of points.
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 15 * mm, 180 * mm, 50 * mm  # type: ignore[assignment]
    chart.data = [[r["pickups_booked"] for r in rows] or [0], [r["delivered"] for r in rows] or [0]]
    chart.categoryAxis.categoryNames = [r["hamlet_name"] for r in rows] or [""]
    chart.categoryAxis.labels.fontName = FONT_REGULAR
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = FONT_REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.Color(0.25, 0.45, 0.75)
    chart.bars[1].fillColor = colors.Color(0.35, 0.7, 0.4)
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 200 * mm, 60 * mm  # type: ignore[assignment]  # as chart.x
    legend.fontName, legend.fontSize = FONT_REGULAR, 7
    legend.colorNamePairs = [(chart.bars[0].fillColor, LABELS_VI["pickups_booked"]),
                             (chart.bars[1].fillColor, LABELS_VI["delivered"])]  # fmt: skip
    drawing.add(legend)
    drawing.add(String(15 * mm, 70 * mm, "Theo ấp", fontName=FONT_BOLD, fontSize=9))
    return drawing


def to_pdf(report: Mapping[str, Any]) -> bytes:
    register_fonts()
    title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=13, leading=16)
    heading = ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3)
    year, month = report["month"].split("-")
    totals = report["totals"]
    story: list[Any] = [
        Paragraph(f"Báo cáo tháng {month}/{year} – Dịch vụ bưu chính công ích – {report.get('commune') or ''}", title),
        Spacer(1, 4 * mm),
        Paragraph("Tổng hợp", heading),
        _table(
            [["Chỉ tiêu", "Giá trị"]]
            + [[LABELS_VI[k], _fmt(k, totals[k])] for k in SCALARS]
            + [["Lý do phát không thành công", _reasons(totals)]],
            [70 * mm, 70 * mm],
        ),
    ]
    columns = ["pickups_booked", "pickups_at_desk", "returns_booked", "delivered", "delivery_failures",
               "returned_to_desk", "first_attempt_delivery_rate", "on_time_share", "fees_collected_vnd",
               "feedback_mean"]  # fmt: skip
    header = [LABELS_VI[c] for c in columns]
    wrap = ParagraphStyle("cell", fontName=FONT_BOLD, fontSize=7, leading=8)
    story += [
        Paragraph("Theo ấp", heading),
        _table(
            [[Paragraph(h, wrap) for h in ["Ấp", *header]]]
            + [[r["hamlet_name"], *(_fmt(c, r[c]) for c in columns)] for r in report["by_hamlet"]]
        ),
        _chart(report),
        Paragraph("Theo thủ tục", heading),
        _table(
            [[Paragraph(h, wrap) for h in ["Thủ tục", *header]]]
            + [
                [Paragraph(r["procedure_name"], ParagraphStyle("p", fontName=FONT_REGULAR, fontSize=7, leading=8)),
                 *(_fmt(c, r[c]) for c in columns)]
                for r in report["by_procedure"]
            ],
            [60 * mm] + [None] * len(columns),
        ),
    ]  # fmt: skip
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
        title=f"Báo cáo tháng {report['month']}", author="postal-tracker",
    )  # fmt: skip
    doc.build(story)
    return out.getvalue()


# --- the quarterly report (Circular 17/2017 Art. 13) -------------------------------------------

QUARTER_LABELS_VI = {
    "dossiers_picked_up": "Hồ sơ đã thu gom",
    "results_delivered": "Kết quả đã phát",
    "results_returned_to_desk": "Kết quả trả lại Một cửa",
    "fees_collected_vnd": "Phí đã thu (đồng)",
    "complaints_received": "Khiếu nại nhận được",
    "complaints_resolved": "Khiếu nại đã giải quyết",
    "complaints_resolved_on_time": "Giải quyết đúng hạn",
    "lost": "Bưu gửi bị mất",
    "damaged": "Bưu gửi bị hư hỏng",
    "compensations": "Số vụ bồi thường",
    "compensation_vnd": "Tiền bồi thường (đồng)",
    "on_time_share": "Tỷ lệ đúng thời hạn",
}
QUARTER_CSV_COLUMNS = ["scope", "code", "name", *QUARTER_LABELS_VI]
ROMAN = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def render_quarterly(report: Mapping[str, Any], kind: str) -> bytes:
    if kind == "json":
        return json.dumps(report, ensure_ascii=False, indent=1).encode("utf-8")
    if kind == "csv":
        return quarterly_csv(report)
    return quarterly_pdf(report)


def quarterly_csv(report: Mapping[str, Any]) -> bytes:
    """The totals, then a row a commune; UTF-8 with a BOM, like the monthly one."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(QUARTER_CSV_COLUMNS)
    rows = [("total", report["quarter"], report.get("commune") or "", report["totals"])]
    rows += [("commune", r["commune_code"], r["commune_name"], r) for r in report["by_commune"]]
    for scope, code, name, figures in rows:
        writer.writerow([spreadsheet_safe(v) for v in (scope, code, name, *(figures[k] for k in QUARTER_LABELS_VI))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def quarterly_pdf(report: Mapping[str, Any]) -> bytes:
    register_fonts()
    title = ParagraphStyle("title", fontName=FONT_BOLD, fontSize=13, leading=16)
    heading = ParagraphStyle("heading", fontName=FONT_BOLD, fontSize=10, leading=13, spaceBefore=6, spaceAfter=3)
    wrap = ParagraphStyle("cell", fontName=FONT_BOLD, fontSize=7, leading=8)
    year, quarter = report["quarter"].split("-Q")
    scope = report.get("commune") or "Toàn tỉnh"
    totals = report["totals"]
    story: list[Any] = [
        Paragraph(f"Báo cáo quý {ROMAN[quarter]}/{year} – Dịch vụ bưu chính công ích – {scope}", title),
        Paragraph("Theo Điều 13 Thông tư 17/2017/TT-BTTTT", ParagraphStyle("sub", fontName=FONT_REGULAR,
                                                                             fontSize=8, leading=10)),
        Spacer(1, 4 * mm),
        Paragraph("Tổng hợp", heading),
        _table([["Chỉ tiêu", "Giá trị"]] + [[QUARTER_LABELS_VI[k], _fmt(k, totals[k])] for k in QUARTER_LABELS_VI],
               [70 * mm, 50 * mm]),
        Paragraph("Theo xã", heading),
        _table(
            [[Paragraph(h, wrap) for h in ["Xã", *QUARTER_LABELS_VI.values()]]]
            + [[r["commune_name"], *(_fmt(k, r[k]) for k in QUARTER_LABELS_VI)] for r in report["by_commune"]]
        ),
    ]  # fmt: skip
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
        title=f"Báo cáo quý {report['quarter']}", author="postal-tracker",
    )  # fmt: skip
    doc.build(story)
    return out.getvalue()
