"""Writing outgoing messages into the outbox, inside the caller's transaction.

Because the message is committed with the change that caused it, a crash can never leave a
status change without its webhook, or a webhook for a change that was rolled back.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from postal_tracker.db import utcnow
from postal_tracker.models import OutboxMessage, table

outbox = table(OutboxMessage)


def _json_default(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


def enqueue_webhook(conn: Connection, commune_id: int, event_type: str, tracking_no: str, data: dict[str, Any]) -> None:
    now = utcnow()
    message_id = f"msg_{uuid.uuid4().hex}"
    body = {"type": event_type, "timestamp": now.isoformat(), "data": data}
    conn.execute(
        outbox.insert().values(
            commune_id=commune_id,
            channel="webhook",
            message_id=message_id,
            type=event_type,
            ordering_key=tracking_no,
            payload=json.dumps(body, ensure_ascii=False, default=_json_default, separators=(",", ":")),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def status_changed(conn: Connection, shipment: Any, dossier: Any, event: dict[str, Any]) -> None:
    """Queue what a shipment's new event must tell the outside world."""
    data = {
        "tracking_no": shipment.tracking_no,
        "leg": shipment.leg,
        "dossier_id": shipment.dossier_id,
        "portal_dossier_no": dossier.portal_dossier_no,
        "event": event["event"],
        "status": event["status"],
        "at": event["at"],
    }
    for field in ("reason", "recipient_name"):
        if event.get(field):
            data[field] = event[field]
    event_type = "shipment.booked" if event["event"] == "booked" else "shipment.status_changed"
    enqueue_webhook(conn, shipment.commune_id, event_type, shipment.tracking_no, data)
