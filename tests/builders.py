"""Small builders for test data: the smallest valid body, with overrides."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from postal_tracker.lifecycle import s10_check_digit
from postal_tracker.settings import Settings


def pickup_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "applicant": {"full_name": "Nguyễn Thị Hằng", "phone": "0912345678", "id_number": "079123456789"},
        "address": {"hamlet_code": "PLANG", "detail": "Số 12, tổ 3, đường Phước Lăng"},
        "procedure_code": "1.001193",
        "documents": [{"name": "Tờ khai đăng ký khai sinh", "kind": "original", "pages": 1}],
    }
    body.update(overrides)
    return body


def scan_body(tracking_no: str, event: str, **overrides: Any) -> dict[str, Any]:
    body = {"scan_id": str(uuid.uuid4()), "tracking_no": tracking_no, "event": event, "at": now_iso()}
    body.update(overrides)
    return body


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def valid_number(serial: str = "12345678", indicator: str = "RR") -> str:
    return f"{indicator}{serial}{s10_check_digit(serial)}VN"


def settings_from(**variables: object) -> Settings:
    """Settings read as at start, from the variables without their prefix:
    `settings_from(DATABASE_URL=url, DELIVERY_WORKER=0)`."""
    return Settings.from_env({f"POSTAL_TRACKER_{name}": str(value) for name, value in variables.items()})
