"""What the desk page receives by injection: `dependencies=DESK_BOARD` on a controller gives its
handlers `desk: Desk`."""

from __future__ import annotations

from litestar.di import NamedDependency, Provide

from postal_tracker.deps import DB, Rules
from postal_tracker.desk.service import DeskService


def provide_desk_service(db: DB, rules: Rules) -> DeskService:
    return DeskService(db, rules)


Desk = NamedDependency[DeskService]
DESK_BOARD = {"desk": Provide(provide_desk_service, sync_to_thread=False)}
