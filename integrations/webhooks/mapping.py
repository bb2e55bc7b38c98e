"""Our events to the webhook body of the contract (pure).

    {"type": "shipment.status_changed" | "shipment.booked", "timestamp": "...",
     "data": {tracking_no, leg, dossier_id, portal_dossier_no, event, status, at,
              reason?, recipient_name?}}

Compact JSON, UTF-8, Vietnamese kept as characters (NFC), never `\\u` escapes.
"""

from __future__ import annotations

import json
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from integrations.webhooks.signing import as_utc

SHIPMENT_BOOKED = "shipment.booked"
SHIPMENT_STATUS_CHANGED = "shipment.status_changed"
EVENT_TYPES = frozenset({SHIPMENT_BOOKED, SHIPMENT_STATUS_CHANGED})


def event_body(type: str, timestamp: datetime, data: Mapping[str, Any]) -> str:
    """The exact text to sign and send. `timestamp` (aware) is when the event happened.

    Datetimes in `data` become ISO 8601 in UTC with offset; dates, UUIDs and enums become
    strings; text is normalised to NFC.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {type!r}; expected one of {sorted(EVENT_TYPES)}")
    payload = {"type": type, "timestamp": _iso(timestamp), "data": _jsonable(data)}
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _iso(moment: datetime) -> str:
    return as_utc(moment).isoformat()


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return _iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {str(_jsonable(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    raise TypeError(f"cannot put a {type(value).__name__} in a webhook body")
