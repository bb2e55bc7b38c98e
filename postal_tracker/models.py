"""The tables. Only the models are shared between contexts; each context owns its queries.

Glossary (Vietnamese once, English everywhere else):
commune = xã, hamlet = ấp, dossier = hồ sơ thủ tục hành chính, desk = Bộ phận Tiếp nhận và
Trả kết quả (one-stop desk), post office = Bưu điện văn hóa xã, handover = giao nhận,
receipt = biên nhận, manifest = bảng kê / lộ trình phát.

A dossier keeps copies of the names it was booked under (procedure, hamlet), because
administrative units and catalogs change (Tam Phước was merged into Tam An in 2025).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from postal_tracker.crypto import Encrypted
from postal_tracker.db import UTCDateTime, utcnow


def _time(*, nullable: bool = False, index: bool = False, default: bool = False) -> Any:
    return Field(
        default_factory=utcnow if default else None,
        sa_type=UTCDateTime,
        nullable=nullable,
        index=index,
    )


class Commune(SQLModel, table=True):
    __tablename__ = "communes"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str
    district: str | None = None
    province: str
    post_office_name: str
    post_office_address: str
    post_office_lat: float
    post_office_lon: float
    desk_name: str
    desk_address: str
    desk_phone: str | None = None
    desk_lat: float
    desk_lon: float
    merged_into_id: int | None = Field(default=None, foreign_key="communes.id")
    merged_at: datetime | None = _time(nullable=True)  # from then on its parcels count for merged_into
    created_at: datetime = _time(default=True)


class Hamlet(SQLModel, table=True):
    __tablename__ = "hamlets"
    __table_args__ = (sa.UniqueConstraint("commune_id", "code"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="communes.id", index=True)
    code: str = Field(max_length=32)
    name: str
    lat: float
    lon: float
    active: bool = True
    default_postman_id: int | None = Field(default=None, foreign_key="users.id")


class Procedure(SQLModel, table=True):
    """A commune-level administrative procedure from the national catalog."""

    __tablename__ = "procedures"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, max_length=32)
    name: str
    group: str = Field(max_length=16)  # citizen | internal
    fee_vnd: int = 0
    active: bool = True


class User(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int | None = Field(default=None, foreign_key="communes.id", index=True)  # None: province admin
    username: str = Field(unique=True, max_length=64)
    full_name: str = ""
    phone: str | None = None
    role: str = Field(max_length=16)  # clerk | postal | supervisor | admin
    password_hash: str
    active: bool = True
    # Bumped by a disable or a new password: tokens issued before stop working on the next request.
    token_version: int = 0
    created_at: datetime = _time(default=True)


class ApiKey(SQLModel, table=True):
    """An integration client's key. Only a SHA-256 of the (random, 256-bit) key is stored."""

    __tablename__ = "api_keys"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="communes.id", index=True)
    name: str
    key_hash: str = Field(unique=True, max_length=64)
    created_at: datetime = _time(default=True)
    revoked_at: datetime | None = _time(nullable=True)


