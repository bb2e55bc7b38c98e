"""Request bodies of the document endpoints, and the hand-over as JSON (API.md, Shipments).

No `from __future__ import annotations` here: see postal_tracker/shipments/schemas.py.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal, TypedDict

from pydantic import BaseModel, Field

from postal_tracker.lifecycle import Event, Leg, Status


@dataclass(frozen=True)
class PdfDocument:
    """A printable document: labels (PDF, or ZPL II for a thermal printer), receipt, hand-over
    record, manifest."""

    filename: str
    content: bytes
    media_type: str = "application/pdf"


ZPL = "application/zpl"


LabelSize = Literal["a6", "a4"]
"""`a6`: one 100 x 150 mm thermal label a page; `a4`: four labels a sheet with cut marks."""

LabelFormat = Literal["pdf", "zpl"]
"""`pdf`, or `zpl`: ZPL II for thermal printers (always 100 x 150 mm at 203 dpi; `size` must be `a6`)."""

MAX_LABELS = 500


class LabelBatch(BaseModel):
    tracking_nos: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1, max_length=MAX_LABELS)
    ]
    size: LabelSize = "a6"
    format: LabelFormat = "pdf"


# --- answers ------------------------------------------------------------------------------------


class HandoverItem(TypedDict):
    tracking_no: str
    leg: Leg
    dossier_id: int
    event: Event
    at: datetime
    status: Status
    """The parcel's status now."""
    applicant_name: str
    hamlet_code: str
    hamlet_name: str
    procedure_code: str
    procedure_name: str


class RecordedBy(TypedDict):
    user_id: int | None
    full_name: str | None


class HandoverView(TypedDict):
    """`GET /handovers/{handover_id}`: the hand-over with its parcels; `pdf_url` is the record to sign."""

    handover_id: int
    direction: Literal["to_desk", "from_desk"]
    at: datetime
    count: int
    from_party: str
    to_party: str
    recorded_by: RecordedBy | None
    created_at: datetime
    pdf_url: str
    items: list[HandoverItem]
