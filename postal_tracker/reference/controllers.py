from __future__ import annotations

from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel

from postal_tracker.accounts.auth import SUPERVISORS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.booking.schemas import Latitude, Longitude, Text, UserId
from postal_tracker.deps import DB, CurrentUser
from postal_tracker.reference import service
from postal_tracker.reference.schemas import HamletView, ProcedureView


class HamletUpdate(BaseModel):
    """Only the fields sent change; `default_postman_id: null` removes the default postman."""

    name: Text(100) | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    default_postman_id: UserId | None = None


class ReferenceController(Controller):
    path = "/api/v1"
    tags = ["reference"]

    @get("/hamlets", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION)], sync_to_thread=True)
    def hamlets(self, db: DB, user: CurrentUser) -> list[HamletView]:
        """The commune's hamlets (ấp) with their centres."""
        with db.read() as conn:
            return service.list_hamlets(conn, user.commune_id)

    @patch("/hamlets/{code:str}", guards=[SUPERVISORS], sync_to_thread=True)
    def update_hamlet(self, db: DB, user: CurrentUser, code: FromPath[str], data: JSONBody[HamletUpdate]) -> HamletView:
        """Rename a hamlet or move its centre; dossiers keep the name they were booked under."""
        changes = data.model_dump(exclude_unset=True)
        # A hamlet always has a name and a centre: null there means "unchanged".
        changes = {k: v for k, v in changes.items() if v is not None or k == "default_postman_id"}
        with db.write() as conn:
            return service.update_hamlet(conn, user.commune_id, code, changes)

    @get("/procedures", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION)], sync_to_thread=True)
    def procedures(self, db: DB) -> list[ProcedureView]:
        """The catalog of commune-level procedures with their national codes and fees."""
        with db.read() as conn:
            return service.list_procedures(conn)
