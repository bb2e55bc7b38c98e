"""Label rendering throughput against its floor: ``python bench/labels_bench.py``.

Floor: reportlab writing the same text lines with the same fonts and canvas settings, one page
per label, no codes. Ours: ``render_labels(..., "a6")``. Both render a batch of 500 into one PDF,
alternately, several times; medians are reported, and the ratio is the figure to compare
across runs (the machines are noisy). Goal: >= 300 labels/s, < 10 kB per label in a batch.
ZPL: ``render_zpl`` of the same 500 labels (the printer draws them); goal >= 5,000 labels/s.
"""

import datetime as dt
import random
import statistics
import sys
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from labels import LabelData, Party, render_labels, render_zpl
from labels.fonts import FONT_BOLD, FONT_REGULAR
from labels.formatting import format_date, format_vnd, group_tracking_no
from labels.label import A6_SIZE, LEG_TITLES
from labels.pdf import new_canvas

BATCH = 500
ROUNDS = 5
GOAL_RATE = 300
GOAL_BYTES = 10_000
GOAL_ZPL_RATE = 5_000

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Ưng"]
MIDDLE = ["Thị", "Văn", "Hữu", "Ngọc", "Minh", "Thanh"]
GIVEN = ["Hằng", "Dũng", "Ỷ", "Phước", "Trinh", "Lộc", "Quỳnh", "Đức", "Ánh", "Hưng"]
HAMLETS = ["Phước Bình", "Phước Hưng", "Phước Lăng", "Phước Nghĩa", "Phước Trinh", "Phước Trung"]
PROCEDURES = [
    "Đăng ký khai sinh",
    "Cấp bản sao trích lục hộ tịch",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan có thẩm quyền cấp",
    "Đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi (liên thông)",
]
DESK = Party(
    "Bộ phận Một cửa UBND xã Tam Phước",
    "0254 3870 123",
    "UBND xã Tam Phước, Ấp Phước Hưng, xã Tam Phước, huyện Long Điền, tỉnh Bà Rịa - Vũng Tàu",
)


def s10(serial: int) -> str:
    digits = [int(d) for d in f"{serial:08d}"]
    check = 11 - sum(w * d for w, d in zip((8, 6, 4, 2, 3, 5, 9, 7), digits, strict=True)) % 11
    return f"RR{serial:08d}{ {10: 0, 11: 5}.get(check, check) }VN"


def sample_labels(count: int) -> list[LabelData]:
    rng = random.Random(20261127)
    labels = []
    for _ in range(count):
        number = s10(rng.randrange(10**8))
        hamlet = rng.choice(HAMLETS)
        citizen = Party(
            f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            f"09{rng.randrange(10)}{rng.randrange(10)} {rng.randrange(1000):03d} {rng.randrange(1000):03d}",
            f"Số {rng.randrange(1, 200)}, tổ {rng.randrange(1, 12)}, Ấp {hamlet}, xã Tam Phước, "
            "huyện Long Điền, tỉnh Bà Rịa - Vũng Tàu",
        )
        leg = rng.choice(("pickup", "return"))
        labels.append(
            LabelData(
                tracking_no=number,
                leg=leg,
                sender=citizen if leg == "pickup" else DESK,
                recipient=DESK if leg == "pickup" else citizen,
                hamlet_name=hamlet,
                procedure_name=rng.choice(PROCEDURES),
                fee_vnd=rng.choice((None, 0, 20_000, 50_000)),
                booked_on=dt.date(2026, 11, 27),
                tracking_url=f"https://buudien.tamphuoc.gov.vn/track?no={number}",
            )
        )
    return labels


def render_floor(labels: list[LabelData]) -> bytes:
    """The text of each label as plain lines, no codes, no fitting."""
    out = BytesIO()
    canvas = new_canvas(out, A6_SIZE, "floor")
    for label in labels:
        lines = [
            (FONT_BOLD, 17, LEG_TITLES[label.leg]),
            (FONT_BOLD, 7, "BƯU CHÍNH CÔNG ÍCH"),
            (FONT_REGULAR, 7.5, f"Ngày gửi {format_date(label.booked_on)}"),
            (FONT_BOLD, 28, label.hamlet_name),
            (FONT_BOLD, 18, group_tracking_no(label.tracking_no)),
        ]
        for caption, party, party_size in (("NGƯỜI NHẬN", label.recipient, 13), ("NGƯỜI GỬI", label.sender, 9)):
            lines += [
                (FONT_BOLD, 6.5, caption),
                (FONT_BOLD, party_size, party.name),
                (FONT_BOLD, party_size, f"ĐT: {party.phone}"),
                (FONT_REGULAR, 8, party.address),
            ]
        lines += [(FONT_BOLD, 6.5, "THỦ TỤC"), (FONT_REGULAR, 9, label.procedure_name)]
        if label.fee_vnd:
            lines.append((FONT_BOLD, 12, f"THU HỘ {format_vnd(label.fee_vnd)}"))
        y: float = A6_SIZE[1] - 30
        for font, size, text in lines:
            canvas.setFont(font, size)
            canvas.drawString(10, y, text)
            y -= size * 1.3
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def timed(render: Callable[[list[LabelData]], bytes], labels: list[LabelData]) -> tuple[float, int]:
    start = time.perf_counter()
    pdf = render(labels)
    return time.perf_counter() - start, len(pdf)


def main() -> int:
    labels = sample_labels(BATCH)
    render_a6 = lambda batch: render_labels(batch, "a6")  # noqa: E731
    render_a6(labels[:4])  # font registration and imports are per process, not per batch
    floor_times, label_times, zpl_times = [], [], []
    for _ in range(ROUNDS):
        floor_time, floor_bytes = timed(render_floor, labels)
        label_time, label_bytes = timed(render_a6, labels)
        zpl_time, zpl_bytes = timed(render_zpl, labels)
        floor_times.append(floor_time)
        label_times.append(label_time)
        zpl_times.append(zpl_time)
    floor_rate = BATCH / statistics.median(floor_times)
    label_rate = BATCH / statistics.median(label_times)
    per_label = label_bytes / BATCH
    zpl_rate = BATCH / statistics.median(zpl_times)
    lone = len(render_a6(labels[:1]))
    print(f"batch of {BATCH} A6 labels, median of {ROUNDS} rounds")
    print(f"floor (text only):  {floor_rate:8.0f} labels/s  {floor_bytes / BATCH:7.0f} B/label")
    print(f"labels (codes+fit): {label_rate:8.0f} labels/s  {per_label:7.0f} B/label")
    print(f"ratio labels/floor: {label_rate / floor_rate:8.2f}")
    print(f"a lone label PDF:   {lone:8d} B (font subsets included)")
    print(f"ZPL II labels:      {zpl_rate:8.0f} labels/s  {zpl_bytes / BATCH:7.0f} B/label")
    ok = label_rate >= GOAL_RATE and per_label < GOAL_BYTES
    print(f"goal >= {GOAL_RATE} labels/s and < {GOAL_BYTES} B/label: {'met' if ok else 'NOT MET'}")
    zpl_ok = zpl_rate >= GOAL_ZPL_RATE
    print(f"goal >= {GOAL_ZPL_RATE} ZPL labels/s: {'met' if zpl_ok else 'NOT MET'}")
    ok = ok and zpl_ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
