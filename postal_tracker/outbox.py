"""Writing outgoing messages into the outbox, inside the caller's transaction.

Because the message is committed with the change that caused it, a crash can never leave a
status change without its webhook (or SMS), or a message for a change that was rolled back.
`postal_tracker.delivery` sends them later, in order per parcel (`ordering_key`).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.engine import Connection

from integrations.sms import SMS_EVENTS
from integrations.webhooks import SHIPMENT_BOOKED, SHIPMENT_STATUS_CHANGED, event_body
from postal_tracker.db import utcnow
from postal_tracker.models import OutboxMessage, table

outbox = table(OutboxMessage)
_INSERT = outbox.insert()

WEBHOOK = "webhook"
SMS = "sms"


def _message(
    commune_id: int, channel: str, message_type: str, ordering_key: str, payload: str, recipient: str | None = None
) -> dict[str, Any]:
    now = utcnow()
    return {
        "commune_id": commune_id, "channel": channel, "message_id": f"msg_{uuid.uuid4().hex}", "type": message_type,
        "ordering_key": ordering_key, "recipient": recipient, "payload": payload, "status": "pending",
        "attempts": 0, "next_attempt_at": now, "created_at": now,
    }  # fmt: skip


def _enqueue(conn: Connection, messages: list[dict[str, Any]]) -> None:
    # Values as parameters of one statement built once: it is compiled once, not once a message,
    # and a change's messages (webhook and SMS) go in one call (one round trip on PostgreSQL).
    conn.execute(_INSERT, messages)


def _webhook(commune_id: int, event_type: str, tracking_no: str, data: dict[str, Any]) -> dict[str, Any]:
    return _message(commune_id, WEBHOOK, event_type, tracking_no, event_body(event_type, utcnow(), data))


def _sms(commune_id: int, phone: str, tracking_no: str, data: dict[str, Any]) -> dict[str, Any]:
    """The SMS is rendered when it is sent (so the accented/unaccented setting applies then);
    the payload holds what the template needs, and no name."""
    payload = json.dumps({**data, "at": data["at"].isoformat()}, ensure_ascii=False)
    return _message(commune_id, SMS, f"sms.{data['event']}", tracking_no, payload, recipient=phone)


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
    event_type = SHIPMENT_BOOKED if event["event"] == "booked" else SHIPMENT_STATUS_CHANGED
    messages = [_webhook(shipment.commune_id, event_type, shipment.tracking_no, data)]
    if event["event"] in SMS_EVENTS and not dossier.sms_opt_out and dossier.applicant_phone:
        sms = {
            "event": event["event"],
            "tracking_no": shipment.tracking_no,
            "procedure_name": dossier.procedure_name,
            "at": event["at"],
            "reason": event.get("reason"),
        }
        if event["event"] == "delivery_failed":
            # The citizen learns when the postman comes again, or that the result goes back to
            # the desk once the attempt limit is reached (no next attempt then).
            if shipment.next_attempt_on is not None:
                sms["next_attempt_on"] = shipment.next_attempt_on.isoformat()
            else:
                sms["next_step"] = "return_to_desk"
        messages.append(_sms(shipment.commune_id, dossier.applicant_phone, shipment.tracking_no, sms))
    _enqueue(conn, messages)
