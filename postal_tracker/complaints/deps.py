"""What the complaint handlers receive by injection: `dependencies=COMPLAINTS` on a controller
gives its handlers `complaints: Complaints`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.complaints.service import ComplaintService
from postal_tracker.deps import DB


def provide_complaint_service(db: DB) -> ComplaintService:
    return ComplaintService(db)


Complaints = NamedDependency[ComplaintService]
COMPLAINTS = {"complaints": Provide(provide_complaint_service, sync_to_thread=False)}
