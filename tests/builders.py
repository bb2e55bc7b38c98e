"""Small builders for test data: the smallest valid body, with overrides."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from postal_tracker.db import Database
from postal_tracker.lifecycle import s10_check_digit
from postal_tracker.localtime import local_today
from postal_tracker.models import EventRecord, table
from postal_tracker.reports.attribution import holder
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


def quarter_start() -> date:
    """The first day of the current local quarter, asked when a test runs (not when imported:
    a run may cross midnight)."""
    today = local_today()
    return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)


def this_quarter() -> str:
    """The current local quarter as the reports name it, e.g. `2026-Q4`."""
    start = quarter_start()
    return f"{start.year}-Q{(start.month - 1) // 3 + 1}"


def valid_number(serial: str = "12345678", indicator: str = "RR") -> str:
    return f"{indicator}{serial}{s10_check_digit(serial)}VN"


def settings_from(**variables: object) -> Settings:
    """Settings read as at start, from the variables without their prefix:
    `settings_from(DATABASE_URL=url, DELIVERY_WORKER=0)`."""
    return Settings.from_env({f"POSTAL_TRACKER_{name}": str(value) for name, value in variables.items()})


def free_port() -> int:
    """A TCP port nobody listens on now, for a test server (others run tests at the same time)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- through the API, as a `world` (tests/conftest.py) --------------------------------------


def book(world: Any, role: str = "clerk", **overrides: Any) -> dict[str, Any]:
    """Book a pickup (`pickup_body(**overrides)`); the 201 answer."""
    answer = world.client.post("/api/v1/pickups", json=pickup_body(**overrides), headers=world.headers(role))
    assert answer.status_code == 201, answer.text
    return answer.json()


def scan(world: Any, tracking_no: str, event: str, role: str = "postal", **fields: Any) -> dict[str, Any]:
    """One accepted scan (a failure gets a reason, a delivery a recipient, unless given); the shipment."""
    if event.endswith("_failed"):
        fields.setdefault("reason", "not_home")
    if event == "delivered":
        fields.setdefault("recipient_name", "Nguyễn Thị Hằng")
    body = scan_body(tracking_no, event, **fields)
    answer = world.client.post("/api/v1/scans", json=body, headers=world.headers(role))
    assert answer.status_code == 201, answer.text
    return answer.json()["shipment"]


def walk(world: Any, tracking_no: str, *events: str) -> dict[str, Any]:
    """Scan `events` in order, now; the shipment after the last."""
    shipment: dict[str, Any] = {}
    for event in events:
        shipment = scan(world, tracking_no, event)
    return shipment


def stored_communes_follow_the_rule(database: Database) -> None:
    """Every event's stored `commune_id` is what the attribution rule (`holder`) says of it now."""
    events = table(EventRecord)
    with database.read() as conn:
        rows = conn.execute(sa.select(events.c.commune_id, holder(events.c.shipment_id, events.c.at))).all()
    assert rows and [stored for stored, _ in rows] == [rule for _, rule in rows]
