from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel, Field

from postal_tracker.accounts.auth import SUPERVISORS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.deps import DB, CurrentUser
from postal_tracker.personal import nfc
from postal_tracker.reference import service
from postal_tracker.reference.schemas import HamletView, ProcedureView


class HamletUpdate(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    default_postman_id: int | None = None


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
        if "name" in changes:
            changes["name"] = nfc(changes["name"])
        with db.write() as conn:
            return service.update_hamlet(conn, user.commune_id, code, changes)

    @get("/procedures", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION)], sync_to_thread=True)
    def procedures(self, db: DB) -> list[ProcedureView]:
        """The catalog of commune-level procedures with their national codes and fees."""
        with db.read() as conn:
            return service.list_procedures(conn)