class Dossier(SQLModel, table=True):
    __tablename__ = "dossiers"
    __table_args__ = (sa.UniqueConstraint("commune_id", "portal_dossier_no"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="communes.id", index=True)  # the commune handling it now
    # The commune it was booked under, and its name then (a merge moves open dossiers on).
    booked_commune_id: int = Field(foreign_key="communes.id")
    commune_name: str
    portal_dossier_no: str | None = Field(default=None, max_length=64)
    source: str = Field(default="desk", max_length=16)  # desk | portal
    procedure_code: str
    procedure_name: str
    applicant_name: str
    applicant_phone: str
    applicant_id_number: str | None = Field(default=None, sa_type=Encrypted)  # encrypted at rest (crypto.py)
    hamlet_code: str
    hamlet_name: str
    address_detail: str
    lat: float
    lon: float
    geo_source: str = Field(max_length=16)  # given | geocoded | hamlet
    delivery_hamlet_code: str | None = None
    delivery_hamlet_name: str | None = None
    delivery_detail: str | None = None
    delivery_lat: float | None = None
    delivery_lon: float | None = None
    delivery_geo_source: str | None = None
    return_by_post: bool = True
    fee_vnd: int = 0
    requested_date: date | None = None
    note: str | None = None
    documents: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    sms_opt_out: bool = False
    anonymized_at: datetime | None = _time(nullable=True)  # retention removed its personal data
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _time(default=True, index=True)


class Shipment(SQLModel, table=True):
    """One leg of a dossier (pickup: citizen -> desk, return: desk -> citizen)."""

    __tablename__ = "shipments"
    __table_args__ = (
        sa.UniqueConstraint("dossier_id", "leg"),
        sa.Index("ix_shipments_commune_status", "commune_id", "status"),
        sa.Index("ix_shipments_commune_due", "commune_id", "due_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    tracking_no: str = Field(unique=True, max_length=13)
    dossier_id: int = Field(foreign_key="dossiers.id", index=True)
    commune_id: int = Field(foreign_key="communes.id")
    leg: str = Field(max_length=8)
    status: str = Field(max_length=24)
    attempts: int = 0  # failed attempts on this leg
    version: int = 0  # bumped by every change; guards against conflicting concurrent scans
    hamlet_code: str
    postman_id: int | None = Field(default=None, foreign_key="users.id")
    scheduled_date: date | None = None
    last_reason: str | None = None
    fee_collected_vnd: int = 0
    due_at: datetime | None = _time(nullable=True)  # set when the post takes the leg (workdays.py)
    next_attempt_on: date | None = None  # local day of the next delivery attempt after a failure
    created_at: datetime = _time(default=True, index=True)
    updated_at: datetime = _time(default=True)


class Handover(SQLModel, table=True):
    """A batch hand-over between postman and desk (biên bản giao nhận)."""

    __tablename__ = "handovers"
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="communes.id", index=True)
    direction: str = Field(max_length=16)  # to_desk | from_desk
    at: datetime = _time()
    count: int
    user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _time(default=True)


class EventRecord(SQLModel, table=True):
    """An applied status change of a shipment (booking included)."""

    __tablename__ = "events"
    __table_args__ = (
        sa.Index("ix_events_shipment", "shipment_id", "id"),
        sa.Index("ix_events_commune_at", "commune_id", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id")
    # The commune whose figures the event counts in: the one holding the dossier at `at`, merges
    # included (reports/attribution.py: `holder`). Written with the event, never read from a client.
    commune_id: int = Field(foreign_key="communes.id")
    event: str = Field(max_length=24)
    code: str = Field(max_length=8)
    status: str = Field(max_length=24)  # the status this event led to
    at: datetime = _time(index=True)
    recorded_at: datetime = _time(default=True)
    reason: str | None = None
    note: str | None = None
    recipient_name: str | None = None
    recipient_relationship: str | None = None
    recipient_id_kind: str | None = Field(default=None, max_length=16)
    recipient_id_number: str | None = Field(default=None, sa_type=Encrypted)  # encrypted at rest, as the next two
    authorization_note: str | None = None
    signature_png: str | None = Field(default=None, sa_type=Encrypted)
    photo_jpeg: str | None = Field(default=None, sa_type=Encrypted)
    lat: float | None = None
    lon: float | None = None
    location_kind: str | None = None
    location_code: str | None = None
    fee_collected_vnd: int | None = None
    scan_id: str | None = Field(default=None, max_length=36)
    handover_id: int | None = Field(default=None, foreign_key="handovers.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")


class ScanRecord(SQLModel, table=True):
    """Every scan received, accepted or refused, exactly as sent: nothing a scanner sent is lost.

    `scan_id` is unique so a retried scan is recognised; a scan without a usable id is kept
    with NULL (both databases allow many NULLs in a unique column).
    """

    __tablename__ = "scan_records"
    __table_args__ = (sa.Index("ix_scan_records_exceptions", "commune_id", "outcome", "resolved_at"),)
    id: int | None = Field(default=None, primary_key=True)
    scan_id: str | None = Field(default=None, unique=True, max_length=36)
    commune_id: int | None = Field(default=None, foreign_key="communes.id")
    user_id: int | None = Field(default=None, foreign_key="users.id")
    received_at: datetime = _time(default=True)
    tracking_no: str | None = None
    event: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    outcome: str = Field(max_length=16)  # accepted | rejected | repeat (a label scanned twice)
    error_status: int | None = None
    error_title: str | None = None
    error_detail: str | None = None
    result: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    shipment_id: int | None = Field(default=None, foreign_key="shipments.id")
    resolved_at: datetime | None = _time(nullable=True)
    resolved_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    resolution_note: str | None = None


class AuditEntry(SQLModel, table=True):
    """One read of a dossier's personal data by staff or an integration key (Law 91/2025)."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_commune_at", "commune_id", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _time(default=True)
    commune_id: int = Field(foreign_key="communes.id")
    dossier_id: int = Field(foreign_key="dossiers.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    api_key_id: int | None = Field(default=None, foreign_key="api_keys.id")
    actor_name: str = Field(max_length=64)  # the username (or the key's name) at the time
    role: str = Field(max_length=16)
    what: str = Field(max_length=32)  # audit.service.Read


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_records"
    __table_args__ = (sa.UniqueConstraint("principal", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    principal: str = Field(max_length=64)
    key: str = Field(max_length=255)
    request_hash: str = Field(max_length=64)
    status_code: int
    response_body: str = Field(sa_type=sa.Text)
    created_at: datetime = _time(default=True)


class OutboxMessage(SQLModel, table=True):
    """A message to send (webhook or SMS), written in the transaction that caused it."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.Index("ix_outbox_due", "status", "next_attempt_at"),
        sa.Index("ix_outbox_ordering", "channel", "ordering_key", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int | None = Field(default=None, foreign_key="communes.id")
    channel: str = Field(max_length=16)  # webhook | sms
    message_id: str = Field(unique=True, max_length=64)  # `webhook-id`, the same on every retry
    type: str = Field(max_length=64)
    ordering_key: str = Field(max_length=64)  # tracking number: delivered in order per parcel
    recipient: str | None = None  # SMS: the phone number
    payload: str = Field(sa_type=sa.Text)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | dead
    attempts: int = 0
    next_attempt_at: datetime = _time(default=True)
    lease_owner: str | None = None
    lease_until: datetime | None = _time(nullable=True)
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime = _time(default=True)
    delivered_at: datetime | None = _time(nullable=True)


class DeliveryAttempt(SQLModel, table=True):
    __tablename__ = "delivery_attempts"
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="outbox_messages.id", index=True)
    attempted_at: datetime = _time(default=True)
    status_code: int | None = None
    error: str | None = None
    duration_ms: int | None = None


class GeocodeCacheEntry(SQLModel, table=True):
    __tablename__ = "geocode_cache"
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, max_length=255)
    found: bool
    lat: float | None = None
    lon: float | None = None
    created_at: datetime = _time(default=True)


class Feedback(SQLModel, table=True):
    __tablename__ = "feedback"
    id: int | None = Field(default=None, primary_key=True)
    shipment_id: int = Field(foreign_key="shipments.id", unique=True)
    rating: int
    comment: str | None = None
    created_at: datetime = _time(default=True)


class Complaint(SQLModel, table=True):
    """A complaint about a parcel (Circular 17/2017 Art. 8), filed by the citizen or at the desk.

    `text` and `resolution` are personal data: only the commune's staff read them."""

    __tablename__ = "complaints"
    __table_args__ = (sa.Index("ix_complaints_commune_status", "commune_id", "status", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    commune_id: int = Field(foreign_key="communes.id")
    shipment_id: int = Field(foreign_key="shipments.id", index=True)
    kind: str = Field(max_length=16)  # late | lost | damaged | staff | other
    text: str = Field(sa_type=sa.Text)
    source: str = Field(max_length=16)  # citizen | desk
    status: str = Field(default="open", max_length=16)  # open | resolved
    due_on: date
    created_by_user_id: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = _time(default=True, index=True)
    resolution: str | None = Field(default=None, sa_type=sa.Text)
    compensation_vnd: int | None = None
    resolved_at: datetime | None = _time(nullable=True, index=True)
    resolved_by_user_id: int | None = Field(default=None, foreign_key="users.id")


def table(model: type[SQLModel]) -> sa.Table:
    """The Core table of a model, for the statements the services write."""
    return model.__table__  # type: ignore[attr-defined]  # set by SQLModel's metaclass on table models
