"""Reference data loaded by `db upgrade` when absent: Tam Phước and the procedure catalog.

Communes and hamlets are data, not code: on 1/1/2025 Tam Phước was merged with Tam An, and
later reforms removed the district level, so a deployment edits, adds or merges them later.
Coordinates are approximate centres of each hamlet (ấp), used when an address has none.
Procedure codes are those of the national public-service portal (Cổng Dịch vụ công quốc gia);
fees are the commune-level fees in VND (0: free of charge); the desk edits them as they change.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.db import insert_one, utcnow
from postal_tracker.models import Commune, Hamlet, Procedure, table

TAM_PHUOC = {
    "code": "tam-phuoc",
    "name": "Tam Phước",
    "district": "Long Điền",
    "province": "Bà Rịa – Vũng Tàu",
    "post_office_name": "Bưu điện văn hóa xã Tam Phước",
    "post_office_address": "Quốc lộ 55, ấp Phước Trung, xã Tam Phước, huyện Long Điền",
    "post_office_lat": 10.5163,
    "post_office_lon": 107.2262,
    "desk_name": "Bộ phận Tiếp nhận và Trả kết quả UBND xã Tam Phước",
    "desk_address": "UBND xã Tam Phước, ấp Phước Trung, huyện Long Điền",
    "desk_phone": "02543863021",
    "desk_lat": 10.5171,
    "desk_lon": 107.2271,
}

TAM_PHUOC_HAMLETS = [
    ("PBINH", "Phước Bình", 10.5378, 107.2405),
    ("PHUNG", "Phước Hưng", 10.5262, 107.2118),
    ("PLANG", "Phước Lăng", 10.5048, 107.2196),
    ("PNGHIA", "Phước Nghĩa", 10.5302, 107.2274),
    ("PTRINH", "Phước Trinh", 10.4986, 107.2381),
    ("PTRUNG", "Phước Trung", 10.5149, 107.2319),
]

# (national code, name, group, fee in VND)
PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "citizen", 0),
    ("1.000894", "Đăng ký kết hôn", "citizen", 0),
    ("1.000656", "Đăng ký khai tử", "citizen", 0),
    ("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "citizen", 0),
    ("1.001022", "Đăng ký nhận cha, mẹ, con", "citizen", 0),
    ("1.000689", "Đăng ký khai sinh kết hợp nhận cha, mẹ, con", "citizen", 0),
    ("1.004859", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "citizen", 15000),
    ("1.004884", "Đăng ký lại khai sinh", "citizen", 5000),
    ("1.004746", "Đăng ký lại kết hôn", "citizen", 30000),
    ("1.005461", "Đăng ký lại khai tử", "citizen", 5000),
    ("2.000635", "Cấp bản sao trích lục hộ tịch", "citizen", 8000),
    ("2.000908", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "citizen", 2000),
    ("2.000815", "Chứng thực chữ ký trong các giấy tờ, văn bản", "citizen", 10000),
    ("2.000884", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "citizen", 50000),
    ("1.000419", "Đăng ký giám hộ", "citizen", 0),
    ("1.001776", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hàng tháng", "internal", 0),
    ("1.003005", "Liên thông đăng ký khai sinh, đăng ký thường trú, cấp thẻ BHYT cho trẻ em dưới 6 tuổi",
     "internal", 0),
    ("1.004082", "Xác nhận hộ gia đình làm nông nghiệp có mức sống trung bình", "internal", 0),
]  # fmt: skip


def load_reference_data(conn: Connection) -> None:
    """Insert what is missing; never overwrite what the commune has edited since."""
    communes, hamlets, procedures = table(Commune), table(Hamlet), table(Procedure)
    commune_id = conn.execute(sa.select(communes.c.id).where(communes.c.code == TAM_PHUOC["code"])).scalar()
    if commune_id is None:
        commune_id = insert_one(conn, communes.insert().values(**TAM_PHUOC, created_at=utcnow()))
        conn.execute(
            hamlets.insert(),
            [
                {"commune_id": commune_id, "code": code, "name": name, "lat": lat, "lon": lon, "active": True}
                for code, name, lat, lon in TAM_PHUOC_HAMLETS
            ],
        )
    known = set(conn.execute(sa.select(procedures.c.code)).scalars())
    missing = [
        {"code": code, "name": name, "group": group, "fee_vnd": fee, "active": True}
        for code, name, group, fee in PROCEDURES
        if code not in known
    ]
    if missing:
        conn.execute(procedures.insert(), missing)
