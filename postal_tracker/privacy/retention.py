"""Retention (`postal-tracker retention apply [--dry-run]`): closed dossiers lose their personal data.

A dossier is closed when every leg is final (and, when its result goes back by post, the return
leg exists: until it is booked the dossier is still under way). It is past retention when the
last of its legs' final events happened (`at`) more than `POSTAL_TRACKER_RETENTION_DAYS` ago.

What goes: names become initials (`Nguyễn Thị Hằng` -> `N. T. H.`, the applicant's and the
recipients'), phones, ID numbers, addresses (the detail lines, and the coordinates, which fall
back to the hamlet's centre), notes, signatures, photos, the letters of authorisation, the SMS
numbers and the names in sent webhook bodies, feedback comments, complaints' texts and
resolutions, and what the raw scans kept of them. What stays: the dossier, its legs, events,
numbers, hamlets, procedures, fees, feedback ratings and complaints' kinds, dates and
compensations, so every report (the quarterly one included) adds up the same before and after.

A complaint keeps its dossier: while one is open the dossier is still being handled (Circular
17/2017 Art. 8: the desk answers it, and may compensate), so it is not due, and its retention
counts from the complaint's resolution when that came after the last final event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from postal_tracker.db import Database, utcnow
from postal_tracker.lifecycle import FINAL_STATUSES, Leg
from postal_tracker.models import Complaint, Dossier, Feedback, Hamlet, OutboxMessage, ScanRecord, Shipment, table
from postal_tracker.models import EventRecord as EventModel
from postal_tracker.personal import without_personal_data

dossiers = table(Dossier)
shipments = table(Shipment)
events = table(EventModel)
hamlets = table(Hamlet)
scan_records = table(ScanRecord)
outbox = table(OutboxMessage)
complaints = table(Complaint)
feedback = table(Feedback)

FINAL = [s.value for s in FINAL_STATUSES]


@dataclass(frozen=True)
class RetentionResult:
    cutoff: datetime
    dossier_ids: list[int]
    applied: bool


def initials(full_name: str | None) -> str | None:
    """`Nguyễn Thị Hằng` -> `N. T. H.`: a name no longer, but still a column the reports can group."""
    if full_name is None:
        return None
    return " ".join(part[0] + "." for part in full_name.split()) or None


def due_dossiers(conn: Connection, cutoff: datetime) -> list[int]:
    """Closed dossiers without an open complaint, whose last final event (or last complaint's
    resolution, when later) is older than `cutoff`, not anonymized yet."""
    leg = shipments.alias("leg")
    unfinished = sa.exists().where(leg.c.dossier_id == dossiers.c.id, leg.c.status.not_in(FINAL))
    return_leg = sa.exists().where(leg.c.dossier_id == dossiers.c.id, leg.c.leg == Leg.RETURN.value)
    last_final = (
        sa.select(sa.func.max(events.c.at))
        .join(shipments, shipments.c.id == events.c.shipment_id)
        .where(shipments.c.dossier_id == dossiers.c.id, events.c.status.in_(FINAL))
        .scalar_subquery()
    )
    of_dossier = complaints.join(shipments, shipments.c.id == complaints.c.shipment_id)
    complaint_open = (
        sa.exists().select_from(of_dossier)
        .where(shipments.c.dossier_id == dossiers.c.id, complaints.c.status == "open")
    )  # fmt: skip
    resolved_since = (
        sa.exists().select_from(of_dossier)
        .where(shipments.c.dossier_id == dossiers.c.id, complaints.c.resolved_at >= cutoff)
    )  # fmt: skip
    query = (
        sa.select(dossiers.c.id)
        .where(
            dossiers.c.anonymized_at.is_(None),
            sa.exists().where(leg.c.dossier_id == dossiers.c.id),
            ~unfinished,
            sa.or_(dossiers.c.return_by_post.is_(False), return_leg),
            last_final < cutoff,
            ~complaint_open,
            ~resolved_since,
        )
        .order_by(dossiers.c.id)
    )
    return list(conn.execute(query).scalars())


def _anonymize(conn: Connection, dossier_ids: list[int], now: datetime) -> None:
    home = sa.select(hamlets.c.lat, hamlets.c.lon).where(
        hamlets.c.commune_id == dossiers.c.commune_id, hamlets.c.code == dossiers.c.hamlet_code
    )
    for row in conn.execute(sa.select(dossiers.c.id, dossiers.c.applicant_name).where(dossiers.c.id.in_(dossier_ids))):
        conn.execute(
            dossiers.update().where(dossiers.c.id == row.id).values(
                applicant_name=initials(row.applicant_name) or "", applicant_phone="", applicant_id_number=None,
                address_detail="",
                lat=sa.func.coalesce(home.with_only_columns(hamlets.c.lat).scalar_subquery(), 0.0),
                lon=sa.func.coalesce(home.with_only_columns(hamlets.c.lon).scalar_subquery(), 0.0),
                geo_source="hamlet", delivery_detail=None, delivery_lat=None, delivery_lon=None,
                delivery_geo_source=None, note=None, anonymized_at=now,
            )
        )  # fmt: skip
    legs = sa.select(shipments.c.id).where(shipments.c.dossier_id.in_(dossier_ids))
    numbers = [r.tracking_no for r in conn.execute(sa.select(shipments.c.tracking_no).where(shipments.c.id.in_(legs)))]
    named = conn.execute(
        sa.select(events.c.id, events.c.recipient_name).where(
            events.c.shipment_id.in_(legs), events.c.recipient_name.is_not(None)
        )
    ).all()
    for event_id, name in named:
        conn.execute(events.update().where(events.c.id == event_id).values(recipient_name=initials(name)))
    conn.execute(
        events.update().where(events.c.shipment_id.in_(legs)).values(
            recipient_id_number=None, signature_png=None, photo_jpeg=None, authorization_note=None, note=None,
            lat=None, lon=None,
        )
    )  # fmt: skip
    for record in conn.execute(
        sa.select(scan_records.c.id, scan_records.c.payload, scan_records.c.result).where(
            sa.or_(scan_records.c.shipment_id.in_(legs), scan_records.c.tracking_no.in_(numbers))
        )
    ).all():
        conn.execute(
            scan_records.update().where(scan_records.c.id == record.id).values(
                payload=without_personal_data(record.payload), result=without_personal_data(record.result)
            )
        )  # fmt: skip
    for message in conn.execute(
        sa.select(outbox.c.id, outbox.c.payload).where(outbox.c.ordering_key.in_(numbers), outbox.c.status != "pending")
    ).all():
        conn.execute(
            outbox.update().where(outbox.c.id == message.id).values(
                recipient=None, payload=_without_personal_json(message.payload)
            )
        )  # fmt: skip
    conn.execute(complaints.update().where(complaints.c.shipment_id.in_(legs)).values(text="", resolution=None))
    conn.execute(feedback.update().where(feedback.c.shipment_id.in_(legs)).values(comment=None))


def _without_personal_json(payload: str) -> str:
    try:
        body: Any = json.loads(payload)
    except ValueError:
        return payload
    return json.dumps(without_personal_data(body), ensure_ascii=False)


def apply_retention(
    db: Database, retention_days: int, *, dry_run: bool, now: datetime | None = None
) -> RetentionResult:
    """Anonymize the dossiers past retention (or, dry, only say which), in one transaction."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    with db.write() as conn:
        due = due_dossiers(conn, cutoff)
        if due and not dry_run:
            for start in range(0, len(due), 500):  # bounded IN lists
                _anonymize(conn, due[start : start + 500], now)
    return RetentionResult(cutoff, due, applied=not dry_run)
