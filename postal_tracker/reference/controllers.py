from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch
from litestar.params import FromPath, JSONBody
from pydantic import BaseModel

from postal_tracker.accounts.auth import SUPERVISORS, allow
from postal_tracker.accounts.service import Role
from postal_tracker.deps import CurrentUser
from postal_tracker.fields import Latitude, Longitude, Text, UserId
from postal_tracker.reference.deps import REFERENCE, Reference
from postal_tracker.reference.schemas import HamletView, ProcedureView


class HamletUpdate(BaseModel):
    """Only the fields sent change; `default_postman_id: null` removes the default postman."""

    name: Annotated[str, Text(100)] | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    default_postman_id: UserId | None = None


class ReferenceController(Controller):
    path = "/api/v1"
    tags = ["reference"]
    dependencies = REFERENCE

    @get("/hamlets", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION)], sync_to_thread=True)
    def hamlets(self, reference: Reference, user: CurrentUser) -> list[HamletView]:
        """The commune's hamlets (ấp) with their centres."""
        return reference.hamlets(user.commune_id)

    @patch("/hamlets/{code:str}", guards=[SUPERVISORS], sync_to_thread=True)
    def update_hamlet(
        self, reference: Reference, user: CurrentUser, code: FromPath[str], data: JSONBody[HamletUpdate]
    ) -> HamletView:
        """Rename a hamlet or move its centre; dossiers keep the name they were booked under."""
        changes = data.model_dump(exclude_unset=True)
        # A hamlet always has a name and a centre: null there means "unchanged".
        changes = {k: v for k, v in changes.items() if v is not None or k == "default_postman_id"}
        return reference.update_hamlet(user.commune_id, code, changes)

    @get("/procedures", guards=[allow(Role.CLERK, Role.POSTAL, Role.INTEGRATION)], sync_to_thread=True)
    def procedures(self, reference: Reference) -> list[ProcedureView]:
        """The catalog of commune-level procedures with their national codes and fees."""
        return reference.procedures()
