"""The shapes of the audit log's answers (TypedDicts: documentation in /schema, plain dicts at run time)."""

from datetime import datetime
from typing import TypedDict


class AuditEntryView(TypedDict):
    id: int
    at: datetime
    dossier_id: int
    what: str
    """What showed the dossier: dossier, shipment, label, receipt, handover, refused_scans, search,
    manifest, daily_report, desk_page, parcel_page, complaints; or what a desk edit changed:
    changed_full_name, changed_phone, changed_address, changed_note."""
    user_id: int | None
    api_key_id: int | None
    """Set instead of `user_id` when an integration key read it."""
    username: str
    role: str


class AuditPage(TypedDict):
    items: list[AuditEntryView]
    total: int
    limit: int
    offset: int
