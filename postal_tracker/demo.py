"""`postal-tracker demo`: users and sample parcels in several states, for a first look."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Literal

import sqlalchemy as sa

from postal_tracker.accounts import service as accounts
from postal_tracker.accounts.service import Principal, Role
from postal_tracker.booking.schemas import PickupRequest
from postal_tracker.booking.service import book_pickup, book_return
from postal_tracker.db import Database, utcnow
from postal_tracker.lifecycle import TRANSITIONS, Event
from postal_tracker.models import Commune, User, table
from postal_tracker.scanning.service import apply_event
from postal_tracker.settings import Settings

DEMO_USERS = [
    ("clerk", Role.CLERK, "Lê Thị Thu", "demo-clerk-2026"),
    ("postman", Role.POSTAL, "Trần Văn Hưng", "demo-postman-2026"),
    ("supervisor", Role.SUPERVISOR, "Phạm Minh Đức", "demo-supervisor-2026"),
]

CITIZENS = [
    ("Nguyễn Thị Hằng", "0912345678", "PLANG", "Số 12, tổ 3", "1.001193"),
    ("Trần Văn Ưng", "0987654321", "PBINH", "Số 45, đường Phước Bình 2", "2.000908"),
    ("Lê Thị Ỷ", "0903123456", "PTRINH", "Tổ 7, gần chợ Phước Trinh", "1.000894"),
    ("Phạm Đường", "0354111222", "PHUNG", "Số 3, hẻm 5", "1.004873"),
    ("Võ Thị Ngọc Ánh", "0778999000", "PNGHIA", "Số 88, tổ 2", "2.000635"),
]


def load_demo(db: Database, settings: Settings) -> Iterator[str]:
    communes, users = table(Commune), table(User)
    with db.read() as conn:
        commune_id = conn.execute(sa.select(communes.c.id).order_by(communes.c.id)).scalar_one()
        existing = set(conn.execute(sa.select(users.c.username)).scalars())
    for username, role, full_name, password in DEMO_USERS:
        if username not in existing:
            accounts.create_user(db, commune_id, username, role, password, full_name)
        yield f"demo user: {username} / {password} ({role})"
    if "clerk" in existing:
        yield "demo parcels were loaded before; not adding more"
        return
    with db.read() as conn:
        clerk_id = conn.execute(sa.select(users.c.id).where(users.c.username == "clerk")).scalar_one()
    clerk = Principal(clerk_id, "clerk", Role.CLERK, commune_id)
    rules = settings.rules
    steps: list[list[Event | Literal["return"]]] = [
        [],
        [Event.PICKED_UP],
        [Event.PICKUP_FAILED],
        [Event.PICKED_UP, Event.ARRIVED_POST_OFFICE, Event.HANDED_TO_DESK],
        [Event.PICKED_UP, Event.HANDED_TO_DESK, "return", Event.COLLECTED_FROM_DESK, Event.OUT_FOR_DELIVERY,
         Event.DELIVERED],
    ]  # fmt: skip
    for (name, phone, hamlet, detail, procedure), path in zip(CITIZENS, steps, strict=True):
        request = PickupRequest.model_validate({
            "applicant": {"full_name": name, "phone": phone},
            "address": {"hamlet_code": hamlet, "detail": detail},
            "procedure_code": procedure,
            "documents": [{"name": "Tờ khai", "kind": "original", "pages": 1}],
        })  # fmt: skip
        with db.write() as conn:
            booked = book_pickup(conn, clerk, request, rules)
            number = booked["shipment"]["tracking_no"]
            for step in path:
                if step == "return":
                    number = book_return(conn, clerk, booked["dossier_id"], rules)["shipment"]["tracking_no"]
                    continue
                # Each event carries only what it is about: a failure its reason, a delivery its recipient.
                extra = {"reason": "not_home", "recipient_name": name}
                fields = {"at": utcnow(), **{f: extra[f] for f in TRANSITIONS[step].required}}
                apply_event(conn, clerk, number, step, fields, rules, scan_id=str(uuid.uuid4()))
        yield f"demo parcel: {number} ({name}, {hamlet}, last step: {path[-1] if path else 'booked'})"
